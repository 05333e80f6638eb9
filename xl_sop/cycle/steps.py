"""The S&OP steps as functions of tables: cleaned inputs and current outputs in, new output tables out.

Each step returns {table name: DataFrame} for the tables it replaces (schema.Step.writes).
Nothing here touches a workbook: the runner reads the book, calls a step, keeps what
people typed (keep.py) and writes the result.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from xl_sop.cycle.inputs import Inputs, setting
from xl_sop.cycle.keep import carry_inputs, merge_rows
from xl_sop.errors import SopError
from xl_sop.forecast import forecast_many
from xl_sop.frames import month_start, without_noise
from xl_sop.metrics import forecast_value_added_by_stage
from xl_sop.metrics.inventory import DEFAULT_AGING_EDGES, aging_labels
from xl_sop.metrics.tables import (
    accuracy_by,
    accuracy_by_lag,
    aging_by,
    attainment_by,
    fulfilment_by,
    inventory_turns_by,
)
from xl_sop.reconcile import financial_view, gap_by, scenario_comparison
from xl_sop.settings import Scenario
from xl_sop.supply import capacity_plan, projected_inventory_by, safety_stock_by
from xl_sop.supply.capacity import capacity_table, routing
from xl_sop.supply.inventory import opening_stock
from xl_sop.workbook import schema

Progress = Callable[[int, int], None]
NOT_IN_FORECAST = "kept for your inputs: not in this forecast"
AGED_DAYS = 90
"""Stock older than this counts as aged (an edge of DEFAULT_AGING_EDGES)."""
SEEDED = ("Gap: ", "Overload: ")


class StepOrderError(SopError):
    """A step needs the output of an earlier step that has not run."""


# --- shared readings -----------------------------------------------------------------------------

def cycle_month(inputs: Inputs) -> pd.Timestamp:
    """The first plan month: the Cycle month setting, or the month after the last history month."""
    value = inputs.tables["settings"].get("cyclemonth")
    if value is not None:
        return pd.Timestamp(value)
    return inputs["tblHistory"]["Month"].max() + pd.DateOffset(months=1)


def plan_months(inputs: Inputs) -> pd.DatetimeIndex:
    return pd.date_range(cycle_month(inputs), periods=int(setting(inputs, "Horizon")), freq="MS")


def consensus(plan: pd.DataFrame) -> pd.Series:
    """The Consensus formula of tblDemandPlan, in Python: MAX(0, Statistical + N(SalesAdj) + N(MarketingAdj))."""
    def num(name):
        return pd.to_numeric(plan[name], errors="coerce").fillna(0.0) if name in plan else 0.0
    return np.maximum(0.0, num("Statistical") + num("SalesAdj") + num("MarketingAdj"))


def consensus_demand(current: dict[str, pd.DataFrame], inputs: Inputs) -> pd.DataFrame:
    """Item, Month, Quantity: the consensus of the plan months (needs Run Forecast first)."""
    plan = current["tblDemandPlan"]
    if plan.empty or "Statistical" not in plan or plan["Statistical"].isna().all():
        raise StepOrderError("the demand plan is empty: press Run Forecast (xl-sop run BOOK --step demand) first")
    months = plan_months(inputs)
    month = month_start(plan["Month"])
    demand = pd.DataFrame({"Item": plan["Item"], "Month": month, "Quantity": consensus(plan)})
    return demand[demand["Month"].isin(months) & demand["Item"].notna()].reset_index(drop=True)


def _archive(current: dict[str, pd.DataFrame]) -> pd.DataFrame:
    archive = current.get("tblPlanArchive", pd.DataFrame())
    if archive.empty:
        return pd.DataFrame(columns=schema.table("tblPlanArchive").column_names)
    a = archive.copy()
    for c in ("PlanMonth", "Month"):
        a[c] = month_start(a[c])
    for c in ("Statistical", "SalesAdj", "MarketingAdj", "Consensus"):
        a[c] = pd.to_numeric(a[c], errors="coerce")
    return a.dropna(subset=["PlanMonth", "Month", "Item"])


# --- 1 Demand ----------------------------------------------------------------------------------

def demand_step(inputs: Inputs, current: dict[str, pd.DataFrame], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    """Statistical forecast per item and month (with method and 80% interval); overrides and comments kept by
    Item and Month; accuracy and forecast value added of past cycles from the plan archive."""
    start = cycle_month(inputs)
    horizon = int(setting(inputs, "Horizon"))
    season = int(setting(inputs, "Season length"))
    items = inputs["tblItems"].dropna(subset=["Item"])
    history = inputs["tblHistory"].dropna(subset=["Item", "Month", "Quantity"])
    history = history[history["Month"] < start]
    if history.empty:
        raise SopError(f"table History has no months before the cycle month {start:%b %Y}: check Settings / Cycle month")
    last = history["Month"].max()
    gap = (start.year - last.year) * 12 + start.month - last.month - 1
    fc = forecast_many(history, horizon + gap, season_length=season, level=(80,), progress=progress)
    fc = fc[fc["Month"] >= start]
    family = items.drop_duplicates("Item").set_index("Item")["Family"]
    plan = pd.DataFrame({
        "Item": fc["Item"], "Family": fc["Item"].map(family), "Month": fc["Month"],
        "Statistical": fc["Forecast"].round(2), "Lower80": fc["Lower80"].clip(lower=0).round(2), "Upper80": fc["Upper80"].round(2),
        "Method": fc["Method"],
    }).reset_index(drop=True)
    spec = schema.table("tblDemandPlan")
    plan = carry_inputs(current["tblDemandPlan"], plan, spec, orphan_note=("Method", NOT_IN_FORECAST))
    plan["Consensus"] = consensus(plan)
    plan = plan[spec.column_names + [c for c in plan.columns if c not in spec.column_names]]
    accuracy, fva = _accuracy_tables(inputs, current)
    return {"tblDemandPlan": plan, "tblAccuracy": accuracy, "tblFVA": fva}


def _lag0(inputs: Inputs, current) -> pd.DataFrame:
    """Archived plan rows for each month as frozen in that month's own cycle, joined to actuals."""
    archive = _archive(current)
    archive = archive[archive["Month"] == archive["PlanMonth"]]
    history = inputs["tblHistory"].dropna(subset=["Item", "Month", "Quantity"])
    history = history[history["Month"] < cycle_month(inputs)]
    if archive.empty or history.empty:
        return pd.DataFrame()
    actual = history.groupby(["Item", "Month"], as_index=False)["Quantity"].sum()
    archive = archive[archive["Month"] <= actual["Month"].max()]
    return archive.merge(actual, on=["Item", "Month"], how="left").fillna({"Quantity": 0.0})


