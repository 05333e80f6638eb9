"""Every metric against values computed by hand (the arithmetic is in the comments)."""

import datetime as dt

import pytest

from xl_sop.errors import InputError
from xl_sop.metrics import (
    backorder_rate,
    days_of_supply,
    forecast_accuracy,
    forecast_value_added,
    inventory_aging,
    inventory_turns,
    mase,
    on_time_delivery,
    otif,
    revenue_accuracy,
    schedule_attainment,
    service_level,
)

A = [100, 200, 50, 0]
F = [110, 180, 60, 10]
# |A-F| = 10, 20, 10, 10 -> 50;  sum|A| = 350;  sum(F-A) = 10 - 20 + 10 + 10 = 10


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("accuracy", 1 - 50 / 350),
        ("wmape", 50 / 350),
        ("mape", (10 / 100 + 20 / 200 + 10 / 50) / 3),  # A = 0 left out
        ("bias", 10 / 350),
        ("mae", 50 / 4),
        ("rmse", ((100 + 400 + 100 + 100) / 4) ** 0.5),
        ("tracking_signal", (-10 + 20 - 10 - 10) / (50 / 4)),  # sum(A-F) / MAD = -0.8
        ("WMAPE", 50 / 350),
    ],
)
def test_accuracy_metrics_by_hand(metric, expected):
    assert forecast_accuracy(A, F, metric) == pytest.approx(expected)


def test_blank_in_either_range_skips_the_pair():
    assert forecast_accuracy([100, None, 50], [90, 70, None]) == pytest.approx(0.9)


def test_accuracy_is_floored_at_zero():
    assert forecast_accuracy([10, 10], [100, 100]) == 0.0


def test_accuracy_errors_are_explained():
    with pytest.raises(InputError, match="actual has 2 values but forecast has 3"):
        forecast_accuracy([1, 2], [1, 2, 3])
    with pytest.raises(InputError, match="sum of \\|actual\\| is zero"):
        forecast_accuracy([0, 0], [1, 1])
    with pytest.raises(InputError, match="nothing to measure"):
        forecast_accuracy([None], [1])
    with pytest.raises(InputError, match="metric must be one of"):
        forecast_accuracy(A, F, "smape")
    with pytest.raises(InputError, match="actual value 2 is text"):
        forecast_accuracy([1, "x"], [1, 2])


def test_mase_by_hand():
    history = [10, 12, 11, 15, 14]  # |diffs| = 2, 1, 4, 1 -> mean 2
    assert mase([16, 15], [14, 14], history) == pytest.approx(((2 + 1) / 2) / 2)
    # lag 2: |11-10|, |15-12|, |14-11| = 1, 3, 3 -> 7/3
    assert mase([16, 15], [14, 14], history, 2) == pytest.approx(1.5 / (7 / 3))
    with pytest.raises(InputError, match="mean absolute difference is zero"):
        mase([1], [2], [5, 5, 5])


def test_forecast_value_added_by_hand():
    # before: |A-B| = 20 + 20 = 40; after: 10 + 0 = 10; sum|A| = 200 -> 0.2 - 0.05 = 0.15
    assert forecast_value_added([100, 100], [80, 120], [90, 100]) == pytest.approx(0.15)
    assert forecast_value_added([100, 100], [90, 100], [80, 120]) == pytest.approx(-0.15)


def test_inventory_turns_by_hand():
    # 12 months of COGS 100 each = 1200; balances 300, 500, 400 -> mean 400 -> 3 turns
    assert inventory_turns([100] * 12, [300, 500, None, 400]) == pytest.approx(3.0)
    with pytest.raises(InputError, match="average inventory is zero"):
        inventory_turns([1], [0, 0])


