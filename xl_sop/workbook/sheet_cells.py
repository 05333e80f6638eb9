"""A worksheet's cells read in one pass into arrays: what FileBook.read_table slices its tables from.

A sheet part as Excel, openpyxl and FileBook write it (the main namespace as the default one, every cell with its
reference) is scanned with one regular expression over its bytes: one match per cell, the cell's column, row, type
and value text taken in C, then converted a column of values at a time (numbers by numpy, shared strings by index).
A part that does not have that shape (a prefixed namespace, rich text in an inline string, a cell the expression
does not take whole) is read element by element instead (``slow``): the result is the same, only slower. Every
cell is counted, so a cell the expression skipped cannot go unnoticed.

A cell that cannot be read (a shared string index the workbook does not hold, an ISO date that is no date) is kept
as its error, raised only when a table that covers it is read: the same message, for the same reads, as reading
cell by cell.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import itemgetter

import numpy as np
from openpyxl.utils import column_index_from_string as column_index

from xl_sop.errors import WorkbookError

_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})(\d+)"([^>]*?)(?:/>|>(?:<f\b[^>]*?(?:/>|>[^<]*</f>))?(?:<v>([^<]*)</v>)?'
    rb'(<is>(?:<t(?: xml:space="preserve")?>([^<]*)</t>|<t/>)</is>)?</c>)')
"""One cell: column letters, row, its other attributes, the value text (<v>), an inline string and its plain text
(<t/> as lxml writes an empty one)."""
_SHAPE = re.compile(rb'\s*(?:<\?xml[^>]*\?>)?\s*<worksheet\b[^>]*\sxmlns="http://schemas\.openxmlformats\.org/'
                    rb'spreadsheetml/2006/main"')
"""The start of a sheet part with the main namespace as the default one (no DOCTYPE, no prefix)."""
_TYPE = re.compile(rb'\st="(\w+)"')


class _Kinds(dict[bytes, str]):
    """The cell type (t) of each attribute text seen (a sheet has a few dozen distinct ones: s="20" t="s" ...)."""

    def __missing__(self, attributes: bytes) -> str:
        match = _TYPE.search(attributes)
        kind = self[attributes] = match.group(1).decode() if match else "n"
        return kind


class _Letters(dict[bytes, int]):
    """The column number of each column's letters seen."""

    def __missing__(self, letters: bytes) -> int:
        number: int = column_index(letters.decode())
        self[letters] = number
        return number


_KINDS = _Kinds()
_LETTERS = _Letters()


@dataclass
class SheetCells:
    """Every cell of a sheet holding something: row, column and value (text, number, bool) at the same position."""

    rows: np.ndarray
    columns: np.ndarray
    values: np.ndarray
    damaged: list[tuple[int, int, WorkbookError]] = field(default_factory=list)
    """(row, column, the error reading it raises) of the cells that cannot be read."""

    def check(self, first_row: int, last_row: int, first_col: int, last_col: int) -> None:
        """Raise the error of the first unreadable cell in the bounds, as reading it cell by cell would."""
        for r, c, error in sorted(self.damaged, key=lambda d: (d[0], d[1])):
            if first_row <= r <= last_row and first_col <= c <= last_col:
                raise error

    def column(self, first_row: int, last_row: int, col: int) -> list[object]:
        """The values of one column between the rows, None where a cell is empty."""
        out = np.full(max(last_row - first_row + 1, 0), None, dtype=object)
        where = (self.columns == col) & (self.rows >= first_row) & (self.rows <= last_row)
        out[self.rows[where] - first_row] = self.values[where]
        listed: list[object] = out.tolist()
        return listed

    def cells(self, first_row: int, last_row: int, first_col: int,
              last_col: int) -> dict[tuple[int, int], str | float | int | bool | None]:
        """{(row, column): value} inside the bounds (empty cells left out)."""
        self.check(first_row, last_row, first_col, last_col)
        where = ((self.rows >= first_row) & (self.rows <= last_row) & (self.columns >= first_col)
                 & (self.columns <= last_col))
        return {(int(r), int(c)): v for r, c, v in zip(self.rows[where], self.columns[where], self.values[where],
                                                       strict=True) if v is not None}


def from_cells(found: Iterable[tuple[int, int, object]], damaged: list[tuple[int, int, WorkbookError]]) -> SheetCells:
    """The arrays made from (row, column, value) triples (the element by element reading)."""
    triples = list(found)
    rows = np.fromiter((t[0] for t in triples), dtype=np.int64, count=len(triples))
    columns = np.fromiter((t[1] for t in triples), dtype=np.int64, count=len(triples))
    values = np.empty(len(triples), dtype=object)
    values[:] = [t[2] for t in triples]
    return SheetCells(rows, columns, values, damaged)


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if "&" in text or "\r" in text:  # XML's entities, and its line ends as a parser reports them
        text = html.unescape(text.replace("\r\n", "\n").replace("\r", "\n"))
    return text


