"""The demand grid in real workbook files: typed cell by cell, run through the runner, read back.

A family figure spreads to its items by their forecast, a locked item keeps its value, removing the figure takes
the items back; what was typed survives a rerun, Undo Last Run and a cycle month that moves; the charts point at
their tables at 24 and at 1,000 items and LibreOffice draws the chosen family's figures.
"""

from __future__ import annotations

import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from grid_typing import grid_cell, grid_value, type_in_grid

from xl_sop.cycle import run_all, run_step, undo_last_run
from xl_sop.cycle.demo import fill_demo_book
from xl_sop.cycle.grids import TOTAL, month_header
from xl_sop.cycle.inputs import validate
from xl_sop.errors import ValidationError
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import FileBook

NOW = pd.Timestamp("2026-11-20 09:00")
NOV, DEC, JAN, FEB = (pd.Timestamp(m) for m in ("2026-11-01", "2026-12-01", "2027-01-01", "2027-02-01"))
SALES, MARKETING = "Sales adj.", "Marketing adj."


@pytest.fixture
def book(tmp_path):
    """A demo workbook (12 items) with Run Forecast pressed once."""
    path = tmp_path / "Plan.xlsm"
    book = fill_demo_book(path, items=12)
    run_step(book, "demand", now=NOW)
    book.save()
    return FileBook(path)


def rerun(book: FileBook, step: str = "demand") -> FileBook:
    """Save what was typed, press the button, save, and open the file again (as Excel would show it)."""
    book.save()
    run_step(book, step, now=NOW)
    book.save()
    return FileBook(book.path)


def plan_rows(book: FileBook, family: str, month: pd.Timestamp) -> pd.DataFrame:
    plan = book.read_table("tblDemandPlan")
    plan["Month"] = pd.to_datetime(plan["Month"])
    return plan[(plan["Family"] == family) & (plan["Month"] == month)].set_index("Item")


def test_run_forecast_writes_the_grid_families_on_top_items_grouped_months_across(book):
    headers = book.table_headers("tblDemandView")
    assert headers[:4] == ["Family", "Item", "Measure", "Lock"]
    months = [pd.Timestamp(pd.to_datetime(h, format="%b %Y")) for h in headers[4:]]
    assert months == list(pd.date_range("2024-11-01", periods=24 + 12, freq="MS"))  # 24 months of history, 12 planned
    grid = book.read_table("tblDemandView")
    assert grid.iloc[0][["Family", "Item", "Measure"]].tolist() == ["Beverages", TOTAL, "History"]
    first_item_row = grid.index[grid["Item"] != TOTAL][0]
    assert grid.loc[:first_item_row - 1, "Item"].eq(TOTAL).all()
    # the family's history is its items' history, month by month
    items = grid[(grid["Family"] == "Beverages") & (grid["Item"] != TOTAL) & (grid["Measure"] == "History")]
    assert grid_value(book, "Beverages", None, "History", "2026-10-01") == pytest.approx(items["Oct 2026"].sum())
    sheet = openpyxl.load_workbook(book.path)["1 Demand"]
    first = book.first_row("tblDemandView")
    levels = [sheet.row_dimensions[first + i - 1].outline_level for i in grid.index]
    assert levels == [0 if item == TOTAL else 1 for item in grid["Item"]]
    assert sheet.sheet_properties.outlinePr.summaryBelow is False
    assert sheet.freeze_panes == f"E{first}"


def test_a_family_figure_typed_in_the_file_spreads_to_its_items_by_their_forecast(book):
    type_in_grid(book, {("Beverages", None, SALES, JAN): 500})
    book = rerun(book)
    jan = plan_rows(book, "Beverages", JAN)
    assert jan["SalesAdj"].sum() == 500
    share = 500 * jan["Statistical"] / jan["Statistical"].sum()
    assert np.all(np.abs(jan["SalesAdj"] - share) <= 1)  # whole units, each within one of its exact share
    assert (jan["SalesAdj"] == jan["SalesAdj"].round()).all()
    assert np.allclose(jan["Consensus"], jan["Statistical"] + jan["SalesAdj"])
    for item, adjustment in jan["SalesAdj"].items():
        assert grid_value(book, "Beverages", item, "From family", JAN) == pytest.approx(adjustment)
    assert grid_value(book, "Beverages", None, SALES, JAN) == 500  # the figure stays where it was typed
    assert plan_rows(book, "Beverages", FEB)["SalesAdj"].sum() == 0
    assert plan_rows(book, "Snacks", JAN)["SalesAdj"].sum() == 0


