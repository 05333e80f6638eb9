"""The results FileBook stores for the formulas of a workbook run headless, against LibreOffice's own calculation."""

import math
import zipfile

import pytest
from conftest import cycled_demo
from lxml import etree

from xl_sop.cycle import publish as publish_module
from xl_sop.cycle.publish import _recalculated, publish
from xl_sop.workbook import formula_results
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.formula_results import NA, Calculator, Error, TableArea, Unsupported, format_number

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@pytest.fixture(scope="module")
def cycled(tmp_path_factory):
    return cycled_demo(tmp_path_factory.mktemp("results"), "Results.xlsm", 8)


def _formula_cells(path) -> dict[tuple[str, str], tuple[str, str | None, str | None]]:
    """{(sheet, cell): (formula, type, cached value)} of every native formula in the file, as saved."""
    book = FileBook(path)
    found = {}
    for part, sheet in book._sheets.items():
        root = etree.fromstring(book._parts[part])
        for f in root.iter(f"{NS}f"):
            cell = f.getparent()
            if "SOP_" in (f.text or "").upper():
                continue  # the cell-function examples need the add-in (Publish leaves their sheet out)
            v = cell.find(f"{NS}v")
            found[(sheet, cell.get("r"))] = (f.text or "", cell.get("t"), None if v is None else v.text)
    return found


def test_after_run_all_every_formula_carries_its_result(cycled):
    cells = _formula_cells(cycled)
    assert len(cells) > 150  # the plan's consensus, the chart tables, the targets, the executive tiles
    assert [at for at, (_f, kind, value) in cells.items() if not value and kind != "str"] == []
    assert FileBook(cycled).formulas_without_value() == 0
    assert "fullCalcOnLoad" not in etree.fromstring(zipfile.ZipFile(cycled).read("xl/workbook.xml")).find(
        f"{NS}calcPr").attrib


@pytest.mark.libreoffice
def test_the_results_stored_are_what_libreoffice_calculates(cycled, tmp_path, soffice):
    from openpyxl import load_workbook

    again = load_workbook(_recalculated(cycled, tmp_path), data_only=True)
    ours = load_workbook(cycled, data_only=True, keep_vba=True)
    cells = _formula_cells(cycled)
    differ = []
    for sheet, ref in cells:
        mine, theirs = ours[sheet][ref].value, again[sheet][ref].value
        same = mine == theirs or (isinstance(mine, (int, float)) and isinstance(theirs, (int, float))
                                  and math.isclose(mine, theirs, rel_tol=1e-9, abs_tol=1e-9))
        if not same:
            differ.append((sheet, ref, mine, theirs))
    assert differ == [], differ[:5]
    # not a comparison of blanks: the chart tables and tiles hold figures
    assert sum(isinstance(ours[s][r].value, (int, float)) and ours[s][r].value != 0 for s, r in cells) > 100
    assert any(isinstance(ours[s][r].value, str) and "budget" in ours[s][r].value for s, r in cells)


@pytest.mark.slow
def test_publishing_a_workbook_run_headless_needs_no_recalculation(cycled, tmp_path, monkeypatch):
    def no_second_application(path, tmp):
        raise AssertionError("LibreOffice was asked to recalculate")

    monkeypatch.setattr(publish_module, "_recalculated", no_second_application)
    published = publish(cycled, tmp_path / "out", pdf=False)
    assert not published.recalculated
    assert not any("recalculated" in n or "no saved result" in n or "no value" in n for n in published.notes)


# --- the calculator on its own: Excel's rules -------------------------------------------------------------------


class Sheet:
    """A sheet "S" of cells given as {(row, column): value}, one table tblT at A1:C4 (Name, Month, Qty)."""

    def __init__(self, cells, names=None):
        self.cells, self.names = cells, names or {}

    def column(self, sheet, first_row, last_row, col):
        return [self.cells.get((r, col)) for r in range(first_row, last_row + 1)]

    def table(self, name):
        return TableArea("S", 1, 1, 4, 3, ("Name", "Month", "Qty")) if name.lower() == "tblt" else None

    def defined_name(self, name):
        return self.names.get(name.lower())


