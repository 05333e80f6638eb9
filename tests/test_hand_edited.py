"""A corpus of broken and hand-edited workbooks, and runs cut off halfway.

Each case starts from the cycled demo and does what planners do to a month-end
workbook: delete a sheet or a table, rename a header, type a word where a number
goes, add a sheet or a column, sort a plan, save it with another program. A
broken workbook must get a report naming the place and be left byte for byte as
it was; a hand-edited one must run, rerun and undo with every edit still there.
"""

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import copy_of, cycled_demo
from grid_typing import grid_value
from grid_typing import type_in_grid as type_in_grid_cells
from lxml import etree
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.table import TableColumn

from xl_sop.cli import main
from xl_sop.cycle import run_all, run_step, undo_last_run, validate
from xl_sop.cycle.grids import TOTAL, month_header
from xl_sop.cycle.plan import consensus
from xl_sop.cycle.publish import _recalculated
from xl_sop.cycle.steps import step_record
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import FileBook

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return cycled_demo(tmp_path_factory.mktemp("corpus"), "Month_End.xlsm", 8)


# --- hand edits, made with openpyxl as another program would -------------------------------------

def edited(base: Path, folder: Path, edit) -> Path:
    path = folder / "Edited.xlsm"
    wb = openpyxl.load_workbook(base, keep_vba=True)
    edit(wb)
    wb.save(path)
    return path


def _table(wb, name):
    spec = schema.table(name)
    ws = wb[spec.sheet]
    return ws, ws.tables[name]


def _header_cells(ws, table):
    c1, r1, c2, _ = range_boundaries(table.ref)
    return [ws.cell(r1, c) for c in range(c1, c2 + 1)]


def rename_header(name, old, new):
    def edit(wb):
        ws, table = _table(wb, name)
        for cell, column in zip(_header_cells(ws, table), table.tableColumns, strict=False):
            if cell.value == old:
                cell.value = column.name = new
    return edit


def type_in(name, column, row, value):
    """``value`` typed in data row ``row`` (1 = first under the header) of a table column."""
    def edit(wb):
        ws, table = _table(wb, name)
        header = next(c for c in _header_cells(ws, table) if c.value == column)
        ws.cell(header.row + row, header.column).value = value
    return edit


def set_setting(name, value):
    def edit(wb):
        ws, table = _table(wb, "tblSettings")
        c1, r1, _, r2 = range_boundaries(table.ref)
        row = next(r for r in range(r1 + 1, r2 + 1) if ws.cell(r, c1).value == name)
        ws.cell(row, c1 + 1).value = value
    return edit


def add_column(name, header, values: dict[int, object]):
    """A column appended at the right of a table, with values in some data rows."""
    def edit(wb):
        ws, table = _table(wb, name)
        c1, r1, c2, r2 = range_boundaries(table.ref)
        ws.cell(r1, c2 + 1).value = header
        for row, value in values.items():
            ws.cell(r1 + row, c2 + 1).value = value
        table.tableColumns.append(TableColumn(id=len(table.tableColumns) + 1, name=header))
        table.ref = f"{ws.cell(r1, c1).coordinate}:{ws.cell(r2, c2 + 1).coordinate}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
    return edit


def sort_rows(name, column, descending=True):
    """The table's rows sorted by one column, as Data > Sort does (formulas move with their rows)."""
    def edit(wb):
        ws, table = _table(wb, name)
        c1, r1, c2, r2 = range_boundaries(table.ref)
        headers = [c.value for c in _header_cells(ws, table)]
        rows = [[ws.cell(r, c).value for c in range(c1, c2 + 1)] for r in range(r1 + 1, r2 + 1)]
        k = headers.index(column)
        rows.sort(key=lambda row: (row[k] is None, row[k]), reverse=descending)
        for r, values in enumerate(rows, start=r1 + 1):
            for c, value in enumerate(values, start=c1):
                ws.cell(r, c).value = value
    return edit


def both(*edits):
    def edit(wb):
        for e in edits:
            e(wb)
    return edit


