"""Publish: the values-only copy of the workbook and the PDF pack, for circulation before the meetings.

Publish makes a copy anyone can read without Python, the add-in or macros: every
formula is replaced by its value, =SOP_ cell functions included, and the VBA
project, the ribbon, the xlwings settings and the undo store are left out. Text
from the data stays text (a comment typed as "=HYPERLINK(...)" is never turned
into a formula). Native formulas are recalculated by LibreOffice (headless) only
when some have no saved result or the file asks for a full calculation, and the
notes say so; otherwise, or without LibreOffice, the saved values are used.
Copies that come back are merged by collect.py.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries

from xl_sop.errors import UnknownNameError
from xl_sop.settings import read_settings
from xl_sop.workbook import schema, values_copy
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.printing import (
    READABLE_POINTS,
    calibri_metrics_missing,
    column_points,
    hidden_columns,
    one_page_if_readable,
    pack_page_setup,
    printed_width,
)
from xl_sop.workbook.saving import replacing
from xl_sop.workbook.values_copy import Alignment, Cell, SheetModel

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet


PACK_SHEETS = schema.PACK_SHEETS
"""The PDF pack, in its order: the published copy puts these sheets in this order (Excel's PDF export of them, and
LibreOffice's, print the same pages)."""
PACK_HISTORY_MONTHS = 6
PACK_PLAN_MONTHS = 12
"""The month columns of a grid the pack prints: a year of the plan and up to PACK_HISTORY_MONTHS of the last actual
months beside it, as many as fit one page wide at 8 pt (the others are hidden in the copy, as the older history is in the
workbook)."""
PACK_MONTH_WIDTH = 8
"""The narrowest a printed month column is made in the copy; wider where its figures need it (_months_printed)."""
PACK_TABLE_ROWS_SHOWN = {schema.TableName.EXECUTIVE: PACK_PLAN_MONTHS}
"""Tables of which the page shows only the first rows: the executive summary's plan month by month (a longer horizon
stays in the workbook, under the page, and a line over the table says so)."""
LINE_POINTS = 15.0
"""The height of a line of Calibri 11 (Excel's default row height): a wrapped cell's row is this per line."""
PACK_HIDDEN_COLUMNS = ("Lock",)
"""Typed columns of a grid that say nothing on paper (hidden in the copy's pack view)."""
# Tool sheets stay home: xlwings settings, the undo store, and the cell-function examples (they need the add-in).
LEFT_OUT = ("xlwings.conf", "Functions", *(s.name for s in schema.SHEETS if s.hidden))
PACK_TABLE_ROWS = 1000
"""Past this many rows a table's detail stays in the workbook: the PDF pack prints its first rows and says so
(5,000 items x 12 months would be 60,000 plan rows, over a thousand pages). Family totals are on 4 S&OP Meeting."""


@dataclass
class Published:
    workbook: Path
    pdf: Path | None
    notes: list[str] = field(default_factory=list)
    recalculated: bool = False
    """LibreOffice recalculated the workbook (some formulas had no saved result, or the file asked for it)."""


RECALCULATE_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""  # noqa: E501 - the item on one line, as LibreOffice writes it in its registry


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _recalculated(path: Path, tmp: Path) -> Path | None:
    """The workbook as LibreOffice calculates it (an .xlsx in tmp), or None without LibreOffice."""
    soffice = _soffice()
    if soffice is None:
        return None
    profile = tmp / "lo-profile"
    (profile / "user").mkdir(parents=True)
    # LibreOffice keeps the cached results of .xlsx/.xlsm files unless told to recalculate on load.
    (profile / "user" / "registrymodifications.xcu").write_text(RECALCULATE_ON_LOAD, encoding="utf-8")
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(tmp / "recalc"), str(path)], check=True, capture_output=True, timeout=600)
    out = tmp / "recalc" / (path.stem + ".xlsx")
    return out if out.exists() else None


def cycle_label(path: Path | FileBook) -> str:
    book = path if isinstance(path, FileBook) else FileBook(path)
    month = read_settings(book.read_table("tblSettings")).cycle_month
    return f"{month or pd.Timestamp.today():%Y-%m}"


