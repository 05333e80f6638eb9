"""The demo has a meeting (issue 15, point 7): the sample data, cycled at 24 items, leaves something to decide.

The consensus lands a few % from budget per family, one family runs short in its peak month because one resource
is overloaded beyond overtime, the downside hurts, and open issues wait for a decision. Each figure is read back
from the cycled workbook file.
"""

import re

import pandas as pd
import pytest
from conftest import cycled_demo

from xl_sop.cli import main
from xl_sop.cycle.demo import earlier_decisions, meeting_summary, typed_issues
from xl_sop.cycle.reconcile_step import SEEDED
from xl_sop.frames import month_start
from xl_sop.workbook.filebook import FileBook


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return FileBook(cycled_demo(tmp_path_factory.mktemp("demo_meeting"), "SOP_Demo.xlsm", 24))


def against_budget(plan: pd.DataFrame) -> pd.Series:
    """Consensus revenue / budget revenue - 1 per family."""
    totals = plan.groupby("Family")[["Revenue", "BudgetRevenue"]].sum()
    return totals["Revenue"] / totals["BudgetRevenue"] - 1


def test_the_consensus_lands_a_few_percent_from_budget_per_family(book):
    plan = book.read_table("tblConsensusByFamily")
    plan["Month"] = month_start(plan["Month"])
    first_quarter = plan[plan["Month"] < plan["Month"].min() + pd.DateOffset(months=3)]
    for part in (plan, first_quarter):
        gaps = against_budget(part)
        assert set(gaps.index) == {"Beverages", "Snacks", "Household", "Spare Parts"}
        assert (gaps.abs() < 0.10).all(), gaps
        assert (gaps.abs() > 0.005).any(), "a budget that equals the plan leaves nothing to discuss"


def test_one_family_runs_short_in_its_peak_month(book):
    gap = book.read_table("tblGap")
    peaks = gap.loc[gap.groupby("Family")["Demand"].idxmax()].set_index("Family")
    short = peaks[peaks["ShortageRevenue"] > 0]
    assert list(short.index) == ["Beverages"]
    assert short.loc["Beverages", "Supply"] < short.loc["Beverages", "Demand"]


def test_one_resource_is_overloaded_beyond_overtime(book):
    load = book.read_table("tblCapacityLoad")
    short = load[load["ShortHours"] > 0.5]
    assert set(short["Resource"]) == {"Bottling"}
    # Beyond overtime: the plan needs more hours than regular and overtime give in those months.
    assert (short["RequiredHours"] > short["CapacityHours"] + short["OvertimeHours"]).all()


def test_the_downside_hurts(book):
    scenarios = book.read_table("tblScenarios").set_index("Scenario")
    assert scenarios.loc["Downside", "FillRate"] < scenarios.loc["Base", "FillRate"] < 1
    assert scenarios.loc["Downside", "Margin"] < scenarios.loc["Base", "Margin"]


def test_open_issues_wait_for_a_decision(book):
    issues = book.read_table("tblOpenIssues")
    typed = typed_issues()
    kept = issues[issues["Issue"].isin(typed["Issue"])]
    assert len(kept) == len(typed) and kept["Owner"].notna().all() and kept["Due"].notna().all()
    seeded = issues[issues["Issue"].str.startswith(SEEDED)]
    assert any(seeded["Issue"].str.startswith("Gap: Beverages")) and any(seeded["Issue"].str.startswith(
        "Overload: Bottling"))
    assert (issues["Status"] == "Open").all()
    decisions = book.read_table("tblDecisions")
    assert list(decisions["Topic"]) == list(earlier_decisions()["Topic"])


def test_the_meeting_summary_says_what_the_tables_say(book):
    lines = meeting_summary(book)
    gaps = against_budget(book.read_table("tblConsensusByFamily"))
    for family, gap in gaps.items():
        assert f"{family} {gap:+.1%}" in lines[0]
    assert any(line.startswith("  short of supply: Beverages from Jul 2027") for line in lines)
    # The summary counts the months short by more than half an hour (a sliver of a month rounds to nothing).
    hours = book.read_table("tblCapacityLoad").query("Resource == 'Bottling' and ShortHours > 0.5")["ShortHours"].sum()
    assert f"  overloaded: Bottling short {hours:,.0f} hours beyond overtime" in "\n".join(lines)
    issues, typed = len(book.read_table("tblOpenIssues")), len(typed_issues())
    assert lines[-1] == f"  open issues: {issues} ({typed} typed by the team, {issues - typed} seeded by Reconcile)"


def test_the_demo_command_prints_the_meeting(tmp_path, capsys, soffice):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    meeting = re.search(r"The meeting: consensus against budget over the 12 plan months: (.*)", out)
    assert meeting is not None, out
    percents = dict(re.findall(r"([A-Z][a-z]+(?: [A-Z][a-z]+)?) ([+-]\d+\.\d)%", meeting.group(1)))
    assert set(percents) == {"Beverages", "Snacks", "Household", "Spare Parts"}
    assert all(abs(float(p)) < 10 for p in percents.values())
    count = re.search(r"open issues: (\d+)", out)
    assert count is not None and int(count.group(1)) >= 1
