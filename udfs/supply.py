"""The supply and reconciliation cell functions: thin shims over xl_sop.supply and xl_sop.reconcile.

Formulas are in the core docstrings and in docs/functions.md. Results spill
laid out like the demand range: one column per measure for a column of
periods, one row per measure for a row.
"""

from __future__ import annotations

import xlwings as xw

from sop_udfs.described import described
from sop_udfs.ranges import clean, columns_out, number, scalar, vector
from sop_udfs.shim import cell_function
from xl_sop.errors import InputError
from xl_sop.reconcile import demand_supply_gap
from xl_sop.supply import capacity_plan, projected_inventory, safety_stock

# Relative costs when a cell leaves them out: stock is cheap, lateness dear, overtime in between.
DEFAULT_HOLDING_COST, DEFAULT_BACKLOG_COST, DEFAULT_OVERTIME_COST = 1.0, 5.0, 2.0


def _per_period(value, name: str, periods: int, default: float):
    """One number for every period, or a range with one number per period."""
    if value is None or not isinstance(value, (list, tuple)):
        return number(value, name, default)
    values, _ = vector(value, name)
    if len(values) == 1:
        return number(values[0], name, default)
    if len(values) != periods:
        raise InputError(f"{name} has {len(values)} cells but demand has {periods}: give one number or one per period")
    return [number(v, name, 0.0) for v in values]


@xw.func
@xw.arg("demand", ndim=2)
@xw.arg("capacity", ndim=2)
@xw.arg("overtime_capacity", ndim=2)
@described
@cell_function
def SOP_PRODUCTION_PLAN(demand, capacity, opening_inventory=None, strategy=None, holding_cost=None, backlog_cost=None,
                        overtime_capacity=None, overtime_cost=None, subcontract_cost=None):
    """Production plan against capacity; spills production, overtime, subcontract, inventory, backlog per period.

    See xl_sop.supply.capacity_plan for the model and the strategies.
    """
    values, orientation = vector(demand, "demand")
    periods = len(values)
    costs = {
        "holding": number(holding_cost, "holding_cost", DEFAULT_HOLDING_COST),
        "backlog": number(backlog_cost, "backlog_cost", DEFAULT_BACKLOG_COST),
        "overtime": number(overtime_cost, "overtime_cost", DEFAULT_OVERTIME_COST),
    }
    cap = _per_period(capacity, "capacity", periods, None)
    if cap is None:
        raise InputError("capacity is required: the units that can be made per period")
    subcontract = number(subcontract_cost, "subcontract_cost", None)
    if subcontract is not None:
        costs["subcontract"] = subcontract
    plan = capacity_plan(
        values, cap,
        strategy=scalar(strategy, "strategy", "optimal"),
        opening_inventory=number(opening_inventory, "opening_inventory", 0.0),
        overtime_capacity=_per_period(overtime_capacity, "overtime_capacity", periods, 0.0), costs=costs,
    ).plan
    columns = [plan["RegularUnits"], plan["OvertimeUnits"], plan["SubcontractUnits"], plan["Inventory"], plan["Backlog"]]
    return columns_out([[clean(v) for v in col] for col in columns], orientation)


@xw.func
@xw.arg("demand_history", ndim=2)
@described
@cell_function
def SOP_SAFETY_STOCK(demand_history, lead_time, cycle_service_level=None, lead_time_sd=None):
    """Safety stock z x sqrt(L x sd_d^2 + d^2 x sd_L^2); see xl_sop.supply.safety_stock."""
    values, _ = vector(demand_history, "demand_history")
    lead = number(lead_time, "lead_time", None)
    if lead is None:
        raise InputError("lead_time is required: the periods between ordering and receiving")
    return safety_stock(values, lead, number(cycle_service_level, "cycle_service_level", 0.95, percent=True),
                        number(lead_time_sd, "lead_time_sd", 0.0))


@xw.func
@xw.arg("demand", ndim=2)
@xw.arg("supply", ndim=2)
@described
@cell_function
def SOP_GAP(demand, supply, opening_inventory=None):
    """Demand-supply gap per period and cumulative (positive = shortage); see xl_sop.reconcile.demand_supply_gap."""
    d, orientation = vector(demand, "demand")
    s, _ = vector(supply, "supply")
    gap = demand_supply_gap(d, s, number(opening_inventory, "opening_inventory", 0.0))
    return columns_out([[clean(v) for v in gap[c]] for c in ("Gap", "CumulativeGap")], orientation)


@xw.func
@xw.arg("supply", ndim=2)
@xw.arg("demand", ndim=2)
@described
@cell_function
def SOP_PROJECTED_INVENTORY(opening_inventory, supply, demand):
    """Projected stock balance per period (negative = backlog); see xl_sop.supply.projected_inventory."""
    s, orientation = vector(supply, "supply")
    d, _ = vector(demand, "demand")
    start = number(opening_inventory, "opening_inventory", 0.0)
    balance = projected_inventory(start, s, d)["Balance"]
    return columns_out([[clean(v) for v in balance]], orientation)
