"""Rough-cut capacity, projected inventory and safety stock on small hand-computed tables."""

import numpy as np
import pandas as pd
import pytest

from xl_sop.cycle.grids import turned
from xl_sop.errors import InputError
from xl_sop.sample_data import sample_history, sample_items
from xl_sop.supply import (
    projected_inventory,
    projected_inventory_by,
    rough_cut_capacity,
    safety_stock,
    safety_stock_by,
)

JAN, FEB, MAR = pd.Timestamp("2027-01-01"), pd.Timestamp("2027-02-01"), pd.Timestamp("2027-03-01")
ITEMS = pd.DataFrame({
    "Item": ["A", "B", "C"], "Family": ["F", "F", "G"], "UnitPrice": [10.0, 20.0, 5.0], "UnitCost": [6.0, 12.0, 3.0],
    "LeadTimeMonths": [2, 1, 1], "Resource": ["R1", "R1", None], "HoursPerUnit": [0.5, 0.25, None],
})


def long(rows, value="Quantity"):
    return pd.DataFrame(rows, columns=["Item", "Month", value])


def test_rough_cut_load_utilisation_and_overload():
    plan = long([("A", JAN, 100), ("A", FEB, 200), ("B", JAN, 40), ("B", FEB, 40), ("C", JAN, 1000)])
    capacity = pd.DataFrame({"resource": ["R1", "R1"], "MONTH": ["2027-01-15", "2027-02-01"], "Hours": [80, 100],
                             "OvertimeHours": [10, 0]})
    out = rough_cut_capacity(plan, ITEMS, capacity).set_index("Month")
    # Jan: 100 x 0.5 + 40 x 0.25 = 60 h of 80; Feb: 200 x 0.5 + 10 = 110 h of 100.
    assert out["LoadHours"].tolist() == [60, 110]
    assert out["Utilisation"].tolist() == pytest.approx([0.75, 1.1])
    assert out["Overload"].tolist() == [False, True]
    assert out["OverloadHours"].tolist() == pytest.approx([0, 10])
    assert out["BeyondOvertimeHours"].tolist() == pytest.approx([0, 10])
    assert set(out["Resource"]) == {"R1"}  # C is bought in: it loads nothing


def test_rough_cut_without_capacity_rows_is_an_overload():
    out = rough_cut_capacity(long([("A", JAN, 10)]), ITEMS, pd.DataFrame(columns=["Resource", "Month", "Hours"]))
    assert out["CapacityHours"].tolist() == [0] and out["Overload"].tolist() == [True]
    assert np.isnan(out["Utilisation"].iloc[0])


def test_rough_cut_names_bad_rows():
    with pytest.raises(InputError, match="not in table Items: Z"):
        rough_cut_capacity(long([("Z", JAN, 1)]), ITEMS, pd.DataFrame(columns=["Resource", "Month", "Hours"]))
    items = ITEMS.assign(HoursPerUnit=[0.5, None, None])
    with pytest.raises(InputError, match="table Items, row 2, column HoursPerUnit: item 'B' is made on 'R1'"):
        rough_cut_capacity(long([("A", JAN, 1)]), items, pd.DataFrame(columns=["Resource", "Month", "Hours"]))
    with pytest.raises(InputError, match="table plan, row 2, column Quantity: 'ten' is not a number"):
        rough_cut_capacity(long([("A", JAN, 1), ("A", FEB, "ten")]), ITEMS, pd.DataFrame(columns=["Resource", "Month", "Hours"]))
    with pytest.raises(InputError, match="table Capacity has no column Hours"):
        rough_cut_capacity(long([("A", JAN, 1)]), ITEMS, pd.DataFrame(columns=["Resource", "Month"]))


def test_projected_inventory_with_backlog():
    out = projected_inventory(100, [50, 50, 0], [80, 80, 80])
    assert out["Balance"].tolist() == [70, 40, -40]
    assert out["OnHand"].tolist() == [70, 40, 0]
    assert out["Backlog"].tolist() == [0, 0, 40]
    assert out["Opening"].tolist() == [100, 70, 40]
    with pytest.raises(InputError, match="supply has 2 periods but demand has 3"):
        projected_inventory(0, [1, 2], [1, 2, 3])


def test_projected_inventory_by_item_with_days_of_supply():
    demand = long([("A", JAN, 50), ("A", FEB, 50), ("A", MAR, 100), ("B", JAN, 10)])
    supply = long([("A", FEB, 100)])
    inventory = pd.DataFrame({"Item": ["A", "A"], "ReceiptDate": ["2026-10-01", "2026-12-01"], "Quantity": [60, 40]})
    out = projected_inventory_by(demand, supply, inventory)
    a = out[out["Item"] == "A"]
    assert a["Opening"].tolist() == [100, 50, 100]
    assert a["OnHand"].tolist() == [50, 100, 0]
    # Jan: 50 covers February's 50 = one month; Feb: 100 covers March's 100; Mar: nothing left.
    assert a["DaysOfSupply"].tolist() == pytest.approx([30, 30, 0])
    b = out[out["Item"] == "B"]
    assert b["Backlog"].tolist() == [10, 10, 10]