def sheet_parts(path: Path) -> dict[str, bytes]:
    """{sheet name: its worksheet part's bytes}."""
    with zipfile.ZipFile(path) as z:
        workbook = etree.fromstring(z.read("xl/workbook.xml"))
        rels = {r.get("Id"): r.get("Target") for r in etree.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
        out = {}
        for sheet in workbook.iterfind(".//m:sheet", NS):
            target = rels[sheet.get(REL)].lstrip("/")
            out[sheet.get("name")] = z.read(target if target.startswith("xl/") else f"xl/{target}")
        return out


def cli(*args) -> int:
    return main([*map(str, args)])


# --- broken: a report naming the place, and the file as it was ------------------------------------

BROKEN = {
    "sheet deleted": (lambda wb: wb.remove(wb["2 Supply"]),
                      "2 Supply / tblSupplyView: the table tblSupplyView is missing: the workbook was made by an older xl-sop: "
                      "run `xl-sop upgrade BOOK`"),
    "detail sheet deleted": (lambda wb: wb.remove(wb["Supply Detail"]),
                             "Supply Detail / tblSupplyPlan: the table tblSupplyPlan is missing: the workbook was "
                             "made by an older xl-sop"),
    "table deleted, sheet kept": (lambda wb: wb["History"].tables.pop("tblHistory"),
                                  "History / tblHistory: the table tblHistory is missing: the workbook was made by an older "
                                  "xl-sop"),
    "hidden undo sheet deleted": (lambda wb: wb.remove(wb["Undo"]), "Undo / tblUndo: the table tblUndo is missing"),
    "input header renamed": (rename_header("tblHistory", "Quantity", "Qty"),
                             "History / tblHistory, column Quantity: the column Quantity is missing "
                             "(the table has Item, Month, Qty, Region, Segment)"),
    "output header renamed": (rename_header("tblDemandPlan", "SalesAdj", "Sales adj."),
                              "Demand Detail / tblDemandPlan, column SalesAdj: the column SalesAdj is missing"),
    "grid label header renamed": (rename_header("tblDemandView", "Measure", "Row"),
                                  "1 Demand / tblDemandView, column Measure: the column Measure is missing"),
    # data row 4 of the grid: the first family's own Sales adj. row (History, Statistical, Events: the demo's
    # Christmas promotion, then the contributors)
    "percent typed as an adjustment": (type_in("tblDemandView", "Jan 2027", 4, "+5%"),
                                       "1 Demand / tblDemandView, row 22, column Jan 2027: Beverages Sales adj.: "
                                       "'+5%' is not a number"),
    "ERP extract pasted with text": (type_in("tblHistory", "Quantity", 7, "1.204,5 pcs"),
                                     "History / tblHistory, row 12, column Quantity: '1.204,5 pcs' is not a number"),
    "month typed as a word": (type_in("tblCapacity", "Month", 2, "next month"),
                              "Capacity / tblCapacity, row 7, column Month: 'next month' is not a date"),
    "setting out of range": (set_setting("Horizon", 400), "Settings / tblSettings, row 7, column Value: Horizon: 400 is outside"),
}


NEEDS_THE_GRID_ONLY = {"percent typed as an adjustment", "grid label header renamed"}
"""Cases only Run Forecast meets: Balance Supply reads the plan Run Forecast last computed (Demand Detail), not the
grid, so it runs (as it would with a figure typed and not yet run)."""


@pytest.mark.slow
@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_workbook_gets_the_place_and_stays_as_it_was(case, base, tmp_path, capsys):
    edit, expected = BROKEN[case]
    path = edited(base, tmp_path, edit)
    before = path.read_bytes()
    assert cli("validate", path) == 1
    assert expected in capsys.readouterr().out
    for command in (["run", path], ["run", path, "--step", "demand" if case in NEEDS_THE_GRID_ONLY else "supply"]):
        assert cli(*command) == 2
        err = capsys.readouterr().err
        assert expected in err and "Traceback" not in err
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("~$*"))  # no lock or temporary file left


