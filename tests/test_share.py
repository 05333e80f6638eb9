"""Circulation on real files: publish a values-only copy and a PDF pack; collect returned copies; validate."""

import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import copy_of, cycled_demo
from grid_typing import grid_value, type_in_grid
from openpyxl import load_workbook

from xl_sop.cli import EXIT_CANNOT_RUN, EXIT_OK, main
from xl_sop.cycle import publish as publish_module
from xl_sop.cycle import run_step
from xl_sop.cycle.demo import fill_demo_book
from xl_sop.cycle.publish import publish
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.identity import WORKBOOK_PART, workbook_id

INJECTION = '=HYPERLINK("http://evil.example","click")'
SALES, MARKETING = "Sales adj.", "Marketing adj."
PLAN = schema.table("tblDemandPlan")
PLAN_HEADER_ROW, PLAN_FIRST_COLUMN = schema.table_origin(PLAN)


def plan_cell(column: str, row: int = 1) -> tuple[int, int]:
    """(row, column) on Demand Detail of a column of tblDemandPlan in its data row ``row`` (1 = the first)."""
    return PLAN_HEADER_ROW + row, PLAN_FIRST_COLUMN + PLAN.column_names.index(column)


@pytest.fixture(scope="module")
def cycled(tmp_path_factory):
    return cycled_demo(tmp_path_factory.mktemp("share"), "Master.xlsm", 6)


@pytest.fixture
def master(cycled, tmp_path):
    return copy_of(cycled, tmp_path)


def test_published_copy_is_values_only_and_recalculated(master, tmp_path, soffice):
    book = FileBook(master)
    plan = book.read_table("tblDemandPlan")
    # Written straight into the output table (no step writes a plan whose results disagree with its figures) ...
    plan.loc[plan.index[0], ["SalesAdj", "Consensus"]] = [50, 0]
    book.write_table("tblDemandPlan", plan)
    decisions = pd.DataFrame({"Date": [pd.Timestamp("2026-11-19")], "Topic": ["Snacks"], "Decision": [INJECTION],
                              "Owner": ["Ops"]})
    book.write_table("tblDecisions", decisions)  # typed text that looks like a formula
    book.save()
    # ... and its result then removed, as a program that writes formulas without results leaves them: publish
    # must recalculate it.
    _drop_saved_result(master, "Demand Detail", plan_cell("Consensus"))
    published = publish(master, tmp_path / "out", draft=True)  # the plan written by hand: later steps are stale
    assert published.workbook.name == "Master_2026-11.xlsx"
    notes = [n for n in published.notes if not n.startswith(("published as a DRAFT", "the PDF pack prints"))]
    assert len(notes) == 1 and notes[0].startswith("recalculated by LibreOffice: ")
    with zipfile.ZipFile(published.workbook) as z:
        names = z.namelist()
        assert not any("vba" in n.lower() or "customui" in n.lower() for n in names)
        types = z.read("[Content_Types].xml").decode()
        assert "sheet.main+xml" in types and "macroEnabled" not in types
        sheets = [z.read(n).decode() for n in names if n.startswith("xl/worksheets/sheet")]
    assert not any("<f>" in s or "<f " in s for s in sheets)  # no formula left, =SOP_ or native
    wb = load_workbook(published.workbook)
    assert {"xlwings.conf", "Undo", "Functions"}.isdisjoint(wb.sheetnames)
    ws = wb["Demand Detail"]
    first = plan.iloc[0]
    assert ws.cell(*plan_cell("Item")).value == first["Item"]
    assert ws.cell(*plan_cell("Consensus")).value == pytest.approx(first["Statistical"] + 50)  # LibreOffice recalculated
    meeting = FileBook(published.workbook)
    assert meeting.read_table("tblDecisions")["Decision"].tolist() == [INJECTION]
    spec = schema.table("tblDecisions")
    row, column = schema.table_origin(spec)
    cell = wb[spec.sheet].cell(row + 1, column + spec.column_names.index("Decision"))
    assert cell.value == INJECTION and cell.data_type == "s"  # text stays text
    grid = meeting.read_table("tblDemandView")
    assert len(grid) == len(FileBook(master).read_table("tblDemandView"))  # the grid goes out with its figures
    tiles = wb["5 Executive"]
    assert tiles["A4"].value == pytest.approx(FileBook(master).read_table("tblExecutive")["Revenue"].sum(), rel=1e-6)
    assert published.pdf is not None and published.pdf.stat().st_size > 10_000


