"""The meeting (issue 15) on real workbook files: one base plan everywhere, staleness, approvals, the demo.

The demo workbook (24 items, the sample data) is cycled once with run_all; each test that changes it works on
its own copy and reads the results back from the file.
"""

import numpy as np
import pytest
from conftest import copy_of, cycled_demo

from xl_sop.workbook.filebook import FileBook


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return cycled_demo(tmp_path_factory.mktemp("meeting"), "SOP_Meeting.xlsm", 24)


@pytest.fixture
def book_path(demo, tmp_path):
    return copy_of(demo, tmp_path)


def test_base_scenario_is_the_supply_and_executive_plan(demo):
    book = FileBook(demo)
    base = book.read_table("tblScenarios").set_index("Scenario").loc["Base"]
    executive = book.read_table("tblExecutive")
    supply = book.read_table("tblSupplyPlan")
    load = book.read_table("tblCapacityLoad")
    cost = book.read_table("tblItems").set_index("Item")["UnitCost"]
    # 5 Executive: its months add up to the Base row.
    assert base["Revenue"] == pytest.approx(executive["Revenue"].sum(), abs=0.05)
    assert base["Margin"] == pytest.approx(executive["Margin"].sum(), abs=0.05)
    assert base["FillRate"] == pytest.approx(executive["ShippedUnits"].sum() / executive["DemandUnits"].sum(), abs=1e-6)
    assert base["ClosingInventoryValue"] == pytest.approx(executive["InventoryValue"].iloc[-1], abs=0.05)
    # 2 Supply: the closing stock at cost, the backlog left at the end, the hours planned.
    last = supply[supply["Month"] == supply["Month"].max()]
    assert base["ClosingInventoryValue"] == pytest.approx((last["OnHand"] * last["Item"].map(cost)).sum(), abs=0.05)
    assert base["FillRate"] == pytest.approx(1 - last["Backlog"].sum() / supply["Demand"].sum(), abs=1e-6)
    assert base["CapacityUse"] == pytest.approx(load["PlannedHours"].sum() / load["CapacityHours"].sum(), abs=1e-6)
    # The old scenarios planned lot for lot without safety stock: closing stock 0 while Supply held some.
    assert base["ClosingInventoryValue"] > 0
    # A downside or upside is another plan of the same logic: capacity use moves with demand.
    scenarios = book.read_table("tblScenarios").set_index("Scenario")
    assert scenarios.loc["Upside", "CapacityUse"] > base["CapacityUse"] > scenarios.loc["Downside", "CapacityUse"]
    assert np.isfinite(scenarios["Revenue"]).all()
