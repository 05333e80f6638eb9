"""The wrapper every cell function shares: errors become one short text.

Excel error values in the arguments (#N/A from a failed lookup, #DIV/0!, #REF!)
arrive as their text (xlwings' err_to_str) and are answered like Excel's own
functions answer them: the result says which argument holds which error,
instead of treating the cell as blank and forecasting from a broken range.
"""

from __future__ import annotations

import functools
import inspect
import math

import numpy as np
import xlwings as xw

from xl_sop.errors import translate
from xl_sop.forecast.prepare import flatten

MAX_MESSAGE = 250
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})


def cell_function(func):
    """Return the function's value, or 'SOP_NAME: what is wrong' instead of raising.

    Excel shows a Python exception's text in the cell; this makes that text a
    sentence a planner can act on, and never a traceback.
    """
    name = func.__name__
    parameters = list(inspect.signature(func).parameters)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            error = _first_error(parameters, args, kwargs)
            if error:
                return _short(f"{name}: {error}")
            with np.errstate(all="ignore"):  # overflow to inf is caught below and said in words
                result = func(*args, **kwargs)
            if not _finite(result):  # a single value or any cell of a spilled result
                return f"{name}: the result is not a finite number (are some values too large?)"
            return result
        except Exception as exc:  # noqa: BLE001 - the cell must get text, whatever failed
            return _short(f"{name}: {translate(exc)}")

    for parameter in parameters:  # error cells arrive as '#N/A' rather than as blanks
        xw.arg(parameter, err_to_str=True)(wrapper)
    return wrapper


def _first_error(parameters: list[str], args: tuple, kwargs: dict) -> str | None:
    given = {**dict(zip(parameters, args, strict=False)), **kwargs}  # args stop where defaults begin
    for parameter, value in given.items():
        cells = flatten(value)
        for i, cell in enumerate(cells):
            if isinstance(cell, str) and cell.strip().upper() in EXCEL_ERRORS:
                where = f"{parameter} value {i + 1}" if len(cells) > 1 else parameter
                return f"{where} is the error {cell.strip().upper()}: fix that cell (or the formula feeding it) first"
    return None


def _finite(result) -> bool:
    return all(math.isfinite(v) for v in flatten(result) if isinstance(v, float))


def _short(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."
