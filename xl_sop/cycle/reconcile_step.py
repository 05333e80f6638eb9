"""Steps 3 Pre-S&OP and 4 S&OP meeting (Reconcile): the gap by family, the scenarios, the open issues
seeded for the meeting, and the consensus by family against budget."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xl_sop.cycle.grids import turned
from xl_sop.cycle.inputs import Inputs, plan_months, scenarios_of
from xl_sop.cycle.keep import merge_rows
from xl_sop.cycle.plan import Progress, Tables, consensus_demand, planned_supply, rounded
from xl_sop.cycle.scenarios import scenarios
from xl_sop.cycle.versions import meeting_versions
from xl_sop.errors import ValidationError
from xl_sop.frames import as_numbers, month_start
from xl_sop.reconcile import financial_view, gap_by
from xl_sop.workbook import schema
from xl_sop.workbook.schema import TableName as T

SEEDED = ("Gap: ", "Overload: ")
"""How the issues this step writes begin: a seeded row nobody has touched is refreshed on each run."""


def reconcile_step(inputs: Inputs, current: Tables, progress: Progress | None = None,
                 now: pd.Timestamp | None = None) -> Tables:
    """The gap by family and month (units and money), the scenarios of tblScenarioInputs side by side with Base,
    open issues seeded from the gaps and overloads (typed issues kept), the consensus by family against budget, and
    this cycle against the last frozen plan (versions.meeting_versions)."""
    changes, problems = scenarios_of(inputs, current.get(T.SCENARIO_INPUTS, pd.DataFrame()))
    if problems:  # the runner checks them before any step writes; this guards a direct call
        raise ValidationError(problems, "Reconcile")
    demand = consensus_demand(current, inputs)
    supply = planned_supply(current, inputs)
    items = inputs[T.ITEMS].dropna(subset=["Item"]).drop_duplicates("Item")
    inventory = inputs[T.INVENTORY].dropna(subset=["Item", "Quantity"])
    inventory = inventory if len(inventory) else None
    gap = gap_by(demand, supply[["Item", "Month", "Quantity"]], items, inventory, by=("Family", "Month"))
    gap_table = gap[["Family", "Month", "Demand", "Supply", "Gap", "CumulativeGap", "ShortageRevenue",
                     "ExcessValue"]].pipe(rounded, 2)
    if progress:
        progress(1, 3)
    scen, shortage = scenarios(inputs, demand, changes)
    if progress:
        progress(2, 3)
    fin = financial_view(demand, items, inputs[T.BUDGET].dropna(subset=["Family", "Month"]))
    fin = fin[fin["Month"].isin(plan_months(inputs))]
    by_family = fin[["Family", "Month", "Units", "Revenue", "BudgetRevenue", "RevenueGap"]].pipe(rounded, 2)
    issues = _seed_issues(gap, current.get(T.CAPACITY_LOAD, pd.DataFrame()), current[T.OPEN_ISSUES])
    if progress:
        progress(3, 3)
    gap_table = gap_table.reset_index(drop=True)
    versions = meeting_versions(inputs, current)
    return {T.GAP: gap_table, T.SCENARIOS: scen, T.SCENARIO_SHORTAGE: shortage, T.OPEN_ISSUES: issues,
            T.CONSENSUS_BY_FAMILY: by_family.reset_index(drop=True),
            T.GAP_VIEW: turned(gap_table, ("Family",), GAP_MEASURES, plan_months(inputs)),
            T.GAP_BY_FAMILY: gap_table.groupby("Family", as_index=False, sort=False)[
                ["Demand", "Supply", "Gap", "ShortageRevenue"]].sum().pipe(rounded, 2),
            T.MEETING_SUMMARY: meeting_summary(by_family, versions[T.VERSION_COMPARE]), **versions}


def meeting_summary(by_family: pd.DataFrame, compare: pd.DataFrame) -> pd.DataFrame:
    """Each family over the plan months, then All: Units (the consensus, tblVersionCompare's ThisCycle), VsBudgetPct
    = Units / budget units - 1, Revenue and VsBudgetRevenue = Revenue - BudgetRevenue (tblConsensusByFamily),
    VsLastFrozenPct = this cycle / last frozen - 1 over the months the last frozen plan covers (blank: none)."""
    columns = schema.table(T.MEETING_SUMMARY).column_names
    if compare.empty:
        return pd.DataFrame(columns=columns)
    units = compare.assign(Covered=compare["ThisCycle"].where(compare["LastFrozen"].notna()))
    sums = units.groupby("Family", sort=True)[["ThisCycle", "Budget", "Covered", "LastFrozen"]].sum(min_count=1)
    money = by_family.groupby("Family")[["Revenue", "RevenueGap"]].sum()
    sums = sums.join(money, how="left")
    sums.loc[schema.ALL_FAMILIES] = sums.sum(min_count=1)

    def share(part: pd.Series, whole: pd.Series) -> pd.Series:
        return part / whole.where(whole != 0) - 1

    out = pd.DataFrame({"Family": sums.index, "Units": sums["ThisCycle"].to_numpy(),
                        "VsBudgetPct": share(sums["ThisCycle"], sums["Budget"]).to_numpy(),
                        "Revenue": sums["Revenue"].to_numpy(), "VsBudgetRevenue": sums["RevenueGap"].to_numpy(),
                        "VsLastFrozenPct": share(sums["Covered"], sums["LastFrozen"]).to_numpy()})
    return out.reindex(columns=columns).round({"Units": 0, "Revenue": 0, "VsBudgetRevenue": 0, "VsBudgetPct": 4,
                                               "VsLastFrozenPct": 4})


GAP_MEASURES = (("Demand", "Demand"), ("Supply", "Supply"), ("Gap (short +)", "Gap"),
                ("Cumulative gap", "CumulativeGap"), ("Shortage revenue", "ShortageRevenue"),
                ("Excess value", "ExcessValue"))


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
        short = load[as_numbers(load["ShortHours"]) > 0.5]
        for resource, rows in short.groupby("Resource"):
            first = month_start(rows["Month"]).min()
            seeds.append(f"Overload: {resource} short {as_numbers(rows['ShortHours']).sum():,.0f} hours beyond overtime "
                         f"from {first:%b %Y}")
    columns = schema.table(T.OPEN_ISSUES).column_names
    typed = (typed.reindex(columns=list(dict.fromkeys([*columns, *typed.columns]))) if not typed.empty
             else pd.DataFrame(columns=columns))

    def untouched(row: pd.Series) -> bool:
        text = str(row["Issue"] or "")
        status = str(row["Status"] or "").strip().lower()
        return text.startswith(SEEDED) and pd.isna(row["Owner"]) and pd.isna(row["Due"]) and status in ("", "open", "nan", "none")

    kept = typed[[not untouched(r) for _, r in typed.iterrows()]] if len(typed) else typed
    topics = {_topic(t) for t in kept["Issue"].dropna()}
    new = pd.DataFrame([{"Issue": s, "Status": "Open"} for s in seeds if _topic(s) not in topics], columns=columns)
    return merge_rows(kept.reset_index(drop=True), new)


def _topic(issue: object) -> str:
    """'Gap: Snacks' of a seeded issue: a team's edited row on the same topic stops a new seed."""
    return str(issue).split(" short ")[0].strip()
