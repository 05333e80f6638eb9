"""Property: for every metric the scalar function (what a cell function calls) and the grouped
routine (what the tables and the cycle call) agree on every group of random rows: the same
value, or a blank (NaN) in the group exactly where the scalar says there is nothing to measure
or the value is undefined. Rows hold blanks, zeros, future receipts and undelivered orders.
"""

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xl_sop import metrics
from xl_sop.errors import InputError
from xl_sop.metrics import Groups, tables

NO_VALUE = re.compile("nothing to measure|undefined|unlimited|history needs more than|not a finite number")
AS_OF = dt.date(2026, 2, 15)

QUANTITY = st.one_of(st.none(), st.just(0.0), st.integers(0, 60).map(float), st.floats(0, 100))
SIGNED = st.one_of(QUANTITY, st.integers(-20, -1).map(float))  # actuals net of returns
DAY = st.one_of(st.none(), st.dates(dt.date(2026, 1, 1), dt.date(2026, 3, 31)))  # around AS_OF: some in its future
ORDER_ID = st.sampled_from(["A", "B", "C", 7, None])
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def grouped_rows(draw, *cells):
    """Groups of 1 to 4 and columns of equal length (0 to 24 rows) drawn from ``cells``."""
    n = draw(st.integers(0, 24))
    size = draw(st.integers(1, 4))
    codes = np.array(draw(st.lists(st.integers(0, size - 1), min_size=n, max_size=n)), dtype=np.intp)
    return Groups(codes, size), [draw(st.lists(c, min_size=n, max_size=n)) for c in cells]


def numbers(cells) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in cells], dtype=float)


def days(cells) -> np.ndarray:
    return np.array([np.datetime64("NaT") if v is None else np.datetime64(v, "D") for v in cells], dtype="datetime64[D]")


def of_group(cells, groups: Groups, g: int) -> list:
    return [v for v, code in zip(cells, groups.codes, strict=True) if code == g]


def assert_agree(scalar, grouped_value) -> None:
    """scalar(): the cell's answer; grouped_value: the same group's value in the grouped result."""
    try:
        value = scalar()
    except InputError as exc:
        assert NO_VALUE.search(str(exc)), f"an unexpected error: {exc}"
        assert np.isnan(grouped_value), f"the scalar says '{exc}' but the group has {grouped_value}"
    else:
        assert grouped_value == pytest.approx(value, rel=1e-9, abs=1e-12)


@EXAMPLES
@given(grouped_rows(SIGNED, SIGNED, QUANTITY))
def test_forecast_accuracy_revenue_accuracy(rows):
    groups, (actual, forecast, price) = rows
    a, f, p = numbers(actual), numbers(forecast), numbers(price)
    result = metrics.forecast_accuracy_grouped(a, f, groups)
    revenue = metrics.forecast_accuracy_grouped(a * p, f * p, groups)
    columns = dict(zip(metrics.ACCURACY_METRICS, ("Accuracy", "WMAPE", "MAPE", "Bias", "MAE", "RMSE", "TrackingSignal"),
                       strict=True))
    for g in range(groups.size):
        ga, gf, gp = (of_group(c, groups, g) for c in (actual, forecast, price))
        for metric, column in columns.items():
            assert_agree(lambda: metrics.forecast_accuracy(ga, gf, metric), result[column][g])  # noqa: B023 - called at once, in its loop
        assert_agree(lambda: metrics.revenue_accuracy(ga, gf, gp), revenue["Accuracy"][g])  # noqa: B023 - called at once, in its loop


@EXAMPLES
@given(grouped_rows(SIGNED, SIGNED), grouped_rows(SIGNED), st.integers(1, 3))
def test_mase(rows, history_rows, season_length):
    groups, (actual, forecast) = rows
    history_groups, (history,) = history_rows
    size = max(groups.size, history_groups.size)
    groups, history_groups = Groups(groups.codes, size), Groups(history_groups.codes, size)
    result = metrics.mase_grouped(numbers(actual), numbers(forecast), groups, numbers(history), history_groups, season_length)
    for g in range(size):
        scalar = (lambda: metrics.mase(of_group(actual, groups, g), of_group(forecast, groups, g),  # noqa: E731, B023 - a lambda called at once, in its loop
                                       of_group(history, history_groups, g), season_length))  # noqa: B023 - called at once, in its loop
        assert_agree(scalar, result["MASE"][g])


