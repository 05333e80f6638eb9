"""Plan versions: this cycle's consensus against the last frozen plan and the budget, and any two versions compared.

A version is a consensus per item and month: one cycle's rows of the plan archive (tblPlanArchive, by PlanMonth),
or this cycle's plan (tblDemandPlan, "current"). Two versions are compared by family and month in units and in
money. Money is units x the item's UnitPrice in tblItems today (0 without one) on both sides, so a change in money
is a change in units valued at one price (a price change between cycles moves nothing). An item's family is its
family in tblItems today on both sides (the archived one when the item has left the item master), so an item
moved to another family since is compared within the family it has now.

What moved, per family: its change over the months both versions plan, and the items that moved it most (by money),
each new (not in the earlier version), dropped (not in the later one), up or down. Months only in the later version
entered the horizon and are not compared (no change is shown for them); months only in the earlier one left it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from xl_sop import cells
from xl_sop.cycle.inputs import Inputs, cycle_month, load_inputs
from xl_sop.cycle.plan import Tables, consensus_demand, plan_archive
from xl_sop.errors import CellError, InputError, ValidationError
from xl_sop.frames import as_numbers, month_start
from xl_sop.workbook import schema
from xl_sop.workbook.book import Book
from xl_sop.workbook.schema import TableName as T

CURRENT = "current"
"""The name of this cycle's plan (tblDemandPlan) among the versions."""
TOP_ITEMS = 3
"""Items listed per family in what moved: the ones that moved its money most."""
ALL = schema.ALL_FAMILIES
FAMILY_TOTAL = "(family)"
"""The Item of a family's own line in what moved."""


@dataclass(frozen=True)
class Version:
    """One plan: Item, Family, Month, Units (the consensus), and what to call it."""

    label: str
    """'plan frozen for Oct 2026' or 'this cycle (Nov 2026)'."""
    plan: pd.DataFrame
    note: str = ""
    """When and by whom it was frozen (archived versions)."""


@dataclass(frozen=True)
class Comparison:
    by_family: pd.DataFrame
    """Family, Month and the columns of tblVersionCompare."""
    moved: pd.DataFrame
    """Family, Item, Change, ChangeRevenue, Why (tblWhatMoved)."""


def archived_months(archive: pd.DataFrame) -> list[pd.Timestamp]:
    """The PlanMonths the archive (plan_archive, read back) holds a version of, oldest first."""
    return sorted(pd.Timestamp(m) for m in archive["PlanMonth"].dropna().unique())


def _month_list(months: list[pd.Timestamp]) -> str:
    return ", ".join(f"{m:%Y-%m}" for m in months) if months else "none (Freeze Plan adds one each cycle)"


def version_month(text: str, archive: pd.DataFrame) -> pd.Timestamp:
    """The PlanMonth that ``text`` (2026-10, Oct 2026, 2026-10-01) names; InputError when it is no month or the
    archive holds no version of it, listing the months it holds."""
    where = f"table {T.PLAN_ARCHIVE} on sheet {schema.table(T.PLAN_ARCHIVE).sheet}"
    try:
        month = cells.month(text.strip())
    except CellError:
        month = None
    if month is None:
        raise InputError(f"'{text}' is not a month (such as 2026-10) nor '{CURRENT}': the versions in {where} are "
                         f"{_month_list(archived_months(archive))}")
    if month not in archived_months(archive):
        raise InputError(f"{where} holds no plan frozen for {month:%Y-%m} (PlanMonth); it holds "
                         f"{_month_list(archived_months(archive))}")
    return month


def archived_version(archive: pd.DataFrame, plan_month: pd.Timestamp) -> Version:
    """The version frozen for ``plan_month`` (the archive read back by plan.plan_archive)."""
    rows = archive[archive["PlanMonth"] == plan_month]
    frozen_on = pd.to_datetime(rows.get("FrozenOn"), errors="coerce").dropna()
    approved = rows.get("ApprovedBy", pd.Series(dtype=object)).dropna().astype(str)
    approved = approved[approved.str.strip() != ""]
    note = "; ".join(part for part in (
        f"frozen {frozen_on.max():%Y-%m-%d}" if len(frozen_on) else "",
        f"approved by {approved.iloc[0]}" if len(approved) else "") if part)
    plan = pd.DataFrame({"Item": rows["Item"], "Family": rows.get("Family"), "Month": rows["Month"],
                         "Units": as_numbers(rows["Consensus"]).fillna(0.0)})
    return Version(f"plan frozen for {plan_month:%b %Y}", plan, note)


