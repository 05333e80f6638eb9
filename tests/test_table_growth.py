"""A table grows only into empty cells, and keeps its Total Row: on real files, through the command line, and
the Total Row through LibreOffice (issue 19)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from conftest import TEMPLATE, copy_of, cycled_demo
from excel_standin import Formula, xlwings_book
from lxml import etree
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from xl_sop.cli import EXIT_CANNOT_RUN, main
from xl_sop.errors import WorkbookError
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import NS, FileBook
from xl_sop.workbook.render import page_texts, to_pdf
from xl_sop.workbook.xlbook import XlwingsBook

Q = f"{{{NS}}}"
FIRST = 6
"""tblHistory's first data row in the template (header on row 5, columns A:C, three rows)."""


def edit_parts(path: Path, table: str, edit_sheet: Callable[[etree._Element], None],
               edit_table: Callable[[etree._Element], None] | None = None) -> None:
    """Change the sheet XML (and the table XML) of a table as Excel or a person would, every other part as it was."""
    _, sheet_part, table_part = FileBook(path)._tables[table.lower()]
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        parts = {i.filename: z.read(i.filename) for i in infos}
    for part, edit in ((sheet_part, edit_sheet), (table_part, edit_table)):
        if edit is not None:
            root = etree.fromstring(parts[part])
            edit(root)
            parts[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(path, "w") as z:
        for info in infos:
            z.writestr(info, parts[info.filename], compress_type=info.compress_type)


def put_cells(*cells: str) -> Callable[[etree._Element], None]:
    """Cells given as XML (<c r="B12">...</c>) put into their rows."""
    def edit(sheet: etree._Element) -> None:
        data = sheet.find(f"{Q}sheetData")
        for xml in cells:
            cell = etree.fromstring(xml.replace("<c ", f'<c xmlns="{NS}" ', 1))
            r = int("".join(ch for ch in cell.get("r") if ch.isdigit()))
            row = next((x for x in data if int(x.get("r")) == r), None)
            if row is None:
                row = etree.SubElement(data, f"{Q}row", r=str(r))
                for other in sorted(data, key=lambda x: int(x.get("r"))):
                    data.append(other)
            row.append(cell)
    return edit


def history(n: int) -> pd.DataFrame:
    return pd.DataFrame({"Item": [f"ITEM-{i}" for i in range(n)], "Month": pd.date_range("2025-01-01", periods=n, freq="MS"),
                         "Quantity": [10.0 * (i + 1) for i in range(n)]})


# --- a note below a table ------------------------------------------------------------------------------------

def test_a_formula_below_a_table_stops_it_growing_and_a_style_alone_does_not(tmp_path):
    path = copy_of(TEMPLATE, tmp_path)
    edit_parts(path, "tblHistory", put_cells('<c r="C12" s="1"/>', '<c r="B14"><f>TODAY()</f></c>'))
    book = FileBook(path)
    book.write_table("tblHistory", history(7))  # over the styled empty C12: rows 6-12
    with pytest.raises(WorkbookError, match=r"^History!B14 is not empty and tblHistory needs those rows to grow"):
        book.write_table("tblHistory", history(9))
    book.save()
    assert load_workbook(path)["History"]["B14"].value == "=TODAY()"
    assert len(FileBook(path).read_table("tblHistory")) == 7


def test_in_excel_a_formula_showing_nothing_below_a_table_stops_it_too():
    xw_book, excel = xlwings_book(TEMPLATE)
    excel.sheets("History").cells[(FIRST + 4, 2)] = Formula('=IF(TRUE,"","")', None)
    with pytest.raises(WorkbookError, match="History!B10 "):
        XlwingsBook(xw_book).write_table("tblHistory", history(5))
    assert excel.sheets("History").tables("tblHistory").last_row == FIRST + 2


@pytest.fixture(scope="module")
def cycled(tmp_path_factory):
    return cycled_demo(tmp_path_factory.mktemp("growth"), "Master.xlsm", 3)


def _note_under_the_plan(book: FileBook) -> str:
    """A note typed two rows under tblDemandPlan (Demand Detail), in its columns: the plan grows down."""
    last = book.first_row("tblDemandPlan") + len(book.read_table("tblDemandPlan")) - 1
    book.write_cells("Demand Detail", {f"C{last + 3}": "ask sales about the promo", f"D{last + 4}": 1200})
    return f"Demand Detail!C{last + 3}:D{last + 4} is not empty and tblDemandPlan needs those rows to grow"


def _note_beside_the_grid(book: FileBook) -> str:
    """A note typed right of the demand grid (1 Demand), where its new months would go: the grid grows across."""
    first = book.first_row("tblDemandView")
    start = schema.table_origin(schema.table("tblDemandView"))[1]
    column = get_column_letter(start + len(book.table_headers("tblDemandView")) + 2)  # the third column past its last
    book.write_cells("1 Demand", {f"{column}{first + 1}": "ask sales about the promo"})
    return f"1 Demand!{column}{first + 1} is not empty and tblDemandView needs those cells to widen"


@pytest.mark.slow  # a step on a workbook file
@pytest.mark.parametrize("note", [_note_under_the_plan, _note_beside_the_grid], ids=["under the plan", "beside the grid"])
def test_a_longer_horizon_stops_at_a_note_under_the_demand_plan_and_the_file_stays_as_it_was(cycled, tmp_path, capsys,
                                                                                             note):
    path = copy_of(cycled, tmp_path)
    book = FileBook(path)
    assert len(book.table_headers("tblDemandView")) == 4 + 24 + 12  # labels, 24 months of history, 12 planned
    settings = book.read_table("tblSettings")
    settings.loc[settings["Setting"] == "Horizon", "Value"] = 18
    book.write_table("tblSettings", settings)
    expected = note(book)
    book.save()
    before = path.read_bytes()
    assert main(["run", str(path), "--step", "demand"]) == EXIT_CANNOT_RUN
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err
    assert path.read_bytes() == before  # nothing saved: not the undo store, not the status


# --- the Total Row ----------------------------------------------------------------------------------------------

def with_total_row(path: Path) -> None:
    """tblHistory (History!A5:E8: Item, Month, Quantity and the optional Region and Segment) given a Total Row as
    Excel writes it: a label, a count as a structured reference, and a sum typed over a plain range."""
    def table(t: etree._Element) -> None:
        t.set("ref", "A5:E9")
        t.set("totalsRowCount", "1")
        columns = t.find(f"{Q}tableColumns")
        columns[0].set("totalsRowLabel", "Total")
        columns[1].set("totalsRowFunction", "custom")
        etree.SubElement(columns[1], f"{Q}totalsRowFormula").text = "SUBTOTAL(103,tblHistory[Month])"
        columns[2].set("totalsRowFunction", "custom")
        etree.SubElement(columns[2], f"{Q}totalsRowFormula").text = "SUBTOTAL(109,C6:C8)"

    edit_parts(path, "tblHistory", put_cells('<c r="A9" t="inlineStr"><is><t>Total</t></is></c>',
                                             '<c r="B9"><f>SUBTOTAL(103,tblHistory[Month])</f><v>3</v></c>',
                                             '<c r="C9"><f>SUBTOTAL(109,C6:C8)</f><v>1117</v></c>'),
               table)


def total_row(path: Path) -> tuple[str, int, list]:
    """The table's ref, its totals row count and its last row's cells, as openpyxl reads the file."""
    ws = load_workbook(path)["History"]
    table = ws.tables["tblHistory"]
    last = int(table.ref.split(":")[1][1:])
    return table.ref, table.totalsRowCount, [ws.cell(last, c).value for c in (1, 2, 3)]


def test_a_total_row_follows_the_table_as_it_grows_and_shrinks(tmp_path):
    path = copy_of(TEMPLATE, tmp_path)
    with_total_row(path)
    assert len(FileBook(path).read_table("tblHistory")) == 3  # the Total Row is no data row

    book = FileBook(path)
    book.write_table("tblHistory", history(7))
    book.save()
    assert total_row(path) == ("A5:E13", 1, ["Total", "=SUBTOTAL(103,tblHistory[Month])", "=SUBTOTAL(109,C6:C12)"])
    pd.testing.assert_frame_equal(FileBook(path).read_table("tblHistory")[["Item", "Month", "Quantity"]]
                                  .reset_index(drop=True), history(7), check_dtype=False)

    book = FileBook(path)
    book.write_table("tblHistory", history(2))
    book.save()
    assert total_row(path) == ("A5:E8", 1, ["Total", "=SUBTOTAL(103,tblHistory[Month])", "=SUBTOTAL(109,C6:C7)"])
    ws = load_workbook(path)["History"]
    assert [ws.cell(r, c).value for r in range(9, 14) for c in (1, 2, 3)] == [None] * 15
    assert ws.auto_filter.ref in (None, "A5:E7")


def test_a_note_under_the_total_row_stops_the_table_growing(tmp_path):
    path = copy_of(TEMPLATE, tmp_path)
    with_total_row(path)
    edit_parts(path, "tblHistory", put_cells('<c r="A10" t="inlineStr"><is><t>checked by Bo</t></is></c>'))
    with pytest.raises(WorkbookError, match="^History!A10 is not empty"):
        FileBook(path).write_table("tblHistory", history(4))


def test_libreoffice_calculates_the_moved_total_row(tmp_path, soffice):
    path = copy_of(TEMPLATE, tmp_path)
    with_total_row(path)
    book = FileBook(path)
    book.write_table("tblHistory", history(7))
    book.save()
    text = "".join(page_texts(to_pdf(path, tmp_path)))
    total = next(line for line in text.splitlines() if line.startswith("Total"))
    assert total.split()[-1] == "280"  # 10 + 20 + ... + 70: the range followed the seven rows (not 10 + 20 + 30)