def publish(path: Path, out_dir: Path, *, pdf: bool = True, draft: bool = False) -> Published:
    """Write <name>_<cycle>.xlsx (values only) and <name>_<cycle>.pdf (the step sheets) into out_dir.

    A workbook with a step of "run all" stale, undone or never run is refused (StepOrderError naming them, nothing
    written) unless ``draft``: the copy is then stamped DRAFT on Home and in every pack sheet's page header.

    Both are written under temporary names and take their own names only when both are complete: a failure
    (a full disk, LibreOffice failing) leaves the files of an earlier publish as they were and no partial file.

    The copy is made in the package, part by part (values_copy): no sheet is loaded whole into a spreadsheet library,
    and the workbook LibreOffice prints the pack from is written beside it in the same pass.
    """
    path, out_dir = Path(path), Path(out_dir)
    saved = FileBook(path)  # read once for the stamp, the cycle month and the results saved; dropped before the copy
    stamp = _stamp(saved, draft)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{path.stem}_{cycle_label(saved)}"
    notes: list[str] = [f"published as a DRAFT: {stamp.reasons}"] if stamp.reasons else []
    with tempfile.TemporaryDirectory(prefix="xl-sop-publish-") as tmp_name, contextlib.ExitStack() as finished:
        tmp = Path(tmp_name)
        lacking = saved.formulas_without_value()
        # A second spreadsheet application only when saved results are missing or asked to be recalculated: a
        # workbook the steps wrote carries every result (FileBook stores them), one Excel saved too.
        recalculate = bool(lacking) or saved.full_calculation_asked()
        del saved
        recalculated = _recalculated(path, tmp) if recalculate else None
        if recalculate and recalculated is None:
            notes.append("LibreOffice is not installed: formulas show the values last saved by Excel")
        elif recalculated is not None:
            why = (f"{lacking} formula cells had no saved result" if lacking
                   else "the workbook asks for a full calculation")
            notes.append(f"recalculated by LibreOffice: {why}")
        target = out_dir / f"{stem}.xlsx"
        printing_pack = pdf and _soffice() is not None
        if pdf and not printing_pack:
            notes.append("no PDF pack: LibreOffice is not installed (inside Excel, Publish uses Excel's PDF export)")
        pack_book = tmp / "pack" / f"{stem}.xlsx"  # named as the PDF is published: LibreOffice titles it so
        pack_book.parent.mkdir()
        again = FileBook(recalculated) if recalculated is not None else None
        missing = _copies(path, finished.enter_context(replacing(target)), pack_book if printing_pack else None,
                          again, stamp, notes)
        del again
        if missing:
            notes.append(f"{missing} formula cells had no value to publish (open and save the workbook in Excel, "
                         "or install LibreOffice)")
        pack = None
        if printing_pack:
            from xl_sop.workbook.render import to_pdf

            pack = out_dir / f"{stem}.pdf"
            shutil.copyfile(to_pdf(pack_book, tmp / "pack"), finished.enter_context(replacing(pack)))
            if calibri_metrics_missing():
                notes.append("the PDF pack prints smaller than Excel would: LibreOffice has neither Calibri nor "
                             "Carlito (install fonts-crosextra-carlito)")
    return Published(target, pack, notes, recalculated=recalculated is not None)


