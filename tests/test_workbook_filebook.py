"""Writing tables into the template headless keeps everything else in the file intact."""

import re
import shutil
import zipfile

import pandas as pd
import pytest
from conftest import TEMPLATE, calculation

from xl_sop.errors import WorkbookError
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.render import page_texts, to_pdf
from xl_sop.workbook.snapshot import snapshot, vba_modules

PLAN_COLUMNS = schema.table("tblDemandPlan").column_names
PLAN = pd.DataFrame({
    "item": ["BEV-1000", "BEV-1000", "SNA-1001"], "Family": ["Beverages", "Beverages", "Snacks"],
    "Month": pd.to_datetime(["2026-11-01", "2026-12-01", "2026-11-01"]),
    "Statistical": [100.5, 110.0, 50.0], "Method": ["Holt", "Holt", "SES & co <x>"], "SalesAdj": [5.0, None, -3.0],
})


@pytest.fixture
def copy(tmp_path):
    path = tmp_path / "cycle.xlsm"
    shutil.copy(TEMPLATE, path)
    return path


def test_tables_read_back_with_types(copy):
    book = FileBook(copy)
    items = book.read_table("TBLITEMS")
    assert items["Item"].tolist() == ["BEV-1000", "SNA-1001"]
    assert items["UnitPrice"].tolist() == [39.01, 47.44]
    history = book.read_table("tblHistory")
    assert history["Month"].tolist() == list(pd.to_datetime(["2026-09-01", "2026-10-01", "2026-10-01"]))
    with pytest.raises(WorkbookError, match="no table tblNope"):
        book.read_table("tblNope")


def test_a_time_of_day_reads_back_to_the_millisecond(copy):
    """A day fraction is not exact in binary: 09:10:00 came back 3 microseconds early before reads were rounded."""
    book = FileBook(copy)
    status = book.read_table("tblStepStatus")
    runs = [pd.Timestamp("2026-11-30 09:10:00"), pd.Timestamp("2026-11-30 17:45:30.250"), pd.Timestamp("2026-12-01")]
    status["LastRun"] = runs + [pd.NaT] * (len(status) - 3)
    book.write_table("tblStepStatus", status)
    book.save()
    assert FileBook(copy).read_table("tblStepStatus")["LastRun"].iloc[:3].tolist() == runs


@pytest.mark.slow
def test_writing_a_table_round_trips_and_changes_nothing_else(copy):
    before = snapshot(copy)
    with zipfile.ZipFile(copy) as z:
        before_parts = {n: z.read(n) for n in z.namelist()}
    book = FileBook(copy)
    book.write_table("tblDemandPlan", PLAN)
    book.save()
    back = FileBook(copy).read_table("tblDemandPlan")
    assert back["Item"].tolist() == PLAN["item"].tolist()
    assert back["Month"].tolist() == PLAN["Month"].tolist()
    assert back["Statistical"].tolist() == [100.5, 110, 50]
    assert back["Method"].tolist()[2] == "SES & co <x>"
    assert back["SalesAdj"].tolist()[0] == 5 and pd.isna(back["SalesAdj"].tolist()[1])
    with zipfile.ZipFile(copy) as z:
        after_parts = {n: z.read(n) for n in z.namelist()}
    assert set(after_parts) == set(before_parts)
    changed = {n for n in after_parts if after_parts[n] != before_parts[n]}
    _name, sheet_part, table_part = FileBook(copy)._tables["tbldemandplan"]
    assert changed == {sheet_part, table_part}  # no request for a full calculation: Excel makes one anyway
    assert after_parts["xl/vbaProject.bin"] == before_parts["xl/vbaProject.bin"]
    assert after_parts["customUI/customUI14.xml"] == before_parts["customUI/customUI14.xml"]
    # Everything a reader sees is as it was, except the demand plan's rows, range and Consensus formulas (an output
    # table now: no validation of typed columns to follow its rows; the grid's does, test_grid_tables).
    diff = set(snapshot(copy).splitlines()) ^ set(before.splitlines())
    assert all("tblDemandPlan" in line or "formula K" in line for line in diff), sorted(diff)
    assert "  table tblDemandPlan A5:K8: " + ", ".join(PLAN_COLUMNS) in snapshot(copy)
    assert "  formula K8: =MAX(0,D8+N(H8)+N(I8)+N(J8))" in snapshot(copy)
    assert set(vba_modules(copy)) == set(vba_modules(TEMPLATE))


