"""The meeting (issue 15) on real workbook files: one base plan everywhere, staleness, approvals, the demo.

The demo workbook (24 items, the sample data) is cycled once with run_all; each test that changes it works on
its own copy and reads the results back from the file.
"""

import numpy as np
import pandas as pd
import pytest
from conftest import copy_of, cycled_demo
from openpyxl import load_workbook

from xl_sop.cli import main
from xl_sop.cycle import run_all, run_step
from xl_sop.cycle.freshness import not_current
from xl_sop.cycle.publish import publish
from xl_sop.errors import InputError, StepOrderError
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import FileBook


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return cycled_demo(tmp_path_factory.mktemp("meeting"), "SOP_Meeting.xlsm", 24)


@pytest.fixture
def book_path(demo, tmp_path):
    return copy_of(demo, tmp_path)


def test_base_scenario_is_the_supply_and_executive_plan(demo):
    book = FileBook(demo)
    base = book.read_table("tblScenarios").set_index("Scenario").loc["Base"]
    executive = book.read_table("tblExecutive")
    supply = book.read_table("tblSupplyPlan")
    load = book.read_table("tblCapacityLoad")
    cost = book.read_table("tblItems").set_index("Item")["UnitCost"]
    # 5 Executive: its months add up to the Base row.
    assert base["Revenue"] == pytest.approx(executive["Revenue"].sum(), abs=0.05)
    assert base["Margin"] == pytest.approx(executive["Margin"].sum(), abs=0.05)
    assert base["FillRate"] == pytest.approx(executive["ShippedUnits"].sum() / executive["DemandUnits"].sum(), abs=1e-6)
    assert base["ClosingInventoryValue"] == pytest.approx(executive["InventoryValue"].iloc[-1], abs=0.05)
    # 2 Supply: the closing stock at cost, the backlog left at the end, the hours planned.
    last = supply[supply["Month"] == supply["Month"].max()]
    assert base["ClosingInventoryValue"] == pytest.approx((last["OnHand"] * last["Item"].map(cost)).sum(), abs=0.05)
    assert base["FillRate"] == pytest.approx(1 - last["Backlog"].sum() / supply["Demand"].sum(), abs=1e-6)
    assert base["CapacityUse"] == pytest.approx(load["PlannedHours"].sum() / load["CapacityHours"].sum(), abs=1e-6)
    # The old scenarios planned lot for lot without safety stock: closing stock 0 while Supply held some.
    assert base["ClosingInventoryValue"] > 0
    # A downside or upside is another plan of the same logic: the hours planned move with demand (CapacityUse is
    # over the scenario's own capacity, the base capacity x its capacity rows; the demo's downside has one).
    scenarios = book.read_table("tblScenarios").set_index("Scenario")
    changes = book.read_table("tblScenarioInputs")
    hours_factor = changes[changes["Change"] == "capacity"].groupby("Scenario")["Value"].prod()
    planned = scenarios["CapacityUse"] * hours_factor.reindex(scenarios.index).fillna(1.0)
    assert planned["Upside"] > planned["Base"] > planned["Downside"]
    assert np.isfinite(scenarios["Revenue"]).all()


def status_of(book: FileBook) -> dict[str, str]:
    status = book.read_table("tblStepStatus")
    return dict(zip(status["Step"], status["Status"].astype(str), strict=True))


def test_run_all_leaves_nothing_stale_and_records_what_each_step_read(demo):
    book = FileBook(demo)
    assert not_current(book) == []
    status = status_of(book)
    assert not any(text.startswith("stale") for text in status.values())
    inputs = book.read_table("tblStepInputs")
    assert set(inputs[inputs["Step"] == "Balance Supply"]["Table"]) >= {"tblSettings", "tblItems", "tblDemandPlan"}
    assert "tblOpenIssues" not in set(inputs[inputs["Step"] == "Reconcile"]["Table"])  # typed issues: no rerun needed


