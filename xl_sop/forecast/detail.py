"""Detail-level series (item x location x customer, from a data warehouse) and their sums at the workbook's level.

A warehouse extract names a series by several columns (Item, Location, Customer); ``forecast_many`` names it by
one. :func:`one_key` numbers the combinations for the forecast and :func:`with_key_columns` puts the columns back.
:func:`aggregate` then adds the detail series up to coarser ones (the workbook's items), month by month:

    quantity(item, month) = sum over the item's detail series s of quantity(s, month)
    Forecast(item, month) = sum over s of Forecast(s, month)          (the mean of a sum is the sum of the means)
    LowerP(item, month)   = sum over s of LowerP(s, month), UpperP alike

The summed bounds are the item's interval when its detail series move together (comonotonic): the widest the
item's interval can be, so a cautious range, wider than the interval of a forecast made from the item's own
history when the details are partly independent. A blank number (a series that could not be forecast, a blank
quantity) counts as 0 in the sums; the column Blank says how many rows of the sum had one, Series how many rows
were added up. docs/distributed.md shows the commands.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from xl_sop.errors import InputError

KEY = "SeriesKey"
"""The column naming a detail series while it is forecast (numbers 0, 1, ... in the order of first appearance)."""


def _columns(table: pd.DataFrame, names: Sequence[str], what: str) -> list[str]:
    lookup: dict[str, str] = {str(c).strip().lower(): c for c in table.columns}
    missing = [n for n in names if n.strip().lower() not in lookup]
    if missing:
        cols = ", ".join(str(c) for c in table.columns)
        raise InputError(f"{what} has no column {', '.join(repr(m) for m in missing)} (columns: {cols})")
    return [lookup[n.strip().lower()] for n in names]


def one_key(table: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of the table that name a series, with one more column, KEY, numbering each combination of
    ``columns``; and the combinations (KEY and the columns, one row each). A row with a blank in any of the
    columns names no series and is left out (as forecast_many leaves out a row without an item)."""
    found = _columns(table, columns, "the history table")
    codes = table.groupby(found, sort=False, dropna=True).ngroup()
    keyed = table[codes >= 0].assign(**{KEY: codes[codes >= 0].to_numpy()})
    combos = keyed.drop_duplicates(KEY)[[KEY, *found]].reset_index(drop=True)
    return keyed, combos


def with_key_columns(result: pd.DataFrame, combos: pd.DataFrame) -> pd.DataFrame:
    """A forecast_many result on KEY with the columns KEY stood for in its place (first), KEY dropped."""
    merged = result.merge(combos, on=KEY, how="left", sort=False, validate="many_to_one")
    names = [c for c in combos.columns if c != KEY]
    rest = [c for c in result.columns if c != KEY]
    return merged[names + rest]


def aggregate(table: pd.DataFrame, by: Sequence[str], month_col: str = "Month") -> pd.DataFrame:
    """A long table of detail series summed to the series named by ``by`` (e.g. Item), month by month.

    Groups: ``by``, then the month column and Step when the table has them; their order is the order of
    first appearance. Every other numeric column is summed (blanks count as 0); text columns (Method,
    Explanation, the detail columns not in ``by``) are left out. Added: Series, the rows added up, and
    Blank, how many of them had a blank number. See the module's docstring for what the sums mean.
    """
    if not by:
        raise InputError("aggregate needs the columns to sum to, e.g. --by Item")
    keys = _columns(table, by, "the table")
    extra = [c for c in table.columns if str(c).strip().lower() in (month_col.lower(), "step") and c not in keys]
    keys += extra
    measures = [c for c in table.columns if c not in keys and pd.api.types.is_numeric_dtype(table[c])
                and not pd.api.types.is_bool_dtype(table[c])]
    if not measures:
        raise InputError("the table has no number columns to add up (such as Quantity or Forecast)")
    frame = table[keys + measures].assign(Series=1, Blank=table[measures].isna().any(axis=1).astype(int))
    out = frame.groupby(keys, sort=False, dropna=False).sum(min_count=0)
    return out.reset_index()
