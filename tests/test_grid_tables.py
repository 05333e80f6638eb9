"""Planning grids on real files (FileBook): a table whose month columns change, its row outline, and what is attached
to it (conditional formats, validation, a chart's series, defined names) following it at 1,000 rows; LibreOffice
reads the outline back. The behaviour both books share is in test_book_contract.py."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import TEMPLATE, copy_of
from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table

from xl_sop.errors import WorkbookError
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import NS, FileBook

Q = f"{{{NS}}}"
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
SHEET = "Plan Grid"
MONTHS = ["Jan", "Feb", "Mar"]


def plan_workbook(path: Path) -> Path:
    """'Plan Grid'!A1:E4, table tblPlan (Item, Measure, Jan, Feb, Mar), as a person would set it up in Excel: formats
    on the months and on single months, a validation on the months, a line chart of Jan and Mar, defined names."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    for j, header in enumerate(["Item", "Measure", *MONTHS], start=1):
        ws.cell(1, j, header)
    for i in range(3):
        ws.append([f"ITEM-{i}", "Statistical", 10 * i, 10 * i + 1, 10 * i + 2])
    ws.add_table(Table(displayName="tblPlan", ref="A1:E4"))
    ws["E1"].fill = PatternFill("solid", fgColor="1F4E78")
    for r in (2, 3, 4):
        ws.cell(r, 5).number_format = "0.0"
    ws.column_dimensions["E"].width = 17
    red = PatternFill("solid", fgColor="FFC7CE")
    for area in ("C2:E4", "B2:B4", "D2:D4", "E2:E4", "A2:A50"):
        ws.conditional_formatting.add(area, FormulaRule(formula=[f"ISNUMBER({area.split(':')[0]})"], fill=red))
    dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="1000000")
    dv.add("C2:E4")
    ws.add_data_validation(dv)
    chart = LineChart()
    for column in (3, 5):
        chart.add_data(Reference(ws, min_col=column, min_row=1, max_row=4), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=4))
    ws.add_chart(chart, "H2")
    wb.defined_names["PlanJan"] = DefinedName("PlanJan", attr_text=f"'{SHEET}'!$C$2:$C$4")
    wb.defined_names["PlanMonths"] = DefinedName("PlanMonths", attr_text=f"'{SHEET}'!$C$2:$E$4")
    wb.defined_names["PlanHeader"] = DefinedName("PlanHeader", attr_text=f"'{SHEET}'!$A$1:$E$1")
    wb.save(path)
    _edit(path, "xl/charts/chart1.xml", _with_caches)
    _edit(path, "xl/tables/table1.xml", _with_column_attributes)
    return path


def _edit(path: Path, part: str, edit) -> None:
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        parts = {i.filename: z.read(i.filename) for i in infos}
    root = etree.fromstring(parts[part])
    edit(root)
    parts[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(path, "w") as z:
        for info in infos:
            z.writestr(info, parts[info.filename], compress_type=info.compress_type)


def _with_caches(chart: etree._Element) -> None:
    """Cached values under each series reference, as Excel saves them (a picture of the old rows)."""
    for f in chart.iter(f"{C}f"):
        cache = etree.SubElement(f.getparent(), f"{C}{'numCache' if f.getparent().tag.endswith('numRef') else 'strCache'}")
        etree.SubElement(cache, f"{C}ptCount", val="3")


def _with_column_attributes(table: etree._Element) -> None:
    measure = table.find(f"{Q}tableColumns")[1]
    measure.set("dataDxfId", "0")
    etree.SubElement(measure, f"{Q}calculatedColumnFormula").text = '"Statistical"'


def grid(n: int, months: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"Item": [f"ITEM-{i}" for i in range(n)], "Measure": "Statistical",
                         **{m: [float(i + k) for i in range(n)] for k, m in enumerate(months)}})


def write(path: Path, frame: pd.DataFrame, levels: list[int] | None = None) -> None:
    book = FileBook(path)
    book.write_table("tblPlan", frame, headers=list(frame.columns))
    if levels is not None:
        book.group_rows("tblPlan", levels)
    book.save()


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def attached(path: Path) -> dict[str, object]:
    """The ranges attached to the sheet, as the file holds them."""
    found = parts(path)
    sheet = etree.fromstring(found["xl/worksheets/sheet1.xml"])
    chart = etree.fromstring(found["xl/charts/chart1.xml"])
    workbook = etree.fromstring(found["xl/workbook.xml"])
    return {"formats": sorted(cf.get("sqref") for cf in sheet.iter(f"{Q}conditionalFormatting")),
            "validation": [dv.get("sqref") for dv in sheet.iter(f"{Q}dataValidation")],
            "series": [f.text for f in chart.iter(f"{C}f")],
            "caches": [c.tag for c in chart.iter() if isinstance(c.tag, str) and c.tag.endswith("Cache")],
            "names": {d.get("name"): d.text for d in workbook.iter(f"{Q}definedName")}}


