"""The headless book: read and write the schema's tables in a workbook file, touching nothing else.

A step must be able to run on the .xlsm without Excel and hand it back with its
VBA project, ribbon, charts, validation, conditional formats, defined names and
every user input intact. openpyxl cannot promise that (a resave drops the ribbon
relationship and dynamic-array metadata), so this edits the package directly:
only the cells inside a written table's columns, the table part's range and, when
Excel would otherwise show a stale result, the workbook's recalculation flag
change; every other part is copied byte for byte (the VBA project and any
signature of it included, so a signed workbook stays signed).

At planning scale (700,000-row tables) nothing is held whole that need not be: parts stay compressed as stored
until read; a table's rows are written as the text lxml would write for them, and the rows a table alone holds stay
that text (_Body), spliced into the sheet as it is saved; a sheet's parsed cells go once its tables are read, each
table kept as its frame (a table written, as reading it back gives it) until its cells change.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import io
import math
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree
from openpyxl.utils import column_index_from_string as column_index
from openpyxl.utils import get_column_letter as column_letters
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries

from xl_sop import cells
from xl_sop.errors import NOT_A_WORKBOOK, FileAccessError, WorkbookError
from xl_sop.workbook import follow, formula_results, schema, sheet_cells
from xl_sop.workbook.book import date_columns, header_problem, no_room, outline_levels
from xl_sop.workbook.saving import replacing

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
Q = f"{{{NS}}}"
MAX_ROWS = 1_048_576
"""Excel's rows per sheet: a table that would end below is refused rather than written into a file Excel cannot open."""
MAX_COLUMNS = 16_384
"""Excel's columns per sheet (XFD)."""
BLOCK_ROWS = 20_000
"""Rows of a table made as text and parsed at a time when it is written."""
_ROW_MARKER = 1_048_577
"""A row number no sheet has: a formula made once for it becomes each row's formula by replacing it."""
_CHART_PART = re.compile(r"xl/charts/chart\d+\.xml")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
"""Characters an XML part cannot hold (control characters other than tab and line breaks)."""
_CELL = re.compile(r"([A-Z]+)(\d+)")
_FORMULA_TEXT = re.compile(rb"<(?:\w+:)?f\b[^>]*>([^<]*)</(?:\w+:)?f>")
"""The text of every formula in a sheet part, read without parsing the sheet."""
_FORMULA_CELL = re.compile(rb"<c\b([^>]*?)(?<!/)>\s*<f\b[^>]*(?:/>|>([^<]*)</f>)\s*(?:<v>([^<]*)</v>|<v\s*/>)?")
"""A formula cell: its attributes, the formula's text (empty for a shared formula's follower) and its cached result
(None when it has none)."""
_TYPE = re.compile(rb'\st="(\w+)"')
_RANGE = re.compile(r"(\$?[A-Z]{1,3}\$?)(\d+):(\$?[A-Z]{1,3}\$?)(\d+)")
"""A range such as C5:C20 or $C$5:$C$20 in a formula."""
CellValue = str | float | int | bool | None
"""A cell as read from the file: text, a number, TRUE/FALSE, or None when empty."""


def _is_grid(table_name: str) -> bool:
    try:
        return schema.table(table_name).grid
    except KeyError:
        return False


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


_COLUMN_NUMBERS: dict[str, int] = {}


def _column(ref: str) -> int:
    """The column number of a cell reference such as K9 (remembered per column letters: called for every cell)."""
    letters = ref.rstrip("0123456789")
    number = _COLUMN_NUMBERS.get(letters)
    if number is None:
        number = _COLUMN_NUMBERS[letters] = _row_and_column(ref)[1]
    return number


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


def _put_in_order(data: etree._Element, rows: dict[int, etree._Element],
                  marks: Mapping[int, etree._Element] | None = None) -> None:
    """The sheet's rows by number (Excel requires it), leaving out rows that became empty; ``marks``: where rows
    held as bytes go, by their first row.

    One slice assignment in lxml's C code: removing and appending each of 700,000 rows took seconds."""
    marks = marks or {}
    placed = {**rows, **marks}
    kept = [placed[r] for r in sorted(placed)
            if r in marks or len(rows[r]) or len(rows[r].attrib) > 1 or "r" not in rows[r].attrib]
    if len(data) == len(kept) and all(a is b for a, b in zip(data, kept, strict=True)):
        return  # in order already (rows written are appended after the rows above them)
    if len(data) != len(placed):
        ours = {id(e) for e in kept}
        kept = [child for child in data if child.tag != f"{Q}row" and id(child) not in ours] + kept
    data[:] = kept


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


def _lacking(data: bytes) -> int:
    """How many native formulas of a sheet part have no cached result: no <v>, or an empty one on a cell that is not
    text (openpyxl writes <v/> for every formula; Excel writes <v></v> only for a formula whose result is "")."""
    lacking = 0
    for match in _FORMULA_CELL.finditer(data):
        attributes, formula, value = match.groups()
        if formula is not None and b"SOP_" in formula.upper():
            continue
        kind = _TYPE.search(attributes)
        lacking += value is None or (not value and (kind is None or kind.group(1) != b"str"))
    return lacking


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
            # to the millisecond, Excel's own resolution: a day fraction in binary is not exact (09:10:00 came back
            # 3 microseconds early and differed from what Excel hands over)
            dates = cells.EXCEL_EPOCH + pd.to_timedelta(serial.where(plausible), unit="D").dt.round("ms")
            if plausible.all() or frame[name].isna().all():
                frame[name] = dates
            else:  # text typed in a date column stays as typed, for the checks to read or report
                frame[name] = [d if ok else v for d, ok, v in zip(dates, plausible, frame[name], strict=True)]
    return frame


def _table_frame(name: str, headers: Sequence[str], columns: Sequence[list[object]]) -> pd.DataFrame:
    """A table's frame from its columns' cell values (None for an empty cell): the index counts the data rows from 1,
    blank rows are dropped, date columns typed."""
    frame = pd.DataFrame(dict(enumerate(columns)), index=pd.RangeIndex(1, len(columns[0]) + 1 if columns else 1))
    frame.columns = pd.Index(headers)
    frame = frame.dropna(how="all")
    return _typed(frame, name)


def _number_read(value: float) -> int | float:
    """A number as reading its cell gives it back: whole ones below 2**53 as int (sheet_cells reads them so)."""
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _read_back(values: list[object]) -> list[object]:
    """What reading the cells written from ``values`` (_column_values) gives: what _cell_xml writes, read as
    sheet_cells reads it."""
    out: list[object] = []
    for value in values:
        if type(value) is float:  # most cells: tested first
            out.append(_number_read(value) if math.isfinite(value) else None)
        elif type(value) is str:
            out.append(value if "\r" not in value else value.replace("\r\n", "\n").replace("\r", "\n"))
        elif value is None or value is pd.NaT:
            out.append(None)
        elif type(value) is _Raw:  # a date column's day number
            out.append(_number_read(float(value[4:-4])))
        elif isinstance(value, (np.bool_, bool)):
            out.append(bool(value))
        elif isinstance(value, (pd.Timestamp, dt.datetime, dt.date, np.datetime64)):
            stamp = pd.Timestamp(value).tz_localize(None) if pd.Timestamp(value).tzinfo else pd.Timestamp(value)
            out.append(_number_read(round((stamp - cells.EXCEL_EPOCH).total_seconds() / 86400, 10)))
        elif isinstance(value, (int, float, np.integer, np.floating)):
            number = float(value)
            out.append(_number_read(number) if math.isfinite(number) else None)
        else:  # text; an XML parser reads a line end as \n
            out.append(str(value).replace("\r\n", "\n").replace("\r", "\n"))
    return out