@EXAMPLES
@given(grouped_rows(SIGNED, QUANTITY, QUANTITY))
def test_forecast_value_added(rows):
    groups, (actual, before, after) = rows
    result = metrics.forecast_value_added_grouped(numbers(actual), numbers(before), numbers(after), groups)
    for g in range(groups.size):
        cells = [of_group(c, groups, g) for c in (actual, before, after)]
        assert_agree(lambda: metrics.forecast_value_added(*cells), result["ValueAdded"][g])  # noqa: B023 - called at once, in its loop


@EXAMPLES
@given(grouped_rows(QUANTITY, QUANTITY, ORDER_ID))
def test_service_level_three_bases(rows):
    groups, (ordered, shipped, order_ids) = rows
    result = metrics.service_level_grouped(numbers(ordered), numbers(shipped), groups, order_ids)
    for g in range(groups.size):
        o, s, ids = (of_group(c, groups, g) for c in (ordered, shipped, order_ids))
        for basis, column in (("unit", "FillRate"), ("line", "LineFillRate"), ("order", "OrderFillRate")):
            assert_agree(lambda: metrics.service_level(o, s, basis, ids), result[column][g])  # noqa: B023 - called at once, in its loop


@EXAMPLES
@given(grouped_rows(DAY, DAY, QUANTITY, QUANTITY), st.integers(0, 5), DAY.filter(lambda d: d is not None))
def test_on_time_delivery_and_otif(rows, tolerance, as_of):
    groups, (promised, delivered, ordered, shipped) = rows
    p, d = days(promised), days(delivered)
    on_time = metrics.on_time_delivery_grouped(p, d, groups, tolerance, np.datetime64(as_of, "D"))
    otif = metrics.otif_grouped(p, d, numbers(ordered), numbers(shipped), groups, tolerance, np.datetime64(as_of, "D"))
    for g in range(groups.size):
        gp, gd, go, gs = (of_group(c, groups, g) for c in (promised, delivered, ordered, shipped))
        assert_agree(lambda: metrics.on_time_delivery(gp, gd, tolerance, as_of), on_time["OnTime"][g])  # noqa: B023 - called at once, in its loop
        assert_agree(lambda: metrics.otif(gp, gd, go, gs, tolerance, as_of), otif["OTIF"][g])  # noqa: B023 - called at once, in its loop


@pytest.mark.parametrize(("grouped", "scalar", "column"), [
    (metrics.backorder_rate_grouped, lambda o, b: metrics.backorder_rate(o, b, "line"), "BackorderRate"),
    (metrics.backorder_rate_grouped, lambda o, b: metrics.backorder_rate(o, b, "unit"), "BackorderUnits"),
    (metrics.schedule_attainment_grouped, metrics.schedule_attainment, "Attainment"),
])
@EXAMPLES
@given(rows=grouped_rows(QUANTITY, QUANTITY))
def test_backorder_rate_and_schedule_attainment(grouped, scalar, column, rows):
    groups, (first, second) = rows
    result = grouped(numbers(first), numbers(second), groups)
    for g in range(groups.size):
        assert_agree(lambda: scalar(of_group(first, groups, g), of_group(second, groups, g)), result[column][g])  # noqa: B023 - called at once, in its loop


@EXAMPLES
@given(grouped_rows(QUANTITY), grouped_rows(QUANTITY))
def test_inventory_turns(cogs_rows, inventory_rows):
    cogs_groups, (cogs,) = cogs_rows
    inventory_groups, (inventory,) = inventory_rows
    size = max(cogs_groups.size, inventory_groups.size)
    cogs_groups, inventory_groups = Groups(cogs_groups.codes, size), Groups(inventory_groups.codes, size)
    result = metrics.inventory_turns_grouped(numbers(cogs), numbers(inventory), cogs_groups, inventory_groups)
    for g in range(size):
        c, inv = of_group(cogs, cogs_groups, g), of_group(inventory, inventory_groups, g)
        assert_agree(lambda: metrics.inventory_turns(c, inv), result["Turns"][g])  # noqa: B023 - called at once, in its loop


@EXAMPLES
@given(grouped_rows(DAY, QUANTITY), DAY.filter(lambda d: d is not None),
       st.sampled_from([None, (30, 60, 90, 180), (7, 45.5)]))
