"""The S&OP cycle end to end on real workbook files: the demo, every step, rerun, undo, freeze.

The demo workbook is the template filled with the sample data; every test works on
its own copy, reads results back from the file, and checks them against the inputs.
"""

import re
import subprocess
import zipfile

import numpy as np
import pandas as pd
import pytest
from conftest import calculation, copy_of, cycled_demo
from grid_typing import grid_value, type_in_grid

from xl_sop.cli import main
from xl_sop.cycle import ValidationError, run_all, run_step, undo_last_run
from xl_sop.cycle.demand import NOT_IN_FORECAST
from xl_sop.cycle.grids import TOTAL, month_header
from xl_sop.cycle.inputs import load_inputs
from xl_sop.cycle.plan import consensus_demand
from xl_sop.cycle.steps import STEPS
from xl_sop.errors import StepOrderError
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import FileBook

ITEMS = 9
PLANNED = ITEMS + 1
"""The demo's items and the item it launches in the plan (sample_data.sample_launch_item)."""


@pytest.fixture(scope="module")
def cycled(tmp_path_factory):
    return cycled_demo(tmp_path_factory.mktemp("cycle"), "SOP_Demo.xlsm", ITEMS)


@pytest.fixture
def book_path(cycled, tmp_path):
    return copy_of(cycled, tmp_path)


