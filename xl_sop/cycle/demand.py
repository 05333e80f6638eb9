"""Step 1 Demand (Run Forecast): the statistical forecast per item and month, typed adjustments kept,
and the accuracy and forecast value added of past cycles from the plan archive."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xl_sop.cycle.inputs import Inputs, setting
from xl_sop.cycle.keep import carry_inputs
from xl_sop.cycle.plan import Progress, Tables, consensus, cycle_month, plan_archive
from xl_sop.errors import InputError
from xl_sop.forecast import forecast_many
from xl_sop.metrics.tables import accuracy_by
from xl_sop.workbook import schema

NOT_IN_FORECAST = "kept for your inputs: not in this forecast"


def demand_step(inputs: Inputs, current: Tables, progress: Progress | None = None,
                 now: pd.Timestamp | None = None) -> Tables:
    """Statistical forecast per item and month (with method and 80% interval); overrides and comments kept by
    Item and Month; accuracy and forecast value added of past cycles from the plan archive."""
    start = cycle_month(inputs)
    horizon = int(setting(inputs, "Horizon"))
    season = int(setting(inputs, "Season length"))
    items = inputs["tblItems"].dropna(subset=["Item"])
    history = inputs["tblHistory"].dropna(subset=["Item", "Month", "Quantity"])
    history = history[history["Month"] < start]
    if history.empty:
        raise InputError(f"table History has no months before the cycle month {start:%b %Y}: check Settings / Cycle month")
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
    archive = plan_archive(current)
    archive = archive[archive["Month"] == archive["PlanMonth"]]
    history = inputs["tblHistory"].dropna(subset=["Item", "Month", "Quantity"])
    history = history[history["Month"] < cycle_month(inputs)]
    if archive.empty or history.empty:
        return pd.DataFrame()
    actual = history.groupby(["Item", "Month"], as_index=False)["Quantity"].sum()
    archive = archive[archive["Month"] <= actual["Month"].max()]
    return archive.merge(actual, on=["Item", "Month"], how="left").fillna({"Quantity": 0.0})


def _accuracy_tables(inputs: Inputs, current) -> tuple[pd.DataFrame, pd.DataFrame]:
    pairs = _lag0(inputs, current)
    if pairs.empty:
        return pd.DataFrame(), pd.DataFrame()
    forecasts = pairs.rename(columns={"Consensus": "Forecast"})[["Item", "Month", "Forecast"]]
    history = inputs["tblHistory"].dropna(subset=["Item", "Month", "Quantity"])
    accuracy = accuracy_by(history[history["Month"] < cycle_month(inputs)], forecasts, inputs["tblItems"], by=("Family", "Month"))
    accuracy = accuracy.sort_values(["Month", "Family"], ascending=[False, True]).head(48)
    actual = pairs["Quantity"].to_numpy()
    total = np.abs(actual).sum()
    stat = pairs["Statistical"].fillna(0).to_numpy()
    sales = np.maximum(0, stat + pairs["SalesAdj"].fillna(0).to_numpy())
    cons = np.maximum(0, stat + pairs["SalesAdj"].fillna(0).to_numpy() + pairs["MarketingAdj"].fillna(0).to_numpy())
    naive = _naive(pairs, inputs)
    rows, previous = [], None
    for stage, f in (("Naive (last month's actual)", naive), ("Statistical", stat), ("+ Sales adjustments", sales),
                     ("+ Marketing = consensus", cons)):
        wmape = np.abs(actual - f).sum() / total if total else np.nan
        acc = max(0.0, 1 - wmape) if total else np.nan
        rows.append({"Stage": stage, "Accuracy": acc, "WMAPE": wmape,
                     "ValueAdded": None if previous is None else acc - previous, "Months": pairs["Month"].nunique()})
        previous = acc
    return accuracy, pd.DataFrame(rows)


def _naive(pairs: pd.DataFrame, inputs: Inputs) -> np.ndarray:
    history = inputs["tblHistory"].dropna(subset=["Item", "Month", "Quantity"]).groupby(["Item", "Month"])["Quantity"].sum()
    prior = pairs["Month"] - pd.DateOffset(months=1)
    return np.array([history.get((i, m), 0.0) for i, m in zip(pairs["Item"], prior)], dtype=float)
