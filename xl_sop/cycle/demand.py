"""Step 1 Demand (Run Forecast): the statistical forecast per item and month, the planning grid with what people
typed kept and family figures spread (demand_view.py), and the accuracy and forecast value added of past cycles
from the plan archive."""

from __future__ import annotations

import pandas as pd

from xl_sop.cycle.demand_view import (
    HISTORY_MONTHS,
    PlanBasis,
    chart_rows,
    contributors_from,
    family_of,
    following_items,
    plan,
    typed_in,
    typed_over_computed,
)
from xl_sop.cycle.inputs import Inputs, cycle_month, history_before_cycle, plan_months
from xl_sop.cycle.keep import carry_inputs
from xl_sop.cycle.plan import Progress, Tables, consensus, plan_archive
from xl_sop.cycle.regions import (
    conformed,
    keyed_history,
    region_basis,
    regions_of,
    rolled_up,
    statistical_of,
    until_ended,
    with_series_events,
)
from xl_sop.cycle.versions import latest_before
from xl_sop.errors import InputError, ValidationError
from xl_sop.forecast import forecast_many
from xl_sop.forecast.events import apply_events, by_region, cleanse, ended, future_uplift, per_series
from xl_sop.forecast.hierarchical import BOTTOM_UP, forecast_families
from xl_sop.metrics import forecast_value_added_by_stage
from xl_sop.metrics.tables import accuracy_by
from xl_sop.workbook import schema
from xl_sop.workbook.schema import TableName as T

NOT_IN_FORECAST = "kept for your note: not in this forecast"
"""The Method of a tblDemandPlan row kept only for what a planner typed in a column they added to it."""


def demand_step(inputs: Inputs, current: Tables, progress: Progress | None = None,
                 now: pd.Timestamp | None = None) -> Tables:
    """Statistical forecast per item and month (with method and 80% interval); the planning grid of 1 Demand
    with what people typed there kept, family figures spread to items and the consensus per item; accuracy and
    forecast value added of past cycles from the plan archive."""
    contributors, problems = contributors_from(current.get(T.CONTRIBUTORS))
    grid = current.get(T.DEMAND_VIEW, pd.DataFrame())
    typed, typed_problems = typed_in(grid, contributors)
    typed_problems += typed_over_computed(grid, current.get(T.DEMAND_PLAN, pd.DataFrame()))
    if problems or typed_problems:
        raise ValidationError(problems + typed_problems, "Run Forecast")
    start = cycle_month(inputs)
    horizon = inputs.settings.horizon
    items = inputs[T.ITEMS].dropna(subset=["Item"])
    history = history_before_cycle(inputs)
    if history.empty:
        raise InputError(f"table History has no months before the cycle month {start:%b %Y}: check Settings / Cycle month")
    last = history["Month"].max()
    gap = (start.year - last.year) * 12 + start.month - last.month - 1
    # Events: the baseline is fitted on the history without past promotions and one-offs (xl_sop.forecast.events);
    # the events of one region are taken out of, and added to, that region's series only
    events = inputs.tables.get(T.EVENTS, pd.DataFrame())
    everywhere, one_region = by_region(events)
    item_family = items.drop_duplicates("Item").set_index("Item")["Family"]
    fitted_on, effects = cleanse(history, everywhere, item_family, start)
    keyed = keyed_history(history)  # None unless History has a Region or Segment filled (xl_sop.cycle.regions)
    if keyed is None:
        fc = _forecast(fitted_on, items, horizon + gap, inputs, progress)
    else:  # per item, region and segment; the item is the sum of its series
        series_history, item_of = keyed
        series_family, region_of = item_of.map(item_family), regions_of(series_history)
        series_fitted, _ = cleanse(series_history, per_series(events, item_of, region_of, item_family), series_family,
                                   start)
        regions_own = per_series(one_region, item_of, region_of, item_family)
        if len(regions_own):
            _, of_regions = cleanse(series_history, regions_own, series_family, start)
            effects = pd.concat([effects, of_regions], ignore_index=True) if len(effects) else of_regions
        series_fc = _forecast(series_fitted, series_family, horizon + gap, inputs, progress)
        fc = rolled_up(series_fc, item_of, ["Lower80", "Upper80"])
    fc = fc[fc["Month"] >= start]
    statistical = pd.DataFrame({
        "Item": fc["Item"], "Month": fc["Month"], "Statistical": fc["Forecast"].round(2),
        "Lower80": fc["Lower80"].clip(lower=0).round(2), "Upper80": fc["Upper80"].round(2), "Method": fc["Method"],
    }).reset_index(drop=True)
    statistical, event_units = apply_events(statistical, fitted_on, everywhere, item_family, plan_months(inputs))
    regional = None
    if keyed is not None:
        series_statistical = conformed(statistical_of(series_fc, item_of, start), item_of, statistical)
        series_events = future_uplift(series_statistical, regions_own, series_family, plan_months(inputs))
        series_events = until_ended(series_events, item_of, ended(everywhere))
        event_units = with_series_events(event_units, series_events, item_of)
        regional = region_basis(series_history, item_of, series_statistical, inputs.settings.show_regions,
                                series_events)
    families = family_of(inputs[T.ITEMS], list(dict.fromkeys(statistical["Item"])))
    typed = following_items(typed, families)  # an item Items moved to another family takes its typed rows along
    basis = PlanBasis(
        families=families, statistical=statistical, history=history, last_cycle=_last_cycle(current, start),
        budget=inputs[T.BUDGET].dropna(subset=["Family", "Month", "Units"]) if T.BUDGET in inputs.tables else
        pd.DataFrame(columns=["Family", "Month", "Units"]),
        history_months=pd.date_range(start - pd.DateOffset(months=HISTORY_MONTHS), periods=HISTORY_MONTHS, freq="MS"),
        plan_months=plan_months(inputs), spread_by=inputs.settings.spread_by, regions=regional, events=event_units)
    planned = plan(basis, typed, contributors)
    spec = schema.table(T.DEMAND_PLAN)
    detail = statistical.merge(planned.long[["Item", "Month", "Family", "Events", "SalesAdj", "MarketingAdj",
                                             "Consensus"]], on=["Item", "Month"], how="left")
    detail["Events"] = detail["Events"].where(detail["Events"] != 0)  # blank where no event adds anything
    detail = detail[spec.column_names]
    # A column a planner added to tblDemandPlan (a note beside the figures) is kept row by row by Item and Month, as
    # every rewritten table keeps one (keep.py); a row it holds something in that left the forecast stays, marked.
    detail = carry_inputs(current.get(T.DEMAND_PLAN, pd.DataFrame()), detail, spec,
                          orphan_note=("Method", NOT_IN_FORECAST))
    accuracy, fva = _accuracy_tables(inputs, current)
    history_chart, plan_chart = chart_rows(basis)
    return {T.DEMAND_VIEW: planned.grid, T.DEMAND_PLAN: detail, T.DEMAND_HISTORY_CHART: history_chart,
            T.DEMAND_CHART: plan_chart,
            T.DEMAND_CHOICES: pd.DataFrame({"Show": [*dict.fromkeys(families), *families.index]}),
            T.ACCURACY: accuracy, T.FVA: fva, T.EVENT_EFFECTS: effects}