def _accuracy_tables(inputs: Inputs, current) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lag-0 accuracy by family and month, and the forecast value added of each stage of the process."""
    pairs = _lag0(inputs, current)
    if pairs.empty:
        return pd.DataFrame(), pd.DataFrame()
    forecasts = pairs.rename(columns={"Consensus": "Forecast"})[["Item", "Month", "Forecast"]]
    history = inputs["tblHistory"].dropna(subset=["Item", "Month", "Quantity"])
    history = history[history["Month"] < cycle_month(inputs)]
    accuracy = accuracy_by(history, forecasts, inputs["tblItems"], by=("Family", "Month"))
    accuracy = accuracy.sort_values(["Month", "Family"], ascending=[False, True]).head(48)
    stages = {  # the consensus formula as it stood after each stage
        "Naive (last month's actual)": _naive(pairs, inputs),
        "Statistical": consensus(pairs[["Statistical"]]),
        "+ Sales adjustments": consensus(pairs[["Statistical", "SalesAdj"]]),
        "+ Marketing = consensus": consensus(pairs),
    }
    fva = forecast_value_added_by_stage(pairs["Quantity"], stages).assign(Months=pairs["Month"].nunique())
    return accuracy, fva


def _naive(pairs: pd.DataFrame, inputs: Inputs) -> pd.Series:
    """The naive forecast of each pair: the item's actual of the month before (0 without a history row)."""
    history = inputs["tblHistory"].dropna(subset=["Item", "Month", "Quantity"]).groupby(["Item", "Month"])["Quantity"].sum()
    prior = pd.MultiIndex.from_arrays([pairs["Item"], pairs["Month"] - pd.DateOffset(months=1)])
    return pd.Series(history.reindex(prior).fillna(0.0).to_numpy(), index=pairs.index)