def _drop_saved_result(path: Path, sheet: str, at: tuple[int, int]) -> None:
    """Remove the cached result of the formula at ``at`` on ``sheet`` (edits the package in place)."""
    from openpyxl.utils import get_column_letter

    part = FileBook(path)._sheet_part(sheet)
    ref = f"{get_column_letter(at[1])}{at[0]}"
    with zipfile.ZipFile(path) as z:
        infos, parts = z.infolist(), {i.filename: z.read(i.filename) for i in z.infolist()}
    parts[part], n = re.subn(rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)<v>[^<]*</v>'.encode(), rb"\1", parts[part])
    assert n == 1
    with zipfile.ZipFile(path, "w") as out:
        for info in infos:
            out.writestr(info, parts[info.filename], compress_type=info.compress_type)


@pytest.mark.libreoffice
def test_the_pack_prints_the_top_of_a_long_table_and_says_where_the_rest_is(master, tmp_path, soffice, monkeypatch):
    """A long table prints its first rows with a line saying where the rest is; a grid prints its family and
    resource rows (the item rows stay in the workbook, folded under them)."""
    from xl_sop.workbook.render import page_texts

    monkeypatch.setattr(publish_module, "PACK_TABLE_ROWS", 5)
    shortages = FileBook(master).read_table("tblScenarioShortage")  # a table the Scenarios page prints
    grid = FileBook(master).read_table("tblDemandView")
    published = publish(master, tmp_path / "out")
    rows = len(shortages)
    assert rows > 5
    assert (f"the PDF pack prints the first 5 of the {rows} rows of tblScenarioShortage (Scenarios); "
            "the published workbook has them all") in published.notes
    text = "\n".join(page_texts(published.pdf))
    assert f"... and {rows - 5} more rows: the pack prints the first 5 of {rows}; every row is in the workbook." in text
    families = grid[grid["Item"] == "Total"]
    assert (f"the PDF pack prints the {len(families)} summary rows of tblDemandView (1 Demand); its "
            f"{len(grid) - len(families)} item rows are in the published workbook") in published.notes
    movers = set(FileBook(master).read_table("tblWhatMoved")["Item"].dropna())  # named on purpose: what moved
    items = set(grid.loc[grid["Item"] != "Total", "Item"]) - movers
    assert not any(item in text for item in items)  # no item detail in the pack ...
    assert all(family in text for family in set(families["Family"]))  # ... the families' rows instead
    assert FileBook(published.workbook).read_table("tblDemandView").shape[0] == len(grid)  # the workbook keeps every row


@pytest.mark.slow
def test_publish_needs_no_libreoffice_when_every_formula_has_its_result(master, tmp_path, monkeypatch):
    def no_second_application(path, tmp):
        raise AssertionError("LibreOffice was asked to recalculate")

    monkeypatch.setattr(publish_module, "_recalculated", no_second_application)
    published = publish(master, tmp_path / "out", pdf=False)  # the steps stored every formula's result
    assert not published.recalculated
    assert not any("recalculated" in n or "not installed" in n for n in published.notes)
    ws = load_workbook(published.workbook)["Demand Detail"]
    plan = FileBook(master).read_table("tblDemandPlan")
    assert ws.cell(*plan_cell("Consensus")).value == pytest.approx(plan["Consensus"].iloc[0])  # the value the step cached


@pytest.mark.slow
def test_publish_without_libreoffice_uses_saved_values_and_says_so(master, tmp_path, monkeypatch):
    monkeypatch.setattr(publish_module, "_soffice", lambda: None)
    published = publish(master, tmp_path / "out")
    assert published.pdf is None
    assert any("LibreOffice is not installed" in n for n in published.notes)
    ws = load_workbook(published.workbook)["Demand Detail"]
    plan = FileBook(master).read_table("tblDemandPlan")
    assert ws.cell(*plan_cell("Consensus")).value == pytest.approx(plan["Consensus"].iloc[0])  # the value the step cached


