"""The base plan, computed once: the supply logic of Balance Supply, and what a plan is worth in money.

Balance Supply (supply_step) and the scenarios of Reconcile (reconcile_step) both call balance_supply, so
the Base scenario is the Supply sheet's plan; Refresh Executive and the scenarios both value a plan with
plan_money, so Base's revenue, margin, fill rate and closing inventory value are the Executive sheet's.
Below the step modules: it imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from xl_sop.cycle.inputs import Inputs, history_before_cycle, plan_months
from xl_sop.cycle.plan import Progress
from xl_sop.frames import without_noise
from xl_sop.supply import projected_inventory_by, safety_stock_by
from xl_sop.supply.capacity import capacity_table, routing
from xl_sop.supply.inventory import opening_inventory_by_item
from xl_sop.supply.resources import HourCosts, net_requirements, plan_by_resource
from xl_sop.workbook.schema import TableName as T

PLAN_COLUMNS = ["Item", "Month", "Demand", "Production", "OnHand", "Backlog", "DaysOfSupply", "SafetyStock"]


@dataclass
class SupplyOutcome:
    """plan: PLAN_COLUMNS per item and plan month (tblSupplyPlan); load: per resource and month
    (tblCapacityLoad); route: Resource and HoursPerUnit per item; months: the plan months."""

    plan: pd.DataFrame
    load: pd.DataFrame
    route: pd.DataFrame
    months: pd.DatetimeIndex


def plan_safety_stock(inputs: Inputs) -> pd.DataFrame:
    """Safety stock per item (safety_stock_by) from the History before the cycle month, the Items' lead times and
    Settings' cycle service level: the same in every scenario."""
    items = inputs[T.ITEMS].dropna(subset=["Item"]).drop_duplicates("Item")
    return safety_stock_by(history_before_cycle(inputs), items[["Item", "LeadTimeMonths"]],
                           inputs.settings.cycle_service_level)


def balance_supply(inputs: Inputs, demand: pd.DataFrame, *, progress: Progress | None = None,
                   safety_stock: pd.DataFrame | None = None) -> SupplyOutcome:
    """The production plan per resource (strategy from Settings) in hours, shared out to items by their
    net requirements; projected inventory, days of supply, safety stock; load against capacity.

    demand: Item, Month, Quantity (the consensus, or a scenario's); capacity: tblCapacity of inputs (a scenario
    passes its own). Net requirement per item: what the demand needs beyond the opening stock, plus building up
    to safety stock (safety stock from History, the same in every scenario). Bought-in items (no Resource) are
    supplied as required. Hours the plan cannot cover with regular and overtime hours are ShortHours.
    Figures rounded to 2 decimals, as the Supply sheet shows them. ``safety_stock``: plan_safety_stock of the
    inputs, when the caller plans several scenarios of them.
    """
    months = plan_months(inputs)
    items = inputs[T.ITEMS].dropna(subset=["Item"]).drop_duplicates("Item")
    item_index = pd.Index(sorted(demand["Item"].unique(), key=str), name="Item")
    d = demand.pivot_table(index="Item", columns="Month", values="Quantity", aggfunc="sum").reindex(
        index=item_index, columns=months).fillna(0.0).to_numpy()
    inventory = inputs[T.INVENTORY].dropna(subset=["Item", "Quantity"])
    opening = (opening_inventory_by_item(inventory).reindex(item_index).fillna(0.0).to_numpy() if len(inventory)
               else np.zeros(item_index.size))
    settings = inputs.settings
    ss = safety_stock if safety_stock is not None else plan_safety_stock(inputs)
    ss = ss.set_index("Item")["SafetyStock"].reindex(item_index).fillna(0.0).to_numpy()
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
    plan = projected.rename(columns={"Supply": "Production"})[PLAN_COLUMNS[:-1]]
    plan = plan.assign(SafetyStock=plan["Item"].map(pd.Series(ss, index=item_index)))
    numeric = ["Demand", "Production", "OnHand", "Backlog", "SafetyStock"]
    plan[numeric] = plan[numeric].round(2)
    return SupplyOutcome(without_noise(plan.reset_index(drop=True), 1e-6), without_noise(load, 1e-6), route, months)


def plan_money(plan: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """A supply plan (Item, Month, Demand, OnHand, Backlog: tblSupplyPlan) in money, per item and month.

    Shipped_t = Demand_t - (Backlog_t - Backlog_{t-1}) [units], Backlog before the first month = 0 (what the
    plan delivers: the demand of the month less what it adds to the backlog, plus backlog it clears);
    Revenue = Shipped x UnitPrice; COGS = Shipped x UnitCost; InventoryValue = OnHand x UnitCost [money].
    Columns: Item, Month, Demand, Shipped, Revenue, COGS, InventoryValue, Backlog.
    """
    p = plan[["Item", "Month", "Demand", "OnHand", "Backlog"]].copy()
    for c in ("Demand", "OnHand", "Backlog"):
        p[c] = pd.to_numeric(p[c], errors="coerce").fillna(0.0)
    p = p.sort_values(["Item", "Month"], kind="stable")
    previous = p.groupby("Item", sort=False)["Backlog"].shift(1).fillna(0.0)
    p["Shipped"] = p["Demand"] - (p["Backlog"] - previous)
    attrs = items.dropna(subset=["Item"]).drop_duplicates("Item").set_index("Item")
    price = pd.to_numeric(p["Item"].map(attrs["UnitPrice"]), errors="coerce").fillna(0.0)
    cost = pd.to_numeric(p["Item"].map(attrs["UnitCost"]), errors="coerce").fillna(0.0)
    p["Revenue"] = p["Shipped"] * price
    p["COGS"] = p["Shipped"] * cost
    p["InventoryValue"] = p["OnHand"] * cost
    return p[["Item", "Month", "Demand", "Shipped", "Revenue", "COGS", "InventoryValue", "Backlog"]].reset_index(drop=True)


def plan_summary(plan: pd.DataFrame, load: pd.DataFrame, items: pd.DataFrame) -> dict[str, float]:
    """The plan over the horizon: money_summary of plan_money, as Refresh Executive reads it."""
    return money_summary(plan_money(plan, items), load)


def money_summary(money: pd.DataFrame, load: pd.DataFrame) -> dict[str, float]:
    """A plan in money (plan_money) over the horizon: Revenue, Margin (= Revenue - COGS), FillRate (= shipped /
    demand units), ClosingInventoryValue (stock at unit cost at the end of the last month) and CapacityUse (planned
    hours / regular capacity hours of load, tblCapacityLoad; above 1 means overtime)."""
    demand = float(money["Demand"].sum())
    last = money[money["Month"] == money["Month"].max()]
    capacity = float(pd.to_numeric(load.get("CapacityHours"), errors="coerce").sum()) if len(load) else 0.0
    planned = float(pd.to_numeric(load.get("PlannedHours"), errors="coerce").sum()) if len(load) else 0.0
    revenue = float(money["Revenue"].sum())
    return {"Revenue": revenue, "Margin": revenue - float(money["COGS"].sum()),
            "FillRate": float(money["Shipped"].sum()) / demand if demand > 0 else np.nan,
            "ClosingInventoryValue": float(last["InventoryValue"].sum()),
            "CapacityUse": planned / capacity if capacity > 0 else np.nan}
