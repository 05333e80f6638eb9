"""Run all hands the tables it writes over to the next step: read_table after write_table gives the frame a fresh
FileBook reads from the saved file (values, dtypes, index), and no written table is parsed again."""

from __future__ import annotations

import shutil
import zipfile

import numpy as np
import pandas as pd
import pytest

from xl_sop.cycle import run_all, run_step
from xl_sop.cycle.demo import fill_demo_book
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import FileBook

NOW = pd.Timestamp("2026-11-20 09:00")


class WatchedBook(FileBook):
    """A FileBook that records every table it writes and every sheet it parses."""

    def __init__(self, path):
        super().__init__(path)
        self.written: list[str] = []
        self.parsed: list[str] = []

    def write_table(self, name, frame, headers=None):
        super().write_table(name, frame, headers)
        self.written.append(name)

    def _sheet_cells(self, sheet_part):
        if sheet_part not in self._read:
            self.parsed.append(sheet_part)
        return super()._sheet_cells(sheet_part)


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    path = tmp_path_factory.mktemp("handover") / "Filled.xlsm"
    fill_demo_book(path, items=24).save()
    return path


def test_every_table_run_all_writes_reads_back_as_from_the_saved_file(filled, tmp_path):
    path = tmp_path / "Book.xlsm"
    shutil.copyfile(filled, path)
    book = WatchedBook(path)
    run_all(book, now=NOW)
    written = sorted(set(book.written))
    assert len(written) >= 30  # every step's tables, the undo and status tables
    handed = {name for name in written if name.lower() in book._handed}
    before_save = {name: book.read_table(name) for name in written}
    book.save()
    fresh = FileBook(path)
    for name in handed:
        pd.testing.assert_frame_equal(before_save[name], fresh.read_table(name), check_dtype=True, check_exact=True,
                                      obj=name)
    # Not handed over: tables with formula columns written without a result (the chart tables), which the save
    # computes; their other columns read back the same, and the next reading parses the saved cells.
    assert set(written) - handed == {"tblDemandChart", "tblDemandHistoryChart", "tblKPITrend", "tblLoadChart"}
    for name in set(written) - handed:
        formulas = [c.name for c in schema.table(name).columns if c.formula]
        assert formulas and before_save[name][formulas].isna().all().all()
        plain = [c for c in before_save[name].columns if c not in formulas]
        pd.testing.assert_frame_equal(before_save[name][plain], fresh.read_table(name)[plain], obj=name)


def test_run_all_parses_no_table_it_wrote_again(filled, tmp_path):
    path = tmp_path / "Book.xlsm"
    shutil.copyfile(filled, path)
    book = WatchedBook(path)
    reading: list[str] = []
    parsed_again: list[str] = []
    read_after_writing: list[str] = []
    read_table, sheet_cells = book.read_table, book._sheet_cells

    def read(name):
        if name in book.written:
            read_after_writing.append(name)
        reading.append(name)
        try:
            return read_table(name)
        finally:
            reading.pop()

    def parse(sheet_part):
        if reading and reading[-1] in book.written and sheet_part not in book._read:
            parsed_again.append(reading[-1])
        return sheet_cells(sheet_part)

    book.read_table = read  # type: ignore[method-assign]
    book._sheet_cells = parse  # type: ignore[method-assign]
    run_all(book, now=NOW)
    assert len(book.parsed) > 5  # the input tables were parsed (the watch works)
    assert parsed_again == []
    # the status table, read by every step after the first writes it, and the plans the next steps read
    assert {"tblStepStatus", "tblDemandPlan", "tblSupplyPlan"} <= set(read_after_writing)


def test_a_frame_read_after_writing_is_a_copy(filled, tmp_path):
    path = tmp_path / "Book.xlsm"
    shutil.copyfile(filled, path)
    book = FileBook(path)
    book.write_table("tblOpenIssues", pd.DataFrame({"Issue": ["Line down"], "Owner": ["Ann"]}))
    read = book.read_table("tblOpenIssues")
    read.loc[1, "Issue"] = "changed by a caller"
    assert book.read_table("tblOpenIssues").loc[1, "Issue"] == "Line down"


@pytest.mark.parametrize("values", [
    [1.0, 2.5, np.nan, np.inf, 1e20, -0.0, 3],
    ["a", " padded ", "line\r\nend", "", None, "x&<y>"],
    [True, False, None, 1, "text", 2.0],
    [pd.Timestamp("2026-01-31 09:10"), pd.NaT, pd.Timestamp("1999-12-31"), None, None, None],
])
def test_read_back_after_writing_equals_reading_the_saved_file(filled, tmp_path, values):
    path = tmp_path / "Book.xlsm"
    shutil.copyfile(filled, path)
    book = FileBook(path)
    # Issue and Owner take any value; Due is a date column (typed on reading)
    frame = pd.DataFrame({"Issue": values, "Owner": list(reversed(values)), "Due": values})
    book.write_table("tblOpenIssues", frame)
    handed = book.read_table("tblOpenIssues")
    assert "tblOpenIssues".lower() in book._handed
    book.save()
    pd.testing.assert_frame_equal(handed, FileBook(path).read_table("tblOpenIssues"), check_dtype=True,
                                  check_exact=True)


