"""The "book" the cycle steps read and write: tables by name, nothing else.

Two implementations: FileBook (a workbook file on disk, headless) and
XlwingsBook (the open workbook in Excel, for the ribbon). A step that works on
one works on the other; only how cells are reached differs. Every function that
is handed a book takes a Book; tests/test_book_contract.py runs the same tests on
both implementations.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pandas as pd
from openpyxl.utils import get_column_letter

from xl_sop.errors import WorkbookError
from xl_sop.workbook import schema


@runtime_checkable
class Book(Protocol):
    def table_names(self) -> list[str]:
        """The names of the book's tables."""

    def table_headers(self, name: str) -> list[str]:
        """The table's column names, left to right (without reading its rows)."""

    def read_table(self, name: str) -> pd.DataFrame:
        """The table's data rows (index = data row number, 1 = first row under the header)."""

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        """Replace the table's data rows; schema formula columns get their formula in every row.

        Raises (changing nothing) what check_room raises."""

    def check_room(self, name: str, rows: int) -> None:
        """Raise WorkbookError if the table cannot take ``rows`` data rows without covering cells that hold
        something (a note typed below it): it never grows over someone's cells."""

    def first_row(self, name: str) -> int:
        """The worksheet row of the table's first data row (the row number Excel shows, under the header)."""

    def has_macros(self) -> bool:
        """Whether the book still carries its VBA project (the ribbon buttons and the =SOP_ cell functions)."""


def date_columns(table_name: str) -> list[str]:
    """The columns of a schema table that both books hand over as dates (those with a date or month format)."""
    try:
        spec = schema.table(table_name)
    except KeyError:
        return []
    return [c.name for c in spec.columns if "yy" in c.format]


def no_room(sheet: str, table: str, taken: list[tuple[int, int]]) -> WorkbookError:
    """The one-line refusal when growing ``table`` would cover the cells ``taken`` ((row, column), not empty)."""
    rows = [r for r, _ in taken]
    columns = [c for _, c in taken]
    first = f"{get_column_letter(min(columns))}{min(rows)}"
    last = f"{get_column_letter(max(columns))}{max(rows)}"
    cells = first if first == last else f"{first}:{last}"
    return WorkbookError(f"{sheet}!{cells} is not empty and {table} needs those rows to grow: nothing was written "
                         f"(move what is in {cells} further down or elsewhere, or insert rows above it in Excel, "
                         "and run again)")
