"""Turn a user's history into a clean float series, and say what was done.

Rules (documented in docs/forecasting.md):

- ``None``, NaN and blank text are missing periods. Cells are read by
  xl_sop.cells: text that is not a number is an error naming its position
  (1-based, as a planner counts rows).
- Missing periods before the first number are dropped. Zeros before the first
  non-zero value are dropped too: the item had not been launched yet.
- Missing periods inside the series are filled by linear interpolation.
- Missing periods at the end (blanks after the last number) end the history:
  they are months that have not happened yet, as in a range selected longer
  than the data. The forecast starts right after the last number.
- Negative values (net returns) are kept: they are real net demand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from xl_sop.errors import CellError, InputError
from xl_sop.forecast.base import FloatArray


@dataclass
class PreparedSeries:
    values: FloatArray
    """The cleaned history used for fitting (float64, no NaN)."""
    trailing_missing: int
    """Blank periods after the last number: not history (the forecast starts after the last number)."""
    leading_dropped: int
    notes: list[str] = field(default_factory=list)

    @property
    def is_zero(self) -> bool:
        return self.values.size == 0 or not np.any(self.values)


def to_float_array(y: object, what: str = "history") -> FloatArray:
    """A 1-D float array from numbers, None, NaN or numeric text.

    Raises InputError naming the first position that is not a number.
    """
    if isinstance(y, np.ndarray) and y.dtype.kind in "fiub":
        arr = y.astype(float, copy=False).ravel()
    else:
        if isinstance(y, (str, bytes)) or not hasattr(y, "__iter__"):
            y = [y]
        items = flatten(y)
        arr = np.empty(len(items), dtype=float)
        for i, v in enumerate(items):
            arr[i] = _to_float(v, i, what)
    if np.isinf(arr).any():
        pos = int(np.flatnonzero(np.isinf(arr))[0]) + 1
        raise InputError(f"{what} value {pos} is infinite")
    return arr


def flatten(values: object) -> list[object]:
    """Cell values row by row from a scalar or any (nested) iterable: lists, arrays, Series."""
    if isinstance(values, np.ndarray):
        return values.ravel().tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        return [values]
    out: list[object] = []
    for v in values:
        out.extend(flatten(v))
    return out


_PLAIN_NUMBERS = (float, int, np.float64, np.int64)


def _to_float(v: object, i: int, what: str) -> float:
    # Plain numbers and blanks need no cell reader; the reader (and pandas behind it) loads for text, dates and
    # the like only, so that the first =SOP_FORECAST in a fresh process does not wait for pandas.
    if type(v) in _PLAIN_NUMBERS:  # not isinstance: True is an int, and is refused by the reader
        return float(v)  # type: ignore[arg-type]
    if v is None:
        return np.nan
    from xl_sop import cells

    try:
        number = cells.number(v)
    except CellError as exc:
        raise InputError(exc.at(f"{what} value {i + 1}")) from None
    return np.nan if number is None else number


def prepare(y: object) -> PreparedSeries:
    """Clean a history series for fitting (see the module docstring for the rules)."""
    arr = to_float_array(y)
    finite = np.flatnonzero(~np.isnan(arr))
    if finite.size == 0:
        raise InputError("history has no numbers")
    notes: list[str] = []
    first, last = int(finite[0]), int(finite[-1])
    trailing = arr.size - 1 - last
    values = arr[first : last + 1].copy()
    gaps = np.isnan(values)
    if gaps.any():
        idx = np.arange(values.size)
        values[gaps] = np.interp(idx[gaps], idx[~gaps], values[~gaps])
        notes.append(f"{int(gaps.sum())} missing period(s) interpolated")
    nonzero = np.flatnonzero(values != 0)
    leading = first
    if nonzero.size and nonzero[0] > 0:
        leading += int(nonzero[0])
        notes.append(f"{int(nonzero[0])} leading zero period(s) before launch ignored")
        values = values[nonzero[0] :]
    if trailing:
        notes.append(f"{trailing} blank period(s) after the last number: the history ends at the last number")
    return PreparedSeries(values=values, trailing_missing=trailing, leading_dropped=leading, notes=notes)