def test_demo_command_writes_the_workbook_and_the_pack(tmp_path, capsys, soffice):
    assert main(["demo", "--items", "8", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Consensus, next 3 months, by family" in out and "KPIs, Oct 2026, all families" in out
    book = FileBook(tmp_path / "SOP_Demo.xlsm")
    for step in STEPS.values():
        if step.id == "freeze":
            continue
        for name in step.writes:
            if name not in ("tblOpenIssues", "tblTopGaps", "tblDecisionsNeeded"):  # empty without shortages or issues
                assert len(book.read_table(name)) > 0, name
    status = book.read_table("tblStepStatus").set_index("Step")["Status"]
    assert status["Freeze Plan"] == "not run yet" and (status.drop("Freeze Plan") == "done").all()
    assert (tmp_path / "published" / "SOP_Demo_2026-11.xlsx").exists()
    pdf = tmp_path / "published" / "SOP_Demo_2026-11.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for title in ("1 Demand planning", "2 Supply planning", "3 Pre-S&OP", "4 S&OP meeting", "5 Executive S&OP",
                  "6 Post-S&OP follow-up"):
        assert title in text


def test_demand_plan_covers_every_item_and_month_with_the_consensus_formula(cycled):
    book = FileBook(cycled)
    plan = book.read_table("tblDemandPlan")
    assert len(plan) == PLANNED * 12 and plan.groupby("Item").size().eq(12).all()
    assert plan["Month"].min() == pd.Timestamp("2026-11-01") and plan["Month"].max() == pd.Timestamp("2027-10-01")
    assert (plan["Lower80"] <= plan["Statistical"] + 1e-9).all() and (plan["Statistical"] <= plan["Upper80"] + 1e-9).all()
    part = book._tables["tbldemandplan"][1]
    with zipfile.ZipFile(cycled) as z:
        sheet = z.read(part).decode()
    assert sheet.count("<f>MAX(0,") == len(plan)  # the native formula in every row, with its value cached
    assert len(re.findall(r"<f>MAX\(0,[^<]*</f><v>[0-9.]+</v>", sheet)) == len(plan)


def test_the_cycled_workbook_asks_for_no_full_calculation_on_load(cycled):
    # Excel has not calculated it yet: its engine id has Excel calculate every formula once, as it opens it.
    assert calculation(cycled) == {"calcId": schema.UNCALCULATED_ENGINE}


@pytest.mark.libreoffice
def test_libreoffice_shows_the_cycled_workbooks_formulas_without_a_full_recalculation(cycled, soffice, tmp_path):
    """The Consensus cells hold the results the step wrote; the KPI tiles of 5 Executive hold none and are calculated."""
    from xl_sop.workbook.render import page_texts, to_pdf

    text = "".join(page_texts(to_pdf(cycled, tmp_path)))
    executive = FileBook(cycled).read_table("tblExecutive")
    revenue, budget = executive["Revenue"].sum(), executive["BudgetRevenue"].sum()
    lines = [line for line in text[text.index("Plan revenue"):].splitlines() if line.strip()]
    assert lines[1].split()[:2] == [f"{revenue:,.0f}", f"{revenue - budget:,.0f}"]
    assert f"budget {budget:,.0f}" in lines[2]


def test_supply_plan_balances_and_respects_capacity(cycled):
    book = FileBook(cycled)
    plan = book.read_table("tblSupplyPlan").sort_values(["Item", "Month"])
    items = book.read_table("tblItems").set_index("Item")
    inventory = book.read_table("tblInventory").groupby("Item")["Quantity"].sum()
    for item, rows in plan.groupby("Item"):
        balance = inventory.get(item, 0) + (rows["Production"] - rows["Demand"]).cumsum()
        assert np.allclose(rows["OnHand"] - rows["Backlog"], balance, atol=0.05), item
    load = book.read_table("tblCapacityLoad")
    assert (load["PlannedHours"] <= load["CapacityHours"] + load["OvertimeHours"] + 1e-6).all()
    made = plan.join(items[["Resource", "HoursPerUnit"]], on="Item").dropna(subset=["Resource"])
    hours = (made["Production"] * made["HoursPerUnit"]).groupby([made["Resource"], made["Month"]]).sum()
    planned = load.set_index(["Resource", "Month"])["PlannedHours"]
    assert np.allclose(hours.reindex(planned.index).fillna(0), planned, atol=0.05)


def test_reconcile_executive_and_kpis_add_up(cycled):
    book = FileBook(cycled)
    plan = book.read_table("tblDemandPlan")
    gap = book.read_table("tblGap")
    assert np.isclose(gap["Demand"].sum(), plan["Consensus"].sum(), atol=0.5)
    assert set(book.read_table("tblScenarios")["Scenario"]) == {"Base", "Upside", "Downside"}
    by_family = book.read_table("tblConsensusByFamily")
    executive = book.read_table("tblExecutive")
    assert np.isclose(executive["DemandUnits"].sum(), by_family["Units"].sum(), rtol=1e-6)
    assert executive["Revenue"].sum() <= by_family["Revenue"].sum() + 0.5  # what ships, at most the consensus
    kpis = book.read_table("tblKPIs")
    first = kpis.head(schema.KPI_MONTHS)
    assert (first["Family"] == schema.ALL_FAMILIES).all() and first["Month"].is_monotonic_increasing
    # October's forecast accuracy by hand: the plan frozen for October against October's history.
    archive = book.read_table("tblPlanArchive")
    october = archive[(archive["PlanMonth"] == "2026-10-01") & (archive["Month"] == "2026-10-01")]
    history = book.read_table("tblHistory")
    actual = history[history["Month"] == "2026-10-01"].groupby("Item")["Quantity"].sum()
    pairs = october.set_index("Item")["Consensus"].to_frame().join(actual).fillna(0)
    expected = 1 - (pairs["Quantity"] - pairs["Consensus"]).abs().sum() / pairs["Quantity"].sum()
    measured = first.set_index("Month").loc[pd.Timestamp("2026-10-01"), "ForecastAccuracy"]
    assert measured == pytest.approx(expected, abs=1e-9)
    lags = book.read_table("tblAccuracyByLag")
    assert set(lags["Lag"]) >= {0, 1, 2}


SALES, MARKETING = "Sales adj.", "Marketing adj."
TRICKY = "=HYPERLINK(\"http://x\") promo"
"""Text that Excel would take for a formula if it were handed it as typing: it must stay text."""


def plan_row(book: FileBook, n: int) -> pd.Series:
    """Row n (0-based) of tblDemandPlan: an item and month of the plan, with its family."""
    return book.read_table("tblDemandPlan").iloc[n]


@pytest.mark.slow
def test_rerun_keeps_overrides_comments_and_typed_rows(book_path):
    """Figures typed in the demand grid (an item's row, a family's row), a lock, a decision whose text looks like a
    formula and a typed issue all survive runs that are not saved and a full run that is."""
    book = FileBook(book_path)
    first, sixth = plan_row(book, 0), plan_row(book, 5)
    other = book.read_table("tblDemandPlan").query("Family != @first.Family").iloc[0]
    jan = pd.Timestamp("2027-01-01")
    typed = {(first["Family"], first["Item"], SALES, first["Month"]): 25,
             (sixth["Family"], sixth["Item"], MARKETING, sixth["Month"]): -10,
             (other["Family"], None, SALES, jan): 300,
             (first["Family"], first["Item"], "History", None): "x"}
    type_in_grid(book, typed)
    decisions = pd.DataFrame({"Date": [pd.Timestamp("2026-11-18")], "Topic": ["Snacks"], "Decision": [TRICKY],
                              "Owner": ["Ops"], "Due": [pd.Timestamp("2026-12-01")], "Status": ["Open"]})
    book.write_table("tblDecisions", decisions)
    issues = book.read_table("tblOpenIssues")
    issue = pd.DataFrame({"Issue": ["Customer X delisting"], "Owner": ["Sales"], "Due": [pd.NaT], "Status": ["Open"]})
    book.write_table("tblOpenIssues", pd.concat([issues, issue], ignore_index=True))
    book.save()
    for step in schema.RUN_ALL:
        run_step(FileBook(book_path), step)  # not saved: nothing changes on disk
    book = FileBook(book_path)
    run_all(book)
    book.save()
    back = FileBook(book_path)
    for (family, item, measure, month), value in typed.items():
        if month is not None:
            assert grid_value(back, family, item, measure, month) == value
    grid = back.read_table("tblDemandView").set_index(["Item", "Measure"])
    assert grid.loc[(first["Item"], "History"), "Lock"] == "x"
    again = back.read_table("tblDemandPlan").set_index(["Item", "Month"])
    assert again.loc[(first["Item"], first["Month"]), "SalesAdj"] == 25
    assert again.loc[(first["Item"], first["Month"]), "Consensus"] == pytest.approx(max(0, first["Statistical"] + 25))
    assert again.loc[(sixth["Item"], sixth["Month"]), "MarketingAdj"] == -10
    spread = again.xs(jan, level="Month")
    assert spread.loc[spread["Family"] == other["Family"], "SalesAdj"].sum() == 300  # the family figure, spread
    assert back.read_table("tblDecisions")["Decision"].tolist() == [TRICKY]
    assert "Customer X delisting" in back.read_table("tblOpenIssues")["Issue"].tolist()


def test_inputs_of_months_that_leave_the_plan_are_kept(book_path):
    """A figure typed for November stays in November's column when the cycle moves to December (now a history
    month of the grid), and no longer counts in the plan."""
    book = FileBook(book_path)
    first = plan_row(book, 0)
    nov = pd.Timestamp("2026-11-01")
    assert first["Month"] == nov
    type_in_grid(book, {(first["Family"], first["Item"], SALES, nov): 40,
                        (first["Family"], None, MARKETING, nov): 90})
    plan = book.read_table("tblDemandPlan")  # and a note in a column the planner added to the plan
    noted = plan.assign(**{"My note": ["promo confirmed"] + [None] * (len(plan) - 1)})
    book.write_table("tblDemandPlan", noted, headers=list(noted.columns))
    settings = book.read_table("tblSettings")
    settings.loc[settings["Setting"] == "Cycle month", "Value"] = "Dec 2026"
    book.write_table("tblSettings", settings)
    run_step(book, "demand")
    book.save()
    book = FileBook(book_path)
    headers = book.table_headers("tblDemandView")
    assert headers.index(month_header(nov)) < headers.index(month_header(pd.Timestamp("2026-12-01")))
    assert grid_value(book, first["Family"], first["Item"], SALES, nov) == 40
    assert grid_value(book, first["Family"], None, MARKETING, nov) == 90
    assert pd.isna(grid_value(book, first["Family"], TOTAL, "Consensus", nov))  # no plan for a past month
    after = book.read_table("tblDemandPlan")
    kept = after[after["Method"] == NOT_IN_FORECAST]  # the noted row left the plan: kept for the note, marked
    assert kept[["Item", "Month", "My note"]].values.tolist() == [[first["Item"], nov, "promo confirmed"]]
    planned = after.drop(index=kept.index)
    assert planned["Month"].min() == pd.Timestamp("2026-12-01") and planned["My note"].isna().all()
    assert (planned[["SalesAdj", "MarketingAdj"]] == 0).all().all()
    # what Balance Supply reads of the plan: the plan months only, the kept row not among them
    demand = consensus_demand({"tblDemandPlan": after}, load_inputs(book))
    assert demand["Month"].min() == pd.Timestamp("2026-12-01") and len(demand) == len(planned)


def test_undo_restores_the_replaced_tables_and_keeps_typing(book_path):
    book = FileBook(book_path)
    before = book.read_table("tblSupplyPlan")
    capacity = book.read_table("tblCapacity")
    capacity["Hours"] = capacity["Hours"] * 0.5
    book.write_table("tblCapacity", capacity)
    run_step(book, "supply")
    assert not book.read_table("tblSupplyPlan").equals(before)
    third = plan_row(book, 2)
    type_in_grid(book, {(third["Family"], third["Item"], SALES, third["Month"]): 17})  # typed after the run
    undo_last_run(book)
    book.save()
    back = FileBook(book_path)
    pd.testing.assert_frame_equal(back.read_table("tblSupplyPlan"), before, check_dtype=False)
    assert grid_value(back, third["Family"], third["Item"], SALES, third["Month"]) == 17
    assert back.read_table("tblStepStatus").set_index("Step").loc["Balance Supply", "Status"].startswith("undone")
    assert main(["undo", str(book_path)]) == 2  # nothing left to undo: a clear message, not a crash


def test_a_step_with_bad_input_writes_nothing(book_path, capsys):
    book = FileBook(book_path)
    history = book.read_table("tblHistory")
    history["Quantity"] = history["Quantity"].astype(object)
    history.loc[history.index[3], "Quantity"] = "12 pcs"
    book.write_table("tblHistory", history)
    book.save()
    before = book_path.read_bytes()
    assert main(["run", str(book_path), "--step", "demand"]) == 2
    err = capsys.readouterr().err
    assert "History / tblHistory, row 9, column Quantity: '12 pcs' is not a number" in err
    assert book_path.read_bytes() == before
    with pytest.raises(ValidationError):
        run_step(FileBook(book_path), "supply")


def test_steps_run_in_order(book_path):
    book = FileBook(book_path)
    plan = book.read_table("tblDemandPlan")
    book.write_table("tblDemandPlan", plan.iloc[0:0])  # clean inputs, but no forecast yet
    with pytest.raises(StepOrderError, match="press Run Forecast"):
        run_step(book, "supply")


def test_freeze_archives_this_cycle_once(book_path, capsys):
    assert main(["freeze", str(book_path)]) == 0
    assert "frozen without a recorded approval" in capsys.readouterr().out
    book = FileBook(book_path)
    approval = book.read_table("tblApproval")
    approval.loc[approval["Role"] == "CEO", ["Name", "Approved"]] = ["A. Chief", "Yes"]
    book.write_table("tblApproval", approval)
    book.save()
    assert main(["freeze", str(book_path)]) == 0
    assert "approved by CEO" in capsys.readouterr().out
    archive = FileBook(book_path).read_table("tblPlanArchive")
    this_cycle = archive[archive["PlanMonth"] == pd.Timestamp("2026-11-01")]
    assert len(this_cycle) == PLANNED * 12 and archive["PlanMonth"].nunique() == 7


def test_a_save_interrupted_mid_write_leaves_the_previous_file(book_path, monkeypatch):
    before = book_path.read_bytes()
    book = FileBook(book_path)
    run_step(book, "kpis")
    calls = {"n": 0}
    real = zipfile.ZipInfo.FileHeader  # written for every part, copied as stored or compressed anew

    def crash_halfway(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 20:
            raise KeyboardInterrupt("power cut")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipInfo, "FileHeader", crash_halfway)
    with pytest.raises(KeyboardInterrupt):
        book.save()
    assert book_path.read_bytes() == before
    assert list(book_path.parent.glob("~$*")) == []  # no temporary file left


def test_an_adjustment_that_takes_the_consensus_below_zero_is_said(book_path):
    book = FileBook(book_path)
    first = plan_row(book, 0)
    item, month = first["Item"], first["Month"]
    type_in_grid(book, {(first["Family"], item, SALES, month): -(first["Statistical"] + 500)})
    result = run_step(book, "demand")
    assert result.note.startswith(f"1 item-month(s) have adjustments taking the consensus below 0, counted as 0 "
                                  f"(first: {item} {month:%b %Y}, -500)")
    assert book.read_table("tblDemandPlan").set_index(["Item", "Month"]).loc[(item, month), "Consensus"] == 0
    assert run_step(book, "supply").note == ""