TABLE = {(1, 1): "Name", (1, 2): "Month", (1, 3): "Qty",
         (2, 1): "Total", (2, 2): 46327.0, (2, 3): 10.0,
         (3, 1): "Beer", (3, 2): 46327.0, (3, 3): 4.0,
         (4, 1): "total", (4, 2): 46357.0, (4, 3): "n/a",
         (6, 1): "beer", (6, 2): 46327.0, (7, 1): None}


def calc(formula, cells=None, names=None):
    return Calculator(Sheet({**TABLE, **(cells or {})}, names)).evaluate(formula, "S")


@pytest.mark.parametrize(("formula", "result"), [
    ('SUMIFS(tblT[Qty],tblT[Name],"TOTAL")', 10.0),  # text criteria ignore case; text in the sum range adds nothing
    ("SUMIFS(tblT[Qty],tblT[Name],A6,tblT[Month],B6)", 4.0),  # criteria from cells: a name and a month
    ('SUMIFS(tblT[Qty],tblT[Name],"T*")', 10.0),  # wildcards
    ('SUMIFS(tblT[Qty],tblT[Qty],">=4")', 14.0),  # an operator in the criterion
    ("SUMIFS(tblT[Qty],tblT[Name],A7)", 0.0),  # a blank criterion cell means 0
    ("SUMIFS(OFFSET(tblT[[#Data],[Name]],0,2),tblT[Name],\"Beer\")", 4.0),
    ('INDEX(tblT[Qty],MATCH("beer",tblT[Name],0))', 4.0),
    ('INDEX(tblT[Qty],MATCH("wine",tblT[Name],0))', NA),
    ('IFERROR(INDEX(tblT[Qty],MATCH("wine",tblT[Name],0)),"")', ""),
    ("MAX(0,C3+N(C4)+N(A1)-20)", 0.0),  # N of text is 0
    ("C3+C4", Error("#VALUE!")),
    ("C2/0", Error("#DIV/0!")),
    ('"of "&TEXT(SUM(C2:C4),"#,##0")&" units"', "of 14 units"),
    ('TEXT(C3/C2-1,"+0.0%;-0.0%")', "-60.0%"),
    ('TEXT(B4,"mmm yyyy")', "Dec 2026"),
    ("IF(COUNT(C2:C4)=2,AVERAGE(C2:C4),-1)", 7.0),
    ("ROUND(2.5,0)+ROUND(-2.5,0)+ABS(-1)", 1.0),  # half away from zero
    ("SUM(Qty)", 14.0),  # a defined name over a range
    ("'S'!$C$2*2%", 0.2),
])
def test_the_calculator_follows_excel(formula, result):
    assert calc(formula, names={"qty": "S!$C$2:$C$4"}) == result


def test_a_function_it_does_not_take_is_left_to_excel():
    with pytest.raises(Unsupported, match="SUMPRODUCT"):
        calc("SUMPRODUCT(C2:C3,C2:C3)")


def test_a_formula_reading_another_gets_its_result_first():
    calculator = Calculator(Sheet(TABLE), {("S", 9, 1): "C2*2", ("S", 9, 2): "A9+1"})
    assert calculator.result("S", 9, 2) == 21.0
    calculator = Calculator(Sheet(TABLE), {("S", 9, 1): "B9", ("S", 9, 2): "A9"})
    with pytest.raises(Unsupported, match="circular"):
        calculator.result("S", 9, 2)


@pytest.mark.parametrize(("value", "form", "text"), [
    (1234567.891, "#,##0", "1,234,568"), (0.12345, "0.0%", "12.3%"), (-0.05, "+0.0%;-0.0%", "-5.0%"),
    (0.0, "+0.0%;-0.0%", "+0.0%"), (2.5, "0", "3"), (46357, "mmm yyyy", "Dec 2026"), (46357, "dd/mm/yyyy", "01/12/2026"),
])
def test_text_formats_numbers_as_excel_shows_them(value, form, text):
    assert format_number(value, form) == text


def test_text_with_a_format_it_does_not_take_is_left_to_excel():
    with pytest.raises(formula_results.Unsupported):
        format_number(1.0, "0.00E+00")


# --- error values in cells and sheet names in another case, on a real file ----------------------------------------

