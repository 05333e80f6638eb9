"""The demo workbook: a copy of the template filled with the bundled sample data, set up for a meeting.

The sample data leaves the meeting something to decide (xl_sop.sample_data): the consensus a few % from budget,
Bottling short of hours in its summer overhaul so Beverages runs short in its peak, and the demo's downside
takes capacity as well as demand away. The issues and decisions a team has typed before the meeting are here
too; Reconcile adds the ones it seeds from the plan.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from xl_sop import sample_data
from xl_sop.cycle.inputs import load_inputs
from xl_sop.cycle.plan import consensus
from xl_sop.cycle.reconcile_step import SEEDED
from xl_sop.cycle.steps import step_record
from xl_sop.frames import as_numbers, month_start
from xl_sop.workbook.book import Book
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.schema import TableName as T
from xl_sop.workbook.template import new_workbook
from xl_sop.workbook.xlwings_conf import for_this_python

CYCLE = pd.Timestamp("2026-11-01")
"""The demo's cycle month: the month after the sample history ends."""

DOWNSIDE_HOURS = pd.DataFrame([("Downside", "capacity", None, None, None, 0.85, "A line down: 15% of the hours lost")],
                              columns=["Scenario", "Change", "AppliesTo", "FromMonth", "ToMonth", "Value", "Note"])
"""The demo's downside loses hours as well as demand (the template's row), so it hurts: its fill rate falls below
Base's rather than rising with the lower demand."""


def typed_issues() -> pd.DataFrame:
    """Open issues the team typed before the meeting (tblOpenIssues), each needing a decision, with owner and due."""
    return pd.DataFrame([
        ("Co-packer for Beverages in the overhaul?", "Operations", CYCLE + pd.Timedelta(days=24), "Open"),
        ("Household under budget: push or re-budget?", "Finance", CYCLE + pd.Timedelta(days=24), "Open"),
        ("Spare parts: stock or buy to order?", "Supply chain", CYCLE + pd.DateOffset(months=1), "Open"),
    ], columns=["Issue", "Owner", "Due", "Status"])


SEEDED_OWNERS = {"Gap: ": "Supply chain", "Overload: ": "Operations"}
"""Who takes an issue Reconcile seeds, in the demo: a family short of supply, a resource short of hours."""


def owners_for_seeded_issues(book: Book, now: pd.Timestamp | None = None) -> int:
    """What a team does with the issues Reconcile seeded before the meeting: each gets an owner (SEEDED_OWNERS) and is
    due at the meeting, like the typed ones; then Refresh Executive runs again, as it lists them (decisions needed).
    Returns how many issues got an owner. A seeded issue with an owner is the team's: Reconcile keeps it as it is."""
    from xl_sop.cycle import run_step

    issues = book.read_table(T.OPEN_ISSUES)
    text = issues["Issue"].fillna("").astype(str)
    seeded = text.str.startswith(SEEDED) & issues["Owner"].isna()
    if not seeded.any():
        return 0
    issues.loc[seeded, "Owner"] = [next(o for k, o in SEEDED_OWNERS.items() if t.startswith(k)) for t in text[seeded]]
    issues.loc[seeded, "Due"] = CYCLE + pd.Timedelta(days=24)
    book.write_table(T.OPEN_ISSUES, issues)
    run_step(book, "executive", now=now)
    return int(seeded.sum())


def earlier_decisions() -> pd.DataFrame:
    """The decisions log as last month's meeting left it (tblDecisions): one done, one under way, one for this one."""
    last_meeting = CYCLE - pd.Timedelta(days=10)
    return pd.DataFrame([
        (last_meeting, "Snacks pricing", "List prices +3% from Jan 2027", "Sales", CYCLE + pd.Timedelta(days=14), "Done"),
        (last_meeting, "Bottling overhaul", "Line 2 overhauled Jun-Aug 2027: half the hours", "Operations",
         pd.Timestamp("2027-05-31"), "In progress"),
        (last_meeting, "Safety stock", "95% service level for all; review in Nov", "Supply chain",
         CYCLE + pd.Timedelta(days=24), "Open"),
    ], columns=["Date", "Topic", "Decision", "Owner", "Due", "Status"])


