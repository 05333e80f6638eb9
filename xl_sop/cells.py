"""The one reader of what a person types in a cell: blank, number, percent, date, month, text.

Every entry point reads cells through this module: the cycle's input tables,
the settings, the =SOP_* cell functions, the forecast's history and the table
helpers in frames. So "Jan-26" is a month everywhere, and "1,5" is an error
everywhere instead of silently becoming 15.

Accepted forms (docs/cycle.md, "What a cell may hold"):

- blank: an empty cell, None, NaN, NaT, text of spaces only.
- number: a number cell; text such as ``1250``, ``-300``, ``+12.5``, ``1e3``, and
  thousands separated by commas or spaces in groups of three (``1,234,567.5``,
  ``1 234``). A comma followed by anything but three digits (``1,5``) is refused:
  is it one and a half or fifteen? TRUE/FALSE and dates are not numbers.
- percent: where the place takes a share (settings, cell-function arguments),
  ``95%`` means 0.95; a number cell formatted as a percent already holds 0.95.
  In data tables a percent sign is refused (``+5%`` typed as an adjustment of
  units would otherwise become 0.05 units).
- date: a date cell; an Excel serial number from 1 (1900-01-01) to 132319
  (2262-04-10, the last day pandas holds), also as text; ISO text (``2026-01-15``, ``2026-01``), month names
  (``Jan-26``, ``Jan 2026``, ``January 2026``, ``15-Jan-2026``). Numeric day/month
  orders such as ``03/04/2026`` are ambiguous and refused.
- month: a date, taken to the first day of its month.

Excel's day 0 is 1899-12-30 (its serials count as if 1900 were a leap year,
so this epoch is right from 1900-03-01 on).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from numbers import Number

import numpy as np
import pandas as pd

from xl_sop.errors import CellError

__all__ = ["EXCEL_EPOCH", "CellError", "is_blank", "number", "date", "month", "text", "number_column",
           "date_column", "text_column", "DATE_EXAMPLE", "NUMBER_EXAMPLE"]

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
LAST_DAY = pd.Timestamp("2262-04-10")
"""The last day pandas can hold (its timestamps count nanoseconds from 1970): later dates are refused, not wrapped."""
FIRST_SERIAL, LAST_SERIAL = 1, (LAST_DAY - EXCEL_EPOCH).days  # 1900-01-01 and 2262-04-10
NUMBER_EXAMPLE = "1250"
DATE_EXAMPLE = "2026-01-01 or Jan 2026"

# Text a person may type for a date, tried in order.
_DATE_TEXT = ("%Y-%m-%d", "%Y-%m", "%Y/%m/%d", "%Y/%m", "%b-%y", "%b %y", "%b-%Y", "%b %Y", "%B %Y", "%B-%Y",
              "%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d-%b-%Y", "%d %b %Y", "%d-%b-%y")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)  # ASCII: '١٢٣' is no number
# Thousands in groups of three, separated by commas or (non-breaking) spaces: 1,234,567.5 or 1 234.
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}([,\u00a0\u202f ]\d{3})+(\.\d*)?", re.ASCII)


def is_blank(value: object) -> bool:
    """An empty cell: None, NaN, NaT or text of spaces only."""
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float):
        return value != value
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, np.floating):
        return bool(np.isnan(value))
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return False


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 20 else text[:17] + "..."


def number(value: object, *, percent: bool = False) -> float | None:
    """The cell as a float, None when blank; CellError when it is not a number.

    percent: whether ``95%`` may stand for 0.95 here (a share); otherwise the
    percent sign is refused.
    """
    if isinstance(value, bool):
        raise CellError(value, "a number", "is TRUE/FALSE, not a number")
    if isinstance(value, Number) and not isinstance(value, complex):
        result = float(value)  # type: ignore[arg-type]
        if result != result:
            return None
        if not np.isfinite(result):
            raise CellError(value, "a number", "is infinite")
        return result
    if isinstance(value, (dt.date, np.datetime64)):
        if is_blank(value):
            return None
        raise CellError(value, "a number", "is a date, not a number")
    if value is None or value is pd.NaT:
        return None
    text = str(value).strip()
    if not text:
        return None
    scale = 1.0
    if text.endswith("%"):
        if not percent:
            raise CellError(value, "a number", f"is text ('{_shown(value)}'), not a number",
                            "type the number without the % sign")
        text, scale = text[:-1].strip(), 0.01
    if _GROUPED_NUMBER.fullmatch(text):
        text = re.sub(r"[,\u00a0\u202f ]", "", text)
    elif "," in text and re.fullmatch(r"[+-]?\d+,\d+", text):
        raise CellError(value, "a number", f"is text ('{_shown(value)}'), not a number",
                        "use a point for decimals (1.5); a comma only separates thousands (1,234)")
    if not _PLAIN_NUMBER.fullmatch(text):
        raise CellError(value, "a number", f"is text ('{_shown(value)}'), not a number")
    # Decimal: '99.9%' is 0.999, not 0.9990000000000001 (which a range check of 0.999 would refuse).
    result = float(Decimal(text) * Decimal(str(scale)))
    if not np.isfinite(result):
        raise CellError(value, "a number", "is infinite")
    return result


def date(value: object) -> pd.Timestamp | None:
    """The cell as a Timestamp (time of day kept), None when blank; CellError when it is not a date."""
    if is_blank(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date, np.datetime64)):
        day = pd.Timestamp(value)
        if day > LAST_DAY:
            raise CellError(value, "a date", f"({day:%Y-%m-%d}) is past {LAST_DAY:%Y-%m-%d}, the last day xl-sop handles")
        return day
    if isinstance(value, bool):
        raise CellError(value, "a date", "is TRUE/FALSE, not a date")
    if isinstance(value, Number) and not isinstance(value, complex):
        return _serial(float(value), value)  # type: ignore[arg-type]
    raw = str(value).strip()
    if _PLAIN_NUMBER.fullmatch(raw):
        return _serial(float(raw), value)
    for fmt in _DATE_TEXT:
        try:
            return pd.Timestamp(dt.datetime.strptime(raw, fmt))
        except ValueError:
            continue
    raise CellError(value, "a date", f"is text ('{_shown(value)}'), not a date", f"type {DATE_EXAMPLE}")


def _serial(serial: float, value: object) -> pd.Timestamp:
    if not FIRST_SERIAL <= serial < LAST_SERIAL + 1:
        raise CellError(value, "a date", f"({_shown(value)}) is not a date",
                        f"a date is a day number from {FIRST_SERIAL} to {LAST_SERIAL} or text such as {DATE_EXAMPLE}")
    return EXCEL_EPOCH + pd.Timedelta(days=serial).round("ms")  # Excel's resolution; the binary fraction is not exact


def month(value: object) -> pd.Timestamp | None:
    """The cell as the first day of its month, None when blank; CellError when it is not a date."""
    day = date(value)
    return None if day is None else pd.Timestamp(day.year, day.month, 1)


def text(value: object) -> str | None:
    """The cell as stripped text, None when blank."""
    return None if is_blank(value) else str(value).strip()


def _objects(values: object) -> np.ndarray:
    """The cells as a 1-d object array (one conversion, whatever came in)."""
    listed = values.tolist() if isinstance(values, (pd.Series, np.ndarray)) else list(values)  # type: ignore[call-overload]
    out = np.empty(len(listed), dtype=object)
    out[:] = listed
    return out


def _of_type(cells: np.ndarray, *kinds: type) -> np.ndarray:
    """Where the cells are exactly of one of the types (not subclasses: a bool is no int here)."""
    return np.fromiter(map(set(kinds).__contains__, map(type, cells)), dtype=bool, count=len(cells))


def number_column(values: object, *, percent: bool = False) -> tuple[np.ndarray, dict[int, CellError]]:
    """A column of cells as floats (NaN for blanks and bad cells) and the bad cells by position (0-based).

    The same result as ``number`` cell by cell: number cells and empty cells are converted by numpy at once,
    only text and other cells one at a time."""
    series = values if isinstance(values, pd.Series) else None
    if series is not None and (pd.api.types.is_float_dtype(series.dtype) or pd.api.types.is_integer_dtype(series.dtype)):
        out = series.to_numpy(dtype=float, na_value=np.nan, copy=True)
        cells = None
    else:
        cells = _objects(values)
        out = np.full(len(cells), np.nan)
        plain = _of_type(cells, float, int, np.float64, np.int64)
        out[plain] = cells[plain].astype(float)
        plain |= _of_type(cells, type(None))
    bad: dict[int, CellError] = {}
    for i in np.flatnonzero(np.isinf(out)).tolist():  # inf is refused as number() refuses it
        bad[i] = CellError(float(out[i]), "a number", "is infinite")
        out[i] = np.nan
    if cells is None:
        return out, bad
    for i in np.flatnonzero(~plain).tolist():  # text, dates, TRUE/FALSE: the cell reader, one by one
        try:
            parsed = number(cells[i], percent=percent)
        except CellError as exc:
            bad[i] = exc
            continue
        if parsed is not None:
            out[i] = parsed
    return out, dict(sorted(bad.items()))


def date_column(values: object, *, to_month: bool = False) -> tuple[pd.Series, dict[int, CellError]]:
    """A column of cells as datetime64 (NaT for blanks and bad cells; a Series keeps its index)
    and the bad cells by position (0-based).

    The same result as ``date`` cell by cell: timestamps and empty cells are taken at once, only the other cells
    one at a time."""
    index = values.index if isinstance(values, pd.Series) else None
    bad: dict[int, CellError] = {}
    if isinstance(values, pd.Series) and pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.astype("datetime64[ns]")
    else:
        cells = _objects(values)
        stamps = np.full(len(cells), None, dtype=object)
        plain = _of_type(cells, pd.Timestamp)
        late = plain.copy()
        late[plain] = [stamp > LAST_DAY for stamp in cells[plain]]
        plain &= ~late  # a Timestamp past the last day: the cell reader says why
        stamps[plain] = cells[plain]
        for i in np.flatnonzero(~plain).tolist():
            try:
                stamps[i] = date(cells[i])
            except CellError as exc:
                bad[i] = exc
        parsed = pd.to_datetime(pd.Series(stamps, index=index, dtype=object))
    if to_month:
        parsed = parsed.dt.to_period("M").dt.to_timestamp()
    return parsed, bad


def text_column(values: object) -> tuple[np.ndarray, np.ndarray]:
    """A column of cells as stripped text (None for blanks, as ``text``) and where the cells are blank."""
    cells = _objects(values)
    out = np.full(len(cells), None, dtype=object)
    strings = _of_type(cells, str)
    stripped = np.array([c.strip() for c in cells[strings]], dtype=object)
    filled = np.zeros(len(cells), dtype=bool)
    filled[np.flatnonzero(strings)[stripped != ""] if len(stripped) else []] = True
    out[filled] = stripped[stripped != ""] if len(stripped) else []
    empty = _of_type(cells, type(None))
    floats = np.flatnonzero(_of_type(cells, float))
    empty[floats[np.isnan(cells[floats].astype(float))]] = True  # NaN: what pandas reads for an empty text cell
    for i in np.flatnonzero(~strings & ~empty).tolist():  # numbers typed as codes: the cell reader
        out[i] = text(cells[i])
        filled[i] = out[i] is not None
    return out, ~filled
