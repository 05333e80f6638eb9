"""Plan versions (issue 15, point 4) on real workbook files: this cycle against the last frozen plan and the budget
on 4 S&OP Meeting, what moved, and any two archived versions compared with xl-sop compare.

Every expected figure is added up here from the tables read back from the file (tblDemandPlan, tblPlanArchive,
tblItems, tblBudget), not taken from the code under test.
"""

import pandas as pd
import pytest
from conftest import copy_of, cycled_demo
from grid_typing import type_in_grid

from xl_sop.cli import main
from xl_sop.cycle import run_step
from xl_sop.cycle.freshness import stale_steps
from xl_sop.cycle.versions import Version, compare
from xl_sop.workbook.filebook import FileBook

SALES = "Sales adj."
NOV, DEC, MAR = pd.Timestamp("2026-11-01"), pd.Timestamp("2026-12-01"), pd.Timestamp("2027-03-01")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return cycled_demo(tmp_path_factory.mktemp("versions"), "SOP_Versions.xlsm", 24)


@pytest.fixture
def book_path(demo, tmp_path):
    return copy_of(demo, tmp_path)


def price_of(book: FileBook) -> pd.Series:
    return book.read_table("tblItems").set_index("Item")["UnitPrice"].astype(float)


def family_of(book: FileBook) -> pd.Series:
    return book.read_table("tblItems").set_index("Item")["Family"]


def archived(book: FileBook, plan_month: pd.Timestamp) -> pd.Series:
    """Consensus by (Item, Month) of one archived version, as the file holds it."""
    archive = book.read_table("tblPlanArchive")
    rows = archive[pd.to_datetime(archive["PlanMonth"]) == plan_month]
    return rows.set_index(["Item", pd.to_datetime(rows["Month"])])["Consensus"].astype(float)


def current_plan(book: FileBook) -> pd.Series:
    plan = book.read_table("tblDemandPlan")
    return plan.set_index(["Item", pd.to_datetime(plan["Month"])])["Consensus"].astype(float)


def row_of(frame: pd.DataFrame, family: str, month: pd.Timestamp) -> pd.Series:
    match = frame[(frame["Family"] == family) & (pd.to_datetime(frame["Month"]) == month)]
    assert len(match) == 1, f"no single row {family} {month:%b %Y}"
    return match.iloc[0]


def by_hand(new: pd.Series, old: pd.Series, items: list[str], month: pd.Timestamp, price: pd.Series) -> tuple[float, ...]:
    """This cycle, last frozen, change and change in money of ``items`` in ``month`` (absent = 0 units)."""
    keys = [(i, month) for i in items]
    n = new.reindex(keys).fillna(0.0).to_numpy()
    o = old.reindex(keys).fillna(0.0).to_numpy()
    p = price.reindex(items).to_numpy()
    return n.sum(), o.sum(), n.sum() - o.sum(), ((n - o) * p).sum()