def _forecast(history: pd.DataFrame, families: pd.DataFrame | pd.Series, h: int, inputs: Inputs,
              progress: Progress | None) -> pd.DataFrame:
    """forecast_many's table of every series of ``history`` (Item, Month, Quantity), its families as Settings /
    Family forecast says: ``families`` is the Items table or a Series series -> family."""
    season = inputs.settings.season_length
    if inputs.settings.family_forecast == BOTTOM_UP:
        return forecast_many(history, h, season_length=season, level=(80,), progress=progress, families=families,
                             engine=inputs.settings.scheduler_address)
    # Settings / Family forecast: the family forecast reconciled down to its items
    family = families if isinstance(families, pd.Series) else families.drop_duplicates("Item").set_index("Item")["Family"]
    return forecast_families(history, family, h, inputs.settings.family_forecast, season_length=season, level=(80,),
                             progress=progress)


def _last_cycle(current: Tables, start: pd.Timestamp) -> pd.DataFrame:
    """Item, Month, Consensus of the latest plan frozen before this cycle (empty when there is none): the version
    4 S&OP Meeting compares this cycle with (versions.latest_before)."""
    archive = plan_archive(current)
    last = latest_before(archive, start)
    if last is None:
        return pd.DataFrame(columns=["Item", "Month", "Consensus"])
    return archive[archive["PlanMonth"] == last][["Item", "Month", "Consensus"]].dropna()


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
        "+ Events": consensus(pairs[["Statistical", "Events"]]),
        "+ Sales adjustments": consensus(pairs[["Statistical", "Events", "SalesAdj"]]),
        "+ Marketing = consensus": consensus(pairs),
    }
    if pairs["Events"].isna().all():  # no event in the plans archived: the stage as before events existed
        del stages["+ Events"]
    fva = forecast_value_added_by_stage(pairs["Quantity"], stages).assign(Months=pairs["Month"].nunique())
    return accuracy, fva


def _naive(pairs: pd.DataFrame, inputs: Inputs) -> pd.Series:
    """The naive forecast of each pair: the item's actual of the month before (0 without a history row)."""
    history = history_before_cycle(inputs).groupby(["Item", "Month"])["Quantity"].sum()
    prior = pd.MultiIndex.from_arrays([pairs["Item"], pairs["Month"] - pd.DateOffset(months=1)])
    return pd.Series(history.reindex(prior).fillna(0.0).to_numpy(), index=pairs.index)