def _float_column(column: pd.Series) -> tuple[list[str | None], list[object]]:
    """A float column as written and as read back, at once (most of what the steps write): the <v> text _cell_xml
    writes for each figure (None for NaN and the infinities: an empty cell), and what reading that cell gives
    (_read_back: whole figures below 2**53 as int, the others as float, None)."""
    figures = column.to_numpy(dtype=np.float64)
    finite = np.isfinite(figures)
    safe = np.where(finite, figures, 0.0)
    whole = finite & (np.floor(safe) == safe) & (np.abs(safe) < 2**53)
    rest = finite & ~whole
    texts = np.full(len(figures), None, dtype=object)
    texts[whole] = safe[whole].astype(np.int64).astype(str).astype(object)
    texts[rest] = [str(int(v)) if v.is_integer() else repr(v) for v in figures[rest].tolist()]
    read = sheet_cells.as_read(figures)
    read[~finite] = None
    return texts.tolist(), read.tolist()


def _results_read(values: list[object]) -> list[object] | None:
    """What reading a formula column written with ``values`` as its cached results gives; None when a result is
    missing (the save computes it, so the figure read after the save is not known here)."""
    out: list[object] = []
    for value in values:
        if not _result_xml(value) or not isinstance(value, (int, float, np.integer, np.floating)):
            return None
        out.append(_number_read(float(value)))
    return out


class _Raw(str):
    """A cell's type and value already as XML (a date column converted at once)."""


def _column_values(column: pd.Series) -> list[object]:
    """A frame column as a list, once; a date column as its Excel day numbers, ready to write."""
    if pd.api.types.is_datetime64_any_dtype(column):
        if getattr(column.dt, "tz", None) is not None:
            column = column.dt.tz_localize(None)
        days = ((column - cells.EXCEL_EPOCH) / pd.Timedelta(days=1)).round(10)
        return [None if math.isnan(d) else _Raw(f"><v>{d!r}</v>") for d in days.tolist()]
    return list(column.tolist())


def _cell_xml(value: object, ref: str) -> str:
    """The cell's type attribute and content as XML, after its reference and style ("" for an empty cell): what
    _make_cell makes as elements, for a whole table at a time."""
    if value is None:
        return ""
    if type(value) is float:
        if not math.isfinite(value):
            return ""
        return f"><v>{value!r}</v>" if not value.is_integer() else f"><v>{int(value)}</v>"
    if type(value) is _Raw:
        return value
    if isinstance(value, (np.bool_, bool)):
        return f' t="b"><v>{1 if value else 0}</v>'
    if value is pd.NaT:
        return ""
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date, np.datetime64)):
        stamp = pd.Timestamp(value).tz_localize(None) if pd.Timestamp(value).tzinfo else pd.Timestamp(value)
        return f"><v>{round((stamp - cells.EXCEL_EPOCH).total_seconds() / 86400, 10)!r}</v>"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _cell_xml(float(value), ref)
    text = str(value)
    if len(text) > EXCEL_CELL_TEXT:
        raise WorkbookError(f"cell {ref} would hold {len(text):,} characters of text, more than the "
                            f"{EXCEL_CELL_TEXT:,} an Excel cell can: shorten it (nothing was written)")
    if _NOT_XML.search(text):
        raise WorkbookError(f"cell {ref} would hold a control character ({_NOT_XML.search(text)!r}), which a workbook "
                            "cannot store: remove it from the data (nothing was written)")
    if "\r" in text:  # an XML parser reads every line end as \n: written so, the text is what reading gives
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text:
        return ' t="inlineStr"><is><t/></is>'
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f' t="inlineStr"><is><t{space}>{html.escape(text, quote=False)}</t></is>'


_ROW_START = re.compile(rb'<row r="(\d+)"')


def _row_at(block: bytes, at: int) -> int:
    match = _ROW_START.match(block, at)
    return -1 if match is None else int(match.group(1))


def _cut(blocks: list[bytes], row: int) -> tuple[list[bytes], list[bytes]]:
    """Rows made as text (<row r="N"> and perhaps an outline level, in order) split before ``row``: the rows above
    it and the rows from it on."""
    for k, block in enumerate(blocks):
        last = _row_at(block, block.rfind(b'<row r="'))
        if last < row:
            continue
        if _row_at(block, 0) >= row:
            return blocks[:k], blocks[k:]
        for number in range(row, last + 1):  # the first row at or below ``row`` (a row without cells is left out)
            at = block.find(b'<row r="%d"' % number)
            if at >= 0:
                return blocks[:k] + [block[:at]], [block[at:]] + blocks[k + 1:]
    return blocks, []


def _no_memory(table: str, rows: int, columns: int) -> WorkbookError:
    return WorkbookError(f"{table} could not be written: {rows:,} rows x {columns} columns need more memory than this "
                         "machine has free (close other programs, or plan fewer items in one workbook); nothing was "
                         "written")


def _result_xml(value: object) -> str:
    """The cached result of a formula cell: the number the step computed for it, or nothing."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        number = float(value)
        if math.isfinite(number):
            return f"<v>{number!r}</v>"
    return ""


def _text_cell(ref: str, text: str, style: str | None) -> etree._Element:
    cell = etree.Element(f"{Q}c", r=ref, t="inlineStr")
    if style is not None:
        cell.set("s", style)
    etree.SubElement(etree.SubElement(cell, f"{Q}is"), f"{Q}t").text = text
    return cell


def _drop_outline(row: etree._Element) -> None:
    """A row leaves its group: no outline level, and not hidden by a collapsed group any more."""
    if row.attrib.pop("outlineLevel", None) is not None:
        row.attrib.pop("collapsed", None)
        if row.get("hidden") in ("1", "true"):
            row.attrib.pop("hidden")


_BEFORE_FORMAT = ("sheetPr", "dimension", "sheetViews")
"""The worksheet's elements that come before <sheetFormatPr> (the schema's order)."""


def _outline_properties(sheet: etree._Element, deepest: int) -> None:
    """<sheetFormatPr outlineLevelRow> the deepest row level, <sheetPr><outlinePr summaryBelow="0"> (summary rows
    above their detail, as families stand above their items)."""
    sheet_format = sheet.find(f"{Q}sheetFormatPr")
    if sheet_format is None:
        sheet_format = etree.Element(f"{Q}sheetFormatPr", defaultRowHeight="15")
        at = max((k + 1 for k, child in enumerate(sheet) if etree.QName(child).localname in _BEFORE_FORMAT), default=0)
        sheet.insert(at, sheet_format)
    if deepest:
        sheet_format.set("outlineLevelRow", str(deepest))
    else:
        sheet_format.attrib.pop("outlineLevelRow", None)
    properties = sheet.find(f"{Q}sheetPr")
    if properties is None:
        properties = etree.Element(f"{Q}sheetPr")
        sheet.insert(0, properties)
    outline = properties.find(f"{Q}outlinePr")
    if outline is None:
        outline = etree.Element(f"{Q}outlinePr")
        tab = properties.find(f"{Q}tabColor")
        properties.insert(0 if tab is None else properties.index(tab) + 1, outline)
    outline.set("summaryBelow", "0")


def _translated(formula: str, origin: str, ref: str) -> str:
    """A shared formula's text as it reads in ``ref`` (its references moved as a copy from ``origin`` moves them)."""
    from openpyxl.formula.translate import Translator

    moved: str = Translator("=" + formula, origin).translate_formula(ref)
    return moved[1:]