def test_meeting_compares_this_cycle_with_the_last_frozen_plan_and_the_budget(book_path):
    book = FileBook(book_path)
    family = family_of(book)
    item = "HOU-1008"
    household = list(family[family == family[item]].index)
    type_in_grid(book, {(family[item], item, SALES, DEC): 1000})
    run_step(book, "demand", now=pd.Timestamp("2026-11-21 10:00"))
    run_step(book, "reconcile", now=pd.Timestamp("2026-11-21 10:01"))
    book.save()
    book = FileBook(book_path)
    price = price_of(book)
    table = book.read_table("tblVersionCompare")
    row = row_of(table, family[item], DEC)
    this, last, change, money = by_hand(current_plan(book), archived(book, pd.Timestamp("2026-10-01")), household,
                                        DEC, price)
    assert row["ThisCycle"] == pytest.approx(this, abs=0.01)
    assert row["LastFrozen"] == pytest.approx(last, abs=0.01)
    assert row["Change"] == pytest.approx(change, abs=0.01)
    assert row["ChangePct"] == pytest.approx(change / last, abs=1e-4)
    assert row["ChangeRevenue"] == pytest.approx(money, abs=0.01)
    budget = book.read_table("tblBudget")
    b = row_of(budget, family[item], DEC)
    assert row["Budget"] == pytest.approx(b["Units"])
    assert row["VsBudget"] == pytest.approx(this - b["Units"], abs=0.01)
    assert row["VsBudgetPct"] == pytest.approx((this - b["Units"]) / b["Units"], abs=1e-4)
    revenue = sum(current_plan(book).get((i, DEC), 0.0) * price[i] for i in household)
    assert row["VsBudgetRevenue"] == pytest.approx(revenue - b["Revenue"], abs=0.01)
    # A month the October plan (6 months: Oct 2026 - Mar 2027) did not cover: planned now, not compared.
    late = row_of(table, family[item], pd.Timestamp("2027-06-01"))
    assert pd.isna(late["LastFrozen"]) and pd.isna(late["Change"]) and pd.isna(late["ChangeRevenue"])
    assert late["ThisCycle"] > 0
    assert len(table) == family.nunique() * 12  # each family and plan month once
    # What moved: the 1,000 typed make HOU-1008 the family's first mover, up, most in Dec 2026.
    moved = book.read_table("tblWhatMoved")
    head = moved.iloc[0]
    assert head["Why"].startswith("this cycle (Nov 2026) against the plan frozen for Oct 2026")
    assert "money at today's unit prices" in head["Why"]
    assert head["Change"] == pytest.approx(sum(by_hand(current_plan(book), archived(book, pd.Timestamp("2026-10-01")),
                                                       list(family.index), m, price)[2]
                                               for m in pd.date_range(NOV, MAR, freq="MS")), abs=0.05)
    assert "Apr 2027 - Oct 2027 (7 months) entered the horizon" in " ".join(moved["Why"])
    assert "Oct 2026 left the horizon" in " ".join(moved["Why"])
    rows = moved[moved["Family"] == family[item]]
    assert rows.iloc[0]["Item"] == "(family)"
    assert rows.iloc[1]["Item"] == item and rows.iloc[1]["Why"].startswith("up") and "most in Dec 2026" in rows.iloc[1]["Why"]
    months = pd.date_range(NOV, MAR, freq="MS")
    item_change = [by_hand(current_plan(book), archived(book, pd.Timestamp("2026-10-01")), [item], m, price)
                   for m in months]
    assert rows.iloc[1]["Change"] == pytest.approx(sum(c[2] for c in item_change), abs=0.05)
    assert rows.iloc[1]["ChangeRevenue"] == pytest.approx(sum(c[3] for c in item_change), abs=0.05)