def test_what_is_attached_follows_a_grid_that_grows_and_shrinks_at_1000_rows(tmp_path):
    path = plan_workbook(tmp_path / "plan.xlsx")
    write(path, grid(1000, ["Jan", "Feb", "Mar", "Apr"]))
    assert attached(path) == {
        "formats": ["A2:A50", "B2:B1001", "C2:F1001", "D2:D1001", "E2:F1001"],
        "validation": ["C2:F1001"],
        "series": [f"'{SHEET}'!C1", f"'{SHEET}'!$A$2:$A$1001", f"'{SHEET}'!$C$2:$C$1001",
                   f"'{SHEET}'!E1", f"'{SHEET}'!$A$2:$A$1001", f"'{SHEET}'!$E$2:$E$1001"],  # a series stays one column
        "caches": [f"{C}strCache"] * 2,  # the header titles' caches stay
        "names": {"PlanJan": f"'{SHEET}'!$C$2:$C$1001", "PlanMonths": f"'{SHEET}'!$C$2:$F$1001",
                  "PlanHeader": f"'{SHEET}'!$A$1:$E$1"}}
    ws = load_workbook(path)[SHEET]
    assert ws.tables["tblPlan"].ref == "A1:F1001"
    assert [ws.cell(1, j).value for j in range(1, 7)] == ["Item", "Measure", "Jan", "Feb", "Mar", "Apr"]
    assert ws["F1001"].value == 1002.0 and ws["F1001"].number_format == ws["E1001"].number_format == "0.0"
    assert ws["F1"].fill.fgColor.rgb == ws["E1"].fill.fgColor.rgb == "001F4E78"
    assert ws.column_dimensions["F"].width == ws.column_dimensions["E"].width == 17

    write(path, grid(10, ["Feb", "Mar"]))
    assert attached(path) == {
        "formats": ["A2:A50", "B2:B11", "C2:D11", "D2:D11"],  # the format on Mar's old column E went with it
        "validation": ["C2:D11"],
        "series": [f"'{SHEET}'!C1", f"'{SHEET}'!$A$2:$A$11", f"'{SHEET}'!$C$2:$C$11",
                   f"'{SHEET}'!E1", f"'{SHEET}'!$A$2:$A$11", f"'{SHEET}'!$E$2:$E$11"],  # Mar's old column: rows follow
        "caches": [f"{C}strCache"] * 2,
        "names": {"PlanJan": f"'{SHEET}'!$C$2:$C$11", "PlanMonths": f"'{SHEET}'!$C$2:$D$11",
                  "PlanHeader": f"'{SHEET}'!$A$1:$E$1"}}
    ws = load_workbook(path)[SHEET]
    assert ws.tables["tblPlan"].ref == "A1:D11"
    assert all(ws.cell(r, c).value is None for r in range(1, 1002) for c in range(1, 7) if r > 11 or c > 4)


def test_columns_that_stay_keep_their_attributes_and_new_ones_get_new_ids(tmp_path):
    path = plan_workbook(tmp_path / "plan.xlsx")
    write(path, grid(3, ["Feb", "Mar", "Apr", "May"]))
    table = etree.fromstring(parts(path)["xl/tables/table1.xml"])
    columns = table.find(f"{Q}tableColumns")
    assert columns.get("count") == "6"
    assert [c.get("name") for c in columns] == ["Item", "Measure", "Feb", "Mar", "Apr", "May"]
    ids = [c.get("id") for c in columns]
    assert len(set(ids)) == 6 and ids[:4] == ["1", "2", "4", "5"]
    measure = columns[1]
    assert measure.get("dataDxfId") == "0" and measure.findtext(f"{Q}calculatedColumnFormula") == '"Statistical"'
    assert table.find(f"{Q}autoFilter").get("ref") == "A1:F4"


def test_widening_over_a_note_is_refused_and_the_file_stays_as_it_was(tmp_path):
    path = plan_workbook(tmp_path / "plan.xlsx")
    book = FileBook(path)
    book.write_cells(SHEET, {"G3": "ask Ana"})
    book.save()
    before = parts(path)
    book = FileBook(path)
    with pytest.raises(WorkbookError, match=rf"^{SHEET}!G3 is not empty and tblPlan needs those cells to widen"):
        book.write_table("tblPlan", grid(3, ["Jan", "Feb", "Mar", "Apr", "May"]), headers=["Item", "Measure", *MONTHS,
                                                                                             "Apr", "May"])
    book.save()
    assert parts(path) == before


def test_a_grid_written_the_same_way_twice_is_the_same_file(tmp_path):
    path = plan_workbook(tmp_path / "plan.xlsx")
    frame = grid(50, ["Feb", "Mar", "Apr"])
    write(path, frame, [0, *[1] * 49])
    once = parts(path)
    write(path, frame, [0, *[1] * 49])
    assert parts(path) == once