def test_rerunning_a_step_marks_the_later_steps_that_read_it_stale(book_path):
    book = FileBook(book_path)
    run_step(book, "demand", now=pd.Timestamp("2026-11-21 10:00"))
    status = status_of(book)
    for label in ("Balance Supply", "Reconcile", "Refresh Executive"):
        assert status[label] == "stale: Run Forecast ran after it", label
    assert status["Run Forecast"].startswith("done") and status["Refresh KPIs"] == "done"  # KPIs read no demand plan
    run_step(book, "supply", now=pd.Timestamp("2026-11-21 10:05"))
    status = status_of(book)
    assert status["Balance Supply"] == "done"
    assert status["Reconcile"] == "stale: Run Forecast ran after it; Balance Supply ran after it"
    run_all(book, now=pd.Timestamp("2026-11-21 11:00"))
    assert not_current(book) == [] and not any(t.startswith("stale") for t in status_of(book).values())


def test_changing_an_input_marks_the_steps_that_read_it_stale_and_back(book_path):
    book = FileBook(book_path)
    capacity = book.read_table("tblCapacity")
    original = capacity.copy()
    capacity.iloc[0, capacity.columns.get_loc("Hours")] = float(capacity["Hours"].iloc[0]) * 0.5
    book.write_table("tblCapacity", capacity)
    run_step(book, "kpis", now=pd.Timestamp("2026-11-21 10:00"))  # any run updates the statuses
    status = status_of(book)
    assert status["Balance Supply"] == "stale: tblCapacity changed since it ran"
    assert status["Reconcile"] == "stale: tblCapacity changed since it ran"
    assert status["Run Forecast"] == "done" and status["Refresh Executive"] == "done"  # they read no capacity
    book.write_table("tblCapacity", original)  # put back as it was: current again
    run_step(book, "kpis", now=pd.Timestamp("2026-11-21 10:01"))
    assert status_of(book)["Balance Supply"] == "done"
    # A setting that changes no figure leaves every step current.
    settings = book.read_table("tblSettings")
    settings.loc[settings["Setting"] == "Scheduler address", "Value"] = "tcp://10.0.0.5:8786"
    book.write_table("tblSettings", settings)
    assert not_current(book) == []


def test_publish_refuses_stale_steps_unless_a_draft_is_asked_for(book_path, tmp_path, capsys):
    book = FileBook(book_path)
    run_step(book, "demand", now=pd.Timestamp("2026-11-21 10:00"))
    book.save()
    before = sorted(tmp_path.iterdir())
    with pytest.raises(StepOrderError) as refused:
        publish(book_path, tmp_path / "out", pdf=False)
    message = str(refused.value)
    for label in ("Balance Supply", "Reconcile", "Refresh Executive"):
        assert f"{label} is stale (Run Forecast ran after it)" in message
    assert "--draft" in message and "Refresh KPIs" not in message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert main(["publish", str(book_path), "--out", str(tmp_path / "out"), "--no-pdf"]) == 2
    assert "is not ready to publish" in capsys.readouterr().err
    assert main(["publish", str(book_path), "--out", str(tmp_path / "out"), "--no-pdf", "--draft"]) == 0
    copy = load_workbook(next((tmp_path / "out").glob("*.xlsx")))
    assert copy["Home"][schema.PUBLISH_STAMP_CELL].value.startswith("DRAFT: cycle Nov 2026 (Balance Supply is stale")
    for name in ("Home", "1 Demand", "5 Executive"):
        assert copy[name].oddHeader.center.text == "DRAFT - S&&OP cycle Nov 2026"
        assert copy[name].oddFooter.center.text == "Page &P of &N"
    assert sorted(tmp_path.iterdir())[: len(before)] == before


def test_a_current_workbook_publishes_for_review_then_approved_once_frozen(book_path, tmp_path):
    published = publish(book_path, tmp_path / "review", pdf=False)
    assert load_workbook(published.workbook)["Home"][schema.PUBLISH_STAMP_CELL].value == "FOR REVIEW: cycle Nov 2026"
    book = FileBook(book_path)
    run_step(book, "freeze", now=pd.Timestamp("2026-11-25 09:00"))
    book.save()
    assert not_current(FileBook(book_path)) == []  # freezing this cycle leaves the steps current
    published = publish(book_path, tmp_path / "approved", pdf=False)
    copy = load_workbook(published.workbook)
    assert copy["Home"][schema.PUBLISH_STAMP_CELL].value == "APPROVED: cycle Nov 2026"
    assert copy["4 S&OP Meeting"].oddHeader.center.text == "APPROVED - S&&OP cycle Nov 2026"


