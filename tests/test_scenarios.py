"""Scenarios planners author (tblScenarioInputs), computed on a small real workbook whose plan is checked by hand.

The book: items A and B (family F, made on resource R, 1 hour a unit, price 10 and 20, cost 6 and 12) and C (family
G, bought in, price 5, cost 3); no stock, a flat history (so no safety stock); the chase strategy on R's 300 hours
a month, no overtime; a consensus of 100 A, 100 B and 50 C a month for Jan to Mar 2027.
"""

import shutil

import numpy as np
import pandas as pd
import pytest

from xl_sop.cycle.freshness import stale_steps
from xl_sop.cycle.inputs import validate
from xl_sop.cycle.runner import run_step, run_steps
from xl_sop.errors import ValidationError
from xl_sop.workbook.filebook import FileBook

JAN, FEB, MAR = (pd.Timestamp(f"2027-0{m}-01") for m in (1, 2, 3))
NOW = pd.Timestamp("2026-12-20 09:00")
CONSENSUS = {"A": 100.0, "B": 100.0, "C": 50.0}


def _settings(book: FileBook) -> pd.DataFrame:
    settings = book.read_table("tblSettings")
    values = {"Cycle month": JAN.to_pydatetime(), "Horizon": 3, "Production strategy": "chase"}
    settings["Value"] = [values.get(name, value) for name, value in zip(settings["Setting"], settings["Value"],
                                                                          strict=True)]
    return settings


@pytest.fixture(scope="module")
def small(built_template, tmp_path_factory):
    """The small book with Run Forecast and Balance Supply run and the consensus set to CONSENSUS (no scenario rows
    but the template's Upside and Downside)."""
    path = tmp_path_factory.mktemp("scenarios") / "Small.xlsm"
    shutil.copyfile(built_template, path)
    book = FileBook(path)
    book.write_table("tblSettings", _settings(book))
    book.write_table("tblItems", pd.DataFrame({
        "Item": ["A", "B", "C"], "Description": ["a", "b", "c"], "Family": ["F", "F", "G"], "UnitPrice": [10, 20, 5],
        "UnitCost": [6, 12, 3], "LeadTimeMonths": [1, 1, 1], "Resource": ["R", "R", None], "HoursPerUnit": [1, 1, None]}))
    history_months = pd.date_range("2025-01-01", "2026-12-01", freq="MS")
    book.write_table("tblHistory", pd.DataFrame(
        [(item, m.to_pydatetime(), quantity) for item, quantity in CONSENSUS.items() for m in history_months],
        columns=["Item", "Month", "Quantity"]))
    for name in ("tblInventory", "tblOrders", "tblProduction", "tblBudget"):
        book.write_table(name, pd.DataFrame())
    book.write_table("tblCapacity", pd.DataFrame(
        {"Resource": "R", "Month": [m.to_pydatetime() for m in (JAN, FEB, MAR)], "Hours": 300, "OvertimeHours": 0}))
    run_step(book, "demand", now=NOW)
    plan = book.read_table("tblDemandPlan")
    plan["Statistical"] = plan["Item"].map(CONSENSUS)
    plan["SalesAdj"] = plan["MarketingAdj"] = None
    book.write_table("tblDemandPlan", plan)
    run_step(book, "supply", now=NOW)
    book.save()
    return path


def _with_scenarios(small, tmp_path, rows):
    path = tmp_path / small.name
    shutil.copyfile(small, path)
    book = FileBook(path)
    book.write_table("tblScenarioInputs", pd.DataFrame(
        rows, columns=["Scenario", "Change", "AppliesTo", "FromMonth", "ToMonth", "Value", "Note"]))
    return book


def _month(m):
    return None if m is None else m.to_pydatetime()


