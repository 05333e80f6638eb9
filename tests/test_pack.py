"""The PDF pack people circulate (issue 15, point 6): the executive summary first, then one page per step in the
cycle's order, landscape, one page wide and tall with no font below 8 pt as printed, summaries by family (the detail
stays in the published workbook), the company, the cycle month and the stamp in the header, page x of y in the footer;
the published copy carries all of it, so Excel's PDF export of the pack sheets prints the same pages as LibreOffice."""

import re

import pandas as pd
import pytest
from conftest import copy_of, cycled_demo
from openpyxl import load_workbook
from openpyxl.worksheet.table import Table

from xl_sop.cycle import run_step
from xl_sop.cycle.publish import PACK_HISTORY_MONTHS, PACK_PLAN_MONTHS, PACK_SHEETS, _page_area, publish
from xl_sop.cycle.reconcile_step import meeting_summary
from xl_sop.cycle.review import decisions_needed, kpi_summary, top_gaps
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.printing import MIN_PRINTED_POINTS, PAPER_LANDSCAPE_INCHES, printed_area, printed_points

COMPANY = "Example Foods Co."  # the template's Company setting


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return cycled_demo(tmp_path_factory.mktemp("pack"), "SOP_Pack.xlsm", 24)


@pytest.fixture
def book_path(demo, tmp_path):
    return copy_of(demo, tmp_path)


def assert_readable(copy_path) -> None:
    """Every pack sheet of a published copy: landscape, one page wide and one tall, every printed font at 8 pt or more
    (its size x the scale fitting the print area to the page: its width, and its rows at Excel's heights) on Letter and
    on A4; the sheets in the pack's order."""
    wb = load_workbook(copy_path)
    assert [name for name in wb.sheetnames if name in PACK_SHEETS] == list(PACK_SHEETS)
    for name in PACK_SHEETS:
        ws = wb[name]
        setup = ws.page_setup
        assert (setup.orientation, int(setup.fitToWidth), int(setup.fitToHeight)) == ("landscape", 1, 1), name
        assert "," not in str(ws.print_area), name  # one range: ranges print on pages of their own
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        for paper in PAPER_LANDSCAPE_INCHES:
            points, cell = printed_points(ws, paper)
            assert points >= MIN_PRINTED_POINTS, f"{name}: {cell} prints at {points:.1f} pt on {paper}"


def assert_a_page_a_sheet(pages) -> None:
    """The PDF holds one page per pack sheet, in the pack's order (the sheet's name is in each page's header)."""
    assert [sheet for sheet, _text in pages] == list(PACK_SHEETS)


def pages_by_sheet(pdf) -> list[tuple[str, str]]:
    """(sheet, text) of every page: the sheet's name is at the right of the page header (&A)."""
    from xl_sop.workbook.render import page_texts

    out = []
    for text in (t for t in page_texts(pdf) if t.strip()):
        header = next(line for line in text.splitlines() if line.strip())
        out.append((next(name for name in PACK_SHEETS if header.rstrip().endswith(name)), text))
    return out


@pytest.mark.libreoffice
def test_the_draft_pack_opens_on_the_executive_summary_then_the_steps_in_order(book_path, tmp_path, soffice):
    book = FileBook(book_path)
    run_step(book, "demand", now=pd.Timestamp("2026-11-21 10:00"))  # the later steps are stale: a draft
    book.save()
    executive = FileBook(book_path).read_table(schema.TableName.EXECUTIVE)
    published = publish(book_path, tmp_path / "out", draft=True)
    pages = pages_by_sheet(published.pdf)
    assert_a_page_a_sheet(pages)  # the executive summary first
    for number, (sheet, text) in enumerate(pages, start=1):
        header = next(line for line in text.splitlines() if line.strip())
        assert re.match(rf"\s*{re.escape(COMPANY)}\s+DRAFT - S&OP cycle Nov 2026\s+{re.escape(sheet)}$", header), header
        assert re.search(rf"Page {number} of {len(pages)}\s+DRAFT\s*$", text.rstrip()), number
    summary = pages[0][1]
    revenue, budget = executive["Revenue"].sum(), executive["BudgetRevenue"].sum()
    for words in ("Plan revenue", "Against budget", "Margin", "Closing inventory", "Fill rate",
                  "Largest shortages", "Decisions needed", f"{revenue:,.0f}", f"budget {budget:,.0f}",
                  f"{revenue / budget - 1:+.1%} of budget", f"{revenue - budget:,.0f}"):
        assert words in summary, words
    assert "###" not in "".join(text for _sheet, text in pages)