def _drop_result(cell: etree._Element) -> int:
    """Remove the formula cell's cached result (one that may be stale and cannot be computed here); returns 1."""
    for old in cell.findall(f"{Q}v"):
        cell.remove(old)
    cell.attrib.pop("t", None)
    return 1


def _put_result(cell: etree._Element, result: formula_results.Result) -> None:
    """The formula cell's cached result becomes ``result``, typed as Excel types it."""
    _drop_result(cell)
    if isinstance(result, formula_results.Error):
        cell.set("t", "e")
        text = result.code
    elif isinstance(result, bool):
        cell.set("t", "b")
        text = "1" if result else "0"
    elif isinstance(result, str):
        cell.set("t", "str")
        text = result
    else:
        number = float(result or 0.0)
        text = str(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)
    value = etree.Element(f"{Q}v")
    value.text = text
    cell.find(f"{Q}f").addnext(value)


_BODY_MARK = "xl-sop-body"
"""The processing instruction standing, in a sheet's tree, where a table's rows held as bytes (_Body) go."""
_BODY_AT = re.compile(rb"<\?" + _BODY_MARK.encode() + rb" (\d+)\?>")
_EMPTY_ROW = re.compile(rb'<row r="\d+"></row>')
_PLAIN_ROW = re.compile(rb'<row r="(\d+)">')


@dataclass
class _Body:
    """A table's data rows as written, held as the bytes lxml would write for them (no element per cell) until the
    sheet is saved or something must walk its rows (then they are parsed into the tree: FileBook._materialize)."""

    sheet_part: str
    table: str
    """The table's name, lower case."""
    first: int
    last: int
    blocks: list[bytes]
    """The rows' XML, BLOCK_ROWS rows a block, rows without cells left out (as the tree leaves them out)."""
    styles: dict[int, str | None]
    """The style of each column's cells (what the next writing of the table takes its look from)."""
    mark: etree._Element = field(init=False)
    """Where the rows go in the sheet's tree (FileBook._hold places it)."""
    deepest: int = 0
    """The deepest outline level of its rows (group_rows)."""


_LOCAL_HEADER = "<4s2B4HL2L2H"
"""A zip entry's local file header (APPNOTE 4.3.7; zipfile.structFileHeader): the name's and the extra field's
lengths are its last two fields."""


