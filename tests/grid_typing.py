"""Typing into the demand grid of a real workbook file, cell by cell, as a planner does in Excel."""

from __future__ import annotations

import pandas as pd
from openpyxl.utils import get_column_letter

from xl_sop.cycle.grids import TOTAL, month_header
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import FileBook

GRID = schema.table("tblDemandView")


def grid_cell(book: FileBook, family: str, item: str | None, measure: str, month: pd.Timestamp | None) -> str:
    """The address (such as AC25) of a cell of the grid: the row of (family, item, measure), the column of the month
    (None: the Lock column). ``item`` None: the family's own rows."""
    frame = book.read_table(GRID.name)
    item = TOTAL if item is None else item
    match = frame[(frame["Family"] == family) & (frame["Item"] == item) & (frame["Measure"] == measure)]
    assert len(match) == 1, f"no single grid row {family} / {item} / {measure}"
    row = book.first_row(GRID.name) + int(match.index[0]) - 1
    headers = book.table_headers(GRID.name)
    header = "Lock" if month is None else month_header(pd.Timestamp(month))
    column = schema.table_origin(GRID)[1] + headers.index(header)
    return f"{get_column_letter(column)}{row}"


def type_in_grid(book: FileBook, cells: dict[tuple[str, str | None, str, pd.Timestamp | str | None], object]) -> None:
    """Type values into grid cells {(family, item or None, measure, month or None for Lock): value}; not saved."""
    book.write_cells(GRID.sheet, {grid_cell(book, f, i, m, None if mo is None else pd.Timestamp(mo)): v
                                  for (f, i, m, mo), v in cells.items()})


def grid_value(book: FileBook, family: str, item: str | None, measure: str, month: pd.Timestamp | str) -> object:
    """What a grid cell holds, as the book reads it."""
    frame = book.read_table(GRID.name)
    item = TOTAL if item is None else item
    match = frame[(frame["Family"] == family) & (frame["Item"] == item) & (frame["Measure"] == measure)]
    assert len(match) == 1, f"no single grid row {family} / {item} / {measure}"
    return match[month_header(pd.Timestamp(month))].iloc[0]
