"""Production plans: the textbook example to the dollar, hand-checked small plans, and invariants."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_sop.errors import InputError, SolverError
from xl_sop.supply import aggregate_plan, capacity_plan
from xl_sop.supply._program import OPTIMALITY_TOLERANCE

# Red Tomato Tools: S. Chopra and P. Meindl, Supply Chain Management: Strategy, Planning,
# and Operation, ch. 8 (Tables 8-1 to 8-4). 20 days x 8 hours = 160 regular hours per
# worker per month; at most 10 overtime hours per worker; 4 labour hours per tool.
RED_TOMATO_DEMAND = [1600, 3000, 3200, 3800, 2200, 2200]
RED_TOMATO = dict(
    opening_inventory=1000, min_final_inventory=500, initial_workforce=80, hours_per_unit=4,
    hours_per_worker=160, max_overtime_hours_per_worker=10,
    costs=dict(material=10, holding=2, backlog=5, hiring=300, layoff=500, regular_hour=4, overtime_hour=6, subcontract=30),
)


def test_red_tomato_optimal_plan_is_the_published_one():
    plan = aggregate_plan(RED_TOMATO_DEMAND, **RED_TOMATO)
    assert plan.total_cost == pytest.approx(422_275, abs=0.5)
    p = plan.plan
    # Table 8-4: lay off 15.6 workers in January, keep 64.4, no overtime, no subcontracting.
    assert p["LaidOff"].tolist() == pytest.approx([15 + 5 / 12, 0, 0, 0, 0, 0])
    assert p["Workforce"].tolist() == pytest.approx([64 + 7 / 12] * 6)
    assert p["Hired"].sum() == 0 and p["OvertimeHours"].sum() == 0 and p["SubcontractUnits"].sum() == 0
    assert p["Inventory"].tolist() == pytest.approx([1983 + 1 / 3, 1566 + 2 / 3, 950, 0, 116 + 2 / 3, 500])
    assert p["Backlog"].tolist() == pytest.approx([0, 0, 0, 266 + 2 / 3, 0, 0])
    assert plan.costs["regular_labour"] == pytest.approx(248_000)
    assert plan.costs["material"] == pytest.approx(155_000)
    assert plan.costs["layoff"] == pytest.approx(7_708.33, abs=0.01)
    assert plan.costs["holding"] == pytest.approx(10_233.33, abs=0.01)
    assert plan.costs["backlog"] == pytest.approx(1_333.33, abs=0.01)


def test_red_tomato_in_whole_workers():
    plan = aggregate_plan(RED_TOMATO_DEMAND, whole_workers=True, **RED_TOMATO)
    assert plan.total_cost == pytest.approx(422_660, abs=0.5)
    assert (plan.plan["Workforce"] % 1 == 0).all() and (plan.plan["LaidOff"] % 1 == 0).all()


def test_red_tomato_level_and_chase_by_hand():
    level = aggregate_plan(RED_TOMATO_DEMAND, strategy="level", **RED_TOMATO)
    # (16,000 demand + 500 final - 1,000 opening) / 6 months = 2,583.33 a month: here the optimum too.
    assert level.plan["RegularUnits"].tolist() == pytest.approx([15_500 / 6] * 6)
    assert level.total_cost == pytest.approx(422_275, abs=0.5)
    chase = aggregate_plan(RED_TOMATO_DEMAND, strategy="chase", **RED_TOMATO)
    # Requirements 600, 3000, 3200, 3800, 2200, 2700 at 40 units per worker.
    assert chase.plan["Workforce"].tolist() == pytest.approx([15, 75, 80, 95, 55, 67.5])
    assert chase.costs["hiring"] == pytest.approx(300 * 92.5)
    assert chase.costs["layoff"] == pytest.approx(500 * 105)
    assert chase.total_cost == pytest.approx(484_250)
    assert chase.plan["Inventory"].tolist() == pytest.approx([0, 0, 0, 0, 0, 500])


def test_series_index_labels_the_periods():
    months = pd.date_range("2027-01-01", periods=6, freq="MS", name="Month")
    plan = aggregate_plan(pd.Series(RED_TOMATO_DEMAND, index=months), **RED_TOMATO)
    assert plan.plan["Month"].tolist() == list(months)


def test_capacity_plan_by_hand():
    costs = dict(holding=1, backlog=5, overtime=2)
    demand, kw = [100, 200, 300, 100], dict(capacity=150, overtime_capacity=50, costs=costs)
    # 700 to make, 600 regular: at least 100 on overtime; March (300) needs 100 from stock or late.
    # Cheapest: 50 overtime in each of Jan-Mar and carry 100 units two months: 300 + 200.
    assert capacity_plan(demand, **kw).total_cost == pytest.approx(500)
    level = capacity_plan(demand, strategy="level", **kw)
    assert level.plan["OvertimeUnits"].tolist() == [25, 25, 25, 25]
    assert level.plan["Backlog"].tolist() == [0, 0, 75, 0]
    assert level.total_cost == pytest.approx(200 + 125 + 375)
    chase = capacity_plan(demand, strategy="chase", **kw)
    assert chase.plan["RegularUnits"].tolist() == [100, 150, 150, 150]
    assert chase.plan["Backlog"].tolist() == [0, 0, 100, 0]
    assert chase.total_cost == pytest.approx(300 + 500)


@pytest.mark.parametrize("unit", [1e-9, 1e-7, 1e-3, 1e6])
def test_the_plan_does_not_depend_on_the_currency_unit(unit):
    # Before costs were scaled for the solver, costs of 1e-7 gave a plan 10% dearer and 1e-8 one 80% dearer.
    costs = {name: value * unit for name, value in dict(holding=1, backlog=5, overtime=2).items()}
    plan = capacity_plan([100, 200, 300, 100], capacity=150, overtime_capacity=50, costs=costs)
    assert plan.total_cost == pytest.approx(500 * unit)
    assert plan.plan["OvertimeUnits"].tolist() == [50, 50, 50, 0]


def test_subcontracting_only_with_a_cost():
    with pytest.raises(SolverError, match="300.00 units short"):
        capacity_plan([100, 200, 300, 100], 100)
    plan = capacity_plan([100, 200, 300, 100], 100, costs={"subcontract": 10, "backlog": 1, "holding": 1})
    assert plan.plan["SubcontractUnits"].tolist() == [0, 100, 200, 0]
    assert plan.total_cost == pytest.approx(3000)


def test_no_backlog_names_the_first_period_that_cannot_be_met():
    with pytest.raises(SolverError, match="by period 2: 50.00 units short"):
        capacity_plan([100, 250, 50], 150, allow_backlog=False)
    with pytest.raises(SolverError, match="chase strategy cannot meet demand in period 2"):
        capacity_plan([50, 150, 50], 100, strategy="chase", allow_backlog=False)
    # The optimal plan builds ahead instead.
    assert capacity_plan([50, 150, 50], 100, allow_backlog=False, costs={"holding": 1}).plan["Inventory"].tolist() == [50, 0, 0]


@pytest.mark.parametrize("call, message", [
    (lambda: capacity_plan([10, -5], 10), "demand period 2 is negative"),
    (lambda: capacity_plan([10, None], 10), "demand period 2 is blank"),
    (lambda: capacity_plan([], 10), "demand is empty"),
    (lambda: capacity_plan([10, 10], [10, 10, 10]), "capacity has 3 values but demand has 2 periods"),
    (lambda: capacity_plan([10], 10, strategy="fastest"), "strategy must be one of optimal, level, chase"),
    (lambda: capacity_plan([10], 10, costs={"holdin": 1}), "unknown cost 'holdin'"),
    (lambda: capacity_plan([10], 10, costs={"holding": -1}), "cost holding must be zero or more"),
    (lambda: aggregate_plan([10], **{**RED_TOMATO, "hours_per_unit": 0}), "hours_per_unit must be greater than zero"),
    (lambda: aggregate_plan([10], whole_workers=True, **{**RED_TOMATO, "initial_workforce": 2.5}), "whole number of workers"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises((InputError, SolverError), match=message):
        call()


def _balanced(plan, demand, opening):
    p = plan.plan
    net = opening + np.cumsum(p["Supply"] - np.asarray(demand, float))
    assert np.allclose(p["Inventory"] - p["Backlog"], net, atol=1e-6)
    numeric = p.drop(columns=["Period"]).select_dtypes("number")
    assert (numeric.fillna(0) >= -1e-9).all().all(), "no negative quantity in a plan"
    assert p["Backlog"].iloc[-1] == pytest.approx(0, abs=1e-6)


def _solver_slack(largest_cost, *plans):
    """How much dearer than the optimum HiGHS may leave a plan (see OPTIMALITY_TOLERANCE): each quantity of the plans
    compared within the solver's tolerance, and each unit of it priced within the tolerance times the largest cost."""
    quantities = [plan.plan.drop(columns=["Period", "Demand", "Capacity", "Utilisation"], errors="ignore").abs()
                  for plan in plans]
    return OPTIMALITY_TOLERANCE * largest_cost * sum(q.to_numpy().sum() + q.size for q in quantities)


