"""Building SOP_Template.xlsm: a short sequence of per-sheet builders, then the macro package.

openpyxl lays out the sheets, tables, styles, validation, conditional formats and
charts from the schema; package.py then makes the file a macro workbook (content
type, VBA project, ribbon). Nothing here writes a sheet or table name that the
schema does not give.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
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
from xl_sop.workbook.schema import formula_for

# Styling: one place, so every sheet looks the same.
TITLE = Font(size=16, bold=True, color="1F4E78")
NOTE = Font(italic=True, color="595959")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
INPUT_BORDER = Border(*(Side(style="thin", color="BF9000"),) * 4)
FORMULA_FONT = Font(color="375623")
GREEN, AMBER, RED = (PatternFill("solid", fgColor=c) for c in ("C6EFCE", "FFEB9C", "FFC7CE"))
SHRINK = Alignment(horizontal="left", indent=1, shrink_to_fit=True)
ROWS_FORMATTED = 400
"""Rows below a table's header that get its number formats and input styling, so rows a step writes later look the
same. Validation and conditional formats cover the table's data rows exactly instead, so they follow the table when
a step grows or shrinks it (xl_sop/workbook/follow.py)."""

PRINT_ROWS = 45
"""Rows of each table printed in the template's pages (the publish step sets its own print areas)."""
FIXED_TIME = dt.datetime(2026, 1, 1)
TILE_WIDTH = 16
"""Width of a column under an Executive tile: a total in the millions at the tile's large font."""


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
    _supply(wb["2 Supply"])
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
    ws.freeze_panes = ws.cell(row=schema.TABLE_ROW + 1, column=1 + labels)


def _page_setup(ws: Worksheet) -> None:
    """Landscape, one page wide, the top of the sheet: what a PDF pack shows of each step."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    last_col = max((schema.table_origin(t)[1] + len(t.columns) - 1 for t in schema.tables_on(ws.title)), default=8)
    ws.print_area = f"A1:{get_column_letter(max(last_col, 8))}{schema.TABLE_ROW + PRINT_ROWS}"
    ws.print_title_rows = f"{schema.TABLE_ROW}:{schema.TABLE_ROW}"


def _heading(ws: Worksheet, sheet: schema.Sheet) -> None:
    ws["A1"] = sheet.title
    ws["A1"].font = TITLE
    ws["A2"] = sheet.instruction
    ws["A2"].font = NOTE
    if any(c.input for t in schema.tables_on(sheet.name) for c in t.columns) or sheet.name == "Functions":
        ws["A3"] = "Yellow cells are yours to type in; steps never overwrite them."
        ws["A3"].fill = INPUT_FILL
        ws["A3"].font = Font(size=9)


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
        elif fmt == schema.TEXT:
            choices = ",".join(schema.STRATEGY_CHOICES)
            dv = DataValidation(type="list", formula1=f'"{choices}"', showErrorMessage=True,
                                error=f"{name}: choose one of {choices}.")
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
    lines = [(t.name, c.name, schema.DATA_CONTRACT_DOCS.get(c.name, c.doc))
             for t in schema.TABLES if not t.output and t.examples and t.sheet not in ("6 Follow-up", "5 Executive")
             for c in t.columns]
    for i, line in enumerate(lines, start=1):
        for j, value in enumerate(line):
            ws.cell(row=row + i, column=col + j, value=value)
    ws.tables[contract.name].ref = f"{get_column_letter(col)}{row}:{get_column_letter(col + 2)}{row + len(lines)}"
    ws["A3"] = "Ribbon tab S&OP: Run Forecast -> Balance Supply -> Reconcile -> Freeze Plan -> Refresh Executive -> Refresh KPIs."
    ws["A3"].font = Font(bold=True)


def _demand(ws: Worksheet) -> None:
    # Consensus is a native formula per row (the schema's); rows a step writes get it too.
    table = schema.table("tblDemandPlan")
    row, col = schema.table_origin(table)
    ws.cell(row=row - 1, column=col + table.column_names.index("Consensus"),
            value="Consensus: statistical + adjustments").font = NOTE


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


def _executive(ws: Worksheet) -> None:
    table = schema.table("tblExecutive")
    row, col = schema.table_origin(table)
    last = row + 36
    month = Reference(ws, min_col=col, min_row=row + 1, max_row=last)
    bars = BarChart()
    bars.title, bars.y_axis.title = "Revenue against budget", "Revenue"
    bars.add_data(Reference(ws, min_col=col + 1, max_col=col + 2, min_row=row, max_row=last), titles_from_data=True)
    bars.set_categories(month)
    bars.height, bars.width = 8, 16
    # Below the table: it holds one row per month and the horizon is at most 36 months.
    chart_row = row + 38
    ws.add_chart(bars, f"A{chart_row}")
    kpis = schema.table(schema.KPI_TABLE)
    k_row, k_col = schema.table_origin(kpis)
    follow = ws.parent["6 Follow-up"]
    trend = LineChart()
    trend.title = "KPI trend"
    for name in ("ForecastAccuracy", "ServiceLevel", "OnTimeDelivery"):
        j = k_col + kpis.column_names.index(name)
        trend.add_data(Reference(follow, min_col=j, min_row=k_row, max_row=k_row + schema.KPI_MONTHS), titles_from_data=True)
    trend.set_categories(Reference(follow, min_col=k_col, min_row=k_row + 1, max_row=k_row + schema.KPI_MONTHS))
    trend.y_axis.number_format = "0%"
    trend.height, trend.width = 8, 16
    ws.add_chart(trend, f"G{chart_row}")
    ws.print_area = f"A1:{get_column_letter(col + 12)}{chart_row + 17}"
    # KPI tiles: native formulas over the table's columns, readable without Python.
    tiles = (("Plan revenue", f"=SUM({_column_range(table, 'Revenue')})", schema.MONEY),
             ("Budget revenue", f"=SUM({_column_range(table, 'BudgetRevenue')})", schema.MONEY),
             ("Gap to budget", f"=SUM({_column_range(table, 'Revenue')})-SUM({_column_range(table, 'BudgetRevenue')})",
              schema.MONEY),
             ("Margin", f"=SUM({_column_range(table, 'Margin')})", schema.MONEY))
    for i, (label, formula, fmt) in enumerate(tiles):
        c = 1 + 2 * i
        ws.cell(row=3, column=c, value=label).font = Font(bold=True, color="1F4E78")
        cell = ws.cell(row=4, column=c, value=formula)
        cell.number_format, cell.font = fmt, Font(size=13, bold=True)
        dimension = ws.column_dimensions[get_column_letter(c)]
        dimension.width = max(dimension.width or 0, TILE_WIDTH)


def _data_rows(table: schema.Table) -> int:
    """The table's data rows in the template: its examples, or the one blank row of an empty table."""
    return len(table.examples) or 1