def test_safety_stock_formula_by_hand():
    # d = 10, sd_d^2 = 10 / 4 = 2.5; L = 2, sd_L = 0.5: sqrt(2 x 2.5 + 100 x 0.25) = sqrt(30).
    assert safety_stock([10, 12, 8, 11, 9], 2, 0.95, 0.5) == pytest.approx(1.6448536 * np.sqrt(30))
    assert safety_stock([10, 12, None, 8, 11, 9], 2, 95) == pytest.approx(1.6448536 * np.sqrt(5))
    assert safety_stock([10, 10, 10], 3, 0.99) == 0
    assert safety_stock([10, 12, 8], 2, 0.5) == 0  # z = 0 at a 50% service level


@pytest.mark.parametrize("args, message", [
    (([10], 2), "at least two numbers"),
    (([10, 12], -1), "lead_time must be zero or more"),
    (([10, 12], 1, 1.0), "cycle_service_level must be between 50% and 99.9%"),
    (([10, 12], 1, 1.5), "cycle_service_level must be between 50% and 99.9%"),
    (([10, 12], 1, 0.95, "x"), "lead_time_sd must be a number"),
])
def test_safety_stock_bad_input(args, message):
    with pytest.raises(InputError, match=message):
        safety_stock(*args)


def test_safety_stock_by_item():
    history = long([("A", JAN, 10), ("A", FEB, 14), ("A", MAR, 12), ("B", MAR, 7)])
    items = ITEMS.assign(LeadTimeSdMonths=[0.5, None, None])
    out = safety_stock_by(history, items, 0.95, months=3).set_index("Item")
    assert out.loc["A", "MeanDemand"] == 12 and out.loc["A", "DemandSd"] == pytest.approx(2)
    assert out.loc["A", "SafetyStock"] == pytest.approx(1.6448536 * np.sqrt(2 * 4 + 144 * 0.25))
    assert np.isnan(out.loc["B", "SafetyStock"])  # one month since launch: no variability to measure
    assert np.isnan(out.loc["C", "MeanDemand"])  # no history at all


def test_safety_stock_by_runs_on_the_sample():
    items = sample_items()
    out = safety_stock_by(sample_history(items), items)
    assert len(out) == len(items) and (out["SafetyStock"] > 0).all()


def test_one_range_for_the_cycle_service_level():
    from xl_sop.supply.inventory import CYCLE_SERVICE_LEVEL_RANGE
    from xl_sop.workbook.schema import SETTINGS

    row = next(s for s in SETTINGS if s[0] == "Service level")
    assert (row[3], row[4]) == CYCLE_SERVICE_LEVEL_RANGE
    assert safety_stock([10, 12, 8, 11, 9], 2, 0.999) == pytest.approx(safety_stock([10, 12, 8, 11, 9], 2, 99.9))


def test_a_long_table_turned_into_a_grid_by_hand():
    """grids.turned (the grids of 2 Supply and 3 Pre-S&OP): label values in their order of first appearance, a
    row per measure, each month's figures summed (text counts as blank), a month without figures blank, months
    outside the plan dropped, a blank label matching no row, a scaled measure."""
    months = pd.date_range("2027-01-01", periods=3, freq="MS")
    long = pd.DataFrame({"Family": ["b", "a", "b", None, "a", "b"],
                         "Month": [months[0], months[0], months[0], months[1], pd.Timestamp("2030-01-01"), months[2]],
                         "Units": [1.004, 2.0, "x", 5.0, 7.0, 3.0], "Use": [0.5, 0.25, 0.5, 1.0, 1.0, 1.125]})
    grid = turned(long, ("Family",), [("Units", "Units"), ("Use %", "Use")], months, scale={"Use %": 100.0})
    assert grid.columns.tolist() == ["Family", "Measure", "Jan 2027", "Feb 2027", "Mar 2027"]
    rows = [[None if pd.isna(v) else v for v in row] for row in grid.itertuples(index=False)]
    assert rows == [["b", "Units", 1.0, None, 3.0], ["b", "Use %", 100.0, None, 112.5],
                    ["a", "Units", 2.0, None, None], ["a", "Use %", 25.0, None, None],
                    [None, "Units", None, None, None], [None, "Use %", None, None, None]]
