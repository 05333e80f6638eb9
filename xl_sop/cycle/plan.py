"""What the cycle's steps share: the plan months, the consensus, the plan archive and the supply plan as read back.

Below the step modules (demand, supply_step, reconcile_step, review), which import from here,
never from each other.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from xl_sop.cycle.inputs import Inputs, plan_months
from xl_sop.errors import StepOrderError
from xl_sop.frames import as_numbers, month_start
from xl_sop.workbook import schema
from xl_sop.workbook.schema import TableName as T

Progress = Callable[[int, int], None]
Tables = dict[str, pd.DataFrame]
"""Tables by name: what a step reads from the book (current) and what it returns (new)."""


def uncut_consensus(plan: pd.DataFrame) -> pd.Series:
    """Statistical + Events + SalesAdj + MarketingAdj per row of tblDemandPlan, blanks (or a column absent) as 0, before
    the formula's MAX(0, ...)."""
    def num(name: str) -> pd.Series | float:
        return as_numbers(plan[name]).fillna(0.0) if name in plan else 0.0
    return num("Statistical") + num("Events") + num("SalesAdj") + num("MarketingAdj")


def consensus(plan: pd.DataFrame) -> pd.Series:
    """The Consensus formula of tblDemandPlan, in Python: MAX(0, Statistical + N(Events) + N(SalesAdj) +
    N(MarketingAdj))."""
    return np.maximum(0.0, uncut_consensus(plan))


def consensus_cut_note(plan: pd.DataFrame) -> str:
    """Say where adjustments take the consensus below 0, which the Consensus formula counts as 0 (MAX(0, ...)):
    a cut the planner should see, not find out later. Empty when there is none."""
    uncut = uncut_consensus(plan)
    below = plan[uncut < -1e-9]
    if below.empty:
        return ""
    first = below.index[0]
    return (f"{len(below)} item-month(s) have adjustments taking the consensus below 0, counted as 0 (first: "
            f"{below.loc[first, 'Item']} {month_start(below['Month']).loc[first]:%b %Y}, {uncut.loc[first]:,.0f})")


def consensus_demand(current: Tables, inputs: Inputs) -> pd.DataFrame:
    """Item, Month, Quantity: the consensus of the plan months (needs Run Forecast first)."""
    plan = current[T.DEMAND_PLAN]
    if plan.empty or "Statistical" not in plan or plan["Statistical"].isna().all():
        raise StepOrderError("the demand plan is empty: press Run Forecast (xl-sop run BOOK --step demand) first")
    months = plan_months(inputs)
    month = month_start(plan["Month"])
    demand = pd.DataFrame({"Item": plan["Item"], "Month": month, "Quantity": consensus(plan)})
    return demand[demand["Month"].isin(months) & demand["Item"].notna()].reset_index(drop=True)


def plan_archive(current: Tables) -> pd.DataFrame:
    """The plan archive read back: months as month starts, figures as numbers, incomplete rows left out."""
    archive = current.get(T.PLAN_ARCHIVE, pd.DataFrame())
    if archive.empty:
        return pd.DataFrame(columns=schema.table(T.PLAN_ARCHIVE).column_names)
    a = archive.copy()
    for c in ("PlanMonth", "Month"):
        a[c] = month_start(a[c])
    for c in ("Statistical", "Events", "SalesAdj", "MarketingAdj", "Consensus"):
        a[c] = as_numbers(a[c]) if c in a else np.nan  # an archive frozen before Events existed has no such column
    return a.dropna(subset=["PlanMonth", "Month", "Item"])


def planned_supply(current: Tables, inputs: Inputs) -> pd.DataFrame:
    """Item, Month, Quantity (production) and OnHand of the supply plan (needs Balance Supply first)."""
    plan = current[T.SUPPLY_PLAN]
    if plan.empty or "Production" not in plan:
        raise StepOrderError("the supply plan is empty: press Balance Supply (xl-sop run BOOK --step supply) first")
    month = month_start(plan["Month"])
    return pd.DataFrame({"Item": plan["Item"], "Month": month, "Quantity": as_numbers(plan["Production"]),
                         "OnHand": as_numbers(plan["OnHand"])}).dropna(subset=["Item", "Month"])


def rounded(frame: pd.DataFrame, digits: int) -> pd.DataFrame:
    """Numbers rounded for reading; other columns as they are."""
    numeric = frame.select_dtypes(include="number").columns
    return frame.assign(**{c: frame[c].round(digits) for c in numeric})
