"""Building SOP_Template.xlsm: a short sequence of per-sheet builders, then the macro package.

openpyxl lays out the sheets, tables, styles, validation, conditional formats and
charts from the schema; package.py then makes the file a macro workbook (content
type, VBA project, ribbon). Nothing here writes a sheet or table name that the
schema does not give.
"""

from __future__ import annotations

import datetime as dt
from copy import copy
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference, ScatterChart, Series
from openpyxl.chart.legend import Legend
from openpyxl.chart.series import SeriesLabel
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.table import Table as XlTable
from openpyxl.worksheet.table import TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from xl_sop.workbook import schema
from xl_sop.workbook.examples import FUNCTION_EXAMPLES
from xl_sop.workbook.printing import pack_page_setup
from xl_sop.workbook.schema import formula_for

# Styling: one place, so every sheet looks the same.
TITLE = Font(name="Calibri", size=16, bold=True, color="1F4E78")  # named, as HEADER_FONT
NOTE = Font(name="Calibri", italic=True, color="595959")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(name="Calibri", bold=True, color="FFFFFF")  # named: LibreOffice would draw a nameless font in serif, wider
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
INPUT_BORDER = Border(*(Side(style="thin", color="BF9000"),) * 4)
FORMULA_FONT = Font(color="375623")
GREEN, AMBER, RED = (PatternFill("solid", fgColor=c) for c in ("C6EFCE", "FFEB9C", "FFC7CE"))
SHRINK = Alignment(horizontal="left", indent=1, shrink_to_fit=True)
WRAP = Alignment(wrap_text=True, vertical="top")
LABEL_MONTH = Alignment(horizontal="left")
AFTER_DATE = Alignment(horizontal="left", indent=1)
HISTORY_HEADER_FILL = PatternFill("solid", fgColor="7F7F7F")
HISTORY_FONT = Font(name="Calibri", color="595959")  # named, as HEADER_FONT
FAMILY_FILL = PatternFill("solid", fgColor="DDEBF7")
MONTH_WIDTH = 11
"""A grid month column: a family total of a 1,000-item plan in bold (1,234,567) fits without ###."""
DEFAULT_HORIZON = 12
FAMILY_EXAMPLE = "Beverages"
RESOURCE_EXAMPLE = "Bottling"
SUPPLY_LEGEND = ("Bold rows: a resource's hours; its items",
                 "  below (fold with the [-] on the left).",
                 "Red: utilisation above 100% of regular",
                 "  hours, or hours short beyond overtime.")
"""Short lines: the chart beside them starts at the first month column."""
DEMAND_LEGEND = ("Grey columns: history (the older year unfolds",
                 "  with the [+] above the months).",
                 "Bold rows: a family's totals, its items below",
                 "  (fold with the [-] on the left).",
                 "Yellow rows: typed. On a family row, spread to",
                 "  its items (Settings: Spread family figures by);",
                 "  x in Lock keeps an item out.",
                 "Consensus = Statistical + Events + typed",
                 "  rows + From family (Events: sheet Events).",
                 "ITEM · Region rows: the item's regions;",
                 "  its figures spread to them.")
"""Short lines: the chart beside them starts at the first month column (rows 6-16, above the grid's header)."""
ROWS_FORMATTED = 400
"""Rows below a table's header that get its number formats and input styling, so rows a step writes later look the
same. Validation and conditional formats cover the table's data rows exactly instead, so they follow the table when
a step grows or shrinks it (xl_sop/workbook/follow.py)."""

PRINT_ROWS = 45
"""Rows of each table printed in the template's pages (the publish step sets its own print areas)."""
FIXED_TIME = dt.datetime(2026, 1, 1)
EXECUTIVE_WIDTHS = (10, 12, 15, 12, 10, 14, 13, 13, 9, 2, 10, 9, 12, 14, 27)
"""Columns A:O of 5 Executive: the month-by-month table (A:I), a narrow gap, the shortages, decisions and approval
(K:O; the decisions' Issue and the approval's Comment share the wide O, where an issue wraps). 181 characters wide,
so the page prints one page wide at 75% on Letter (11 pt -> 8.3 pt)."""
EXECUTIVE_TILES = ((1, 2), (3, 4), (5, 6), (7, 9), (11, 12), (13, 15))
"""(first, last) column of each tile across the top of 5 Executive (merged: a total in the millions at 16 pt)."""


def build_workbook() -> Workbook:
    """The template as an openpyxl Workbook (no VBA yet)."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in schema.SHEETS:
        ws = wb.create_sheet(sheet.name)
        ws.sheet_properties.codeName = sheet.code_name
        if sheet.name == "xlwings.conf":
            _xlwings_conf(ws)
            continue
        ws.sheet_properties.tabColor = sheet.tab_color
        if sheet.hidden:
            ws.sheet_state = "hidden"
        _heading(ws, sheet)
        for table in schema.tables_on(sheet.name):
            _table(ws, table)
        _freeze(ws)
        _page_setup(ws)
    _settings(wb["Settings"])
    _home(wb["Home"])
    _demand(wb["1 Demand"])
    _lists(wb)
    _supply(wb["Supply Detail"])
    _supply_view(wb["2 Supply"])
    _gap_view(wb["3 Pre-S&OP"])
    _scenarios(wb["Scenarios"])
    _meeting(wb["4 S&OP Meeting"])
    _follow_up_charts(wb["6 Follow-up"])
    _executive(wb["5 Executive"])
    _follow_up(wb["6 Follow-up"])
    _functions(wb["Functions"])
    _names(wb)
    # No fullCalcOnLoad (openpyxl sets it): the old engine id already has Excel calculate the template once.
    wb.calculation = CalcProperties(calcId=int(schema.UNCALCULATED_ENGINE), fullCalcOnLoad=None)
    wb.properties.creator = "xl-sop"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    return wb


def _freeze(ws: Worksheet) -> None:
    """Freeze below the table header and right of the first table's label columns (Item, Family, Month...)."""
    tables = schema.tables_on(ws.title)
    labels = schema.table_origin(tables[0])[1] - 1 + tables[0].label_columns if tables else 0
    ws.freeze_panes = ws.cell(row=schema.sheet(ws.title).table_row + 1, column=1 + labels)