def test_the_outline_is_written_with_summary_rows_above(tmp_path):
    path = plan_workbook(tmp_path / "plan.xlsx")
    levels = [0, 1, 1, 1, 0, 1, 2, 2, 1, 0]
    write(path, grid(10, MONTHS), levels)
    ws = load_workbook(path)[SHEET]
    assert [ws.row_dimensions[r].outline_level for r in range(2, 12)] == levels
    assert ws.sheet_properties.outlinePr.summaryBelow is False
    assert ws.sheet_format.outlineLevelRow == 2
    write(path, grid(4, MONTHS), [0, 1, 1, 0])
    ws = load_workbook(path)[SHEET]
    assert [ws.row_dimensions[r].outline_level for r in range(2, 12)] == [0, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert ws.sheet_format.outlineLevelRow == 1


def test_libreoffice_reads_the_outline_and_the_grown_table(tmp_path, soffice):
    path = plan_workbook(tmp_path / "plan.xlsx")
    write(path, grid(8, ["Jan", "Feb", "Mar", "Apr"]), [0, 1, 1, 1, 0, 1, 1, 1])
    out = tmp_path / "resaved"
    profile = tmp_path / "profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=300)
    shutil.rmtree(profile, ignore_errors=True)
    ws = load_workbook(out / "plan.xlsx")[SHEET]
    assert [ws.row_dimensions[r].outline_level for r in range(1, 11)] == [0, 0, 1, 1, 1, 0, 1, 1, 1, 0]
    # LibreOffice (7.4) has no "summary rows above" setting: it shows the groups, and saves no <outlinePr>.
    assert [ws.cell(1, j).value for j in range(1, 7)] == ["Item", "Measure", "Jan", "Feb", "Mar", "Apr"]
    assert ws["F9"].value == 10
    formats = sorted(str(cf.sqref) for cf in ws.conditional_formatting)
    assert "C2:F9" in formats and "B2:B9" in formats


def test_the_template_safeguards_reach_the_last_of_1000_rows_and_leave_with_the_rows_given_up(tmp_path):
    """Issue 18: the validation of the typed rows, the row styles and the traffic lights cover every row a step
    writes, not 400; a table that shrinks leaves none below it."""
    path = copy_of(TEMPLATE, tmp_path)
    grid, supply = schema.table("tblDemandView"), schema.table("tblSupplyPlan")
    book = FileBook(path)
    headers = book.table_headers(grid.name)
    assert len(headers) == 4 + 36  # Family, Item, Measure, Lock and the template's 36 months
    book.write_table(grid.name, pd.DataFrame({"Item": [f"I{i}" for i in range(1000)], "Measure": "Sales adj."}),
                     headers)
    book.write_table(supply.name, pd.DataFrame({"Item": [f"I{i}" for i in range(1000)], "OnHand": 5.0}))
    book.save()
    found = parts(path)
    demand_part, supply_part = (book._tables[t.name.lower()][1] for t in (grid, supply))
    demand = etree.fromstring(found[demand_part])
    supply_sheet = etree.fromstring(found[supply_part])
    assert [dv.get("sqref") for dv in demand.iter(f"{Q}dataValidation")] == ["E19:AN1018", "B4"]
    assert sorted(cf.get("sqref") for cf in demand.iter(f"{Q}conditionalFormatting")) == ["A19:AN1018", "E19:AN1018"]
    assert sorted(cf.get("sqref") for cf in supply_sheet.iter(f"{Q}conditionalFormatting")) == ["G6", "O6:O1005"]
    book = FileBook(path)
    book.write_table(grid.name, pd.DataFrame({"Item": ["I0", "I1"], "Measure": "Sales adj."}), headers)
    book.save()
    demand = etree.fromstring(parts(path)[demand_part])
    assert [dv.get("sqref") for dv in demand.iter(f"{Q}dataValidation")] == ["E19:AN20", "B4"]


def test_a_filtered_or_folded_grid_shows_every_row_once_rewritten(tmp_path):
    """A filter (or a folded outline) hides rows by position: after a rewrite those rows hold other things, so the
    grid comes back unfiltered, every row shown, rather than showing the wrong ones."""
    path = copy_of(TEMPLATE, tmp_path)
    book = FileBook(path)
    headers = book.table_headers("tblDemandView")
    frame = pd.DataFrame({"Family": "F", "Item": [f"I{i}" for i in range(6)], "Measure": "Consensus"})
    book.write_table("tblDemandView", frame, headers)
    book.save()
    wb = load_workbook(path, keep_vba=True)
    ws = wb["1 Demand"]
    first = FileBook(path).first_row("tblDemandView")
    for r in range(first + 1, first + 4):
        ws.row_dimensions[r].hidden = True
    table = ws.tables["tblDemandView"]
    from openpyxl.worksheet.filters import AutoFilter, FilterColumn, Filters
    table.autoFilter = AutoFilter(ref=table.ref, filterColumn=[FilterColumn(colId=1, filters=Filters(filter=["I0"]))])
    wb.save(path)
    book = FileBook(path)
    book.write_table("tblDemandView", frame.assign(Measure="History"), headers)
    book.save()
    wb = load_workbook(path)
    ws = wb["1 Demand"]
    assert not any(ws.row_dimensions[r].hidden for r in range(first, first + 7))
    assert not ws.tables["tblDemandView"].autoFilter.filterColumn
