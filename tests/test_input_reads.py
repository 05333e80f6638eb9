"""The input checks by column, and each input table read once per command, on real workbook files.

The checks find a column's problems with numpy masks (inputs._clean, cells.number_column/date_column/text_column);
these tests pin that every message still names the row Excel shows and the column, in the order a reader meets
them, wherever the bad cells sit: the first row, several rows, blanks, text in number and date columns.
The demand tables of the 24-item demo are compared with those the code made before the Demand step was sped up
(tests/data/demand_24_items: CSVs written by main at 2026-11-30, plain and with regions).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, TEMPLATE

from xl_sop.cycle import load_inputs, run_all, run_step, validate
from xl_sop.cycle.demo import fill_demo_book
from xl_sop.cycle.inputs import INPUT_TABLES
from xl_sop.cycle.steps import inputs_of, step_record
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.schema import TableName as T

GOLDEN = ROOT / "tests" / "data" / "demand_24_items"


class CountingBook(FileBook):
    """A FileBook that counts how often each table is read (a real file, read as the steps read it)."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.reads: dict[str, int] = {}

    def read_table(self, name: str) -> pd.DataFrame:
        self.reads[name] = self.reads.get(name, 0) + 1
        return super().read_table(name)


@pytest.fixture
def book(tmp_path) -> FileBook:
    path = tmp_path / "Book.xlsm"
    shutil.copyfile(TEMPLATE, path)
    return FileBook(path)


def _items(rows: list[dict[str, object]]) -> pd.DataFrame:
    good = {"Description": "x", "Family": "F", "UnitPrice": 2.0, "UnitCost": 1.0, "LeadTimeMonths": 1,
            "Resource": None, "HoursPerUnit": None}
    return pd.DataFrame([{**good, **row} for row in rows])


def _place(book: FileBook, name: str) -> tuple[int, str]:
    """The worksheet row of the table's first data row, and the words a problem in it starts with."""
    return book.first_row(name), f"{schema.table(name).sheet} / {name}"


def _problems(book: FileBook, *tables: str) -> list[str]:
    return [str(p) for p in load_inputs(book).problems if p.table in tables]


def test_bad_cells_in_number_columns_are_named_by_row_in_order(book):
    book.write_table(T.ITEMS, _items([
        {"Item": "A", "UnitPrice": "abc"},  # the first row
        {"Item": "B"},
        {"Item": "C", "UnitCost": "1,5", "UnitPrice": -2},
        {"Item": "D", "LeadTimeMonths": None},  # blank where a value is required
        {"Item": "E", "UnitPrice": 1e13},
        {"Item": "F", "UnitPrice": True, "UnitCost": "  "},
    ]))
    first, where = _place(book, T.ITEMS)
    row = {item: first + k for k, item in enumerate("ABCDEF")}
    assert _problems(book, T.ITEMS) == [
        f"{where}, row {row['A']}, column UnitPrice: 'abc' is not a number (type 1250)",
        f"{where}, row {row['C']}, column UnitPrice: -2 is negative",
        f"{where}, row {row['E']}, column UnitPrice: 1e+13 is too large to plan with (more than 1,000,000,000,000)",
        f"{where}, row {row['F']}, column UnitPrice: 'True' is not a number (type 1250)",
        f"{where}, row {row['C']}, column UnitCost: '1,5' is not a number (use a point for decimals (1.5); a comma "
        "only separates thousands (1,234))",
        f"{where}, row {row['F']}, column UnitCost: is blank; it must be filled in",
        f"{where}, row {row['D']}, column LeadTimeMonths: is blank; it must be filled in",
    ]