def _copies(path: Path, copy_path: Path, pack_path: Path | None, again: FileBook | None, stamp: Stamp,
            notes: list[str]) -> int:
    """Write the values-only copy of the workbook at ``path`` to ``copy_path`` and, with ``pack_path``, the workbook
    the PDF pack prints from (the copy with the sheets outside the pack hidden and long tables cut short), sheet by
    sheet; ``again``: a second application's results for the native formulas. Returns the formula cells left
    without a value."""
    with zipfile.ZipFile(path) as source, contextlib.ExitStack() as open_files:
        package = values_copy.Package(source)
        # The pack's workbook is read once, by LibreOffice, from the temporary folder: stored, not compressed.
        outs = [open_files.enter_context(zipfile.ZipFile(p, "w", kind))
                for p, kind in ((copy_path, zipfile.ZIP_DEFLATED), (pack_path, zipfile.ZIP_STORED)) if p is not None]
        book = values_copy.Book(package)
        dropped = book.leave_out(LEFT_OUT)
        strings = values_copy.shared_strings(package)
        styles = values_copy.Styles(package.xml("xl/styles.xml"))
        done: set[str] = set(dropped)
        missing = 0
        book.order(PACK_SHEETS)
        for title, part in book.sheets.items():
            data = package.read(part)
            # the recalculated results only of a sheet with formulas (without_formulas takes no other)
            recalculated = (again.saved_values(title) if again is not None and b"<f" in data
                            and title in again.sheet_names() else None)
            stripped = values_copy.without_formulas(data, recalculated)
            missing += stripped.missing
            tables = values_copy.table_parts(package, part)
            if tables:
                book.print_areas[title] = _tables_print_area(tables)
            if title not in PACK_SHEETS and title != "Home":
                for out in outs:
                    values_copy.write_part(out, part, stripped.data)
                done.add(part)
                if len(outs) > 1:
                    book.pack_print_areas[title] = "XFD1:XFD1"  # LibreOffice prints hidden sheets: one empty cell
                continue
            drawings = values_copy.drawing_parts(package, part)
            ws = values_copy.SheetModel(title, stripped.data, strings, styles, tables,
                                        values_copy.charts_of(drawings),
                                        book.print_areas.get(title) or book.saved_print_area(title))
            del stripped
            _stamp_sheet(ws, stamp)
            if title in PACK_SHEETS:
                _lay_out(ws, notes)
            elif len(outs) > 1:
                book.pack_print_areas[title] = "XFD1:XFD1"
            if ws.print_area:
                book.print_areas[title] = str(ws.print_area)
            with outs[0].open(values_copy.zip_info(part, outs[0]), "w") as written:
                ws.write(written)
            for drawing, root in drawings.items():
                for out in outs:
                    values_copy.write_part(out, drawing, values_copy.serialize(root))
            done.update((part, *drawings))
            if len(outs) > 1:
                if title in PACK_SHEETS:
                    _for_print(ws, notes)
                    if ws.print_area:
                        book.pack_print_areas[title] = str(ws.print_area)
                with outs[1].open(values_copy.zip_info(part, outs[1]), "w") as written:
                    ws.write(written)
                for table in tables:
                    values_copy.write_part(outs[0], table.part, package.read(table.part))
                    values_copy.write_part(outs[1], table.part, values_copy.serialize(table.root))
                done.update(table.part for table in tables)
            del ws
        values_copy.write_part(outs[0], "xl/workbook.xml", book.workbook_xml(hide_outside=None))
        if len(outs) > 1:
            values_copy.write_part(outs[1], "xl/workbook.xml", book.workbook_xml(hide_outside=PACK_SHEETS))
        done.add("xl/workbook.xml")
        for part, data in book.package_parts(styles).items():
            for out in outs:
                values_copy.write_part(out, part, data)
            done.add(part)
        for part in package.names:
            if part not in done:
                data = package.read(part)
                for out in outs:
                    values_copy.write_part(out, part, data)
    return missing


@dataclass
class Stamp:
    word: str
    """DRAFT, APPROVED (the plan of this cycle frozen after the last Run Forecast) or FOR REVIEW."""
    month: str
    reasons: str = ""
    company: str = ""
    """Why a draft is one (the steps not current), or empty."""


