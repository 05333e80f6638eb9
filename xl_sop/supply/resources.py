"""Planning a shared resource: its production plan in hours, and those hours shared back to its items.

The Supply step plans each resource (a line, a work centre) in hours, because
capacity is in hours and the items made on it need different hours per unit;
then it shares each month's hours out to the items. Words as in
docs/nomenclature.md: net requirement, hours per unit, regular and overtime hours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xl_sop.supply.capacity import load_against_capacity
from xl_sop.supply.planning import capacity_plan

SHORT_HOUR_PENALTY = 1000.0
"""How many times dearer than every other cost of the horizon an hour the resource cannot make is.

The shortfall is modelled as an unlimited extra source (the LP's subcontract) priced far above
anything the plan could save by using it, so the solver uses it only where regular and overtime
hours plus building ahead and backlog cannot cover the requirement; what it takes is reported as
ShortHours. Any factor well above 1 gives the same plan; 1000 leaves room for round-off."""


@dataclass(frozen=True)
class HourCosts:
    """The Settings that price a resource plan.

    regular_hour: cost of a regular hour [money/hour]; overtime_factor: an overtime hour costs
    regular_hour x overtime_factor; holding_share: cost of holding a unit a month as a share of
    its unit cost [1/month]; backlog_share: cost of a unit a month late as a share of its unit
    price [1/month].
    """

    regular_hour: float
    overtime_factor: float
    holding_share: float
    backlog_share: float


def net_requirements(demand: np.ndarray, safety_stock: np.ndarray, opening_inventory: np.ndarray) -> np.ndarray:
    """What must be made (or bought) per item and month: demand beyond the opening inventory, plus
    building up to safety stock, never negative.

    net_t = N_t - N_{t-1}, N_t = max(0, sum_{s<=t} demand_s + safety_stock - opening_inventory);
    demand: items x months [units]; safety_stock, opening_inventory: per item [units].
    Stock above safety stock is used up first; the safety stock is built when it is first needed.
    """
    cumulative = np.maximum(0.0, np.cumsum(demand, axis=1) + safety_stock[:, None] - opening_inventory[:, None])
    return np.diff(cumulative, axis=1, prepend=0.0)


def resource_plan(net_hours: np.ndarray, regular_hours: np.ndarray, overtime_hours: np.ndarray, strategy: str,
                  costs: HourCosts, *, item_hours: np.ndarray, unit_price: np.ndarray, unit_cost: np.ndarray,
                  hours_per_unit: np.ndarray) -> dict[str, np.ndarray]:
    """The production plan of one resource in hours: {"RegularUnits", "OvertimeUnits", "SubcontractUnits"}
    per month, where SubcontractUnits are the hours the resource cannot make (ShortHours).

    net_hours: net requirement per month [hours]; regular_hours, overtime_hours: capacity per month
    [hours]; strategy: optimal, level or chase (capacity_plan). item_hours: items x months, the hours
    of each item's requirement, which weight the items' prices and costs into a price and a cost per
    hour: per_hour_x = sum_i share_i x x_i / hours_per_unit_i, share_i = item i's share of the hours
    (equal shares when there are none). Holding cost per hour-unit a month = holding_share x cost per
    hour; backlog = backlog_share x price per hour; short hours cost SHORT_HOUR_PENALTY times more than
    an hour of everything else over the horizon.
    """
    total = item_hours.sum()
    count = max(len(hours_per_unit), 1)
    share = item_hours.sum(axis=1) / total if total > 0 else np.full(len(hours_per_unit), 1 / count)
    per_hour = np.where(hours_per_unit > 0, hours_per_unit, np.inf)
    price_per_hour = float((share * unit_price / per_hour).sum())
    cost_per_hour = float((share * unit_cost / per_hour).sum())
    holding = costs.holding_share * cost_per_hour
    backlog = costs.backlog_share * price_per_hour
    overtime = costs.regular_hour * costs.overtime_factor
    months = len(net_hours)
    short = SHORT_HOUR_PENALTY * (1 + costs.regular_hour + overtime + (backlog + holding) * months)
    plan = capacity_plan(net_hours, regular_hours, strategy=strategy, overtime_capacity=overtime_hours, allow_backlog=True,
                         costs={"regular": costs.regular_hour, "overtime": overtime, "holding": holding,
                                "backlog": backlog, "subcontract": short}).plan
    return {k: plan[k].to_numpy() for k in ("RegularUnits", "OvertimeUnits", "SubcontractUnits")}


def share_out(hours: np.ndarray, net_requirement: np.ndarray, hours_per_unit: np.ndarray, window: int = 3) -> np.ndarray:
    """Units per item and month made from a resource's hours per month.

    Each month's hours go to the items' outstanding requirements (net requirement due so far, less what
    was made for it), nearest months first: first what falls due within ``window`` months (this month
    and the next two), then what falls due later; within each pass in proportion to the outstanding
    hours. No item gets more than its net requirement over the horizon; hours left over stay unused.

    hours: [hours] per month; net_requirement: items x months [units]; hours_per_unit: per item
    [hours/unit]; an item with 0 hours per unit gets nothing. Result: items x months [units].
    """
    units = np.zeros_like(net_requirement, dtype=float)
    produced = np.zeros(net_requirement.shape[0])
    due_by = np.cumsum(net_requirement, axis=1)
    months = net_requirement.shape[1]
    for m in range(months):
        left = hours[m]
        for end in (min(m + window, months) - 1, months - 1):
            outstanding = np.maximum(0.0, due_by[:, end] - produced) * hours_per_unit
            total = outstanding.sum()
            if left <= 1e-9 or total <= 1e-9:
                continue
            granted = outstanding * min(1.0, left / total)
            made = np.divide(granted, hours_per_unit, out=np.zeros_like(granted), where=hours_per_unit > 0)
            units[:, m] += made
            produced += made
            left -= granted.sum()
    return units


LOAD_COLUMNS = ["Resource", "Month", "RequiredHours", "PlannedHours", "CapacityHours", "OvertimeHours", "Utilisation",
                "OverloadHours", "ShortHours"]


def plan_by_resource(demand: np.ndarray, net_requirement: np.ndarray, routing: pd.DataFrame, capacity: pd.DataFrame,
                     months: pd.DatetimeIndex, strategy: str, costs: HourCosts, *, unit_price: np.ndarray,
                     unit_cost: np.ndarray, progress: Callable[[int, int], None] | None = None,
                     ) -> tuple[np.ndarray, pd.DataFrame]:
    """Each resource planned in hours (resource_plan) and shared out to its items (share_out).

    demand, net_requirement: items x months [units]; routing: per item (rows in the same order) Resource
    (blank = bought in) and HoursPerUnit; capacity: Resource, Month, Hours, OvertimeHours [hours].
    Returns the production per item and month [units] (bought-in items: their net requirement, supplied as
    required) and the load table: RequiredHours (the demand's own load), PlannedHours, CapacityHours,
    OvertimeHours, Utilisation and OverloadHours (load_against_capacity of the demand's load) and
    ShortHours (hours the resource cannot make) per resource and month.
    """
    production = net_requirement.copy()
    resource_of = routing["Resource"].to_numpy()
    hours_per_unit = routing["HoursPerUnit"].to_numpy(dtype=float)
    resources = sorted({r for r in resource_of if isinstance(r, str) and r})
    parts = []
    for k, resource in enumerate(resources, start=1):
        members = np.flatnonzero(resource_of == resource)
        hpu = hours_per_unit[members]
        required = (demand[members] * hpu[:, None]).sum(axis=0)
        c = capacity[capacity["Resource"] == resource].set_index("Month").reindex(months).fillna(0.0)
        regular, overtime = c["Hours"].to_numpy(dtype=float), c["OvertimeHours"].to_numpy(dtype=float)
        hours = resource_plan((net_requirement[members] * hpu[:, None]).sum(axis=0), regular, overtime, strategy, costs,
                              item_hours=demand[members] * hpu[:, None], unit_price=unit_price[members],
                              unit_cost=unit_cost[members], hours_per_unit=hpu)
        made = hours["RegularUnits"] + hours["OvertimeUnits"]
        production[members] = share_out(made, net_requirement[members], hpu)
        utilisation, overload = load_against_capacity(required, regular)
        parts.append(pd.DataFrame({
            "Resource": resource, "Month": months, "RequiredHours": required, "PlannedHours": made,
            "CapacityHours": regular, "OvertimeHours": overtime, "Utilisation": utilisation,
            "OverloadHours": overload, "ShortHours": hours["SubcontractUnits"]}))
        if progress is not None:
            progress(k, len(resources))
    load = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=LOAD_COLUMNS)
    return production, load[LOAD_COLUMNS]