def test_bad_dates_and_blank_text_are_named_by_row(book):
    book.write_table(T.ITEMS, _items([{"Item": "A"}, {"Item": "B"}]))
    book.write_table(T.HISTORY, pd.DataFrame({
        "Item": ["A", "  ", "B", "A", "B", None],
        "Month": ["03/04/2026", pd.Timestamp("2026-01-01"), "Jan-26", "2026-02", None, pd.Timestamp("2026-03-01")],
        "Quantity": [1.0, 2.0, "12 pcs", -4.0, 5.0, 6.0],
    }))
    first, where = _place(book, T.HISTORY)
    assert _problems(book, T.HISTORY) == [
        f"{where}, row {first + 1}, column Item: is blank; it must be filled in",
        f"{where}, row {first + 5}, column Item: is blank; it must be filled in",
        f"{where}, row {first}, column Month: '03/04/2026' is not a date (type 2026-01-01 or Jan 2026)",
        f"{where}, row {first + 4}, column Month: is blank; it must be filled in",
        f"{where}, row {first + 2}, column Quantity: '12 pcs' is not a number (type 1250)",
    ]  # -4 is a return: negative history is allowed
    history = load_inputs(book)[T.HISTORY]
    assert history["Month"].tolist()[1:4] == [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-01"),
                                              pd.Timestamp("2026-02-01")]
    assert history["Item"].isna().tolist()[:3] == [False, True, False] and history["Quantity"].isna().tolist()[2]


def test_a_key_listed_twice_names_its_first_row(book):
    book.write_table(T.ITEMS, _items([{"Item": "A"}, {"Item": "B"}, {"Item": "A"}, {"Item": "B"}, {"Item": "A"}]))
    first, where = _place(book, T.ITEMS)
    assert [p for p in _problems(book, T.ITEMS) if "twice" in p] == [
        f"{where}, row {first + 2}, column Item: Item A is listed twice (rows {first} and {first + 2})",
        f"{where}, row {first + 3}, column Item: Item B is listed twice (rows {first + 1} and {first + 3})",
        f"{where}, row {first + 4}, column Item: Item A is listed twice (rows {first} and {first + 4})",
    ]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("reads") / "Demo.xlsm"
    fill_demo_book(path, items=24).save()
    return path


def test_a_step_reads_only_its_input_tables_and_run_all_each_once(demo, tmp_path):
    input_tables = set(INPUT_TABLES)
    path = tmp_path / "Demo.xlsm"
    shutil.copyfile(demo, path)
    book = CountingBook(path)
    run_step(book, "demand")
    read = {name for name in book.reads if name in input_tables}
    assert read == {T.ITEMS, T.HISTORY, T.EVENTS, T.BUDGET, T.SETTINGS}, read  # no Orders, Inventory, Capacity...
    assert set(inputs_of(["demand"])) | {T.HISTORY, T.SETTINGS} == read
    book = CountingBook(path)
    run_all(book)
    # once, for the checks and the freshness fingerprints alike (Settings is also read for the cycle month)
    once = {name: book.reads[name] for name in sorted(input_tables & set(book.reads)) if name != T.SETTINGS}
    assert set(once) == set(inputs_of(("demand", "supply", "reconcile", "executive", "kpis"))) | {T.HISTORY}, once
    assert set(once.values()) == {1}, once
    assert T.TARGETS not in book.reads  # read by no step: only Validate checks it


def test_a_bad_table_stops_only_the_steps_that_read_it(demo, tmp_path):
    path = tmp_path / "Demo.xlsm"
    shutil.copyfile(demo, path)
    book = FileBook(path)
    orders = book.read_table(T.ORDERS).astype(object)
    orders.loc[orders.index[0], "QtyOrdered"] = "lots"
    book.write_table(T.ORDERS, orders)
    run_step(book, "demand")  # Run Forecast does not read Orders
    with pytest.raises(Exception, match="'lots' is not a number"):
        run_step(book, "kpis")
    assert any("'lots' is not a number" in str(p) for p in validate(book))


@pytest.mark.parametrize("variant", ["plain", "regions"])
def test_the_demand_tables_are_as_before(variant, tmp_path):
    book = fill_demo_book(tmp_path / "Demo.xlsm", items=24, regions=("North", "South") if variant == "regions" else ())
    run_step(book, "demand")
    for name in step_record("demand").writes:
        now = io.StringIO()
        book.read_table(name).to_csv(now)
        now.seek(0)
        pd.testing.assert_frame_equal(pd.read_csv(now), pd.read_csv(GOLDEN / variant / f"{name}.csv"),
                                      check_exact=False, rtol=1e-9, obj=name)
