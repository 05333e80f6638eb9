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
        """Replace the table's data rows; schema formula columns get their formula in every row."""

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