def test_shrinking_a_table_clears_its_old_rows_only(copy):
    book = FileBook(copy)
    book.write_table("tblDemandPlan", PLAN)
    book.write_table("tblDemandPlan", PLAN.iloc[:1])
    book.save()
    back = FileBook(copy)
    assert len(back.read_table("tblDemandPlan")) == 1
    assert back.read_table("tblAccuracy").empty  # the table beside it is untouched
    assert "table tblDemandPlan A5:K6" in snapshot(copy)


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_consensus_of_written_rows(copy, soffice, tmp_path):
    book = FileBook(copy)
    book.write_table("tblDemandPlan", PLAN)
    book.save()
    pdf = to_pdf(copy, tmp_path)
    text = "".join(page_texts(pdf))
    page = text[text.index("Demand detail"):]
    first = next(line for line in page.splitlines() if line.startswith("BEV-1000"))
    # Method, SalesAdj, then Consensus (the chart tables follow on the same line)
    assert re.search(r"\bHolt +5 +(\S+)", first).group(1) == "106"  # MAX(0, 100.5 + 5): the native formula, not Python


# --- after Excel has saved the workbook: a full calculation on load only where a result would be stale -----------

EXCEL_ENGINE = "191029"
"""The calculation engine id Microsoft 365 writes when it saves a workbook."""
PLAN_WITH_RESULTS = PLAN.assign(Consensus=[105.5, 110.0, 47.0])


def _edit(path, edit_part) -> None:
    """Rewrite the package with edit_part(name, bytes) -> bytes applied to every part."""
    with zipfile.ZipFile(path) as z:
        infos, parts = z.infolist(), {i.filename: z.read(i.filename) for i in z.infolist()}
    with zipfile.ZipFile(path, "w") as out:
        for info in infos:
            out.writestr(info, edit_part(info.filename, parts[info.filename]), compress_type=info.compress_type)


def _saved_by_excel(path, formula: str | None = None, name: str | None = None):
    """The calculation properties Excel writes on save (its engine id, no request); optionally the first example
    formula of the Functions sheet replaced by ``formula`` and a defined name added (``name`` is its definition)."""
    functions = FileBook(path)._sheet_part("Functions")
    replaced = []

    def edit(part: str, data: bytes) -> bytes:
        if part == "xl/workbook.xml":
            data = re.sub(rb"<calcPr[^>]*/>", f'<calcPr calcId="{EXCEL_ENGINE}"/>'.encode(), data)
            if name:
                data = data.replace(b"<definedNames>", f"<definedNames><definedName name=\"PlanFigures\">{name}"
                                    "</definedName>".encode())
        if formula and part == functions:
            data, n = re.subn(rb"<f>[^<]*</f>", f"<f>{formula}</f>".encode(), data, count=1)
            replaced.append(n)
        return data

    _edit(path, edit)
    assert not formula or replaced == [1], "the Functions sheet has an example formula to replace"
    return path


MONTHS = pd.to_datetime(["2026-11-01", "2026-12-01"])
DETAIL = {
    "tblDemandPlan": PLAN_WITH_RESULTS,
    "tblDemandHistoryChart": pd.DataFrame({"Month": MONTHS, "Offset": [28, 29], "History": [150.0, 160.0]}),
    "tblDemandChart": pd.DataFrame({"Month": MONTHS, "Offset": [28, 29], "Statistical": [150.5, 110.0],
                                    "Consensus": [152.5, 110.0], "Lower80": [120.0, 90.0], "Upper80": [180.0, 130.0]}),
}
"""The formula tables of Demand Detail with their results, as Run Forecast writes them: the chart tables' formulas
read tblDemandPlan (the 80% range), so a write of the plan alone leaves their results stale."""


