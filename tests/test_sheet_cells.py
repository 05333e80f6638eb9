"""The one-pass sheet reader (sheet_cells.scan) reads every kind of cell as reading cell by cell does: shared and inline
strings, numbers (whole and not), booleans, error values, formula results, ISO date cells, entities, blank rows; and
a part of another shape (a prefixed namespace, rich text) is read element by element with the same result."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import TEMPLATE

from xl_sop.errors import WorkbookError
from xl_sop.workbook import schema, sheet_cells
from xl_sop.workbook.filebook import FileBook

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

ODD_ROWS = (
    '<row r="6"><c r="A6" t="s"><v>0</v></c><c r="B6" t="inlineStr"><is><t xml:space="preserve"> inline </t></is></c>'
    '<c r="C6" s="3"><v>12</v></c></row>'
    '<row r="7"><c r="A7" t="inlineStr"><is><t>A &amp; B &lt;x&gt;</t></is></c><c r="B7" t="b"><v>1</v></c>'
    '<c r="C7"><v>2.5</v></c></row>'
    '<row r="8" spans="1:3"><c r="A8" s="2"/><c r="B8" s="2"/><c r="C8" s="2"/></row>'
    '<row r="9"><c r="A9" t="e"><v>#N/A</v></c><c r="B9" t="b"><v>0</v></c><c r="C9" t="d"><v>2026-03-01T00:00:00</v></c>'
    '</row>'
    '<row r="10"><c r="A10" t="str"><f>"x"&amp;"y"</f><v>xy</v></c><c r="B10"><f>1+1</f><v>2</v></c>'
    '<c r="C10"><f>1/3</f></c></row>'
    '<row r="11"><c r="A11" t="inlineStr"><is><t></t></is></c><c r="B11" t="s"><v>1</v></c><c r="C11"><v>-1E-3</v></c>'
    '</row>'
)


def _sheet(rows: str, prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{NS}"' if prefix else f'xmlns="{NS}"'
    rows = rows.replace("<", f"<{p}").replace(f"<{p}/", f"</{p}") if prefix else rows
    return (f"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<{p}worksheet {xmlns}><{p}sheetData>{rows}"
            f"</{p}sheetData></{p}worksheet>").encode()


def _book(tmp_path: Path, sheet_xml: bytes, shared: list[str]) -> FileBook:
    """A copy of the template whose Items sheet is ``sheet_xml`` and whose shared strings are ``shared``."""
    source = FileBook(TEMPLATE)
    part = source._sheet_part("Items")
    target = tmp_path / "Odd.xlsm"
    items = "".join(f"<si><t>{s}</t></si>" for s in shared)
    strings = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}" count="{len(shared)}">{items}</sst>'.encode()
    with zipfile.ZipFile(TEMPLATE) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info.filename, sheet_xml if info.filename == part else data)
        if "xl/sharedStrings.xml" not in zin.namelist():
            zout.writestr("xl/sharedStrings.xml", strings)
    return FileBook(target)


EXPECTED = {
    (6, 1): "Shared", (6, 2): " inline ", (6, 3): 12,
    (7, 1): "A & B <x>", (7, 2): True, (7, 3): 2.5,
    (9, 1): "#N/A", (9, 2): False,
    (10, 1): "xy", (10, 2): 2,
    (11, 1): "", (11, 2): "Second", (11, 3): -0.001,
}


@pytest.mark.parametrize("prefix", ["", "x"])
def test_every_kind_of_cell_reads_alike_in_one_pass_and_cell_by_cell(tmp_path, prefix):
    book = _book(tmp_path, _sheet(ODD_ROWS, prefix), ["Shared", "Second"])
    book._shared = ["Shared", "Second"]  # the template keeps no shared strings part: give the book these two
    part = book._sheet_part("Items")
    fast = book._sheet_cells(part)
    slow = book._cells_one_by_one(part)
    read = fast.cells(1, 20, 1, 5)
    expected = dict(EXPECTED)
    expected[(9, 3)] = pytest.approx((pd.Timestamp(2026, 3, 1) - pd.Timestamp(1899, 12, 30)).days)
    assert read == expected
    assert {k: type(v) for k, v in read.items()} == {k: type(v) for k, v in slow.cells(1, 20, 1, 5).items()}
    assert read == slow.cells(1, 20, 1, 5)
    if not prefix:  # the one-pass reader took the part (no fallback)
        assert sheet_cells.scan(book._parts[part], book._shared, lambda text, ref: 0.0, lambda: None) is not None
    else:
        assert sheet_cells.scan(book._parts[part], book._shared, lambda text, ref: 0.0, lambda: None) is None


def test_a_table_over_odd_cells_keeps_blank_rows_out_and_types_its_columns(tmp_path):
    rows = ('<row r="6"><c r="A6" t="s"><v>0</v></c><c r="B6" t="inlineStr"><is><t>First</t></is></c></row>'
            '<row r="7"><c r="A7" s="2"/><c r="B7" s="2"/></row>'
            '<row r="8"><c r="A8" t="inlineStr"><is><t>ITEM-2</t></is></c><c r="B8" t="b"><v>1</v></c></row>')
    book = _book(tmp_path, _sheet(rows), ["ITEM-1"])
    book._shared = ["ITEM-1"]
    table = book._xml(book._table("tblItems")[2])
    table.set("ref", table.get("ref").rstrip("0123456789") + "8")  # the table over rows 6-8
    frame = book.read_table("tblItems")
    assert list(frame.index) == [1, 3]  # the blank row 7 (data row 2) is left out, the others keep their number
    assert frame.iloc[:, 0].tolist() == ["ITEM-1", "ITEM-2"]
    assert frame.iloc[:, 1].tolist() == ["First", True]
    assert list(frame.columns) == FileBook(TEMPLATE).table_headers("tblItems")


def test_a_damaged_shared_index_outside_the_table_is_no_error_inside_it_names_the_cell(tmp_path):
    spec = schema.table("tblItems")
    last_column = chr(ord("A") + len(spec.columns))  # right of the table
    rows = (f'<row r="6"><c r="A6" t="inlineStr"><is><t>ITEM-1</t></is></c><c r="{last_column}6" t="s"><v>7</v></c>'
            '</row>')
    book = _book(tmp_path, _sheet(rows), ["only"])
    book._shared = ["only"]
    assert book.read_table("tblItems").iloc[0, 0] == "ITEM-1"
    rows = '<row r="6"><c r="B6" t="s"><v>7</v></c></row>'
    book = _book(tmp_path, _sheet(rows), ["only"])
    book._shared = ["only"]
    with pytest.raises(WorkbookError, match="cell B6 points at shared text 7"):
        book.read_table("tblItems")


def test_a_sheet_written_is_read_again_from_what_was_written(tmp_path):
    path = tmp_path / "Book.xlsm"
    path.write_bytes(TEMPLATE.read_bytes())
    book = FileBook(path)
    items = book.read_table("tblItems")
    items.loc[items.index[0], "Description"] = "changed & <new>"
    book.write_table("tblItems", items)
    assert book.read_table("tblItems")["Description"].iloc[0] == "changed & <new>"


def test_a_sheet_read_in_pieces_reads_as_in_one(tmp_path, monkeypatch):
    """A large part is scanned a piece of whole rows at a time (less memory); cut after every few rows, the cells,
    their types and a damaged cell's error come out as from one pass."""
    rows = ODD_ROWS + ODD_ROWS.replace('r="6"', 'r="12"').replace("A6", "A12").replace("B6", "B12").replace("C6", "C12")
    rows += '<row r="13"><c r="A13" t="s"><v>7</v></c></row>'  # a shared text the workbook does not hold
    rows += '<row r="14"><c r="A14" t="inlineStr"><is><t/></is></c></row>'  # empty text, as lxml writes it
    book = _book(tmp_path, _sheet(rows), ["Shared", "Second"])
    book._shared = ["Shared", "Second"]
    data = book._parts[book._sheet_part("Items")]
    whole = sheet_cells.scan(data, book._shared, lambda text, ref: 1.0, lambda: None)
    monkeypatch.setattr(sheet_cells, "PIECE", 100)
    pieces = sheet_cells.scan(data, book._shared, lambda text, ref: 1.0, lambda: None)
    assert whole is not None and pieces is not None
    assert pieces.cells(1, 12, 1, 5) == whole.cells(1, 12, 1, 5)
    assert {k: type(v) for k, v in pieces.cells(1, 12, 1, 5).items()} == {
        k: type(v) for k, v in whole.cells(1, 12, 1, 5).items()}
    assert [(r, c, str(e)) for r, c, e in pieces.damaged] == [(r, c, str(e)) for r, c, e in whole.damaged] != []
    assert len(pieces.rows) == len(whole.rows)
    assert whole.values[-1] == "" and book._cells_one_by_one(book._sheet_part("Items")).values[-1] == ""
