"""Cells other programs write that FileBook must read as Excel shows them, or refuse with the place named:
rich text with phonetic readings, ISO date cells, a damaged shared-string index, text past Excel's cell limit."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import TEMPLATE
from lxml import etree

from xl_sop.errors import WorkbookError
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import EXCEL_CELL_TEXT, FileBook, _string_item_text

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
Q = f"{{{NS}}}"


def _edited(tmp_path: Path, sheet: str, edit) -> Path:
    """A copy of the template with ``edit(sheet_root, shared_strings_root)`` applied to one sheet's XML."""
    source = tmp_path / "source.xlsm"
    source.write_bytes(TEMPLATE.read_bytes())
    part = FileBook(source)._sheet_part(sheet)
    target = tmp_path / "Edited.xlsm"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        parts = {i.filename: zin.read(i.filename) for i in zin.infolist()}
        sheet_root = etree.fromstring(parts[part])
        strings = etree.fromstring(parts["xl/sharedStrings.xml"]) if "xl/sharedStrings.xml" in parts else None
        edit(sheet_root, strings)
        parts[part] = etree.tostring(sheet_root, xml_declaration=True, encoding="UTF-8", standalone=True)
        if strings is not None:
            parts["xl/sharedStrings.xml"] = etree.tostring(strings, xml_declaration=True, encoding="UTF-8",
                                                           standalone=True)
        for name, data in parts.items():
            zout.writestr(name, data)
    return target


def _cell(root, ref: str):
    return next(c for c in root.iter(f"{Q}c") if c.get("r") == ref)


def _retyped(ref: str, kind: str, value: str):
    """An edit that makes the cell ``ref`` hold ``<v>value</v>`` with type ``kind``, as another program might."""
    def edit(sheet, strings):
        cell = _cell(sheet, ref)
        for child in list(cell):
            cell.remove(child)
        cell.set("t", kind)
        etree.SubElement(cell, f"{Q}v").text = value
    return edit


def _first(table: str, column: str) -> str:
    spec = schema.table(table)
    row, col = schema.table_origin(spec)
    letter = chr(ord("A") + col - 1 + spec.column_names.index(column))
    return f"{letter}{row + 1}"


def test_rich_text_with_phonetic_readings_reads_as_excel_shows_it(tmp_path):
    ref = _first("tblItems", "Description")

    def edit(sheet, strings):  # as an inline string (the template keeps no shared strings); both read alike
        cell = _cell(sheet, ref)
        for child in list(cell):
            cell.remove(child)
        cell.set("t", "inlineStr")
        rich = etree.SubElement(cell, f"{Q}is")
        etree.SubElement(etree.SubElement(rich, f"{Q}r"), f"{Q}t").text = "東京"
        etree.SubElement(etree.SubElement(rich, f"{Q}r"), f"{Q}t").text = " cola"
        phonetic = etree.SubElement(rich, f"{Q}rPh", sb="0", eb="2")
        etree.SubElement(phonetic, f"{Q}t").text = "トウキョウ"

    items = FileBook(_edited(tmp_path, "Items", edit)).read_table("tblItems")
    assert items["Description"].iloc[0] == "東京 cola"
    shared = etree.fromstring(f'<si xmlns="{NS}"><t>Plain</t><rPh sb="0" eb="1"><t>PH</t></rPh></si>')
    assert _string_item_text(shared) == "Plain"


def test_an_iso_date_cell_is_a_date(tmp_path):
    edit = _retyped(_first("tblHistory", "Month"), "d", "2026-03-01T00:00:00")
    history = FileBook(_edited(tmp_path, "History", edit)).read_table("tblHistory")
    assert history["Month"].iloc[0] == pd.Timestamp(2026, 3, 1)


def test_a_shared_text_the_file_does_not_hold_names_the_cell(tmp_path):
    ref = _first("tblItems", "Description")
    edit = _retyped(ref, "s", "99999")
    with pytest.raises(WorkbookError, match=f"cell {ref} points at shared text 99999"):
        FileBook(_edited(tmp_path, "Items", edit)).read_table("tblItems")


def test_text_past_excels_cell_limit_is_refused_and_nothing_written(tmp_path):
    path = tmp_path / "Book.xlsm"
    path.write_bytes(TEMPLATE.read_bytes())
    book = FileBook(path)
    items = book.read_table("tblItems")
    items.loc[items.index[0], "Description"] = "x" * (EXCEL_CELL_TEXT + 1)
    with pytest.raises(WorkbookError, match="32,768 characters of text, more than the 32,767"):
        book.write_table("tblItems", items)
    assert path.read_bytes() == TEMPLATE.read_bytes()


def _with_part(tmp_path: Path, part_of, data: bytes) -> Path:
    """A copy of the template with one part replaced by ``data`` (part_of(book) names the part)."""
    source = tmp_path / "source.xlsm"
    source.write_bytes(TEMPLATE.read_bytes())
    part = part_of(FileBook(source))
    target = tmp_path / "Damaged.xlsm"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, data if info.filename == part else zin.read(info.filename))
    return target


def test_a_damaged_sheet_names_its_part(tmp_path):
    path = _with_part(tmp_path, lambda book: book._sheet_part("Items"), b"<worksheet><sheetData><row r='6'>")
    with pytest.raises(WorkbookError, match=r"the part xl/worksheets/sheet\d+\.xml of the workbook is damaged"):
        FileBook(path).read_table("tblItems")


def test_entities_in_a_part_are_never_expanded(tmp_path):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
            b'<worksheet xmlns="' + NS.encode() + b'"><sheetData><row r="6"><c r="B6" t="inlineStr"><is><t>&d;</t>'
            b'</is></c></row></sheetData></worksheet>')
    path = _with_part(tmp_path, lambda book: book._sheet_part("Items"), bomb)
    try:
        items = FileBook(path).read_table("tblItems")
    except WorkbookError:
        return  # refused: fine too
    assert all(len(str(v)) < 100 for v in items.to_numpy().ravel())  # never 10,000 characters of "a"