@pytest.mark.libreoffice
def test_the_draft_pack_says_draft_the_cycle_month_and_the_page_on_every_page(book_path, tmp_path, soffice):
    from xl_sop.workbook.render import page_texts

    book = FileBook(book_path)
    run_step(book, "demand", now=pd.Timestamp("2026-11-21 10:00"))
    book.save()
    published = publish(book_path, tmp_path / "out", draft=True)
    pages = [page for page in page_texts(published.pdf) if page.strip()]
    assert len(pages) > 3
    for number, text in enumerate(pages, start=1):
        assert "DRAFT - S&OP cycle Nov 2026" in text, number
        assert f"Page {number} of {len(pages)}" in text, number


def require_approvals(book: FileBook, roles: str, approvals: dict[str, tuple[str | None, str | None]]) -> None:
    settings = book.read_table("tblSettings")
    settings.loc[settings["Setting"] == "Approvals required", "Value"] = roles
    book.write_table("tblSettings", settings)
    approval = book.read_table("tblApproval")
    for role, (name, approved) in approvals.items():
        approval.loc[approval["Role"] == role, ["Name", "Approved", "Date"]] = [name, approved, pd.Timestamp("2026-11-24")]
    book.write_table("tblApproval", approval)
    book.save()


def test_freeze_refuses_without_the_required_approvals_and_says_whose(book_path, capsys):
    book = FileBook(book_path)
    # COO typed "Yes" with no name: not an approval anybody can stand behind.
    require_approvals(book, "CFO; COO", {"CFO": ("A. Finance", "Yes"), "COO": (None, "Yes")})
    before = book_path.read_bytes()
    with pytest.raises(InputError, match=r"^Freeze Plan: the approval of COO is missing \(Settings: Approvals required\)"):
        run_step(FileBook(book_path), "freeze")
    assert main(["freeze", str(book_path)]) == 2
    err = capsys.readouterr().err
    assert "the approval of COO is missing" in err and "xl-sop freeze BOOK --force" in err
    assert book_path.read_bytes() == before  # nothing frozen, nothing written
    assert main(["freeze", str(book_path), "--force"]) == 0
    assert "forced without the approval of COO" in capsys.readouterr().out
    archive = FileBook(book_path).read_table("tblPlanArchive")
    frozen = archive[archive["PlanMonth"] == pd.Timestamp("2026-11-01")]
    assert set(frozen["ApprovedBy"]) == {"CFO A. Finance 2026-11-24; forced without COO"}
    assert archive[archive["PlanMonth"] < pd.Timestamp("2026-11-01")]["ApprovedBy"].isna().all()  # earlier versions


def test_freeze_with_every_required_approval_records_who_approved(book_path):
    book = FileBook(book_path)
    require_approvals(book, "cfo, COO", {"CFO": ("A. Finance", "Yes"), "COO": ("B. Ops", "x")})
    book = FileBook(book_path)
    result = run_step(book, "freeze", now=pd.Timestamp("2026-11-25 09:00"))
    assert result.note == "approved by CFO, COO"
    frozen = book.read_table("tblPlanArchive")
    frozen = frozen[frozen["PlanMonth"] == pd.Timestamp("2026-11-01")]
    assert set(frozen["ApprovedBy"]) == {"CFO A. Finance 2026-11-24; COO B. Ops 2026-11-24"}
    assert not_current(book) == []  # the settings row changes no figure


def test_home_lists_the_buttons_in_the_cycles_order(demo):
    home = load_workbook(demo)["Home"]["A3"].value
    order = ["Run Forecast", "Balance Supply", "Reconcile", "Refresh Executive", "Freeze Plan", "Refresh KPIs"]
    assert home == "Ribbon tab S&OP: " + " -> ".join(order) + "."
