"""The "book" the cycle steps read and write: tables by name, nothing else.

Two implementations: FileBook (a workbook file on disk, headless) and
XlwingsBook (the open workbook in Excel, for the ribbon). A step that works on
one works on the other; only how cells are reached differs. Every function that
is handed a book takes a Book; tests/test_book_contract.py runs the same tests on
both implementations.
"""

from __future__ import annotations

from collections.abc import Sequence
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

    def write_table(self, name: str, frame: pd.DataFrame, headers: Sequence[str] | None = None) -> None:
        """Replace the table's data rows; schema formula columns get their formula in every row.

        ``headers``: the table's columns become exactly these, left to right (a planning grid whose month columns
        change every cycle); its top-left corner stays, columns it gives up on the right are emptied. What is
        attached to the table's data rows (validation, conditional formats, chart series, defined names) follows it.
        Raises (changing nothing) what check_room raises."""

    def check_room(self, name: str, rows: int, headers: Sequence[str] | None = None) -> None:
        """Raise WorkbookError if the table cannot take ``rows`` data rows (and the columns ``headers``) without
        covering cells that hold something (a note typed below or beside it): it never grows over someone's cells.
        Headers that repeat, are blank or are longer than Excel allows are a WorkbookError too."""

    def group_rows(self, name: str, levels: Sequence[int]) -> None:
        """Set the row outline level of each data row (0 = not grouped, 1 = grouped once, up to 7), the summary
        row above its detail (families on top of their items). ``levels`` has one entry per data row (none for an
        empty table), else ValueError. Rows a table gives up lose their level when write_table shrinks it."""

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


MAX_HEADER = 255
"""Characters of an Excel table column name."""
MAX_OUTLINE_LEVEL = 7
"""Excel's deepest row grouping (outline levels 1-7 below the summary rows)."""


def header_problem(table: str, headers: Sequence[str]) -> WorkbookError | None:
    """Why ``headers`` cannot be the columns of ``table`` (blank, too long, repeated: Excel's rules), or None."""
    if not len(headers):
        return WorkbookError(f"{table} needs at least one column: nothing was written")
    seen: dict[str, str] = {}
    for k, header in enumerate(headers, start=1):
        if not isinstance(header, str):
            return WorkbookError(f"column {k} of {table} is named {header!r}, not text: a table column's name is text "
                                 "(nothing was written)")
        text = header
        if not text.strip():
            return WorkbookError(f"column {k} of {table} has no name ({header!r}): a table column needs a header "
                                 "(nothing was written)")
        if len(text) > MAX_HEADER:
            return WorkbookError(f"column {k} of {table} is named with {len(text)} characters, more than the "
                                 f"{MAX_HEADER} Excel allows: '{text[:40]}...' (nothing was written)")
        if text.lower() in seen:
            return WorkbookError(f"{table} would have two columns named '{seen[text.lower()]}' (columns "
                                 f"{list(seen).index(text.lower()) + 1} and {k}; Excel ignores case): nothing was written")
        seen[text.lower()] = text
    return None


def outline_levels(table: str, levels: Sequence[int], data_rows: int) -> list[int]:
    """The levels as ints, one per data row, checked (ValueError otherwise)."""
    out = [int(level) for level in levels]
    if len(out) != data_rows:
        raise ValueError(f"{table} has {data_rows} data rows and {len(out)} outline levels were given")
    if any(not 0 <= level <= MAX_OUTLINE_LEVEL for level in out):
        raise ValueError(f"outline levels of {table} must be 0 to {MAX_OUTLINE_LEVEL}: {sorted(set(out))}")
    return out


def runs(levels: Sequence[int]) -> list[tuple[int, int, int]]:
    """(first index, last index, level) of each run of equal levels, so a book sets a block of rows at a time."""
    out: list[tuple[int, int, int]] = []
    for i, level in enumerate(levels):
        if out and out[-1][2] == level and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i, level)
        else:
            out.append((i, i, level))
    return out


def no_room(sheet: str, table: str, taken: list[tuple[int, int]], last_column: int | None = None) -> WorkbookError:
    """The one-line refusal when growing ``table`` would cover the cells ``taken`` ((row, column), not empty).

    ``last_column``: the table's last column now; cells right of it mean the table needs columns, not rows."""
    rows = [r for r, _ in taken]
    columns = [c for _, c in taken]
    first = f"{get_column_letter(min(columns))}{min(rows)}"
    last = f"{get_column_letter(max(columns))}{max(rows)}"
    cells = first if first == last else f"{first}:{last}"
    if last_column is not None and max(columns) > last_column:
        return WorkbookError(f"{sheet}!{cells} is not empty and {table} needs those cells to widen: nothing was "
                             f"written (move what is in {cells} elsewhere, or insert columns left of it in Excel, "
                             "and run again)")
    return WorkbookError(f"{sheet}!{cells} is not empty and {table} needs those rows to grow: nothing was written "
                         f"(move what is in {cells} further down or elsewhere, or insert rows above it in Excel, "
                         "and run again)")