def _page_setup(ws: Worksheet) -> None:
    """Landscape, one page wide (as many pages tall as it takes), narrow margins, the page header and footer of the
    PDF pack (publish writes the company, the stamp and the cycle month into the header); the top of the sheet."""
    pack_page_setup(ws)
    ws.oddHeader.left.text, ws.oddHeader.right.text = "&F", "&A"
    last_col = max((schema.table_origin(t)[1] + len(t.columns) - 1 for t in schema.tables_on(ws.title)), default=8)
    header = schema.sheet(ws.title).table_row
    ws.print_area = f"A1:{get_column_letter(max(last_col, 8))}{header + PRINT_ROWS}"
    ws.print_title_rows = f"{header}:{header}"


def _heading(ws: Worksheet, sheet: schema.Sheet) -> None:
    ws["A1"] = sheet.title
    ws["A1"].font = TITLE
    ws["A2"] = sheet.instruction
    ws["A2"].font = NOTE
    if any(c.input for t in schema.tables_on(sheet.name) for c in t.columns) or sheet.name == "Functions":
        ws["A3"] = "Yellow cells are yours to type in; steps never overwrite them."
        ws["A3"].fill = INPUT_FILL


def _value(column: schema.Column, value: object) -> object:
    if isinstance(value, str) and column.format in (schema.MONTH, schema.DATE):
        return dt.datetime.fromisoformat(value)
    return value


def _table(ws: Worksheet, table: schema.Table) -> None:
    row, col = schema.table_origin(table)
    rows = table.examples or ((None,) * len(table.columns),)
    for j, column in enumerate(table.columns):
        letter = get_column_letter(col + j)
        head = ws.cell(row=row, column=col + j, value=column.name)
        head.fill, head.font = HEADER_FILL, HEADER_FONT
        head.alignment = Alignment(horizontal="center", wrap_text=True)
        ws.column_dimensions[letter].width = max(column.fit_width, ws.column_dimensions[letter].width or 0)
        for i in range(1, ROWS_FORMATTED + 1):
            cell = ws.cell(row=row + i, column=col + j)
            cell.number_format = column.format
            if column.shrink:
                cell.alignment = SHRINK
            elif column.wrap:
                cell.alignment = WRAP
            elif j < table.label_columns and column.format == schema.MONTH:
                cell.alignment = LABEL_MONTH  # a month that names a row reads as a label: "Nov 2025  All", not "Nov 2025All"
            elif j and table.columns[j - 1].format == schema.DATE and column.format in ("General", schema.TEXT):
                cell.alignment = AFTER_DATE  # a right-aligned date, then text: "2026-12-15  open", not "2026-12-15open"
            if column.input:
                cell.fill, cell.border = INPUT_FILL, INPUT_BORDER
            if column.formula and i > len(rows):
                continue
            if column.formula:
                cell.value = formula_for(table, column, row + i)
                cell.font = FORMULA_FONT
            elif i <= len(rows):
                cell.value = _value(column, rows[i - 1][j])
    ref = f"{get_column_letter(col)}{row}:{get_column_letter(col + len(table.columns) - 1)}{row + len(rows)}"
    xl = XlTable(displayName=table.name, ref=ref)
    xl.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(xl)
    numeric_inputs = [c for c in table.columns if c.input and c.format in (schema.UNITS, "0.00")]
    for column in numeric_inputs:
        letter = get_column_letter(col + table.column_names.index(column.name))
        dv = DataValidation(type="decimal", operator="between", formula1="-1000000000", formula2="1000000000",
                            allow_blank=True, showErrorMessage=True, errorTitle="Number expected",
                            error=f"{column.name}: type a number ({column.doc or 'units'}).")
        dv.add(f"{letter}{row + 1}:{letter}{row + len(rows)}")
        ws.add_data_validation(dv)
    for column in (c for c in table.columns if c.choices):
        letter = get_column_letter(col + table.column_names.index(column.name))
        words = ",".join(column.choices)
        dv = DataValidation(type="list", formula1=f'"{words}"', allow_blank=True, showErrorMessage=True,
                            error=f"{column.name}: choose one of {words}.")
        dv.add(f"{letter}{row + 1}:{letter}{row + len(rows)}")
        ws.add_data_validation(dv)


