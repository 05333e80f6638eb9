"""Run Forecast records the fingerprint of the grid it rewrote from the frame it wrote, without reading the grid
back (freshness.record_inputs, ``written``): on real workbook files, plain, with regions and with typed figures,
locks and a figure kept in a history month, the fingerprint it records is the one the grid has when read back,
so Run Forecast is not stale after it ran and becomes stale when a figure is typed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from grid_typing import type_in_grid
from test_input_reads import CountingBook

from xl_sop.cycle import run_step
from xl_sop.cycle.demo import fill_demo_book
from xl_sop.cycle.freshness import _cell, _cells, current_fingerprints, stale_steps
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.schema import TableName as T


def _recorded(book: FileBook, table: str) -> str:
    rows = book.read_table(T.STEP_INPUTS)
    return str(rows[(rows["Step"] == "Run Forecast") & (rows["Table"] == table)]["Fingerprint"].iloc[0])


@pytest.mark.parametrize("regions", [(), ("North", "South")])
def test_the_grid_is_read_once_and_its_recorded_fingerprint_is_the_read_back_one(regions, tmp_path):
    path = tmp_path / "Demo.xlsm"
    fill_demo_book(path, items=24, regions=regions).save()
    book = CountingBook(path)
    run_step(book, "demand")
    assert book.reads[T.DEMAND_VIEW] == 1
    assert _recorded(book, T.DEMAND_VIEW) == current_fingerprints(book, [T.DEMAND_VIEW])[T.DEMAND_VIEW]
    book.save()

    book = FileBook(path)  # figures typed on a family, an item, a lock, a history month; run again
    grid = book.read_table(T.DEMAND_VIEW)
    family = str(grid["Family"].iloc[0])
    items = [i for i in grid.loc[grid["Family"] == family, "Item"].unique() if i != "Total" and "·" not in str(i)]
    typed = {(family, None, "Sales adj.", "2027-01-01"): 500, (family, items[0], "Marketing adj.", "2027-02-01"): -20.5,
             (family, items[1], "Sales adj.", None): "x", (family, items[2], "Sales adj.", "2026-03-01"): 7}
    type_in_grid(book, typed)
    book.save()
    book = CountingBook(path)
    run_step(book, "demand")
    assert book.reads[T.DEMAND_VIEW] == 1
    book.save()
    book = FileBook(path)
    assert _recorded(book, T.DEMAND_VIEW) == current_fingerprints(book, [T.DEMAND_VIEW])[T.DEMAND_VIEW]
    assert "demand" not in stale_steps(book)

    type_in_grid(book, {(family, items[0], "Sales adj.", "2027-03-01"): 40})  # typed after the run: stale
    assert "tblDemandView changed" in stale_steps(book)["demand"]


def test_a_column_of_mixed_cells_is_shown_as_cell_by_cell():
    """The fingerprint shows a column of mixed cells (the grid's month and Lock columns as written) at once, the
    same as _cell one cell at a time: numbers of each type, bools, text with spaces, blanks, dates, infinity."""
    cells = [None, 1, 2.5, np.nan, np.float64(3.25), np.int64(7), True, False, " x ", "", pd.Timestamp("2026-01-01"),
             1e20, -0.0, 12345678901234, pd.NaT, "  ", float("inf")]
    for shift in range(len(cells)):
        column = pd.Series(cells[shift:] + cells[:shift] + cells[::3], dtype=object)
        assert _cells(column) == [_cell(value) for value in column.tolist()]
    months = pd.Series(pd.to_datetime(["2026-01-01", None, "2026-01-01 10:00:01", "2025-03-01", "2026-01-01"],
                                      format="ISO8601"))
    assert _cells(months) == [_cell(value) for value in months.tolist()]  # each distinct date formatted once


def test_figures_are_shown_at_once_as_one_by_one():
    """The fingerprint's text of a float column made at once (_number_texts) is "{:.10g}" of each figure."""
    import numpy as np

    from xl_sop.cycle.freshness import _number_texts

    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(0, 1e5, 400).round(2), rng.integers(-10**9, 10**9, 400).astype(float),
                             [0.0, -0.0, 9999999999.0, 1e10, -1e10, 12345678901.0, 0.5, -2.5, 1e-7, np.nan, np.inf,
                              -np.inf, 2.0**53]])
    assert _number_texts(values) == ["" if np.isnan(v) else f"{v:.10g}" for v in values.tolist()]
