"""The supply cell functions with ranges as xlwings passes them."""

import pytest

from sop_udfs import (
    SOP_GAP,
    SOP_PRODUCTION_PLAN,
    SOP_PROJECTED_INVENTORY,
    SOP_SAFETY_STOCK,
)


def col(*values):
    return [[v] for v in values]


def test_production_plan_spills_one_column_per_measure():
    out = SOP_PRODUCTION_PLAN(col(100, 200, 300, 100), 150, None, None, 1, 5, 50, 2)
    # Columns: production (regular), overtime, subcontract, inventory, backlog; the optimum costs 500.
    _regular, overtime, sub, inventory, backlog = zip(*out, strict=True)
    assert sum(overtime) == 150 and sum(sub) == 0 and list(backlog) == [0, 0, 0, 0]
    assert 2 * sum(overtime) + sum(inventory) == 500


def test_production_plan_in_a_row_and_with_per_period_capacity():
    out = SOP_PRODUCTION_PLAN([[100, 200, 300, 100]], [[150, 150, 150, 150]], strategy="chase", overtime_capacity=50)
    assert out == [[100, 150, 150, 150], [0, 50, 50, 50], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 100, 0]]


def test_production_plan_subcontracts_only_with_a_cost():
    assert SOP_PRODUCTION_PLAN(col(100, 200, 300, 100), 100).startswith(
        "SOP_PRODUCTION_PLAN: capacity cannot cover demand by the last period: 300.00 units short")
    out = SOP_PRODUCTION_PLAN(col(100, 200, 300, 100), 100, subcontract_cost=10)
    assert [row[2] for row in out] == [0, 100, 200, 0]


@pytest.mark.parametrize("args, message", [
    ((col(1, 2), None), "capacity is required"),
    ((col(1, 2), col(1, 2, 3)), "capacity has 3 cells but demand has 2"),
    ((col(1, "x"), 5), "not a number"),
    ((col(1, 2), 5, None, "cheapest"), "strategy must be one of optimal, level, chase"),
])
def test_production_plan_errors(args, message):
    out = SOP_PRODUCTION_PLAN(*args)
    assert isinstance(out, str) and out.startswith("SOP_PRODUCTION_PLAN: ") and message in out


def test_safety_stock_cell():
    assert SOP_SAFETY_STOCK(col(10, 12, 8, 11, 9), 2, 0.95, 0.5) == pytest.approx(9.0092, abs=1e-4)
    assert SOP_SAFETY_STOCK(col(10, 12, 8, 11, 9), 2) == pytest.approx(1.6448536 * 5 ** 0.5)
    assert SOP_SAFETY_STOCK(col(10, 12), None) == ("SOP_SAFETY_STOCK: lead_time is required: "
                                                   "the periods between ordering and receiving")
    assert SOP_SAFETY_STOCK(col(10), 1).startswith("SOP_SAFETY_STOCK: demand_history needs at least two numbers")


def test_gap_and_projected_inventory_cells():
    assert SOP_GAP(col(10, 20, 30), col(15, 15, 15), 5) == [[-5, -10], [5, -5], [15, 10]]
    assert SOP_GAP([[10, 20, 30]], [[15, 15, 15]]) == [[-5, 5, 15], [-5, 0, 15]]
    assert SOP_PROJECTED_INVENTORY(5, col(15, 15, 15), col(10, 20, 30)) == [[10], [5], [-10]]
    assert SOP_GAP(col(1, 2), col(1)).startswith("SOP_GAP: demand has 2 periods but supply has 1")