def _copies_as_stored(out: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether this Python's zipfile has the internals _Parts.copy_into writes a stored entry with (CPython 3.11 to
    3.13 have them; they are not public API). Without them a part is decompressed and written again: slower, the
    same file."""
    return all(hasattr(out, name) for name in ("_writecheck", "_didModify", "start_dir", "filelist", "NameToInfo",
                                                "fp")) and callable(getattr(info, "FileHeader", None))


class _Parts(Mapping[str, bytes]):
    """The package's parts as stored in the zip (compressed), each decompressed when it is asked for and not kept:
    a planning workbook's sheets take a tenth of the memory they take as text. What is not stored or deflated (or
    is encrypted) is kept as read."""

    def __init__(self, path: Path):
        self.raw: dict[str, bytes] = {}
        self.plain: dict[str, bytes] = {}
        with zipfile.ZipFile(path) as z, path.open("rb") as file:
            self.infos = z.infolist()
            for info in self.infos:
                if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    self.plain[info.filename] = z.read(info.filename)
                    continue
                file.seek(info.header_offset)
                header = struct.unpack(_LOCAL_HEADER, file.read(struct.calcsize(_LOCAL_HEADER)))
                if header[0] != b"PK\x03\x04":
                    raise zipfile.BadZipFile(f"bad local header of {info.filename}")
                file.seek(header[10] + header[11], io.SEEK_CUR)  # the name and extra field
                self.raw[info.filename] = file.read(info.compress_size)
        self._info = {info.filename: info for info in self.infos}

    def __getitem__(self, name: str) -> bytes:
        if name in self.plain:
            return self.plain[name]
        info = self._info[name]
        raw = self.raw[name]
        try:
            data = raw if info.compress_type == zipfile.ZIP_STORED else zlib.decompress(raw, -zlib.MAX_WBITS)
        except zlib.error:
            data = b""
        if zlib.crc32(data) != info.CRC or len(data) != info.file_size:
            raise WorkbookError(f"the part {name} of the workbook is damaged (its stored bytes do not match their "
                                "checksum): open and save it in Excel")
        return data

    def __iter__(self) -> Iterator[str]:
        return iter(self._info)

    def __len__(self) -> int:
        return len(self._info)

    def __contains__(self, name: object) -> bool:
        return name in self._info

    def copy_into(self, out: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        """Write the part into ``out`` as it was stored, not decompressed and compressed again: the bytes
        zipfile.writestr writes for it when the part was compressed as zipfile compresses (as xl-sop saves)."""
        if info.filename in self.plain or not _copies_as_stored(out, info):
            out.writestr(info, self[info.filename], compress_type=info.compress_type)
            return
        raw = self.raw[info.filename]
        info.flag_bits = 0  # as ZipFile._open_to_write sets them (no data descriptor on a seekable file)
        if not info.external_attr:
            info.external_attr = 0o600 << 16
        info.compress_size = len(raw)
        zip64 = info.file_size * 1.05 > zipfile.ZIP64_LIMIT or info.compress_size > zipfile.ZIP64_LIMIT
        assert out.fp is not None
        info.header_offset = out.fp.tell()
        out._writecheck(info)  # type: ignore[attr-defined]  # what writestr checks (a duplicate name, ZIP64)
        out._didModify = True  # type: ignore[attr-defined]
        out.fp.write(info.FileHeader(zip64))
        out.fp.write(raw)
        out.filelist.append(info)
        out.NameToInfo[info.filename] = info
        out.start_dir = out.fp.tell()


class _CellsOf:
    """The cells, tables and defined names of a FileBook, as formula_results reads them."""

    def __init__(self, book: FileBook):
        self.book = book
        self._by_column: dict[tuple[str, int], dict[int, object]] = {}
        self._rows: dict[str, dict[int, etree._Element]] = {}

    def column(self, sheet: str, first_row: int, last_row: int, col: int) -> list[object]:
        part = next((p for p, name in self.book._sheets.items() if name.lower() == sheet.lower()), None)
        if part is None:  # Excel's sheet names are case-insensitive
            raise formula_results.Unsupported(f"no sheet {sheet}")
        for handed_part, first, first_col, columns in self.book._handed_cells.values():
            if (handed_part == part and first_col <= col < first_col + len(columns)
                    and first <= first_row <= last_row < first + len(columns[0])):
                return columns[col - first_col][first_row - first:last_row - first + 1]  # a table written
        if first_row == last_row and part in self.book._trees and part not in self.book._read:
            found = self._cell_of_tree(part, first_row, col)
            if found is not None:
                return [found[0]]
        cells = self.book._sheet_cells(part)
        if first_row != last_row:  # a range: one pass over the sheet's arrays
            return cells.column(first_row, last_row, col)
        known = self._by_column.get((sheet, col))  # single cells (a chart row's month) come by the dozen
        if known is None:
            where = cells.columns == col
            known = self._by_column[(sheet, col)] = dict(zip(cells.rows[where].tolist(), cells.values[where].tolist(),
                                                             strict=True))
        return [known.get(first_row)]

    def _cell_of_tree(self, part: str, row: int, col: int) -> tuple[CellValue] | None:
        """A single cell of a sheet written (a choice above a grid), from its tree rather than from all its cells
        read; None when its row is held as bytes."""
        rows = self._rows.get(part)
        if rows is None:
            data = self.book._xml(part).find(f"{Q}sheetData")
            rows = self._rows[part] = {int(r.get("r")): r for r in data.iter(f"{Q}row")}
        element = rows.get(row)
        if element is None:
            if any(b.sheet_part == part and b.first <= row <= b.last for b in self.book._bodies.values()):
                return None
            return (None,)
        cell = next((c for c in element if _column(c.get("r")) == col), None)
        return (None if cell is None else self.book._value(cell),)

    def table(self, name: str) -> formula_results.TableArea | None:
        found = self.book._tables.get(name.lower())
        if found is None:
            return None
        real, part, table_part = found
        table = self.book._xml(table_part)
        r1, c1, r2, c2 = _split(table.get("ref"))
        return formula_results.TableArea(self.book._sheets[part], r1, c1, r2, c2, tuple(self.book.table_headers(real)),
                                         _totals_rows(table))

    def defined_name(self, name: str) -> str | None:
        for defined in self.book._xml("xl/workbook.xml").iter(f"{Q}definedName"):
            if defined.get("localSheetId") is None and (defined.get("name") or "").lower() == name.lower():
                text: str | None = defined.text
                return text
        return None


class FileBook:
    """Tables of a workbook file on disk, by name (case-insensitive)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if not self.path.exists():
            raise FileAccessError(f"no workbook at {self.path}")
        self._parts: Mapping[str, bytes]
        try:
            self._parts = _Parts(self.path)
            self._infos = self._parts.infos
        except (zipfile.BadZipFile, struct.error):
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
        self._read: dict[str, sheet_cells.SheetCells] = {}
        """{sheet part: its cells as read}, dropped when the sheet is written or all its tables have been read."""
        self._unread: dict[str, set[str]] = {}
        """{sheet part: the tables on it not read yet from its cells as read}."""
        self._handed: dict[str, pd.DataFrame] = {}
        """{table name lower: its frame as read_table returns it}: a table written (as reading its cells would give
        it) or read, until its cells change."""
        self._handed_cells: dict[str, tuple[str, int, int, list[list[object]]]] = {}
        """{table name lower: (sheet part, first data row, first column, each column's cell values)} of the tables
        handed over: what the formulas' results computed at the save read, without parsing the sheet."""
        self._bodies: dict[int, _Body] = {}
        """Tables' rows held as bytes in the sheets' trees, by the number their mark carries."""

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

    def sheet_names(self) -> list[str]:
        """The workbook's sheets, in its order."""
        return list(self._sheets.values())

    def table_sheet(self, name: str) -> str:
        """The name of the sheet the table stands on."""
        return self._sheets[self._table(name)[1]]

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
        real_name, sheet_part, table_part = self._table(name)
        handed = self._handed.get(real_name.lower())
        if handed is not None:  # what this book wrote, as reading it back gives it: not parsed again
            return handed.copy()
        table = self._xml(table_part)
        r1, c1, r2, c2 = _split(table.get("ref"))
        r2 -= _totals_rows(table)
        cells = self._sheet_cells(sheet_part)
        cells.check(r1 + 1, r2, c1, c2)
        frame = _table_frame(real_name, self.table_headers(name),
                             [cells.column(r1 + 1, r2, c) for c in range(c1, c2 + 1)])
        unread = self._unread.get(sheet_part)
        if unread is not None:
            unread.discard(real_name.lower())
            if not unread:  # every table of the sheet has been read from these cells: their memory goes
                self._read.pop(sheet_part, None)
        # kept as read (a frame takes a fraction of the cells' memory): read again, it is not parsed again
        self._handed[real_name.lower()] = frame.copy()
        return frame

    def read_cells(self, sheet: str, ref: str) -> dict[tuple[int, int], CellValue]:
        """{(row, column): value} of the cells in the range ``ref`` (such as A1:B20) of a sheet; empty cells are left out.

        For a sheet xl-sop owns that holds no table (xlwings.conf); tables are read with read_table."""
        r1, c1, r2, c2 = _split(ref)
        return self._cells(self._sheet_part(sheet), r1, r2, c1, c2)

    def _cells(self, sheet_part: str, first_row: int, last_row: int, first_col: int,
               last_col: int) -> dict[tuple[int, int], CellValue]:
        """{(row, column): value} of the cells inside the bounds."""
        return self._sheet_cells(sheet_part).cells(first_row, last_row, first_col, last_col)

    def _sheet_cells(self, sheet_part: str) -> sheet_cells.SheetCells:
        """Every cell of the sheet, read once in one pass (sheet_cells.scan) and kept until the sheet is written:
        the tables of one sheet, and a table read again in the same command, share it."""
        cells = self._read.get(sheet_part)
        if cells is None:
            tree = self._trees.get(sheet_part)
            data = self._parts[sheet_part] if tree is None else b"".join(self._serialized(sheet_part))
            cells = self._read[sheet_part] = sheet_cells.scan(data, self._shared, _iso_date_serial,
                                                              lambda: self._cells_one_by_one(sheet_part))
            self._unread[sheet_part] = {key for key, (_, part, _) in self._tables.items() if part == sheet_part}
        return cells

    def _cells_one_by_one(self, sheet_part: str) -> sheet_cells.SheetCells:
        """The sheet's cells element by element: for a sheet part sheet_cells.scan does not take.

        A sheet that was written is read from its tree; any other is streamed row by row and not
        kept, so reading a 60,000-row archive does not hold its whole XML tree in memory."""
        damaged: list[tuple[int, int, WorkbookError]] = []

        def take(row: etree._Element) -> Iterator[tuple[int, int, CellValue]]:
            r = int(row.get("r"))
            for c in row.iter(f"{Q}c"):
                col = _column(c.get("r"))
                try:
                    value = self._value(c)
                except WorkbookError as exc:
                    damaged.append((r, col, exc))
                    continue
                if value is not None:
                    yield r, col, value

        def every_row() -> Iterator[tuple[int, int, CellValue]]:
            if sheet_part in self._trees:
                self._materialize(sheet_part)
                for row in self._trees[sheet_part].iter(f"{Q}row"):
                    yield from take(row)
                return
            rows = etree.iterparse(io.BytesIO(self._parts[sheet_part]), events=("end",), tag=f"{Q}row",
                                   resolve_entities=False, no_network=True)
            for _, row in _named_on_error(rows, sheet_part):
                yield from take(row)
                row.clear()
                while row.getprevious() is not None:
                    del row.getparent()[0]

        return sheet_cells.from_cells(every_row(), damaged)

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

    def formulas_without_value(self) -> int:
        """How many native formula cells (not =SOP_ cell functions) hold no cached result, as saved: what a reader
        that does not calculate would show blank (publish recalculates only then, or when full_calculation_asked)."""
        return sum(_lacking(self._parts.get(part, b"")) for part in self._sheets)

    def sheet_has_formulas(self, sheet: str) -> bool:
        return b"<f" in self._parts.get(self._sheet_part(sheet), b"")

    def saved_values(self, sheet: str) -> dict[tuple[int, int], CellValue]:
        """{(row, column): value} of every cell of the sheet holding something, formulas' saved results included
        (an error result as its text, #N/A); the sheet's parse is not kept."""
        part = self._sheet_part(sheet)
        values = self._cells(part, 1, MAX_ROWS, 1, MAX_COLUMNS)
        self._read.pop(part, None)
        return values

    def full_calculation_asked(self) -> bool:
        """Whether the file asks for every formula to be calculated when it opens (results may be stale)."""
        calc = self._xml("xl/workbook.xml").find(f"{Q}calcPr")
        return calc is not None and calc.get("fullCalcOnLoad") in ("1", "true")

    # --- writing ------------------------------------------------------------------------------------

    def write_table(self, name: str, frame: pd.DataFrame, headers: Sequence[str] | None = None) -> None:
        """Replace the table's data rows with ``frame`` (columns matched by name, case-insensitive).

        Columns the frame lacks are left blank, except formula columns of the schema,
        which get their formula in every row. Cells outside the table's columns are
        never touched; the table grows or shrinks downwards (at least one row).

        ``headers``: the table's columns become these, left to right, from its top-left corner: a column whose
        name stays keeps its attributes (a calculated column formula) and its cells' style; a new one takes the
        style and width of the last column; columns given up on the right are emptied. Validation, conditional
        formats, chart series and defined names on the data rows follow the table (follow.py).
        """
        self.check_room(name, len(frame), headers)
        real_name, sheet_part, table_part = self._table(name)
        table = self._xml(table_part)
        r1, c1, r2, c2 = _split(table.get("ref"))
        totals = _totals_rows(table)
        old_headers = self.table_headers(name)
        new_headers = old_headers if headers is None else list(headers)
        c2_new = c1 + len(new_headers) - 1
        wide = max(c2, c2_new)
        lookup = {str(c).strip().lower(): c for c in frame.columns}
        formulas = self._formulas(real_name)
        n = max(len(frame), 1)
        sheet = self._xml(sheet_part)
        # Rows held as bytes: a plain table's (no Total Row, same columns, not a grid: a grid's rows get outline
        # levels next) whose rows hold nothing else; the bytes of the rows it had are dropped, not parsed.
        plain = not totals
        """Rows the table alone holds can be kept as bytes (_Body): not with a Total Row (its cells move)."""
        last = max(r2, r1 + n + totals)
        own = self._materialize(sheet_part, keep=real_name.lower() if plain else None,
                                area=(r1, c1, last, wide) if plain else None)
        data = sheet.find(f"{Q}sheetData")
        rows = {int(r.get("r")): r for r in data.iter(f"{Q}row")}
        where = {h.lower(): c1 + j for j, h in enumerate(old_headers)}
        sources = [where.get(h.lower(), c2) for h in new_headers]
        """The old column each new one takes its style (and Total Row cell) from: its own, or the last one."""
        if _is_grid(real_name):  # a grid's look goes by position (history left, the cycle month's line), not by month
            sources = [min(c1 + k, c2) for k in range(len(new_headers))]
        styles = [own.styles.get(col) if own is not None and r1 + 1 not in rows else self._style(rows.get(r1 + 1), col)
                  for col in sources]
        total_cells = [self._cells_of(rows.get(r), c1, c2) for r in range(r2 - totals + 1, r2 + 1)]
        blocks, read_back = self._body_text(frame, new_headers, lookup, formulas, styles, r1, c1, n, real_name)
        split = last
        """Rows r1+1..split are written into the tree's rows, those below as bytes."""
        if plain and read_back is not None:
            # a grid's old rows: their outline levels are set again next (group_rows), hidden ones shown
            split = self._shared_rows(data, r1 + 1, last, c1, wide,
                                      {"r", "spans", "outlineLevel", "hidden"} if _is_grid(real_name) else {"r", "spans"})
        if split == last and own is not None:
            self._materialize(sheet_part)
            rows = {int(r.get("r")): r for r in data.iter(f"{Q}row")}
        elif split < last:  # the rows below split hold the table's cells only: their old cells go
            for r in range(split + 1, last + 1):
                if r in rows:
                    data.remove(rows.pop(r))
            for number in [k for k, body in self._bodies.items() if body.sheet_part == sheet_part
                           and body.table == real_name.lower()]:
                data.remove(self._bodies.pop(number).mark)
        head, tail = _cut(blocks, split + 1)
        body = self._parsed_rows(head, n, len(new_headers), real_name)
        for r in range(r1 + 1, split + 1):
            row = rows.get(r)
            if row is None:
                row = rows[r] = etree.SubElement(data, f"{Q}row", r=str(r))
                if r <= r1 + n:
                    row.extend(body[r - r1 - 1])
                continue
            row.attrib.pop("spans", None)
            index = self._clear(row, c1, wide)
            if r > r1 + n:
                _drop_outline(row)
                continue
            for k, cell in enumerate(list(body[r - r1 - 1])):
                row.insert(index + k, cell)
        if headers is not None and new_headers != old_headers:
            self._rename_columns(table, rows.get(r1) if r1 in rows else None, new_headers, sources, r1, c1, wide)
            if r1 not in rows:
                rows[r1] = self._header_row(data, new_headers, sources, r1, c1)
        now_at = {h.lower(): c1 + k for k, h in enumerate(new_headers)}
        renamed = {c1 + j: now_at[h.lower()] for j, h in enumerate(old_headers) if h.lower() in now_at}
        """Where each old column's Total Row cell goes (none for a column given up)."""
        for k, cells_of_row in enumerate(total_cells):
            self._move_totals(cells_of_row, rows[r1 + n + 1 + k], r1 + 1, r2 - totals, r1 + n, renamed)
        _put_in_order(data, rows, {body.first: body.mark for body in self._bodies.values()
                                   if body.sheet_part == sheet_part})
        if tail:
            self._keep_body(data, sheet_part, real_name.lower(), split + 1, last, tail,
                            {c1 + k: style for k, style in enumerate(styles)})
        if _is_grid(real_name):  # rows hidden by a filter or a folded outline are shown again (the rows have changed)
            for r in range(r1 + 1, max(r2, r1 + n) + 1):
                if r in rows and rows[r].get("hidden") is not None:
                    del rows[r].attrib["hidden"]
        self._written_tail(real_name, sheet_part, table, (r1, c1, r2, c2), n, c2_new, new_headers, read_back)

    def _written_tail(self, real_name: str, sheet_part: str, table: etree._Element, old: tuple[int, int, int, int],
                      n: int, c2_new: int, new_headers: list[str], read_back: list[list[object]] | None) -> None:
        """What follows the rows of a table written: its range and filter, what follows it, and the hand-over."""
        r1, c1, r2, c2 = old
        totals = _totals_rows(table)
        table.set("ref", f"{column_letters(c1)}{r1}:{column_letters(c2_new)}{r1 + n + totals}")
        auto = table.find(f"{Q}autoFilter")
        if auto is not None:  # the filter covers the header and the data, never the Total Row
            auto.set("ref", f"{column_letters(c1)}{r1}:{column_letters(c2_new)}{r1 + n}")
            if _is_grid(real_name) and len(auto):
                # A filter set on the old rows would hide the wrong ones of the new: a rewritten grid shows every row.
                for criterion in list(auto):
                    auto.remove(criterion)
        self._changed |= {sheet_part, self._table(real_name)[2]}
        self._read.pop(sheet_part, None)
        follow.widen_columns(self._xml(sheet_part), NS, c2, c2_new)
        self._follow(sheet_part, follow.Move(r1 + 1, r2 - totals, c1, c2, r1 + n, c2_new))
        self._written.setdefault(sheet_part, []).append((r1, c1, r1 + n, c2_new))
        self._written_tables.add(real_name)
        self._drop_handed(sheet_part, (r1, c1, max(r2, r1 + n + totals), max(c2, c2_new)))
        if read_back is not None:
            self._handed[real_name.lower()] = _table_frame(real_name, new_headers, read_back)
            self._handed_cells[real_name.lower()] = (sheet_part, r1 + 1, c1, read_back)

    def _shared_rows(self, data: etree._Element, first: int, last: int, first_col: int, last_col: int,
                     dropped: set[str]) -> int:
        """The last row of first..last that holds more than the table's cells (columns first_col..last_col) or an
        attribute other than those writing drops or sets again (``dropped``); first - 1 when none does, ``last`` when
        the sheet's rows are not in order (the tree puts them in order)."""
        shared = first - 1
        previous = 0
        for child in data:
            if child.tag is etree.PI and child.target == _BODY_MARK:
                body = self._bodies[int(child.text)]
                low, high = body.first, body.last
            elif child.tag != f"{Q}row":
                return last
            else:
                low = high = int(child.get("r"))
                if first <= low <= last and (not set(child.keys()) <= dropped
                                             or not all(first_col <= _column(c.get("r")) <= last_col for c in child)):
                    shared = low
            if low <= previous:
                return last
            previous = high
        return shared

    def _keep_body(self, data: etree._Element, sheet_part: str, table: str, first: int, last: int,
                   blocks: list[bytes], styles: dict[int, str | None]) -> None:
        """Hold the table's rows ``first`` to ``last`` as bytes, marked in the tree where they go: before the first
        row below them."""
        at = len(data)
        for k, child in enumerate(data):
            if child.tag is etree.PI and child.target == _BODY_MARK:
                low = self._bodies[int(child.text)].first
            elif child.tag == f"{Q}row":
                low = int(child.get("r"))
            else:
                continue
            if low > last:
                at = k
                break
        kept = [_EMPTY_ROW.sub(b"", block) for block in blocks]
        self._hold(data, at, _Body(sheet_part, table, first, last, kept, styles))

    def _materialize(self, sheet_part: str, keep: str | None = None,
                     area: tuple[int, int, int, int] | None = None) -> _Body | None:
        """Parse the rows held as bytes on the sheet into its tree, for what walks the rows: all of them, or those
        in the rows of ``area`` (first row, first column, last row, last column; in those rows any column may be
        another table's), other than table ``keep``'s. The rows above and below the area stay bytes. Returns
        ``keep``'s body when it stays bytes."""
        kept = None
        for number, body in list(self._bodies.items()):
            if body.sheet_part != sheet_part:
                continue
            if body.table == keep:
                kept = body
                continue
            low, high = (body.first, body.last) if area is None else (max(body.first, area[0]), min(body.last, area[2]))
            if low > high:
                continue
            above, rest = _cut(body.blocks, low)
            middle, below = _cut(rest, high + 1)
            rows: list[etree._Element] = []
            for block in middle:
                rows.extend(parse_part(f'<sheetData xmlns="{NS}">'.encode() + block + b"</sheetData>",
                                       "a table written"))
            parent = body.mark.getparent()
            at = parent.index(body.mark)
            if any(above):  # the mark stays for the rows above
                parent[at + 1:at + 1] = rows
                at += 1 + len(rows)
            else:
                parent[at:at + 1] = rows
                at += len(rows)
                del self._bodies[number]
            if any(below):
                self._hold(parent, at, _Body(sheet_part, body.table, high + 1, body.last, below, body.styles))
            body.blocks, body.last = above, low - 1
        return kept

    def _hold(self, data: etree._Element, at: int, body: _Body) -> None:
        """Mark at position ``at`` of sheetData where ``body``'s rows go, and keep them."""
        number = max(self._bodies, default=0) + 1
        body.mark = etree.ProcessingInstruction(_BODY_MARK, str(number))
        data.insert(at, body.mark)
        self._bodies[number] = body

    def _serialized(self, part: str) -> Iterator[bytes]:
        """The part as saved, in pieces: its tree's text with the rows held as bytes put in their place."""
        text = etree.tostring(self._trees[part], xml_declaration=True, encoding="UTF-8", standalone=True)
        if not any(body.sheet_part == part for body in self._bodies.values()):
            yield text
            return
        start = 0
        for mark in _BODY_AT.finditer(text):
            yield text[start:mark.start()]
            yield from self._bodies[int(mark.group(1))].blocks
            start = mark.end()
        yield text[start:]

    def _drop_handed(self, sheet_part: str, area: tuple[int, int, int, int] | None = None) -> None:
        """Forget the frames written to or read from the sheet (those whose cells meet ``area``, or all): their
        cells changed."""
        for key, (_real, part, table_part) in self._tables.items():
            if part != sheet_part or key not in self._handed:
                continue
            if area is not None:
                r1, c1, r2, c2 = _split(self._xml(table_part).get("ref"))
                if r2 < area[0] or r1 > area[2] or c2 < area[1] or c1 > area[3]:
                    continue
            del self._handed[key]
            self._handed_cells.pop(key, None)

    def _body_text(self, frame: pd.DataFrame, headers: list[str], lookup: dict[str, object],
                   formulas: dict[str, Callable[[int], str]], styles: list[str | None], r1: int, c1: int,
                   n: int, table: str = "the table") -> tuple[list[bytes], list[list[object]] | None]:
        """The table's data rows as XML, BLOCK_ROWS rows a block: each column taken from the frame once, as a list,
        its cells made as text (no per-cell DataFrame access, no element per cell, and never the text of a whole
        700,000-row table at once); the text is what lxml writes for the same cells.

        Also each column's values as reading the cells back gives them (None when a formula's result is missing)."""
        columns: list[tuple[str, list[object], str, str | None, list[str | None] | None]] = []
        read_back: list[list[object]] | None = []
        for header, style in zip(headers, styles, strict=True):
            letter = column_letters(c1 + len(columns))
            source = lookup.get(header.lower())
            formula = formulas.get(header.lower())
            values: list[object] = []
            texts: list[str | None] | None = None
            read: list[object] | None
            if formula is None and source is not None and len(frame) and frame[source].dtype == np.float64:
                texts, read = _float_column(frame[source])
                texts += [None] * (n - len(texts))
                read += [None] * (n - len(read))
            else:
                values = _column_values(frame[source]) if source is not None and len(frame) else []
                values += [None] * (n - len(values))
                read = _read_back(values) if formula is None else _results_read(values)
            columns.append((letter, values, f' s="{style}"' if style is not None else "",
                            None if formula is None else formula(_ROW_MARKER), texts))
            if read is None or read_back is None:
                read_back = None
            else:
                read_back.append(read)
        blocks: list[bytes] = []
        try:
            for start in range(0, n, BLOCK_ROWS):
                rows = range(r1 + 1 + start, r1 + 1 + min(n, start + BLOCK_ROWS))
                cells = [self._column_cells(letter, values[start:start + BLOCK_ROWS], shown, marker, rows)
                         if texts is None else self._number_cells(letter, texts[start:start + BLOCK_ROWS], shown, rows)
                         for letter, values, shown, marker, texts in columns]
                blocks.append("".join(f'<row r="{r}">' + "".join(row) + "</row>"
                                      for r, row in zip(rows, zip(*cells, strict=True), strict=True)).encode())
                del cells
        except MemoryError:
            raise _no_memory(table, n, len(columns)) from None
        return blocks, read_back

    @staticmethod
    def _parsed_rows(blocks: list[bytes], n: int, width: int, table: str) -> list[etree._Element]:
        """The rows made as text (_body_text) as <row> elements, one per row."""
        out: list[etree._Element] = []
        for block in blocks:
            try:
                out.extend(parse_part(f'<sheetData xmlns="{NS}">'.encode() + block + b"</sheetData>",
                                      "the table written"))
            except (WorkbookError, MemoryError):
                # The text is made here from the frame: it fails to parse only when memory runs out.
                raise _no_memory(table, n, width) from None
        return out

    @staticmethod
    def _number_cells(letter: str, texts: list[str | None], shown: str, rows: range) -> list[str]:
        """_column_cells of a float column, its figures' text made at once (_float_column; None: an empty cell)."""
        start = f'<c r="{letter}'
        return [f'{start}{r}"{shown}><v>{text}</v></c>' if text is not None else f'{start}{r}"{shown}/>' if shown
                else "" for r, text in zip(rows, texts, strict=True)]

    @staticmethod
    def _column_cells(letter: str, values: list[object], shown: str, marker: str | None, rows: range) -> list[str]:
        """One column's cells of the rows as XML text: a formula with the figure the step computed as its result."""
        if marker is not None:
            return [f'<c r="{letter}{r}"{shown}><f>'
                    f'{html.escape(marker.replace(str(_ROW_MARKER), str(r)), quote=False)}</f>{_result_xml(value)}</c>'
                    for r, value in zip(rows, values, strict=True)]
        start = f'<c r="{letter}'
        cells = []
        texts: dict[str, str] = {}  # a column's texts repeat (item, family, method): each made once
        for r, value in zip(rows, values, strict=True):
            if type(value) is float and math.isfinite(value):  # most cells: _cell_xml's float, without the call
                cells.append(f'{start}{r}"{shown}><v>{int(value) if value.is_integer() else repr(value)}</v></c>')
                continue
            if type(value) is str:
                inner = texts.get(value) or texts.setdefault(value, _cell_xml(value, f"{letter}{r}"))
            else:
                inner = _cell_xml(value, f"{letter}{r}")
            cells.append(f'{start}{r}"{shown}{inner}</c>' if inner else f'{start}{r}"{shown}/>' if shown else "")
        return cells

    @staticmethod
    def _clear(row: etree._Element, first_col: int, last_col: int) -> int:
        """Remove the row's cells in the columns first_col..last_col; the position where cells there go."""
        index = len(row)
        if not index:
            return 0
        if first_col <= _column(row[0].get("r")) and _column(row[-1].get("r")) <= last_col:  # only the table's cells
            del row[:]
            return 0
        for k in range(len(row) - 1, -1, -1):
            col = _column(row[k].get("r"))
            if col > last_col:
                index = k
            elif col >= first_col:
                row.remove(row[k])
                index = k
            else:
                break
        return index

    def _rename_columns(self, table: etree._Element, header_row: etree._Element | None, headers: list[str],
                        sources: list[int], r1: int, c1: int, wide: int) -> None:
        """The table's columns become ``headers``: <tableColumns> (kept columns keep their attributes and id, new ones
        get new ids), the filters on columns that moved dropped, and the header cells written as text."""
        columns = table.find(f"{Q}tableColumns")
        old = {tc.get("name").lower(): tc for tc in columns}
        old_order = [tc.get("name").lower() for tc in columns]
        next_id = max((int(tc.get("id") or 0) for tc in columns), default=0) + 1
        kept = []
        for header in headers:
            tc = old.get(header.lower())
            if tc is None:
                tc = etree.Element(f"{Q}tableColumn", id=str(next_id), name=header)
                next_id += 1
            tc.set("name", header)
            kept.append(tc)
        for tc in list(columns):
            columns.remove(tc)
        columns.extend(kept)
        columns.set("count", str(len(kept)))
        for auto in table.iter(f"{Q}autoFilter"):
            for filtered in list(auto.iterfind(f"{Q}filterColumn")):
                k = int(filtered.get("colId") or 0)
                if k >= len(headers) or k >= len(old_order) or old_order[k] != headers[k].lower():
                    auto.remove(filtered)
        if header_row is None:
            return
        styles = [self._style(header_row, col) for col in sources]
        header_row.attrib.pop("spans", None)
        index = self._clear(header_row, c1, wide)
        for k, (header, style) in enumerate(zip(headers, styles, strict=True)):
            header_row.insert(index + k, _text_cell(f"{column_letters(c1 + k)}{r1}", header, style))

    @staticmethod
    def _header_row(data: etree._Element, headers: list[str], sources: list[int], r1: int, c1: int) -> etree._Element:
        row = etree.SubElement(data, f"{Q}row", r=str(r1))
        for k, header in enumerate(headers):
            row.append(_text_cell(f"{column_letters(c1 + k)}{r1}", header, None))
        return row

    def _follow(self, sheet_part: str, move: follow.Move) -> None:
        """Validation, conditional formats, chart series and defined names on the table's data rows follow it."""
        if move.idle:
            return
        follow.sheet_ranges(self._xml(sheet_part), NS, move)
        sheet = self._sheets[sheet_part]

        def follows(text: str) -> str:
            return follow.formula(text, sheet, move)

        for part in self._parts:
            if _CHART_PART.fullmatch(part) and follow.chart_series(self._xml(part), follows):
                self._changed.add(part)
        for name in self._xml("xl/workbook.xml").iter(f"{Q}definedName"):
            moved = follows(name.text or "")
            if moved != (name.text or ""):
                name.text = moved
                self._changed.add("xl/workbook.xml")

    def group_rows(self, name: str, levels: Sequence[int]) -> None:
        """Row outline levels of the data rows (<row outlineLevel>), the summary row above its detail (<outlinePr
        summaryBelow="0">) and the sheet's deepest level (<sheetFormatPr outlineLevelRow>)."""
        real_name, sheet_part, table_part = self._table(name)
        table = self._xml(table_part)
        r1, _, r2, _ = _split(table.get("ref"))
        last = r2 - _totals_rows(table)
        if len(levels) == 0 and last == r1 + 1:  # a table written empty keeps one blank row
            levels = [0]
        wanted = outline_levels(real_name, levels, last - r1)
        sheet = self._xml(sheet_part)
        own = self._materialize(sheet_part, keep=real_name.lower(), area=(r1 + 1, 0, last, 0))
        if own is not None and not self._outline_body(own, r1 + 1, wanted):
            own = self._materialize(sheet_part)
        data = sheet.find(f"{Q}sheetData")
        rows = {int(r.get("r")): r for r in data.iter(f"{Q}row")}
        for r, level in zip(range(r1 + 1, last + 1), wanted, strict=True):
            if own is not None and own.first <= r <= own.last:
                continue  # its levels are in its bytes
            row = rows.get(r)
            if row is None:
                row = rows[r] = etree.SubElement(data, f"{Q}row", r=str(r))
            if level:
                row.set("outlineLevel", str(level))
            else:
                _drop_outline(row)
        for r in range(last + 1, r2 + 1):  # the Total Row
            if r in rows:
                _drop_outline(rows[r])
        bodies = [body for body in self._bodies.values() if body.sheet_part == sheet_part]
        _put_in_order(data, rows, {body.first: body.mark for body in bodies})
        deepest = max((int(row.get("outlineLevel") or 0) for row in data.iter(f"{Q}row")), default=0)
        _outline_properties(sheet, max([deepest, *(body.deepest for body in bodies)]))
        self._changed.add(sheet_part)
        self._read.pop(sheet_part, None)

    @staticmethod
    def _outline_body(body: _Body, first: int, levels: Sequence[int]) -> bool:
        """Give the rows held as bytes their outline levels (``levels`` of the rows from ``first``), as group_rows
        gives them to rows in the tree (rows written fresh carry no outline); False when a row to group has no cells
        (it is not in the bytes: the tree's way makes it)."""
        wanted = {r: level for r, level in enumerate(levels, start=first) if level and body.first <= r <= body.last}
        if not wanted:
            return True
        done = 0

        def level(match: re.Match[bytes]) -> bytes:
            nonlocal done
            found = wanted.get(int(match.group(1)))
            if found is None:
                return match.group(0)
            done += 1
            return b'<row r="%s" outlineLevel="%d">' % (match.group(1), found)

        blocks = [_PLAIN_ROW.sub(level, block) for block in body.blocks]
        if done != len(wanted):
            return False
        body.blocks = blocks
        body.deepest = max(wanted.values())
        return True

    def check_room(self, name: str, rows: int, headers: Sequence[str] | None = None) -> None:
        real_name, sheet_part, table_part = self._table(name)
        table = self._xml(table_part)
        r1, c1, r2, c2 = _split(table.get("ref"))
        c2_new = c2
        if headers is not None:
            problem = header_problem(real_name, headers)
            if problem is not None:
                raise problem
            c2_new = c1 + len(headers) - 1
            if c2_new > MAX_COLUMNS:
                raise WorkbookError(f"{real_name} would need {len(headers):,} columns from column "
                                    f"{column_letters(c1)}, past Excel's {MAX_COLUMNS:,}: nothing was written")
        n = max(rows, 1)
        new_last = r1 + n + _totals_rows(table)
        if new_last > MAX_ROWS:
            raise WorkbookError(f"{real_name} would need {n:,} rows from row {r1 + 1}, past Excel's {MAX_ROWS:,} rows per sheet: "
                                "nothing was written (for the plan archive, move old cycles to another workbook)")
        if new_last <= r2 and c2_new <= c2:
            return
        self._materialize(sheet_part, keep=real_name.lower(), area=(r1, c1, new_last, c2_new))
        taken = []
        for row in self._xml(sheet_part).find(f"{Q}sheetData").iter(f"{Q}row"):
            r = int(row.get("r"))
            if not r1 <= r <= new_last:
                continue
            for cell in self._cells_of(row, c1, c2_new):
                col = _column(cell.get("r"))
                if (r > r2 or col > c2) and _holds_something(cell):
                    taken.append((r, col))
        if taken:
            raise no_room(self._sheets[sheet_part], real_name, taken, c2)

    @staticmethod
    def _cells_of(row: etree._Element | None, first_col: int, last_col: int) -> list[etree._Element]:
        """The row's cells in the columns first_col..last_col (none for a row the sheet does not have)."""
        return [] if row is None else [c for c in row if first_col <= _column(c.get("r")) <= last_col]

    def _move_totals(self, cells: list[etree._Element], row: etree._Element, first_data: int, old_last: int,
                     new_last: int, columns: dict[int, int]) -> None:
        """Put the Total Row's cells into ``row``, under the new last data row, their ranges over the data following it
        (``columns``: {old column: new column} of the columns the table keeps)."""
        r = int(row.get("r"))
        for cell in cells:
            col = columns.get(_column(cell.get("r")))
            if col is None:
                continue
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
        self._materialize(part)
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
        self._read.pop(part, None)
        self._drop_handed(part)

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

    def _excel_has_calculated(self) -> bool:
        """Whether Excel has saved the workbook: before that it carries the template's engine id, and Excel calculates
        every formula as it opens it anyway."""
        calc = self._xml("xl/workbook.xml").find(f"{Q}calcPr")
        return calc is None or calc.get("calcId") != schema.UNCALCULATED_ENGINE

    def _store_results(self) -> int:
        """Store, as each formula's cached result, what it computes now (formula_results), for every native formula
        that may read a table written: on a written table's sheet, or naming such a sheet, a written table or a defined
        name over them. A formula written with the figure the step computed for it keeps it; a sheet that reads
        nothing written stays byte for byte as it was. Returns how many of these could not be computed: their results
        are removed (none that may be stale stays), so Excel, or LibreOffice when publishing, calculates them."""
        sheets = {self._sheets[part] for part in self._written}
        refers = _naming(sheets, self._written_tables)
        names = {d.get("name") for d in self._xml("xl/workbook.xml").iter(f"{Q}definedName") if refers.search(d.text or "")}
        naming = _naming(sheets, self._written_tables | names)
        todo: dict[tuple[str, int, int], tuple[str, etree._Element]] = {}
        left = 0
        for part, sheet in self._sheets.items():
            if part not in self._trees:
                data = self._parts.get(part, b"")
                texts = (html.unescape(t.decode("utf-8")) for t in _FORMULA_TEXT.findall(data))
                if not any(naming.search(text) for text in texts):
                    continue  # nothing here reads what was written: the part stays byte for byte as it was
            masters: dict[str | None, tuple[str, str]] = {}
            for f in self._xml(part).iter(f"{Q}f"):
                cell = f.getparent()
                ref, text = cell.get("r"), f.text or ""
                if f.get("t") == "shared":
                    if text:
                        masters[f.get("si")] = (text, ref)
                    elif f.get("si") in masters:
                        text = _translated(*masters[f.get("si")], ref)
                v = cell.find(f"{Q}v")
                has_result = v is not None and (bool(v.text) or cell.get("t") == "str")
                if (self._inside_written(part, ref) and has_result if part in self._written
                        else not naming.search(text)):
                    continue
                if "SOP_" in text.upper():  # a cell function needs the add-in: Excel calculates it on load
                    left += 1
                    continue
                r, c = _row_and_column(ref)
                if f.get("t") == "array" or not text:
                    left += _drop_result(cell)
                    self._changed.add(part)
                    self._drop_handed(part, (r, c, r, c))
                    continue
                todo[(sheet, r, c)] = (text, cell)
        if not todo:
            return left
        calculator = formula_results.Calculator(_CellsOf(self), {at: text for at, (text, _cell) in todo.items()})
        for (sheet, r, c), (_text, cell) in todo.items():
            try:
                result = calculator.result(sheet, r, c)
            except formula_results.Unsupported:
                left += _drop_result(cell)  # no figure that may be stale: Excel calculates it on load
                self._changed.add(self._sheet_part(sheet))
                self._drop_handed(self._sheet_part(sheet), (r, c, r, c))
                continue
            _put_result(cell, result)
            self._changed.add(self._sheet_part(sheet))
            self._drop_handed(self._sheet_part(sheet), (r, c, r, c))  # a table read holding the formula
        for part in {self._sheet_part(sheet) for sheet, _r, _c in todo}:
            self._read.pop(part, None)  # read before the results were stored (and the memory is not needed)
        for part in self._written:
            self._read.pop(part, None)
        return left

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
        # Results computed here, so readers that do not calculate see current figures; Excel is asked to calculate
        # everything on load only when some could not be (their results were removed).
        if self._written and self._store_results() and self._excel_has_calculated():
            self._calculate_fully_on_open()
        with replacing(dest) as temp, zipfile.ZipFile(temp, "w") as out:
            for stored in self._infos:
                info = copy.copy(stored)  # writing sets its sizes and checksum: the part as read keeps its own
                if info.filename not in self._changed:
                    if isinstance(self._parts, _Parts):
                        self._parts.copy_into(out, info)
                    else:
                        out.writestr(info, self._parts[info.filename], compress_type=info.compress_type)
                    continue
                pieces = list(self._serialized(info.filename))
                info.file_size = sum(map(len, pieces))  # what writestr sets (the size decides on ZIP64)
                with out.open(info, "w") as part:  # the pieces streamed: the part's whole text is never made
                    for piece in pieces:
                        part.write(piece)
        return dest