def test_a_user_added_scenario_row_is_computed(small, tmp_path):
    """Test: F's demand +20% in Feb and Mar, R at 70% of its hours (210 a month), an order of 30 C in Feb. Price:
    C (family G) 10% dearer, nothing else."""
    book = _with_scenarios(small, tmp_path, [
        ("Test", "demand", "F", _month(FEB), _month(MAR), 1.2, "promotion"),
        ("Test", "capacity", "R", None, None, 0.7, "line down"),
        ("Test", "order", "C", _month(FEB), None, 30, "tender"),
        ("Price", "price", "G", None, None, 1.1, None)])
    run_step(book, "reconcile", now=NOW)
    scenarios = book.read_table("tblScenarios").set_index("Scenario")
    assert list(scenarios.index) == ["Base", "Test", "Price"]
    base, test, price = (scenarios.loc[name] for name in ("Base", "Test", "Price"))
    # Base: everything made and shipped; 200 of R's 300 hours a month.
    assert base["Revenue"] == pytest.approx(3 * (100 * 10 + 100 * 20 + 50 * 5))  # 9,750
    assert base["Margin"] == pytest.approx(3 * (100 * 4 + 100 * 8 + 50 * 2))  # 3,900
    assert base["FillRate"] == 1 and base["ClosingInventoryValue"] == 0
    assert base["CapacityUse"] == pytest.approx(600 / 900)
    # Test: F needs 200, 240, 240 hours of 210; chase makes 200, 210, 210 (shared half and half, as A and B need the
    # same), so 60 of F's 680 units are short at the end (30 A, 30 B). C is bought in: 50 + 80 + 50, all shipped.
    shipped_a = shipped_b = 100 + 105 + 105
    assert test["Revenue"] == pytest.approx(shipped_a * 10 + shipped_b * 20 + 180 * 5)  # 10,200
    assert test["Margin"] == pytest.approx(shipped_a * 4 + shipped_b * 8 + 180 * 2)  # 4,080
    assert test["FillRate"] == pytest.approx((620 + 180) / (680 + 180))
    assert test["CapacityUse"] == pytest.approx(620 / 630)
    assert test["Changes"] == "demand F, capacity R, order C"  # in full (68 characters) it would shrink unreadably
    assert price["Changes"] == "price x1.10 G"
    # Price: the plan of Base, C's 150 units at 5.50.
    assert price["Revenue"] == pytest.approx(9750 + 150 * 0.5) and price["Margin"] == pytest.approx(3900 + 75)
    assert price["FillRate"] == 1 and price["CapacityUse"] == pytest.approx(base["CapacityUse"])
    shortage = book.read_table("tblScenarioShortage").set_index(["Scenario", "Family"])
    assert shortage.loc[("Test", "F"), ["Demand", "Short", "ShortRevenue", "PeakBacklog"]].tolist() == pytest.approx(
        [680, 60, 30 * 10 + 30 * 20, 60])
    assert shortage.loc[("Test", "F"), "PeakMonth"] == MAR
    assert shortage.loc[("Test", "G"), ["Demand", "Short"]].tolist() == [180, 0]
    assert shortage.loc[("Base", "F"), "Short"] == 0 and pd.isna(shortage.loc[("Base", "F"), "PeakMonth"])
    assert len(shortage) == 3 * 2  # every scenario, every family


def test_the_template_ships_upside_and_downside_as_rows(small):
    book = FileBook(small)
    rows = book.read_table("tblScenarioInputs")
    assert rows[["Scenario", "Change", "Value"]].values.tolist() == [["Upside", "demand", 1.1], ["Downside", "demand", 0.9]]
    run_step(book, "reconcile", now=NOW)  # not saved
    scenarios = book.read_table("tblScenarios").set_index("Scenario")
    assert list(scenarios.index) == ["Base", "Upside", "Downside"]
    # Downside: 90% of everything, all made: revenue 90% of Base's.
    assert scenarios.loc["Downside", "Revenue"] == pytest.approx(0.9 * scenarios.loc["Base", "Revenue"])