def _column_range(table: schema.Table, name: str, rows: int = ROWS_FORMATTED) -> str:
    row, col = schema.table_origin(table)
    letter = get_column_letter(col + table.column_names.index(name))
    return f"{letter}{row + 1}:{letter}{row + rows}"


def _follow_up(ws: Worksheet) -> None:
    """Traffic lights: each KPI against its row in the Targets table (green met, amber within 5%, red missed)."""
    kpis, targets = schema.table(schema.KPI_TABLE), schema.table(schema.TARGETS_TABLE)
    t_row, t_col = schema.table_origin(targets)
    target_letter, better_letter = get_column_letter(t_col + 1), get_column_letter(t_col + 2)
    k_row, k_col = schema.table_origin(kpis)
    for i, (metric, _target, _better) in enumerate(targets.examples, start=1):
        j = k_col + kpis.column_names.index(str(metric))
        letter = get_column_letter(j)
        first = f"{letter}{k_row + 1}"
        area = f"{first}:{letter}{k_row + _data_rows(kpis)}"
        target, better = f"${target_letter}${t_row + i}", f"${better_letter}${t_row + i}"
        met = f'AND(ISNUMBER({first}),IF({better}="lower",{first}<={target},{first}>={target}))'
        near = f'AND(ISNUMBER({first}),IF({better}="lower",{first}<={target}*1.05,{first}>={target}*0.95))'
        ws.conditional_formatting.add(area, FormulaRule(formula=[met], fill=GREEN, stopIfTrue=True))
        ws.conditional_formatting.add(area, FormulaRule(formula=[near], fill=AMBER, stopIfTrue=True))
        ws.conditional_formatting.add(area, FormulaRule(formula=[f"ISNUMBER({first})"], fill=RED))


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
