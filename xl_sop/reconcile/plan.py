"""The constrained plan: what can be made and shipped when capacity is short, and scenarios of it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from xl_sop.frames import (
    columns,
    grid,
    item_attributes,
    monthly,
    numbers,
    optional_column,
    require_items,
    without_noise,
)
from xl_sop.reconcile.allocation import allocate
from xl_sop.settings import DEFAULT_SCENARIOS, Scenario
from xl_sop.supply.capacity import capacity_table, routing
from xl_sop.supply.inventory import opening_inventory_by_item


@dataclass
class ConstrainedPlan:
    """per_item: Item, Month, Demand, Production, Shipped, Backlog, OnHand.
    per_resource: Resource, Month, NeedHours, LoadHours, CapacityHours (regular + overtime used)."""

    per_item: pd.DataFrame
    per_resource: pd.DataFrame


def constrained_plan(demand: pd.DataFrame, items: pd.DataFrame, capacity: pd.DataFrame,
                     inventory: pd.DataFrame | None = None, *, demand_factor: float = 1.0,
                     capacity_factor: float = 1.0, use_overtime: bool = True) -> ConstrainedPlan:
    """Month by month, make what each item needs as far as its resource allows; ship what is there.

    For each month m, in order, and each item i (units):
        need_i = max(0, demand_i,m x demand_factor + backlog_i - on_hand_i)
    Items made on a resource share its hours, (Hours + OvertimeHours if use_overtime)
    x capacity_factor, by xl_sop.reconcile.allocation.allocate on need_i x
    HoursPerUnit_i: Items' optional Priority column first (1 = first), then fair
    share in proportion to need. Bought-in items (no Resource) get what they need.
        production_i = allocated hours / HoursPerUnit_i
        shipped_i = min(on_hand_i + production_i, demand_i,m + backlog_i)
    What is not shipped stays as backlog for the next month; nothing is built ahead.
    demand: Item, Month, Quantity. inventory: opening stock per item (default 0).
    """
    d = monthly(demand, "demand")
    require_items(d["Item"], columns(items, "Items", "Item"), "demand")
    route = routing(items).set_index("Item")
    prio_col = optional_column(items, "Priority")
    priority = (numbers(items.rename(columns={prio_col: "Priority"}), "Items", "Priority")
                .pipe(columns, "Items", "Item").set_index("Item")["Priority"] if prio_col else pd.Series(dtype=float))
    item_index = pd.Index(sorted(d["Item"].unique(), key=str), name="Item")
    months = pd.date_range(d["Month"].min(), d["Month"].max(), freq="MS")
    want = grid(d, "Quantity", item_index, months) * float(demand_factor)
    cap = capacity_table(capacity)
    cap["Available"] = (cap["Hours"] + (cap["OvertimeHours"] if use_overtime else 0.0)) * float(capacity_factor)
    resources = route["Resource"].reindex(item_index)
    hpu = route["HoursPerUnit"].reindex(item_index).to_numpy()
    prio = priority.reindex(item_index).to_numpy(dtype=float) if len(priority) else np.full(item_index.size, np.nan)
    available = grid(cap, "Available", pd.Index(sorted(resources.dropna().unique())), months, key="Resource")
    shape = want.shape
    production, shipped, backlog_out, on_hand_out = (np.zeros(shape) for _ in range(4))
    opening = opening_inventory_by_item(inventory) if inventory is not None else pd.Series(dtype=float)
    on_hand = opening.reindex(item_index).fillna(0.0).to_numpy()
    on_hand = np.maximum(on_hand, 0.0)
    backlog = np.zeros(item_index.size)
    groups = {r: np.flatnonzero((resources == r).to_numpy()) for r in sorted(resources.dropna().unique())}
    bought = np.flatnonzero(resources.isna().to_numpy())
    need_hours, load_hours = np.zeros(available.shape), np.zeros(available.shape)
    for m in range(months.size):
        need = np.maximum(0.0, want[:, m] + backlog - on_hand)
        made = np.zeros(item_index.size)
        made[bought] = need[bought]
        for k, members in enumerate(groups.values()):
            hours = need[members] * hpu[members]
            granted = allocate(available[k, m], hours, prio[members])
            made[members] = np.divide(granted, hpu[members], out=np.zeros(members.size), where=hpu[members] > 0)
            made[members] = np.where(hpu[members] > 0, made[members], need[members])
            need_hours[k, m], load_hours[k, m] = hours.sum(), granted.sum()
        stock = on_hand + made
        due = want[:, m] + backlog
        ship = np.minimum(stock, due)
        on_hand, backlog = stock - ship, due - ship
        production[:, m], shipped[:, m], backlog_out[:, m], on_hand_out[:, m] = made, ship, backlog, on_hand
    per_item = pd.DataFrame({
        "Item": np.repeat(item_index.to_numpy(), months.size), "Month": np.tile(months, item_index.size),
        "Demand": want.ravel(), "Production": production.ravel(), "Shipped": shipped.ravel(),
        "Backlog": backlog_out.ravel(), "OnHand": on_hand_out.ravel(),
    })
    res_index = list(groups)
    regular = cap.assign(Capacity=cap["Hours"] * float(capacity_factor))
    capacity_hours = grid(regular, "Capacity", pd.Index(res_index), months, key="Resource")
    per_resource = pd.DataFrame({
        "Resource": np.repeat(res_index, months.size), "Month": np.tile(months, len(res_index)),
        "NeedHours": need_hours.ravel(), "LoadHours": load_hours.ravel(), "CapacityHours": capacity_hours.ravel(),
        "AvailableHours": available.ravel(),
    })
    return ConstrainedPlan(without_noise(per_item), without_noise(per_resource))


def scenario_comparison(demand: pd.DataFrame, items: pd.DataFrame, capacity: pd.DataFrame,
                        inventory: pd.DataFrame | None = None,
                        scenarios: tuple[Scenario, ...] = DEFAULT_SCENARIOS) -> pd.DataFrame:
    """Base, upside and downside side by side: one row per scenario.

    Each scenario is a constrained_plan with its demand and capacity factors. Columns:
    Scenario, DemandFactor, CapacityFactor, DemandUnits, ShippedUnits, FillRate
    (= ShippedUnits / DemandUnits over the horizon), Revenue (= shipped x UnitPrice),
    COGS (= shipped x UnitCost), Margin (= Revenue - COGS), MarginPct (= Margin / Revenue),
    BacklogUnits (unmet at the end), ClosingInventoryUnits and ClosingInventoryValue (at
    UnitCost, end of horizon), CapacityUse (= load hours / regular capacity hours; above 1
    means overtime is used).
    """
    money = numbers(item_attributes(items, "UnitPrice", "UnitCost"), "Items", "UnitPrice", "UnitCost").fillna(0.0)
    rows = []
    for sc in scenarios:
        plan = constrained_plan(demand, items, capacity, inventory, demand_factor=sc.demand_factor,
                                capacity_factor=sc.capacity_factor)
        p = plan.per_item.merge(money, on="Item", how="left")
        last = p[p["Month"] == p["Month"].max()]
        revenue = float((p["Shipped"] * p["UnitPrice"]).sum())
        cogs = float((p["Shipped"] * p["UnitCost"]).sum())
        demand_units = float(p["Demand"].sum())
        cap_hours = float(plan.per_resource["CapacityHours"].sum())
        rows.append({
            "Scenario": sc.name, "DemandFactor": sc.demand_factor, "CapacityFactor": sc.capacity_factor,
            "DemandUnits": demand_units, "ShippedUnits": float(p["Shipped"].sum()),
            "FillRate": float(p["Shipped"].sum()) / demand_units if demand_units > 0 else np.nan,
            "Revenue": revenue, "COGS": cogs, "Margin": revenue - cogs,
            "MarginPct": (revenue - cogs) / revenue if revenue > 0 else np.nan,
            "BacklogUnits": float(last["Backlog"].sum()), "ClosingInventoryUnits": float(last["OnHand"].sum()),
            "ClosingInventoryValue": float((last["OnHand"] * last["UnitCost"]).sum()),
            "CapacityUse": float(plan.per_resource["LoadHours"].sum()) / cap_hours if cap_hours > 0 else np.nan,
        })
    return pd.DataFrame(rows)
