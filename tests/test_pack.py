"""The PDF pack people circulate (issue 15, point 6): the executive summary first, then a page or a few per step in the
cycle's order, landscape and one page wide with no font below 8 pt as printed, the company, the cycle month and the
stamp in the header, page x of y in the footer; the published copy carries all of it, so Excel's PDF export of the
pack sheets prints the same pages as LibreOffice."""

import re

import pandas as pd
import pytest
from conftest import copy_of, cycled_demo
from openpyxl import load_workbook
from openpyxl.worksheet.table import Table

from xl_sop.cycle import run_step
from xl_sop.cycle.publish import PACK_SHEETS, _bands, publish
from xl_sop.cycle.review import decisions_needed, top_gaps
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
    """Every pack sheet of a published copy: landscape, one page wide, every printed font at 8 pt or more (its size
    x the scale fit-to-width gives the widest print range) on Letter and on A4; the sheets in the pack's order."""
    wb = load_workbook(copy_path)
    assert [name for name in wb.sheetnames if name in PACK_SHEETS] == list(PACK_SHEETS)
    for name in PACK_SHEETS:
        ws = wb[name]
        setup = ws.page_setup
        assert (setup.orientation, int(setup.fitToWidth), int(setup.fitToHeight)) == ("landscape", 1, 0), name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        for paper in PAPER_LANDSCAPE_INCHES:
            points, cell = printed_points(ws, paper)
            assert points >= MIN_PRINTED_POINTS, f"{name}: {cell} prints at {points:.1f} pt on {paper}"


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
    order = [sheet for i, (sheet, _text) in enumerate(pages) if i == 0 or pages[i - 1][0] != sheet]
    assert order == list(PACK_SHEETS)  # each sheet's pages together, the executive summary first
    assert len(pages) <= 3 * len(PACK_SHEETS)  # 14 pages in DejaVu Sans at 24 items
    for number, (sheet, text) in enumerate(pages, start=1):
        header = next(line for line in text.splitlines() if line.strip())
        assert re.match(rf"\s*{re.escape(COMPANY)}\s+DRAFT - S&OP cycle Nov 2026\s+{re.escape(sheet)}$", header), header
        assert re.search(rf"Page {number} of {len(pages)}\s+DRAFT\s*$", text.rstrip()), number
    summary = pages[0][1]
    assert summary.count("\f") == 0 and pages[1][0] == "1 Demand"  # the summary is one page
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
    assert shown == ["Family", "Item", "Measure",
                     *(f"{m:%b %Y}" for m in pd.date_range("2026-11-01", periods=12, freq="MS"))]
    header = ws.oddHeader
    assert (header.left.text, header.center.text, header.right.text) == (COMPANY, "FOR REVIEW - S&&OP cycle Nov 2026",
                                                                         "&A")


@pytest.mark.slow
def test_the_pack_of_1000_items_is_readable_and_shows_no_hashes(tmp_path, soffice):
    book = cycled_demo(tmp_path, "SOP_Big.xlsm", 1000)
    published = publish(book, tmp_path / "out")
    assert_readable(published.workbook)
    pages = pages_by_sheet(published.pdf)
    assert [s for i, (s, _t) in enumerate(pages) if i == 0 or pages[i - 1][0] != s] == list(PACK_SHEETS)
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


def test_a_table_added_to_a_pack_sheet_lands_on_its_pages(demo, tmp_path):
    ws = load_workbook(publish(demo, tmp_path / "out", pdf=False).workbook)["4 S&OP Meeting"]
    before = _bands(ws)
    ws.cell(5, 60, "Note"), ws.cell(6, 60, "A table a later change adds")
    ws.add_table(Table(displayName="tblLaterNotes", ref="BH5:BH6"))
    assert _bands(ws) == before + ",BH1:BH6"  # beyond what one page prints readably: its own pages


def test_top_gaps_are_the_largest_shortages_in_money_by_family_and_month():
    items = pd.DataFrame({"Item": ["A", "B", "C"], "Family": ["F1", "F1", "F2"], "UnitPrice": [10.0, 5.0, 2.0]})
    jan, feb = pd.Timestamp("2027-01-01"), pd.Timestamp("2027-02-01")
    money = pd.DataFrame({"Item": ["A", "B", "C", "A", "B", "C"], "Month": [jan, jan, jan, feb, feb, feb],
                          "Demand": [100, 50, 500, 80, 40, 300], "Shipped": [90, 50, 400, 80, 20, 300]})
    gaps = top_gaps(money, items, count=2)
    # F2 Jan: 100 short x 2 = 200; F1 Jan: 10 x 10 = 100; F1 Feb: 20 x 5 = 100 (after F1 Jan: same money, by month).
    assert gaps.to_dict("records") == [{"Family": "F2", "Month": jan, "ShortUnits": 100, "ShortRevenue": 200},
                                       {"Family": "F1", "Month": jan, "ShortUnits": 10, "ShortRevenue": 100}]


def test_decisions_needed_are_the_open_issues():
    issues = pd.DataFrame({"Issue": ["Add a shift?", "Price increase", None, "New supplier"],
                           "Owner": ["COO", "CFO", "x", "Buyer"], "Due": [pd.Timestamp("2026-12-01")] * 4,
                           "Status": [None, "Closed", None, "open"]})
    assert decisions_needed(issues)["Issue"].tolist() == ["Add a shift?", "New supplier"]
    assert decisions_needed(None).columns.tolist() == ["Due", "Owner", "Issue"]
