"""The live book: the workbook open in Excel, reached through xlwings (used by sop_macros only).

Kept thin on purpose: it only moves DataFrames in and out of Excel Tables
(ListObjects). Everything it hands over or receives is what FileBook hands over
or receives headless, so the steps tested on files are the steps that run here;
tests/test_book_contract.py holds the two to that, this one over an in-memory
Excel under xlwings' own object model. xlwings is imported by the caller
(sop_macros); this module never imports it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from xl_sop.errors import WorkbookError
from xl_sop.workbook import schema
from xl_sop.workbook.book import date_columns, header_problem, no_room, outline_levels, runs

if TYPE_CHECKING:  # for annotations only: xlwings is an extra, never imported by the core
    import xlwings as xw


def as_text_cell(value: object) -> object:
    """Text from data stays text, as FileBook writes it: never a formula, a number, a date or TRUE.

    Excel reads a string it is handed as it reads typing ("=..." a formula, "00123"
    the number 123, "2026-01" a date, a leading apostrophe dropped); an apostrophe
    in front makes it keep the rest as it is, and is not part of the cell's value
    (xlwings' answer in github.com/xlwings/xlwings/issues/1269).
    """
    if isinstance(value, str) and value:
        return "'" + value
    return value


class XlwingsBook:
    """Tables of an xlwings Book (xw.Book.caller() inside Excel), by name (case-insensitive)."""

    def __init__(self, book: xw.Book):
        self.book = book
        self._tables = {t.name.lower(): t for sheet in book.sheets for t in sheet.tables}

    def has_macros(self) -> bool:
        return True  # a ribbon button of this very workbook is running

    def first_row(self, name: str) -> int:
        row: int = self._table(name).range.row + 1
        return row

    def table_names(self) -> list[str]:
        return sorted(t.name for t in self._tables.values())

    def _table(self, name: str) -> xw.main.Table:
        try:
            return self._tables[name.lower()]
        except KeyError:
            raise WorkbookError(f"the workbook has no table {name} (tables: {', '.join(self.table_names())})") from None

    def table_headers(self, name: str) -> list[str]:
        header = self._table(name).header_row_range
        if header is None:  # Table Design > Header Row turned off
            raise WorkbookError(f"the table {name} has no header row: turn it back on (Table Design > Header Row)")
        # ndim=1: a one-column table's header is a single cell, whose value xlwings hands over as a scalar (the
        # text "Show"), which would otherwise be read as the list of its letters.
        return [str(h) for h in header.options(ndim=1).value]

    def read_table(self, name: str) -> pd.DataFrame:
        table = self._table(name)
        headers = self.table_headers(name)
        body = table.data_body_range
        rows = body.options(ndim=2).value if body is not None else []
        frame = pd.DataFrame(rows, columns=headers, index=pd.RangeIndex(1, len(rows) + 1)).dropna(how="all")
        for column in date_columns(name):  # xlwings hands dates over as dates, but a column of blanks as None
            if column in frame and frame[column].isna().all():
                frame[column] = pd.to_datetime(frame[column])
        return frame

    def check_room(self, name: str, rows: int, headers: Sequence[str] | None = None) -> None:
        # Excel's ListObject grows over whatever is below or beside it without a word, so the cells are looked at first.
        table = self._table(name)
        whole = table.range
        height, width = whole.shape
        if headers is not None:
            problem = header_problem(table.name, headers)
            if problem is not None:
                raise problem
        last_row = whole.row + height - 1
        last_column = whole.column + width - 1
        new_last = whole.row + max(rows, 1) + (1 if table.show_totals else 0)
        new_last_column = last_column if headers is None else whole.column + len(headers) - 1
        taken = []
        if new_last > last_row:  # the rows below, as wide as the table will be
            taken += _filled(table.parent, last_row + 1, whole.column, new_last, new_last_column)
        if new_last_column > last_column:  # the columns to the right, as high as the table is now
            taken += _filled(table.parent, whole.row, last_column + 1, last_row, new_last_column)
        if taken:
            raise no_room(table.parent.name, table.name, sorted(taken), last_column)

    def group_rows(self, name: str, levels: Sequence[int]) -> None:
        """The rows' OutlineLevel through COM, a run of equal levels at a time (Excel counts from 1: level 0 here is
        Excel's 1, not grouped), and the summary row above its detail (Outline.SummaryRow = xlSummaryAbove)."""
        table = self._table(name)
        body = table.data_body_range
        count = body.shape[0] if body is not None else 0
        if len(levels) == 0 and count == 1:  # a table written empty keeps one blank row
            levels = [0]
        wanted = outline_levels(table.name, levels, count)
        sheet = table.parent
        sheet.api.Outline.SummaryRow = XL_SUMMARY_ABOVE
        first = table.range.row + 1
        for a, b, level in runs(wanted):
            _rows(sheet, first + a, first + b).OutlineLevel = level + 1
        if table.show_totals:
            total = first + count
            _rows(sheet, total, total).OutlineLevel = 1

    def write_table(self, name: str, frame: pd.DataFrame, headers: Sequence[str] | None = None) -> None:
        # Table.update resizes the ListObject (rows and columns: Table.resize, Excel's ListObject.Resize), clears the
        # cells it gives up and writes the header and the data. What is attached to the table is left to Excel: it is
        # expected to carry a column's data validation and conditional formats onto the rows a table gains, as it
        # does when a table grows under typing, and a chart over a whole table column grows with it. Not verified
        # for ListObject.Resize from here (no Excel on this machine), so the stand-in models neither; known not to
        # happen: a defined name over $C$6:$C$20 does not follow, and formats or validation on rows the table gives
        # up stay on those (emptied) rows. FileBook does both (follow.py).
        self.check_room(name, len(frame), headers)
        table = self._table(name)
        current = self.table_headers(name)
        headers = current if headers is None else list(headers)
        old_last = table.range.row + table.range.shape[0] - 1
        lookup = {str(c).strip().lower(): c for c in frame.columns}
        try:
            spec = schema.table(name)
        except KeyError:
            spec = None
        first_row = table.range.row + 1
        height = max(len(frame), 1)
        columns: list[list[object]] = []
        for header in headers:
            column = next((c for c in spec.columns if c.name.lower() == header.lower()), None) if spec else None
            if spec is not None and column is not None and column.formula:
                columns.append([schema.formula_for(spec, column, first_row + i) for i in range(height)])
            elif header.lower() in lookup and len(frame):
                columns.append([_cell(v) for v in frame[lookup[header.lower()]].tolist()])
            else:
                columns.append([None] * height)
        # New names go in as text, whatever they look like ("Jan 2026" stays text, not a date).
        names = list(headers) if headers == current else [as_text_cell(h) for h in headers]
        out = pd.DataFrame(dict(enumerate(columns)), index=range(height))
        out.columns = names
        table.update(out, index=False)
        new_last = table.range.row + table.range.shape[0] - 1
        if new_last < old_last:  # rows the table gave up leave its outline (no-op where nothing was grouped)
            _rows(table.parent, new_last + 1, old_last).OutlineLevel = 1


XL_SUMMARY_ABOVE = 0
"""Excel's xlSummaryAbove (XlSummaryRow): the summary row stands above its detail rows."""


def _rows(sheet: xw.Sheet, first: int, last: int) -> Any:
    """The COM object of whole worksheet rows first..last (Range.EntireRow)."""
    return sheet.range((first, 1), (last, 1)).api.EntireRow


def _filled(sheet: xw.Sheet, r1: int, c1: int, r2: int, c2: int) -> list[tuple[int, int]]:
    """The cells of the block that hold something (a value or a formula, even one showing nothing)."""
    formulas = sheet.range((r1, c1), (r2, c2)).formula
    grid = formulas if isinstance(formulas, (list, tuple)) and isinstance(formulas[0], (list, tuple)) else [
        formulas if isinstance(formulas, (list, tuple)) else [formulas]]
    return [(r1 + i, c1 + j) for i, row in enumerate(grid) for j, text in enumerate(row) if text]


def _cell(value: object) -> object:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).to_pydatetime()
    if isinstance(value, (np.integer, np.floating)):
        return float(value)
    if isinstance(value, (dt.date, int, float, bool)):
        return value
    return as_text_cell(str(value))