def test_a_frozen_version_against_a_changed_consensus_through_the_cli(book_path, tmp_path, capsys):
    book = FileBook(book_path)
    run_step(book, "freeze", now=pd.Timestamp("2026-11-25 16:00"))  # the Nov 2026 version, as approved
    family = family_of(book)
    item = "SNA-1001"
    type_in_grid(book, {(family[item], item, SALES, DEC): 250, (family[item], item, SALES, NOV): -30})
    run_step(book, "demand", now=pd.Timestamp("2026-11-26 09:00"))
    book.save()
    assert main(["compare", str(book_path), "--from", "2026-11", "--csv", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("This cycle (Nov 2026) against the plan frozen for Nov 2026 (frozen 2026-11-25)")
    table = pd.read_csv(tmp_path / "out" / "versions_by_family.csv", parse_dates=["Month"])
    price = price_of(FileBook(book_path))[item]
    dec = row_of(table, family[item], DEC)
    assert dec["Change"] == pytest.approx(250, abs=0.01) and dec["ChangeRevenue"] == pytest.approx(250 * price, abs=0.01)
    assert dec["To"] - dec["From"] == pytest.approx(250, abs=0.01)
    line = next(t for t in printed.splitlines() if t.startswith(f"{family[item]:<16}Dec 2026"))
    assert line.split()[5:7] == ["+250", f"+{250 / dec['From']:.1%}"]  # Family, Dec, 2026, from, to, change, %
    nov = row_of(table, family[item], NOV)
    assert nov["Change"] == pytest.approx(-30, abs=0.01) and nov["ChangeRevenue"] == pytest.approx(-30 * price, abs=0.01)
    others = table[~((table["Family"] == family[item]) & table["Month"].isin([NOV, DEC]))]
    assert (others["Change"].abs() < 0.005).all()  # nothing else moved: same history, same forecast
    moved = pd.read_csv(tmp_path / "out" / "what_moved.csv")
    mover = moved[moved["Item"] == item].iloc[0]
    before = archived(FileBook(book_path), NOV).loc[item].sum()  # the item's 12 frozen months
    assert mover["Change"] == pytest.approx(220, abs=0.01)
    assert mover["Why"] == f"up {220 / before:.0%}, most in Dec 2026 (+250)"
    assert "1 of " in moved[(moved["Family"] == family[item]) & (moved["Item"] == "(family)")]["Why"].iloc[0]


def test_two_archived_versions_through_the_cli(book_path, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["compare", str(book_path), "--from", "2026-09", "--to", "Oct 2026", "--csv", str(out)]) == 0
    assert "Plan frozen for Oct 2026 against the plan frozen for Sep 2026" in capsys.readouterr().out
    book = FileBook(book_path)
    family, price = family_of(book), price_of(book)
    sep, oct_ = archived(book, pd.Timestamp("2026-09-01")), archived(book, pd.Timestamp("2026-10-01"))
    table = pd.read_csv(out / "versions_by_family.csv", parse_dates=["Month"])
    assert sorted(table["Month"].unique()) == list(pd.date_range("2026-10-01", MAR, freq="MS"))  # October's months
    for name in family.unique():
        items = list(family[family == name].index)
        for month in (pd.Timestamp("2026-10-01"), pd.Timestamp("2027-01-01")):
            to, since, change, money = by_hand(oct_, sep, items, month, price)
            row = row_of(table, name, month)
            assert (row["To"], row["From"], row["Change"], row["ChangeRevenue"]) == pytest.approx(
                (to, since, change, money), abs=0.01), (name, month)
        march = row_of(table, name, MAR)  # not in September's plan (Sep 2026 - Feb 2027)
        assert pd.isna(march["From"]) and pd.isna(march["Change"])
    moved = pd.read_csv(out / "what_moved.csv")
    entered = moved[moved["Why"].str.startswith("Mar 2027 entered the horizon")].iloc[0]
    assert entered["Change"] == pytest.approx(sum(oct_.get((i, MAR), 0.0) for i in family.index), abs=0.05)
    left = moved[moved["Why"].str.startswith("Sep 2026 left the horizon")].iloc[0]
    sept = pd.Timestamp("2026-09-01")
    assert left["ChangeRevenue"] == pytest.approx(sum(sep.get((i, sept), 0.0) * price[i] for i in family.index), abs=0.05)


def test_an_unknown_version_is_refused_naming_the_archive_and_its_versions(book_path, capsys):
    assert main(["compare", str(book_path), "--from", "2025-01"]) == 2
    error = capsys.readouterr().err
    assert error.strip() == ("xl-sop: table tblPlanArchive on sheet Plan Archive holds no plan frozen for 2025-01 "
                             "(PlanMonth); it holds 2026-05, 2026-06, 2026-07, 2026-08, 2026-09, 2026-10")
    assert main(["compare", str(book_path), "--to", "next month"]) == 2
    assert "'next month' is not a month (such as 2026-10) nor 'current'" in capsys.readouterr().err
    assert main(["compare", str(book_path), "--to", "2026-05"]) == 2  # the oldest: nothing before it
    assert "holds no plan frozen before 2026-05" in capsys.readouterr().err
    assert main(["compare", str(book_path), "--from", "current", "--to", "2026-10"]) == 2
    assert "'current' (this cycle's plan) can only be the later version (--to)" in capsys.readouterr().err


def test_without_a_frozen_plan_the_meeting_says_so(book_path, capsys):
    book = FileBook(book_path)
    book.write_table("tblPlanArchive", book.read_table("tblPlanArchive").iloc[0:0])
    run_step(book, "reconcile", now=pd.Timestamp("2026-11-21 10:00"))
    book.save()
    book = FileBook(book_path)
    moved = book.read_table("tblWhatMoved")
    assert len(moved) == 1 and moved["Why"].iloc[0].startswith("No plan frozen before this cycle (Nov 2026)")
    table = book.read_table("tblVersionCompare")
    assert table["LastFrozen"].isna().all() and table["Change"].isna().all()
    family, plan = family_of(book), book.read_table("tblDemandPlan")
    expected = plan.assign(Family=plan["Item"].map(family)).groupby(["Family", "Month"])["Consensus"].sum()
    assert table.set_index(["Family", "Month"])["ThisCycle"].to_dict() == pytest.approx(expected.to_dict(), abs=0.05)
    assert table["Budget"].notna().all()
    assert main(["compare", str(book_path)]) == 2
    assert "holds no plan frozen before 2026-11 to compare this cycle (Nov 2026) with; it holds none" in \
        capsys.readouterr().err


def test_freezing_this_cycle_leaves_reconcile_current_and_an_edited_old_version_does_not(book_path):
    book = FileBook(book_path)
    run_step(book, "freeze", now=pd.Timestamp("2026-11-25 16:00"))
    assert "reconcile" not in stale_steps(book)
    archive = book.read_table("tblPlanArchive")
    october = pd.to_datetime(archive["PlanMonth"]) == pd.Timestamp("2026-10-01")
    archive.loc[archive.index[october][0], "Consensus"] = float(archive.loc[october, "Consensus"].iloc[0]) + 10
    book.write_table("tblPlanArchive", archive)
    assert stale_steps(book)["reconcile"] == "tblPlanArchive changed since it ran"


def test_compare_by_hand_new_dropped_and_the_horizon():
    """Two small plans whose every figure is worked out below: A and B in family F (prices 10 and 5), C new in
    February, B dropped in March; the earlier plan covers Jan-Feb, the later Feb-Mar."""
    items = pd.DataFrame({"Item": ["A", "B", "C"], "Family": ["F", "F", "F"], "UnitPrice": [10.0, 5.0, 2.0]})
    jan, feb, mar = pd.Timestamp("2027-01-01"), pd.Timestamp("2027-02-01"), pd.Timestamp("2027-03-01")
    earlier = pd.DataFrame({"Item": ["A", "A", "B", "B"], "Family": "F", "Month": [jan, feb, jan, feb],
                            "Units": [100.0, 100.0, 50.0, 40.0]})
    later = pd.DataFrame({"Item": ["A", "C", "A"], "Family": "F", "Month": [feb, feb, mar], "Units": [120.0, 30.0, 90.0]})
    budget = pd.DataFrame({"Family": ["F", "F"], "Month": [feb, mar], "Units": [200.0, 80.0], "Revenue": [1500.0, 1000.0]})
    result = compare(Version("later", later), Version("earlier", earlier), items, budget)
    feb_row = row_of(result.by_family, "F", feb)
    # February: later 120 + 30 = 150, earlier 100 + 40 = 140; money (120-100) x 10 + 30 x 2 - 40 x 5 = 60.
    assert feb_row[["ThisCycle", "LastFrozen", "Change", "ChangeRevenue"]].tolist() == [150, 140, 10, 60]
    assert feb_row["ChangePct"] == pytest.approx(10 / 140, abs=1e-4)
    assert feb_row[["Budget", "VsBudget", "VsBudgetRevenue"]].tolist() == [200, -50, 120 * 10 + 30 * 2 - 1500]
    mar_row = row_of(result.by_family, "F", mar)
    assert mar_row["ThisCycle"] == 90 and pd.isna(mar_row["LastFrozen"]) and mar_row["VsBudgetRevenue"] == -100
    assert len(result.by_family) == 2  # January left the horizon: not a row
    why = result.moved.set_index(result.moved["Item"].fillna(result.moved["Why"].str[:8]))
    assert why.loc["C", "Why"] == "new: not in the earlier plan" and why.loc["C", "ChangeRevenue"] == 60
    assert why.loc["B", "Why"] == "dropped: not in this plan" and why.loc["B", "Change"] == -40
    assert why.loc["A", "Why"] == "up 20%, most in Feb 2027 (+20)" and why.loc["A", "ChangeRevenue"] == 200
    assert why.loc["(family)", "Why"] == "3 of 3 items moved"
    assert why.loc["Mar 2027", ["Change", "ChangeRevenue"]].tolist() == [90, 900]  # entered
    assert why.loc["Jan 2027", ["Change", "ChangeRevenue"]].tolist() == [150, 1250]  # left: 100 x 10 + 50 x 5



def test_an_item_gone_from_the_item_master_keeps_its_archived_family_and_no_money():
    items = pd.DataFrame({"Item": ["A"], "Family": ["F"], "UnitPrice": [10.0]})
    feb = pd.Timestamp("2027-02-01")
    earlier = pd.DataFrame({"Item": ["A", "D"], "Family": ["F", "G"], "Month": feb, "Units": [5.0, 10.0]})
    later = pd.DataFrame({"Item": ["A"], "Family": ["F"], "Month": [feb], "Units": [5.0]})
    result = compare(Version("later", later), Version("earlier", earlier), items, pd.DataFrame())
    gone = row_of(result.by_family, "G", feb)
    assert gone[["ThisCycle", "LastFrozen", "Change", "ChangeRevenue", "Budget"]].tolist() == [0, 10, -10, 0, 0]
    moved = result.moved.set_index("Item")
    assert moved.loc["D", "Why"] == "dropped: not in this plan" and moved.loc["D", "Family"] == "G"
