"""The headless book: read and write the schema's tables in a workbook file, touching nothing else.

A step must be able to run on the .xlsm without Excel and hand it back with its
VBA project, ribbon, charts, validation, conditional formats, defined names and
every user input intact. openpyxl cannot promise that (a resave drops the ribbon
relationship and dynamic-array metadata), so this edits the package directly:
only the cells inside a written table's columns, the table part's range and, when
Excel would otherwise show a stale result, the workbook's recalculation flag
change; every other part is copied byte for byte (the VBA project and any
signature of it included, so a signed workbook stays signed).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree
from openpyxl.utils import column_index_from_string as column_index
from openpyxl.utils import get_column_letter as column_letters
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries

from xl_sop import cells
from xl_sop.errors import NOT_A_WORKBOOK, FileAccessError, WorkbookError
from xl_sop.workbook import schema
from xl_sop.workbook.book import date_columns, no_room
from xl_sop.workbook.saving import replacing

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
Q = f"{{{NS}}}"
MAX_ROWS = 1_048_576
"""Excel's rows per sheet: a table that would end below is refused rather than written into a file Excel cannot open."""
_CELL = re.compile(r"([A-Z]+)(\d+)")
_FORMULA_TEXT = re.compile(rb"<(?:\w+:)?f\b[^>]*>([^<]*)</(?:\w+:)?f>")
"""The text of every formula in a sheet part, read without parsing the sheet."""
_RANGE = re.compile(r"(\$?[A-Z]{1,3}\$?)(\d+):(\$?[A-Z]{1,3}\$?)(\d+)")
"""A range such as C5:C20 or $C$5:$C$20 in a formula."""
CellValue = str | float | int | bool | None
"""A cell as read from the file: text, a number, TRUE/FALSE, or None when empty."""


def _split(ref: str) -> tuple[int, int, int, int]:
    """First row, first column, last row, last column of a range such as A5:K9."""
    c1, r1, c2, r2 = range_boundaries(ref)
    return r1, c1, r2, c2


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = base.split("/")[:-1]
    for piece in target.split("/"):
        if piece == "..":
            parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


def _row_and_column(ref: str) -> tuple[int, int]:
    """The row and column numbers of a cell reference such as K9."""
    match = _CELL.fullmatch(ref)
    if match is None:
        raise WorkbookError(f"a cell has the reference '{ref}', not a column and row such as K9: the file is damaged")
    column: int = column_index(match.group(1))
    return int(match.group(2)), column


def _column(ref: str) -> int:
    """The column number of a cell reference such as K9."""
    return _row_and_column(ref)[1]


def _naming(sheets: set[str], names: set[str]) -> re.Pattern[str]:
    """What finds, in a formula, a reference to one of the sheets ('1 Demand'!A1, Items!A1) or one of the names."""
    quoted = [re.escape("'" + s.replace("'", "''") + "'!") for s in sheets]
    bare = [rf"(?<![\w.']){re.escape(s)}!" for s in sheets]
    whole = [rf"(?<![\w.]){re.escape(n)}(?![\w.])" for n in names]
    return re.compile("|".join(quoted + bare + whole) or "(?!)", re.IGNORECASE)


def _totals_rows(table: etree._Element) -> int:
    """How many rows Excel's Total Row takes at the table's foot (0 or 1): they are inside its ref, not data."""
    return int(table.get("totalsRowCount") or 0)


def _following(formula: str, first_row: int, old_last: int, new_last: int) -> str:
    """A totals formula whose ranges over the data rows (C5:C20) end at the new last data row instead.

    Structured references (tblPlan[Qty]) follow the table by themselves and are left as they are."""
    def follow(match: re.Match[str]) -> str:
        if int(match.group(2)) == first_row and int(match.group(4)) == old_last:
            return f"{match.group(1)}{first_row}:{match.group(3)}{new_last}"
        return match.group(0)

    return _RANGE.sub(follow, formula)


def _holds_something(cell: etree._Element) -> bool:
    """A value or a formula, not just a style."""
    return any(child.tag in (f"{Q}v", f"{Q}f", f"{Q}is") for child in cell)


def _rels_path(part: str) -> str:
    folder, name = part.rsplit("/", 1)
    return f"{folder}/_rels/{name}.rels"


def _put_in_order(data: etree._Element, rows: dict[int, etree._Element]) -> None:
    """The sheet's rows by number (Excel requires it), leaving out rows that became empty."""
    for r in sorted(rows):
        data.remove(rows[r])
    for r in sorted(rows):
        if len(rows[r]) or set(rows[r].attrib) - {"r"}:
            data.append(rows[r])


