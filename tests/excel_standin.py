"""An Excel in memory, under xlwings' own object model: for running XlwingsBook off Windows.

xlwings' Book, Sheet, Table and Range (xlwings/main.py) do no cell work themselves:
they hand it to an engine, on Windows the COM one (xlwings/_xlwindows.py), which
talks to Excel. This module is a third engine that keeps a workbook's cells and
tables in dictionaries. XlwingsBook is handed a real ``xlwings.Book`` over it, so
everything between the two runs as in Excel: xlwings' value conversion (2-D lists,
blanks, dates, numbers), its DataFrame writing and its Table.update (growing and
shrinking a table, clearing the rows it gives up). Only Excel is stood in for:

- cells hold what Excel holds: numbers as floats, text, booleans, dates, formulas;
  reading gives what COM gives (one value for one cell, rows of values for a block,
  None for a blank, a datetime for a date);
- what is handed to a cell is read the way Excel reads a typed entry: "" is a blank,
  a leading apostrophe keeps the rest as text, "=..." is a formula, and so is a
  "+", "-" or "@" before something that is not a number; text that reads as a
  number, TRUE/FALSE or an ISO date becomes one (Excel knows more forms than these,
  depending on the locale; github.com/xlwings/xlwings/issues/1269 and 2248: "001"
  written through xlwings arrives as 1);
- a formula is kept as its text and shows the result saved in the file it came
  from; nothing is calculated, so a formula written here shows a blank;
- a table (ListObject) is a name over a block: a header row and data rows below;
  Table.resize moves its bottom-right corner (rows and columns), as ListObject.Resize does;
- the row outline: each row's OutlineLevel (1, Excel's "not grouped", up to 8) set through
  Range.EntireRow, and the sheet's Outline.SummaryRow (xlSummaryBelow = 1 until set); nothing is
  collapsed or hidden.

The engine hooks (``prepare_xl_data_element``, ``clean_value_data``) do what
_xlwindows.py does, without pywin32: what xlwings hands COM and what it makes of
COM's answer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xlwings as xw
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

_NUMBER = re.compile(r"[+-]?(\d[\d,]*\.?\d*|\.\d+)([eE][+-]?\d+)?%?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?")


@dataclass(frozen=True)
class Formula:
    text: str
    result: object = None
    """What the cell shows: the value saved with the file it was opened from; nothing here calculates."""


def excel_reads(value):
    """What a cell holds after it is handed ``value`` (COM's Range.Value = value): Excel reads text as typing."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if not isinstance(value, str):
        raise TypeError(f"COM cannot hand Excel a {type(value).__name__}")
    text = value.strip()
    if value.startswith("'"):
        return value[1:]
    if _NUMBER.fullmatch(text):
        number = float(text.rstrip("%").replace(",", ""))
        return number / 100 if text.endswith("%") else number
    if value.startswith(("=", "+", "-", "@")):
        return Formula(value)
    if text.upper() in ("TRUE", "FALSE"):
        return text.upper() == "TRUE"
    if _ISO_DATE.fullmatch(text):
        return dt.datetime.fromisoformat(text)
    return value


class Engine:
    """The engine hooks of xlwings' Windows engine, as _xlwindows.Engine has them."""

    name = "excel"
    type = "desktop"

    @staticmethod
    def prepare_xl_data_element(x, options):
        if isinstance(x, (dt.date, np.datetime64)):  # pd.NaT is a datetime too: a blank
            return "" if x is pd.NaT or pd.isna(x) else pd.Timestamp(x).to_pydatetime()
        if pd.isna(x):
            return ""
        if isinstance(x, np.number):
            return float(x)
        return x

    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        def clean(value):
            if value in ("", None):
                return empty_as
            if isinstance(value, dt.datetime):
                return datetime_builder(year=value.year, month=value.month, day=value.day, hour=value.hour,
                                        minute=value.minute, second=value.second, microsecond=value.microsecond)
            if number_builder is not None and isinstance(value, float):
                return number_builder(value)
            return value
        return [[clean(v) for v in row] for row in data]


class App:
    engine = Engine()
    pid = 0


class Named(list):
    """A collection xlwings can call by name or by 1-based position (Excel's Item)."""

    def __call__(self, name_or_index):
        if isinstance(name_or_index, int):
            return self[name_or_index - 1]
        return next(item for item in self if item.name.lower() == str(name_or_index).lower())


class Book:
    def __init__(self, name: str):
        self.name = name
        self.app = App()
        self.sheets = Named()

    @classmethod
    def from_file(cls, path: Path) -> Book:
        """The workbook as Excel would hold it after opening the file: values, dates, formulas, tables."""
        book = cls(Path(path).name)
        wb, saved = load_workbook(path), load_workbook(path, data_only=True)
        for ws in wb.worksheets:
            sheet = Sheet(book, ws.title)
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        result = _as_opened(saved[ws.title].cell(cell.row, cell.column).value)
                        sheet.cells[(cell.row, cell.column)] = _as_opened(cell.value, result)
            for table in ws.tables.values():
                c1, r1, c2, r2 = range_boundaries(table.ref)
                sheet.tables.append(Table(sheet, table.displayName, r1, c1, r2, c2))
            book.sheets.append(sheet)
        return book

    def cell(self, sheet: str, row: int, column: int):
        """What the cell holds (a Formula for a formula), for a test to look at."""
        return self.sheets(sheet).cells.get((row, column))


def _as_opened(value, result=None):
    if isinstance(value, ArrayFormula):
        return Formula(value.text, result)
    if isinstance(value, str) and value.startswith("="):
        return Formula(value, result)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


class Sheet:
    def __init__(self, book: Book, name: str):
        self.book, self.name = book, name
        self.cells: dict[tuple[int, int], object] = {}
        self.tables = Named()
        self.row_levels: dict[int, int] = {}
        """{row: OutlineLevel} of the grouped rows (level 2 and deeper); a row not in it has Excel's level 1."""
        self.Outline = Outline()
        """Worksheet.Outline, reached as sheet.api.Outline."""

    @property
    def api(self) -> Sheet:
        """The COM Worksheet: the stand-in models only Outline on it."""
        return self

    def range(self, cell1, cell2=None) -> Range:
        """A block from (row, column), (row, column, rows, columns) or two corners (tuples or ranges)."""
        if isinstance(cell1, tuple) and len(cell1) == 4:
            return Range(self, *cell1)
        first = _corner(cell1, last=False)
        last = _corner(cell2, last=True) if cell2 is not None else _corner(cell1, last=True)
        return Range(self, first[0], first[1], last[0] - first[0] + 1, last[1] - first[1] + 1)


def _corner(cell, last: bool) -> tuple[int, int]:
    if isinstance(cell, Range):
        return (cell.row + cell.rows - 1, cell.column + cell.columns - 1) if last else (cell.row, cell.column)
    return cell


class Range:
    max_cells_per_read = max_cells_per_write = None  # no chunking

    def __init__(self, sheet: Sheet, row: int, column: int, rows: int, columns: int):
        self.sheet, self.row, self.column, self.rows, self.columns = sheet, row, column, rows, columns
        self.options = {}

    @property
    def api(self):
        return self

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows, self.columns

    @property
    def address(self) -> str:
        return f"R{self.row}C{self.column}:R{self.row + self.rows - 1}C{self.column + self.columns - 1}"

    def __len__(self) -> int:
        return self.rows * self.columns

    def __call__(self, *args: int) -> Range:
        """Excel's Range.Item: the k-th cell (row by row), or the cell at (row, column), counted from 1."""
        if len(args) == 1:
            row, column = divmod(args[0] - 1, self.columns)
            args = (row + 1, column + 1)
        return Range(self.sheet, self.row + args[0] - 1, self.column + args[1] - 1, 1, 1)

    def _addresses(self):
        return [[(r, c) for c in range(self.column, self.column + self.columns)]
                for r in range(self.row, self.row + self.rows)]

    @property
    def raw_value(self):
        rows = [[_shown(self.sheet.cells.get(at)) for at in row] for row in self._addresses()]
        return rows[0][0] if len(self) == 1 else rows

    @raw_value.setter
    def raw_value(self, value) -> None:
        grid = self._addresses()
        if not isinstance(value, (list, tuple)):
            value = [[value] * self.columns] * self.rows
        for addresses, values in zip(grid, value, strict=False):
            for at, v in zip(addresses, values, strict=False):
                held = excel_reads(v)
                if held is None:
                    self.sheet.cells.pop(at, None)
                else:
                    self.sheet.cells[at] = held

    @property
    def formula(self):
        """COM's Range.Formula: a formula's text, a constant as text, "" for a blank; a block gives rows of them."""
        rows = [[_as_typed(self.sheet.cells.get(at)) for at in row] for row in self._addresses()]
        return rows[0][0] if len(self) == 1 else tuple(tuple(row) for row in rows)

    def clear_contents(self) -> None:
        for row in self._addresses():
            for at in row:
                self.sheet.cells.pop(at, None)

    @property
    def EntireRow(self) -> EntireRows:  # noqa: N802 (COM's name)
        return EntireRows(self.sheet, self.row, self.row + self.rows - 1)


class Outline:
    """Worksheet.Outline: where summary rows stand (XlSummaryRow: 0 above the detail, 1 below, Excel's default)."""

    def __init__(self) -> None:
        self._summary_row = 1

    @property
    def SummaryRow(self) -> int:  # noqa: N802
        return self._summary_row

    @SummaryRow.setter
    def SummaryRow(self, value: int) -> None:  # noqa: N802
        if value not in (0, 1):
            raise ValueError(f"XlSummaryRow is 0 or 1, not {value!r}")
        self._summary_row = value


class EntireRows:
    """Range.EntireRow of rows first..last: OutlineLevel reads one level (None when they differ) and sets them all;
    Excel refuses a level outside 1-8."""

    def __init__(self, sheet: Sheet, first: int, last: int):
        self.sheet, self.first, self.last = sheet, first, last

    @property
    def OutlineLevel(self):  # noqa: N802
        levels = {self.sheet.row_levels.get(r, 1) for r in range(self.first, self.last + 1)}
        return levels.pop() if len(levels) == 1 else None

    @OutlineLevel.setter
    def OutlineLevel(self, value: int) -> None:  # noqa: N802
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 8:
            raise ValueError(f"Unable to set the OutlineLevel property of the Range class ({value!r})")
        for r in range(self.first, self.last + 1):
            if value == 1:
                self.sheet.row_levels.pop(r, None)
            else:
                self.sheet.row_levels[r] = value


def _as_typed(held) -> str:
    if held is None:
        return ""
    return held.text if isinstance(held, Formula) else str(held)


def _shown(held):
    """A cell's value as COM reads it: a formula shows its result."""
    return held.result if isinstance(held, Formula) else held


class Table:
    """A ListObject: a header row at (first_row, first_column) and data rows down to last_row."""

    show_headers = True
    show_totals = False  # no Total Row is modelled here

    def __init__(self, sheet: Sheet, name: str, first_row: int, first_column: int, last_row: int, last_column: int):
        self.parent, self.name = sheet, name
        self.first_row, self.first_column, self.last_row, self.last_column = first_row, first_column, last_row, last_column

    @property
    def range(self) -> Range:
        return Range(self.parent, self.first_row, self.first_column, self.last_row - self.first_row + 1,
                     self.last_column - self.first_column + 1)

    @property
    def header_row_range(self) -> Range:
        return Range(self.parent, self.first_row, self.first_column, 1, self.last_column - self.first_column + 1)

    @property
    def data_body_range(self) -> Range | None:
        if self.last_row == self.first_row:
            return None
        return Range(self.parent, self.first_row + 1, self.first_column, self.last_row - self.first_row,
                     self.last_column - self.first_column + 1)

    def resize(self, new: xw.Range) -> None:
        """Excel's ListObject.Resize: the header stays where it is, the table now covers ``new``."""
        block = new.impl
        if (block.row, block.column) != (self.first_row, self.first_column):
            raise ValueError("a table's header row cannot move")
        self.last_row, self.last_column = block.row + block.rows - 1, block.column + block.columns - 1


def xlwings_book(path: Path) -> tuple[xw.Book, Book]:
    """An xlwings Book over the workbook file opened in the stand-in, and the stand-in (to look at its cells)."""
    excel = Book.from_file(path)
    return xw.Book(impl=excel), excel