def _returned(master: Path, folder, name, edit):
    published = publish(master, folder, pdf=False, draft=True).workbook  # masters here are not always current
    copy = folder / name
    shutil.move(published, copy)
    book = FileBook(copy)
    edit(book)
    book.save()
    return copy


def plan_rows(path: Path) -> pd.DataFrame:
    """The first rows of the demand plan: items and months to type for in the grid."""
    return FileBook(path).read_table("tblDemandPlan").head(3)


@pytest.mark.slow
def test_collect_takes_single_changes_and_lists_conflicts(master, tmp_path):
    first, second, third = (row for _, row in plan_rows(master).iterrows())

    def at(row, measure, month=True):
        return row["Family"], row["Item"], measure, row["Month"] if month else None

    def edit_a(book):
        type_in_grid(book, {at(first, SALES): 10, at(second, SALES, month=False): "x"})  # a figure and a lock
        _decided(book)

    def edit_b(book):
        type_in_grid(book, {at(first, SALES): 20, at(third, MARKETING): 5})
        approval = book.read_table("tblApproval")
        approval.loc[approval["Role"] == "CFO", ["Name", "Approved"]] = ["F. Nance", "Yes"]
        book.write_table("tblApproval", approval)
        _decided(book)

    decided_before = FileBook(master).read_table("tblDecisions")["Decision"].tolist()  # the demo's decisions log
    a = _returned(master, tmp_path / "a", "Sales.xlsx", edit_a)
    b = _returned(master, tmp_path / "b", "Marketing.xlsx", edit_b)
    assert main(["collect", str(master), str(a), str(b)]) == 0
    book = FileBook(master)
    assert pd.isna(grid_value(book, *at(first, SALES)))  # two different values: the master keeps its own
    grid = book.read_table("tblDemandView").set_index(["Item", "Measure"])
    assert grid.loc[(second["Item"], SALES), "Lock"] == "x"
    assert grid_value(book, *at(third, MARKETING)) == 5
    conflicts = book.read_table("tblConflicts")
    assert set(conflicts["Table"]) == {"tblDemandView"}
    assert set(conflicts["Key"]) == {f"{first['Family']} / {first['Item']} / {SALES} / {first['Month']:%b %Y}"}
    assert set(conflicts["Source"]) == {"master (kept)", "Sales.xlsx", "Marketing.xlsx"}
    assert sorted(conflicts["Value"]) == ["(blank)", "10", "20"]
    assert book.read_table("tblDecisions")["Decision"].tolist() == [*decided_before, "Second shift"]  # added once
    assert book.read_table("tblApproval").set_index("Role").loc["CFO", "Name"] == "F. Nance"
    run_step(book, "demand", now=pd.Timestamp("2026-11-21 09:00"))  # the collected figures reach the plan
    plan = book.read_table("tblDemandPlan").set_index(["Item", "Month"])
    key = (third["Item"], third["Month"])
    assert plan.loc[key, "MarketingAdj"] == 5
    assert plan.loc[key, "Consensus"] == pytest.approx(plan.loc[key, "Statistical"] + 5)
    assert plan.loc[(first["Item"], first["Month"]), "SalesAdj"] == 0


def _adjusted(book):
    first = book.read_table("tblDemandPlan").iloc[0]
    type_in_grid(book, {(first["Family"], first["Item"], SALES, first["Month"]): 10})


def _decided(book):
    """A decision typed below the copy's decisions log."""
    decisions = book.read_table("tblDecisions")
    typed = pd.DataFrame({"Date": [pd.Timestamp("2026-11-19")], "Topic": ["Snacks"], "Decision": ["Second shift"],
                          "Owner": ["Ops"]})
    book.write_table("tblDecisions", pd.concat([decisions, typed], ignore_index=True))


