"""A figure typed in a history month of a contributor row of 1 Demand is kept but not counted in the plan (the plan
starts at the cycle month): Run Forecast goes ahead and says so in its note, Validate names the cell."""

import re

import pandas as pd
import pytest
from grid_typing import grid_cell, grid_value, type_in_grid

from xl_sop.cycle import run_step, validate
from xl_sop.cycle.demo import fill_demo_book
from xl_sop.cycle.grids import month_header
from xl_sop.workbook.filebook import FileBook

NOW = pd.Timestamp("2026-11-20 09:00")
PAST, PLANNED = pd.Timestamp("2026-08-01"), pd.Timestamp("2027-01-01")  # the demo's cycle month is Nov 2026


@pytest.fixture
def book(tmp_path):
    """A demo workbook (6 items) with Run Forecast pressed once."""
    book = fill_demo_book(tmp_path / "Plan.xlsm", items=6)
    run_step(book, "demand", now=NOW)
    book.save()
    return FileBook(book.path)


def test_a_figure_typed_in_a_history_month_is_named_by_cell_and_not_counted(book):
    items = book.read_table("tblItems")
    item, family = items["Item"].iloc[0], items["Family"].iloc[0]
    plan_before = book.read_table("tblDemandPlan")
    cell = grid_cell(book, family, item, "Sales adj.", PAST)
    type_in_grid(book, {(family, item, "Sales adj.", PAST): 300})
    book.save()
    notes = [p for p in validate(FileBook(book.path)) if p.table == "tblDemandView"]
    assert [(p.row, p.column) for p in notes] == [(int(re.sub(r"^[A-Z]+", "", cell)), month_header(PAST))]
    assert notes[0].problem.startswith(f"{item} Sales adj.: 300 is typed in a history month (Aug 2026, before the "
                                       "cycle month Nov 2026): kept, but not counted in the plan")
    result = run_step(book, "demand", now=NOW)  # a note, not a stop
    assert (f"1 figure(s) typed in history months of 1 Demand are kept but not counted (first: row "
            f"{notes[0].row}, Aug 2026)") in result.summary()
    assert float(grid_value(book, family, item, "Sales adj.", PAST)) == 300  # kept
    plan = book.read_table("tblDemandPlan")
    pd.testing.assert_series_equal(plan["Consensus"], plan_before["Consensus"])  # not counted
    status = book.read_table("tblStepStatus").set_index("Step")
    assert "kept but not counted" in str(status.iloc[0]["Status"])


def test_a_figure_in_a_plan_month_makes_no_note(book):
    items = book.read_table("tblItems")
    type_in_grid(book, {(items["Family"].iloc[0], items["Item"].iloc[0], "Sales adj.", PLANNED): 300})
    assert not [p for p in validate(book) if p.table == "tblDemandView"]
    assert "history months" not in run_step(book, "demand", now=NOW).summary()
