"""Steps 5 Executive, 6 Follow-up and Freeze Plan: the plan against budget, the S&OP metrics of the last
months, and the approved consensus kept as this cycle's plan version."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xl_sop.cycle.inputs import Inputs, cycle_month, history_before_cycle, plan_months
from xl_sop.cycle.plan import Progress, Tables, consensus, consensus_demand, plan_archive, rounded
from xl_sop.cycle.supply_plan import plan_money
from xl_sop.errors import StepOrderError
from xl_sop.frames import as_numbers, month_start
from xl_sop.metrics.inventory import DEFAULT_AGING_EDGES, aging_labels
from xl_sop.metrics.tables import (
    accuracy_by,
    accuracy_by_lag,
    aging_by,
    attainment_by,
    fulfilment_by,
    inventory_turns_by,
)
from xl_sop.reconcile import financial_view
from xl_sop.workbook import schema
from xl_sop.workbook.schema import TableName as T

AGED_DAYS = 90
"""Stock older than this counts as aged (an edge of DEFAULT_AGING_EDGES)."""
APPROVED = {"yes", "y", "x", "true", "1", "approved", "ok"}


def executive_step(inputs: Inputs, current: Tables, progress: Progress | None = None,
                 now: pd.Timestamp | None = None) -> Tables:
    """The supply plan (tblSupplyPlan) in money against budget, month by month (plan_money, as the Base scenario):
    Revenue and Margin of what the plan ships, MarginPct = Margin / Revenue, InventoryValue (projected stock at
    unit cost), DemandUnits (the consensus), ShippedUnits and FillRate = ShippedUnits / DemandUnits."""
    consensus_demand(current, inputs)  # Run Forecast first
    supply = current[T.SUPPLY_PLAN]
    if supply.empty or "OnHand" not in supply:
        raise StepOrderError("the supply plan is empty: press Balance Supply (xl-sop run BOOK --step supply) first")
    items = inputs[T.ITEMS].dropna(subset=["Item"]).drop_duplicates("Item")
    months = plan_months(inputs)
    plan = supply.dropna(subset=["Item", "Month"]).assign(Month=lambda f: month_start(f["Month"]))
    money = plan_money(plan[plan["Month"].isin(months)], items)
    money["Margin"] = money["Revenue"] - money["COGS"]
    by_month = money.groupby("Month", as_index=False).agg(
        Revenue=("Revenue", "sum"), Margin=("Margin", "sum"), InventoryValue=("InventoryValue", "sum"),
        DemandUnits=("Demand", "sum"), ShippedUnits=("Shipped", "sum"))
    budget = financial_view(plan.rename(columns={"Demand": "Quantity"})[["Item", "Month", "Quantity"]], items,
                            inputs[T.BUDGET].dropna(subset=["Family", "Month"]))
    by_month["BudgetRevenue"] = by_month["Month"].map(budget.groupby("Month")["BudgetRevenue"].sum()).fillna(0.0)
    by_month["MarginPct"] = by_month["Margin"] / by_month["Revenue"].where(by_month["Revenue"] != 0)
    by_month["FillRate"] = by_month["ShippedUnits"] / by_month["DemandUnits"].where(by_month["DemandUnits"] > 0)
    return {T.EXECUTIVE: by_month[schema.table(T.EXECUTIVE).column_names].pipe(rounded, 4),
            T.TOP_GAPS: top_gaps(money, items), T.DECISIONS_NEEDED: decisions_needed(current.get(T.OPEN_ISSUES))}


CLOSED = {"closed", "done", "decided", "resolved", "cancelled"}


def top_gaps(money: pd.DataFrame, items: pd.DataFrame, count: int = schema.TOP_GAPS) -> pd.DataFrame:
    """The largest shortages of the plan by family and month: ShortUnits = Demand - Shipped of the family's items
    (plan_money: the demand the month does not ship), ShortRevenue = their (Demand - Shipped) x UnitPrice; the
    ``count`` largest in money, only months short by at least one unit."""
    price = pd.to_numeric(money["Item"].map(items.set_index("Item")["UnitPrice"]), errors="coerce").fillna(0.0)
    short = (money["Demand"] - money["Shipped"]).clip(lower=0)
    frame = pd.DataFrame({"Family": money["Item"].map(items.set_index("Item")["Family"]), "Month": money["Month"],
                          "ShortUnits": short, "ShortRevenue": short * price})
    by = frame.groupby(["Family", "Month"], as_index=False)[["ShortUnits", "ShortRevenue"]].sum()
    by = by[by["ShortUnits"] >= 1].sort_values(["ShortRevenue", "Family", "Month"], ascending=[False, True, True])
    return by.head(count).round({"ShortUnits": 0, "ShortRevenue": 0}).reset_index(drop=True)


def decisions_needed(issues: pd.DataFrame | None, count: int = schema.DECISIONS_SHOWN) -> pd.DataFrame:
    """The first ``count`` open issues (Status blank or not one of CLOSED), as 4 S&OP Meeting lists them."""
    columns = schema.table(T.DECISIONS_NEEDED).column_names
    if issues is None or issues.empty or "Issue" not in issues:
        return pd.DataFrame(columns=columns)
    status = issues.get("Status", pd.Series("", index=issues.index)).fillna("").astype(str).str.strip().str.lower()
    open_ = issues[issues["Issue"].notna() & (issues["Issue"].astype(str).str.strip() != "") & ~status.isin(CLOSED)]
    return open_.reindex(columns=columns).head(count).reset_index(drop=True)


def kpi_step(inputs: Inputs, current: Tables, progress: Progress | None = None,
                 now: pd.Timestamp | None = None) -> Tables:
    """The eight S&OP metrics for the last KPI_MONTHS months, all families then by family, and the
    accuracy of archived plans by lag."""
    start = cycle_month(inputs)
    months = pd.date_range(end=start - pd.DateOffset(months=1), periods=schema.KPI_MONTHS, freq="MS")
    items = inputs[T.ITEMS].dropna(subset=["Item"]).drop_duplicates("Item")
    history = history_before_cycle(inputs)
    grid = pd.DataFrame([(m, f) for f in [schema.ALL_FAMILIES, *sorted(items["Family"].dropna().unique())] for m in months],
                        columns=["Month", "Family"])
    parts = []
    archive = plan_archive(current)
    lag0 = archive[archive["Month"] == archive["PlanMonth"]].rename(columns={"Consensus": "Forecast"})
    if len(lag0) and len(history):
        for by in (("Month",), ("Family", "Month")):
            acc = accuracy_by(history, lag0[["Item", "Month", "Forecast"]], items, by=by)
            parts.append(acc.rename(columns={"Accuracy": "ForecastAccuracy"}).reindex(
                columns=["Family", "Month", "ForecastAccuracy", "RevenueAccuracy", "Bias"]))
    orders = inputs[T.ORDERS].dropna(subset=["Item", "PromisedDate"])
    if len(orders):
        for by in (("Month",), ("Family", "Month")):
            f = fulfilment_by(orders, items, by=by, as_of=start)
            parts.append(f.rename(columns={"FillRate": "ServiceLevel", "OnTime": "OnTimeDelivery"}).reindex(
                columns=["Family", "Month", "ServiceLevel", "OnTimeDelivery", "BackorderRate"]))
    production = inputs[T.PRODUCTION].dropna(subset=["Item", "Month"])
    if len(production):
        for by in (("Month",), ("Family", "Month")):
            a = attainment_by(production, items, by=by)
            parts.append(a.rename(columns={"Attainment": "ScheduleAttainment"})
                         .reindex(columns=["Family", "Month", "ScheduleAttainment"]))
    inventory = inputs[T.INVENTORY].dropna(subset=["Item", "Quantity"])
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
    kpis = kpis.reindex(columns=schema.table(T.KPIS).column_names)
    kpis["order"] = (kpis["Family"] != schema.ALL_FAMILIES).astype(int)
    kpis = kpis.sort_values(["order", "Family", "Month"]).drop(columns="order").reset_index(drop=True)
    if len(archive) and len(history):
        archived = archive.rename(columns={"Consensus": "Forecast"})[["PlanMonth", "Item", "Month", "Forecast"]]
        lags = accuracy_by_lag(archived, history, max_lag=inputs.settings.horizon - 1)
        lags = lags[lags["Month"].isna() | lags["Month"].isin(months)].rename(columns={"Forecast": "Consensus"})
    else:
        lags = pd.DataFrame(columns=schema.table(T.ACCURACY_BY_LAG).column_names)
    lags = lags.reset_index(drop=True)
    overall = lags[lags["Month"].isna()] if len(lags) else lags
    by_lag = pd.DataFrame({"Lag": overall.get("Lag", pd.Series(dtype=float)),
                           "Accuracy": overall.get("Accuracy", pd.Series(dtype=float))})
    if len(lags):
        by_lag["Months"] = by_lag["Lag"].map(lags[lags["Month"].notna()].groupby("Lag")["Month"].nunique()).fillna(0)
    headline = kpis[kpis["Family"] == schema.ALL_FAMILIES][["Month", "ForecastAccuracy", "ServiceLevel", "OnTimeDelivery"]]
    return {T.KPIS: kpis, T.ACCURACY_BY_LAG: lags, T.LAG_ACCURACY: by_lag.reset_index(drop=True),
            T.KPI_TREND: headline.reset_index(drop=True), T.KPI_SUMMARY: kpi_summary(kpis, inputs[T.TARGETS])}


SUMMARY_MONTHS = 3
"""Months the KPI summary averages (beside the latest month)."""


def kpi_summary(kpis: pd.DataFrame, targets: pd.DataFrame, months: int = SUMMARY_MONTHS) -> pd.DataFrame:
    """tblKPIs in short, as 6 Follow-up prints it: the targets (tblTargets), then per family in tblKPIs' order (All
    first) its latest month's figures and the plain average of its last ``months`` monthly figures (a metric with
    no figure in a month is averaged over the months it has). Turns and aged stock are measured once, on the current
    stock: the same figure on both rows."""
    columns = schema.table(T.KPI_SUMMARY).column_names
    metrics = [c for c in columns if c not in ("Family", "Period")]
    target = pd.to_numeric(targets.set_index(targets["Metric"].astype(str))["Target"], errors="coerce") if len(
        targets) else pd.Series(dtype=float)
    rows = [{"Family": schema.TARGET_ROW, **{m: target.get(m) for m in metrics}}]
    if kpis.empty:
        return pd.DataFrame(rows, columns=columns)
    kpis = kpis.assign(Month=month_start(kpis["Month"]))
    last = kpis["Month"].max()
    window = pd.date_range(end=last, periods=months, freq="MS")
    latest, recent = f"{last:%b %Y}", f"{window[0]:%b}-{last:%b %Y}"
    for family, part in kpis.groupby("Family", sort=False):
        values = part.reindex(columns=metrics).apply(pd.to_numeric, errors="coerce")
        rows.append({"Family": family, "Period": latest, **values[part["Month"] == last].mean().to_dict()})
        rows.append({"Family": family, "Period": recent, **values[part["Month"].isin(window)].mean().to_dict()})
    return pd.DataFrame(rows, columns=columns).pipe(rounded, 4)


def freeze_step(inputs: Inputs, current: Tables, progress: Progress | None = None,
                now: pd.Timestamp | None = None) -> Tables:
    """The consensus of the plan months stored as this cycle's plan version (PlanMonth = cycle month);
    an earlier freeze of the same cycle is replaced, other cycles are kept."""
    plan = current[T.DEMAND_PLAN]
    if plan.empty or "Statistical" not in plan:
        raise StepOrderError("the demand plan is empty: press Run Forecast first, then freeze the approved plan")
    start = cycle_month(inputs)
    month = month_start(plan["Month"])
    keep = month.isin(plan_months(inputs)) & plan["Item"].notna()
    frozen = pd.DataFrame({
        "PlanMonth": start, "Item": plan["Item"], "Family": plan.get("Family"), "Month": month,
        "Statistical": as_numbers(plan["Statistical"]),
        "Events": as_numbers(plan["Events"]) if "Events" in plan else np.nan,
        "SalesAdj": as_numbers(plan["SalesAdj"]),
        "MarketingAdj": as_numbers(plan["MarketingAdj"]),
        "Consensus": consensus(plan), "FrozenOn": (now or pd.Timestamp.today()).normalize(),
        "ApprovedBy": approved_text(current, missing_approvals(inputs.settings.approvals_required, current)) or None,
    })[keep]
    archive = plan_archive(current)
    archive = archive[archive["PlanMonth"] != start]
    out = pd.concat([archive, frozen], ignore_index=True) if len(archive) else frozen.reset_index(drop=True)
    return {T.PLAN_ARCHIVE: out.sort_values(["PlanMonth", "Item", "Month"], ignore_index=True)}


def approvals(current: Tables) -> pd.DataFrame:
    """The rows of tblApproval that approve: Approved is Yes (or y, x, ok, approved, true, 1) and a Name is given.
    Columns Role, Name, Date."""
    approval = current.get(T.APPROVAL, pd.DataFrame())
    if approval.empty or not {"Role", "Name", "Approved"} <= set(approval.columns):
        return pd.DataFrame(columns=["Role", "Name", "Date"])

    def text(v: object) -> str:
        return "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v).strip()
    ok = approval["Approved"].map(lambda v: text(v).lower() in APPROVED) & approval["Name"].map(lambda v: text(v) != "")
    rows = approval.loc[ok & approval["Role"].map(lambda v: text(v) != "")]
    return pd.DataFrame({"Role": rows["Role"].map(text), "Name": rows["Name"].map(text),
                         "Date": pd.to_datetime(rows.get("Date"), errors="coerce")}).reset_index(drop=True)


def approved_by(current: Tables) -> list[str]:
    """The roles that approved (approvals)."""
    return list(approvals(current)["Role"])


def missing_approvals(required: tuple[str, ...], current: Tables) -> list[str]:
    """The required roles (Settings "Approvals required") without an approval in tblApproval (case ignored)."""
    have = {r.lower() for r in approved_by(current)}
    return [role for role in required if role.lower() not in have]


def approved_text(current: Tables, missing: list[str] | None = None) -> str:
    """Who approved, as the plan archive keeps it: "CFO A. Finance 2026-11-24; COO B. Ops"; a forced freeze adds
    "forced without CEO"."""
    parts = [f"{r.Role} {r.Name}" + (f" {r.Date:%Y-%m-%d}" if pd.notna(r.Date) else "")
             for r in approvals(current).itertuples()]
    if missing:
        parts.append(f"forced without {', '.join(missing)}")
    return "; ".join(parts)