def test_inventory_aging(rows, as_of, edges):
    groups, (received, quantity) = rows
    result = metrics.inventory_aging_grouped(days(received), numbers(quantity), groups, np.datetime64(as_of, "D"),
                                             edges or metrics.inventory.DEFAULT_AGING_EDGES)
    for g in range(groups.size):
        assert_same_aging(lambda: metrics.inventory_aging(of_group(received, groups, g), of_group(quantity, groups, g),  # noqa: B023 - called at once, in its loop
                                                          as_of, edges), result.iloc[g])


def assert_same_aging(scalar, grouped: pd.Series) -> None:
    """The cell's (bucket, quantity, share) rows against a group's bucket quantities and Total.

    Shares are undefined where the total is 0: there the cell says there is nothing to measure."""
    try:
        rows = scalar()
    except InputError as exc:
        assert NO_VALUE.search(str(exc)), f"an unexpected error: {exc}"
        assert grouped["Total"] == 0
    else:
        buckets = grouped.drop("Total")
        assert [q for _, q, _ in rows] == pytest.approx(buckets.tolist())
        assert [s for *_, s in rows] == pytest.approx((buckets / grouped["Total"]).tolist())


@EXAMPLES
@given(grouped_rows(QUANTITY), st.lists(st.one_of(st.just(0.0), st.integers(-10, 300).map(float)), min_size=4, max_size=4))
def test_days_of_supply(rows, on_hand):
    groups, (forecast,) = rows
    result = metrics.days_of_supply_grouped(np.array(on_hand[:groups.size]), numbers(forecast), groups, 7)
    for g in range(groups.size):
        assert_agree(lambda: metrics.days_of_supply(on_hand[g], of_group(forecast, groups, g), 7), result["DaysOfSupply"][g])  # noqa: B023 - called at once, in its loop


ORDER_LINE = st.tuples(DAY, DAY, QUANTITY, QUANTITY)


@EXAMPLES
@given(st.lists(ORDER_LINE, max_size=20), DAY.filter(lambda d: d is not None))
def test_the_orders_table_and_the_cell_functions(lines, as_of):
    """fulfilment_by on an Orders table against the scalar functions on each promised month's lines."""
    orders = pd.DataFrame(lines, columns=["PromisedDate", "DeliveredDate", "QtyOrdered", "QtyShipped"]).assign(Item="A")
    table = tables.fulfilment_by(orders, as_of=as_of).set_index("Month")
    months = {dt.date(p.year, p.month, 1) for p, *_ in lines if p is not None}
    assert sorted(months) == [m.date() for m in table.index]
    for month in months:
        p, d, o, s = (list(c) for c in zip(*[line for line in lines if line[0] and line[0].replace(day=1) == month], strict=True))
        row = table.loc[pd.Timestamp(month)]
        assert_agree(lambda: metrics.service_level(o, s), row["FillRate"])  # noqa: B023 - called at once, in its loop
        assert_agree(lambda: metrics.service_level(o, s, "line"), row["LineFillRate"])  # noqa: B023 - called at once, in its loop
        assert_agree(lambda: metrics.on_time_delivery(p, d, 0, as_of), row["OnTime"])  # noqa: B023 - called at once, in its loop
        assert_agree(lambda: metrics.otif(p, d, o, s, 0, as_of), row["OTIF"])  # noqa: B023 - called at once, in its loop
        due = [de is not None or as_of > pr for pr, de in zip(p, d, strict=True)]
        due_ordered = [q if is_due else None for q, is_due in zip(o, due, strict=True)]
        short = [max(q - (sq or 0.0), 0.0) if q is not None else None for q, sq in zip(o, s, strict=True)]
        assert_agree(lambda: metrics.backorder_rate(due_ordered, short, "line"), row["BackorderRate"])  # noqa: B023 - called at once, in its loop
        assert_agree(lambda: metrics.backorder_rate(due_ordered, short, "unit"), row["BackorderUnits"])  # noqa: B023 - called at once, in its loop


@EXAMPLES
@given(st.lists(st.tuples(DAY, QUANTITY), min_size=1, max_size=20), DAY.filter(lambda d: d is not None))
def test_the_inventory_table_and_the_cell_function(layers, as_of):
    """aging_by on an Inventory table (future receipts included) against inventory_aging."""
    inventory = pd.DataFrame(layers, columns=["ReceiptDate", "Quantity"]).assign(Item="A")
    row = tables.aging_by(inventory, as_of=as_of).iloc[0].drop("Family")
    received, quantity = (list(column) for column in zip(*layers, strict=True))
    assert_same_aging(lambda: metrics.inventory_aging(received, quantity, as_of), row)
