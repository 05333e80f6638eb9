"""Turning cell values into arrays for the metrics: pairs, dates, choices."""

from __future__ import annotations

import datetime as dt
from numbers import Number

import numpy as np

from xl_sop.errors import InputError
from xl_sop.forecast.prepare import flatten, to_float_array

EXCEL_EPOCH = dt.datetime(1899, 12, 30)


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
    """A date from a datetime, date, Excel serial number or ISO text; None for blank."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else v.astype("datetime64[D]").item()
    if hasattr(v, "to_pydatetime"):  # pandas Timestamp / NaT
        return None if v != v else v.to_pydatetime().date()
    if isinstance(v, bool):
        raise InputError(f"{what} value {i + 1} is TRUE/FALSE, not a date")
    if isinstance(v, Number):
        if not 1 <= v < 2958466:
            raise InputError(f"{what} value {i + 1} ({v}) is not a date")
        return (EXCEL_EPOCH + dt.timedelta(days=float(v))).date()
    if isinstance(v, str):
        if not v.strip():
            return None
        try:
            return dt.date.fromisoformat(v.strip()[:10])
        except ValueError:
            raise InputError(f"{what} value {i + 1} is text ('{v}'), not a date (use a date cell or YYYY-MM-DD)") from None
    raise InputError(f"{what} value {i + 1} is not a date")


def dates(x, what: str) -> list:
    return [to_date(v, what, i) for i, v in enumerate(flatten(x))]