def _set_cycle_month(path: Path, month: str) -> None:
    book = FileBook(path)
    settings = book.read_table("tblSettings")
    settings.loc[settings["Setting"] == "Cycle month", "Value"] = pd.Timestamp(month)
    book.write_table("tblSettings", settings)
    book.save()


def _without_id(path: Path) -> None:
    """The workbook as xl-sop made it before workbooks had an id."""
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        parts = {i.filename: z.read(i) for i in infos}
    parts[WORKBOOK_PART] = re.sub(rb"<definedName name=\"SOP_WorkbookId\"[^>]*>[^<]*</definedName>", b"",
                                  parts[WORKBOOK_PART])
    with zipfile.ZipFile(path, "w") as z:
        for info in infos:
            z.writestr(info, parts[info.filename], compress_type=info.compress_type)
    assert workbook_id(path) is None


def _refused(master: Path, copies, capsys, *, code=EXIT_CANNOT_RUN) -> str:
    """Collect the copies into the master: refused with the error line (returned), the master byte for byte as it was."""
    before = master.read_bytes()
    assert main(["collect", str(master), *map(str, copies)]) == code
    err = capsys.readouterr().err
    assert master.read_bytes() == before
    return err


@pytest.fixture
def no_libreoffice(monkeypatch):
    """Publish on the saved values: these tests are about which copies collect takes, not about recalculation."""
    monkeypatch.setattr(publish_module, "_soffice", lambda: None)


@pytest.mark.slow
def test_collect_refuses_a_copy_of_an_earlier_cycle_month_and_names_it(master, tmp_path, capsys, no_libreoffice):
    old = _returned(master, tmp_path / "old", "Sales_Nov.xlsx", _adjusted)
    _set_cycle_month(master, "2026-12-01")  # the master moved on to the next cycle
    good = _returned(master, tmp_path / "new", "Marketing.xlsx", _adjusted)
    err = _refused(master, [good, old], capsys)
    assert err == ("xl-sop: Sales_Nov.xlsx was published for cycle month Nov 2026, this workbook is at Dec 2026: its "
                   "inputs are for another plan (collect copies of the current publish); nothing was collected\n")
    assert main(["collect", str(master), str(good)]) == EXIT_OK  # the copy of this cycle still collects


@pytest.mark.slow
def test_collect_refuses_a_copy_of_another_workbook_of_the_same_month(master, tmp_path, capsys, no_libreoffice):
    other = fill_demo_book(tmp_path / "Other" / "Master.xlsm", items=3)  # the same name, the same cycle month
    other.save()
    foreign = _returned(other.path, tmp_path / "other", "Sales.xlsx", _decided)
    assert workbook_id(foreign) == workbook_id(other.path) != workbook_id(master)
    err = _refused(master, [foreign], capsys)
    assert err == ("xl-sop: Sales.xlsx is a copy of another workbook (its workbook id is not this workbook's); "
                   "nothing was collected\n")
    # Every copy is checked before any is merged, and every one that does not belong is listed.
    old = _returned(master, tmp_path / "old", "Sales_Nov.xlsx", _decided)
    _set_cycle_month(master, "2026-12-01")
    assert _refused(master, [foreign, old], capsys) == (
        "xl-sop: 2 returned copies do not belong to this workbook; nothing was collected:\n"
        "  - Sales.xlsx is a copy of another workbook (its workbook id is not this workbook's)\n"
        "  - Sales_Nov.xlsx was published for cycle month Nov 2026, this workbook is at Dec 2026: its inputs are for "
        "another plan (collect copies of the current publish)\n")


@pytest.mark.slow
def test_collect_names_a_copy_that_cannot_be_read(master, tmp_path, capsys, no_libreoffice):
    good = _returned(master, tmp_path / "good", "Marketing.xlsx", _adjusted)
    deleted = _returned(master, tmp_path / "bad", "Sales.xlsx", _adjusted)
    wb = load_workbook(deleted)
    del wb["4 S&OP Meeting"].tables["tblDecisions"]  # someone deleted a table in their copy
    wb.save(deleted)
    err = _refused(master, [good, deleted], capsys)
    assert err.startswith("xl-sop: Sales.xlsx: the workbook has no table tblDecisions (tables: ") and err.count("\n") == 1
    text = tmp_path / "bad" / "Notes.xlsx"
    text.write_text("not a workbook")
    err = _refused(master, [good, text], capsys)
    assert err.startswith("xl-sop: Notes.xlsx ") and "not an Excel workbook" in err and err.count("\n") == 1


