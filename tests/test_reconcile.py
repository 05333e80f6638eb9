"""Gap, allocation, constrained plan, scenarios and the financial view, by hand."""

import numpy as np
import pandas as pd
import pytest

from xl_sop.errors import InputError
from xl_sop.reconcile import (
    allocate,
    allocate_supply,
    constrained_plan,
    demand_supply_gap,
    financial_view,
    gap_by,
    scenario_comparison,
)
from xl_sop.sample_data import (
    sample_budget,
    sample_capacity,
    sample_history,
    sample_inventory,
    sample_items,
)
from xl_sop.settings import scenarios_from

JAN, FEB = pd.Timestamp("2027-01-01"), pd.Timestamp("2027-02-01")
ITEMS = pd.DataFrame({
    "Item": ["A", "B", "C"], "Family": ["F", "F", "G"], "UnitPrice": [10.0, 20.0, 5.0], "UnitCost": [6.0, 12.0, 3.0],
    "Resource": ["R1", "R1", None], "HoursPerUnit": [1.0, 1.0, None], "Priority": [1, 2, None],
})


def long(rows):
    return pd.DataFrame(rows, columns=["Item", "Month", "Quantity"])


def test_gap_per_period():
    out = demand_supply_gap([10, 20, 30], [15, 15, 15], 5)
    assert out["Gap"].tolist() == [-5, 5, 15]
    assert out["CumulativeGap"].tolist() == [-10, -5, 10]  # positive = shortage


def test_gap_by_family_in_units_and_money():
    demand = long([("A", JAN, 100), ("A", FEB, 100), ("B", JAN, 10), ("B", FEB, 10)])
    supply = long([("A", JAN, 150), ("B", JAN, 10), ("B", FEB, 10)])
    inventory = pd.DataFrame({"Item": ["B"], "ReceiptDate": ["2026-12-01"], "Quantity": [5]})
    out = gap_by(demand, supply, ITEMS, inventory).set_index("Month")
    # A: gap -50, +100 -> cumulative -50, +50; B: no gap, 5 in stock -> cumulative -5, -5.
    assert out.loc[JAN, ["Gap", "CumulativeGap", "Shortage", "Excess"]].tolist() == [-50, -55, 0, 55]
    assert out.loc[FEB, ["Gap", "CumulativeGap", "Shortage", "Excess"]].tolist() == [100, 45, 50, 5]
    assert out.loc[JAN, ["GapRevenue", "ShortageRevenue", "ExcessValue"]].tolist() == [-500, 0, 50 * 6 + 5 * 12]
    assert out.loc[FEB, ["GapRevenue", "ShortageRevenue", "ExcessValue"]].tolist() == [1000, 500, 60]
    total = gap_by(demand, supply, ITEMS, inventory, by="Family").set_index("Family").loc["F"]
    columns = ["Demand", "Supply", "Gap", "CumulativeGap", "Shortage", "ShortageRevenue"]
    assert total[columns].tolist() == [220, 170, 50, 45, 50, 500]
    with pytest.raises(InputError, match="group by any of Item, Family, Month"):
        gap_by(demand, supply, ITEMS, by="Customer")


def test_allocate_priority_then_fair_share():
    assert allocate(100, [50, 50, 50], [1, 2, 2]).tolist() == [50, 25, 25]
    assert allocate(30, [50, 50, 50], [1, 2, 2]).tolist() == [30, 0, 0]
    assert allocate(160, [50, 50, 50], [1, 2, 2]).tolist() == [50, 50, 50]
    assert allocate(100, [30, 50, 50]).tolist() == pytest.approx([100 * 30 / 130, 100 * 50 / 130, 100 * 50 / 130])
    assert allocate(60, [50, 50], [None, 3]).tolist() == [10, 50]  # blank priority comes last
    with pytest.raises(InputError, match="available supply must be a number, zero or more"):
        allocate(-1, [1])


def test_allocate_supply_across_customers():
    supply = long([("A", JAN, 90)])
    demand = pd.DataFrame({"Item": ["A", "A", "A"], "Month": [JAN] * 3, "Customer": ["Big", "Small", "Other"],
                           "Quantity": [60, 30, 30], "Priority": [1, 2, 2]})
    out = allocate_supply(supply, demand)
    assert out["Allocated"].tolist() == [60, 15, 15]
    assert out["FillRate"].tolist() == [1, 0.5, 0.5]


def _demand():
    return long([("A", JAN, 60), ("A", FEB, 60), ("B", JAN, 60), ("B", FEB, 20), ("C", JAN, 5), ("C", FEB, 5)])


