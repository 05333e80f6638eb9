"""The Book contract, run on both books: FileBook on a real .xlsm, and XlwingsBook as in Excel.

Every test here runs twice on a copy of the committed template: once on FileBook
(the file itself, saved and opened again before anything is read back), once on
XlwingsBook handed a real ``xlwings.Book`` whose engine is the in-memory Excel of
excel_standin.py. XlwingsBook's own logic and every xlwings 0.37.8 line between it
and Excel (value conversion, DataFrame writing, Table.update growing and shrinking a
table) run as they do inside Excel.

What the stand-in cannot show, and the acceptance checklist in docs/install.md
must: that Excel itself reads what it is handed as modelled here (its parsing of
typed text depends on the locale and knows more forms than the stand-in), the COM
marshalling of dates and numbers, number formats and styles a write leaves,
recalculation of the formulas written (nothing calculates here), a table's Total Row
(not modelled: how Excel moves it when xlwings resizes the table), speed, and anything about the ribbon,
RunPython or the cell functions.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from conftest import TEMPLATE, copy_of, cycled_demo
from excel_standin import Formula, xlwings_book
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from xl_sop.cycle.grids import header_month
from xl_sop.cycle.runner import undo_last_run
from xl_sop.cycle.undo import undo_rows
from xl_sop.errors import WorkbookError
from xl_sop.workbook import schema
from xl_sop.workbook.book import Book
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.xlbook import XlwingsBook

# Text a person may type that Excel would otherwise read as something else: a formula, a number, a date, a boolean.
TRICKY_TEXT = ['=HYPERLINK("http://evil.example","click")', "00123", "-5", "+1", "@x", "1,234", "12%", "2026-01-01",
               "TRUE", "'quoted", " padded ", "Cola 12-pack"]


@dataclass
class Opened:
    """A book under test, with what only its own kind can do."""

    book: Book
    reopened: Callable[[], Book]
    """The book as read again: FileBook saves and opens the file again; in Excel the open workbook is the same."""
    cells: Callable[[str, list[tuple[int, int]]], list]
    """What cells of a sheet hold, by (row, column): values, or Formulas."""
    type_in: Callable[[str, dict[tuple[int, int], object]], None]
    """A person typing values into cells of a sheet, by (row, column)."""
    outline: Callable[[str, list[int]], tuple[list[int], bool]]
    """The outline level of rows of a sheet (0 = not grouped) and whether summary rows stand above their detail."""


def _file(tmp_path) -> Opened:
    path = copy_of(TEMPLATE, tmp_path)
    book = FileBook(path)

    def reopened() -> Book:
        book.save()
        return FileBook(path)

    def cells(sheet: str, addresses: list[tuple[int, int]]) -> list:
        book.save()
        ws = load_workbook(path)[sheet]
        held = [ws.cell(*at) for at in addresses]
        return [Formula(c.value) if c.data_type == "f" else c.value for c in held]

    def type_in(sheet: str, values: dict[tuple[int, int], object]) -> None:
        book.write_cells(sheet, {f"{get_column_letter(c)}{r}": v for (r, c), v in values.items()})

    def outline(sheet: str, rows: list[int]) -> tuple[list[int], bool]:
        book.save()
        ws = load_workbook(path)[sheet]
        return [ws.row_dimensions[r].outline_level or 0 for r in rows], ws.sheet_properties.outlinePr.summaryBelow is False

    return Opened(book, reopened, cells, type_in, outline)


@pytest.fixture(scope="module")
def template_in_excel():
    return xlwings_book(TEMPLATE)


def _excel(template_in_excel) -> Opened:
    xw_book, excel = copy.deepcopy(template_in_excel)  # the template as opened, for this test alone
    book = XlwingsBook(xw_book)

    def type_in(sheet: str, values: dict[tuple[int, int], object]) -> None:
        excel.sheets(sheet).cells.update(values)

    def outline(sheet: str, rows: list[int]) -> tuple[list[int], bool]:
        levels = excel.sheets(sheet).row_levels  # Excel's OutlineLevel: 1 is not grouped
        return [levels.get(r, 1) - 1 for r in rows], excel.sheets(sheet).Outline.SummaryRow == 0

    return Opened(book, lambda: book, lambda sheet, addresses: [excel.cell(sheet, *at) for at in addresses], type_in,
                  outline)


@pytest.fixture(params=["FileBook", "XlwingsBook"])
def opened(request, tmp_path) -> Opened:
    if request.param == "FileBook":
        return _file(tmp_path)
    return _excel(request.getfixturevalue("template_in_excel"))


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, index=pd.RangeIndex(1, len(rows) + 1))


def assert_rows(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    """The same rows and values: a whole number may come back as 310 or 310.0, a date at any resolution."""
    pd.testing.assert_frame_equal(_in_ns(actual), _in_ns(expected), check_dtype=False, check_index_type=False)


def _in_ns(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.apply(lambda c: c.astype("datetime64[ns]") if pd.api.types.is_datetime64_any_dtype(c) else c)


def _first_data_row(name: str) -> tuple[str, int, int]:
    """Sheet, row and first column of the table's first data row in the template."""
    table = schema.table(name)
    row, column = schema.table_origin(table)
    return table.sheet, row + 1, column