def test_a_locked_item_keeps_its_value_and_removing_the_family_figure_takes_the_items_back(book):
    before = plan_rows(book, "Beverages", JAN)
    locked = before.index[0]
    type_in_grid(book, {("Beverages", None, SALES, JAN): 500, ("Beverages", locked, "History", None): "x"})
    book = rerun(book)
    jan = plan_rows(book, "Beverages", JAN)
    assert jan.loc[locked, "Consensus"] == pytest.approx(before.loc[locked, "Consensus"])
    assert jan.drop(index=locked)["SalesAdj"].sum() == 500
    type_in_grid(book, {("Beverages", None, SALES, JAN): None})
    book = rerun(book)
    back = plan_rows(book, "Beverages", JAN)
    assert (back["SalesAdj"] == 0).all()
    assert np.allclose(back["Consensus"], before["Consensus"])
    view = book.read_table("tblDemandView")
    assert view.loc[(view["Item"] == locked) & (view["Measure"] == "History"), "Lock"].tolist() == ["x"]


def test_contributors_rows_add_up_instead_of_overwriting_each_other(book):
    settings = book.read_table("tblContributors")
    book.write_table("tblContributors", pd.DataFrame({"Contributor": ["Sales North", "Sales South", MARKETING],
                                                      "Stage": ["Sales", "Sales", "Marketing"]}))
    assert len(settings) == 2
    book = rerun(book)
    item = plan_rows(book, "Snacks", FEB).index[0]
    type_in_grid(book, {("Snacks", item, "Sales North", FEB): 30, ("Snacks", item, "Sales South", FEB): 12})
    book = rerun(book)
    assert plan_rows(book, "Snacks", FEB).loc[item, "SalesAdj"] == 42


def test_typed_figures_survive_a_rerun_undo_and_a_cycle_month_that_moves(book):
    item = plan_rows(book, "Snacks", DEC).index[0]
    typed = {("Snacks", item, MARKETING, DEC): -20, ("Snacks", None, SALES, FEB): 100,
             ("Beverages", None, SALES, NOV): 60}
    type_in_grid(book, typed)
    book = rerun(book)
    book = rerun(book)
    for (family, it, measure, month), value in typed.items():
        assert grid_value(book, family, it, measure, month) == value
    # typed after the last run, then Undo Last Run: the typed figure stays
    type_in_grid(book, {("Snacks", item, SALES, JAN): 7})
    book.save()
    undo_last_run(book, now=NOW)
    book.save()
    book = FileBook(book.path)
    assert grid_value(book, "Snacks", item, SALES, JAN) == 7
    # the cycle month moves to December: each figure stays in its month's column, November's now history
    settings = book.read_table("tblSettings")
    settings.loc[settings["Setting"] == "Cycle month", "Value"] = DEC
    book.write_table("tblSettings", settings)
    history = book.read_table("tblHistory")
    extra = history[pd.to_datetime(history["Month"]) == pd.Timestamp("2026-10-01")].assign(Month=NOV)
    book.write_table("tblHistory", pd.concat([history, extra], ignore_index=True))
    book = rerun(book)
    headers = book.table_headers("tblDemandView")
    assert headers[4] == month_header(pd.Timestamp("2024-12-01")) and headers[4 + 24] == month_header(DEC)
    assert grid_value(book, "Snacks", item, MARKETING, DEC) == -20
    assert grid_value(book, "Snacks", None, SALES, FEB) == 100
    assert grid_value(book, "Beverages", None, SALES, NOV) == 60  # shown in its (past) month, no longer planned
    assert plan_rows(book, "Snacks", FEB)["SalesAdj"].sum() == 100
    assert plan_rows(book, "Snacks", DEC).loc[item, "MarketingAdj"] == -20
    assert pd.to_datetime(book.read_table("tblDemandPlan")["Month"]).min() == DEC
    # the look goes by position: the cycle month's line moved with the months to December's column
    sheet = openpyxl.load_workbook(book.path)["1 Demand"]
    first = book.first_row("tblDemandView")
    column = {h: schema.table_origin(schema.table("tblDemandView"))[1] + j for j, h in enumerate(headers)}
    assert sheet.cell(first, column[month_header(DEC)]).border.left.style == "medium"
    assert sheet.cell(first, column[month_header(NOV)]).border.left.style is None


