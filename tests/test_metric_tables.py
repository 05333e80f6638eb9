"""The metrics by group from the data tables, and the accuracy waterfall."""

import pandas as pd
import pytest

from xl_sop.metrics import tables

ITEMS = pd.DataFrame({"Item": ["A", "B"], "Family": ["F1", "F2"], "UnitPrice": [10.0, 2.0], "UnitCost": [6.0, 1.0]})
HISTORY = pd.DataFrame({
    "item": ["A", "A", "B"],
    "month": ["2026-01-01", "2026-02-01", "2026-01-01"],
    "quantity": [100, 120, 50],
})


def test_accuracy_by_family_and_month():
    fc = pd.DataFrame({"Item": ["A", "A", "B", "B"], "Month": ["2026-01-01", "2026-02-01", "2026-01-01", "2026-02-01"],
                       "Forecast": [90, 120, 60, 10]})
    out = tables.accuracy_by(HISTORY, fc, ITEMS, by=("Family",)).set_index("Family")
    # F1: |100-90| + |120-120| = 10 of 220; F2: |50-60| + |0-10| = 20 of 50 (no row in Feb = 0 actual)
    assert out.loc["F1", "Accuracy"] == pytest.approx(1 - 10 / 220)
    assert out.loc["F2", "Accuracy"] == pytest.approx(1 - 20 / 50)
    assert out.loc["F2", "Bias"] == pytest.approx((10 + 10) / 50)
    assert out.loc["F1", "RevenueAccuracy"] == pytest.approx(1 - 100 / 2200)


def test_accuracy_by_lag_waterfall():
    archive = pd.DataFrame({
        "PlanMonth": ["2025-12-01", "2025-12-01", "2026-01-01"],
        "Item": ["A", "A", "A"],
        "Month": ["2026-01-01", "2026-02-01", "2026-02-01"],
        "Forecast": [80, 100, 110],
    })
    out = tables.accuracy_by_lag(archive, HISTORY)
    lag1 = out[(out.Lag == 1) & out.Month.notna()].set_index("Month")
    # lag 1: Jan from the Dec plan (80 vs 100) and Feb from the Jan plan (110 vs 120)
    assert lag1.loc[pd.Timestamp("2026-01-01"), "Accuracy"] == pytest.approx(0.8)
    assert lag1.loc[pd.Timestamp("2026-02-01"), "Accuracy"] == pytest.approx(1 - 10 / 120)
    total1 = out[(out.Lag == 1) & out.Month.isna()].iloc[0]
    assert total1["Accuracy"] == pytest.approx(1 - 30 / 220)
    lag2 = out[(out.Lag == 2) & out.Month.isna()].iloc[0]
    assert lag2["Accuracy"] == pytest.approx(1 - 20 / 120)


def test_fulfilment_by_month():
    orders = pd.DataFrame({
        "Order": [1, 1, 2, 3], "Line": [1, 2, 1, 1], "Item": ["A", "B", "A", "B"], "Customer": ["X", "X", "Y", "Z"],
        "PromisedDate": ["2026-01-10", "2026-01-10", "2026-01-20", "2026-02-10"],
        "DeliveredDate": ["2026-01-10", "2026-01-12", None, None],
        "QtyOrdered": [10, 10, 5, 8], "QtyShipped": [10, 8, 0, 0],
    })
    out = tables.fulfilment_by(orders, ITEMS, as_of="2026-02-01").set_index("Month")
    jan = out.loc[pd.Timestamp("2026-01-01")]
    assert jan["Lines"] == 3
    assert jan["FillRate"] == pytest.approx(18 / 25)
    assert jan["OnTime"] == pytest.approx(1 / 3)  # line 3 undelivered and past due
    assert jan["OTIF"] == pytest.approx(1 / 3)
    assert jan["BackorderRate"] == pytest.approx(2 / 3)
    assert jan["BackorderUnits"] == pytest.approx(7 / 25)
    feb = out.loc[pd.Timestamp("2026-02-01")]
    assert pd.isna(feb["OnTime"])  # not due yet at as_of: nothing to measure


def test_attainment_aging_and_turns():
    prod = pd.DataFrame({"Item": ["A", "B"], "Month": ["2026-01-01"] * 2, "Planned": [100, 50], "Actual": [120, 30]})
    att = tables.attainment_by(prod, ITEMS)
    assert att["Attainment"].iloc[0] == pytest.approx(130 / 150)
    inv = pd.DataFrame({"Item": ["A", "A", "B"], "ReceiptDate": ["2026-01-31", "2025-06-01", "2026-01-20"],
                        "Quantity": [5, 7, 100]})
    aging = tables.aging_by(inv, ITEMS, as_of="2026-03-01").set_index("Family")
    assert aging.loc["F1", "0-30"] == 5 and aging.loc["F1", "over 180"] == 7 and aging.loc["F2", "31-60"] == 100
    turns = tables.inventory_turns_by(HISTORY, inv, ITEMS, months=2).set_index("Family")
    # F1: COGS (100 + 120) x 6 = 1320 over 2 months -> 7920 a year; inventory 12 x 6 = 72 -> 110 turns
    assert turns.loc["F1", "Turns"] == pytest.approx(7920 / 72)


def test_missing_columns_name_the_table():
    with pytest.raises(Exception, match="table History has no column Quantity"):
        tables.accuracy_by(HISTORY.drop(columns="quantity"), HISTORY)
