"""Gap, allocation and the financial view, by hand."""

import numpy as np
import pandas as pd
import pytest

from xl_sop.errors import InputError
from xl_sop.reconcile import (
    allocate,
    allocate_supply,
    demand_supply_gap,
    financial_view,
    gap_by,
)
from xl_sop.sample_data import (
    sample_budget,
    sample_history,
    sample_items,
)
from xl_sop.settings import read_settings

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


def test_settings_errors_name_the_setting():
    settings = read_settings(pd.DataFrame({"Setting": ["Service level"], "Value": ["lots"]}, index=[1]))
    assert [(p.row, p.column, p.text) for p in settings.problems] == [
        (1, "Value", "Service level: 'lots' is not a number (type 1250)")]
    settings = read_settings(pd.DataFrame({"Setting": ["Horizon", "horizon"], "Value": [12, 6]}, index=[1, 2]))
    assert [(p.row, p.column, p.text) for p in settings.problems] == [
        (2, "Setting", "setting 'horizon' is listed twice (rows 1 and 2)")]


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
    view = financial_view(demand, items, sample_budget(items, history))
    assert set(view["Family"]) == set(items["Family"])
