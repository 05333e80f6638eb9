"""Collect Inputs merges Events and scenario rows typed in returned copies by key: an edited row replaces the
master's (also when the edit moved its key), a new row is added once, and two copies editing the same cell
differently are listed in tblConflicts by sheet, row and column while the master keeps its own. Real files: the
demo workbook as master, copies of it edited through FileBook."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from xl_sop.cli import main
from xl_sop.cycle.demo import fill_demo_book
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import FileBook

T = schema.TableName
EVENTS_HEADER = schema.table_origin(schema.table(T.EVENTS))[0]
SCENARIOS_HEADER = schema.table_origin(schema.table(T.SCENARIO_INPUTS))[0]


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    book = fill_demo_book(tmp_path_factory.mktemp("collect_rows") / "Master.xlsm", items=6)
    book.save()
    return book.path


@pytest.fixture
def master(filled, tmp_path) -> Path:
    target = tmp_path / "Master.xlsm"
    shutil.copyfile(filled, target)
    return target


def returned(master: Path, name: str, edit) -> Path:
    """A copy of the master as a contributor sends it back, with their edits."""
    copy = master.with_name(name)
    shutil.copyfile(master, copy)
    book = FileBook(copy)
    edit(book)
    book.save()
    return copy


def edited(book: FileBook, name: str, change) -> None:
    """The table with ``change`` made to it (a function of the table as read, its row numbers as index)."""
    book.write_table(name, change(book.read_table(name).astype(object)))


def with_row(frame: pd.DataFrame, values: dict) -> pd.DataFrame:
    return pd.concat([frame, pd.DataFrame([values])], ignore_index=True)


NEW_EVENT = {"Item": "BEV-1000", "Kind": "promotion", "FromMonth": pd.Timestamp("2027-03-01"), "UpliftPct": 0.2,
             "Note": "spring promotion"}


def test_edited_rows_replace_new_rows_are_added_once_and_conflicts_are_listed(master, capsys):
    events_before = FileBook(master).read_table(T.EVENTS)
    scenarios_before = FileBook(master).read_table(T.SCENARIO_INPUTS)
    christmas = events_before.index[events_before["Note"] == "Christmas display"][0]
    fair = events_before.index[events_before["Note"] == "trade fair order"][0]

    def sales(book):
        def change(events):
            events.loc[christmas, "UpliftPct"] = 0.5  # the same cell as marketing, another value
            events.loc[fair, "FromMonth"] = events.loc[fair, "FromMonth"] + pd.DateOffset(months=1)  # moved a month
            return with_row(events, NEW_EVENT)

        def capacity(scenarios):
            scenarios.loc[scenarios["Change"] == "capacity", "Value"] = 0.8
            return scenarios
        edited(book, T.EVENTS, change)
        edited(book, T.SCENARIO_INPUTS, capacity)

    def marketing(book):
        def change(events):
            events.loc[christmas, "UpliftPct"] = 0.4
            events.loc[christmas, "Note"] = "Christmas display, bigger"  # a cell only marketing changed
            return with_row(events, NEW_EVENT)  # the same new event as sales: added once
        edited(book, T.EVENTS, change)
        edited(book, T.SCENARIO_INPUTS, lambda scenarios: with_row(scenarios, {
            "Scenario": "Promo", "Change": "price", "AppliesTo": "Snacks", "Value": 0.95, "Note": "5% off"}))

    a, b = returned(master, "Sales.xlsx", sales), returned(master, "Marketing.xlsx", marketing)
    assert main(["collect", str(master), str(a), str(b)]) == 0
    book = FileBook(master)
    events = book.read_table(T.EVENTS)
    assert len(events) == len(events_before) + 1  # the moved event replaced, the new one added once
    assert events.loc[christmas, "UpliftPct"] == events_before.loc[christmas, "UpliftPct"]  # conflict: master kept
    assert events.loc[christmas, "Note"] == "Christmas display, bigger"
    assert events.loc[fair, "FromMonth"] == events_before.loc[fair, "FromMonth"] + pd.DateOffset(months=1)
    assert (events["Note"] == "trade fair order").sum() == 1
    assert events.iloc[-1]["Note"] == "spring promotion"
    scenarios = book.read_table(T.SCENARIO_INPUTS)
    assert scenarios.loc[scenarios["Change"] == "capacity", "Value"].tolist() == [0.8]
    assert scenarios.iloc[-1].tolist()[:3] == ["Promo", "price", "Snacks"] and len(scenarios) == len(scenarios_before) + 1
    conflicts = book.read_table("tblConflicts")
    row = EVENTS_HEADER + christmas  # the worksheet row: data row 1 is the row under the header
    assert set(conflicts["Key"]) == {f"Events row {row}: promotion / BEV-1003 / Dec 2026"}
    assert sorted(zip(conflicts["Source"], conflicts["Value"], strict=True)) == [
        ("Marketing.xlsx", "0.4"), ("Sales.xlsx", "0.5"), ("master (kept)", str(events_before.loc[christmas, "UpliftPct"]))]
    out = capsys.readouterr().out
    assert f"conflict tblEvents Events row {row}" in out


def test_two_copies_adding_the_same_event_differently_add_neither_and_list_both(master):
    def adds(uplift):
        return lambda book: edited(book, T.EVENTS, lambda events: with_row(events, {**NEW_EVENT, "UpliftPct": uplift}))

    before = FileBook(master).read_table(T.EVENTS)
    a, b = returned(master, "North.xlsx", adds(0.2)), returned(master, "South.xlsx", adds(0.3))
    assert main(["collect", str(master), str(a), str(b)]) == 0
    book = FileBook(master)
    assert len(book.read_table(T.EVENTS)) == len(before)
    conflicts = book.read_table("tblConflicts")
    assert set(conflicts["Key"]) == {"Events new row: promotion / BEV-1000 / Mar 2027"}
    assert sorted(zip(conflicts["Source"], conflicts["Value"], strict=True)) == [
        ("North.xlsx", "0.2"), ("South.xlsx", "0.3"), ("master (not added)", "(no row)")]


def test_an_event_typed_twice_is_matched_row_for_row(master):
    book = FileBook(master)
    book.write_table(T.EVENTS, with_row(with_row(book.read_table(T.EVENTS), {**NEW_EVENT, "Note": "first"}),
                                        {**NEW_EVENT, "Note": "second"}))
    book.save()

    def first_edited(copy):
        def change(events):
            events.loc[events["Note"] == "first", "Note"] = "first, checked"
            return events
        edited(copy, T.EVENTS, change)

    assert main(["collect", str(master), str(returned(master, "Sales.xlsx", first_edited))]) == 0
    notes = FileBook(master).read_table(T.EVENTS)["Note"].tolist()
    assert notes[-2:] == ["first, checked", "second"]