def test_both_are_books(opened):
    assert isinstance(opened.book, Book)


def test_first_row_is_the_worksheet_row_under_the_header(opened):
    for table in schema.TABLES:
        assert opened.book.first_row(table.name) == _first_data_row(table.name)[1], table.name
    assert opened.book.has_macros()


def test_table_names_are_the_schema_tables(opened):
    assert opened.book.table_names() == sorted(t.name for t in schema.TABLES)


def test_headers_are_the_schema_columns_whatever_the_case_of_the_name(opened):
    for table in schema.TABLES:
        headers = opened.book.table_headers(table.name.upper())
        if not table.grid:
            assert headers == table.column_names, table.name
            continue
        # a planning grid: the schema's label columns, then one column per month, in order ('Nov 2026')
        labels = len(table.column_names)
        assert headers[:labels] == table.column_names, table.name
        months = [header_month(h) for h in headers[labels:]]
        assert months and None not in months, (table.name, headers)
        assert months == list(pd.date_range(months[0], periods=len(months), freq="MS")), table.name


def test_a_missing_table_is_a_workbook_error_naming_it(opened):
    with pytest.raises(WorkbookError, match="tblNoSuch"):
        opened.book.read_table("tblNoSuch")
    with pytest.raises(WorkbookError, match="tblNoSuch"):
        opened.book.write_table("tblNoSuch", pd.DataFrame())


def test_reads_the_rows_with_dates_as_dates_and_numbers_as_numbers(opened):
    expected = _frame([("BEV-1000", pd.Timestamp("2026-09-01"), 310, None, None),
                       ("BEV-1000", pd.Timestamp("2026-10-01"), 295, None, None),
                       ("SNA-1001", pd.Timestamp("2026-10-01"), 512, None, None)],
                      ["Item", "Month", "Quantity", "Region", "Segment"])  # Region and Segment: optional, blank
    assert_rows(opened.book.read_table("tblHistory"), expected)


HISTORY_COLUMNS = ["Item", "Month", "Quantity", "Region", "Segment"]
"""tblHistory's columns in the template (Region and Segment optional, left blank by the frames written here)."""


def _history(n: int) -> pd.DataFrame:
    months = pd.date_range("2025-01-01", periods=n, freq="MS")
    return pd.DataFrame({"Item": [f"ITEM-{i}" for i in range(n)], "Month": months, "Quantity": np.arange(n) * 10.5})


