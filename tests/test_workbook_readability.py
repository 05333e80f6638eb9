"""Readability of the built template, read back with openpyxl: number formats, column widths, the Method column
that stays in its cells, and panes frozen on the columns that name a row."""

import math

import pandas as pd
import pytest
from conftest import copy_of
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from xl_sop.cycle.grids import header_month
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import FileBook

STEP_SHEETS = ("1 Demand", "2 Supply", "3 Pre-S&OP", "4 S&OP Meeting", "5 Executive", "6 Follow-up", "Plan Archive")


@pytest.fixture(scope="module")
def workbook(built_template):
    return load_workbook(built_template)


def _cell(ws, table: schema.Table, column: str, data_row: int = 1):
    row, col = schema.table_origin(table)
    return ws.cell(row=row + data_row, column=col + table.column_names.index(column))


def test_number_formats_have_thousands_separators_and_shares_are_percent(workbook):
    for table, column, fmt in (("tblDemandPlan", "Statistical", "#,##0"), ("tblGap", "ShortageRevenue", "#,##0"),
                               ("tblItems", "UnitPrice", "#,##0.00"), ("tblCapacityLoad", "Utilisation", "0.0%"),
                               ("tblCapacityLoad", "RequiredHours", "#,##0.0"), ("tblKPIs", "ServiceLevel", "0.0%"),
                               ("tblExecutive", "Revenue", "#,##0")):
        t = schema.table(table)
        assert _cell(workbook[t.sheet], t, column).number_format == fmt, (table, column)
    tiles = workbook["5 Executive"]
    assert all(tiles.cell(row=4, column=c).number_format == schema.MONEY for c in (1, 3, 5, 7))


LINE_HEIGHT = 15
"""Points a line of 11-point text takes in a row."""
FIGURE_WIDTHS = {schema.MONEY: 12, schema.SHARE: 8, schema.MONTH: 9, schema.DATE: 10}
"""The narrowest a column of figures of that format may be: 12,345,678; 100.0%; Nov 2026; 2026-11-24."""


def test_every_column_is_as_wide_as_its_header_needs(workbook):
    for t in schema.TABLES:
        ws = workbook[t.sheet]
        row, col = schema.table_origin(t)
        for j, column in enumerate(t.columns):
            width = ws.column_dimensions[get_column_letter(col + j)].width
            needs = len(column.name) + 2  # the header and its filter button
            if width >= needs and width >= column.width:
                continue
            # Narrower only where a table shares its columns with a grid's months or its sheet is laid out to print
            # on one page (5 Executive): its header fits or wraps, in a row high enough for the lines it needs, and
            # its figures fit.
            header = ws.cell(row=row, column=col + j)
            lines = math.ceil(needs / width)
            assert lines == 1 or header.alignment.wrap_text, (t.name, column.name, width)
            assert (ws.row_dimensions[row].height or LINE_HEIGHT) >= LINE_HEIGHT * lines, (t.name, column.name, lines)
            assert width >= FIGURE_WIDTHS.get(column.format, 9), (t.name, column.name, width)


def test_the_method_text_shrinks_into_its_column(workbook):
    t = schema.table("tblDemandPlan")
    ws = workbook[t.sheet]
    for i in (1, 2, 400):
        assert _cell(ws, t, "Method", i).alignment.shrink_to_fit, i
    assert not _cell(ws, t, "Item").alignment.shrink_to_fit


def test_rows_a_run_adds_keep_the_method_style(built_template, tmp_path):
    """FileBook styles every row it writes like the column's first row, also beyond the rows the template formats."""
    t = schema.table("tblDemandPlan")
    rows = 450
    path = copy_of(built_template, tmp_path)
    book = FileBook(path)
    book.write_table(t.name, pd.DataFrame({"Item": [f"I{i}" for i in range(rows)], "Method": ["Combination " * 6] * rows}))
    book.save()
    ws = load_workbook(path)[t.sheet]
    assert _cell(ws, t, "Method", rows).alignment.shrink_to_fit
    assert _cell(ws, t, "Statistical", rows).number_format == schema.UNITS


GRIDS = {"1 Demand": "tblDemandView", "2 Supply": "tblSupplyView", "3 Pre-S&OP": "tblGapView"}
"""The step sheets whose main table is a planning grid: labels on the left, a column per month."""


@pytest.mark.parametrize("sheet", [s for s in STEP_SHEETS if s not in GRIDS])
def test_step_sheets_freeze_the_header_row_and_the_label_columns(workbook, sheet):
    first = schema.tables_on(sheet)[0]
    row, col = schema.table_origin(first)
    labels = [c.name for c in first.columns[:first.label_columns]]
    assert set(labels) <= {"Item", "Family", "Resource", "Month", "PlanMonth"}, labels
    if not labels:  # a table typed from its first column (4 S&OP Meeting: the open issues): the header row only
        assert first.columns[0].input, first.name
    assert workbook[sheet].freeze_panes == f"{get_column_letter(col + len(labels))}{row + 1}"


@pytest.mark.parametrize(("sheet", "cell"), [("1 Demand", "E19"), ("2 Supply", "D19"), ("3 Pre-S&OP", "C14")])
def test_grid_sheets_freeze_the_labels_and_the_header_at_the_first_month(workbook, sheet, cell):
    """Scrolling across the months keeps what a row is (family, item, measure, lock) in sight; scrolling down keeps
    the months."""
    grid = schema.table(GRIDS[sheet])
    row, col = schema.table_origin(grid)
    ws = workbook[sheet]
    assert ws.freeze_panes == cell == f"{get_column_letter(col + len(grid.columns))}{row + 1}"
    frozen_column = ws[cell].column
    assert [ws.cell(row=row, column=c).value for c in range(col, frozen_column)] == grid.column_names
    assert header_month(ws.cell(row=row, column=frozen_column).value) is not None  # the first month's column


def test_the_demand_plan_keeps_item_family_and_month_in_sight(workbook):
    assert workbook["Demand Detail"].freeze_panes == "D6"
    t = schema.table("tblDemandPlan")
    assert schema.table_origin(t) == (5, 1) and t.column_names[:3] == ["Item", "Family", "Month"]