BAD_ROWS = [
    ("Test", "demand", "Toys", None, None, 1.2, None),  # no family or item Toys
    ("Test", "capacity", "R", _month(MAR), _month(FEB), 0.8, None),  # range backwards
    ("Test", "capacity", "R", None, None, -0.5, None),  # negative factor
    ("Test", "promotion", "F", None, None, 1.1, None),  # no such change
    ("Test", "order", None, None, None, 30, None),  # an order of what?
    ("Test", "demand", "F", "2028-01-01", None, 1.1, None),  # after the plan
    ("Base", "demand", "F", None, None, 1.1, None),  # Base is the plan
    ("Test", "price", "C", "soon", None, "ten", None),  # not a month, not a number
]


def test_bad_rows_give_problems_and_change_nothing(small, tmp_path):
    book = _with_scenarios(small, tmp_path, BAD_ROWS)
    book.save()
    before = {name: FileBook(book.path).read_table(name) for name in ("tblScenarios", "tblGap", "tblStepStatus")}
    with pytest.raises(ValidationError) as stopped:
        run_steps(book, ["reconcile"], now=NOW)
    first = 6  # the header of tblScenarioInputs is on row 5
    assert [(p.sheet, p.table, p.row, p.column) for p in stopped.value.problems] == [
        ("Scenarios", "tblScenarioInputs", first, "AppliesTo"),
        ("Scenarios", "tblScenarioInputs", first + 1, "ToMonth"),
        ("Scenarios", "tblScenarioInputs", first + 2, "Value"),
        ("Scenarios", "tblScenarioInputs", first + 3, "Change"),
        ("Scenarios", "tblScenarioInputs", first + 4, "AppliesTo"),
        ("Scenarios", "tblScenarioInputs", first + 5, "FromMonth"),
        ("Scenarios", "tblScenarioInputs", first + 6, "Scenario"),
        ("Scenarios", "tblScenarioInputs", first + 7, "FromMonth"),
        ("Scenarios", "tblScenarioInputs", first + 7, "Value")]
    texts = [p.problem for p in stopped.value.problems]
    assert texts[0] == "'Toys' is neither a family nor an item of table Items"
    assert texts[1] == "Feb 2027 is before FromMonth Mar 2027"
    assert texts[2].startswith("-0.5 is negative")
    assert texts[3] == "'promotion' is not a change: type one of demand, capacity, price, order"
    assert texts[4] == "is blank: an order needs the item ordered"
    assert texts[5] == "Jan 2028 is after the plan months (Jan 2027 to Mar 2027)"
    assert "'soon' is not a date" in texts[7] and "'ten' is not a number" in texts[8]
    # Validate names the same rows; the run wrote nothing.
    assert [(p.row, p.column) for p in validate(book) if p.table == "tblScenarioInputs"] == [
        (p.row, p.column) for p in stopped.value.problems]
    after = FileBook(book.path)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(after.read_table(name), frame)


def test_a_typed_scenario_row_makes_reconcile_stale(small, tmp_path):
    book = _with_scenarios(small, tmp_path, [("Upside", "demand", None, None, None, 1.1, None)])
    run_step(book, "reconcile", now=NOW)
    assert "reconcile" not in stale_steps(book)
    rows = book.read_table("tblScenarioInputs")
    book.write_table("tblScenarioInputs", pd.concat([rows, pd.DataFrame(
        [{"Scenario": "Line down", "Change": "capacity", "AppliesTo": "R", "Value": 0.5}])], ignore_index=True))
    assert "reconcile" in stale_steps(book)
    run_step(book, "reconcile", now=NOW)
    scenarios = book.read_table("tblScenarios").set_index("Scenario")
    # R at 150 hours a month: 450 of F's 600 units made, C's 150 all shipped.
    assert scenarios.loc["Line down", "FillRate"] == pytest.approx((450 + 150) / (600 + 150))
    assert np.isfinite(scenarios["Revenue"]).all()