def latest_before(archive: pd.DataFrame, month: pd.Timestamp) -> pd.Timestamp | None:
    """The latest PlanMonth archived before ``month`` (None when there is none)."""
    earlier = [m for m in archived_months(archive) if m < month]
    return earlier[-1] if earlier else None


def _valued(plan: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Family (today's, else the plan's), Item, Month, Units, Revenue (units x today's UnitPrice, 0 without one)."""
    master = items.dropna(subset=["Item"]).drop_duplicates("Item").set_index("Item")
    family = plan["Item"].map(master["Family"]) if "Family" in master else pd.Series(np.nan, index=plan.index)
    price = pd.to_numeric(plan["Item"].map(master["UnitPrice"]), errors="coerce").fillna(0.0) \
        if "UnitPrice" in master else 0.0  # items and units arrive as numbers (checked inputs, the archive read back)
    fallback = plan["Family"] if "Family" in plan else pd.Series(np.nan, index=plan.index)
    family = family.where(family.notna(), fallback).fillna("(no family)").astype(str)
    units = pd.to_numeric(plan["Units"], errors="coerce").fillna(0.0)
    return pd.DataFrame({"Family": family, "Item": plan["Item"].astype(str), "Month": plan["Month"],
                         "Units": units, "Revenue": units * price})


def compare(later: Version, earlier: Version | None, items: pd.DataFrame, budget: pd.DataFrame,
            top: int = TOP_ITEMS) -> Comparison:
    """``later`` against ``earlier`` (None: nothing frozen yet) and the budget, by family and each month of ``later``.

    Per family f and month m, with units u (consensus) and p_i = UnitPrice of item i in ``items`` today:

        ThisCycle = sum_i u_later(i, m);  LastFrozen = sum_i u_earlier(i, m)  (blank: m not in ``earlier``)
        Change = ThisCycle - LastFrozen;  ChangePct = Change / LastFrozen
        ChangeRevenue = sum_i (u_later(i, m) - u_earlier(i, m)) x p_i        (money)
        Budget = budget Units (0 without a row);  VsBudget = ThisCycle - Budget;  VsBudgetPct = VsBudget / Budget
        VsBudgetRevenue = sum_i u_later(i, m) x p_i - budget Revenue          (money)

    An item absent from one version counts 0 units there. ``budget``: Family, Month (month starts), Units, Revenue.
    ``top``: items listed per family in what moved."""
    new = _valued(later.plan, items)
    months = sorted(new["Month"].unique())
    grouped = new.groupby(["Family", "Month"], as_index=False)[["Units", "Revenue"]].sum()
    out = grouped.rename(columns={"Units": "ThisCycle"})
    old = _valued(earlier.plan, items) if earlier is not None else new.iloc[0:0]
    both = sorted(set(months) & set(old["Month"].unique()))
    old_by = old.groupby(["Family", "Month"], as_index=False)["Units"].sum().rename(columns={"Units": "LastFrozen"})
    out = out.merge(old_by[old_by["Month"].isin(months)], on=["Family", "Month"], how="outer")
    planned_before = out["Month"].isin(both)
    out["ThisCycle"] = out["ThisCycle"].fillna(0.0)
    out["LastFrozen"] = out["LastFrozen"].where(~planned_before, out["LastFrozen"].fillna(0.0))
    out["Change"] = out["ThisCycle"] - out["LastFrozen"]
    out["ChangePct"] = out["Change"] / out["LastFrozen"].where(out["LastFrozen"] != 0)
    changes = _item_changes(new, old, both)
    money = changes.groupby(["Family", "Month"])["ChangeRevenue"].sum()
    out["ChangeRevenue"] = [money.get((f, m), 0.0) if ok else np.nan
                            for f, m, ok in zip(out["Family"], out["Month"], planned_before, strict=True)]
    b = budget.groupby(["Family", "Month"], as_index=False)[["Units", "Revenue"]].sum() if len(budget) else \
        pd.DataFrame(columns=["Family", "Month", "Units", "Revenue"])
    out = out.merge(b.rename(columns={"Units": "Budget", "Revenue": "BudgetRevenue"}), on=["Family", "Month"],
                    how="left").fillna({"Budget": 0.0, "BudgetRevenue": 0.0})  # no row: 0, as financial_view
    out["VsBudget"] = out["ThisCycle"] - out["Budget"]
    out["VsBudgetPct"] = out["VsBudget"] / out["Budget"].where(out["Budget"] != 0)
    out["VsBudgetRevenue"] = out["Revenue"].fillna(0.0) - out["BudgetRevenue"]
    columns = schema.table(T.VERSION_COMPARE).column_names
    by_family = out.sort_values(["Family", "Month"], ignore_index=True).reindex(columns=columns)
    by_family = by_family.assign(**{c: by_family[c].astype(float).round(4 if c.endswith("Pct") else 2)
                                    for c in columns if c not in ("Family", "Month")})
    return Comparison(by_family, _what_moved(later, earlier, new, old, changes, top))


def _item_changes(new: pd.DataFrame, old: pd.DataFrame, both: list[pd.Timestamp]) -> pd.DataFrame:
    """Family, Item, Month, Change, ChangeRevenue, Before (the earlier units), InNew, InOld per item and month both
    versions plan (absent = 0 units)."""
    keys = ["Family", "Item", "Month"]
    a = new[new["Month"].isin(both)].groupby(keys)[["Units", "Revenue"]].sum()
    b = old[old["Month"].isin(both)].groupby(keys)[["Units", "Revenue"]].sum()
    joined = a.merge(b, how="outer", left_index=True, right_index=True, suffixes=("New", "Old")).fillna(0.0)
    return pd.DataFrame({"Change": joined["UnitsNew"] - joined["UnitsOld"],
                         "ChangeRevenue": joined["RevenueNew"] - joined["RevenueOld"], "Before": joined["UnitsOld"],
                         "InNew": a.reindex(joined.index)["Units"].notna(),
                         "InOld": b.reindex(joined.index)["Units"].notna()}).reset_index()


def _span(months: list[pd.Timestamp]) -> str:
    return f"{months[0]:%b %Y}" if len(months) == 1 else f"{months[0]:%b %Y} - {months[-1]:%b %Y} ({len(months)} months)"


def _what_moved(later: Version, earlier: Version | None, new: pd.DataFrame, old: pd.DataFrame,
                changes: pd.DataFrame, top: int) -> pd.DataFrame:
    """The lines of tblWhatMoved; ``changes``: _item_changes of the months both versions plan."""
    columns = schema.table(T.WHAT_MOVED).column_names
    if earlier is None:
        return pd.DataFrame([(ALL, None, None, None, f"No plan frozen before {later.label}: nothing to compare yet. "
                              "Freeze Plan after the executive meeting; next cycle shows what moved.")], columns=columns)
    rows: list[tuple[object, ...]] = []
    both = sorted(set(new["Month"].unique()) & set(old["Month"].unique()))
    head = (f"{later.label} against the {earlier.label}" + (f" ({earlier.note})" if earlier.note else "")
            + (f": change over {_span(both)} in both" if both else ": no month in both, nothing compared")
            + "; money at today's unit prices")
    rows.append((ALL, None, changes["Change"].sum(), changes["ChangeRevenue"].sum(), head))
    entered = sorted(set(new["Month"].unique()) - set(old["Month"].unique()))
    left = sorted(set(old["Month"].unique()) - set(new["Month"].unique()))
    for months, frame, text in ((entered, new, "entered the horizon: planned now, not compared"),
                                (left, old, "left the horizon: in the earlier plan only, not compared")):
        if months:
            part = frame[frame["Month"].isin(months)]
            rows.append((ALL, None, part["Units"].sum(), part["Revenue"].sum(), f"{_span(months)} {text}"))
    if both:
        families = changes.groupby("Family")[["Change", "ChangeRevenue"]].sum()
        order = families["ChangeRevenue"].abs().sort_values(ascending=False, kind="stable").index
        for family in order:
            of = changes[changes["Family"] == family]
            per_item = of.groupby("Item").agg(Change=("Change", "sum"), ChangeRevenue=("ChangeRevenue", "sum"),
                                              InNew=("InNew", "any"), InOld=("InOld", "any"),
                                              Before=("Before", "sum"))
            moved = per_item[(per_item["Change"].abs() > 0.005) | (per_item["ChangeRevenue"].abs() > 0.005)]
            total = families.loc[family]
            rows.append((family, FAMILY_TOTAL, total["Change"], total["ChangeRevenue"],
                         f"{len(moved)} of {len(per_item)} items moved"))
            biggest = moved.reindex(moved["ChangeRevenue"].abs().sort_values(ascending=False, kind="stable").index)
            for item, r in biggest.head(top).iterrows():
                rows.append((family, item, r["Change"], r["ChangeRevenue"], _why(r, of[of["Item"] == item])))
    moved_frame = pd.DataFrame(rows, columns=columns)
    for c in ("Change", "ChangeRevenue"):
        moved_frame[c] = moved_frame[c].astype(float).round(2)
    return moved_frame


def _why(item: pd.Series, months: pd.DataFrame) -> str:
    """new / dropped / up or down by how much, and the month that moved most."""
    if not item["InOld"]:
        return "new: not in the earlier plan"
    if not item["InNew"]:
        return "dropped: not in this plan"
    worst = months.loc[months["Change"].abs().idxmax()]
    before = item["Before"]
    direction = "up" if item["Change"] > 0 else "down"
    share = f" {abs(item['Change']) / before:.0%}" if before else ""
    return f"{direction}{share}, most in {worst['Month']:%b %Y} ({_units(worst['Change'])})"


def _units(change: float) -> str:
    """+1,234 units; small changes with a decimal, so that a move of 0.4 does not read +0."""
    return f"{change:+,.0f}" if abs(change) >= 10 else f"{change:+,.1f}"


def this_cycle(current: Tables, inputs: Inputs) -> Version:
    """This cycle's consensus (tblDemandPlan, the plan months) as a version."""
    demand = consensus_demand(current, inputs)
    return Version(f"this cycle ({cycle_month(inputs):%b %Y})", demand.rename(columns={"Quantity": "Units"}))


def budget_table(inputs: Inputs) -> pd.DataFrame:
    """tblBudget as Family, Month (month start), Units, Revenue."""
    budget = inputs[T.BUDGET].dropna(subset=["Family", "Month"])
    return pd.DataFrame({"Family": budget["Family"].astype(str), "Month": month_start(budget["Month"]),
                         "Units": as_numbers(budget.get("Units", pd.Series(np.nan, index=budget.index))),
                         "Revenue": as_numbers(budget.get("Revenue", pd.Series(np.nan, index=budget.index)))})


def meeting_versions(inputs: Inputs, current: Tables) -> Tables:
    """tblVersionCompare and tblWhatMoved for 4 S&OP Meeting: this cycle against the latest plan frozen before the
    cycle month (none yet: said in tblWhatMoved) and the budget."""
    archive = plan_archive(current)
    last = latest_before(archive, cycle_month(inputs))
    earlier = archived_version(archive, last) if last is not None else None
    result = compare(this_cycle(current, inputs), earlier, inputs[T.ITEMS], budget_table(inputs))
    return {T.VERSION_COMPARE: result.by_family, T.WHAT_MOVED: result.moved}


def compare_in_book(book: Book, earlier: str | None = None, later: str = CURRENT) -> tuple[Comparison, Version, Version]:
    """Two versions of the book compared (xl-sop compare): ``later`` is a PlanMonth of the archive (2026-10) or
    "current" (this cycle's tblDemandPlan); ``earlier`` a PlanMonth, or None for the latest archived before
    ``later``. Reads the book only."""
    inputs = load_inputs(book)
    problems = inputs.problems_in(T.ITEMS, T.BUDGET, T.SETTINGS)
    if problems:
        raise ValidationError(problems, "compare")
    archive = plan_archive({T.PLAN_ARCHIVE: book.read_table(T.PLAN_ARCHIVE)})
    if later.strip().lower() == CURRENT:
        to = this_cycle({T.DEMAND_PLAN: book.read_table(T.DEMAND_PLAN)}, inputs)
        start = cycle_month(inputs)
    else:
        start = version_month(later, archive)
        to = archived_version(archive, start)
    if earlier is None:
        before = latest_before(archive, start)
        if before is None:
            raise InputError(f"table {T.PLAN_ARCHIVE} on sheet {schema.table(T.PLAN_ARCHIVE).sheet} holds no plan "
                             f"frozen before {start:%Y-%m} to compare {to.label} with; it holds "
                             f"{_month_list(archived_months(archive))}")
    elif earlier.strip().lower() == CURRENT:
        raise InputError(f"'{CURRENT}' (this cycle's plan) can only be the later version (--to); the earlier one is a "
                         f"PlanMonth of table {T.PLAN_ARCHIVE}: {_month_list(archived_months(archive))}")
    else:
        before = version_month(earlier, archive)
    since = archived_version(archive, before)
    return compare(to, since, inputs[T.ITEMS], budget_table(inputs)), to, since
