"""Reading the data-contract tables: column names, months, item attributes.

Every table-level function in the core takes DataFrames as the workbook (or a
CSV) gives them; these helpers make the contract's column spelling and the
month convention (first day of the month) hold before any arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from xl_sop import cells
from xl_sop.errors import CellError, InputError


def columns(table: pd.DataFrame, name: str, *required: str) -> pd.DataFrame:
    """The table with its required columns renamed to the contract's spelling.

    Names match case-insensitively and ignoring surrounding spaces; a missing
    column is an error naming the table and listing the columns it has.
    """
    lookup = {str(c).strip().lower(): c for c in table.columns}
    missing = [c for c in required if c.lower() not in lookup]
    if missing:
        raise InputError(f"table {name} has no column {', '.join(missing)} (columns: {', '.join(map(str, table.columns))})")
    return table.rename(columns={lookup[c.lower()]: c for c in required})


def optional_column(table: pd.DataFrame, column: str) -> str | None:
    """The table's own spelling of an optional column, or None."""
    lookup = {str(c).strip().lower(): c for c in table.columns}
    return lookup.get(column.lower())


def month_start(series: pd.Series) -> pd.Series:
    """Dates as month-start timestamps, read by xl_sop.cells (anything unreadable becomes NaT)."""
    return cells.date_column(series, to_month=True)[0]


def _first_bad(table: pd.DataFrame, name: str, col: str, bad: dict[int, CellError], example: str) -> None:
    if bad:
        position = min(bad)
        raise InputError(f"table {name}, row {position + 1}, column {col}: {bad[position].table_text(example)}")


def number_values(table: pd.DataFrame, name: str, col: str) -> pd.Series:
    """A column read by xl_sop.cells as floats (blanks NaN); the first cell that is not a number is an
    error naming table, row (1 = the first data row) and column."""
    values, bad = cells.number_column(table[col])
    _first_bad(table, name, col, bad, cells.NUMBER_EXAMPLE)
    return pd.Series(values, index=table.index, name=col)


def as_numbers(values: pd.Series) -> pd.Series:
    """A column read by xl_sop.cells as floats, where anything that is not a number counts as blank (NaN).

    For the tables steps write and read back, whose typed cells were checked before the step ran."""
    return pd.Series(cells.number_column(values)[0], index=values.index, name=values.name)


def month_values(table: pd.DataFrame, name: str, col: str) -> pd.Series:
    """A column read by xl_sop.cells as month-start timestamps (blanks NaT); the first cell that is not
    a date is an error naming table, row and column."""
    months, bad = cells.date_column(table[col], to_month=True)
    _first_bad(table, name, col, bad, cells.DATE_EXAMPLE)
    return months


def checked(table: pd.DataFrame, name: str, *, numbers: Sequence[str] = (), dates: Sequence[str] = ()) -> pd.DataFrame:
    """The table with these columns read by xl_sop.cells: numbers as floats, dates as timestamps (blanks NaN/NaT).

    The first cell that is neither blank nor readable is an error naming table, row and column: a table
    function never counts an unreadable cell as blank without a word.
    """
    out = table.copy()
    for col in numbers:
        out[col] = number_values(out, name, col)
    for col in dates:
        days, bad = cells.date_column(out[col])
        _first_bad(out, name, col, bad, cells.DATE_EXAMPLE)
        out[col] = days
    return out


def numbers(table: pd.DataFrame, name: str, *cols: str, allow_negative: bool = False) -> pd.DataFrame:
    """The columns as floats; text, or negatives when not allowed, is an error naming table, row and column.

    Rows are counted as a planner sees them in the table: 1 is the first data row.
    Blank cells stay NaN; the caller decides what a blank means.
    """
    out = table.copy()
    for col in cols:
        converted = number_values(out, name, col)
        if not allow_negative and (converted < 0).any():
            row = int((converted < 0).to_numpy().nonzero()[0][0]) + 1
            raise InputError(f"table {name}, row {row}, column {col}: {converted.iloc[row - 1]:g} is negative")
        out[col] = converted
    return out


def item_attributes(items: pd.DataFrame, *attributes: str) -> pd.DataFrame:
    """The Items table reduced to Item and the given columns, one row per item.

    A duplicated item is an error naming both rows: which price would apply?
    """
    items = columns(items, "Items", "Item", *attributes)
    dup = items["Item"].duplicated(keep=False)
    if dup.any():
        rows = (dup.to_numpy().nonzero()[0][:2] + 1).tolist()
        raise InputError(f"table Items, rows {rows[0]} and {rows[1]}: item '{items['Item'][dup].iloc[0]}' is listed twice")
    return items[["Item", *attributes]].reset_index(drop=True)


def require_items(used: pd.Series, items: pd.DataFrame, table: str) -> None:
    """Every item a table uses must have a row in Items (its family, price, resource)."""
    unknown = sorted(set(used.dropna().astype(str)) - set(items["Item"].astype(str)))
    if unknown:
        shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        raise InputError(f"table {table} uses items that are not in table Items: {shown}")


def monthly(table: pd.DataFrame, name: str, value: str = "Quantity", *, keys: Sequence[str] = ("Item",)) -> pd.DataFrame:
    """A long table (keys, Month, value) checked and summed to one row per key and month.

    Months become month-start timestamps; a Month that is not a date, or a value
    that is not a number, is an error naming the table, row and column.
    """
    t = numbers(columns(table, name, *keys, "Month", value), name, value, allow_negative=True)
    t = t.assign(Month=month_values(t, name, "Month")).dropna(subset=[*keys, "Month"])
    return t.groupby([*keys, "Month"], as_index=False, sort=True)[value].sum()


def grid(long: pd.DataFrame, value: str, rows: pd.Index, months: pd.DatetimeIndex, key: str = "Item") -> np.ndarray:
    """The long table as a rows x months array; absent cells are 0."""
    wide = long.pivot_table(index=key, columns="Month", values=value, aggfunc="sum")
    values: np.ndarray = wide.reindex(index=rows, columns=months).fillna(0.0).to_numpy(dtype=float)
    return values


def without_noise(frame: pd.DataFrame, tolerance: float = 1e-9) -> pd.DataFrame:
    """Float round-off (5.7e-14 left over from sums of equal amounts) shown as 0: people read these tables."""
    out = frame.copy()
    for col in out.select_dtypes(include="float").columns:
        values = out[col].to_numpy()
        out[col] = np.where(np.abs(values) < tolerance, 0.0, values)
    return out
