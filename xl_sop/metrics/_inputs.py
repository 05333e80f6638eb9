"""Turning cell values into what the metric routines take: arrays of numbers and days, choices.

A cell function converts its ranges here, calls the metric's grouped routine
with a single group (xl_sop.metrics.groups) and turns "nothing to measure" or
an undefined result into the InputError its cell shows (``single_value``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from xl_sop import cells
from xl_sop.errors import CellError, InputError
from xl_sop.forecast.base import FloatArray
from xl_sop.forecast.prepare import flatten, to_float_array
from xl_sop.metrics.groups import DayArray


def values(x: object, what: str) -> FloatArray:
    """Floats with NaN for blanks; text that is not a number is an error naming its position."""
    return to_float_array(x, what)


def equal_length(*named: tuple[str, object]) -> tuple[FloatArray, ...]:
    """Float arrays of ranges that pair up cell by cell, blanks kept as NaN.

    ``named`` is (name, values) pairs. Different lengths are an error naming both.
    """
    arrays = [values(x, name) for name, x in named]
    n = arrays[0].size
    for (name, _), arr in zip(named[1:], arrays[1:], strict=True):
        if arr.size != n:
            raise InputError(f"{named[0][0]} has {n} values but {name} has {arr.size}: give ranges of equal length")
    return tuple(arrays)


def single_value(result: pd.DataFrame, column: str, *, counted: str, nothing: str, undefined: str) -> float:
    """The value of a one-group result, or the InputError a cell shows instead of a blank.

    counted: the result's column counting the rows measured (0 = "nothing to measure: no <nothing>");
    undefined: the message for a blank (NaN) value, e.g. a zero denominator.
    """
    row = result.iloc[0]
    if row[counted] == 0:
        raise InputError(f"nothing to measure: no {nothing}")
    value = float(row[column])
    if np.isnan(value):
        if np.isinf(row.to_numpy(dtype=float)).any():
            raise InputError("the result is not a finite number (are some values too large?)")
        raise InputError(undefined)
    return value


def choice(value: object, options: tuple[str, ...], what: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return options[0]
    text = str(value).strip().lower()
    if text not in options:
        raise InputError(f"{what} must be one of {', '.join(options)}, not '{value}'")
    return text


def to_date(v: object, what: str, i: int) -> dt.date | None:
    """A date cell read by xl_sop.cells (a date, an Excel serial number, ISO or month text); None for blank."""
    try:
        stamp = cells.date(v)
    except CellError as exc:
        raise InputError(exc.at(f"{what} value {i + 1}")) from None
    return None if stamp is None else stamp.date()


def dates(x: object, what: str) -> list[dt.date | None]:
    return [to_date(v, what, i) for i, v in enumerate(flatten(x))]


def days(x: object, what: str) -> DayArray:
    """Dates as day numbers (datetime64[D]), NaT for blanks."""
    return np.array([np.datetime64("NaT") if d is None else np.datetime64(d, "D") for d in dates(x, what)],
                    dtype="datetime64[D]")


def as_of_day(as_of: object) -> np.datetime64:
    """The as-of date as a day; blank = today."""
    day = dates([as_of], "as_of")[0] if as_of is not None else None
    return np.datetime64(day or dt.date.today(), "D")
