"""The scenarios side by side with Base: each planned by Balance Supply's own computation and valued as Refresh
Executive values the plan (xl_sop.cycle.supply_plan), so Base is the plan on 2 Supply and 5 Executive and a scenario
differs from it only by its changes (tblScenarioInputs, read by xl_sop.cycle.scenario_inputs)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from xl_sop.cycle.inputs import Inputs
from xl_sop.cycle.scenario_inputs import BASE, ScenarioChange
from xl_sop.cycle.supply_plan import balance_supply, money_summary, plan_money, plan_safety_stock
from xl_sop.workbook import schema
from xl_sop.workbook.schema import TableName as T

BASE_CHANGES = "the plan on 2 Supply"
CHANGES_TEXT = 48
"""Characters of the Changes text beyond which it names what each change changes, without the figures."""


def scenarios(inputs: Inputs, demand: pd.DataFrame, changes: list[ScenarioChange]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """tblScenarios (Base first, then each scenario in the order its first row stands) and tblScenarioShortage.

    demand: Item, Month, Quantity (the consensus of the plan months). Per scenario: demand changes multiply the
    consensus of their items and months (several: their product), orders add their units; capacity changes
    multiply a resource's regular and overtime hours in their months; the plan is balance_supply of that demand on
    that capacity. Price changes multiply the unit price of what ships in their months (revenue and margin, not the
    plan: a price that moves demand is a demand row too).
    """
    items = inputs[T.ITEMS].dropna(subset=["Item"]).drop_duplicates("Item")
    named: dict[str, list[ScenarioChange]] = {BASE: []}
    spelled: dict[str, str] = {}
    for change in changes:  # "upside" and "Upside" are one scenario, named as first typed
        named.setdefault(spelled.setdefault(change.scenario.lower(), change.scenario), []).append(change)
    rows, shortages = [], []
    safety_stock = plan_safety_stock(inputs)  # from History: computed once for all scenarios
    for name, its in named.items():
        outcome = balance_supply(_with_capacity(inputs, its), scenario_demand(demand, its), safety_stock=safety_stock)
        money = _priced(plan_money(outcome.plan, items), items, its)
        rows.append({"Scenario": name, "Changes": _changes_text(its, outcome.months),
                     **money_summary(money, outcome.load)})
        shortages.append(_shortage(name, money, items))
    return (pd.DataFrame(rows, columns=schema.table(T.SCENARIOS).column_names),
            pd.concat(shortages, ignore_index=True)[schema.table(T.SCENARIO_SHORTAGE).column_names])


def _changes_text(changes: list[ScenarioChange], months: pd.DatetimeIndex) -> str:
    """The scenario's changes in words; when that is longer than CHANGES_TEXT, only what each changes (the figures
    are in tblScenarioInputs): the column shrinks long text to fit, down to unreadable."""
    full = "; ".join(c.describe(months) for c in changes)
    if len(full) <= CHANGES_TEXT:
        return full or BASE_CHANGES
    return ", ".join(f"{c.change} {c.applies_to or 'all'}" for c in changes)


def scenario_demand(demand: pd.DataFrame, changes: list[ScenarioChange]) -> pd.DataFrame:
    """The consensus (Item, Month, Quantity) with the scenario's demand factors and its orders: an order's units
    spread evenly over its months, as rows of their own."""
    quantity = demand["Quantity"].to_numpy(dtype=float).copy()
    for c in changes:
        if c.change == "demand":
            quantity[(demand["Item"].isin(c.targets) & demand["Month"].isin(c.months)).to_numpy()] *= c.value
    orders = [(item, month, c.value / len(c.months)) for c in changes if c.change == "order"
              for item in c.targets for month in c.months]
    out = demand[["Item", "Month"]].assign(Quantity=quantity)
    if orders:
        out = pd.concat([out, pd.DataFrame(orders, columns=["Item", "Month", "Quantity"])], ignore_index=True)
    return out


def _with_capacity(inputs: Inputs, changes: list[ScenarioChange]) -> Inputs:
    """The inputs with tblCapacity's Hours and OvertimeHours multiplied by the scenario's capacity factors."""
    capacity_changes = [c for c in changes if c.change == "capacity"]
    if not capacity_changes:
        return inputs
    capacity = inputs[T.CAPACITY].copy()
    resource = capacity["Resource"].astype(str).str.strip()
    factor = np.ones(len(capacity))
    for c in capacity_changes:
        factor[(resource.isin([str(t).strip() for t in c.targets]) & capacity["Month"].isin(c.months)).to_numpy()] *= c.value
    for column in ("Hours", "OvertimeHours"):
        if column in capacity:
            capacity[column] = capacity[column] * factor
    return replace(inputs, tables={**inputs.tables, T.CAPACITY: capacity})


def _priced(money: pd.DataFrame, items: pd.DataFrame, changes: list[ScenarioChange]) -> pd.DataFrame:
    """plan_money with the scenario's price factors: Price = UnitPrice x factors of the item and month; Revenue of
    what ships at that price (COGS, at unit cost, unchanged)."""
    factor = np.ones(len(money))
    for c in changes:
        if c.change == "price":
            factor[(money["Item"].isin(c.targets) & money["Month"].isin(c.months)).to_numpy()] *= c.value
    price = pd.to_numeric(money["Item"].map(items.set_index("Item")["UnitPrice"]), errors="coerce").fillna(0.0)
    return money.assign(Revenue=money["Revenue"] * factor, Price=price * factor)


def _shortage(name: str, money: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Per family: Demand, Short (backlog at the end of the horizon: demand the plan does not ship), ShortRevenue
    (Short at the last month's price), FillRate (shipped / demand), PeakBacklog and PeakMonth (its largest month;
    PeakMonth blank when no month is a whole unit late)."""
    m = money.assign(Family=money["Item"].map(items.set_index("Item")["Family"]).fillna("(no family)"))
    last = m[m["Month"] == m["Month"].max()]
    by_month = m.groupby(["Family", "Month"])["Backlog"].sum().unstack("Month")
    out = pd.DataFrame({
        "Demand": m.groupby("Family")["Demand"].sum(),
        "Shipped": m.groupby("Family")["Shipped"].sum(),
        "Short": last.groupby("Family")["Backlog"].sum(),
        "ShortRevenue": (last["Backlog"] * last["Price"]).groupby(last["Family"]).sum(),
        "PeakBacklog": by_month.max(axis=1),
        "PeakMonth": by_month.idxmax(axis=1).where(by_month.max(axis=1) >= 1),  # a unit or more: not rounding
    }).fillna({"Short": 0.0, "ShortRevenue": 0.0})
    out["FillRate"] = out["Shipped"] / out["Demand"].where(out["Demand"] > 0)
    numbers = ["Demand", "Short", "ShortRevenue", "PeakBacklog"]
    out[numbers] = out[numbers].round(2)
    return out.reset_index().assign(Scenario=name)