def fill_demo_book(path: Path, items: int = 24, months: int = 36, seed: int = 7,
                   template: Path | None = None, regions: tuple[str, ...] = (), events: bool = True) -> FileBook:
    """A new workbook at ``path`` (replaced if there), wired to this Python like ``xl-sop new`` makes it, with the
    sample data pasted into its input tables (cycle month Nov 2026), the downside's loss of hours, and the issues and
    decisions typed before the meeting; ``template``: start from another file.
    ``regions``: History split over these regions (sample_data.split_by_region; every other table is the same).
    ``events``: with the sample's events (sample_events) and the item it launches; False: no Events rows, no launch
    item and no events in the archived plans (the demo as it was before events existed)."""
    path = new_workbook(Path(path), for_this_python().settings, force=True, template=template)
    item_table = sample_data.sample_items(items, seed=seed)
    history, promotions = sample_data.sample_history_and_promotions(item_table, months=months, seed=seed)
    book = FileBook(path)
    launch = sample_data.sample_launch_item(item_table) if events else item_table.iloc[:0]
    every_item = pd.concat([item_table, launch], ignore_index=True)
    book.write_table(T.ITEMS, every_item.drop(columns="Pattern"))
    pasted = sample_data.split_by_region(history, regions, seed) if regions else history
    book.write_table(T.HISTORY, pasted)
    book.write_table(T.INVENTORY, sample_data.sample_inventory(item_table, history, seed=seed))
    book.write_table(T.ORDERS, sample_data.sample_orders(item_table, history, seed=seed))
    book.write_table(T.CAPACITY, sample_data.sample_capacity(item_table, history, seed=seed))
    book.write_table(T.PRODUCTION, sample_data.sample_production(item_table, history, seed=seed))
    book.write_table(T.PLAN_ARCHIVE, sample_data.sample_archive(item_table, history, seed=seed,
                                                                promotions=promotions if events else None))
    if events:
        book.write_table(T.EVENTS, sample_data.sample_events(item_table, promotions))
    book.write_table(T.BUDGET, sample_data.sample_budget(every_item, pasted, seed=seed, forecast=_statistical(book)))
    scenarios = book.read_table(T.SCENARIO_INPUTS)
    book.write_table(T.SCENARIO_INPUTS, pd.concat([scenarios, DOWNSIDE_HOURS], ignore_index=True))
    book.write_table(T.OPEN_ISSUES, typed_issues())
    book.write_table(T.DECISIONS, earlier_decisions())
    return book


def _statistical(book: FileBook) -> pd.DataFrame:
    """Item, Month, Forecast: what Run Forecast makes of the book before anyone types (statistical forecast per item,
    regions and events included: the Consensus formula on it), computed without writing it, for the budget."""
    record = step_record("demand")
    current = {name: book.read_table(name) for name in dict.fromkeys((*record.reads, *record.writes))}
    plan = record.compute(load_inputs(book), current, None, None)[T.DEMAND_PLAN]
    return pd.DataFrame({"Item": plan["Item"], "Month": month_start(plan["Month"]), "Forecast": consensus(plan)})


def meeting_summary(book: Book) -> list[str]:
    """What the meeting has to talk about, as lines to print after the cycle has run: the consensus against
    budget per family over the plan months, the families short of supply (revenue at risk of 2% of the month's
    consensus revenue or more, like the shortages Reconcile seeds issues for), the resources short of hours beyond
    overtime, and the open issues."""
    plan = book.read_table(T.CONSENSUS_BY_FAMILY)
    gap = book.read_table(T.GAP).assign(Month=lambda t: month_start(t["Month"]))
    load = book.read_table(T.CAPACITY_LOAD).assign(Month=lambda t: month_start(t["Month"]))
    issues = book.read_table(T.OPEN_ISSUES).dropna(subset=["Issue"])
    totals = plan.groupby("Family")[["Revenue", "BudgetRevenue"]].sum()
    against = ", ".join(f"{family} {r.Revenue / r.BudgetRevenue - 1:+.1%}" for family, r in totals.iterrows()
                        if r.BudgetRevenue)
    lines = [f"The meeting: consensus against budget over the {plan['Month'].nunique()} plan months: {against}"]
    revenue = gap.merge(plan.assign(Month=month_start(plan["Month"])), on=["Family", "Month"], how="left")["Revenue"]
    short = gap[as_numbers(gap["ShortageRevenue"]).to_numpy() >= 0.02 * as_numbers(revenue).fillna(0.0).to_numpy()
                + 1.0]
    for family, rows in short.groupby("Family"):
        worst = rows.loc[as_numbers(rows["ShortageRevenue"]).idxmax()]
        lines.append(f"  short of supply: {family} from {rows['Month'].min():%b %Y} (worst {worst['Month']:%b %Y}, "
                     f"{worst['ShortageRevenue']:,.0f} revenue at risk)")
    over = load[as_numbers(load["ShortHours"]) > 0.5]
    for resource, rows in over.groupby("Resource"):
        lines.append(f"  overloaded: {resource} short {as_numbers(rows['ShortHours']).sum():,.0f} hours beyond overtime "
                     f"({rows['Month'].min():%b %Y} to {rows['Month'].max():%b %Y})")
    seeded = issues["Issue"].astype(str).str.startswith(SEEDED).sum()
    lines.append(f"  open issues: {len(issues)} ({len(issues) - seeded} typed by the team, {seeded} seeded by Reconcile)")
    return lines