def _string_item_text(item: etree._Element) -> str:
    """The text of a shared or inline string: its own text or its runs' text, without the phonetic readings
    (rPh) that Excel stores beside East Asian text, which itertext() would glue on."""
    plain = item.find(f"{Q}t")
    if plain is not None:
        return plain.text or ""
    return "".join(t.text or "" for run in item.iterfind(f"{Q}r") for t in run.iterfind(f"{Q}t"))


def _iso_date_serial(text: str, ref: str | None) -> float:
    """An ISO date cell as Excel's day number, the form every other date cell is read in."""
    try:
        serial: float = (pd.Timestamp(text) - cells.EXCEL_EPOCH).total_seconds() / 86400
    except (ValueError, OverflowError):
        raise WorkbookError(f"cell {ref} holds the date '{text}', which cannot be read: the file is damaged") from None
    return serial


_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True)
"""Entities are never expanded (a part that defines them is no part Excel wrote: a billion-laughs bomb stays small)."""


def parse_part(data: bytes, part: str) -> etree._Element:
    """One XML part of the package; a damaged one is a WorkbookError naming it, not a traceback."""
    try:
        return etree.fromstring(data, _SAFE_XML)
    except etree.XMLSyntaxError as exc:
        raise WorkbookError(f"the part {part} of the workbook is damaged ({exc}): open and save it in Excel") from None


def _named_on_error(rows: Iterator[tuple[str, etree._Element]], part: str) -> Iterator[tuple[str, etree._Element]]:
    try:
        yield from rows
    except etree.XMLSyntaxError as exc:
        raise WorkbookError(f"the part {part} of the workbook is damaged ({exc}): open and save it in Excel") from None