def _as_read(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame written to tblHistory as it reads back: the optional columns it did not fill come back blank."""
    return frame.assign(Region=None, Segment=None)


def test_a_table_grows_to_the_rows_written(opened):
    frame = _history(7)
    opened.book.write_table("tblHistory", frame)
    book = opened.reopened()
    assert_rows(book.read_table("tblHistory"), _as_read(frame).set_axis(pd.RangeIndex(1, 8)))
    assert book.table_headers("tblHistory") == HISTORY_COLUMNS


def test_a_table_shrinks_and_the_rows_it_gives_up_are_blank(opened):
    opened.book.write_table("tblHistory", _history(7))
    opened.book.write_table("tblHistory", _history(2))
    book = opened.reopened()
    assert_rows(book.read_table("tblHistory"), _as_read(_history(2)).set_axis(pd.RangeIndex(1, 3)))
    sheet, first, column = _first_data_row("tblHistory")
    assert opened.cells(sheet, [(first + k, column) for k in range(2, 7)]) == [None] * 5


def test_a_table_never_grows_over_a_note_typed_below_it(opened):
    """What someone typed a few rows below a table stops it growing there, naming the cells; nothing is written."""
    sheet, first, column = _first_data_row("tblHistory")
    note = {(first + 5, column + 1): "ask Ana about May", (first + 6, column + 2): 42.0}
    opened.type_in(sheet, note)
    opened.book.write_table("tblHistory", _history(5))  # up to the row above the note: fine
    grown = opened.book.read_table("tblHistory")
    with pytest.raises(WorkbookError) as refused:
        opened.book.write_table("tblHistory", _history(9))
    message = str(refused.value)
    assert f"{sheet}!{get_column_letter(column + 1)}{first + 5}:{get_column_letter(column + 2)}{first + 6}" in message
    assert "tblHistory" in message and "insert rows" in message and "\n" not in message
    with pytest.raises(WorkbookError, match="tblHistory"):
        opened.book.check_room("tblHistory", 9)
    book = opened.reopened()
    assert_rows(book.read_table("tblHistory"), grown)
    assert opened.cells(sheet, list(note)) == list(note.values())


def test_an_empty_frame_leaves_the_headers_and_no_rows(opened):
    opened.book.write_table("tblHistory", pd.DataFrame(columns=["Item", "Month", "Quantity"]))
    book = opened.reopened()
    assert book.read_table("tblHistory").empty
    assert list(book.read_table("tblHistory").columns) == book.table_headers("tblHistory") == HISTORY_COLUMNS


def test_columns_keep_their_types(opened):
    """Text stays text whatever it looks like; numbers, dates, true/false and blanks come back as they went."""
    n = len(TRICKY_TEXT)
    items = pd.DataFrame({"Item": TRICKY_TEXT, "Description": [f"item {i}" for i in range(n)], "Family": "Beverages",
                          "UnitPrice": np.linspace(1.25, 20, n), "UnitCost": [None, np.nan, *range(n - 2)],
                          "LeadTimeMonths": np.arange(n, dtype=np.int64), "Resource": "Bottling", "HoursPerUnit": 0.05})
    opened.book.write_table("tblItems", items)
    history = pd.DataFrame({"Item": ["A", "B", "C"], "Quantity": [1.5, 2, 3],
                            "Month": [pd.Timestamp("2026-01-01"), dt.datetime(2026, 2, 1), "Jan-26"]})
    opened.book.write_table("tblHistory", history)
    approval = pd.DataFrame({"Role": ["CEO", "CFO"], "Name": ["Ann", "Bob"], "Approved": [True, False],
                             "Date": [pd.Timestamp("2026-11-20"), None], "Comment": ["ok", None]})
    opened.book.write_table("tblApproval", approval)
    book = opened.reopened()
    read = book.read_table("tblItems")
    assert read["Item"].tolist() == TRICKY_TEXT
    assert_rows(read, items.set_axis(pd.RangeIndex(1, n + 1)))
    assert_rows(book.read_table("tblHistory"),
                _as_read(history[["Item", "Month", "Quantity"]]).set_axis(pd.RangeIndex(1, 4)))
    read = book.read_table("tblApproval")
    assert read["Approved"].tolist() == [True, False]
    assert read["Date"].iloc[0] == pd.Timestamp("2026-11-20") and pd.isna(read["Date"].iloc[1])
    assert read["Comment"].iloc[0] == "ok" and pd.isna(read["Comment"].iloc[1])


def test_text_that_starts_with_an_equals_sign_is_written_as_text(opened):
    text = TRICKY_TEXT[0]
    opened.book.write_table("tblDecisions", pd.DataFrame({"Topic": [text], "Decision": ["-1 shift"]}))
    sheet, row, column = _first_data_row("tblDecisions")
    topic = column + schema.table("tblDecisions").column_names.index("Topic")
    assert opened.cells(sheet, [(row, topic), (row, topic + 1)]) == [text, "-1 shift"]


def test_formula_columns_get_their_formula_in_every_row(opened):
    plan = pd.DataFrame({"Item": ["A", "B", "C"], "Family": "F", "Month": pd.Timestamp("2026-12-01"),
                         "Statistical": [10.0, 20, 30], "SalesAdj": [1.0, None, 3]})
    opened.book.write_table("tblDemandPlan", plan)
    table = schema.table("tblDemandPlan")
    sheet, first, column = _first_data_row(table.name)
    consensus = table.columns[table.column_names.index("Consensus")]
    at = column + table.column_names.index("Consensus")
    assert opened.cells(sheet, [(first + k, at) for k in range(3)]) == [
        Formula(schema.formula_for(table, consensus, first + k)) for k in range(3)]
    assert opened.reopened().read_table(table.name)["Statistical"].tolist() == [10, 20, 30]


@pytest.fixture(scope="module")
def cycled(tmp_path_factory):
    return cycled_demo(tmp_path_factory.mktemp("contract"), "Cycled.xlsm", 4)


DATES_BY_CELL_FORMAT = {"tblSettings": "Value"}
"""The one known difference: a date-formatted cell in a column the schema does not type as dates (the cycle month
among the settings) is a date from Excel and its serial number from the file. The settings reader takes both."""


def _as_serial(value):
    return (pd.Timestamp(value) - pd.Timestamp("1899-12-30")).days if isinstance(value, dt.datetime) else value


@pytest.mark.slow  # a cycled workbook or a subprocess: about a second
def test_both_read_every_table_of_a_cycled_workbook_alike(cycled):
    """Every table after a full cycle, formulas showing the results saved with the file."""
    on_file, in_excel = FileBook(cycled), XlwingsBook(xlwings_book(cycled)[0])
    assert on_file.table_names() == in_excel.table_names()
    for name in on_file.table_names():
        frame = in_excel.read_table(name)
        if name in DATES_BY_CELL_FORMAT:
            column = DATES_BY_CELL_FORMAT[name]
            assert any(isinstance(v, dt.datetime) for v in frame[column])
            frame[column] = frame[column].map(_as_serial)
        assert_rows(frame, on_file.read_table(name))


# --- tables whose columns change: planning grids -------------------------------------------------------------

MONTHS = ["Nov 2026", "Dec 2026", "2027-01", "Feb 2027"]
"""Month headers as a grid has them; "2027-01" is text that Excel would read as a date if typed."""


def _grid(n: int, months: list[str], items: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame({"Item": items or [f"ITEM-{i}" for i in range(n)], "Measure": "Statistical",
                         **{m: [10.0 * i + k for i in range(n)] for k, m in enumerate(months)}})


def test_a_table_takes_the_columns_it_is_given(opened):
    frame = _grid(4, MONTHS)
    opened.book.write_table("tblHistory", frame, headers=["Item", "measure", *MONTHS])
    book = opened.reopened()
    assert book.table_headers("tblHistory") == ["Item", "measure", *MONTHS]
    assert_rows(book.read_table("tblHistory"), frame.set_axis(pd.RangeIndex(1, 5)).rename(columns={"Measure": "measure"}))


def test_a_narrower_write_empties_the_columns_and_rows_given_up(opened):
    opened.book.write_table("tblHistory", _grid(6, MONTHS), headers=["Item", "Measure", *MONTHS])
    frame = _grid(2, MONTHS[1:2])
    opened.book.write_table("tblHistory", frame, headers=list(frame.columns))
    book = opened.reopened()
    assert book.table_headers("tblHistory") == ["Item", "Measure", "Dec 2026"]
    assert_rows(book.read_table("tblHistory"), frame.set_axis(pd.RangeIndex(1, 3)))
    sheet, first, column = _first_data_row("tblHistory")
    given_up = [(r, c) for r in range(first - 1, first + 6) for c in range(column + 3, column + 6)]
    given_up += [(r, c) for r in range(first + 2, first + 6) for c in range(column, column + 3)]
    assert opened.cells(sheet, given_up) == [None] * len(given_up)


def test_a_table_never_widens_over_a_note_beside_it(opened):
    sheet, first, column = _first_data_row("tblHistory")
    opened.type_in(sheet, {(first + 1, column + 5): "keep this"})
    before = opened.book.read_table("tblHistory")
    with pytest.raises(WorkbookError) as refused:
        opened.book.write_table("tblHistory", _grid(2, MONTHS), headers=["Item", "Measure", *MONTHS])
    message = str(refused.value)
    assert message.startswith(f"{sheet}!{get_column_letter(column + 5)}{first + 1} is not empty and tblHistory needs")
    assert "widen" in message and "\n" not in message
    with pytest.raises(WorkbookError, match="tblHistory"):
        opened.book.check_room("tblHistory", 2, ["Item", "Measure", *MONTHS])
    opened.book.check_room("tblHistory", 2, ["Item", "Measure", *MONTHS[:3]])  # up to the column before the note
    book = opened.reopened()
    assert book.table_headers("tblHistory") == HISTORY_COLUMNS
    assert_rows(book.read_table("tblHistory"), before)
    assert opened.cells(sheet, [(first + 1, column + 5)]) == ["keep this"]


@pytest.mark.parametrize(("headers", "says"), [
    (["Item", "Measure", "ITEM"], "two columns named 'Item'"),
    (["Item", " ", "Nov 2026"], "column 2 of tblHistory has no name"),
    (["Item", "x" * 256], "256 characters"),
])
def test_headers_excel_cannot_take_are_refused_before_anything_is_written(opened, headers, says):
    with pytest.raises(WorkbookError, match=says):
        opened.book.write_table("tblHistory", _grid(2, MONTHS), headers=headers)
    assert opened.reopened().table_headers("tblHistory") == HISTORY_COLUMNS


def test_rows_are_grouped_under_their_family_and_rows_given_up_leave_the_outline(opened):
    sheet, first, _ = _first_data_row("tblHistory")
    frame = _grid(5, MONTHS[:2], ["Beverages", "BEV-1", "BEV-2", "Snacks", "SNA-1"])
    opened.book.write_table("tblHistory", frame, headers=list(frame.columns))
    opened.book.group_rows("tblHistory", [0, 1, 1, 0, 1])
    assert opened.outline(sheet, list(range(first - 1, first + 6))) == ([0, 0, 1, 1, 0, 1, 0], True)
    opened.book.write_table("tblHistory", frame.head(2), headers=list(frame.columns))
    opened.book.group_rows("tblHistory", [0, 2])
    assert opened.outline(sheet, list(range(first, first + 5))) == ([0, 2, 0, 0, 0], True)
    with pytest.raises(ValueError, match="2 data rows and 3 outline levels"):
        opened.book.group_rows("tblHistory", [0, 1, 1])
    with pytest.raises(ValueError, match="0 to 7"):
        opened.book.group_rows("tblHistory", [0, 8])


def test_undo_puts_back_a_grid_table_with_the_months_it_had(opened, monkeypatch):
    grid = dataclasses.replace(schema.table("tblHistory"), grid=True)
    monkeypatch.setattr(schema, "TABLES", tuple(grid if t.name == grid.name else t for t in schema.TABLES))
    old, new = _grid(3, MONTHS[:2]), _grid(5, MONTHS[1:])
    opened.book.write_table("tblHistory", old, headers=list(old.columns))
    opened.book.write_table("tblUndo", undo_rows("demand", {"tblHistory": opened.book.read_table("tblHistory")}))
    opened.book.write_table("tblHistory", new, headers=list(new.columns))
    undo_last_run(opened.book, now=pd.Timestamp("2026-11-20 09:00"))
    book = opened.reopened()
    assert book.table_headers("tblHistory") == list(old.columns)
    assert_rows(book.read_table("tblHistory"), old.set_axis(pd.RangeIndex(1, 4)))
