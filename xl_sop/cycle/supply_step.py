"""Step 2 Supply (Balance Supply): each resource planned in hours and shared out to its items; projected
inventory, days of supply and safety stock; the load against capacity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xl_sop.cycle.inputs import Inputs, plan_months
from xl_sop.cycle.plan import Progress, Tables, consensus_demand
from xl_sop.frames import without_noise
from xl_sop.supply import projected_inventory_by, safety_stock_by
from xl_sop.supply.capacity import capacity_table, routing
from xl_sop.supply.inventory import opening_inventory_by_item
from xl_sop.supply.resources import (
    HourCosts,
    net_requirements,
    resource_plan,
    share_out,
)
from xl_sop.workbook import schema
from xl_sop.workbook.schema import TableName as T


def supply_step(inputs: Inputs, current: Tables, progress: Progress | None = None,
                 now: pd.Timestamp | None = None) -> Tables:
    """Production plan per resource (strategy from Settings) in hours, shared out to items by their
    net requirements; projected inventory, days of supply, safety stock; load against capacity.

    Net requirement per item: what the consensus needs beyond the opening stock, plus
    building up to safety stock. Bought-in items (no Resource) are supplied as required.
    Hours the plan cannot cover with regular and overtime hours are ShortHours.
    """
    demand = consensus_demand(current, inputs)
    months = plan_months(inputs)
    items = inputs[T.ITEMS].dropna(subset=["Item"]).drop_duplicates("Item")
    item_index = pd.Index(sorted(demand["Item"].unique(), key=str), name="Item")
    d = demand.pivot_table(index="Item", columns="Month", values="Quantity", aggfunc="sum").reindex(
        index=item_index, columns=months).fillna(0.0).to_numpy()
    inventory = inputs[T.INVENTORY].dropna(subset=["Item", "Quantity"])
    opening = (opening_inventory_by_item(inventory).reindex(item_index).fillna(0.0).to_numpy() if len(inventory)
               else np.zeros(item_index.size))
    history = inputs[T.HISTORY].dropna(subset=["Item", "Month", "Quantity"])
    history = history[history["Month"] < months[0]]
    settings = inputs.settings
    ss = safety_stock_by(history, items[["Item", "LeadTimeMonths"]], settings.cycle_service_level)
    ss = ss.set_index("Item")["SafetyStock"]
    ss = ss.reindex(item_index).fillna(0.0).to_numpy()
    need = net_requirements(d, ss, opening)

    route = routing(items).set_index("Item")
    cap = capacity_table(inputs[T.CAPACITY].dropna(subset=["Resource", "Month"])) if len(inputs[T.CAPACITY]) else \
        pd.DataFrame(columns=["Resource", "Month", "Hours", "OvertimeHours"])
    price = items.set_index("Item")["UnitPrice"].reindex(item_index).fillna(0.0).to_numpy()
    cost = items.set_index("Item")["UnitCost"].reindex(item_index).fillna(0.0).to_numpy()
    costs = HourCosts(settings.regular_hour_cost, settings.overtime_factor, settings.holding_share, settings.backlog_share)
    production = need.copy()  # bought-in items: supplied as required
    load_rows = []
    resources = sorted(route["Resource"].dropna().unique())
    for k, resource in enumerate(resources, start=1):
        members = np.flatnonzero(route["Resource"].reindex(item_index).to_numpy() == resource)
        hpu = route["HoursPerUnit"].reindex(item_index).to_numpy()[members]
        need_h = (need[members] * hpu[:, None]).sum(axis=0)
        required_h = (d[members] * hpu[:, None]).sum(axis=0)
        c = cap[cap["Resource"] == resource].set_index("Month").reindex(months).fillna(0.0)
        hours = resource_plan(need_h, c["Hours"].to_numpy(), c["OvertimeHours"].to_numpy(), settings.production_strategy, costs,
                              item_hours=d[members] * hpu[:, None], unit_price=price[members], unit_cost=cost[members],
                              hours_per_unit=hpu)
        made = hours["RegularUnits"] + hours["OvertimeUnits"]
        production[members] = share_out(made, need[members], hpu)
        for m, month in enumerate(months):
            regular = c["Hours"].iloc[m]
            load_rows.append({
                "Resource": resource, "Month": month, "RequiredHours": required_h[m], "PlannedHours": made[m],
                "CapacityHours": regular, "OvertimeHours": c["OvertimeHours"].iloc[m],
                "Utilisation": required_h[m] / regular if regular > 0 else np.nan,
                "OverloadHours": max(0.0, required_h[m] - regular), "ShortHours": hours["SubcontractUnits"][m],
            })
        if progress is not None:
            progress(k, len(resources))
    supply = pd.DataFrame({"Item": np.repeat(item_index.to_numpy(), months.size), "Month": np.tile(months, item_index.size),
                           "Quantity": production.ravel()})
    projected = projected_inventory_by(demand, supply, inventory if len(inventory) else None)
    projected = projected[projected["Month"].isin(months)]
    plan = projected.rename(columns={"Supply": "Production"})[
        ["Item", "Month", "Demand", "Production", "OnHand", "Backlog", "DaysOfSupply"]]
    plan = plan.assign(SafetyStock=plan["Item"].map(pd.Series(ss, index=item_index)))
    numeric = ["Demand", "Production", "OnHand", "Backlog", "SafetyStock"]
    plan[numeric] = plan[numeric].round(2)
    load = pd.DataFrame(load_rows, columns=schema.table(T.CAPACITY_LOAD).column_names)
    return {T.CAPACITY_LOAD: without_noise(load, 1e-6), T.SUPPLY_PLAN: without_noise(plan.reset_index(drop=True), 1e-6)}
