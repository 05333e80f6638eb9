"""Turning cell values into arrays for the metrics: pairs, dates, choices."""

from __future__ import annotations

import datetime as dt

import numpy as np

from xl_sop import cells
from xl_sop.errors import CellError, InputError
from xl_sop.forecast.prepare import flatten, to_float_array


def values(x, what: str) -> np.ndarray:
    """Floats with NaN for blanks; text that is not a number is an error naming its position."""
    return to_float_array(x, what)


def aligned(*named) -> tuple[np.ndarray, ...]:
    """Equal-length float arrays, keeping positions where every one is a number.

    ``named`` is (name, values) pairs. Different lengths are an error naming both.
    """
    arrays = [values(x, name) for name, x in named]
    n = arrays[0].size
    for (name, _), arr in zip(named[1:], arrays[1:]):
        if arr.size != n:
            raise InputError(f"{named[0][0]} has {n} values but {name} has {arr.size}: give ranges of equal length")
    keep = np.all([~np.isnan(a) for a in arrays], axis=0)
    return tuple(a[keep] for a in arrays)


def nonempty(arr: np.ndarray, what: str) -> np.ndarray:
    if arr.size == 0:
        raise InputError(f"nothing to measure: no {what} with numbers")
    return arr


def ratio(num: float, den: float, what: str) -> float:
    if den == 0:
        raise InputError(f"{what} is zero: the ratio is undefined")
    return float(num / den)


def choice(value, options: tuple[str, ...], what: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return options[0]
    text = str(value).strip().lower()
    if text not in options:
        raise InputError(f"{what} must be one of {', '.join(options)}, not '{value}'")
    return text


def to_date(v, what: str, i: int) -> dt.date | None:
    """A date cell read by xl_sop.cells (a date, an Excel serial number, ISO or month text); None for blank."""
    try:
        stamp = cells.date(v)
    except CellError as exc:
        raise InputError(exc.at(f"{what} value {i + 1}")) from None
    return None if stamp is None else stamp.date()


def dates(x, what: str) -> list:
    return [to_date(v, what, i) for i, v in enumerate(flatten(x))]