# --- 2 Supply ----------------------------------------------------------------------------------

def supply_step(inputs: Inputs, current: dict[str, pd.DataFrame], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    """Production plan per resource (strategy from Settings) in hours, shared out to items by their
    net requirements; projected inventory, days of supply, safety stock; load against capacity.

    Net requirement per item: what the consensus needs beyond the opening stock, plus
    building up to safety stock. Bought-in items (no Resource) are supplied as required.
    Hours the plan cannot cover with regular and overtime hours are ShortHours.
    """
    demand = consensus_demand(current, inputs)
    months = plan_months(inputs)
    items = inputs["tblItems"].dropna(subset=["Item"]).drop_duplicates("Item")
    item_index = pd.Index(sorted(demand["Item"].unique(), key=str), name="Item")
    d = demand.pivot_table(index="Item", columns="Month", values="Quantity", aggfunc="sum").reindex(
        index=item_index, columns=months).fillna(0.0).to_numpy()
    inventory = inputs["tblInventory"].dropna(subset=["Item", "Quantity"])
    opening = opening_stock(inventory).reindex(item_index).fillna(0.0).to_numpy() if len(inventory) else np.zeros(item_index.size)
    service = float(setting(inputs, "Service level"))
    history = inputs["tblHistory"].dropna(subset=["Item", "Month", "Quantity"])
    history = history[history["Month"] < months[0]]
    ss = safety_stock_by(history, items[["Item", "LeadTimeMonths"]], service).set_index("Item")["SafetyStock"]
    ss = ss.reindex(item_index).fillna(0.0).to_numpy()
    need = np.diff(np.maximum(0.0, np.cumsum(d, axis=1) + ss[:, None] - opening[:, None]), axis=1, prepend=0.0)

    route = routing(items).set_index("Item")
    cap = capacity_table(inputs["tblCapacity"].dropna(subset=["Resource", "Month"])) if len(inputs["tblCapacity"]) else \
        pd.DataFrame(columns=["Resource", "Month", "Hours", "OvertimeHours"])
    price = items.set_index("Item")["UnitPrice"].reindex(item_index).fillna(0.0).to_numpy()
    cost = items.set_index("Item")["UnitCost"].reindex(item_index).fillna(0.0).to_numpy()
    strategy = setting(inputs, "Production strategy")
    hour_cost = float(setting(inputs, "Regular hour cost"))
    production = need.copy()  # bought-in items: supplied as required
    load_rows = []
    resources = sorted(route["Resource"].dropna().unique())
    for k, resource in enumerate(resources, start=1):
        members = np.flatnonzero(route["Resource"].reindex(item_index).to_numpy() == resource)
        hpu = route["HoursPerUnit"].reindex(item_index).to_numpy()[members]
        need_h = (need[members] * hpu[:, None]).sum(axis=0)
        required_h = (d[members] * hpu[:, None]).sum(axis=0)
        c = cap[cap["Resource"] == resource].set_index("Month").reindex(months).fillna(0.0)
        hours = _resource_plan(need_h, c["Hours"].to_numpy(), c["OvertimeHours"].to_numpy(), strategy, hour_cost, inputs,
                               weights=d[members] * hpu[:, None], price=price[members], cost=cost[members], hpu=hpu)
        made = hours["RegularUnits"] + hours["OvertimeUnits"]
        production[members] = _share_out(made, need[members], hpu)
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
    plan = projected.rename(columns={"Supply": "Production"})[["Item", "Month", "Demand", "Production", "OnHand", "Backlog", "DaysOfSupply"]]
    plan = plan.assign(SafetyStock=plan["Item"].map(pd.Series(ss, index=item_index)))
    numeric = ["Demand", "Production", "OnHand", "Backlog", "SafetyStock"]
    plan[numeric] = plan[numeric].round(2)
    load = pd.DataFrame(load_rows, columns=schema.table("tblCapacityLoad").column_names)
    return {"tblCapacityLoad": without_noise(load, 1e-6), "tblSupplyPlan": without_noise(plan.reset_index(drop=True), 1e-6)}


def _resource_plan(need_h, regular, overtime, strategy, hour_cost, inputs, *, weights, price, cost, hpu) -> dict:
    """capacity_plan in hours for one resource; an unlimited, very costly 'subcontract' stands for hours
    that cannot be made (reported as ShortHours), so a short resource still gets its best plan."""
    total_h = weights.sum()
    share = weights.sum(axis=1) / total_h if total_h > 0 else np.full(len(hpu), 1 / max(len(hpu), 1))
    per_hour_price = float((share * price / np.where(hpu > 0, hpu, np.inf)).sum())
    per_hour_cost = float((share * cost / np.where(hpu > 0, hpu, np.inf)).sum())
    holding = float(setting(inputs, "Holding cost")) * per_hour_cost
    backlog = float(setting(inputs, "Backlog cost")) * per_hour_price
    overtime_cost = hour_cost * float(setting(inputs, "Overtime cost"))
    short = 1000.0 * (1 + hour_cost + overtime_cost + backlog * len(need_h) + holding * len(need_h))
    costs = {"regular": hour_cost, "overtime": overtime_cost, "holding": holding, "backlog": backlog, "subcontract": short}
    plan = capacity_plan(need_h, regular, strategy=strategy, overtime_capacity=overtime, costs=costs, allow_backlog=True).plan
    return {k: plan[k].to_numpy() for k in ("RegularUnits", "OvertimeUnits", "SubcontractUnits")}


def _share_out(hours: np.ndarray, need: np.ndarray, hpu: np.ndarray, window: int = 3) -> np.ndarray:
    """Units per item and month from a resource's production hours: each month's hours go to the
    items' outstanding requirements, nearest months first (this month and the next two, then later),
    in proportion to those requirements; no item gets more than it needs over the horizon."""
    units = np.zeros_like(need)
    produced = np.zeros(need.shape[0])
    cum_need = np.cumsum(need, axis=1)
    months = need.shape[1]
    for m in range(months):
        left = hours[m]
        for end in (min(m + window, months) - 1, months - 1):
            outstanding = np.maximum(0.0, cum_need[:, end] - produced) * hpu
            total = outstanding.sum()
            if left <= 1e-9 or total <= 1e-9:
                continue
            granted = outstanding * min(1.0, left / total)
            made = np.divide(granted, hpu, out=np.zeros_like(granted), where=hpu > 0)
            units[:, m] += made
            produced += made
            left -= granted.sum()
    return units


def _rounded(frame: pd.DataFrame, digits: int) -> pd.DataFrame:
    """Numbers rounded for reading; other columns as they are."""
    numeric = frame.select_dtypes(include="number").columns
    return frame.assign(**{c: frame[c].round(digits) for c in numeric})


# --- 3 Pre-S&OP and 4 S&OP meeting ---------------------------------------------------------------

def _supply(current, inputs) -> pd.DataFrame:
    plan = current["tblSupplyPlan"]
    if plan.empty or "Production" not in plan:
        raise StepOrderError("the supply plan is empty: press Balance Supply (xl-sop run BOOK --step supply) first")
    month = month_start(plan["Month"])
    return pd.DataFrame({"Item": plan["Item"], "Month": month, "Quantity": pd.to_numeric(plan["Production"], errors="coerce"),
                         "OnHand": pd.to_numeric(plan["OnHand"], errors="coerce")}).dropna(subset=["Item", "Month"])


def reconcile_step(inputs: Inputs, current: dict[str, pd.DataFrame], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    """The gap by family and month (units and money), the scenarios side by side, open issues seeded
    from the gaps and overloads (typed issues kept), and the consensus by family against budget."""
    demand = consensus_demand(current, inputs)
    supply = _supply(current, inputs)
    items = inputs["tblItems"].dropna(subset=["Item"]).drop_duplicates("Item")
    inventory = inputs["tblInventory"].dropna(subset=["Item", "Quantity"])
    inventory = inventory if len(inventory) else None
    gap = gap_by(demand, supply[["Item", "Month", "Quantity"]], items, inventory, by=("Family", "Month"))
    gap_table = gap[["Family", "Month", "Demand", "Supply", "Gap", "CumulativeGap", "ShortageRevenue", "ExcessValue"]].pipe(_rounded, 2)
    if progress:
        progress(1, 3)
    capacity = inputs["tblCapacity"].dropna(subset=["Resource", "Month"])
    scenarios = (Scenario("Base"),) + tuple(
        Scenario(name, float(setting(inputs, f"{name} demand factor")), float(setting(inputs, f"{name} capacity factor")))
        for name in ("Upside", "Downside"))
    scen = scenario_comparison(demand, items, capacity, inventory, scenarios)
    if progress:
        progress(2, 3)
    fin = financial_view(demand, items, inputs["tblBudget"].dropna(subset=["Family", "Month"]))
    fin = fin[fin["Month"].isin(plan_months(inputs))]
    by_family = fin[["Family", "Month", "Units", "Revenue", "BudgetRevenue", "RevenueGap"]].pipe(_rounded, 2)
    issues = _seed_issues(gap, current.get("tblCapacityLoad", pd.DataFrame()), current["tblOpenIssues"])
    if progress:
        progress(3, 3)
    return {"tblGap": gap_table.reset_index(drop=True), "tblScenarios": scen, "tblOpenIssues": issues,
            "tblConsensusByFamily": by_family.reset_index(drop=True)}


def _seed_issues(gap: pd.DataFrame, load: pd.DataFrame, typed: pd.DataFrame) -> pd.DataFrame:
    """Issues for the meeting: one per family with a shortage and per resource short of hours.

    Seeded rows nobody has touched (no owner, no due date, status Open) are replaced on each
    run; every other row is the team's and is kept as it is."""
    seeds = []
    material = gap["Shortage"] >= np.maximum(1.0, 0.02 * gap["Demand"])  # ignore rounding-sized shortages
    for family, rows in gap[material].groupby("Family"):
        worst = rows.loc[rows["Shortage"].idxmax()]
        seeds.append(f"Gap: {family} short from {rows['Month'].min():%b %Y}, worst {worst['Shortage']:,.0f} units in "
                     f"{worst['Month']:%b %Y} (revenue at risk {worst['ShortageRevenue']:,.0f})")
    if not load.empty and "ShortHours" in load:
        short = load[pd.to_numeric(load["ShortHours"], errors="coerce") > 0.5]
        for resource, rows in short.groupby("Resource"):
            first = pd.to_datetime(rows["Month"]).min()
            seeds.append(f"Overload: {resource} short {pd.to_numeric(rows['ShortHours']).sum():,.0f} hours beyond overtime "
                         f"from {first:%b %Y}")
    columns = schema.table("tblOpenIssues").column_names
    typed = typed.reindex(columns=list(dict.fromkeys([*columns, *typed.columns]))) if not typed.empty else pd.DataFrame(columns=columns)

    def untouched(row) -> bool:
        text = str(row["Issue"] or "")
        status = str(row["Status"] or "").strip().lower()
        return text.startswith(SEEDED) and pd.isna(row["Owner"]) and pd.isna(row["Due"]) and status in ("", "open", "nan", "none")

    kept = typed[[not untouched(r) for _, r in typed.iterrows()]] if len(typed) else typed
    topics = {_topic(t) for t in kept["Issue"].dropna()}
    new = pd.DataFrame([{"Issue": s, "Status": "Open"} for s in seeds if _topic(s) not in topics], columns=columns)
    return merge_rows(kept.reset_index(drop=True), new)


def _topic(issue) -> str:
    """'Gap: Snacks' of a seeded issue: a team's edited row on the same topic stops a new seed."""
    return str(issue).split(" short ")[0].strip()


# --- 5 Executive --------------------------------------------------------------------------------

def executive_step(inputs: Inputs, current: dict[str, pd.DataFrame], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    """Revenue and margin of the consensus, and projected inventory value, against budget month by month."""
    demand = consensus_demand(current, inputs)
    supply = _supply(current, inputs)
    items = inputs["tblItems"].dropna(subset=["Item"]).drop_duplicates("Item")
    fin = financial_view(demand, items, inputs["tblBudget"].dropna(subset=["Family", "Month"]))
    months = plan_months(inputs)
    by_month = fin[fin["Month"].isin(months)].groupby("Month", as_index=False)[["Revenue", "BudgetRevenue", "Margin"]].sum()
    cost = items.set_index("Item")["UnitCost"]
    value = supply.assign(Value=supply["OnHand"] * supply["Item"].map(cost).fillna(0.0)).groupby("Month")["Value"].sum()
    by_month["MarginPct"] = by_month["Margin"] / by_month["Revenue"].where(by_month["Revenue"] != 0)
    by_month["InventoryValue"] = by_month["Month"].map(value)
    return {"tblExecutive": by_month[schema.table("tblExecutive").column_names].pipe(_rounded, 4)}


# --- 6 Follow-up --------------------------------------------------------------------------------

def kpi_step(inputs: Inputs, current: dict[str, pd.DataFrame], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    """The eight S&OP metrics for the last KPI_MONTHS months, all families then by family, and the
    accuracy of archived plans by lag."""
    start = cycle_month(inputs)
    months = pd.date_range(end=start - pd.DateOffset(months=1), periods=schema.KPI_MONTHS, freq="MS")
    items = inputs["tblItems"].dropna(subset=["Item"]).drop_duplicates("Item")
    history = inputs["tblHistory"].dropna(subset=["Item", "Month", "Quantity"])
    history = history[history["Month"] < start]
    grid = pd.DataFrame([(m, f) for f in [schema.ALL_FAMILIES, *sorted(items["Family"].dropna().unique())] for m in months],
                        columns=["Month", "Family"])
    parts = []
    archive = _archive(current)
    lag0 = archive[archive["Month"] == archive["PlanMonth"]].rename(columns={"Consensus": "Forecast"})
    if len(lag0) and len(history):
        for by in (("Month",), ("Family", "Month")):
            acc = accuracy_by(history, lag0[["Item", "Month", "Forecast"]], items, by=by)
            parts.append(acc.rename(columns={"Accuracy": "ForecastAccuracy"}).reindex(
                columns=["Family", "Month", "ForecastAccuracy", "RevenueAccuracy", "Bias"]))
    orders = inputs["tblOrders"].dropna(subset=["Item", "PromisedDate"])
    if len(orders):
        for by in (("Month",), ("Family", "Month")):
            f = fulfilment_by(orders, items, by=by, as_of=start)
            parts.append(f.rename(columns={"FillRate": "ServiceLevel", "OnTime": "OnTimeDelivery"}).reindex(
                columns=["Family", "Month", "ServiceLevel", "OnTimeDelivery", "BackorderRate"]))
    production = inputs["tblProduction"].dropna(subset=["Item", "Month"])
    if len(production):
        for by in (("Month",), ("Family", "Month")):
            a = attainment_by(production, items, by=by)
            parts.append(a.rename(columns={"Attainment": "ScheduleAttainment"}).reindex(columns=["Family", "Month", "ScheduleAttainment"]))
    inventory = inputs["tblInventory"].dropna(subset=["Item", "Quantity"])
    if len(inventory) and len(history):
        for grouped in (items, items.assign(Family=schema.ALL_FAMILIES)):
            turns = inventory_turns_by(history, inventory, grouped, by=("Family",))
            aging = aging_by(inventory, grouped, as_of=start - pd.Timedelta(days=1), by=("Family",))
            old = aging_labels(DEFAULT_AGING_EDGES)[DEFAULT_AGING_EDGES.index(AGED_DAYS) + 1:]
            aged = aging[old].sum(axis=1) / aging["Total"].where(aging["Total"] > 0)
            stock = pd.DataFrame({"Family": aging["Family"], "AgedStockShare": aged}).merge(
                turns[["Family", "Turns"]].rename(columns={"Turns": "InventoryTurns"}), on="Family", how="outer")
            parts.append(stock.assign(Month=months[-1]))
    kpis = grid.copy()
    for part in parts:
        part = part.copy()
        family = part["Family"].astype(object) if "Family" in part else pd.Series(None, index=part.index, dtype=object)
        part["Family"] = family.where(family.notna(), schema.ALL_FAMILIES)
        value_cols = [c for c in part.columns if c not in ("Family", "Month")]
        kpis = kpis.merge(part, on=["Month", "Family"], how="left", suffixes=("", "_new"))
        for c in value_cols:
            if c + "_new" in kpis:
                kpis[c] = kpis[c].fillna(kpis.pop(c + "_new"))
    kpis = kpis.reindex(columns=schema.table("tblKPIs").column_names)
    kpis["order"] = (kpis["Family"] != schema.ALL_FAMILIES).astype(int)
    kpis = kpis.sort_values(["order", "Family", "Month"]).drop(columns="order").reset_index(drop=True)
    if len(archive) and len(history):
        lags = accuracy_by_lag(archive.rename(columns={"Consensus": "Forecast"})[["PlanMonth", "Item", "Month", "Forecast"]], history,
                               max_lag=int(setting(inputs, "Horizon")) - 1)
        lags = lags[lags["Month"].isna() | lags["Month"].isin(months)]
    else:
        lags = pd.DataFrame(columns=schema.table("tblAccuracyByLag").column_names)
    return {"tblKPIs": kpis, "tblAccuracyByLag": lags.reset_index(drop=True)}


# --- Freeze Plan -----------------------------------------------------------------------------

APPROVED = {"yes", "y", "x", "true", "1", "approved", "ok"}


def freeze_step(inputs: Inputs, current: dict[str, pd.DataFrame], progress: Progress | None = None,
                frozen_on: pd.Timestamp | None = None) -> dict[str, pd.DataFrame]:
    """The consensus of the plan months stored as this cycle's plan version (PlanMonth = cycle month);
    an earlier freeze of the same cycle is replaced, other cycles are kept."""
    plan = current["tblDemandPlan"]
    if plan.empty or "Statistical" not in plan:
        raise StepOrderError("the demand plan is empty: press Run Forecast first, then freeze the approved plan")
    start = cycle_month(inputs)
    month = month_start(plan["Month"])
    keep = month.isin(plan_months(inputs)) & plan["Item"].notna()
    frozen = pd.DataFrame({
        "PlanMonth": start, "Item": plan["Item"], "Family": plan.get("Family"), "Month": month,
        "Statistical": pd.to_numeric(plan["Statistical"], errors="coerce"),
        "SalesAdj": pd.to_numeric(plan.get("SalesAdj"), errors="coerce"),
        "MarketingAdj": pd.to_numeric(plan.get("MarketingAdj"), errors="coerce"),
        "Consensus": consensus(plan), "FrozenOn": (frozen_on or pd.Timestamp.today()).normalize(),
    })[keep]
    archive = _archive(current)
    archive = archive[archive["PlanMonth"] != start]
    out = pd.concat([archive, frozen], ignore_index=True) if len(archive) else frozen.reset_index(drop=True)
    return {"tblPlanArchive": out.sort_values(["PlanMonth", "Item", "Month"], ignore_index=True)}


def approved_by(current: dict[str, pd.DataFrame]) -> list[str]:
    approval = current.get("tblApproval", pd.DataFrame())
    if approval.empty or "Approved" not in approval:
        return []
    ok = approval["Approved"].map(lambda v: str(v).strip().lower() in APPROVED if v is not None else False)
    return [str(r) for r in approval.loc[ok, "Role"]]


STEP_FUNCTIONS = {"demand": demand_step, "supply": supply_step, "reconcile": reconcile_step, "freeze": freeze_step,
                  "executive": executive_step, "kpis": kpi_step}

# The data tables each step needs clean (a problem in another table does not stop it).
STEP_INPUTS = {
    "demand": ("tblItems", "tblHistory"),
    "supply": ("tblItems", "tblHistory", "tblInventory", "tblCapacity"),
    "reconcile": ("tblItems", "tblInventory", "tblCapacity", "tblBudget"),
    "freeze": (),
    "executive": ("tblItems", "tblBudget"),
    "kpis": ("tblItems", "tblHistory", "tblInventory", "tblOrders", "tblProduction"),
}
# Output tables a step reads (earlier steps' results, typed inputs).
STEP_READS = {
    "demand": ("tblDemandPlan", "tblPlanArchive"),
    "supply": ("tblDemandPlan",),
    "reconcile": ("tblDemandPlan", "tblSupplyPlan", "tblCapacityLoad", "tblOpenIssues"),
    "freeze": ("tblDemandPlan", "tblPlanArchive", "tblApproval"),
    "executive": ("tblDemandPlan", "tblSupplyPlan"),
    "kpis": ("tblPlanArchive",),
}