def _parts(path):
    with zipfile.ZipFile(path) as z:
        return {info.filename: z.read(info.filename) for info in z.infolist()}


@pytest.fixture(scope="module")
def filled_60(tmp_path_factory):
    """60 items: the plans run past the 400 rows the template formats, beside tables of other lengths."""
    path = tmp_path_factory.mktemp("handover") / "Filled60.xlsm"
    fill_demo_book(path, items=60).save()
    return path


@pytest.mark.parametrize("book_of", ["filled", "filled_60"])
def test_rows_kept_as_bytes_save_the_same_file_as_rows_in_the_tree(book_of, tmp_path, monkeypatch, request):
    """The rows a table alone holds are kept as bytes and spliced in at the save: the saved package is byte for byte
    the one the element-by-element way writes (run all, then Run Forecast again over the written tables)."""
    filled = request.getfixturevalue(book_of)
    saved = {}
    for way in ("bytes", "tree"):
        path = tmp_path / f"{way}.xlsm"
        shutil.copyfile(filled, path)
        if way == "tree":
            monkeypatch.setattr(FileBook, "_shared_rows", lambda self, data, first, last, c1, c2, dropped: last)
        book = WatchedBook(path)
        run_all(book, now=NOW)
        if way == "bytes":
            # the grids (outline levels in their bytes), the plans' rows below the 400 the template formats ...
            assert {"tbldemandview", "tblsupplyview"} <= {body.table for body in book._bodies.values()}
        run_step(book, "demand", now=NOW)
        book.save()
        saved[way] = path
    with zipfile.ZipFile(saved["bytes"]) as a, zipfile.ZipFile(saved["tree"]) as b:
        assert [i.filename for i in a.infolist()] == [i.filename for i in b.infolist()]
    bytes_way, tree_way = _parts(saved["bytes"]), _parts(saved["tree"])
    assert [name for name in bytes_way if bytes_way[name] != tree_way[name]] == []
    assert saved["bytes"].read_bytes() == saved["tree"].read_bytes()


def test_a_sheet_read_is_parsed_once_and_its_cells_let_go_when_its_tables_are_read(filled, tmp_path):
    path = tmp_path / "Book.xlsm"
    shutil.copyfile(filled, path)
    book = WatchedBook(path)
    history = book.read_table("tblHistory")
    part = book._table("tblHistory")[1]
    tables_there = [name for name in book.table_names() if book._table(name)[1] == part]
    for name in tables_there:
        book.read_table(name)
    assert part not in book._read  # every table of the sheet read: the parsed cells are let go
    again = book.read_table("tblHistory")
    assert book.parsed.count(part) == 1  # read again from the frame kept, not parsed again
    pd.testing.assert_frame_equal(again, history)
    again.iloc[0, 0] = "changed by a caller"
    pd.testing.assert_frame_equal(book.read_table("tblHistory"), history)
    book.write_cells("History", {"A1": "History (edited)"})  # the sheet changed: read from its cells again
    pd.testing.assert_frame_equal(book.read_table("tblHistory"), history)
    assert book.parsed.count(part) == 2


def test_a_float_column_reads_back_at_once_as_cell_by_cell():
    """The hand-over of a float column is made with numpy (_float_column): the same values and types as the
    cell-by-cell way (_read_back) on whole, fractional, negative, huge, tiny and missing figures."""
    import numpy as np
    import pandas as pd

    from xl_sop.workbook.filebook import _float_column, _read_back

    rng = np.random.default_rng(7)
    figures = np.concatenate([rng.normal(0, 1e4, 500).round(2), rng.integers(-10**6, 10**6, 500).astype(float),
                              [0.0, -0.0, 2.0**53, 2.0**53 - 1, -(2.0**53), 1e300, 1e-300, 0.1, np.nan, np.inf,
                               -np.inf, 123456789.5]])
    column = pd.Series(figures)
    fast, slow = _float_column(column)[1], _read_back(column.tolist())
    assert [type(v) for v in fast] == [type(v) for v in slow]
    assert fast == slow


def test_a_float_column_is_written_at_once_as_cell_by_cell():
    """A float column's cells are made from its figures' text made at once (_float_column, _number_cells): the same
    XML as the cell-by-cell way (_column_cells), styled or not, on whole, fractional, huge and missing figures."""
    import numpy as np
    import pandas as pd

    from xl_sop.workbook.filebook import FileBook, _float_column

    rng = np.random.default_rng(11)
    figures = np.concatenate([rng.normal(0, 1e4, 300).round(3), rng.integers(-10**7, 10**7, 300).astype(float),
                              [0.0, -0.0, 2.0**53, 2.0**60, -(2.0**70), 1e300, 1e-300, 0.1, np.nan, np.inf, -np.inf]])
    column = pd.Series(figures)
    rows = range(6, 6 + len(figures))
    for shown in ("", ' s="7"'):
        assert (FileBook._number_cells("AB", _float_column(column)[0], shown, rows)
                == FileBook._column_cells("AB", column.tolist(), shown, None, rows))