def _stamp(book: FileBook, draft: bool) -> Stamp:
    """What the published copy says it is; refuses (StepOrderError) a final publish of a workbook not current."""
    from xl_sop.cycle.freshness import not_current
    from xl_sop.errors import StepOrderError

    path = book.path
    settings = read_settings(book.read_table("tblSettings"))
    month, company = settings.cycle_month, str(settings.get("Company") or "")
    label = f"{month:%b %Y}" if month is not None else ""
    lines = not_current(book)
    if lines and not draft:
        raise StepOrderError(f"{path.name} is not ready to publish: " + "; ".join(lines) + ". Run all the steps "
                             f"(xl-sop run {path.name}, or each button in turn), or publish a draft marked DRAFT "
                             f"(xl-sop publish {path.name} --draft); nothing was published")
    if draft:
        return Stamp("DRAFT", label, "; ".join(lines) or "asked for a draft", company)
    status = book.read_table(schema.TableName.STEP_STATUS)
    status = status.set_index(status["Step"].astype(str)) if "Step" in status else status
    freeze, demand = schema.step("freeze").label, schema.step("demand").label
    frozen = (freeze in status.index and str(status.loc[freeze, "Status"]).lower().startswith("done")
              and pd.to_datetime(status.loc[freeze, "LastRun"], errors="coerce")
              >= pd.to_datetime(status.loc[demand, "LastRun"], errors="coerce"))
    return Stamp("APPROVED" if frozen else "FOR REVIEW", label, company=company)


def _stamp_sheet(ws: SheetModel, stamp: Stamp) -> None:
    """The page header (the company, the stamp and the cycle month, the sheet) and footer (page x of y, the stamp) of a
    pack sheet; a line on Home."""
    pack_page_setup(ws)
    ws.oddHeader.left.text = stamp.company.replace("&", "&&")  # && prints one & (& starts a code)
    ws.oddHeader.center.text = f"{stamp.word} - S&&OP cycle {stamp.month}"
    ws.oddHeader.center.font = "Calibri,Bold"
    ws.oddHeader.right.text = "&A"
    ws.oddFooter.right.text = stamp.word
    if ws.title == "Home":
        cell = ws.cell(*coordinate_to_tuple(schema.PUBLISH_STAMP_CELL))
        _set_value(cell, f"{stamp.word}: cycle {stamp.month}" + (f" ({stamp.reasons})" if stamp.reasons else ""))


def _set_value(cell: Cell, value: values_copy.CellValue) -> None:
    cell.value = value  # text is written as text: a string that starts with "=" is not a formula


def _tables_print_area(tables: list[values_copy.Table]) -> str:
    """Every row of the sheet's tables (the template prints only the top of each)."""
    last_col = last_row = 0
    for _c1, _r1, c2, r2 in values_copy.spans(tables):
        last_col, last_row = max(last_col, c2), max(last_row, r2)
    return f"A1:{get_column_letter(max(last_col, 8))}{max(last_row, 8)}"


def _lay_out(ws: SheetModel, notes: list[str]) -> None:
    """A pack sheet of the copy as the pack prints it, so Excel's PDF export of the pack sheets and LibreOffice's give
    the same pages (the pack's sheets are put in PACK_SHEETS order in the workbook, values_copy.Book.order): the grids
    folded to their family and resource rows and to the months printed, the print area the page of its tables that
    prints readably (_page_area), the empty rows between tables stacked on it hidden, wrapped text given the rows'
    height."""
    _families_only(ws, notes)
    _months_printed(ws)
    _charts_on_shown_columns(ws)
    _empty_rows_folded(ws)
    ws.print_area = _page_area(ws)
    _gaps_hidden(ws)
    _within_page(ws)
    _wrapped_rows(ws)
    _rows_left_out(ws)
    one_page_if_readable(ws)


def _grids(ws: SheetModel, with_items: bool = False) -> Iterator[tuple[schema.Table, tuple[int, int, int, int]]]:
    """The schema's grids on the sheet (``with_items``: those with an Item column, whose rows fold under a family's or
    a resource's), with (first column, header row, last column, last row)."""
    for table in ws.tables.values():
        try:
            spec = schema.table(table.displayName)
        except UnknownNameError:
            continue
        if spec.grid and (not with_items or "Item" in spec.column_names):
            yield spec, range_boundaries(table.ref)