@pytest.mark.parametrize("content", [b"not a zip at all", None], ids=["text file", "truncated download"])
def test_a_file_that_is_not_a_workbook_gets_a_plain_answer(content, base, tmp_path, capsys):
    path = tmp_path / "Month_End.xlsm"
    path.write_bytes(content if content is not None else base.read_bytes()[: base.stat().st_size // 2])
    before = path.read_bytes()
    # publish gets an output folder in tmp_path: by default it makes ./published before it reads the file.
    for command in (["validate", path], ["run", path], ["undo", path], ["publish", path, "--out", tmp_path / "published"]):
        assert cli(*command) == 2
        err = capsys.readouterr().err
        assert "is not an Excel workbook" in err and "Traceback" not in err
    assert path.read_bytes() == before


# --- hand-edited but sound: everything runs and every edit survives ---------------------------------

NOTES = {1: "check with key account", 5: "promo in week 2", 40: "new listing"}


@pytest.mark.slow
def test_a_sheet_the_planner_added_survives_run_rerun_and_undo(base, tmp_path, capsys):
    def add_sheet(wb):
        ws = wb.create_sheet("My notes")
        ws["A1"], ws["B2"], ws["C3"] = "Buyer notes", 42, "=SUM(tblDemandPlan[Consensus])"
    path = edited(base, tmp_path, add_sheet)
    mine = sheet_parts(path)["My notes"]
    assert cli("run", path) == 0
    assert cli("run", path, "--step", "demand") == 0
    assert cli("undo", path) == 0
    after = sheet_parts(path)["My notes"]
    # Everything the planner put on the sheet is kept as it was; only the formula's saved result is brought up to
    # date (it reads tblDemandPlan, which the steps wrote), so a headless-run book shows the current sum.
    assert without_results(after) == without_results(mine)
    result = etree.fromstring(after).find(".//m:c[@r='C3']/m:v", NS)
    plan = FileBook(path).read_table("tblDemandPlan")
    assert float(result.text) == pytest.approx(plan["Consensus"].sum())
    assert not validate(FileBook(path))


def without_results(part: bytes) -> bytes:
    """A worksheet part in canonical form with the saved results of its formulas left out."""
    root = etree.fromstring(part)
    for value in root.iterfind(".//m:c/m:f/../m:v", NS):
        value.getparent().remove(value)
    return etree.tostring(root, method="c14n")


@pytest.mark.slow
def test_a_column_added_to_an_input_table_is_kept_and_ignored(base, tmp_path):
    path = edited(base, tmp_path, add_column("tblItems", "Buyer", {1: "Ann", 2: "Bob", 8: "Ann"}))
    assert cli("run", path) == 0
    items = FileBook(path).read_table("tblItems")
    assert items["Buyer"].dropna().to_dict() == {1: "Ann", 2: "Bob", 8: "Ann"} and len(items) == 8 + 1  # the launch
    assert not validate(FileBook(path))


def type_in_grid(family, item, measure, month, value):
    """``value`` typed in the demand grid's row (family, item or None for the family's own rows, measure), in the
    column of ``month`` (a Timestamp) or in Lock (None)."""
    def edit(wb):
        ws, table = _table(wb, "tblDemandView")
        c1, r1, _, r2 = range_boundaries(table.ref)
        headers = [c.value for c in _header_cells(ws, table)]
        labels = [family, TOTAL if item is None else item, measure]
        row = next(r for r in range(r1 + 1, r2 + 1) if [ws.cell(r, c1 + k).value for k in range(3)] == labels)
        ws.cell(row, c1 + headers.index("Lock" if month is None else month_header(month))).value = value
    return edit


@pytest.mark.slow
def test_typing_a_note_column_and_sorting_the_plan_survive_rerun_and_undo(base, tmp_path):
    """The planner adds a note column to the demand plan on Demand Detail, types adjustments in the grid of
    1 Demand, then sorts the plan by its statistical forecast."""
    plain = FileBook(base).read_table("tblDemandPlan")
    expected = {(plain.loc[r, "Item"], plain.loc[r, "Month"]): note for r, note in NOTES.items()}
    adjusted = {(plain.loc[5, "Item"], plain.loc[5, "Month"]): ("SalesAdj", 250),
                (plain.loc[40, "Item"], plain.loc[40, "Month"]): ("MarketingAdj", -30)}
    assert len({item for item, _ in adjusted}) == 2  # two items: each figure is its item's alone
    measure = {"SalesAdj": "Sales adj.", "MarketingAdj": "Marketing adj."}
    family = plain.drop_duplicates("Item").set_index("Item")["Family"]
    typed = both(add_column("tblDemandPlan", "My note", NOTES),
                 *(type_in_grid(family[item], item, measure[column], month, value)
                   for (item, month), (column, value) in adjusted.items()))
    path = edited(base, tmp_path, both(typed, sort_rows("tblDemandPlan", "Statistical")))

    def check(plan, with_adjustments=True):
        keyed = plan.set_index(["Item", "Month"])
        assert keyed["My note"].dropna().to_dict() == expected
        for key, (column, value) in adjusted.items():
            assert keyed.loc[key, column] == (value if with_adjustments else 0)
        assert (plan["Consensus"] == consensus(plan)).all()

    def grid_kept(book):
        for (item, month), (column, value) in adjusted.items():
            assert grid_value(book, family[item], item, measure[column], month) == value

    sorted_plan = FileBook(path).read_table("tblDemandPlan")
    assert sorted_plan["Statistical"].is_monotonic_decreasing  # the sort happened
    assert cli("run", path, "--step", "demand") == 0
    check(FileBook(path).read_table("tblDemandPlan"))
    grid_kept(FileBook(path))
    ran = FileBook(path).read_table("tblDemandPlan")
    expected[(ran.loc[7, "Item"], ran.loc[7, "Month"])] = "typed after the run"
    wb = openpyxl.load_workbook(path, keep_vba=True)
    type_in("tblDemandPlan", "My note", 7, "typed after the run")(wb)
    wb.save(path)
    assert cli("undo", path) == 0  # the plan as before the run (no adjustments yet); the typing since stays
    check(FileBook(path).read_table("tblDemandPlan"), with_adjustments=False)
    grid_kept(FileBook(path))
    assert cli("run", path, "--step", "demand") == 0
    check(FileBook(path).read_table("tblDemandPlan"))
    supply_before = FileBook(path).read_table("tblSupplyPlan")
    assert cli("run", path, "--step", "supply") == 0
    supply = FileBook(path).read_table("tblSupplyPlan")
    item, month = next(iter(adjusted))
    row = (supply["Item"] == item) & (supply["Month"] == month)
    old = (supply_before["Item"] == item) & (supply_before["Month"] == month)
    assert supply.loc[row, "Demand"].item() == pytest.approx(supply_before.loc[old, "Demand"].item() + 250)


@pytest.mark.slow
def test_a_workbook_saved_by_another_program_runs_the_same(base, tmp_path):
    """openpyxl's save: its own part names and layout, formulas without cached results."""
    resaved = edited(base, tmp_path, lambda wb: None)
    assert FileBook(resaved).read_table("tblDemandPlan")["Consensus"].isna().all()
    plain = copy_of(base, tmp_path)
    for path in (resaved, plain):
        book = FileBook(path)
        run_all(book, now=pd.Timestamp("2026-11-20 09:00"))
        book.save()
    for name in ("tblDemandPlan", "tblSupplyPlan", "tblExecutive", "tblKPIs"):
        pd.testing.assert_frame_equal(FileBook(resaved).read_table(name), FileBook(plain).read_table(name), check_dtype=False)


def save_as_excel_does(path: Path) -> None:
    """Rewrite the package the way Excel stores it: every text in the shared-strings part, and each
    formula column of the tables as one shared formula (a filled-down column)."""
    with zipfile.ZipFile(path) as z:
        infos, parts = z.infolist(), {i.filename: z.read(i.filename) for i in z.infolist()}
    strings: dict[str, int] = {}
    si = 0
    for name in [n for n in parts if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]:
        root = etree.fromstring(parts[name])
        for c in root.iterfind(".//m:c[@t='inlineStr']", NS):
            inline = c.find("m:is", NS)  # none in an empty text cell (the template has some: a blank Meaning)
            text = "".join(inline.itertext()) if inline is not None else ""
            if inline is not None:
                c.remove(inline)
            c.set("t", "s")
            etree.SubElement(c, f"{{{NS['m']}}}v").text = str(strings.setdefault(text, len(strings)))
        for run in _filled_down(root):
            first, *rest = run
            ref = f"{first.getparent().get('r')}:{run[-1].getparent().get('r')}"
            first.attrib.update({"t": "shared", "ref": ref, "si": str(si)})
            for f in rest:
                f.text = None
                f.attrib.update({"t": "shared", "si": str(si)})
            si += 1
        parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    assert strings and si, "the demo has texts and formula columns"
    sst = etree.Element(f"{{{NS['m']}}}sst", count=str(len(strings)), uniqueCount=str(len(strings)), nsmap={None: NS["m"]})
    for text in strings:
        etree.SubElement(etree.SubElement(sst, f"{{{NS['m']}}}si"), f"{{{NS['m']}}}t").text = text
    parts["xl/sharedStrings.xml"] = etree.tostring(sst, xml_declaration=True, encoding="UTF-8", standalone=True)
    types = parts["[Content_Types].xml"].decode()
    if "/xl/sharedStrings.xml" not in types:
        types = types.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                              'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        parts["[Content_Types].xml"] = types.encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    if "sharedStrings.xml" not in rels:
        rels = rels.replace("</Relationships>", '<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/'
                            'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        parts["xl/_rels/workbook.xml.rels"] = rels.encode()
    with zipfile.ZipFile(path, "w") as out:
        for info in infos:
            out.writestr(info, parts[info.filename], compress_type=info.compress_type)
        if not any(i.filename == "xl/sharedStrings.xml" for i in infos):
            out.writestr("xl/sharedStrings.xml", parts["xl/sharedStrings.xml"], compress_type=zipfile.ZIP_DEFLATED)


def _filled_down(root) -> list[list]:
    """Runs of formulas in consecutive rows of one column that are the same formula filled down."""
    columns: dict[str, list] = {}
    for f in root.iterfind(".//m:c/m:f", NS):
        column, row = re.fullmatch(r"([A-Z]+)(\d+)", f.getparent().get("r")).groups()
        columns.setdefault(column, []).append((int(row), f))
    runs = []
    for cells in columns.values():
        run = [cells[0]]
        for row, f in cells[1:]:
            first_row, first = run[0]
            same = re.sub(rf"(?<=[A-Z]){first_row}\b", str(row), first.text or "") == f.text
            if row == run[-1][0] + 1 and same:
                run.append((row, f))
            else:
                runs.append(run)
                run = [(row, f)]
        runs.append(run)
    return [[f for _, f in run] for run in runs if len(run) > 1]


def dangling_shared_formulas(path: Path) -> list[str]:
    """Cells that point at a shared formula whose first cell is gone."""
    out = []
    for name, data in sheet_parts(path).items():
        root = etree.fromstring(data)
        masters = {f.get("si") for f in root.iterfind(".//m:f[@t='shared'][@ref]", NS)}
        out += [f"{name}!{f.getparent().get('r')}" for f in root.iterfind(".//m:f[@t='shared']", NS)
                if f.get("si") not in masters]
    return out


@pytest.mark.libreoffice
def test_a_workbook_stored_as_excel_stores_it_is_read_rewritten_and_recalculated(base, tmp_path, soffice):
    """Shared strings and shared formulas (no Excel here to save one): the same tables read back,
    a step rewrites a shared-formula column without leaving cells pointing at a lost formula,
    and LibreOffice calculates the result."""
    path = copy_of(base, tmp_path)
    save_as_excel_does(path)
    for name in ("tblItems", "tblDemandPlan", "tblSettings", "tblStepStatus"):
        pd.testing.assert_frame_equal(FileBook(path).read_table(name), FileBook(base).read_table(name), obj=name)
    assert validate(FileBook(path)) == []
    book = FileBook(path)
    families = book.read_table("tblDemandPlan")["Family"].unique()
    jan = pd.Timestamp("2027-01-01")
    type_in_grid_cells(book, {(family, None, "Sales adj.", jan): 100 for family in families})
    run_step(book, "demand", now=pd.Timestamp("2026-11-20 09:00"))  # rewrites the shared-formula Consensus column
    run_step(book, "supply", now=pd.Timestamp("2026-11-20 09:00"))
    book.save()
    assert dangling_shared_formulas(path) == []
    plan = FileBook(path).read_table("tblDemandPlan")
    assert plan.loc[plan["Month"] == jan, "SalesAdj"].sum() == 100 * len(families)  # the typed figures are in
    # the adjustments rewritten once more, the Consensus results saved with them left as they were: what LibreOffice
    # shows below it has calculated itself
    book = FileBook(path)
    plan = plan.assign(SalesAdj=pd.to_numeric(plan["SalesAdj"]).fillna(0) + 10)
    book.write_table("tblDemandPlan", plan)
    book.save()
    assert dangling_shared_formulas(path) == []
    assert (FileBook(path).read_table("tblDemandPlan")["Consensus"] != consensus(plan)).any()
    calculated = openpyxl.load_workbook(_recalculated(path, tmp_path), data_only=True)
    spec = schema.table("tblDemandPlan")
    header_row, first_column = schema.table_origin(spec)
    ws = calculated[spec.sheet]
    column = first_column + spec.column_names.index("Consensus")
    assert ws.cell(header_row, column).value == "Consensus"
    values = [ws.cell(header_row + i, column).value for i in range(1, len(plan) + 1)]
    assert values == pytest.approx(consensus(plan).clip(lower=0).tolist())


# --- a run changes only its own tables ---------------------------------------------------------------

def _cells_outside(path: Path, tables: list[str]) -> dict:
    """Every cell value of the workbook, except inside the given tables' ranges."""
    wb = openpyxl.load_workbook(path)
    skip = {}
    for name in tables:
        ws, table = _table(wb, name)
        skip.setdefault(ws.title, []).append(range_boundaries(table.ref))
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                inside = any(c1 <= c.column <= c2 and r1 <= c.row <= r2 for c1, r1, c2, r2 in skip.get(ws.title, []))
                if c.value is not None and not inside:
                    out[(ws.title, c.coordinate)] = getattr(c.value, "text", c.value)  # array formulas by their text
    return out


@pytest.mark.slow
@pytest.mark.parametrize("step_id", [s.id for s in schema.STEPS])
def test_a_step_changes_only_its_own_tables(step_id, base, tmp_path):
    path = copy_of(base, tmp_path)
    step = step_record(step_id)
    own = [*step.writes, "tblUndo", "tblStepStatus", "tblStepInputs"]
    others = [t.name for t in schema.TABLES if t.name not in own]
    before_tables = {name: FileBook(path).read_table(name) for name in others}
    before_parts = {n: p for n, p in sheet_parts(path).items() if n not in {schema.table(t).sheet for t in own}}
    before_cells = _cells_outside(path, own)
    book = FileBook(path)
    run_step(book, step_id, now=pd.Timestamp("2026-11-21 09:00"))
    book.save()
    after = FileBook(path)
    for name, frame in before_tables.items():
        pd.testing.assert_frame_equal(after.read_table(name), frame, obj=name)
    parts = sheet_parts(path)
    assert {n: parts[n] for n in before_parts} == before_parts  # sheets without an own table: byte for byte
    assert _cells_outside(path, own) == before_cells  # titles, notes, cells beside the tables


# --- runs cut off halfway ------------------------------------------------------------------------------

class Cut(BaseException):
    """Stands for Ctrl+C, a killed process or a crash in the middle of writing."""


def _cut_on_write(monkeypatch, after: int):
    real, calls = FileBook.write_table, []

    def write_table(self, name, frame, headers=None):
        calls.append(name)
        if len(calls) > after:
            raise Cut(name)
        return real(self, name, frame, headers)
    monkeypatch.setattr(FileBook, "write_table", write_table)
    return calls


@pytest.mark.parametrize("after", [0, 2, 5])
def test_a_command_cut_off_mid_write_leaves_the_file_as_it_was(after, base, tmp_path, monkeypatch):
    path = copy_of(base, tmp_path)
    before = path.read_bytes()
    _cut_on_write(monkeypatch, after)
    with pytest.raises(Cut):
        cli("run", path)
    assert path.read_bytes() == before


def test_a_live_run_cut_off_mid_write_is_put_right_by_undo(base, tmp_path, monkeypatch):
    """In Excel the tables are written one by one into the open workbook: the undo store goes first,
    so Undo Last Run puts back tables a crash left half-replaced."""
    path = copy_of(base, tmp_path)
    book = FileBook(path)
    jan = pd.Timestamp("2027-01-01")
    type_in_grid_cells(book, {("Beverages", None, "Sales adj.", jan): 400})  # typed, not run yet: the run changes the plan
    step = step_record("demand")
    before = {name: book.read_table(name) for name in step.writes}
    calls = _cut_on_write(monkeypatch, 3)  # the undo store, the demand grid and the demand plan, then the cut
    with pytest.raises(Cut):
        run_step(book, "demand", now=pd.Timestamp("2026-11-21 09:00"))
    assert calls[:3] == ["tblUndo", "tblDemandView", "tblDemandPlan"]
    half = book.read_table("tblDemandPlan")
    assert half.loc[half["Month"] == jan, "SalesAdj"].sum() == 400  # the plan was replaced before the cut
    monkeypatch.undo()
    undo_last_run(book)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(book.read_table(name), frame, check_dtype=False, obj=name)


def test_a_table_too_long_for_excel_is_refused_and_the_file_kept(base, tmp_path, monkeypatch, capsys):
    """The plan archive grows every month; past Excel's rows per sheet Freeze Plan must stop, not write a broken file."""
    from xl_sop.workbook import filebook

    path = copy_of(base, tmp_path)
    before = path.read_bytes()
    archive_rows = len(FileBook(path).read_table("tblPlanArchive"))
    monkeypatch.setattr(filebook, "MAX_ROWS", schema.TABLE_ROW + archive_rows + 10)  # room for 10 more rows only
    assert cli("freeze", path) == 2
    err = capsys.readouterr().err
    assert "tblPlanArchive would need" in err and "past Excel's" in err and "nothing was written" in err
    assert path.read_bytes() == before
