"""Step 1 Demand (Run Forecast): the statistical forecast per item and month, typed adjustments kept,
and the accuracy and forecast value added of past cycles from the plan archive."""

from __future__ import annotations

import pandas as pd

from xl_sop.cycle.inputs import Inputs, cycle_month, history_before_cycle
from xl_sop.cycle.keep import carry_inputs
from xl_sop.cycle.plan import Progress, Tables, consensus, plan_archive
from xl_sop.errors import InputError
from xl_sop.forecast import forecast_many
from xl_sop.forecast.hierarchical import BOTTOM_UP, forecast_families
from xl_sop.metrics import forecast_value_added_by_stage
from xl_sop.metrics.tables import accuracy_by
from xl_sop.workbook import schema
from xl_sop.workbook.schema import TableName as T

NOT_IN_FORECAST = "kept for your inputs: not in this forecast"


def demand_step(inputs: Inputs, current: Tables, progress: Progress | None = None,
                 now: pd.Timestamp | None = None) -> Tables:
    """Statistical forecast per item and month (with method and 80% interval); overrides and comments kept by
    Item and Month; accuracy and forecast value added of past cycles from the plan archive."""
    start = cycle_month(inputs)
    horizon = inputs.settings.horizon
    season = inputs.settings.season_length
    items = inputs[T.ITEMS].dropna(subset=["Item"])
    history = history_before_cycle(inputs)
    if history.empty:
        raise InputError(f"table History has no months before the cycle month {start:%b %Y}: check Settings / Cycle month")
    last = history["Month"].max()
    gap = (start.year - last.year) * 12 + start.month - last.month - 1
    if inputs.settings.family_forecast == BOTTOM_UP:
        fc = forecast_many(history, horizon + gap, season_length=season, level=(80,), progress=progress,
                          families=items, engine=inputs.settings.scheduler_address)
    else:  # Settings / Family forecast: the family forecast reconciled down to its items
        fc = forecast_families(history, items.drop_duplicates("Item").set_index("Item")["Family"], horizon + gap,
                               inputs.settings.family_forecast, season_length=season, level=(80,), progress=progress)
    fc = fc[fc["Month"] >= start]
    family = items.drop_duplicates("Item").set_index("Item")["Family"]
    plan = pd.DataFrame({
        "Item": fc["Item"], "Family": fc["Item"].map(family), "Month": fc["Month"],
        "Statistical": fc["Forecast"].round(2), "Lower80": fc["Lower80"].clip(lower=0).round(2),
        "Upper80": fc["Upper80"].round(2), "Method": fc["Method"],
    }).reset_index(drop=True)
    spec = schema.table(T.DEMAND_PLAN)
    plan = carry_inputs(current[T.DEMAND_PLAN], plan, spec, orphan_note=("Method", NOT_IN_FORECAST))
    plan["Consensus"] = consensus(plan)
    plan = plan[spec.column_names + [c for c in plan.columns if c not in spec.column_names]]
    accuracy, fva = _accuracy_tables(inputs, current)
    return {T.DEMAND_PLAN: plan, T.ACCURACY: accuracy, T.FVA: fva}


def _lag0(inputs: Inputs, current: Tables) -> pd.DataFrame:
    """Archived plan rows for each month as frozen in that month's own cycle, joined to actuals."""
    archive = plan_archive(current)
    archive = archive[archive["Month"] == archive["PlanMonth"]]
    history = history_before_cycle(inputs)
    if archive.empty or history.empty:
        return pd.DataFrame()
    actual = history.groupby(["Item", "Month"], as_index=False)["Quantity"].sum()
    archive = archive[archive["Month"] <= actual["Month"].max()]
    return archive.merge(actual, on=["Item", "Month"], how="left").fillna({"Quantity": 0.0})


def _accuracy_tables(inputs: Inputs, current: Tables) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lag-0 accuracy by family and month, and the forecast value added of each stage of the process."""
    pairs = _lag0(inputs, current)
    if pairs.empty:
        return pd.DataFrame(), pd.DataFrame()
    forecasts = pairs.rename(columns={"Consensus": "Forecast"})[["Item", "Month", "Forecast"]]
    history = history_before_cycle(inputs)
    accuracy = accuracy_by(history, forecasts, inputs[T.ITEMS], by=("Family", "Month"))
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
    history = history_before_cycle(inputs).groupby(["Item", "Month"])["Quantity"].sum()
    prior = pd.MultiIndex.from_arrays([pairs["Item"], pairs["Month"] - pd.DateOffset(months=1)])
    return pd.Series(history.reindex(prior).fillna(0.0).to_numpy(), index=pairs.index)