FORMULAS = {  # (sheet, cell): (formula, the result Excel gives once tblT's Qty is 10, 20, 30)
    ("Other", "A1"): ("=DATA!E1*2", 120.0),  # the sheet named in capitals: E1 is computed before it is read
    ("Other", "A2"): ("='data'!E1+1", 61.0),
    ("Data", "E1"): ("=SUM(tblT[Qty])", 60.0),
    ("Data", "E2"): ('=IFERROR(D1,"caught")', "caught"),  # D1 holds the error value #N/A
    ("Data", "E3"): ("=SUM(D1,1)", "#N/A"),
    ("Data", "E4"): ("=ISNUMBER(D1)", False),
    ("Data", "E5"): ("=N(D1)", "#N/A"),
    ("Data", "E6"): ("=COUNT(D1:D2,E1)", 2.0),  # COUNT passes over errors
    ("Data", "E7"): ("=IFERROR(MAX(D1:D2),-1)", -1.0),
    ("Data", "E8"): ("=D1", "#N/A"),
    ("Data", "E9"): ('=SUMIFS(G2:G4,tblT[Name],"a")', 6.0),  # the error is in a row the criteria leave out
    ("Data", "E10"): ('=SUMIFS(G2:G4,tblT[Name],"b")', "#N/A"),
    ("Data", "E11"): ("=INDEX(G2:G4,2)", "#N/A"),
    ("Data", "E12"): ("=IFERROR(INDEX(G2:G4,2)*2,0)+IFERROR(SUM(G2:G4),-1)", -1.0),
}


def _errors_and_cases_book(path):
    """Other (first, so its formulas are met first) reads Data in other cases; Data holds tblT (Name, Qty: a, b, a),
    the error value #N/A in D1 and G3, 1 and 5 in G2 and G4, and the formulas of FORMULAS (no results yet)."""
    from openpyxl import Workbook
    from openpyxl.worksheet.table import Table

    wb = Workbook()
    other = wb.active
    other.title = "Other"
    data = wb.create_sheet("Data")
    for row in (("Name", "Qty"), ("a", 1), ("b", 2), ("a", 3)):
        data.append(row)
    data.add_table(Table(displayName="tblT", ref="A1:B4"))
    data["D1"], data["D2"], data["G2"], data["G3"], data["G4"] = "#N/A", 4, 1, "#N/A", 5  # openpyxl: t="e"
    for (sheet, ref), (formula, _result) in FORMULAS.items():
        wb[sheet][ref] = formula
    wb.save(path)
    return path


def _stored(path):
    import pandas as pd

    book = FileBook(path)
    book.write_table("tblT", pd.DataFrame({"Name": ["a", "b", "a"], "Qty": [10, 20, 30]}))
    book.save()
    from openpyxl import load_workbook

    return load_workbook(path, data_only=True)


def test_error_values_in_cells_and_sheet_names_in_another_case_are_calculated_as_excel_does(tmp_path):
    stored = _stored(_errors_and_cases_book(tmp_path / "Errors.xlsx"))
    assert {at: stored[at[0]][at[1]].value for at in FORMULAS} == {at: r for at, (_f, r) in FORMULAS.items()}
    root = etree.fromstring(zipfile.ZipFile(tmp_path / "Errors.xlsx").read("xl/worksheets/sheet2.xml"))
    kinds = {c.get("r"): c.get("t") for c in root.iter(f"{NS}c")}
    assert kinds["E3"] == kinds["E8"] == "e"  # stored as an error value, not as text


def test_a_criterion_naming_an_error_value_is_left_to_excel():
    with pytest.raises(Unsupported, match="error value"):
        calc('SUMIFS(tblT[Qty],tblT[Name],"#N/A")')


@pytest.mark.libreoffice
def test_error_values_and_sheet_names_in_another_case_as_libreoffice_calculates_them(tmp_path, soffice):
    from openpyxl import load_workbook

    path = _errors_and_cases_book(tmp_path / "Errors.xlsx")
    stored = _stored(path)
    again = load_workbook(_recalculated(path, tmp_path), data_only=True)
    assert {at: stored[at[0]][at[1]].value for at in FORMULAS} == {at: again[at[0]][at[1]].value for at in FORMULAS}