demands = st.lists(st.integers(0, 5000), min_size=1, max_size=8)
cost_values = st.floats(0, 50, allow_nan=False)


@pytest.mark.slow  # whole workers make a mixed-integer program: a rare draw takes HiGHS to its 60 s time limit
@settings(max_examples=60, deadline=None)
@given(demands, st.integers(0, 3000), st.integers(0, 1000), st.integers(0, 120), st.fixed_dictionaries(
    {k: cost_values for k in ("material", "holding", "backlog", "hiring", "layoff", "regular_hour", "overtime_hour",
                              "subcontract")}),
    st.booleans(), st.booleans())
def test_optimal_is_never_costlier_than_level_or_chase(demand, opening, final, workforce, costs, whole, backlog):
    hours_per_unit, hours_per_worker = 2, 160
    kw = dict(opening_inventory=opening, min_final_inventory=final, initial_workforce=workforce, hours_per_unit=hours_per_unit,
              hours_per_worker=hours_per_worker, max_overtime_hours_per_worker=20, costs=costs, whole_workers=whole,
              allow_backlog=backlog)
    # The largest cost in the model: a worker's regular hours, or an overtime hour with its material.
    largest = max(max(costs.values()), costs["regular_hour"] * hours_per_worker,
                  costs["overtime_hour"] + costs["material"] / hours_per_unit)
    optimal = aggregate_plan(demand, **kw)
    _balanced(optimal, demand, opening)
    assert optimal.plan["Inventory"].iloc[-1] >= final - 1e-6
    for strategy in ("level", "chase"):
        other = aggregate_plan(demand, strategy=strategy, **kw)
        _balanced(other, demand, opening)
        assert optimal.total_cost <= other.total_cost + _solver_slack(largest, optimal, other)


