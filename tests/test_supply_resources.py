"""Planning a shared resource (xl_sop.supply.resources), against hand-computed figures."""

from __future__ import annotations

import numpy as np
import pytest

from xl_sop.supply.resources import HourCosts, net_requirements, resource_plan, share_out

COSTS = HourCosts(regular_hour=40, overtime_factor=1.5, holding_share=0.02, backlog_share=0.10)


def test_net_requirements_use_stock_then_build_safety_stock():
    demand = np.array([[10.0, 10, 10], [10, 10, 10]])
    # Item 1: cumulative 10, 20, 30 + safety 5 - opening 12 = 3, 13, 23 -> 3, 10, 10.
    # Item 2: 40 on hand covers the horizon and the safety stock: nothing to make.
    net = net_requirements(demand, np.array([5.0, 5.0]), np.array([12.0, 40.0]))
    np.testing.assert_allclose(net, [[3, 10, 10], [0, 0, 0]])


def test_share_out_serves_the_nearest_requirements_first():
    # 6 hours a month; item 1 (1 h/unit) needs 2 now and 4 in month 3, item 2 (2 h/unit) needs 4 in month 2.
    # Month 1: the 2 units due now (2 h); the other 4 h go to what is due later in proportion to the
    # hours outstanding, 4 h : 8 h -> 1.333 h = 1.333 units of item 1 and 2.667 h = 1.333 units of item 2.
    # Month 2: item 2's 2.667 units still due (5.333 h), then the last 0.667 h to item 1.
    # Month 3: item 1's last 2 units; 4 h stay unused (no item gets more than it needs).
    units = share_out(np.array([6.0, 6, 6]), np.array([[2.0, 0, 4], [0, 4, 0]]), np.array([1.0, 2.0]), window=1)
    np.testing.assert_allclose(units, [[2 + 4 / 3, 2 / 3, 2], [4 / 3, 8 / 3, 0]])
    np.testing.assert_allclose(units.sum(axis=1), [6, 4])


def test_share_out_gives_nothing_to_an_item_without_hours_per_unit():
    units = share_out(np.array([10.0]), np.array([[5.0], [5.0]]), np.array([1.0, 0.0]))
    np.testing.assert_allclose(units, [[5], [0]])


@pytest.mark.parametrize("strategy", ["optimal", "level", "chase"])
def test_hours_a_resource_cannot_make_are_short_hours(strategy):
    # 100 h needed a month against 50 regular + 10 overtime: 40 h short each month, whatever the strategy.
    plan = resource_plan(np.array([100.0, 100]), np.array([50.0, 50]), np.array([10.0, 10]), strategy, COSTS,
                         item_hours=np.array([[100.0, 100]]), unit_price=np.array([10.0]), unit_cost=np.array([5.0]),
                         hours_per_unit=np.array([0.5]))
    np.testing.assert_allclose(plan["RegularUnits"], [50, 50])
    np.testing.assert_allclose(plan["OvertimeUnits"], [10, 10])
    np.testing.assert_allclose(plan["SubcontractUnits"], [40, 40])


def test_a_resource_with_room_builds_ahead_rather_than_pay_overtime():
    # Optimal: month 2 needs 80 h against 60 regular; building 20 h ahead in month 1 costs holding
    # (0.02 x cost per hour 5 / 0.5 = 0.2 a month) instead of overtime (60 an hour).
    plan = resource_plan(np.array([40.0, 80]), np.array([60.0, 60]), np.array([30.0, 30]), "optimal", COSTS,
                         item_hours=np.array([[40.0, 80]]), unit_price=np.array([10.0]), unit_cost=np.array([5.0]),
                         hours_per_unit=np.array([0.5]))
    np.testing.assert_allclose(plan["RegularUnits"], [60, 60])
    np.testing.assert_allclose(plan["OvertimeUnits"], [0, 0], atol=1e-9)
    np.testing.assert_allclose(plan["SubcontractUnits"], [0, 0], atol=1e-9)


def test_plan_by_resource_makes_what_fits_and_buys_the_rest_as_required():
    import pandas as pd

    from xl_sop.supply.resources import plan_by_resource

    months = pd.date_range("2027-01-01", periods=2, freq="MS")
    demand = np.array([[10.0, 10], [20, 20], [5, 5]])  # items A and B made on Line (1 h/unit), C bought in
    routing = pd.DataFrame({"Resource": ["Line", "Line", None], "HoursPerUnit": [1.0, 1.0, np.nan]})
    capacity = pd.DataFrame({"Resource": "Line", "Month": months, "Hours": [25.0, 25], "OvertimeHours": [0.0, 0]})
    production, load = plan_by_resource(demand, demand, routing, capacity, months, "chase", COSTS,
                                        unit_price=np.array([10.0, 10, 10]), unit_cost=np.array([5.0, 5, 5]))
    np.testing.assert_allclose(production[2], [5, 5])  # bought in: as required
    np.testing.assert_allclose(production[:2].sum(axis=0), [25, 25])  # 30 h needed a month, 25 h to make them
    assert list(load["RequiredHours"]) == [30, 30] and list(load["PlannedHours"]) == [25, 25]
    np.testing.assert_allclose(load["Utilisation"], [1.2, 1.2])
    np.testing.assert_allclose(load["OverloadHours"], [5, 5])
    np.testing.assert_allclose(load["ShortHours"], [5, 5])