def _written(path, tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    book = FileBook(path)
    for table, frame in tables.items():
        book.write_table(table, frame)
    book.save()
    return calculation(path)


def test_writing_tables_whose_results_nothing_else_reads_asks_excel_for_no_full_calculation(copy):
    assert _written(_saved_by_excel(copy), DETAIL) == {"calcId": EXCEL_ENGINE}


def test_writing_the_plan_under_the_formulas_that_read_it_stores_their_results(copy):
    # the chart tables beside it (tblDemandChart's 80% range) read tblDemandPlan: their results are computed again,
    # so nothing is stale and Excel is not asked for a full calculation
    assert "fullCalcOnLoad" not in _written(_saved_by_excel(copy), {"tblDemandPlan": PLAN_WITH_RESULTS})
    chart = FileBook(copy).read_table("tblDemandChart")
    assert chart.notna().all().all() and chart["Lower80"].eq(0).all()  # the plan written has no Lower80


def test_a_formula_written_without_its_result_gets_it(copy):
    # PLAN has no Consensus: MAX(0, Statistical + N(Events) + N(SalesAdj) + N(MarketingAdj)) is stored for it
    assert "fullCalcOnLoad" not in _written(_saved_by_excel(copy), {**DETAIL, "tblDemandPlan": PLAN})
    assert FileBook(copy).read_table("tblDemandPlan")["Consensus"].tolist() == [105.5, 110.0, 47.0]


def test_the_executive_tiles_reading_a_written_table_get_their_results(copy):
    executive = pd.DataFrame({"Month": pd.to_datetime(["2026-11-01"]), "Revenue": [10.0], "BudgetRevenue": [12.0]})
    assert "fullCalcOnLoad" not in _written(_saved_by_excel(copy), {"tblExecutive": executive})
    tiles = FileBook(copy).read_cells("5 Executive", "A4:E5")
    assert tiles[(4, 1)] == 10 and tiles[(5, 1)] == "budget 12"  # SUM(B25:B424), "budget "&TEXT(SUM(C..),"#,##0")
    assert tiles[(5, 3)] == "-16.7% of budget"  # TEXT(10/12-1, "+0.0%;-0.0%")


FIRST_EXAMPLE = (10, 8)
"""Functions!H10, the first example formula _saved_by_excel replaces."""


@pytest.mark.parametrize(("formula", "name", "result"), [
    ("SUM(&apos;Demand Detail&apos;!D6:D9)", None, 260.5),
    ("SUM('demand detail'!D6:D9)", None, 260.5),
    ("SUM(tblDemandPlan[Statistical])", None, 260.5),
    ("SUM(PlanFigures)", "'Demand Detail'!$D$6:$D$9", 260.5),
    ("SUM(Items!D6:D9)+COUNT(tblDemandPlanOld)", None, None),
    ("SUM(PlanFigures)", "Items!$D$6:$D$9", None),
], ids=["sheet", "sheet-in-other-case", "table", "defined-name", "other-sheet-and-name", "name-elsewhere"])
def test_a_formula_elsewhere_that_may_read_a_written_table_gets_its_result(copy, formula, name, result):
    calc = _written(_saved_by_excel(copy, formula, name), DETAIL)
    assert "fullCalcOnLoad" not in calc
    # what the plan's Statistical column adds up to; a formula that reads nothing written is left as it was (empty)
    assert FileBook(copy).read_cells("Functions", "H10:H10").get(FIRST_EXAMPLE) == result


def test_a_formula_that_may_read_a_written_table_and_cannot_be_computed_has_excel_calculate_on_load(copy):
    # SUMPRODUCT is not one of the functions formula_results takes: its old result is removed, Excel calculates it
    calc = _written(_saved_by_excel(copy, "SUMPRODUCT(tblDemandPlan[Statistical])"), DETAIL)
    assert calc["fullCalcOnLoad"] == "1"
    assert FIRST_EXAMPLE not in FileBook(copy).read_cells("Functions", "H10:H10")


def test_a_cell_function_that_may_read_a_written_table_has_excel_calculate_on_load(copy):
    # =SOP_ functions need the add-in: their results are Excel's to calculate when it opens the file
    calc = _written(_saved_by_excel(copy, "SOP_ACCURACY(tblDemandPlan[Statistical],tblDemandPlan[Statistical])"), DETAIL)
    assert calc["fullCalcOnLoad"] == "1"


def test_a_table_written_in_blocks_is_the_table_written_at_once(copy, tmp_path, monkeypatch):
    # a long table is made and parsed BLOCK_ROWS rows at a time: the same file as in one go
    from xl_sop.workbook import filebook

    whole = tmp_path / "whole.xlsm"
    shutil.copy(copy, whole)
    for path in (whole, copy):
        book = FileBook(path)
        book.write_table("tblDemandPlan", pd.concat([PLAN_WITH_RESULTS] * 3, ignore_index=True))
        book.save()
        monkeypatch.setattr(filebook, "BLOCK_ROWS", 2)
    with zipfile.ZipFile(whole) as a, zipfile.ZipFile(copy) as b:
        assert [a.read(n) for n in a.namelist()] == [b.read(n) for n in b.namelist()]