def test_the_pack_is_readable_on_letter_and_a4_and_the_copy_carries_it(demo, tmp_path):
    published = publish(demo, tmp_path / "out", pdf=False)
    assert_readable(published.workbook)
    ws = load_workbook(published.workbook)["1 Demand"]
    shown = [ws.cell(schema.DEMAND_VIEW_ROW, c).value for c in printed_area(ws).columns]
    months = pd.to_datetime(shown[3:], format="%b %Y")
    history = (months < pd.Timestamp("2026-11-01")).sum()
    assert shown[:3] == ["Family", "Item", "Measure"] and 3 <= history <= PACK_HISTORY_MONTHS  # the last actual months
    assert list(months) == list(pd.date_range(end="2027-10-01", periods=history + PACK_PLAN_MONTHS, freq="MS"))
    header = ws.oddHeader
    assert (header.left.text, header.center.text, header.right.text) == (COMPANY, "FOR REVIEW - S&&OP cycle Nov 2026",
                                                                         "&A")


@pytest.mark.slow
def test_the_pack_of_1000_items_is_readable_and_shows_no_hashes(tmp_path, soffice):
    book = cycled_demo(tmp_path, "SOP_Big.xlsm", 1000)
    published = publish(book, tmp_path / "out")
    assert_readable(published.workbook)
    pages = pages_by_sheet(published.pdf)
    assert_a_page_a_sheet(pages)
    assert "###" not in "".join(text for _sheet, text in pages)  # a family total wider than its column
    assert all(f"Page {n} of {len(pages)}" in text for n, (_s, text) in enumerate(pages, start=1))


def test_an_approved_copy_says_approved_in_every_pack_header(book_path, tmp_path):
    book = FileBook(book_path)
    run_step(book, "freeze", now=pd.Timestamp("2026-11-25 09:00"))
    book.save()
    copy = load_workbook(publish(book_path, tmp_path / "out", pdf=False).workbook)
    for name in PACK_SHEETS:
        assert copy[name].oddHeader.center.text == "APPROVED - S&&OP cycle Nov 2026", name
        assert (copy[name].oddFooter.center.text, copy[name].oddFooter.right.text) == ("Page &P of &N", "APPROVED")


def test_a_table_added_within_the_page_lands_on_it_and_one_beyond_stays_in_the_workbook(demo, tmp_path):
    ws = load_workbook(publish(demo, tmp_path / "out", pdf=False).workbook)["6 Follow-up"]
    before = _page_area(ws)
    assert before == "A1:K31"  # the KPI summary under the charts: the targets, then All and 4 families x 2 periods
    ws.cell(40, 2, "Note"), ws.cell(41, 2, "A table a later change adds under the summary")
    ws.add_table(Table(displayName="tblLaterNotes", ref="B40:B41"))
    assert _page_area(ws) == "A1:K41"
    ws.cell(5, 90, "Far"), ws.cell(6, 90, "right of every table")
    ws.add_table(Table(displayName="tblFarNotes", ref="CL5:CL6"))
    assert _page_area(ws) == "A1:K41"  # beyond what one page prints readably: in the workbook only


@pytest.mark.libreoffice
def test_a_36_month_horizon_still_prints_a_page_a_sheet(book_path, tmp_path, soffice):
    """The executive summary prints the first 12 months of the plan and says where the rest is; the grids a year."""
    from xl_sop.cycle import run_all

    book = FileBook(book_path)
    settings = book.read_table("tblSettings")
    settings.loc[settings["Setting"] == "Horizon", "Value"] = 36
    book.write_table("tblSettings", settings)
    capacity = book.read_table("tblCapacity").assign(Month=lambda t: pd.to_datetime(t["Month"]))
    last_year = capacity[capacity["Month"] > capacity["Month"].max() - pd.DateOffset(months=12)]
    later = [last_year.assign(Month=last_year["Month"] + pd.DateOffset(months=12 * k)) for k in (1, 2)]
    book.write_table("tblCapacity", pd.concat([capacity, *later], ignore_index=True))  # hours for the longer plan
    run_all(book, now=pd.Timestamp("2026-11-21 10:00"))
    book.save()
    published = publish(book_path, tmp_path / "out")
    assert_readable(published.workbook)
    pages = pages_by_sheet(published.pdf)
    assert_a_page_a_sheet(pages)
    assert "The first 12 of 36 months; every month is in the workbook." in pages[0][1]
    assert "Oct 2027" in pages[0][1] and "Nov 2027" not in pages[0][1]


