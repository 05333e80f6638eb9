"""The values-only copy is made in the package, part by part (issue 18 point 6): no sheet goes through openpyxl, every
formula cell of the master becomes its saved result, and what is left out (macros, the ribbon, the tool sheets) takes
everything pointing at it along."""

import re
import zipfile

import openpyxl
import pytest
from conftest import cycled_demo
from openpyxl import load_workbook

from xl_sop.cycle import publish as publish_module
from xl_sop.cycle.publish import LEFT_OUT, PACK_SHEETS, publish
from xl_sop.workbook.render import to_pdf


@pytest.fixture(scope="module")
def master(tmp_path_factory):
    return cycled_demo(tmp_path_factory.mktemp("values-copy"), "SOP_Copy.xlsm", 24)


@pytest.fixture(scope="module")
def published(master, tmp_path_factory):
    """The copy, published with openpyxl's reading and writing of workbooks made to fail."""
    def refused(*_args, **_kwargs):
        raise AssertionError("publish loaded or saved a workbook through openpyxl")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(openpyxl, "load_workbook", refused)
        patch.setattr(openpyxl.reader.excel, "load_workbook", refused)
        patch.setattr(openpyxl.workbook.workbook.Workbook, "save", refused)
        patch.setattr(publish_module, "_soffice", lambda: None)  # the saved results: no second application
        return publish(master, tmp_path_factory.mktemp("out"), pdf=False)


def test_every_formula_cell_of_the_master_is_its_saved_result_in_the_copy(master, published):
    formulas, results = load_workbook(master), load_workbook(master, data_only=True)
    copy = load_workbook(published.workbook)
    checked = 0
    for ws in formulas.worksheets:
        if ws.title in LEFT_OUT:
            assert ws.title not in copy.sheetnames
            continue
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or isinstance(cell.value, openpyxl.worksheet.formula.ArrayFormula):
                    saved = results[ws.title][cell.coordinate].value
                    assert copy[ws.title][cell.coordinate].value == saved, (ws.title, cell.coordinate)
                    checked += 1
    assert checked > 100  # the summaries of 5 Executive, Scenarios, 6 Follow-up and the Detail sheets
    assert not [(ws.title, c.coordinate) for ws in copy.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]  # values only


def test_the_copy_is_an_xlsx_without_macros_ribbon_or_the_tool_sheets(published):
    with zipfile.ZipFile(published.workbook) as z:
        names = z.namelist()
        types, workbook = z.read("[Content_Types].xml").decode(), z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode() + z.read("_rels/.rels").decode()
        charts = [z.read(n).decode() for n in names if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
    assert not [n for n in names if "vbaProject" in n or n.startswith("customUI") or n == "xl/calcChain.xml"]
    assert "macroEnabled" not in types and "vbaProject" not in rels and "customUI" not in rels
    assert "spreadsheetml.sheet.main+xml" in types
    sheets = re.findall(r'<sheet [^>]*name="([^"]+)"', workbook)
    assert not set(sheets) & set(LEFT_OUT)
    assert [s for s in sheets if s.replace("&amp;", "&") in PACK_SHEETS] == [s.replace("&", "&amp;")
                                                                            for s in PACK_SHEETS]
    assert all(int(i) < len(sheets) for i in re.findall(r'localSheetId="(\d+)"', workbook))
    assert charts  # the step sheets' charts, drawn from sheets the copy has
    shown = {s.replace("&amp;", "&") for s in sheets}
    for chart in charts:
        for ref in re.findall(r"<c:f>([^<]+)</c:f>", chart):
            assert ref.split("!")[0].strip("'").replace("&amp;", "&") in shown, ref
    wb = load_workbook(published.workbook)
    assert wb["Home"]["A4"].value.startswith("FOR REVIEW: cycle Nov 2026")
    for name in PACK_SHEETS:
        assert wb[name].print_area and wb[name].oddHeader.center.text.startswith("FOR REVIEW"), name


@pytest.mark.libreoffice
def test_libreoffice_opens_and_prints_the_copy(published, tmp_path, soffice):
    pdf = to_pdf(published.workbook, tmp_path)
    assert pdf.stat().st_size > 10_000