def test_a_word_typed_in_the_grid_stops_run_forecast_naming_the_cell_and_changes_nothing(book):
    item = plan_rows(book, "Snacks", JAN).index[0]
    ref = grid_cell(book, "Snacks", item, SALES, JAN)
    book.write_cells("1 Demand", {ref: "lots"})
    book.save()
    before = book.path.read_bytes()
    with pytest.raises(ValidationError) as stopped:
        run_step(FileBook(book.path), "demand", now=NOW)
    row = re.sub(r"[A-Z]+", "", ref)
    assert f"1 Demand / tblDemandView, row {row}, column Jan 2027" in str(stopped.value)
    assert "'lots'" in str(stopped.value)
    assert book.path.read_bytes() == before


def chart_ranges(path) -> list[str]:
    with zipfile.ZipFile(path) as package:
        return [f for name in package.namelist() if name.startswith("xl/charts/chart")
                for f in re.findall(r"<(?:c:)?f>([^<]*)</(?:c:)?f>", package.read(name).decode())]


def table_body(book: FileBook, name: str, column: str) -> str:
    spec = schema.table(name)
    first = book.first_row(name)
    rows = len(book.read_table(name))
    letter = openpyxl.utils.get_column_letter(schema.table_origin(spec)[1] + spec.column_names.index(column))
    return f"'{spec.sheet}'!${letter}${first}:${letter}${first + rows - 1}" if rows > 1 else \
        f"'{spec.sheet}'!${letter}${first}"


@pytest.mark.parametrize("items", [24, pytest.param(1000, marks=pytest.mark.slow)])
def test_every_chart_points_at_its_tables_rows_after_a_run(tmp_path, items):
    path = tmp_path / "Plan.xlsm"
    book = fill_demo_book(path, items=items)
    run_all(book, now=NOW)
    book.save()
    book = FileBook(path)
    ranges = chart_ranges(path)
    expected = [table_body(book, "tblDemandHistoryChart", "History"), table_body(book, "tblDemandChart", "Consensus"),
                table_body(book, "tblLoadChart", "Required"), table_body(book, "tblGapByFamily", "Gap"),
                table_body(book, "tblGapByFamily", "Family"), table_body(book, "tblLagAccuracy", "Accuracy"),
                table_body(book, "tblKPITrend", "OnTimeTarget")]
    for wanted in expected:
        assert wanted in ranges, (wanted, ranges)
    assert len(book.read_table("tblGapByFamily")) == 4 and len(book.read_table("tblLagAccuracy")) > 1


def test_libreoffice_draws_the_chosen_family_and_item(book, tmp_path, soffice):
    from xl_sop.cycle.publish import _recalculated

    def chart_figures(path, run):
        (tmp_path / run).mkdir()
        recalculated = openpyxl.load_workbook(_recalculated(path, tmp_path / run), data_only=True)
        ws = recalculated["Demand Detail"]
        out = {}
        for name in ("tblDemandHistoryChart", "tblDemandChart"):
            spec = schema.table(name)
            row, col = schema.table_origin(spec)
            for r in ws.iter_rows(min_row=row + 1, max_row=row + 36, min_col=col, max_col=col + len(spec.columns) - 1,
                                  values_only=True):
                if r[0] is not None:
                    out.setdefault(name, []).append(dict(zip(spec.column_names, r, strict=True)))
        return out

    figures = chart_figures(book.path, "family")
    history = book.read_table("tblHistory")
    items = book.read_table("tblItems")
    history = history.merge(items[["Item", "Family"]], on="Item")
    october = history[(history["Family"] == "Beverages") & (pd.to_datetime(history["Month"]) == "2026-10-01")]
    last_history = figures["tblDemandHistoryChart"][-1]
    assert last_history["History"] == pytest.approx(october["Quantity"].sum())
    # choose an item in the chart's drop-down cell: the chart's figures are that item's
    item = plan_rows(book, "Snacks", JAN).index[0]
    book.write_cells("1 Demand", {"B4": item})
    book.save()
    chosen = chart_figures(book.path, "item")
    jan = next(r for r in chosen["tblDemandChart"] if pd.Timestamp(r["Month"]) == JAN)
    assert jan["Statistical"] == pytest.approx(plan_rows(book, "Snacks", JAN).loc[item, "Statistical"])
    assert jan["Lower80"] <= jan["Statistical"] <= jan["Upper80"]