CAPACITY = pd.DataFrame({"Resource": ["R1", "R1"], "Month": [JAN, FEB], "Hours": [100, 100]})
INVENTORY = pd.DataFrame({"Item": ["B"], "ReceiptDate": ["2026-12-01"], "Quantity": [10]})


def test_constrained_plan_by_hand():
    plan = constrained_plan(_demand(), ITEMS, CAPACITY, INVENTORY)
    p = plan.per_item.set_index(["Item", "Month"])
    # January: A needs 60 h, B 50 h (10 in stock), 100 h available: A first, B gets 40.
    assert p.loc[("A", JAN), ["Production", "Shipped", "Backlog"]].tolist() == [60, 60, 0]
    assert p.loc[("B", JAN), ["Production", "Shipped", "Backlog"]].tolist() == [40, 50, 10]
    # February: B needs 20 + 10 late; 90 h fit.
    assert p.loc[("B", FEB), ["Production", "Shipped", "Backlog"]].tolist() == [30, 30, 0]
    assert p.loc[("C", JAN), "Production"] == 5  # bought in
    r = plan.per_resource.set_index("Month")
    assert r["NeedHours"].tolist() == [110, 90] and r["LoadHours"].tolist() == [100, 90]


def test_scenarios_side_by_side():
    settings = pd.DataFrame({"Setting": ["Upside demand factor", "Downside capacity factor"], "Value": [1.5, "80%"]})
    scenarios = scenarios_from(settings)
    assert [(s.name, s.demand_factor, s.capacity_factor) for s in scenarios] == [
        ("Base", 1, 1), ("Upside", 1.5, 1), ("Downside", 0.9, 0.8)]
    out = scenario_comparison(_demand(), ITEMS, CAPACITY, INVENTORY, scenarios).set_index("Scenario")
    base = out.loc["Base"]
    assert base["DemandUnits"] == 210 and base["ShippedUnits"] == 210 and base["FillRate"] == 1
    assert base["Revenue"] == 120 * 10 + 80 * 20 + 10 * 5
    assert base["Margin"] == base["Revenue"] - (120 * 6 + 80 * 12 + 10 * 3)
    assert base["CapacityUse"] == pytest.approx(190 / 200)
    # Upside: A 90/90 and B 90/30 on 100 h a month; A first. B ships 10 + 10 + 10 of 120.
    up = out.loc["Upside"]
    assert up["DemandUnits"] == 315 and up["ShippedUnits"] == 90 + 90 + 20 + 10 + 15
    assert up["BacklogUnits"] == 90 and up["FillRate"] == pytest.approx(225 / 315)


def test_settings_errors_name_the_setting():
    with pytest.raises(InputError, match="table Settings, row 1: Upside demand factor: 'lots' is not a number"):
        scenarios_from(pd.DataFrame({"Setting": ["Upside demand factor"], "Value": ["lots"]}))
    with pytest.raises(InputError, match=r"row 2: setting 'upside_demand_factor' is listed twice \(rows 1 and 2\)"):
        scenarios_from(pd.DataFrame({"Setting": ["Upside demand factor", "upside_demand_factor"], "Value": [1, 2]}))


def test_financial_view_against_budget():
    plan = long([("A", JAN, 10), ("B", JAN, 5)])
    budget = pd.DataFrame({"Family": ["F", "F"], "Month": [JAN, FEB], "Units": [20, 5], "Revenue": [250, 50]})
    out = financial_view(plan, ITEMS, budget).set_index("Month")
    assert out.loc[JAN, ["Units", "Revenue", "COGS", "Margin", "MarginPct"]].tolist() == [15, 200, 120, 80, 0.4]
    assert out.loc[JAN, ["UnitsGap", "RevenueGap", "RevenueGapPct"]].tolist() == [-5, -50, -0.2]
    assert out.loc[FEB, ["Units", "Revenue", "RevenueGap"]].tolist() == [0, 0, -50]
    assert np.isnan(out.loc[FEB, "MarginPct"])


def test_the_sample_reconciles_end_to_end():
    items = sample_items()
    history = sample_history(items)
    demand = history.assign(Month=history["Month"] + pd.DateOffset(years=1))
    demand = demand[demand["Month"] >= "2026-11-01"]
    capacity, inventory = sample_capacity(items, history), sample_inventory(items, history)
    out = scenario_comparison(demand, items, capacity, inventory).set_index("Scenario")
    assert out.loc["Upside", "FillRate"] <= out.loc["Base", "FillRate"] <= out.loc["Downside", "FillRate"] <= 1
    assert out.loc["Downside", "Revenue"] < out.loc["Base", "Revenue"] < out.loc["Upside", "Revenue"]
    view = financial_view(demand, items, sample_budget(items, history))
    assert set(view["Family"]) == set(items["Family"])