def _empty_rows_folded(ws: SheetModel) -> None:
    """A grid's family or resource row with no figure in the months the page shows (nobody typed, no event) folds
    under the row above it like an item's (the [+] shows it): the page shows what was planned, not empty lines."""
    hidden = hidden_columns(ws)
    for spec, (c1, r1, c2, r2) in _grids(ws, with_items=True):
        months = [c for c in range(c1 + len(spec.columns), c2 + 1) if c not in hidden]
        for r in range(r1 + 1, r2 + 1):
            row = ws.row_dimensions[r]
            if not row.outline_level and all(ws.cell(r, c).value in (None, "") for c in months):
                row.outline_level, row.hidden = 1, True


def _charts_on_shown_columns(ws: SheetModel) -> None:
    """A chart anchored in a column the pack hides (the 1 Demand chart over the older months) moves to the first
    column shown right of it: a hidden column has no width, and the chart would cover the labels left of it."""
    hidden = hidden_columns(ws)
    for chart in ws.charts:
        start = chart.anchor._from  # 0-based column
        column = start.col + 1
        while column in hidden:
            column += 1
        start.col = column - 1


def _months_printed(ws: SheetModel) -> None:
    """Hide a grid's month columns but the first PACK_PLAN_MONTHS of the plan (from the first month the grid does not
    shade as history) and the last actual months beside them, as many (up to PACK_HISTORY_MONTHS) as fit one page wide
    at 8 pt; the shown months are as wide as their printed figures need (at least PACK_MONTH_WIDTH). Also hides
    PACK_HIDDEN_COLUMNS."""
    for spec, (c1, r1, c2, r2) in _grids(ws):
        for name in PACK_HIDDEN_COLUMNS:
            if name in spec.column_names:
                ws.column_dimensions[get_column_letter(c1 + spec.column_names.index(name))].hidden = True
        first_month = c1 + len(spec.columns)
        months = [pd.to_datetime(ws.cell(r1, c).value, format="%b %Y", errors="coerce") for c in range(first_month, c2 + 1)]
        plan = next((j for j, c in enumerate(range(first_month, c2 + 1))
                     if not _history_header(ws.cell(r1, c)) and pd.notna(months[j])), 0)
        width = max(PACK_MONTH_WIDTH, _figures_width(ws, range(r1 + 1, r2 + 1), range(first_month, c2 + 1)))
        labels = printed_width(ws, 1, first_month - 1)
        history = min(PACK_HISTORY_MONTHS, plan,
                      max(0, int((READABLE_POINTS - labels) // column_points(width)) - PACK_PLAN_MONTHS))
        # One dimension per column, keeping its width and outline level: a run of columns (the folded older
        # history) is split, so its columns unfold with the [+] and unhide at their width as before.
        runs = {c: dim for dim in list(ws.column_dimensions.values()) if dim.min and dim.max
                for c in range(dim.min, dim.max + 1)}
        for j, c in enumerate(range(first_month, c2 + 1)):
            run = runs.get(c)
            dim = ws.column_dimensions[get_column_letter(c)]
            if run is not None and run is not dim:
                dim.width, dim.outline_level, dim.other = run.width, run.outline_level, run.other
            dim.min = dim.max = c
            dim.hidden = not plan - history <= j < plan + PACK_PLAN_MONTHS
            if not dim.hidden:
                dim.width = width


def _figures_width(ws: SheetModel, rows: range, columns: range) -> float:
    """The column width (characters) the longest figure shown in these rows and columns takes with its thousands
    separators, and a character to spare (Calibri's digits are as wide bold as regular)."""
    longest = 0
    for r in rows:
        if ws.row_dimensions[r].hidden:
            continue
        for c in columns:
            value = ws.cell(r, c).value
            if isinstance(value, int | float):
                longest = max(longest, len(f"{value:,.0f}"))
    return longest + 2


def _history_header(cell: Cell) -> bool:
    """A grid's history month: its header shaded grey (the plan's are blue)."""
    colour = getattr(getattr(cell.fill, "fgColor", None), "rgb", None)
    return isinstance(colour, str) and colour.upper().endswith("7F7F7F")


def _page_area(ws: SheetModel | Worksheet, below: int = 0) -> str:
    """The print area of a pack sheet, one page wide at 8 pt (printing.READABLE_POINTS): from column A, its tables side
    by side (or stacked) as far as they print readably; the tables right of them stay in the workbook. A table of
    PACK_TABLE_ROWS_SHOWN prints its first rows. ``below`` rows more under the tables (a note under a table cut short).
    From the tables the sheet holds, so a table added later within the page lands on it by itself."""
    spans = sorted((*range_boundaries(t.ref), t.displayName) for t in ws.tables.values())
    if not spans:
        return str(ws.print_area or "A1:H8").split("!")[-1].replace("$", "")
    last_col = last_row = 0
    for c1, r1, c2, r2, name in spans:
        if last_col and c1 > last_col and printed_width(ws, 1, c2) > READABLE_POINTS:
            break
        last_col = max(last_col, c2)
        last_row = max(last_row, min(r2, r1 + PACK_TABLE_ROWS_SHOWN.get(name, r2)))
    return f"A1:{get_column_letter(last_col)}{last_row + below}"


def _printed_tables(ws: SheetModel) -> list[tuple[int, int, int, int, str]]:
    """(first column, first row, last column, last row, name) of the tables within the sheet's print area."""
    _a, _b, right, _d = range_boundaries(str(ws.print_area).split(",")[0].split("!")[-1].replace("$", ""))
    spans = [(*range_boundaries(t.ref), t.displayName) for t in ws.tables.values()]
    return [span for span in spans if span[2] <= right]


def _gaps_hidden(ws: SheetModel) -> None:
    """Hide the empty rows between two printed tables stacked one above the other (Scenarios: the room tblScenarios
    has to grow), all but one: rows with nothing in any column."""
    tables = sorted(_printed_tables(ws), key=lambda span: span[1])
    filled = ws.filled
    for upper, lower in zip(tables, tables[1:], strict=False):
        if upper[0] <= lower[2] and lower[0] <= upper[2] and lower[1] > upper[3]:  # same columns, one under the other
            for r in range(upper[3] + 2, lower[1] - 1):
                if r not in filled:
                    ws.row_dimensions[r].hidden = True


EMU_PER_POINT = 12700
DIGIT_POINTS = 5.25
"""The width of a digit of Calibri 11 on paper (7 pixels at 96 dpi): a column width counts these."""


def _within_page(ws: SheetModel) -> None:
    """Nothing runs past the page's right edge: a chart wider than the printed columns right of its anchor is made
    narrower (its height kept), and a sheet's instruction line (A2) longer than the page wraps over the printed width
    (merged in the copy, the row as tall as its lines)."""
    import textwrap

    _a, _b, last, _d = range_boundaries(str(ws.print_area).split(",")[0].split("!")[-1].replace("$", ""))
    for chart in ws.charts:
        anchor = chart.anchor
        ext = getattr(anchor, "ext", None)
        if ext is None:
            continue
        room = 0.95 * printed_width(ws, anchor._from.col + 1, last) * EMU_PER_POINT  # LibreOffice's columns: narrower
        ext.width = int(min(ext.width, room))
    line = ws.cell(2, 1)
    per_line = int(printed_width(ws, 1, last) / DIGIT_POINTS * 1.1)  # text is narrower than digits
    if isinstance(line.value, str) and len(line.value) > per_line and all(
            ws.cell(2, c).value is None for c in range(2, last + 1)):
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last)
        line.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[2].height = len(textwrap.wrap(line.value, per_line)) * LINE_POINTS


def _wrapped_rows(ws: SheetModel) -> None:
    """The printed columns whose text wraps (schema Column.wrap: an issue) wrap in the copy, and each row is as tall
    as its longest wrapped text needs: Excel keeps a row's height as saved, and a row of one line would show one."""
    import textwrap

    for c1, r1, _c2, r2, name in _printed_tables(ws):
        try:
            spec = schema.table(name)
        except UnknownNameError:
            continue
        for j, column in enumerate(spec.columns):
            if not column.wrap:
                continue
            dim = ws.column_dimensions.get(get_column_letter(c1 + j))
            per_line = int(((dim.width if dim is not None else None) or column.width) * 1.2)  # text is narrower than digits
            for r in range(r1 + 1, r2 + 1):
                cell = ws.cell(r, c1 + j)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                lines = len(textwrap.wrap(str(cell.value), per_line)) if cell.value is not None else 1
                if lines > 1:
                    ws.row_dimensions[r].height = max(ws.row_dimensions[r].height or LINE_POINTS, lines * LINE_POINTS)
                    for other in ws[r]:  # the row's other cells at the top, beside the first line
                        if other.value is not None and other is not cell:
                            was = other.alignment
                            other.alignment = Alignment(horizontal=was.horizontal, indent=was.indent,
                                                        wrap_text=was.wrap_text, shrink_to_fit=was.shrink_to_fit,
                                                        vertical="top")


def _rows_left_out(ws: SheetModel) -> None:
    """Over a table of PACK_TABLE_ROWS_SHOWN that has more rows than the page shows, a line saying where the rest is
    (in the empty row above its header)."""
    for c1, r1, _c2, r2, name in _printed_tables(ws):
        shown = PACK_TABLE_ROWS_SHOWN.get(name)
        if shown is not None and r2 - r1 > shown and ws.cell(r1 - 1, c1).value is None:
            _set_value(ws.cell(r1 - 1, c1), f"The first {shown} of {r2 - r1} months; every month is in the workbook.")
            ws.cell(r1 - 1, c1).font = copy(ws.cell(2, 1).font)  # as the sheet's instruction line


def _families_only(ws: SheetModel, notes: list[str]) -> set[str]:
    """Hide the item rows of the sheet's grids (the rows grouped under a family's or a resource's): the pack prints
    the summaries, the published workbook keeps every row (unfold with the [+]). Returns the grids summarised."""
    done: set[str] = set()
    for spec, (_c1, r1, _c2, r2) in _grids(ws, with_items=True):
        hidden = 0
        for r in range(r1 + 1, r2 + 1):
            if ws.row_dimensions[r].outline_level:
                ws.row_dimensions[r].hidden = True
                hidden += 1
        if hidden:
            done.add(spec.name)
            notes.append(f"the PDF pack prints the {r2 - r1 - hidden:,} summary rows of {spec.name} ({ws.title}); "
                         f"its {hidden:,} item rows are in the published workbook")
    return done


def _shorten_for_print(ws: SheetModel, notes: list[str], skip: set[str] | None = None) -> int:
    """Cut the sheet's tables longer than PACK_TABLE_ROWS to their first rows, with a line saying so (not the tables
    in ``skip``). Returns the rows added under the tables (for the print area)."""
    below = 0
    printed = {name for *_span, name in _printed_tables(ws)}
    for table in ws.tables.values():
        if table.displayName not in printed:
            continue  # not on the page: nothing to cut
        if skip and table.displayName in skip:
            continue
        c1, r1, c2, r2 = range_boundaries(table.ref)
        rows = r2 - r1
        if rows <= PACK_TABLE_ROWS:
            continue
        end = r1 + PACK_TABLE_ROWS
        ws.clear(end + 1, r2, c1, c2)
        table.ref = f"{ws.cell(r1, c1).coordinate}:{ws.cell(end, c2).coordinate}"  # its filter's range with it
        ws.cell(end + 1, c1).value = (f"... and {rows - PACK_TABLE_ROWS:,} more rows: the pack prints the first "
                                      f"{PACK_TABLE_ROWS:,} of {rows:,}; every row is in the workbook.")
        notes.append(f"the PDF pack prints the first {PACK_TABLE_ROWS:,} of the {rows:,} rows of {table.displayName} "
                     f"({ws.title}); the published workbook has them all")
        below = 1
    return below


def _for_print(ws: SheetModel, notes: list[str]) -> None:
    """A pack sheet of the workbook LibreOffice prints the pack from (the copy, laid out already): its long tables cut
    short, the print area over them and the lines saying so."""
    summarised = _families_only(ws, [])  # folded in the copy already (_lay_out), and said so
    below = _shorten_for_print(ws, notes, skip=summarised)
    if below:
        ws.print_area = _page_area(ws, below)
