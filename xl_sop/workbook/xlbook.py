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
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from xl_sop.errors import WorkbookError
from xl_sop.workbook import schema
from xl_sop.workbook.book import date_columns, no_room

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
        return [str(h) for h in header.value]

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

    def check_room(self, name: str, rows: int) -> None:
        # Excel's ListObject grows over whatever is below it without a word, so the cells are looked at first.
        table = self._table(name)
        whole = table.range
        height, width = whole.shape
        last_row = whole.row + height - 1
        new_last = whole.row + max(rows, 1) + (1 if table.show_totals else 0)
        if new_last <= last_row:
            return
        last_column = whole.column + width - 1
        formulas = table.parent.range((last_row + 1, whole.column), (new_last, last_column)).formula
        grid = formulas if isinstance(formulas, (list, tuple)) and isinstance(formulas[0], (list, tuple)) else [
            formulas if isinstance(formulas, (list, tuple)) else [formulas]]
        taken = [(last_row + 1 + i, whole.column + j) for i, row in enumerate(grid) for j, text in enumerate(row) if text]
        if taken:
            raise no_room(table.parent.name, table.name, taken)

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        self.check_room(name, len(frame))
        table = self._table(name)
        headers = self.table_headers(name)
        lookup = {str(c).strip().lower(): c for c in frame.columns}
        try:
            spec = schema.table(name)
        except KeyError:
            spec = None
        first_row = table.range.row + 1
        out = pd.DataFrame(index=range(max(len(frame), 1)))
        for header in headers:
            column = next((c for c in spec.columns if c.name.lower() == header.lower()), None) if spec else None
            if spec is not None and column is not None and column.formula:
                out[header] = [schema.formula_for(spec, column, first_row + i) for i in range(len(out))]
            elif header.lower() in lookup and len(frame):
                out[header] = [_cell(v) for v in frame[lookup[header.lower()]].tolist()]
            else:
                out[header] = None
        table.update(out, index=False)


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