def _settings(ws: Worksheet) -> None:
    table = schema.table("tblSettings")
    row, col = schema.table_origin(table)
    for i, (name, value, fmt, low, high, meaning) in enumerate(schema.SETTINGS, start=1):
        ws.cell(row=row + i, column=col, value=name)
        cell = ws.cell(row=row + i, column=col + 1, value=_value(schema.Column("Value", fmt), value))
        cell.number_format = fmt
        ws.cell(row=row + i, column=col + 2, value=meaning)
        if fmt == schema.MONTH:
            dv = DataValidation(type="date", operator="greaterThan", formula1="36526", showErrorMessage=True,
                                error=f"{name}: type a date (the first day of the month).")
        elif fmt == schema.TEXT and schema.choices(name):
            choices = ",".join(schema.choices(name))
            dv = DataValidation(type="list", formula1=f'"{choices}"', showErrorMessage=True,
                                error=f"{name}: choose one of {choices}.")
        elif fmt == schema.TEXT:  # free text (an address): no validation
            continue
        else:
            kind = "whole" if fmt == "0" else "decimal"
            dv = DataValidation(type=kind, operator="between", formula1=str(low), formula2=str(high), showErrorMessage=True,
                                error=f"{name}: type a number from {low} to {high}.")
        dv.add(cell.coordinate)
        ws.add_data_validation(dv)
    last = row + len(schema.SETTINGS)
    ws.tables[table.name].ref = f"{get_column_letter(col)}{row}:{get_column_letter(col + 2)}{last}"
    for r in range(last + 1, row + ROWS_FORMATTED + 1):
        for c in range(col, col + 3):
            ws.cell(row=r, column=c).fill = PatternFill(None)
            ws.cell(row=r, column=c).border = Border()


def _home(ws: Worksheet) -> None:
    status = schema.table("tblStepStatus")
    row, col = schema.table_origin(status)
    for i, step in enumerate(schema.STEPS, start=1):
        for j, value in enumerate((step.label, step.sheet, step.label, None, "not run yet")):
            ws.cell(row=row + i, column=col + j, value=value)
    ws.tables[status.name].ref = f"{get_column_letter(col)}{row}:{get_column_letter(col + 4)}{row + len(schema.STEPS)}"
    contract = schema.table("tblDataContract")
    row, col = schema.table_origin(contract)
    documented = [t for t in schema.TABLES if not t.output and (t.examples or t.name == "tblEvents")]  # no example event
    lines = [(t.name, c.name, c.doc or schema.DATA_CONTRACT_DOCS.get(c.name, ""))
             for t in documented if t.sheet not in ("6 Follow-up", "5 Executive")
             for c in t.columns]
    for i, line in enumerate(lines, start=1):
        for j, value in enumerate(line):
            ws.cell(row=row + i, column=col + j, value=value)
    ws.tables[contract.name].ref = f"{get_column_letter(col)}{row}:{get_column_letter(col + 2)}{row + len(lines)}"
    ws["A3"] = "Ribbon tab S&OP: " + " -> ".join(step.label for step in schema.STEPS) + "."
    ws["A3"].font = Font(bold=True)


