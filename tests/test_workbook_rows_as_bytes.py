"""FileBook keeps the rows a written table alone holds as bytes (no element per cell) and puts them in the tree only
where something walks those rows: a table beside it writing into them, outline levels, single cells written, a
table growing into them. Each case is saved both ways (rows as bytes, and every row in the tree as before) and the
files must be byte for byte the same."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import TEMPLATE

from xl_sop.errors import WorkbookError
from xl_sop.workbook.filebook import FileBook


def _plan(rows: int) -> pd.DataFrame:
    numbers = np.arange(rows, dtype=float)
    return pd.DataFrame({"Item": [f"I{k % 97}" for k in range(rows)], "Family": "F",
                         "Month": pd.date_range("2026-01-01", periods=rows, freq="D"),
                         "Statistical": numbers * 1.5, "Lower80": numbers, "Upper80": numbers * 2 + 0.25,
                         "Method": "auto", "SalesAdj": np.where(numbers % 7 == 0, 5.0, np.nan),
                         "Consensus": numbers * 1.5})


def _both_ways(tmp_path, monkeypatch, edit) -> tuple[FileBook, bytes, bytes]:
    """Run ``edit(book)`` on two copies of the template, one keeping rows as bytes, one with every row in the tree;
    the first book and both saved files."""
    saved = {}
    books = {}
    for way in ("bytes", "tree"):
        path = tmp_path / f"{way}.xlsm"
        shutil.copyfile(TEMPLATE, path)
        with monkeypatch.context() as patch:
            if way == "tree":
                patch.setattr(FileBook, "_shared_rows", lambda self, data, first, last, c1, c2, dropped: last)
            book = FileBook(path)
            edit(book)
            book.save()
        books[way] = book
        saved[way] = path.read_bytes()
    return books["bytes"], saved["bytes"], saved["tree"]


def test_a_long_table_keeps_its_rows_below_the_formatted_ones_as_bytes(tmp_path, monkeypatch):
    book, as_bytes, in_tree = _both_ways(tmp_path, monkeypatch, lambda b: b.write_table("tblDemandPlan", _plan(1500)))
    assert [(body.table, body.first) for body in book._bodies.values()] == [("tbldemandplan", 406)]
    assert as_bytes == in_tree


def test_a_table_beside_writing_into_the_rows_held_as_bytes(tmp_path, monkeypatch):
    def edit(book):
        book.write_table("tblDemandPlan", _plan(1500))
        book.write_table("tblDemandChoices", pd.DataFrame({"Show": [f"I{k}" for k in range(900)]}))

    book, as_bytes, in_tree = _both_ways(tmp_path, monkeypatch, edit)
    # the rows beside the choices (6-905) went into the tree, the plan's rows below them (to 1505) stayed bytes
    assert sorted((body.first, body.last) for body in book._bodies.values()) == [(906, 1505)]
    assert as_bytes == in_tree
    fresh = FileBook(tmp_path / "bytes.xlsm")
    pd.testing.assert_frame_equal(fresh.read_table("tblDemandPlan"), book.read_table("tblDemandPlan"))


def test_rewriting_shorter_and_longer_and_cells_written_over_the_rows(tmp_path, monkeypatch):
    def edit(book):
        book.write_table("tblDemandPlan", _plan(1500))
        book.write_table("tblDemandPlan", _plan(700))
        book.write_table("tblDemandChoices", pd.DataFrame({"Show": [f"I{k}" for k in range(600)]}))
        book.write_table("tblDemandPlan", _plan(2100))
        book.write_cells("Demand Detail", {"Z1500": "a note", "A1": "Demand detail (edited)"})

    book, as_bytes, in_tree = _both_ways(tmp_path, monkeypatch, edit)
    assert as_bytes == in_tree
    assert book.read_cells("Demand Detail", "Z1500:Z1500") == {(1500, 26): "a note"}


def test_outline_levels_go_into_the_rows_held_as_bytes(tmp_path, monkeypatch):
    def edit(book):
        grid = book.read_table("tblDemandView")
        rows = pd.DataFrame({name: [None] * 600 for name in grid.columns})
        rows["Family"] = "F"
        rows["Item"] = [f"I{k // 6}" if k % 6 else "Total" for k in range(600)]
        rows["Measure"] = "Statistical"
        book.write_table("tblDemandView", rows, list(grid.columns))
        book.group_rows("tblDemandView", [0 if k % 6 == 0 else 1 for k in range(600)])

    book, as_bytes, in_tree = _both_ways(tmp_path, monkeypatch, edit)
    assert any(body.table == "tbldemandview" and body.deepest == 1 for body in book._bodies.values())
    assert as_bytes == in_tree


def test_a_table_growing_into_cells_held_as_bytes_is_stopped(tmp_path):
    path = tmp_path / "Book.xlsm"
    shutil.copyfile(TEMPLATE, path)
    book = FileBook(path)
    below = book.table_headers("tblScenarioShortage")  # under tblScenarios, in the same columns
    book.write_table("tblScenarioShortage", pd.DataFrame({h: np.arange(1000.0) + 1 for h in below}))
    assert [body.table for body in book._bodies.values()] == ["tblscenarioshortage"]
    above = book.table_headers("tblScenarios")
    with pytest.raises(WorkbookError, match=r"Scenarios!A17:G505 is not empty and tblScenarios needs those rows"):
        book.write_table("tblScenarios", pd.DataFrame({h: ["x"] * 500 for h in above}))


def test_a_damaged_part_is_named_when_it_is_read(tmp_path):
    import zipfile

    path = tmp_path / "Book.xlsm"
    shutil.copyfile(TEMPLATE, path)
    book = FileBook(path)
    _, part, _ = book._table("tblHistory")
    info = zipfile.ZipFile(path).getinfo(part)
    data = bytearray(path.read_bytes())
    offset = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size // 2
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(WorkbookError, match=f"the part {part} of the workbook is damaged"):
        FileBook(path).read_table("tblHistory")


def test_a_book_saved_twice_and_read_after_its_save_is_whole(tmp_path):
    """Saving writes new sizes and checksums for the parts it changes; the parts as read keep theirs (a part read
    after the save is not taken for damaged), and a second save writes the same file."""
    path = tmp_path / "Book.xlsm"
    shutil.copyfile(TEMPLATE, path)
    book = FileBook(path)
    book.write_table("tblDemandPlan", _plan(1500))
    book.save()
    first = path.read_bytes()
    assert book.formulas_without_value() >= 0  # every sheet part read again, changed ones included
    assert book.sheet_has_formulas("Demand Detail")
    book.save()
    assert path.read_bytes() == first


def test_a_python_without_zipfiles_internals_saves_the_same_parts(tmp_path, monkeypatch):
    """Parts are copied into the saved zip as stored through zipfile internals (not public API); where a Python
    lacks them, each part is decompressed and written again, and the workbook holds the same parts."""
    import zipfile

    from xl_sop.workbook import filebook

    saved = {}
    for way in ("stored", "written again"):
        path = tmp_path / f"{way}.xlsm"
        shutil.copyfile(TEMPLATE, path)
        with monkeypatch.context() as patch:
            if way == "written again":
                patch.setattr(filebook, "_copies_as_stored", lambda out, info: False)
            book = FileBook(path)
            book.write_table("tblDemandPlan", _plan(50))
            book.save()
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None
            saved[way] = {info.filename: z.read(info) for info in z.infolist()}
    assert saved["stored"] == saved["written again"]
    assert filebook._copies_as_stored(zipfile.ZipFile(tmp_path / "check.zip", "w"), zipfile.ZipInfo("x"))
