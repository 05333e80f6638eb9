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


def _sheet(cells: str) -> bytes:
    return (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
            + cells.encode() + b"</row></sheetData></worksheet>")


def test_each_kind_of_formula_result_becomes_a_value_cell_of_its_type():
    from xl_sop.workbook.values_copy import without_formulas

    stripped = without_formulas(_sheet(
        '<c r="A1" s="3"><f>1+1</f><v>2</v></c>'
        '<c r="B1" t="str"><f>"=HYPERLINK(1)"</f><v>=HYPERLINK(1)</v></c>'
        '<c r="C1" t="b"><f>TRUE()</f><v>1</v></c>'
        '<c r="D1" t="e"><f>NA()</f><v>#N/A</v></c>'
        '<c r="E1" cm="1"><f t="array" ref="E1:E2">SEQUENCE(2)</f><v>1</v></c>'
        '<c r="F1"><f t="shared" ref="F1:G1" si="0">SOP_X(1)</f><v>5</v></c><c r="G1"><f t="shared" si="0"/><v>6</v></c>'
        '<c r="H1"><f>A1*2</f><v></v></c>'))
    data = stripped.data.decode()
    assert "<f" not in data and 'cm="' not in data
    assert '<c r="A1" s="3"><v>2</v></c>' in data
    assert '<c r="B1" t="inlineStr"><is><t xml:space="preserve">=HYPERLINK(1)</t></is></c>' in data  # text, not a formula
    assert '<c r="C1" t="b"><v>1</v></c>' in data and '<c r="D1" t="e"><v>#N/A</v></c>' in data
    assert '<c r="E1"><v>1</v></c>' in data and '<c r="G1"><v>6</v></c>' in data
    assert '<c r="H1"/>' in data and stripped.missing == 1  # no saved result: blank, and counted
    assert stripped.formulas[(1, 7)] == "SOP_X(1)"  # a shared formula's follower: its master's text
    again = without_formulas(_sheet('<c r="A1"><f>1+1</f><v>2</v></c><c r="B1"><f>SOP_X(1)</f><v>5</v></c>'),
                             recalculated={(1, 1): 3})
    assert '<c r="A1"><v>3</v></c>' in again.data.decode()  # native: the recalculated result
    assert '<c r="B1"><v>5</v></c>' in again.data.decode()  # a cell function: its saved result


def test_a_page_header_reads_and_writes_its_three_parts():
    from xl_sop.workbook.values_copy import HeaderFooter

    header = HeaderFooter('&LA && B&C&"Calibri,Bold"FOR REVIEW - S&&OP&R&A')
    assert (header.left.text, header.center.text, header.center.font, header.right.text) == (
        "A && B", "FOR REVIEW - S&&OP", "Calibri,Bold", "&A")
    assert str(header) == '&LA && B&C&"Calibri,Bold"FOR REVIEW - S&&OP&R&A'
    assert HeaderFooter("Page &P of &N").center.text == "Page &P of &N"  # no section: the centre
