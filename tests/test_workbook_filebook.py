"""Writing tables into the template headless keeps everything else in the file intact."""

import shutil
import zipfile

import pandas as pd
import pytest
from conftest import TEMPLATE

from xl_sop.errors import WorkbookError
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.render import page_texts, to_pdf
from xl_sop.workbook.snapshot import snapshot, vba_modules

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
    assert changed <= {"xl/workbook.xml", sheet_part, table_part} and {sheet_part, table_part} <= changed
    assert after_parts["xl/vbaProject.bin"] == before_parts["xl/vbaProject.bin"]
    assert after_parts["customUI/customUI14.xml"] == before_parts["customUI/customUI14.xml"]
    # Everything a reader sees is as it was, except the demand plan's rows and range.
    diff = set(snapshot(copy).splitlines()) ^ set(before.splitlines())
    assert all("tblDemandPlan" in line or "formula J" in line for line in diff), sorted(diff)
    assert "  formula J8: =MAX(0,D8+N(H8)+N(I8))" in snapshot(copy)
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
    page = text[text.index("1 Demand planning"):]
    first = next(line for line in page.splitlines() if line.startswith("BEV-1000"))
    assert first.split()[-1] == "106"  # MAX(0, 100.5 + 5): the native formula, not Python
