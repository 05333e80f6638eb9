"""The metric cell functions with ranges as xlwings passes them."""

import datetime as dt

import pytest

from sop_udfs import (
    SOP_ACCURACY,
    SOP_BACKORDER_RATE,
    SOP_DAYS_OF_SUPPLY,
    SOP_FVA,
    SOP_INVENTORY_AGING,
    SOP_INVENTORY_TURNS,
    SOP_MASE,
    SOP_ON_TIME_DELIVERY,
    SOP_OTIF,
    SOP_REVENUE_ACCURACY,
    SOP_SCHEDULE_ATTAINMENT,
    SOP_SERVICE_LEVEL,
)


def col(*values):
    return [[v] for v in values]


def test_two_dimensional_columns_with_blanks():
    assert SOP_ACCURACY(col(100, 200, None), col(90, 220, 5)) == pytest.approx(1 - 30 / 300)
    assert SOP_ACCURACY(col(100, 200), col(90, 220), "bias") == pytest.approx(10 / 300)
    assert SOP_MASE([5], [4], [1, 3, 2, 4]) == pytest.approx(1 / (5 / 3))
    assert SOP_FVA([100, 100], [80, 120], [90, 100]) == pytest.approx(0.15)
    assert SOP_INVENTORY_TURNS([[100, 100, 100]], [[150]]) == pytest.approx(2.0)
    assert SOP_SERVICE_LEVEL([10, 10], [10, 5], "line") == 0.5
    assert SOP_SERVICE_LEVEL([10, 10, 4], [10, 5, 4], "order", ["A", "A", "B"]) == 0.5
    assert SOP_REVENUE_ACCURACY([10, 20], [11, 18], [10, 20]) == pytest.approx(0.9)
    assert SOP_SCHEDULE_ATTAINMENT(100, 90) == pytest.approx(0.9)
    assert SOP_BACKORDER_RATE([10, 10], [0, 3], "unit") == pytest.approx(0.15)
    assert SOP_DAYS_OF_SUPPLY(250, col(100, 100, 100)) == 75.0


def test_dates_arrive_as_datetimes():
    promised = col(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 1))
    delivered = col(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 3))
    assert SOP_ON_TIME_DELIVERY(promised, delivered) == 0.5
    assert SOP_ON_TIME_DELIVERY(promised, delivered, 2) == 1.0
    assert SOP_OTIF(promised, delivered, [10, 10], [10, 10], 2) == 1.0
    table = SOP_INVENTORY_AGING(col(dt.datetime(2026, 3, 1)), [7], dt.datetime(2026, 3, 31))
    assert table[0] == ["Bucket", "Quantity", "Share"] and table[1] == ["0-30", 7.0, 1.0]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: SOP_ACCURACY([1, 2], [1]), "SOP_ACCURACY: actual has 2 values but forecast has 1"),
        (lambda: SOP_ACCURACY([0, 0], [1, 1]), "SOP_ACCURACY: the sum of |actual| is zero"),
        (lambda: SOP_ACCURACY(["a"], [1]), "SOP_ACCURACY: actual value 1 is text ('a')"),
        (lambda: SOP_SERVICE_LEVEL([1], [1], "volume"), "SOP_SERVICE_LEVEL: basis must be one of unit, line, order"),
        (lambda: SOP_ON_TIME_DELIVERY(["soon"], [None]), "SOP_ON_TIME_DELIVERY: promised value 1 is text ('soon')"),
        (lambda: SOP_DAYS_OF_SUPPLY([1, 2], [1]), "SOP_DAYS_OF_SUPPLY: on_hand must be a single cell"),
    ],
)
def test_bad_input_is_a_short_text(call, expected):
    out = call()
    assert isinstance(out, str) and out.startswith(expected)