def test_the_scenario_tables_print_stacked_on_one_page(demo, tmp_path):
    ws = load_workbook(publish(demo, tmp_path / "out", pdf=False).workbook)["Scenarios"]
    scenarios, shortage, inputs = (ws.tables[n].ref for n in ("tblScenarios", "tblScenarioShortage",
                                                               "tblScenarioInputs"))
    assert scenarios.startswith("A5:") and shortage.startswith(f"A{5 + schema.SCENARIO_ROOM + 2}:")
    assert str(ws.print_area).endswith(f"$A$1:$H${shortage.split(':')[1][1:]}")  # both, not the inputs right of them
    hidden = [r for r in range(5, 5 + schema.SCENARIO_ROOM + 2) if ws.row_dimensions[r].hidden]
    assert hidden == list(range(10, 5 + schema.SCENARIO_ROOM + 1))  # the room under Base and 2 scenarios, but a row


def test_a_long_issue_wraps_in_a_row_tall_enough_for_its_lines(demo, tmp_path):
    ws = load_workbook(publish(demo, tmp_path / "out", pdf=False).workbook)["4 S&OP Meeting"]
    row, column = schema.table_origin(schema.table("tblOpenIssues"))
    heights = {}
    for r in range(row + 1, row + 7):
        cell = ws.cell(r, column)
        assert cell.alignment.wrap_text, cell.coordinate
        heights[len(str(cell.value))] = ws.row_dimensions[r].height or 15
    assert heights[min(heights)] == 15 and heights[max(heights)] >= 30  # one line; two or more


def test_top_gaps_are_the_largest_shortages_in_money_by_family_and_month():
    items = pd.DataFrame({"Item": ["A", "B", "C"], "Family": ["F1", "F1", "F2"], "UnitPrice": [10.0, 5.0, 2.0]})
    jan, feb = pd.Timestamp("2027-01-01"), pd.Timestamp("2027-02-01")
    money = pd.DataFrame({"Item": ["A", "B", "C", "A", "B", "C"], "Month": [jan, jan, jan, feb, feb, feb],
                          "Demand": [100, 50, 500, 80, 40, 300], "Shipped": [90, 50, 400, 80, 20, 300]})
    gaps = top_gaps(money, items, count=2)
    # F2 Jan: 100 short x 2 = 200; F1 Jan: 10 x 10 = 100; F1 Feb: 20 x 5 = 100 (after F1 Jan: same money, by month).
    assert gaps.to_dict("records") == [{"Family": "F2", "Month": jan, "ShortUnits": 100, "ShortRevenue": 200},
                                       {"Family": "F1", "Month": jan, "ShortUnits": 10, "ShortRevenue": 100}]