def test_a_figure_typed_over_a_computed_row_stops_run_forecast_by_cell_and_changes_nothing(book):
    """Review finding: a number typed in an item's Statistical or Consensus row was overwritten by the next run
    without a word. Run Forecast now stops, naming the cell, and writes nothing; Validate names it too; once the
    cell is cleared (or holds what the run wrote) it runs."""
    items = book.read_table("tblItems")
    item, family = items["Item"].iloc[0], items["Family"].iloc[0]
    written = float(grid_value(book, family, item, "Consensus", JAN))
    stat_cell = grid_cell(book, family, item, "Statistical", DEC)
    cons_cell = grid_cell(book, family, item, "Consensus", JAN)
    type_in_grid(book, {(family, item, "Statistical", DEC): 999, (family, item, "Consensus", JAN): written + 500})
    book.save()
    before = book.path.read_bytes()
    with pytest.raises(ValidationError) as stopped:
        run_step(book, "demand", now=NOW)
    book.save()
    assert book.path.read_bytes() == before
    places = {(p.row, p.column) for p in stopped.value.problems}
    assert places == {(int(re.sub(r"^[A-Z]+", "", stat_cell)), month_header(DEC)),
                      (int(re.sub(r"^[A-Z]+", "", cons_cell)), month_header(JAN))}
    assert all("computed" in p.problem and item in p.problem for p in stopped.value.problems)
    assert {(p.row, p.column) for p in validate(FileBook(book.path)) if p.table == "tblDemandView"} == places
    reopened = FileBook(book.path)
    type_in_grid(reopened, {(family, item, "Statistical", DEC): None, (family, item, "Consensus", JAN): written})
    again = rerun(reopened)  # a cleared cell, and one holding what the run wrote, are fine
    assert float(grid_value(again, family, item, "Consensus", JAN)) == pytest.approx(written)


def test_an_item_moved_to_another_family_takes_its_typed_figures_and_lock_along(book):
    """Items moves an item to another family: what was typed on its rows shows under the new family and counts
    (it stayed under the old family's label, a row nothing added up, and left the consensus)."""
    item = plan_rows(book, "Snacks", DEC).index[0]
    type_in_grid(book, {("Snacks", item, MARKETING, DEC): -20, ("Snacks", item, SALES, JAN): 15})
    book.write_cells(schema.table("tblDemandView").sheet, {grid_cell(book, "Snacks", item, SALES, None): "x"})
    book = rerun(book)
    assert plan_rows(book, "Snacks", DEC).loc[item, "MarketingAdj"] == -20
    items = book.read_table("tblItems")
    items.loc[items["Item"] == item, "Family"] = "Household"
    book.write_table("tblItems", items)
    book = rerun(book)
    moved = plan_rows(book, "Household", DEC)
    assert moved.loc[item, "MarketingAdj"] == -20
    assert plan_rows(book, "Household", JAN).loc[item, "SalesAdj"] == 15
    assert item not in plan_rows(book, "Snacks", DEC).index
    assert grid_value(book, "Household", item, MARKETING, DEC) == -20
    assert str(book.read_cells(schema.table("tblDemandView").sheet,
                               grid_cell(book, "Household", item, SALES, None)).popitem()[1]).lower() == "x"
    grid = book.read_table("tblDemandView")
    assert grid[(grid["Family"] == "Snacks") & (grid["Item"] == item)].empty  # no row left under the old family


def test_a_lock_typed_on_a_family_row_is_kept_and_said_to_do_nothing(book):
    """Lock works on item rows (the item keeps out of its family's figures); typed on a family's row it keeps
    nothing, and Run Forecast says so in its status instead of passing over it."""
    sheet = schema.table("tblDemandView").sheet
    book.write_cells(sheet, {grid_cell(book, "Snacks", None, SALES, None): "x"})
    book.save()
    result = run_step(book, "demand", now=NOW)
    assert "Lock on the family row of Snacks does nothing" in result.note
    book.save()
    book = FileBook(book.path)
    assert str(book.read_cells(sheet, grid_cell(book, "Snacks", None, SALES, None)).popitem()[1]) == "x"
    status = book.read_table("tblStepStatus")
    assert status["Status"].astype(str).str.contains("Lock on the family row of Snacks").any()
    type_in_grid(book, {("Snacks", None, SALES, None): None})
    assert "Lock" not in rerun_note(book)


def rerun_note(book: FileBook) -> str:
    book.save()
    return run_step(book, "demand", now=NOW).note