def _demand(ws: Worksheet) -> None:
    """The planning grid: its month columns for the template's cycle month, the chart and its chooser above it.

    Rows are styled by what they are (conditional formats over the grid, so they follow it when a step rewrites
    it): a family's rows bold on blue, contributor rows yellow (typed); history columns grey, a line at the cycle
    month. Typing is refused outside the contributor rows (data validation), where a step would overwrite it."""
    grid = schema.table(schema.TableName.DEMAND_VIEW)
    row, col = schema.table_origin(grid)
    history = schema.DEMAND_VIEW_HISTORY_MONTHS
    months = _template_months(history)
    first_month, last_col = _month_columns(ws, grid, months, history)
    # The older half of the history folds away (Data > Outline), leaving the last 12 months beside the plan.
    ws.column_dimensions.group(get_column_letter(first_month), get_column_letter(first_month + history // 2 - 1),
                               outline_level=1, hidden=True)
    ws.sheet_properties.outlinePr.summaryBelow = False  # a family's rows stand above its items'
    body = f"{get_column_letter(col)}{row + 1}:{get_column_letter(last_col)}{row + 1}"
    item, measure = (f"${get_column_letter(col + grid.column_names.index(n))}{row + 1}" for n in ("Item", "Measure"))
    # A typed row is any row but the computed ones (a contributor's, or one kept after its contributor went): said
    # with plain comparisons, which Excel and LibreOffice evaluate alike in formats and validation.
    computed = ",".join(f'{measure}="{m}"' for m in (*schema.COMPUTED_MEASURES, ""))
    typed = f"NOT(OR({computed}))"
    months_body = f"{get_column_letter(first_month)}{row + 1}:{get_column_letter(last_col)}{row + 1}"
    # Typed rows first: a family's typed rows are yellow too (and bold, from the second rule, where both apply).
    ws.conditional_formatting.add(months_body, FormulaRule(formula=[typed], fill=INPUT_FILL))
    ws.conditional_formatting.add(body, FormulaRule(formula=[f'{item}="{schema.FAMILY_ROW_ITEM}"'], fill=FAMILY_FILL,
                                                    font=Font(bold=True)))
    first = f"{get_column_letter(first_month)}{row + 1}"
    dv = DataValidation(type="custom", formula1=f"AND({typed},ISNUMBER({first}))", allow_blank=True,
                        showErrorMessage=True, errorTitle="Type in the yellow rows",
                        error="Type numbers (units, + or -) in the yellow contributor rows only: the other rows are "
                              "computed by Run Forecast and would overwrite what is typed there.")
    dv.add(months_body)
    ws.add_data_validation(dv)
    _chooser(ws, "Chart shows:", FAMILY_EXAMPLE, schema.DEMAND_CHOICES_NAME, schema.DEMAND_CHOICE_NAME)
    for r, text in enumerate(DEMAND_LEGEND, start=6):
        ws.cell(row=r, column=1, value=text).font = NOTE
    past, plan = (schema.table(n) for n in (schema.TableName.DEMAND_HISTORY_CHART, schema.TableName.DEMAND_CHART))
    detail = ws.parent[plan.sheet]
    labels = len(grid.columns)
    _formula_rows(detail, past, [{"Month": m.to_pydatetime(), "Offset": labels + i} for i, m in enumerate(months[:history])])
    _formula_rows(detail, plan, [{"Month": m.to_pydatetime(), "Offset": labels + history + i}
                                 for i, m in enumerate(months[history:])])
    # A scatter chart with lines: each series has its own months (history before the cycle month, the plan from it),
    # so nothing is drawn where a series has no figure, in Excel as in LibreOffice.
    line = ScatterChart()
    line.title = "History, forecast and consensus"
    line.style = 13
    for table, name, colour, dash in ((past, "History", "595959", "solid"), (plan, "Statistical", "2F75B5", "dash"),
                                      (plan, "Consensus", "C00000", "solid"), (plan, "Lower80", "9DC3E6", "sysDot"),
                                      (plan, "Upper80", "9DC3E6", "sysDot")):
        t_row, t_col = schema.table_origin(table)
        count = history if table is past else len(months) - history
        j = t_col + table.column_names.index(name)
        values = Reference(detail, min_col=j, min_row=t_row, max_row=t_row + count)
        x_values = Reference(detail, min_col=t_col, min_row=t_row + 1, max_row=t_row + count)
        series = Series(values, x_values, title_from_data=True)
        series.marker.symbol = "none"
        series.graphicalProperties.line.solidFill = colour
        series.graphicalProperties.line.prstDash = dash
        series.smooth = False
        line.series.append(series)
    line.x_axis.number_format = "mmm yy"
    line.x_axis.majorUnit = 91  # the axis' ends are left to Excel and LibreOffice: the months move every cycle
    line.y_axis.number_format = "#,##0"
    line.y_axis.title = "Units"
    line.x_axis.delete = line.y_axis.delete = False
    line.height, line.width = 6.2, 19
    ws.add_chart(line, f"{get_column_letter(first_month)}4")  # under the legend line of row 3


def _lists(wb: Workbook) -> None:
    """Defined names over table columns that formulas, validation lists and conditional formats use (they follow
    their table when a step rewrites it)."""
    for name, table_name, column, _rows in ((schema.DEMAND_CHOICES_NAME, schema.TableName.DEMAND_CHOICES, "Show", None),
                                           (schema.RESOURCE_CHOICES_NAME, schema.TableName.RESOURCE_CHOICES, "Resource",
                                            None)):
        # A structured reference: the name covers the column however many rows people or steps give the table.
        wb.defined_names[name] = DefinedName(name, attr_text=f"{table_name}[{column}]")


def _supply(ws: Worksheet) -> None:
    """Red where the consensus needs more hours than the regular capacity; amber where stock falls below safety stock."""
    load = schema.table("tblCapacityLoad")
    util = _column_range(load, "Utilisation", _data_rows(load))
    first = util.split(":")[0]
    ws.conditional_formatting.add(util, FormulaRule(formula=[f"AND(ISNUMBER({first}),{first}>1)"], fill=RED))
    plan = schema.table("tblSupplyPlan")
    on_hand = _column_range(plan, "OnHand", _data_rows(plan))
    cell, safety = on_hand.split(":")[0], _column_range(plan, "SafetyStock").split(":")[0]
    ws.conditional_formatting.add(on_hand, FormulaRule(formula=[f"AND(ISNUMBER({cell}),{cell}<{safety})"], fill=AMBER))


def _month_columns(ws: Worksheet, table: schema.Table, months: pd.DatetimeIndex, history: int = 0,
                   width: float = 0) -> tuple[int, int]:
    """Write a grid table's month headers (the template's cycle month) and the style of its first data row; make
    the table cover them; freeze its labels and header. Returns (first month column, last month column)."""
    row, col = schema.table_origin(table)
    first_month = col + len(table.columns)
    last_col = first_month + len(months) - 1
    for j, month in enumerate(months):
        c = first_month + j
        head = ws.cell(row=row, column=c, value=f"{month:%b %Y}")
        head.fill, head.font = HEADER_FILL if j >= history else HISTORY_HEADER_FILL, HEADER_FONT
        head.alignment = Alignment(horizontal="center")
        cell = ws.cell(row=row + 1, column=c)
        cell.number_format = schema.UNITS
        if j < history:
            cell.font = HISTORY_FONT
        if history and j == history:
            cell.border = Border(left=Side(style="medium", color="1F4E78"))
        ws.column_dimensions[get_column_letter(c)].width = width or MONTH_WIDTH
    ws.tables[table.name].ref = f"{get_column_letter(col)}{row}:{get_column_letter(last_col)}{row + 1}"
    ws.freeze_panes = ws.cell(row=row + 1, column=first_month)
    # One page wide: the published pack prints the labels and a year of the plan (the other
    # months are hidden in the copy, xl_sop.cycle.publish), which keeps every font at 8 pt or more on Letter.
    ws.print_title_cols = f"{get_column_letter(col)}:{get_column_letter(first_month - 1)}"
    ws.print_area = f"A1:{get_column_letter(last_col)}{row + PRINT_ROWS}"
    return first_month, last_col


def _template_months(history: int = 0) -> pd.DatetimeIndex:
    """The months of a grid in the template: the history shown and the default horizon around its cycle month."""
    cycle = pd.Timestamp(schema.SETTINGS[0][1])
    return pd.date_range(cycle - pd.DateOffset(months=history), periods=history + DEFAULT_HORIZON, freq="MS")


def _chooser(ws: Worksheet, label: str, value: str, choices: str, choice_name: str) -> None:
    """A cell above a chart saying what it shows, chosen from a list (a defined name over a table column)."""
    ws.cell(row=4, column=1, value=label).font = Font(name="Calibri", bold=True, color="1F4E78")
    choice = ws.cell(row=4, column=2, value=value)
    choice.fill, choice.border = INPUT_FILL, INPUT_BORDER
    pick = DataValidation(type="list", formula1=f"={choices}", showErrorMessage=True, error="Choose one from the list.")
    pick.add(choice.coordinate)
    ws.add_data_validation(pick)
    ws.parent.defined_names[choice_name] = DefinedName(choice_name, attr_text=f"'{ws.title}'!$B$4")


def _supply_view(ws: Worksheet) -> None:
    """The resource grid (utilisation above 100% in red, a resource's rows bold) and the load chart above it."""
    grid = schema.table(schema.TableName.SUPPLY_VIEW)
    row, col = schema.table_origin(grid)
    first_month, last_col = _month_columns(ws, grid, _template_months())
    body = f"{get_column_letter(col)}{row + 1}:{get_column_letter(last_col)}{row + 1}"
    item, measure = (f"${get_column_letter(col + grid.column_names.index(n))}{row + 1}" for n in ("Item", "Measure"))
    first = f"{get_column_letter(first_month)}{row + 1}"
    months_body = f"{first}:{get_column_letter(last_col)}{row + 1}"
    # The red rules first: where two rules fill a cell, the first one added wins (a resource's rows are blue too).
    ws.conditional_formatting.add(months_body, FormulaRule(
        formula=[f'AND({measure}="Utilisation %",ISNUMBER({first}),{first}>100)'], fill=RED, font=Font(bold=True)))
    ws.conditional_formatting.add(months_body, FormulaRule(
        formula=[f'AND({measure}="Short hours",ISNUMBER({first}),{first}>0.5)'], fill=RED, font=Font(bold=True)))
    ws.conditional_formatting.add(body, FormulaRule(formula=[f'{item}="{schema.FAMILY_ROW_ITEM}"'], fill=FAMILY_FILL,
                                                    font=Font(bold=True)))
    _chooser(ws, "Chart shows:", RESOURCE_EXAMPLE, schema.RESOURCE_CHOICES_NAME, schema.RESOURCE_CHOICE_NAME)
    for r, text in enumerate(SUPPLY_LEGEND, start=6):
        ws.cell(row=r, column=1, value=text).font = NOTE
    chart_table = schema.table(schema.TableName.LOAD_CHART)
    detail = ws.parent[chart_table.sheet]
    c_row, c_col = schema.table_origin(chart_table)
    months = _template_months()
    _formula_rows(detail, chart_table, [{"Month": m.to_pydatetime()} for m in months])
    bars = BarChart()
    bars.title = "Hours needed against capacity"
    for name in ("Required", "Planned"):
        j = c_col + chart_table.column_names.index(name)
        bars.add_data(Reference(detail, min_col=j, min_row=c_row, max_row=c_row + len(months)), titles_from_data=True)
    bars.set_categories(Reference(detail, min_col=c_col, min_row=c_row + 1, max_row=c_row + len(months)))
    lines = LineChart()
    for name, colour in (("Capacity", "375623"), ("WithOvertime", "C00000")):
        j = c_col + chart_table.column_names.index(name)
        lines.add_data(Reference(detail, min_col=j, min_row=c_row, max_row=c_row + len(months)), titles_from_data=True)
        lines.series[-1].graphicalProperties.line.solidFill = colour
        lines.series[-1].smooth = False
    bars += lines
    bars.x_axis.number_format = "mmm yy"
    bars.y_axis.number_format = "#,##0"
    bars.y_axis.title = "Hours"
    bars.height, bars.width = 6.2, 20
    ws.add_chart(bars, f"{get_column_letter(first_month)}4")


def _gap_view(ws: Worksheet) -> None:
    """The family grid (a shortage in red) with the gap-by-family chart above it."""
    grid = schema.table(schema.TableName.GAP_VIEW)
    row, col = schema.table_origin(grid)
    first_month, last_col = _month_columns(ws, grid, _template_months())
    measure = f"${get_column_letter(col + grid.column_names.index('Measure'))}{row + 1}"
    first = f"{get_column_letter(first_month)}{row + 1}"
    months_body = f"{first}:{get_column_letter(last_col)}{row + 1}"
    ws.conditional_formatting.add(months_body, FormulaRule(
        formula=[f'AND(OR({measure}="Gap (short +)",{measure}="Shortage revenue"),ISNUMBER({first}),{first}>0.5)'],
        fill=RED))
    bars = _bars(ws, schema.TableName.GAP_BY_FAMILY, "Gap", "Gap by family (units, short +)", "#,##0")
    bars.type = "bar"
    bars.height, bars.width = 4.6, 16
    ws.add_chart(bars, "A3")


def _scenarios(ws: Worksheet) -> None:
    """A drop-down of the kinds of change on tblScenarioInputs[Change] (Excel carries it to the rows a planner adds).
    The scenarios and their shortages stand one above the other at the left (the page the pack prints), the inputs
    right of them."""
    table = schema.table(schema.TableName.SCENARIO_INPUTS)
    row, col = schema.table_origin(table)
    letter = get_column_letter(col + table.column_names.index("Change"))
    choices = ",".join(schema.SCENARIO_CHANGES)
    dv = DataValidation(type="list", formula1=f'"{choices}"', showErrorMessage=True, errorTitle="Change",
                        error=f"Change: choose one of {choices}.")
    dv.add(f"{letter}{row + 1}:{letter}{row + len(table.examples)}")
    ws.add_data_validation(dv)


def _meeting(ws: Worksheet) -> None:
    """Each family against budget and against the last frozen plan (tblMeetingSummary), as bars above the tables."""
    bars = _bars(ws, schema.TableName.MEETING_SUMMARY, "VsBudgetPct", "Units against budget and the last frozen plan",
                 "+0%;-0%;0%")
    table = schema.table(schema.TableName.MEETING_SUMMARY)
    row, col = schema.table_origin(table)
    j = col + table.column_names.index("VsLastFrozenPct")
    bars.add_data(Reference(ws, min_col=j, min_row=row, max_row=row + 1), titles_from_data=True)
    for series, label in zip(bars.series, ("Against budget", "Against the last frozen plan"), strict=True):
        series.tx = SeriesLabel(v=label)  # the legend in words, not the columns' names
    bars.type = "bar"
    bars.legend = Legend()
    bars.legend.position = "b"
    bars.x_axis.delete = bars.y_axis.delete = False
    bars.x_axis.tickLblPos = "low"  # the families left of the bars, not over those below 0
    bars.height, bars.width = 6.6, 16
    ws.add_chart(bars, "A4")


def _bars(ws: Worksheet, table_name: str, column: str, title: str, number_format: str) -> BarChart:
    """A bar per row of a one-row template table (its first column names the bars): the range follows the table."""
    table = schema.table(table_name)
    source = ws.parent[table.sheet]
    row, col = schema.table_origin(table)
    bars = BarChart()
    bars.title = title
    j = col + table.column_names.index(column)
    bars.add_data(Reference(source, min_col=j, min_row=row, max_row=row + 1), titles_from_data=True)
    bars.set_categories(Reference(source, min_col=col, min_row=row + 1, max_row=row + 1))
    bars.y_axis.number_format = number_format
    bars.legend = None
    return bars


def _follow_up_charts(ws: Worksheet) -> None:
    """The headline KPIs against their targets, and accuracy by lag, above the tables."""
    trend_table = schema.table(schema.TableName.KPI_TREND)
    t_row, t_col = schema.table_origin(trend_table)
    months = pd.date_range(end=pd.Timestamp(schema.SETTINGS[0][1]) - pd.DateOffset(months=1), periods=schema.KPI_MONTHS,
                           freq="MS")
    _formula_rows(ws, trend_table, [{"Month": m.to_pydatetime()} for m in months])
    trend = LineChart()
    trend.title = "Accuracy, service and on-time delivery against target"
    for name, colour, dash in (("ForecastAccuracy", "2F75B5", "solid"), ("AccuracyTarget", "2F75B5", "dash"),
                               ("ServiceLevel", "375623", "solid"), ("ServiceTarget", "375623", "dash"),
                               ("OnTimeDelivery", "C55A11", "solid"), ("OnTimeTarget", "C55A11", "dash")):
        j = t_col + trend_table.column_names.index(name)
        trend.add_data(Reference(ws, min_col=j, min_row=t_row, max_row=t_row + len(months)), titles_from_data=True)
        trend.series[-1].graphicalProperties.line.solidFill = colour
        trend.series[-1].graphicalProperties.line.prstDash = dash
        trend.series[-1].smooth = False
    trend.set_categories(Reference(ws, min_col=t_col, min_row=t_row + 1, max_row=t_row + len(months)))
    trend.x_axis.number_format = "mmm yy"
    trend.y_axis.number_format = "0%"
    trend.height, trend.width = 7, 18
    ws.add_chart(trend, "A3")
    bars = _bars(ws, schema.TableName.LAG_ACCURACY, "Accuracy", "Accuracy by lag (months ahead the plan was frozen)",
                 "0%")
    bars.height, bars.width = 7, 14
    ws.add_chart(bars, "G3")


def _formula_rows(ws: Worksheet, table: schema.Table, rows: list[dict[str, object]]) -> None:
    """The template's rows of a chart table: the values given, its formula columns' formulas."""
    row, col = schema.table_origin(table)
    for i, values in enumerate(rows, start=1):
        for j, column in enumerate(table.columns):
            cell = ws.cell(row=row + i, column=col + j)
            cell.value = values.get(column.name) if column.formula is None else formula_for(table, column, row + i)
    ws.tables[table.name].ref = (f"{get_column_letter(col)}{row}:{get_column_letter(col + len(table.columns) - 1)}"
                                 f"{row + max(len(rows), 1)}")


def _executive(ws: Worksheet) -> None:
    """The executive summary, one landscape page: tiles (plan against budget in money and %, margin, closing
    inventory, fill rate, demand not shipped), the charts beside the largest shortages and the decisions needed, the
    plan month by month and the approval under them. Tiles are native formulas over the tables: readable without
    Python."""
    table = schema.table(schema.TableName.EXECUTIVE)
    row, col = schema.table_origin(table)
    for letter, width in zip("ABCDEFGHIJKLMNO", EXECUTIVE_WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width  # narrower than the headers: they wrap, the page stays readable
    ws.row_dimensions[row].height = 30
    bars = BarChart()
    bars.title = "Revenue vs budget"
    # The table's header and data rows exactly, so the series follow the table when Refresh Executive rewrites it.
    bars.add_data(Reference(ws, min_col=col + 1, max_col=col + 2, min_row=row, max_row=row + 1), titles_from_data=True)
    bars.set_categories(Reference(ws, min_col=col, min_row=row + 1, max_row=row + 1))
    bars.x_axis.number_format, bars.y_axis.number_format = "mmm yy", "#,##0"
    bars.x_axis.delete = bars.y_axis.delete = False
    bars.legend.position = "b"
    bars.height, bars.width = 7.6, 10.6
    ws.add_chart(bars, "A7")
    kpis = schema.table(schema.KPI_TABLE)
    k_row, k_col = schema.table_origin(kpis)
    follow = ws.parent["6 Follow-up"]
    trend = LineChart()
    trend.title = "Service and accuracy"
    for name in ("ForecastAccuracy", "ServiceLevel", "OnTimeDelivery"):
        j = k_col + kpis.column_names.index(name)
        trend.add_data(Reference(follow, min_col=j, min_row=k_row, max_row=k_row + schema.KPI_MONTHS), titles_from_data=True)
        trend.series[-1].smooth = False
    trend.set_categories(Reference(follow, min_col=k_col, min_row=k_row + 1, max_row=k_row + schema.KPI_MONTHS))
    trend.x_axis.number_format, trend.y_axis.number_format = "mmm yy", "0%"
    trend.x_axis.delete = trend.y_axis.delete = False
    trend.legend.position = "b"
    trend.height, trend.width = 7.6, 8.4
    ws.add_chart(trend, "F7")
    for name, label in ((schema.TableName.TOP_GAPS, "Largest shortages (demand the plan does not ship)"),
                        (schema.TableName.DECISIONS_NEEDED, "Decisions needed (open issues, 4 S&OP Meeting)")):
        t_row, t_col = schema.table_origin(schema.table(name))
        ws.cell(row=t_row - 1, column=t_col, value=label).font = Font(bold=True, color="1F4E78")
    money = {name: _column_range(table, name) for name in table.column_names}
    revenue, budget = f"SUM({money['Revenue']})", f"SUM({money['BudgetRevenue']})"
    last_month = f"COUNT({money['Month']})"
    tiles = (  # (label, value, its format, the line under it)
        ("Plan revenue", f"={revenue}", schema.MONEY, f'="budget "&TEXT({budget},"#,##0")'),
        ("Against budget", f"={revenue}-{budget}", schema.MONEY,
         f'=IFERROR(TEXT({revenue}/{budget}-1,"+0.0%;-0.0%")&" of budget","")'),
        ("Margin", f"=SUM({money['Margin']})", schema.MONEY,
         f'=IFERROR(TEXT(SUM({money["Margin"]})/{revenue},"0.0%")&" of revenue","")'),
        ("Closing inventory", f"=IFERROR(INDEX({money['InventoryValue']},{last_month}),\"\")", schema.MONEY,
         f'=IFERROR("at cost, end of "&TEXT(INDEX({money["Month"]},{last_month}),"mmm yyyy"),"")'),
        ("Fill rate", f"=IFERROR(SUM({money['ShippedUnits']})/SUM({money['DemandUnits']}),\"\")", schema.SHARE,
         '="of demand units shipped"'),
        ("Not shipped", f"=SUM({money['DemandUnits']})-SUM({money['ShippedUnits']})", schema.UNITS,
         '="units short over the horizon"'),
    )
    for (label, value, fmt, under), (first, last) in zip(tiles, EXECUTIVE_TILES, strict=True):
        for r, text, font in ((3, label, Font(bold=True, color="1F4E78")), (4, value, Font(size=16, bold=True)),
                              (5, under, Font(italic=True, color="595959"))):
            cell = ws.cell(row=r, column=first, value=text)
            cell.font, cell.alignment, cell.fill = font, Alignment(horizontal="center"), PatternFill(None)
            if r == 4:
                cell.number_format = fmt
            ws.merge_cells(start_row=r, start_column=first, end_row=r, end_column=last)
    ws.row_dimensions[4].height = 24
    # Calibri by name, where the styles above leave the font to the application: LibreOffice would otherwise draw the
    # headers in its default serif, wider than the columns laid out for one page.
    for cells in ws.iter_rows(min_row=1, max_row=row):
        for cell in cells:
            if cell.value is not None and cell.font.name is None:
                font = copy(cell.font)
                font.name = "Calibri"
                cell.font = font
    against = ws.cell(row=4, column=EXECUTIVE_TILES[1][0]).coordinate
    ws.conditional_formatting.add(against, FormulaRule(formula=[f"AND(ISNUMBER({against}),{against}<0)"],
                                                       font=Font(bold=True, color="C00000")))
    ws.conditional_formatting.add(against, FormulaRule(formula=[f"AND(ISNUMBER({against}),{against}>=0)"],
                                                       font=Font(bold=True, color="375623")))


def _data_rows(table: schema.Table) -> int:
    """The table's data rows in the template: its examples, or the one blank row of an empty table."""
    return len(table.examples) or 1


def _column_range(table: schema.Table, name: str, rows: int = ROWS_FORMATTED) -> str:
    row, col = schema.table_origin(table)
    letter = get_column_letter(col + table.column_names.index(name))
    return f"{letter}{row + 1}:{letter}{row + rows}"


def _follow_up(ws: Worksheet) -> None:
    """Traffic lights: each KPI against its row in the Targets table (green met, amber within 5%, red missed), in the
    month-by-month table and in the summary the pack prints (not on its row of the targets themselves)."""
    targets = schema.table(schema.TARGETS_TABLE)
    t_row, t_col = schema.table_origin(targets)
    target_letter, better_letter = get_column_letter(t_col + 1), get_column_letter(t_col + 2)
    for kpis in (schema.table(schema.KPI_TABLE), schema.table(schema.TableName.KPI_SUMMARY)):
        k_row, k_col = schema.table_origin(kpis)
        family = f"${get_column_letter(k_col + kpis.column_names.index('Family'))}{k_row + 1}"
        for i, (metric, _target, _better) in enumerate(targets.examples, start=1):
            j = k_col + kpis.column_names.index(str(metric))
            letter = get_column_letter(j)
            first = f"{letter}{k_row + 1}"
            area = f"{first}:{letter}{k_row + _data_rows(kpis)}"
            target, better = f"${target_letter}${t_row + i}", f"${better_letter}${t_row + i}"
            value = f'ISNUMBER({first}),{family}<>"{schema.TARGET_ROW}"'
            met = f'AND({value},IF({better}="lower",{first}<={target},{first}>={target}))'
            near = f'AND({value},IF({better}="lower",{first}<={target}*1.05,{first}>={target}*0.95))'
            ws.conditional_formatting.add(area, FormulaRule(formula=[met], fill=GREEN, stopIfTrue=True))
            ws.conditional_formatting.add(area, FormulaRule(formula=[near], fill=AMBER, stopIfTrue=True))
            ws.conditional_formatting.add(area, FormulaRule(formula=[f"AND({value})"], fill=RED))


def _functions(ws: Worksheet) -> None:
    """Every cell function with a worked example: inputs (blue), the formula, and its result computed in Python."""
    headers = ("Function", "Example formula", "Inputs", "Result (as computed by xl-sop)", "What it does")
    widths = (24, 46, 40, 40, 60)
    for j, (h, w) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(row=schema.TABLE_ROW, column=j, value=h)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.column_dimensions["G"].width = 10
    r = schema.TABLE_ROW + 1
    input_col = 8  # inputs live from column H rightwards, one row per example
    for ex in FUNCTION_EXAMPLES:
        ws.cell(row=r, column=1, value=ex.name).font = Font(bold=True)
        refs = []
        c = input_col
        for values in ex.inputs:
            start = get_column_letter(c)
            for k, v in enumerate(values):
                cell = ws.cell(row=r, column=c + k, value=v)
                cell.font = Font(color="0000FF")
            refs.append(f"{start}{r}" if len(values) == 1 else f"{start}{r}:{get_column_letter(c + len(values) - 1)}{r}")
            c += len(values) + 1
        formula = ex.formula(refs)
        ws.cell(row=r, column=2, value=formula[1:])
        ws.cell(row=r, column=3, value=ex.inputs_text)
        ws.cell(row=r, column=4, value=ex.result)
        ws.cell(row=r, column=5, value=ex.description).alignment = Alignment(wrap_text=True, vertical="top")
        live = ws.cell(row=r + 1, column=input_col)
        ws.cell(row=r + 1, column=input_col - 1, value="live:").font = NOTE
        if ex.spill:
            rows, cols = ex.spill
            ref = f"{live.coordinate}:{get_column_letter(input_col + cols - 1)}{r + rows}"
            ws[live.coordinate] = ArrayFormula(ref, formula)
        else:
            live.value = formula
        r += 2 + (ex.spill[0] if ex.spill else 1)


def _xlwings_conf(ws: Worksheet) -> None:
    for i, (key, value) in enumerate(schema.XLWINGS_CONF, start=1):
        ws.cell(row=i, column=1, value=key)
        ws.cell(row=i, column=2, value=value)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 18, 50
    ws.sheet_state = "visible"


def _names(wb: Workbook) -> None:
    table = schema.table("tblSettings")
    row, col = schema.table_origin(table)
    for i, (name, *_rest) in enumerate(schema.SETTINGS, start=1):
        defined = "".join(part.capitalize() for part in name.split())
        ref = f"'Settings'!${get_column_letter(col + 1)}${row + i}"
        wb.defined_names[defined] = DefinedName(defined, attr_text=ref)
    version = schema.SCHEMA_VERSION_NAME
    wb.defined_names[version] = DefinedName(version, attr_text=str(schema.SCHEMA_VERSION), hidden=True)


def save(path: Path) -> Path:
    """Build the template to ``path`` (an .xlsm with VBA and the ribbon)."""
    from xl_sop.workbook.package import make_macro_workbook

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    plain = path.with_suffix(".tmp.xlsx")
    build_workbook().save(plain)
    try:
        make_macro_workbook(plain, path)
    finally:
        plain.unlink(missing_ok=True)
    return path