def test_the_meeting_summary_adds_up_each_family_against_budget_and_the_last_frozen_plan():
    jan, feb = pd.Timestamp("2027-01-01"), pd.Timestamp("2027-02-01")
    compare = pd.DataFrame({"Family": ["F1", "F1", "F2", "F2"], "Month": [jan, feb, jan, feb],
                            "ThisCycle": [110.0, 90.0, 50.0, 50.0], "LastFrozen": [100.0, None, 40.0, 60.0],
                            "Budget": [100.0, 100.0, 50.0, 40.0]})
    by_family = pd.DataFrame({"Family": ["F1", "F1", "F2", "F2"], "Month": [jan, feb, jan, feb],
                              "Revenue": [1100.0, 900.0, 200.0, 200.0], "RevenueGap": [100.0, -100.0, 0.0, 40.0]})
    out = meeting_summary(by_family, compare).set_index("Family")
    assert list(out.index) == ["F1", "F2", "All"]
    # F1: 200 units vs budget 200 (0%); against the last frozen plan only Jan, which it covers: 110 / 100 - 1.
    assert out.loc["F1", ["Units", "VsBudgetPct", "Revenue", "VsBudgetRevenue"]].tolist() == [200, 0.0, 2000, 0]
    assert out.loc["F1", "VsLastFrozenPct"] == pytest.approx(0.1)
    assert out.loc["F2", "VsBudgetPct"] == pytest.approx(100 / 90 - 1, abs=1e-4)
    assert out.loc["F2", "VsLastFrozenPct"] == pytest.approx(0.0)
    # All: 300 units vs 290 budget; the last frozen plan covers F1's Jan and F2's two months: 210 units against 200.
    assert out.loc["All", "VsBudgetPct"] == pytest.approx(300 / 290 - 1, abs=1e-4)
    assert out.loc["All", "VsLastFrozenPct"] == pytest.approx(210 / 200 - 1)


def test_the_kpi_summary_is_the_targets_then_the_latest_month_and_the_last_three_per_family():
    months = pd.date_range("2026-07-01", periods=4, freq="MS")
    kpis = pd.DataFrame({"Month": [*months, *months], "Family": ["All"] * 4 + ["F1"] * 4,
                         "ForecastAccuracy": [0.5, 0.6, 0.7, 0.8, None, 0.9, None, 0.6],
                         "ServiceLevel": [1.0, 1.0, 0.9, 0.95, 0.8, 0.8, 0.8, 0.8]})
    targets = pd.DataFrame({"Metric": ["ForecastAccuracy", "ServiceLevel"], "Target": [0.75, 0.95]})
    out = kpi_summary(kpis, targets)
    assert out["Family"].tolist() == ["Target", "All", "All", "F1", "F1"]
    assert out["Period"].tolist()[1:] == ["Oct 2026", "Aug-Oct 2026"] * 2
    assert out["ForecastAccuracy"].tolist()[:3] == [0.75, 0.8, 0.7]  # Aug-Oct: (0.6 + 0.7 + 0.8) / 3
    assert out.loc[4, "ForecastAccuracy"] == pytest.approx(0.75)  # F1 has two of the three months: (0.9 + 0.6) / 2
    assert out.loc[2, "ServiceLevel"] == pytest.approx((1.0 + 0.9 + 0.95) / 3)


def test_decisions_needed_are_the_open_issues():
    issues = pd.DataFrame({"Issue": ["Add a shift?", "Price increase", None, "New supplier"],
                           "Owner": ["COO", "CFO", "x", "Buyer"], "Due": [pd.Timestamp("2026-12-01")] * 4,
                           "Status": [None, "Closed", None, "open"]})
    assert decisions_needed(issues)["Issue"].tolist() == ["Add a shift?", "New supplier"]
    assert decisions_needed(None).columns.tolist() == ["Due", "Owner", "Issue"]


def test_more_scenarios_than_the_page_has_room_for_stop_reconcile_naming_the_cells(book_path):
    """tblScenarioShortage stands under tblScenarios (one page holds both) with a blank row between: Base and ten
    scenarios fill the room and that row; an eleventh would cover its header, so Reconcile refuses before writing
    anything and says which cells are in the way."""
    from xl_sop.errors import WorkbookError

    book = FileBook(book_path)
    inputs = book.read_table("tblScenarioInputs")
    extra = pd.DataFrame({"Scenario": [f"Demand x{1 + k / 100:.2f}" for k in range(1, 10)], "Change": "demand",
                          "Value": [1 + k / 100 for k in range(1, 10)]})
    book.write_table("tblScenarioInputs", pd.concat([inputs, extra], ignore_index=True))  # 2 + 9 = 11, and Base
    before = book.read_table("tblScenarios")
    with pytest.raises(WorkbookError, match=rf"Scenarios!A{5 + schema.SCENARIO_ROOM + 2}.* is not empty"):
        run_step(book, "reconcile", now=pd.Timestamp("2026-11-21 10:00"))
    assert book.read_table("tblScenarios").equals(before)
