"""The cases where the cell functions and the tables used to disagree, computed by hand: now
the cell function (=SOP_*), the core function it calls and the table by group give one answer.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sop_udfs import (
    SOP_ACCURACY,
    SOP_DAYS_OF_SUPPLY,
    SOP_FVA,
    SOP_INVENTORY_AGING,
    SOP_ON_TIME_DELIVERY,
    SOP_OTIF,
    SOP_SERVICE_LEVEL,
)
from xl_sop.errors import InputError
from xl_sop.metrics import (
    days_of_supply,
    forecast_accuracy,
    forecast_value_added,
    forecast_value_added_by_stage,
    inventory_aging,
    on_time_delivery,
    otif,
    revenue_accuracy,
    service_level,
    tables,
)
from xl_sop.supply import projected_inventory_by


def col(*values):
    return [[v] for v in values]


def test_otif_counts_a_due_line_with_nothing_shipped_as_a_miss():
    """Two lines promised 10 Jan 2025: one delivered that day in full, one not delivered, QtyShipped blank.

    otif() used to skip the second line (blank shipped) and say 1/1 = 1.0, while fulfilment_by
    read the blank as 0 and said 1/2 = 0.5. A blank shipped quantity is nothing shipped: the line
    is due (past its promised date) and neither on time nor in full, so OTIF = 1/2 everywhere.
    """
    promised = [dt.date(2025, 1, 10)] * 2
    delivered = [dt.date(2025, 1, 10), None]
    ordered, shipped = [10, 10], [10, None]
    as_of = dt.date(2025, 2, 1)
    assert otif(promised, delivered, ordered, shipped, as_of=as_of) == 0.5
    assert SOP_OTIF(col(*promised), col(*delivered), col(*ordered), col(*shipped)) == 0.5  # as of today
    assert on_time_delivery(promised, delivered, as_of=as_of) == 0.5
    assert SOP_ON_TIME_DELIVERY(col(*promised), col(*delivered)) == 0.5
    # fill rate: min(10, 10) + min(0, 10) = 10 of 20 ordered; lines shipped in full: 1 of 2
    assert service_level(ordered, shipped) == 0.5
    assert SOP_SERVICE_LEVEL(col(*ordered), col(*shipped)) == 0.5
    assert service_level(ordered, shipped, "line") == 0.5
    orders = pd.DataFrame({"Item": ["A", "A"], "PromisedDate": promised, "DeliveredDate": delivered,
                           "QtyOrdered": ordered, "QtyShipped": shipped})
    row = tables.fulfilment_by(orders, as_of=as_of).iloc[0]
    assert (row["OTIF"], row["OnTime"], row["FillRate"], row["LineFillRate"]) == (0.5, 0.5, 0.5, 0.5)
    # the line not delivered is backordered: 1 line of 2, 10 units of 20
    assert (row["BackorderRate"], row["BackorderUnits"]) == (0.5, 0.5)


def test_a_line_not_yet_due_is_left_out_everywhere():
    """Promised 20 Feb, not delivered, as of 15 Feb: nothing to measure yet, a blank in the table."""
    args = ([dt.date(2026, 2, 20)], [None], [10], [None])
    with pytest.raises(InputError, match="nothing to measure: no order is delivered or past due"):
        otif(*args, as_of=dt.date(2026, 2, 15))
    orders = pd.DataFrame({"Item": ["A"], "PromisedDate": args[0], "DeliveredDate": args[1], "QtyOrdered": args[2],
                           "QtyShipped": args[3]})
    row = tables.fulfilment_by(orders, as_of="2026-02-15").iloc[0]
    assert np.isnan(row["OTIF"]) and np.isnan(row["OnTime"]) and np.isnan(row["BackorderRate"])


def test_a_receipt_after_the_as_of_date_is_left_out_everywhere():
    """As of 1 Mar 2026: 7 units received 1 Jan (59 days old: 31-60) and 5 units received 10 Mar.

    inventory_aging used to refuse the 10 Mar receipt (an error) and aging_by to count it as 0-30
    days old. It was not in stock on 1 Mar, so it has no age then: left out, 7 units in 31-60.
    """
    received, quantity, as_of = [dt.date(2026, 3, 10), dt.date(2026, 1, 1)], [5, 7], dt.date(2026, 3, 1)
    expected = [("0-30", 0.0, 0.0), ("31-60", 7.0, 1.0), ("61-90", 0.0, 0.0), ("91-180", 0.0, 0.0), ("over 180", 0.0, 0.0)]
    assert inventory_aging(received, quantity, as_of) == expected
    cell = SOP_INVENTORY_AGING(col(*received), col(*quantity), dt.datetime(2026, 3, 1))
    assert cell == [["Bucket", "Quantity", "Share"], *[list(r) for r in expected]]
    inventory = pd.DataFrame({"Item": ["A", "A"], "ReceiptDate": received, "Quantity": quantity})
    row = tables.aging_by(inventory, as_of=as_of).iloc[0]
    assert row[["0-30", "31-60", "61-90", "91-180", "over 180", "Total"]].tolist() == [0, 7, 0, 0, 0, 7]
    with pytest.raises(InputError, match="no inventory quantity received by the as-of date"):
        inventory_aging(received[:1], quantity[:1], as_of)


def test_days_of_supply_on_zero_demand_is_unlimited_a_blank_in_the_plan():
    """Stock that no demand ever uses lasts for ever: the cell says so, the supply plan leaves it blank."""
    with pytest.raises(InputError, match="forecast is zero in every period: days of supply is unlimited"):
        days_of_supply(10, [0, 0])
    unlimited = "SOP_DAYS_OF_SUPPLY: forecast is zero in every period: days of supply is unlimited"
    assert SOP_DAYS_OF_SUPPLY(10, col(0, 0)) == unlimited
    months = pd.date_range("2026-01-01", periods=4, freq="MS")
    supply = pd.DataFrame({"Item": ["A", "B"], "Month": months[0], "Quantity": [250.0, 10.0]})
    demand = pd.DataFrame({"Item": ["A"] * 4 + ["B"] * 4, "Month": list(months) * 2,
                           "Quantity": [0.0, 100, 100, 100] + [0.0] * 4})
    plan = projected_inventory_by(demand, supply).set_index(["Item", "Month"])["DaysOfSupply"]
    assert plan["B"].isna().all()
    # A: 250 at the end of January against 100, 100, 100 = 2.5 months = 75 days, as the cell function says;
    # then 150 against 100, 100 = 45 days, 50 against 100 = 15 days, none left = 0
    assert plan["A"].tolist() == pytest.approx([75, 45, 15, 0])
    assert days_of_supply(250, [100, 100, 100]) == SOP_DAYS_OF_SUPPLY(250, col(100, 100, 100)) == 75


ACTUAL, FORECAST = [100.0, 200.0, 50.0, 0.0], [110.0, 180.0, 60.0, 10.0]
# |A-F| = 10, 20, 10, 10 -> 50; sum|A| = 350 -> WMAPE = 1/7, accuracy = 6/7; sum(F-A) = 10 -> bias 1/35


def test_one_wmape_in_every_entry_point():
    assert forecast_accuracy(ACTUAL, FORECAST, "wmape") == pytest.approx(1 / 7)
    assert SOP_ACCURACY(col(*ACTUAL), col(*FORECAST), "wmape") == pytest.approx(1 / 7)
    assert revenue_accuracy(ACTUAL, FORECAST, [2.0] * 4) == pytest.approx(6 / 7)  # one price: the same share
    months = pd.date_range("2026-01-01", periods=4, freq="MS")
    history = pd.DataFrame({"Item": "A", "Month": months, "Quantity": ACTUAL})
    forecasts = pd.DataFrame({"Item": "A", "Month": months, "Forecast": FORECAST})
    by_item = tables.accuracy_by(history, forecasts, by=("Item",)).iloc[0]
    assert (by_item["WMAPE"], by_item["Accuracy"], by_item["Bias"]) == pytest.approx((1 / 7, 6 / 7, 1 / 35))
    archive = forecasts.assign(PlanMonth=months[0])  # a plan frozen in January: lags 0 to 3
    by_lag = tables.accuracy_by_lag(archive, history).dropna(subset=["Month"])
    # one month per lag: 10/100, 20/200, 10/50 off; lag 3 has A = 0: undefined, a blank
    assert by_lag["Accuracy"].tolist() == pytest.approx([0.9, 0.9, 0.8, np.nan], nan_ok=True)
    # FVA of the forecast over a naive forecast of 0: WMAPE 1 -> 1/7
    assert forecast_value_added(ACTUAL, [0.0] * 4, FORECAST) == pytest.approx(6 / 7)
    assert SOP_FVA(col(*ACTUAL), col(0.0, 0.0, 0.0, 0.0), col(*FORECAST)) == pytest.approx(6 / 7)
    stages = forecast_value_added_by_stage(ACTUAL, {"zero": [0.0] * 4, "forecast": FORECAST})
    assert stages["WMAPE"].tolist() == pytest.approx([1.0, 1 / 7])


def test_forecast_value_added_by_stage_by_hand():
    """The FVA table of the Demand step (tblFVA): each stage's accuracy and its gain over the stage before.

    A = 100, 50 (sum|A| = 150)
    naive        80, 70   |A-F| = 20 + 20 = 40   WMAPE 40/150 = 0.2667   accuracy 0.7333
    statistical  90, 50   10 +  0 = 10           WMAPE 10/150 = 0.0667   adds 0.2667 - 0.0667 = 0.2
    + sales     110, 50   10 +  0 = 10           WMAPE 0.0667             adds 0
    consensus   100, 45    0 +  5 =  5           WMAPE  5/150 = 0.0333   adds 0.0333
    """
    stages = {"Naive": [80, 70], "Statistical": [90, 50], "+ Sales": [110, 50], "+ Marketing = consensus": [100, 45]}
    out = forecast_value_added_by_stage([100, 50], stages)
    assert out["Stage"].tolist() == list(stages)
    assert out["WMAPE"].tolist() == pytest.approx([40 / 150, 10 / 150, 10 / 150, 5 / 150])
    assert out["Accuracy"].tolist() == pytest.approx([110 / 150, 140 / 150, 140 / 150, 145 / 150])
    assert np.isnan(out["ValueAdded"].iloc[0])
    assert out["ValueAdded"].iloc[1:].tolist() == pytest.approx([0.2, 0.0, 5 / 150])
    # each step is forecast_value_added of the stage before and this one (SOP_FVA)
    assert out["ValueAdded"].iloc[3] == pytest.approx(forecast_value_added([100, 50], [110, 50], [100, 45]))


def test_value_added_is_a_wmape_difference_even_where_accuracy_is_floored():
    """A = 10: a stage at 40 (WMAPE 3) then one at 25 (WMAPE 1.5). Both accuracies are floored at 0,
    so the Demand step used to show no value added (0 - 0); it is WMAPE 3 - 1.5 = 1.5, as =SOP_FVA says."""
    out = forecast_value_added_by_stage([10.0], {"before": [40.0], "after": [25.0]})
    assert out["Accuracy"].tolist() == [0.0, 0.0]
    assert out["ValueAdded"].iloc[1] == pytest.approx(1.5) == SOP_FVA([10.0], [40.0], [25.0])