@pytest.mark.slow
def test_a_master_from_before_workbook_ids_collects_its_copies_by_cycle_month(master, tmp_path, capsys,
                                                                              no_libreoffice):
    _without_id(master)
    copy = _returned(master, tmp_path / "a", "Sales.xlsx", _adjusted)
    assert workbook_id(copy) is None
    other = fill_demo_book(tmp_path / "Other.xlsm", items=3)
    other.save()
    stamped = _returned(other.path, tmp_path / "b", "Ops.xlsx", _decided)
    err = _refused(master, [stamped], capsys)
    assert "Ops.xlsx is a copy of another workbook (it carries a workbook id, this workbook has none)" in err
    assert main(["collect", str(master), str(copy)]) == EXIT_OK
    first = FileBook(master).read_table("tblDemandPlan").iloc[0]
    assert grid_value(FileBook(master), first["Family"], first["Item"], SALES, first["Month"]) == 10
    _set_cycle_month(master, "2026-12-01")
    assert "Sales.xlsx was published for cycle month Nov 2026" in _refused(master, [copy], capsys)


def test_validate_lists_every_problem_with_its_place(master, capsys):
    book = FileBook(master)
    items = book.read_table("tblItems")
    items = pd.concat([items, items.iloc[[0]]], ignore_index=True)  # a duplicated item
    items.loc[1, "Resource"] = "Moulding"  # a resource without capacity
    book.write_table("tblItems", items)
    history = book.read_table("tblHistory").astype({"Quantity": object, "Month": object})
    history.loc[history.index[0], "Quantity"] = "n/a"
    history.loc[history.index[1], "Month"] = "someday"
    january = history.index[history["Month"] == pd.Timestamp("2026-01-01")][0]
    history.loc[january, "Month"] = "Jan-26"  # readable: not a problem
    history.loc[history.index[3], "Quantity"] = -5  # net returns: not a problem
    history.loc[history.index[4], "Quantity"] = 1e15
    history.loc[len(history) + 1] = ["ZZZ-1", pd.Timestamp("2026-10-01"), 3, None, None]
    book.write_table("tblHistory", history)
    settings = book.read_table("tblSettings")
    settings.loc[settings["Setting"] == "Horizon", "Value"] = 99
    settings.loc[settings["Setting"] == "Production strategy", "Value"] = "fastest"
    book.write_table("tblSettings", settings)
    book.save()
    assert main(["validate", str(master)]) == 1
    out = capsys.readouterr().out
    # Rows as Excel shows them: the template's tables have their header on row 5, so data row 1 is row 6.
    strategy_row = 6 + [name for name, *_ in schema.SETTINGS].index("Production strategy")
    expected = [
        "History / tblHistory, row 6, column Quantity: 'n/a' is not a number",
        "History / tblHistory, row 7, column Month: 'someday' is not a date",
        "History / tblHistory, row 10, column Quantity: 1e+15 is too large to plan with (more than 1,000,000,000,000)",
        f"History / tblHistory, row {len(history) + 5}, column Item: item 'ZZZ-1' is not in table Items",
        f"Items / tblItems, row {len(items) + 5}, column Item: Item",
        "Items / tblItems, row 7, column Resource: resource 'Moulding' has no rows in table Capacity",
        "Settings / tblSettings, row 7, column Value: Horizon: 99 is outside 1 to 36",
        f"Settings / tblSettings, row {strategy_row}, column Value: Production strategy: 'fastest' is not one of optimal, "
        "level, chase",
    ]
    for line in expected:
        assert line in out, line
    assert f"row {january + 5}, column Month" not in out
    assert out.count("\n  - ") == len(expected), out


def test_validate_a_clean_workbook(master, capsys):
    assert main(["validate", str(master)]) == 0
    assert "no problems found" in capsys.readouterr().out