def _numbers(texts: list[bytes]) -> np.ndarray:
    """Numbers as Excel stores them, as Python ints where whole (below 2**53) and floats otherwise."""
    return as_read(np.array(texts, dtype=np.bytes_).astype(np.float64) if texts else np.empty(0))


def as_read(floats: np.ndarray) -> np.ndarray:
    """Numbers as a cell read gives them: Python ints where whole (below 2**53), floats otherwise."""
    out = floats.astype(object)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(floats) & (floats == np.floor(floats)) & (np.abs(floats) < 2**53)
    out[whole] = floats[whole].astype(np.int64).astype(object)
    return out


PIECE = 8_000_000
"""Bytes of a sheet part scanned at a time (cut where a row starts): the matches of a 700,000-row sheet at once took
gigabytes."""


def scan(data: bytes, shared: list[str], iso_date: Callable[[str, str], float],
         slow: Callable[[], SheetCells]) -> SheetCells:
    """The sheet's cells from the part's bytes in one pass; ``slow()`` when the part has another shape."""
    if _SHAPE.match(data) is None or not data.rstrip().endswith(b"</worksheet>") or b"<sheetData" not in data:
        return slow()  # the main namespace under a prefix (x:sheetData), a DOCTYPE, a part cut short
    pieces: list[SheetCells] = []
    start = 0
    while start < len(data):
        end = data.find(b"<row ", start + PIECE)
        end = len(data) if end < 0 else end
        piece = _scan_piece(data[start:end] if start or end < len(data) else data, shared, iso_date)
        if piece is None:
            return slow()
        pieces.append(piece)
        start = end
    if len(pieces) == 1:
        return pieces[0]
    return SheetCells(np.concatenate([p.rows for p in pieces]), np.concatenate([p.columns for p in pieces]),
                      np.concatenate([p.values for p in pieces]), [d for p in pieces for d in p.damaged])


def _scan_piece(data: bytes, shared: list[str], iso_date: Callable[[str, str], float]) -> SheetCells | None:
    """The cells of a piece of a sheet part (whole rows); None when a cell is not taken whole or a number cell
    holds no number (the part is read element by element then)."""
    found = _CELL.findall(data)
    if len(found) != data.count(b"<c ") + data.count(b"<c>"):  # a cell the expression did not take whole
        return None
    n = len(found)
    if not n:
        return SheetCells(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0, dtype=object))
    letters, numbers, attributes, texts, inline, inline_texts = (list(map(itemgetter(k), found)) for k in range(6))
    columns = np.array(list(map(_LETTERS.__getitem__, letters)), dtype=np.int64)
    rows = np.array(numbers, dtype=np.bytes_).astype(np.int64)
    kinds = np.array(list(map(_KINDS.__getitem__, attributes)), dtype=object)
    values = np.full(n, None, dtype=object)
    damaged: list[tuple[int, int, WorkbookError]] = []
    plain = kinds == "n"
    numeric = np.flatnonzero(plain & np.array(list(map(bool, texts)), dtype=bool)).tolist()
    try:
        values[numeric] = _numbers([texts[k] for k in numeric])
    except ValueError:  # a number cell holding no number: read cell by cell, as before
        return None
    strings = np.flatnonzero(kinds == "inlineStr").tolist()
    values[strings] = [_text(inline_texts[k]) if inline[k] else None for k in strings]
    for k in np.flatnonzero(~plain & (kinds != "inlineStr")).tolist():
        kind, raw = kinds[k], texts[k]
        if not raw:
            continue
        if kind == "s":
            index = int(raw)
            if 0 <= index < len(shared):
                values[k] = shared[index]
            else:
                ref = f"{found[k][0].decode()}{found[k][1].decode()}"
                damaged.append((int(rows[k]), int(columns[k]), WorkbookError(
                    f"cell {ref} points at shared text {index}, which the workbook does not hold: the file is damaged "
                    "(open and save it in Excel)")))
        elif kind in ("str", "e"):
            values[k] = _text(raw)
        elif kind == "b":
            values[k] = raw == b"1"
        elif kind == "d":
            ref = f"{found[k][0].decode()}{found[k][1].decode()}"
            try:
                values[k] = iso_date(_text(raw), ref)
            except WorkbookError as exc:
                damaged.append((int(rows[k]), int(columns[k]), exc))
        else:
            number = float(raw)
            values[k] = int(number) if number.is_integer() and abs(number) < 2**53 else number
    return SheetCells(rows, columns, values, damaged)