@settings(max_examples=60, deadline=None)
@given(demands, st.integers(0, 2000), st.integers(0, 3000), st.integers(0, 1000),
       st.fixed_dictionaries({k: cost_values for k in ("regular", "overtime", "subcontract", "holding", "backlog")}))
def test_capacity_plan_optimal_never_costlier(demand, opening, capacity, overtime, costs):
    kw = dict(capacity=capacity, overtime_capacity=overtime, opening_inventory=opening, costs=costs)
    try:
        optimal = capacity_plan(demand, **kw)
    except SolverError as exc:
        assert "short" in str(exc)  # infeasible data gets the plain-language reason
        return
    _balanced(optimal, demand, opening)
    for strategy in ("level", "chase"):
        try:
            other = capacity_plan(demand, strategy=strategy, **kw)
        except SolverError:
            continue  # a pure strategy may be impossible where the optimum is not
        _balanced(other, demand, opening)
        assert optimal.total_cost <= other.total_cost + _solver_slack(max(costs.values()), optimal, other)


def test_a_subnormal_cost_does_not_derail_the_solver():
    """Found by the property test: a material cost of 2.2e-311 made HiGHS return a plan costing 99,987
    as optimal, where level costs 31.9. Costs below NEGLIGIBLE_COST of the largest are priced 0 for it."""
    costs = {"material": 2.225073858507e-311, "hiring": 1.1, "subcontract": 20.514286924510255, "regular_hour": 0.0,
             "backlog": 0.0, "holding": 0.0, "layoff": 0.0, "overtime_hour": 0.0}
    kw = dict(opening_inventory=0, min_final_inventory=0, initial_workforce=0, hours_per_unit=2, hours_per_worker=160,
              max_overtime_hours_per_worker=20, costs=costs, whole_workers=True, allow_backlog=False)
    optimal = aggregate_plan([281, 4312, 281], **kw)
    # 26 workers hired at 1.1 each, building ahead in month 1 (hours and stock cost nothing here).
    assert optimal.total_cost == pytest.approx(26 * 1.1)
    assert optimal.total_cost <= aggregate_plan([281, 4312, 281], strategy="level", **kw).total_cost
