"""Step 2 Supply (Balance Supply): each resource planned in hours and shared out to its items; projected
inventory, days of supply and safety stock; the load against capacity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xl_sop.cycle.grids import TOTAL, turned
from xl_sop.cycle.inputs import Inputs, history_before_cycle, plan_months
from xl_sop.cycle.plan import Progress, Tables, consensus_demand
from xl_sop.frames import without_noise
from xl_sop.supply import projected_inventory_by, safety_stock_by
from xl_sop.supply.capacity import capacity_table, routing
from xl_sop.supply.inventory import opening_inventory_by_item
from xl_sop.supply.resources import HourCosts, net_requirements, plan_by_resource
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
    history = history_before_cycle(inputs)
    settings = inputs.settings
    ss = safety_stock_by(history, items[["Item", "LeadTimeMonths"]], settings.cycle_service_level)
    ss = ss.set_index("Item")["SafetyStock"]
    ss = ss.reindex(item_index).fillna(0.0).to_numpy()
    need = net_requirements(d, ss, opening)

    route = routing(items).set_index("Item").reindex(item_index)  # bought-in items: no Resource
    capacity = inputs[T.CAPACITY].dropna(subset=["Resource", "Month"])
    capacity = capacity_table(capacity) if len(capacity) else pd.DataFrame(
        columns=["Resource", "Month", "Hours", "OvertimeHours"])
    attributes = items.set_index("Item").reindex(item_index)
    costs = HourCosts(settings.regular_hour_cost, settings.overtime_factor, settings.holding_share, settings.backlog_share)
    production, load = plan_by_resource(
        d, need, route, capacity, months, settings.production_strategy, costs, progress=progress,
        unit_price=attributes["UnitPrice"].fillna(0.0).to_numpy(dtype=float),
        unit_cost=attributes["UnitCost"].fillna(0.0).to_numpy(dtype=float))
    supply = pd.DataFrame({"Item": np.repeat(item_index.to_numpy(), months.size), "Month": np.tile(months, item_index.size),
                           "Quantity": production.ravel()})
    projected = projected_inventory_by(demand, supply, inventory if len(inventory) else None)
    projected = projected[projected["Month"].isin(months)]
    plan = projected.rename(columns={"Supply": "Production"})[
        ["Item", "Month", "Demand", "Production", "OnHand", "Backlog", "DaysOfSupply"]]
    plan = plan.assign(SafetyStock=plan["Item"].map(pd.Series(ss, index=item_index)))
    numeric = ["Demand", "Production", "OnHand", "Backlog", "SafetyStock"]
    plan[numeric] = plan[numeric].round(2)
    load, plan = without_noise(load, 1e-6), without_noise(plan.reset_index(drop=True), 1e-6)
    resources = sorted(load["Resource"].dropna().unique(), key=str) if len(load) else []
    return {T.CAPACITY_LOAD: load, T.SUPPLY_PLAN: plan, T.SUPPLY_VIEW: supply_view(load, plan, route, months),
            T.LOAD_CHART: pd.DataFrame({"Month": months}), T.RESOURCE_CHOICES: pd.DataFrame({"Resource": resources})}


RESOURCE_MEASURES = (("Required hours", "RequiredHours"), ("Planned hours", "PlannedHours"),
                     ("Capacity hours", "CapacityHours"), ("Overtime hours", "OvertimeHours"),
                     ("Utilisation %", "Utilisation"), ("Short hours", "ShortHours"))
ITEM_MEASURES = (("Demand", "Demand"), ("Production", "Production"), ("On hand", "OnHand"))
BOUGHT_IN = "(bought in)"


def supply_view(load: pd.DataFrame, plan: pd.DataFrame, route: pd.DataFrame, months: pd.DatetimeIndex) -> pd.DataFrame:
    """The grid of 2 Supply: per resource its hours (utilisation in %), then its items' demand, production and
    stock (grouped under it); bought-in items last."""
    resource_of = route["Resource"].map(lambda r: BOUGHT_IN if pd.isna(r) or str(r).strip() == "" else str(r))
    blocks = []
    for resource in [*sorted(load["Resource"].dropna().unique(), key=str), BOUGHT_IN] if len(load) else [BOUGHT_IN]:
        own = load[load["Resource"] == resource].assign(Item=TOTAL)
        if len(own):
            blocks.append(turned(own, ("Resource", "Item"), RESOURCE_MEASURES, months, scale={"Utilisation %": 100.0}))
        items = resource_of[resource_of == resource].index
        made = plan[plan["Item"].isin(items)].assign(Resource=resource)
        if len(made):
            blocks.append(turned(made, ("Resource", "Item"), ITEM_MEASURES, months))
    return pd.concat(blocks, ignore_index=True) if blocks else turned(plan.iloc[:0], ("Resource", "Item"), ITEM_MEASURES,
                                                                      months)