def test_service_level_three_bases():
    ordered = [10, 5, 8, 4]
    shipped = [10, 7, 6, 0]  # min: 10, 5, 6, 0 = 21 of 27; full lines: 1st, 2nd
    ids = ["A", "A", "B", "C"]
    assert service_level(ordered, shipped) == pytest.approx(21 / 27)
    assert service_level(ordered, shipped, "line") == pytest.approx(2 / 4)
    assert service_level(ordered, shipped, "order", ids) == pytest.approx(1 / 3)  # only order A complete
    with pytest.raises(InputError, match="needs order_ids"):
        service_level(ordered, shipped, "order")


def test_revenue_accuracy_with_and_without_prices():
    assert revenue_accuracy([1000, 2000], [1100, 1800]) == pytest.approx(1 - 300 / 3000)
    # units x price: A = 100, 400; F = 110, 360 -> |err| 10 + 40 = 50 of 500
    assert revenue_accuracy([10, 20], [11, 18], [10, 20]) == pytest.approx(0.9)


def d(day):
    return dt.date(2026, 3, day)


def test_on_time_delivery_with_tolerance_and_open_orders():
    promised = [d(1), d(1), d(1), d(10), d(20)]
    delivered = [d(1), d(2), d(4), None, None]
    as_of = d(15)  # order 4 is past due (late); order 5 is not due yet (left out)
    assert on_time_delivery(promised, delivered, 0, as_of) == pytest.approx(1 / 4)
    assert on_time_delivery(promised, delivered, 1, as_of) == pytest.approx(2 / 4)
    # Excel serial numbers are dates too: 46082 = 2026-03-01
    assert on_time_delivery([46082], [46082]) == 1.0


def test_otif_by_hand():
    promised = [d(1), d(1), d(1)]
    delivered = [d(1), d(1), d(3)]
    ordered, shipped = [10, 10, 10], [10, 9, 10]
    assert otif(promised, delivered, ordered, shipped) == pytest.approx(1 / 3)
    assert otif(promised, delivered, ordered, shipped, tolerance_days=2) == pytest.approx(2 / 3)


def test_schedule_attainment_over_production_does_not_offset():
    # min(actual, planned): 100, 40, 50 = 190 of 200 planned
    assert schedule_attainment([100, 50, 50], [120, 40, 50]) == pytest.approx(190 / 200)


def test_backorder_rate_line_and_unit():
    assert backorder_rate([10, 10, 10, 10], [0, 2, 0, 5]) == pytest.approx(0.5)
    assert backorder_rate([10, 10, 10, 10], [0, 2, 0, 5], "unit") == pytest.approx(7 / 40)


def test_inventory_aging_edges_belong_to_the_lower_bucket():
    as_of = dt.date(2026, 11, 25)
    ages = [0, 30, 31, 60, 61, 90, 91, 180, 181]
    receipts = [as_of - dt.timedelta(days=a) for a in ages]
    rows = inventory_aging(receipts, [1] * 9, as_of)
    assert [(b, q) for b, q, _ in rows] == [("0-30", 2), ("31-60", 2), ("61-90", 2), ("91-180", 2), ("over 180", 1)]
    assert sum(s for *_, s in rows) == pytest.approx(1.0)
    custom = inventory_aging(receipts, [1] * 9, as_of, [45, 365])
    assert [(b, q) for b, q, _ in custom] == [("0-45", 3), ("46-365", 6), ("over 365", 0)]
    # a layer received after as_of was not in stock that day: left out (see test_metric_agreement.py)
    with pytest.raises(InputError, match="no inventory quantity received by the as-of date"):
        inventory_aging([as_of + dt.timedelta(days=1)], [1], as_of)


def test_days_of_supply_worked_example_and_beyond_the_horizon():
    assert days_of_supply(250, [100, 100, 100]) == pytest.approx(75.0)
    assert days_of_supply(200, [100, 100, 100]) == pytest.approx(60.0)
    # 400 covers the three periods (300) and 100 more at the average 100 -> 4 periods
    assert days_of_supply(400, [50, 100, 150], 7) == pytest.approx(28.0)
    assert days_of_supply(0, [10]) == 0.0
    with pytest.raises(InputError, match="unlimited"):
        days_of_supply(10, [0, 0])