EXCEL_CELL_TEXT = 32_767
"""Characters an Excel cell holds: more makes Excel repair (cut) the file on open."""

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""How a compound file starts: what Excel makes of a password-protected .xlsx/.xlsm (or an old .xls)."""


def _why_not_a_workbook(path: Path) -> str:
    with path.open("rb") as file:
        head = file.read(len(OLE_SIGNATURE))
    if head == OLE_SIGNATURE:
        return ("is password-protected (encrypted) or an old .xls: open it in Excel, remove the password "
                "(File > Info > Protect Workbook) or save it as .xlsm, and try again")
    return NOT_A_WORKBOOK


def _typed(frame: pd.DataFrame, table_name: str) -> pd.DataFrame:
    """Date columns of the schema as timestamps (the file stores Excel serial numbers)."""
    for name in date_columns(table_name):
        if name in frame:
            serial = pd.to_numeric(frame[name], errors="coerce")
            # Only day numbers Excel can show as dates: -5 or 20231101 stay as typed, for the checks to report.
            plausible = serial.ge(cells.FIRST_SERIAL) & serial.lt(cells.LAST_SERIAL + 1)
            dates = cells.EXCEL_EPOCH + pd.to_timedelta(serial.where(plausible), unit="D")
            if plausible.all() or frame[name].isna().all():
                frame[name] = dates
            else:  # text typed in a date column stays as typed, for the checks to read or report
                frame[name] = [d if ok else v for d, ok, v in zip(dates, plausible, frame[name], strict=True)]
    return frame


class FileBook:
    """Tables of a workbook file on disk, by name (case-insensitive)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if not self.path.exists():
            raise FileAccessError(f"no workbook at {self.path}")
        try:
            with zipfile.ZipFile(self.path) as z:
                self._infos = z.infolist()
                self._parts = {i.filename: z.read(i.filename) for i in self._infos}
        except zipfile.BadZipFile:
            self._parts = {}
        if "xl/workbook.xml" not in self._parts:  # not a zip, or a zip that is no workbook (a .docx, an archive)
            raise WorkbookError(f"{self.path.name} {_why_not_a_workbook(self.path)}")
        self._changed: set[str] = set()
        self._trees: dict[str, etree._Element] = {}
        self._shared = self._shared_strings()
        self._sheets = self._find_sheets()
        self._tables = self._find_tables()
        self._written: dict[str, list[tuple[int, int, int, int]]] = {}
        """{sheet part: (first row, first column, last row, last column) of each table written there}."""
        self._written_tables: set[str] = set()
        self._results_missing = False
        """A formula was written without its result (the frame had no number for it)."""

    # --- package structure ------------------------------------------------------------------------

    def _xml(self, part: str) -> etree._Element:
        if part not in self._trees:
            self._trees[part] = parse_part(self._parts[part], part)
        return self._trees[part]

    def _shared_strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self._parts:
            return []
        root = parse_part(self._parts["xl/sharedStrings.xml"], "xl/sharedStrings.xml")
        return [_string_item_text(si) for si in root.iter(f"{Q}si")]

    def _find_sheets(self) -> dict[str, str]:
        """{sheet part: sheet name}, in the workbook's order."""
        rels = parse_part(self._parts[_rels_path("xl/workbook.xml")], _rels_path("xl/workbook.xml"))
        targets = {r.get("Id"): _resolve("xl/workbook.xml", r.get("Target")) for r in rels}
        return {targets[sheet.get(f"{{{REL_NS}}}id")]: sheet.get("name")
                for sheet in self._xml("xl/workbook.xml").iter(f"{Q}sheet")}

    def _sheet_part(self, sheet: str) -> str:
        for part, name in self._sheets.items():
            if name == sheet:
                return part
        raise WorkbookError(f"the workbook has no sheet {sheet}")

    def _find_tables(self) -> dict[str, tuple[str, str, str]]:
        """{table name lower: (name, sheet part, table part)}."""
        found: dict[str, tuple[str, str, str]] = {}
        for part in self._sheets:
            rels_part = _rels_path(part)
            if rels_part not in self._parts:
                continue
            for rel in parse_part(self._parts[rels_part], rels_part):
                if rel.get("Type", "").endswith("/table"):
                    table_part = _resolve(part, rel.get("Target"))
                    name = self._xml(table_part).get("displayName") or self._xml(table_part).get("name")
                    found[name.lower()] = (name, part, table_part)
        return found

    def has_macros(self) -> bool:
        return "xl/vbaProject.bin" in self._parts

    def first_row(self, name: str) -> int:
        _, _, table_part = self._table(name)
        return _split(self._xml(table_part).get("ref"))[0] + 1

    def table_names(self) -> list[str]:
        return sorted(v[0] for v in self._tables.values())

    def _table(self, name: str) -> tuple[str, str, str]:
        try:
            return self._tables[name.lower()]
        except KeyError:
            raise WorkbookError(f"the workbook has no table {name} (tables: {', '.join(self.table_names())})") from None

    # --- reading ------------------------------------------------------------------------------------

    def table_headers(self, name: str) -> list[str]:
        _, _, table_part = self._table(name)
        return [tc.get("name") for tc in self._xml(table_part).iter(f"{Q}tableColumn")]

    def read_table(self, name: str) -> pd.DataFrame:
        """The table's data rows as a DataFrame with its header names.

        The index is the data row number as a planner counts it (1 = the first row under
        the header), so problems can name the row; blank rows are dropped.
        """
        _, sheet_part, table_part = self._table(name)
        table = self._xml(table_part)
        r1, c1, r2, c2 = _split(table.get("ref"))
        r2 -= _totals_rows(table)
        headers = self.table_headers(name)
        cells = self._cells(sheet_part, r1 + 1, r2, c1, c2)
        rows = [[cells.get((r, c)) for c in range(c1, c2 + 1)] for r in range(r1 + 1, r2 + 1)]
        frame = pd.DataFrame(rows, columns=headers, index=pd.RangeIndex(1, len(rows) + 1))
        frame = frame.dropna(how="all")
        return _typed(frame, name)

    def read_cells(self, sheet: str, ref: str) -> dict[tuple[int, int], CellValue]:
        """{(row, column): value} of the cells in the range ``ref`` (such as A1:B20) of a sheet; empty cells are left out.

        For a sheet xl-sop owns that holds no table (xlwings.conf); tables are read with read_table."""
        r1, c1, r2, c2 = _split(ref)
        return self._cells(self._sheet_part(sheet), r1, r2, c1, c2)

    def _cells(self, sheet_part: str, first_row: int, last_row: int, first_col: int,
               last_col: int) -> dict[tuple[int, int], CellValue]:
        """{(row, column): value} of the cells inside the bounds.

        A sheet that was written is read from its tree; any other is streamed row by row and not
        kept, so reading a 60,000-row archive does not hold its whole XML tree in memory."""
        out: dict[tuple[int, int], CellValue] = {}

        def take(row: etree._Element) -> None:
            r = int(row.get("r"))
            if not first_row <= r <= last_row:
                return
            for c in row.iter(f"{Q}c"):
                col = _column(c.get("r"))
                if first_col <= col <= last_col:
                    out[(r, col)] = self._value(c)

        if sheet_part in self._trees:
            for row in self._trees[sheet_part].iter(f"{Q}row"):
                take(row)
            return out
        rows = etree.iterparse(io.BytesIO(self._parts[sheet_part]), events=("end",), tag=f"{Q}row",
                               resolve_entities=False, no_network=True)
        for _, row in _named_on_error(rows, sheet_part):
            take(row)
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]
        return out

    def _value(self, c: etree._Element) -> CellValue:
        kind = c.get("t")
        v = c.find(f"{Q}v")
        if kind == "inlineStr":
            inline = c.find(f"{Q}is")
            return None if inline is None else _string_item_text(inline)
        if v is None or v.text is None:
            return None
        raw: str = v.text
        if kind == "s":
            index = int(raw)
            if not 0 <= index < len(self._shared):
                raise WorkbookError(f"cell {c.get('r')} points at shared text {index}, which the workbook does not hold: "
                                    "the file is damaged (open and save it in Excel)")
            return self._shared[index]
        if kind in ("str", "e"):
            return raw
        if kind == "b":
            return raw == "1"
        if kind == "d":  # an ISO 8601 date cell, as some programs (and Excel's strict format) store dates
            return _iso_date_serial(raw, c.get("r"))
        number = float(raw)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number

    # --- writing ------------------------------------------------------------------------------------

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        """Replace the table's data rows with ``frame`` (columns matched by name, case-insensitive).

        Columns the frame lacks are left blank, except formula columns of the schema,
        which get their formula in every row. Cells outside the table's columns are
        never touched; the table grows or shrinks downwards (at least one row).
        """
        self.check_room(name, len(frame))
        real_name, sheet_part, table_part = self._table(name)
        table = self._xml(table_part)
        r1, c1, r2, c2 = _split(table.get("ref"))
        totals = _totals_rows(table)
        headers = [tc.get("name") for tc in table.iter(f"{Q}tableColumn")]
        lookup = {str(c).strip().lower(): c for c in frame.columns}
        formulas = self._formulas(real_name)
        n = max(len(frame), 1)
        data = self._xml(sheet_part).find(f"{Q}sheetData")
        rows = {int(r.get("r")): r for r in data.iter(f"{Q}row")}
        styles = {c: self._style(rows.get(r1 + 1), c) for c in range(c1, c2 + 1)}
        total_cells = [self._cells_of(rows.get(r), c1, c2) for r in range(r2 - totals + 1, r2 + 1)]
        last = max(r2, r1 + n + totals)
        for r in range(r1 + 1, last + 1):
            row = rows.get(r)
            if row is None:
                row = etree.SubElement(data, f"{Q}row", r=str(r))
                rows[r] = row
            row.attrib.pop("spans", None)
            for cell in list(row):
                col = _column(cell.get("r"))
                if c1 <= col <= c2:
                    row.remove(cell)
            if r > r1 + n:
                continue
            i = r - r1 - 1
            for j, header in enumerate(headers):
                col = c1 + j
                formula = formulas.get(header.lower())
                source = lookup.get(header.lower())
                value = frame[source].iloc[i] if source is not None and i < len(frame) else None
                cell = self._make_cell(f"{column_letters(col)}{r}", value, styles[col], formula, r)
                if cell is not None:
                    self._insert(row, cell, col)
                    self._results_missing |= formula is not None and cell.find(f"{Q}v") is None
        for k, cells_of_row in enumerate(total_cells):
            self._move_totals(cells_of_row, rows[r1 + n + 1 + k], r1 + 1, r2 - totals, r1 + n)
        _put_in_order(data, rows)
        table.set("ref", f"{column_letters(c1)}{r1}:{column_letters(c2)}{r1 + n + totals}")
        auto = table.find(f"{Q}autoFilter")
        if auto is not None:  # the filter covers the header and the data, never the Total Row
            auto.set("ref", f"{column_letters(c1)}{r1}:{column_letters(c2)}{r1 + n}")
        self._changed |= {sheet_part, table_part}
        self._written.setdefault(sheet_part, []).append((r1, c1, r1 + n, c2))
        self._written_tables.add(real_name)

    def check_room(self, name: str, rows: int) -> None:
        real_name, sheet_part, table_part = self._table(name)
        table = self._xml(table_part)
        r1, c1, r2, c2 = _split(table.get("ref"))
        n = max(rows, 1)
        new_last = r1 + n + _totals_rows(table)
        if new_last > MAX_ROWS:
            raise WorkbookError(f"{real_name} would need {n:,} rows from row {r1 + 1}, past Excel's {MAX_ROWS:,} rows per sheet: "
                                "nothing was written (for the plan archive, move old cycles to another workbook)")
        if new_last <= r2:
            return
        taken = [(int(row.get("r")), _column(cell.get("r")))
                 for row in self._xml(sheet_part).find(f"{Q}sheetData").iter(f"{Q}row") if r2 < int(row.get("r")) <= new_last
                 for cell in self._cells_of(row, c1, c2) if _holds_something(cell)]
        if taken:
            raise no_room(self._sheets[sheet_part], real_name, taken)

    @staticmethod
    def _cells_of(row: etree._Element | None, first_col: int, last_col: int) -> list[etree._Element]:
        """The row's cells in the columns first_col..last_col (none for a row the sheet does not have)."""
        return [] if row is None else [c for c in row if first_col <= _column(c.get("r")) <= last_col]

    def _move_totals(self, cells: list[etree._Element], row: etree._Element, first_data: int, old_last: int,
                     new_last: int) -> None:
        """Put the Total Row's cells into ``row``, under the new last data row, their ranges over the data following it."""
        r = int(row.get("r"))
        for cell in cells:
            col = _column(cell.get("r"))
            cell.set("r", f"{column_letters(col)}{r}")
            formula = cell.find(f"{Q}f")
            if formula is not None:
                formula.text = _following(formula.text or "", first_data, old_last, new_last)
                result = cell.find(f"{Q}v")
                if result is not None:  # the sum of the old rows: Excel calculates the new one when it opens the file
                    cell.remove(result)
                    self._results_missing = True
            self._insert(row, cell, col)

    def write_cells(self, sheet: str, values: Mapping[str, CellValue]) -> None:
        """Set single cells by reference (``{"A1": "UDF Modules"}``; None empties a cell), keeping each cell's style.

        Only that sheet's part changes. For a sheet xl-sop owns that holds no table (xlwings.conf): a table is
        written with write_table, which keeps its range and formulas right."""
        part = self._sheet_part(sheet)
        data = self._xml(part).find(f"{Q}sheetData")
        rows = {int(r.get("r")): r for r in data.iter(f"{Q}row")}
        for ref, value in values.items():
            r, col = coordinate_to_tuple(ref)
            row = rows.get(r)
            if row is None:
                row = rows[r] = etree.SubElement(data, f"{Q}row", r=str(r))
            row.attrib.pop("spans", None)
            old = next((c for c in row if _column(c.get("r")) == col), None)
            style = old.get("s") if old is not None else None
            if old is not None:
                row.remove(old)
            cell = self._make_cell(ref, value, style, None, r)
            if cell is not None:
                self._insert(row, cell, col)
        _put_in_order(data, rows)
        self._changed.add(part)

    def _formulas(self, table_name: str) -> dict[str, Callable[[int], str]]:
        try:
            spec = schema.table(table_name)
        except KeyError:
            return {}

        def formula(column: schema.Column) -> Callable[[int], str]:
            return lambda row: schema.formula_for(spec, column, row)[1:]

        return {c.name.lower(): formula(c) for c in spec.columns if c.formula}

    @staticmethod
    def _style(row: etree._Element | None, col: int) -> str | None:
        if row is None:
            return None
        for cell in row:
            if _column(cell.get("r")) == col:
                style: str | None = cell.get("s")
                return style
        return None

    @staticmethod
    def _insert(row: etree._Element, cell: etree._Element, col: int) -> None:
        for k, existing in enumerate(row):
            if _column(existing.get("r")) > col:
                row.insert(k, cell)
                return
        row.append(cell)

    @staticmethod
    def _make_cell(ref: str, value: object, style: str | None, formula: Callable[[int], str] | None,
                   row_number: int) -> etree._Element | None:
        cell = etree.Element(f"{Q}c", r=ref)
        if style is not None:
            cell.set("s", style)
        if formula is not None:
            etree.SubElement(cell, f"{Q}f").text = formula(row_number)
            # The value the step computed for the formula is stored as its cached result, so a
            # reader that does not calculate (openpyxl, a viewer) sees the number too.
            if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and math.isfinite(value):
                etree.SubElement(cell, f"{Q}v").text = repr(float(value))
            return cell
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
            return cell if style is not None else None
        if isinstance(value, (np.bool_, bool)):
            cell.set("t", "b")
            etree.SubElement(cell, f"{Q}v").text = "1" if value else "0"
        elif isinstance(value, (pd.Timestamp, dt.datetime, dt.date, np.datetime64)):
            stamp = pd.Timestamp(value).tz_localize(None) if pd.Timestamp(value).tzinfo else pd.Timestamp(value)
            serial = (stamp - cells.EXCEL_EPOCH).total_seconds() / 86400
            etree.SubElement(cell, f"{Q}v").text = repr(round(serial, 10))
        elif isinstance(value, (int, float, np.integer, np.floating)):
            number = float(value)
            if not math.isfinite(number):
                return cell if style is not None else None
            etree.SubElement(cell, f"{Q}v").text = repr(number) if not number.is_integer() else str(int(number))
        else:
            if len(str(value)) > EXCEL_CELL_TEXT:
                raise WorkbookError(f"cell {ref} would hold {len(str(value)):,} characters of text, more than the "
                                    f"{EXCEL_CELL_TEXT:,} an Excel cell can: shorten it (nothing was written)")
            cell.set("t", "inlineStr")
            text = etree.SubElement(etree.SubElement(cell, f"{Q}is"), f"{Q}t")
            text.text = str(value)
            if text.text != text.text.strip():
                text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        return cell

    def _results_may_be_stale(self) -> bool:
        """Whether Excel, opening the saved file, could show a formula result that the tables written have made stale.

        Never when Excel has not calculated the workbook yet (it carries the template's engine id): Excel then
        calculates every formula as it opens it. Otherwise when a formula was written without its result, or a
        formula this book did not write may read a written table (_read_elsewhere).
        """
        calc = self._xml("xl/workbook.xml").find(f"{Q}calcPr")
        if calc is not None and calc.get("calcId") == schema.UNCALCULATED_ENGINE:
            return False
        return self._results_missing or self._read_elsewhere()

    def _read_elsewhere(self) -> bool:
        """Whether a formula outside the written tables may read one: any formula on a written table's sheet, or one
        naming a written table's sheet, a written table, or a defined name that refers to either.

        A guess on the safe side: a needless full calculation costs time, a missed one a wrong number on screen.
        """
        sheets = {self._sheets[part] for part in self._written}
        refers = _naming(sheets, self._written_tables)
        names = {d.get("name") for d in self._xml("xl/workbook.xml").iter(f"{Q}definedName") if refers.search(d.text or "")}
        naming = _naming(sheets, self._written_tables | names)
        for part in self._sheets:
            if part in self._written:
                if any(not self._inside_written(part, f.getparent().get("r")) for f in self._trees[part].iter(f"{Q}f")):
                    return True
                continue
            formulas = (html.unescape(text.decode("utf-8")) for text in _FORMULA_TEXT.findall(self._parts.get(part, b"")))
            if any(naming.search(formula) for formula in formulas):
                return True
        return False

    def _inside_written(self, sheet_part: str, ref: str) -> bool:
        r, c = _row_and_column(ref)
        return any(r1 <= r <= r2 and c1 <= c <= c2 for r1, c1, r2, c2 in self._written[sheet_part])

    def _calculate_fully_on_open(self) -> None:
        """Ask Excel to calculate every formula when it next opens the file (it drops the request when it saves)."""
        workbook = self._xml("xl/workbook.xml")
        calc = workbook.find(f"{Q}calcPr")
        if calc is None:
            calc = etree.SubElement(workbook, f"{Q}calcPr")
        if calc.get("fullCalcOnLoad") != "1":
            calc.set("fullCalcOnLoad", "1")
            self._changed.add("xl/workbook.xml")

    def save(self, path: Path | None = None) -> Path:
        """Write the package: changed parts re-serialised, every other part copied as it was.

        Written beside the file and moved over it (``saving.replacing``): a save cut off leaves the previous file.
        """
        dest = Path(path or self.path)
        if self._written and self._results_may_be_stale():
            self._calculate_fully_on_open()
        with replacing(dest) as temp, zipfile.ZipFile(temp, "w") as out:
            for info in self._infos:
                data = self._parts[info.filename]
                if info.filename in self._changed:
                    data = etree.tostring(self._trees[info.filename], xml_declaration=True, encoding="UTF-8",
                                          standalone=True)
                out.writestr(info, data, compress_type=info.compress_type)
        return dest
