"""Time-phased grids: one row per thing and measure, one column per month, the way planners read a plan.

The steps compute long tables (one row per item, resource or family and month), which the other steps read;
the grids on the step sheets show the same figures turned, with months across. This module does the turning
for every grid, and says how a grid's rows are grouped (an Excel row outline: the rows of a family's or a
resource's items fold under its own rows).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from xl_sop import cells
from xl_sop.workbook import schema

TOTAL = schema.FAMILY_ROW_ITEM
"""The Item column of the rows that stand for a whole family or resource."""
KEPT = " (kept: not in this plan)"
"""Added to the Measure of a typed row whose item, family or contributor is gone; it stays at the bottom."""
PART = " · "
"""Joins an item and its region (and segment) in the Item column of a region's rows: 'BEV-1000 · North'."""


def month_header(month: pd.Timestamp) -> str:
    """A month column's header: 'Jan 2027' (Excel table headers are text)."""
    return f"{month:%b %Y}"


def header_month(header: object) -> pd.Timestamp | None:
    """The month a column header names, None for a header that names no month."""
    if not isinstance(header, str):
        return None
    try:
        return pd.Timestamp(pd.to_datetime(header, format="%b %Y"))
    except (ValueError, TypeError):
        return None


def outline_levels(grid: pd.DataFrame) -> list[int]:
    """The outline level of each grid row: 1 for an item's rows (grouped under their family's or resource's, to
    fold away), 2 for a region's rows (under their item's), 0 for the rows of a whole family or resource, kept rows,
    and every row of a grid without items."""
    if grid.empty or "Item" not in grid:
        return [0] * len(grid)
    item = grid["Item"].map(cells.text)
    measure = grid["Measure"].map(lambda v: cells.text(v) or "") if "Measure" in grid else pd.Series("", index=grid.index)
    return [0 if i == TOTAL or i is None or m.endswith(KEPT) else 2 if PART in i else 1
            for i, m in zip(item, measure, strict=True)]


def turned(long: pd.DataFrame, labels: Sequence[str], measures: Sequence[tuple[str, str]], months: pd.DatetimeIndex,
           scale: dict[str, float] | None = None) -> pd.DataFrame:
    """``long`` (label columns, Month, measure columns) as a grid: per distinct label values (in their order of
    first appearance), one row per measure (grid name, long column), one column per month: the sum of the month's
    figures (blank where it has none, and for label values with a blank among them).

    ``scale`` multiplies a measure's figures (utilisation 1.03 shown as 103 on a row named '... %')."""
    header = [*labels, "Measure", *(month_header(m) for m in months)]
    if long.empty:
        return pd.DataFrame(columns=header)
    key_frame = long[list(labels)]
    # one group per distinct label values, numbered in their order of first appearance; all measures summed at once
    # (a loop over the keys took seconds at 5,000 items)
    code = key_frame.groupby(list(labels), sort=False, dropna=False).ngroup().to_numpy()
    first = np.unique(code, return_index=True)[1]
    keys = key_frame.iloc[first]
    position = months.get_indexer(pd.to_datetime(long["Month"]))
    used = position >= 0
    columns = list(dict.fromkeys(column for _shown, column in measures))
    figures = pd.DataFrame({c: pd.to_numeric(long[c], errors="coerce").to_numpy() for c in columns})[used]
    sums = figures.groupby([code[used], position[used]]).sum(min_count=1)
    at = (sums.index.get_level_values(0).to_numpy(dtype=np.intp), sums.index.get_level_values(1).to_numpy(dtype=np.intp))
    blank_key = keys.isna().any(axis=1).to_numpy()  # a blank label matches no row (as a comparison with it would)
    grids = {}
    for column in columns:
        grid = np.full((len(keys), months.size), np.nan)
        grid[at] = sums[column].to_numpy(dtype=float)
        grid[blank_key] = np.nan
        grids[column] = grid
    rows = []
    for k, key in enumerate(keys.itertuples(index=False)):
        for shown, column in measures:
            values = (grids[column][k] * (scale or {}).get(shown, 1.0)).tolist()
            rows.append([*key, shown, *[None if v != v else round(v, 2) for v in values]])
    return pd.DataFrame(rows, columns=header)
