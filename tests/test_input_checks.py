"""Inputs that used to give wrong numbers without a word, on real workbook files: each is now a problem naming
its place (or, for returns and split rows, handled as the docs say)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import copy_of, cycled_demo

from xl_sop.cycle import load_inputs, run_step
from xl_sop.workbook.filebook import FileBook

pytestmark = pytest.mark.slow  # each test runs on a copy of a cycled workbook


@pytest.fixture(scope="module")
def cycled(tmp_path_factory):
    return cycled_demo(tmp_path_factory.mktemp("checks"), "Checks.xlsm", 4)


@pytest.fixture
def book(cycled, tmp_path):
    return FileBook(copy_of(cycled, tmp_path))


def _set(book, setting, value):
    settings = book.read_table("tblSettings")
    settings.loc[settings["Setting"] == setting, "Value"] = value
    book.write_table("tblSettings", settings)


def _problems(book):
    return [str(p) for p in load_inputs(book).problems]


def test_the_cycled_demo_has_no_problem(book):
    assert _problems(book) == []


def test_returns_and_split_rows_in_history_are_data_not_problems(book):
    history = book.read_table("tblHistory")
    first = history.index[0]
    item, month = history.loc[first, "Item"], history.loc[first, "Month"]
    split = pd.DataFrame({"Item": [item, item], "Month": [month, month], "Quantity": [-7.0, 10.0]})
    book.write_table("tblHistory", pd.concat([history, split], ignore_index=True))
    assert _problems(book) == []
    inputs = load_inputs(book)
    rows = inputs["tblHistory"][(inputs["tblHistory"]["Item"] == item) & (inputs["tblHistory"]["Month"] == month)]
    assert rows["Quantity"].sum() == pytest.approx(history.loc[first, "Quantity"] + 3)  # added up, returns netted
    run_step(book, "demand")  # and the forecast runs on them


def test_history_at_or_after_the_cycle_month_is_named(book):
    _set(book, "Cycle month", pd.Timestamp("2026-09-01"))
    problems = _problems(book)
    late = [p for p in problems if p.startswith("History / tblHistory") and "which no step reads" in p]
    assert len(late) == 1 and "set Cycle month on Settings to Nov 2026" in late[0], problems


def test_a_cycle_month_months_after_the_history_is_named(book):
    _set(book, "Cycle month", pd.Timestamp("2027-02-01"))
    problems = _problems(book)
    assert any(p.startswith("Settings / tblSettings, column Value: Cycle month: Feb 2027 is 4 months after the last "
                            "history month (Oct 2026): paste the 3 missing months") for p in problems), problems


def test_capacity_missing_for_plan_months_is_named_not_counted_as_zero(book):
    capacity = book.read_table("tblCapacity")
    resource = capacity["Resource"].iloc[0]
    dropped = capacity[(capacity["Resource"] == resource) & (capacity["Month"] >= pd.Timestamp("2027-03-01"))]
    book.write_table("tblCapacity", capacity.drop(dropped.index))
    problems = [p for p in _problems(book) if p.startswith("Capacity / tblCapacity, column Month")]
    assert problems == [f"Capacity / tblCapacity, column Month: resource '{resource}' has no rows for Mar 2027, Apr 2027, "
                        "May 2027, Jun 2027 and 4 more (plan months): the plan would count 0 hours there; add the rows "
                        "(0 hours where it is really closed)"]


def test_a_password_protected_workbook_is_called_so(tmp_path, capsys):
    from xl_sop.cli import main

    locked = tmp_path / "Locked.xlsm"  # what Excel writes for a password: a compound file, no zip
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    assert main(["validate", str(locked)]) == 2
    assert "Locked.xlsm is password-protected (encrypted) or an old .xls" in capsys.readouterr().err


def test_a_workbook_that_lost_its_macros_is_named(cycled, tmp_path, capsys):
    import zipfile

    from xl_sop.cli import main

    plain = tmp_path / "Saved as xlsx.xlsm"
    with zipfile.ZipFile(cycled) as source, zipfile.ZipFile(plain, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            if info.filename != "xl/vbaProject.bin":
                copy.writestr(info, source.read(info.filename))
    assert main(["validate", str(plain)]) == 1
    out = capsys.readouterr().out
    assert "Home / (VBA project): the workbook has lost its macros" in out and out.count("\n  - ") == 1
    assert main(["validate", str(cycled)]) == 0  # the macros are there


@pytest.mark.parametrize("typed", [-5, 20231101, 1e15])
def test_a_number_that_is_no_day_in_a_month_cell_is_named(book, typed):
    history = book.read_table("tblHistory").astype({"Month": object})
    history.loc[history.index[0], "Month"] = typed
    book.write_table("tblHistory", history)
    problems = _problems(book)
    shown = f"{typed:.0f}"  # as the file stores it: 1e15 is the whole number 1000000000000000
    assert any(p.startswith(f"History / tblHistory, row 6, column Month: '{shown}' is not a date") for p in problems), problems
