"""The values-only copy of a workbook, made part by part in the package as FileBook works (publish, issue 18 point 6).

Nothing is loaded whole: each sheet part is read, its formulas dropped with their saved results kept, and written
before the next is read. The sheets publish lays out (the pack sheets and Home) are read into a SheetModel: the parts
of the sheet around its rows as a small tree, the rows' attributes, and the cells of the rows that are no item rows
(rows grouped under a family's or a resource's are kept as "filled or not" only: the pack hides them). A SheetModel
answers what the layout asks of a sheet (tables, column widths, row heights, cells, print setup, charts) with the
names openpyxl's Worksheet uses, records what the layout changes, and writes the sheet again row by row.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterable, Iterator
from copy import copy, deepcopy
from dataclasses import dataclass, field
from typing import IO

from lxml import etree
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import range_boundaries

from xl_sop.workbook.filebook import REL_NS, Q, _resolve, _string_item_text, parse_part
from xl_sop.workbook.package import XLSX_MAIN, ZIP_TIME

DRAWING_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
LEFT_OUT_REL_TYPES = ("/vbaProject", "/calcChain", "/ui/extensibility", "/customUI", "/vbaProjectSignature")
"""Relationships the copy drops with their parts: macros and their signature, the ribbon, the calculation chain
(there are no formulas left to calculate)."""

_FORMULA_CELL = re.compile(
    rb"<c\b([^>]*?)>\s*<f\b([^>]*?)(?:/>|>([^<]*)</f>)\s*(?:<v>([^<]*)</v>|<v\s*/>)?\s*</c>")
"""A formula cell: its attributes, the formula's attributes and text (None for a shared formula's follower), its
saved result (None when it has none)."""
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
_ROW = re.compile(rb"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_TEXT = re.compile(rb"<t\b[^>]*>([^<]*)</t>")
_V = re.compile(rb"<v>([^<]*)</v>")

CellValue = str | float | int | bool | None
At = tuple[int, int]


def _attributes(raw: bytes) -> dict[str, str]:
    return {k.decode(): html.unescape(v.decode()) for k, v in _ATTRIBUTE.findall(raw)}


def _attribute_text(attributes: dict[str, str]) -> str:
    return "".join(f' {k}="{html.escape(v)}"' for k, v in attributes.items())


def cell_xml(ref: str, value: CellValue, style: str | None, extra: dict[str, str] | None = None) -> bytes:
    """A value cell: a number, TRUE/FALSE, or text as an inline string (text stays text: "=..." is no formula)."""
    attributes = {"r": ref, **({"s": style} if style else {}), **(extra or {})}
    if value is None or value == "":
        return f"<c{_attribute_text(attributes)}/>".encode()
    if isinstance(value, bool):
        return f'<c{_attribute_text(attributes)} t="b"><v>{int(value)}</v></c>'.encode()
    if isinstance(value, int | float):
        return f"<c{_attribute_text(attributes)}><v>{value!r}</v></c>".encode()
    text = html.escape(str(value), quote=False)
    return f'<c{_attribute_text(attributes)} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'.encode()


@dataclass
class Stripped:
    data: bytes
    formulas: dict[At, str] = field(default_factory=dict)
    """{(row, column): formula text} of the cells that held a formula (a shared formula's follower: its master's)."""
    missing: int = 0
    """Formula cells left without a value (no saved result, none recalculated)."""


def _at(attributes: bytes) -> At:
    found = _REF.search(attributes)
    if found is None:
        return (0, 0)
    return int(found.group(2)), column_index_from_string(found.group(1).decode())


def without_formulas(data: bytes, recalculated: dict[At, CellValue] | None = None) -> Stripped:
    """The sheet part with every formula cell a value cell of its saved result (a text result as an inline string,
    an error as an error value); the cells an array formula spilled into hold values already and stay. With
    ``recalculated`` (a second application's results of the sheet), native formulas take those (blank when it has
    none); =SOP_ cell functions keep their saved results, which only the add-in computes."""
    if b"<f" not in data:
        return Stripped(data)
    out = Stripped(b"")
    shared: dict[bytes, str] = {}

    def value_cell(match: re.Match[bytes]) -> bytes:
        attributes, formula_attributes, formula, saved = match.groups()
        found = _attributes(formula_attributes)
        text = html.unescape(formula.decode()) if formula is not None else shared.get(found.get("si", "").encode(), "")
        if formula is not None and "si" in found:
            shared[found["si"].encode()] = text
        at = _at(attributes)
        out.formulas[at] = text
        cell = _attributes(attributes)
        kind = cell.pop("t", "n")
        cell.pop("cm", None)  # dynamic-array metadata: for a formula, gone with it
        ref, style = cell.pop("r", ""), cell.pop("s", None)
        if recalculated is not None and "SOP_" not in text.upper():
            value = recalculated.get(at)
            out.missing += value is None
            return cell_xml(ref, value, style, cell)
        if saved is None or (not saved and kind != "str"):
            out.missing += 1
            return cell_xml(ref, None, style, cell)
        if kind == "str":
            return cell_xml(ref, html.unescape(saved.decode()), style, cell)
        attributes_text = _attribute_text({"r": ref, **({"s": style} if style else {}), **cell})
        type_text = f' t="{kind}"' if kind in ("b", "e") else ""
        return f"<c{attributes_text}{type_text}><v>{saved.decode()}</v></c>".encode()

    out.data = _FORMULA_CELL.sub(value_cell, data)
    return out


# --- the package ------------------------------------------------------------------------------------------------


def rels_path(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


class Package:
    """The parts of a workbook file, read one at a time."""

    def __init__(self, file: zipfile.ZipFile):
        self.zip = file
        self.names = [i.filename for i in file.infolist()]

    def read(self, part: str) -> bytes:
        return self.zip.read(part)

    def xml(self, part: str) -> etree._Element:
        return parse_part(self.read(part), part)

    def rels(self, part: str) -> list[tuple[str, str, str]]:
        """(id, type, target part) of each relationship of the part."""
        path = rels_path(part)
        if path not in self.names:
            return []
        return [(r.get("Id"), r.get("Type", ""), _resolve(part, r.get("Target", "")))
                for r in self.xml(path) if r.get("TargetMode") != "External"]

    def reached(self, part: str) -> set[str]:
        """The parts the part points at, and the parts those point at (a drawing's charts), with their rels."""
        found: set[str] = set()
        todo = [part]
        while todo:
            for _id, _type, target in self.rels(todo.pop()):
                if target not in found and target in self.names:
                    found.add(target)
                    todo.append(target)
        return found | {rels_path(p) for p in found if rels_path(p) in self.names}


def serialize(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def shared_strings(package: Package) -> list[str]:
    if "xl/sharedStrings.xml" not in package.names:
        return []
    out = []
    for _event, item in etree.iterparse(package.zip.open("xl/sharedStrings.xml"), tag=f"{Q}si"):
        out.append(_string_item_text(item))
        item.clear()
    return out


# --- styles -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alignment:
    """What the layout sets of a cell's alignment (openpyxl's names)."""

    horizontal: str | None = None
    vertical: str | None = None
    wrap_text: bool | None = None
    shrink_to_fit: bool | None = None
    indent: float = 0


class Styles:
    """The workbook's cell formats: what a format's fill and font are, and new formats the layout asks for."""

    def __init__(self, root: etree._Element):
        self.root = root
        self.xfs = root.find(f"{Q}cellXfs")
        self.fonts = root.find(f"{Q}fonts")
        self.fills = root.find(f"{Q}fills")
        self._made: dict[tuple[object, ...], str] = {}
        self.changed = False

    def _xf(self, style: str | None) -> etree._Element | None:
        if self.xfs is None or not style:
            return None
        xfs = list(self.xfs)
        index = int(style)
        return xfs[index] if index < len(xfs) else None

    def fill_rgb(self, style: str | None) -> str | None:
        xf = self._xf(style)
        if xf is None or self.fills is None:
            return None
        fill = list(self.fills)[int(xf.get("fillId", "0"))]
        colour = fill.find(f"{Q}patternFill/{Q}fgColor")
        return colour.get("rgb") if colour is not None else None

    def font_size(self, style: str | None) -> float | None:
        xf = self._xf(style) if style else (self.xfs[0] if self.xfs is not None and len(self.xfs) else None)
        if xf is None or self.fonts is None:
            return None
        size = list(self.fonts)[int(xf.get("fontId", "0"))].find(f"{Q}sz")
        return float(size.get("val")) if size is not None and size.get("val") else None

    def alignment(self, style: str | None) -> Alignment:
        xf = self._xf(style)
        found = xf.find(f"{Q}alignment") if xf is not None else None
        if found is None:
            return Alignment()
        wrap, shrink = found.get("wrapText"), found.get("shrinkToFit")
        return Alignment(found.get("horizontal"), found.get("vertical"),
                         None if wrap is None else wrap in ("1", "true"),
                         None if shrink is None else shrink in ("1", "true"), float(found.get("indent", 0)))

    def _new(self, key: tuple[object, ...], style: str | None, change: dict[str, object]) -> str:
        if key in self._made:
            return self._made[key]
        assert self.xfs is not None
        base = self._xf(style)
        xf = deepcopy(base) if base is not None else etree.SubElement(etree.Element("x"), f"{Q}xf",
                                                                       numFmtId="0", fontId="0", fillId="0",
                                                                       borderId="0", xfId="0")
        if "alignment" in change:
            wanted: Alignment = change["alignment"]  # type: ignore[assignment]
            for old in xf.findall(f"{Q}alignment"):
                xf.remove(old)
            values = {"horizontal": wanted.horizontal, "vertical": wanted.vertical,
                      "wrapText": None if wanted.wrap_text is None else str(int(wanted.wrap_text)),
                      "shrinkToFit": None if wanted.shrink_to_fit is None else str(int(wanted.shrink_to_fit)),
                      "indent": str(int(wanted.indent)) if wanted.indent else None}
            aligned = etree.Element(f"{Q}alignment", {k: v for k, v in values.items() if v is not None})
            xf.insert(0, aligned)
            xf.set("applyAlignment", "1")
        if "font_of" in change:
            other = self._xf(change["font_of"])  # type: ignore[arg-type]
            xf.set("fontId", other.get("fontId", "0") if other is not None else "0")
            xf.set("applyFont", "1")
        self.xfs.append(xf)
        self.xfs.set("count", str(len(self.xfs)))
        self.changed = True
        self._made[key] = str(len(self.xfs) - 1)
        return self._made[key]

    def aligned(self, style: str | None, alignment: Alignment) -> str:
        return self._new(("alignment", style, alignment), style, {"alignment": alignment})

    def with_font_of(self, style: str | None, other: str | None) -> str:
        return self._new(("font", style, other), style, {"font_of": other})


# --- a sheet as the layout sees it ------------------------------------------------------------------------------


class Fill:
    def __init__(self, rgb: str | None):
        self.fgColor = self  # openpyxl's fill.fgColor.rgb
        self.rgb = rgb


class Font:
    def __init__(self, sz: float | None, style: str | None):
        self.sz, self.style = sz, style


class Cell:
    """A cell of a SheetModel, with openpyxl's names for what the layout reads and sets."""

    def __init__(self, sheet: SheetModel, row: int, column: int):
        self.sheet, self.row, self.column = sheet, row, column

    @property
    def coordinate(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}"

    @property
    def _held(self) -> tuple[CellValue, str | None]:
        return self.sheet.cells.get((self.row, self.column), (None, None))

    @property
    def value(self) -> CellValue:
        return self._held[0]

    @value.setter
    def value(self, value: CellValue) -> None:
        self.sheet.put(self.row, self.column, value, self._held[1])

    @property
    def fill(self) -> Fill:
        return Fill(self.sheet.styles.fill_rgb(self._held[1]))

    @property
    def font(self) -> Font:
        return Font(self.sheet.styles.font_size(self._held[1]), self._held[1])

    @font.setter
    def font(self, font: Font) -> None:
        self.sheet.put(self.row, self.column, self.value, self.sheet.styles.with_font_of(self._held[1], font.style))

    @property
    def alignment(self) -> Alignment:
        return self.sheet.styles.alignment(self._held[1])

    @alignment.setter
    def alignment(self, alignment: Alignment) -> None:
        self.sheet.put(self.row, self.column, self.value, self.sheet.styles.aligned(self._held[1], alignment))


@dataclass
class RowDimension:
    hidden: bool = False
    height: float | None = None
    outline_level: int = 0


@dataclass
class ColumnDimension:
    min: int
    max: int
    width: float | None = None
    customWidth: bool = False  # noqa: N815 - openpyxl's name, read by printing.py
    hidden: bool = False
    outline_level: int = 0
    other: dict[str, str] = field(default_factory=dict)
    """The column's other attributes (its style), written back as they were."""


class ColumnDimensions(dict[str, ColumnDimension]):
    """openpyxl's column_dimensions: by the letter of a run's first column; asking for a letter makes one."""

    def __missing__(self, letter: str) -> ColumnDimension:
        index = column_index_from_string(letter)
        self[letter] = ColumnDimension(index, index)
        return self[letter]


class RowDimensions(dict[int, RowDimension]):
    def __missing__(self, row: int) -> RowDimension:
        self[row] = RowDimension()
        return self[row]


class Table:
    def __init__(self, part: str, root: etree._Element):
        self.part, self.root = part, root
        self.displayName = root.get("displayName") or root.get("name") or ""  # noqa: N815 - openpyxl's name
        self.changed = False

    @property
    def ref(self) -> str:
        return str(self.root.get("ref"))

    @ref.setter
    def ref(self, ref: str) -> None:
        self.root.set("ref", ref)
        found = self.root.find(f"{Q}autoFilter")
        if found is not None:
            found.set("ref", ref)
        self.changed = True


class Anchor:
    """A chart's place on a drawing: its first column (0-based) and its width."""

    def __init__(self, anchor: etree._Element):
        self._from = Marker(anchor.find(f"{{{DRAWING_NS}}}from"))
        found = anchor.find(f"{{{DRAWING_NS}}}ext")
        self.ext = Extent(found) if found is not None else None


class Marker:
    def __init__(self, element: etree._Element | None):
        self.element = element

    @property
    def col(self) -> int:
        found = self.element.find(f"{{{DRAWING_NS}}}col") if self.element is not None else None
        return int(found.text or 0) if found is not None else 0

    @col.setter
    def col(self, col: int) -> None:
        found = self.element.find(f"{{{DRAWING_NS}}}col") if self.element is not None else None
        if found is not None:
            found.text = str(col)


class Extent:
    def __init__(self, element: etree._Element):
        self.element = element

    @property
    def width(self) -> int:
        return int(self.element.get("cx", 0))

    @width.setter
    def width(self, width: int) -> None:
        self.element.set("cx", str(width))


class Chart:
    def __init__(self, anchor: etree._Element):
        self.anchor = Anchor(anchor)


class HeaderPart:
    def __init__(self, text: str = "", font: str | None = None):
        self.text, self.font = text, font


_SECTION = re.compile(r"&([LCR])")


class HeaderFooter:
    """A page header or footer: its left, centre and right texts (with the font of each, &"Font,Style")."""

    def __init__(self, text: str):
        self.left, self.center, self.right = HeaderPart(), HeaderPart(), HeaderPart()
        parts = {"L": self.left, "C": self.center, "R": self.right}
        section, start, i = "C", 0, 0
        pieces: dict[str, str] = {}
        while i < len(text):
            if text.startswith("&&", i):
                i += 2
                continue
            if text[i] == "&" and i + 1 < len(text) and text[i + 1] in "LCR":
                pieces[section] = pieces.get(section, "") + text[start:i]
                section, i = text[i + 1], i + 2
                start = i
                continue
            i += 1
        pieces[section] = pieces.get(section, "") + text[start:]
        for key, piece in pieces.items():
            font = re.match(r'&"([^"]*)"', piece)
            if font:
                parts[key].font, piece = font.group(1), piece[font.end():]
            parts[key].text = piece

    def __str__(self) -> str:
        out = ""
        for key, part in (("L", self.left), ("C", self.center), ("R", self.right)):
            if part.text:
                out += f"&{key}" + (f'&"{part.font}"' if part.font else "") + part.text
        return out


class PageSetup:
    """pageSetup (or sheetPr's pageSetUpPr): its attributes by openpyxl's names, as the XML has them."""

    def __init__(self, element: etree._Element):
        self.element = element

    def __getattr__(self, name: str) -> str | bool | None:
        if name == "element":
            raise AttributeError(name)
        return self.element.get(name)  # type: ignore[no-any-return]

    def __setattr__(self, name: str, value: object) -> None:
        if name == "element":
            object.__setattr__(self, name, value)
        else:
            self.element.set(name, str(int(value)) if isinstance(value, bool) else str(value))


class Margins:
    """pageMargins: inches, as floats (Excel's 0.75 where the sheet has none)."""

    element: etree._Element

    def __init__(self, element: etree._Element):
        object.__setattr__(self, "element", element)

    def __getattr__(self, name: str) -> float:
        return float(object.__getattribute__(self, "element").get(name, 0.75))

    def __setattr__(self, name: str, value: object) -> None:
        object.__getattribute__(self, "element").set(name, str(value))


class SheetProperties:
    def __init__(self, page_setup_pr: PageSetup):
        self.pageSetUpPr = page_setup_pr  # noqa: N815 - openpyxl's name


class PageSetUpPr(PageSetup):
    """sheetPr's pageSetUpPr: fitToPage reads as a bool."""

    def __getattr__(self, name: str) -> str | bool | None:
        if name == "fitToPage":
            return self.element.get("fitToPage") in ("1", "true")
        return super().__getattr__(name)


class SheetFormat:
    def __init__(self, element: etree._Element | None):
        width = element.get("defaultColWidth") if element is not None else None
        height = element.get("defaultRowHeight") if element is not None else None
        self.defaultColWidth = float(width) if width else None  # noqa: N815
        self.defaultRowHeight = float(height) if height else None  # noqa: N815


SKELETON_ORDER = ("sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
                  "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
                  "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations",
                  "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
                  "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing",
                  "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                  "tableParts", "extLst")
"""The order of a worksheet's elements (ECMA-376): an element the layout adds goes in its place."""


class SheetModel:
    """A sheet part as publish lays it out: the parts around its rows as a tree (the skeleton), its rows' attributes,
    the cells of its rows that are not grouped under another (item rows: only whether they hold something), and what
    the layout changes, written back by ``data()`` row by row."""

    def __init__(self, title: str, data: bytes, strings: list[str], styles: Styles, tables: list[Table],
                 charts: list[Chart], print_area: str | None):
        self.title, self.styles, self.tables_list, self.charts = title, styles, tables, charts
        self.tables = {t.displayName: t for t in tables}
        self.print_area = print_area
        self.sheet_state = "visible"
        self._strings = strings
        start, end = data.find(b"<sheetData"), data.find(b"</sheetData>")
        if start < 0:
            raise ValueError(f"the sheet {title} has no sheetData")
        opened = data.index(b">", start)
        if data[opened - 1:opened] == b"/":  # <sheetData/>
            self._rows_data, tail = b"", data[opened + 1:]
        else:
            self._rows_data, tail = data[opened + 1:end], data[end + len(b"</sheetData>"):]
        self.skeleton = etree.fromstring(data[:start] + b"<sheetData/>" + tail)
        self.cells: dict[At, tuple[CellValue, str | None]] = {}
        self.filled: set[int] = set()
        self.row_dimensions = RowDimensions()
        self._source_rows: dict[int, dict[str, str]] = {}
        self._source_dims: dict[int, RowDimension] = {}
        self._changed_cells: dict[int, dict[int, tuple[CellValue, str | None]]] = {}
        self._cleared: list[tuple[int, int, int, int]] = []
        self._merges: list[str] = []
        self._read_rows()
        self.column_dimensions = ColumnDimensions()
        cols = self.skeleton.find(f"{Q}cols")
        for col in cols if cols is not None else []:
            found = dict(col.attrib)
            low, high = int(found.pop("min")), int(found.pop("max"))
            width = found.pop("width", None)
            self.column_dimensions[get_column_letter(low)] = ColumnDimension(
                low, high, float(width) if width else None, found.pop("customWidth", "0") in ("1", "true"),
                found.pop("hidden", "0") in ("1", "true"), int(found.pop("outlineLevel", 0)), found)
        self.sheet_format = SheetFormat(self.skeleton.find(f"{Q}sheetFormatPr"))
        self.page_setup = PageSetup(self._element("pageSetup"))
        self.page_margins = Margins(self._element("pageMargins"))
        properties = self._element("sheetPr")
        found_pr = properties.find(f"{Q}pageSetUpPr")
        if found_pr is None:
            found_pr = etree.SubElement(properties, f"{Q}pageSetUpPr")
        self.sheet_properties = SheetProperties(PageSetUpPr(found_pr))
        header_footer = self._element("headerFooter")
        odd_header, odd_footer = header_footer.find(f"{Q}oddHeader"), header_footer.find(f"{Q}oddFooter")
        self.oddHeader = HeaderFooter(odd_header.text or "" if odd_header is not None else "")  # noqa: N815
        self.oddFooter = HeaderFooter(odd_footer.text or "" if odd_footer is not None else "")  # noqa: N815

    def _element(self, name: str) -> etree._Element:
        """The skeleton's element of that name, added in its place when the sheet has none."""
        found = self.skeleton.find(f"{Q}{name}")
        if found is not None:
            return found
        made = etree.Element(f"{Q}{name}")
        rank = SKELETON_ORDER.index(name)
        for i, child in enumerate(self.skeleton):
            local = etree.QName(child).localname
            if local in SKELETON_ORDER and SKELETON_ORDER.index(local) > rank:
                self.skeleton.insert(i, made)
                return made
        self.skeleton.append(made)
        return made

    def _read_rows(self) -> None:
        for row in _ROW.finditer(self._rows_data):
            attributes = _attributes(row.group(1))
            r = int(attributes["r"])
            self._source_rows[r] = attributes
            height = attributes.get("ht")
            level = int(attributes.get("outlineLevel", 0))
            self.row_dimensions[r] = RowDimension(attributes.get("hidden") in ("1", "true"),
                                                  float(height) if height and attributes.get("customHeight") in (
                                                      "1", "true") else None, level)
            self._source_dims[r] = copy(self.row_dimensions[r])
            body = row.group(2) or b""
            if level:  # an item row: the pack hides it, only whether it is empty is asked
                if b"<v>" in body or b"<t" in body:
                    self.filled.add(r)
                continue
            for cell in _CELL.finditer(body):
                value, style = self._value(cell.group(1), cell.group(2) or b"")
                if value is not None or style is not None:
                    self.cells[_at(cell.group(1))] = (value, style)
                    if value is not None:
                        self.filled.add(r)

    def _value(self, raw: bytes, body: bytes) -> tuple[CellValue, str | None]:
        attributes = _attributes(raw)
        style, kind = attributes.get("s"), attributes.get("t", "n")
        if kind == "inlineStr":
            return html.unescape(b"".join(_TEXT.findall(body)).decode()), style
        found = _V.search(body)
        if found is None:
            return None, style
        text = html.unescape(found.group(1).decode())
        if kind == "s":
            return self._strings[int(text)], style
        if kind in ("str", "e"):
            return text, style
        if kind == "b":
            return text in ("1", "true"), style
        if not text:
            return None, style
        number = float(text)
        return (int(number) if number.is_integer() and abs(number) < 2**53 else number), style

    # --- what the layout asks, openpyxl's way ---

    @property
    def dimensions(self) -> str:
        found = self.skeleton.find(f"{Q}dimension")
        return str(found.get("ref")) if found is not None else "A1:A1"

    def cell(self, row: int, column: int) -> Cell:
        return Cell(self, row, column)

    def __getitem__(self, row: int) -> list[Cell]:
        return [Cell(self, r, c) for (r, c) in sorted(self.cells) if r == row]

    def iter_rows(self, min_row: int, max_row: int) -> Iterator[list[Cell]]:
        """The cells held in each row (the layout reads only these: an empty cell prints nothing)."""
        by_row: dict[int, list[Cell]] = {}
        for r, c in self.cells:
            if min_row <= r <= max_row:
                by_row.setdefault(r, []).append(Cell(self, r, c))
        for r in sorted(by_row):
            yield sorted(by_row[r], key=lambda cell: cell.column)

    def put(self, row: int, column: int, value: CellValue, style: str | None) -> None:
        self.cells[(row, column)] = (value, style)
        self._changed_cells.setdefault(row, {})[column] = (value, style)
        if value is not None:
            self.filled.add(row)

    def clear(self, first_row: int, last_row: int, first_col: int, last_col: int) -> None:
        """Empty the cells of the range (their formats stay)."""
        self._cleared.append((first_row, last_row, first_col, last_col))
        for at in [at for at in self.cells if first_row <= at[0] <= last_row and first_col <= at[1] <= last_col]:
            self.cells[at] = (None, self.cells[at][1])

    def merge_cells(self, start_row: int, start_column: int, end_row: int, end_column: int) -> None:
        self._merges.append(f"{get_column_letter(start_column)}{start_row}:{get_column_letter(end_column)}{end_row}")

    # --- writing ---

    def _cols(self) -> etree._Element | None:
        """The columns as <cols>: each column's attributes (a single column's dimension over a run's), runs of
        equal columns joined again."""
        each: dict[int, ColumnDimension] = {}
        for dim in sorted(self.column_dimensions.values(), key=lambda d: (d.max - d.min, d.min), reverse=True):
            for c in range(dim.min, dim.max + 1):
                each[c] = dim  # the narrower a dimension, the later: a single column's wins over its run's
        if not each:
            return None
        cols = etree.Element(f"{Q}cols")

        def attributes(dim: ColumnDimension) -> dict[str, str]:
            out = {}
            if dim.width is not None:
                out["width"] = f"{dim.width:g}"
            if dim.customWidth or dim.width is not None:
                out["customWidth"] = "1"
            if dim.hidden:
                out["hidden"] = "1"
            if dim.outline_level:
                out["outlineLevel"] = str(dim.outline_level)
            return {**dim.other, **out}

        run: tuple[int, int, dict[str, str]] | None = None
        for c in sorted(each):
            found = attributes(each[c])
            if run is not None and run[1] == c - 1 and run[2] == found:
                run = (run[0], c, found)
                continue
            if run is not None:
                etree.SubElement(cols, f"{Q}col", min=str(run[0]), max=str(run[1]), **run[2])
            run = (c, c, found)
        if run is not None:
            etree.SubElement(cols, f"{Q}col", min=str(run[0]), max=str(run[1]), **run[2])
        return cols

    def _skeleton_bytes(self) -> tuple[bytes, bytes]:
        skeleton = deepcopy(self.skeleton)
        old = skeleton.find(f"{Q}cols")
        cols = self._cols()
        if old is not None:
            if cols is None:
                skeleton.remove(old)
            else:
                skeleton.replace(old, cols)
        elif cols is not None:
            skeleton.insert(list(skeleton).index(skeleton.find(f"{Q}sheetData")), cols)
        if self._merges:
            merges = skeleton.find(f"{Q}mergeCells")
            if merges is None:
                merges = etree.Element(f"{Q}mergeCells")
                rank = SKELETON_ORDER.index("mergeCells")
                at = next((i for i, child in enumerate(skeleton)
                           if SKELETON_ORDER.index(etree.QName(child).localname) > rank), len(skeleton))
                skeleton.insert(at, merges)
            for ref in self._merges:
                etree.SubElement(merges, f"{Q}mergeCell", ref=ref)
            merges.set("count", str(len(merges)))
        header_footer = skeleton.find(f"{Q}headerFooter")
        for name, text in (("oddHeader", str(self.oddHeader)), ("oddFooter", str(self.oddFooter))):
            found = header_footer.find(f"{Q}{name}")
            if found is None:
                found = etree.Element(f"{Q}{name}")
                header_footer.insert(0 if name == "oddHeader" else int(header_footer.find(f"{Q}oddHeader")
                                                                        is not None), found)
            found.text = text
        head, _, tail = serialize(skeleton).partition(b"<sheetData/>")
        return head + b"<sheetData>", b"</sheetData>" + tail

    def _row_start(self, r: int, attributes: dict[str, str]) -> bytes:
        dim = self.row_dimensions.get(r)
        found = dict(attributes)
        if dim is not None:
            for key, value in (("hidden", "1" if dim.hidden else None),
                               ("outlineLevel", str(dim.outline_level) if dim.outline_level else None),
                               ("ht", f"{dim.height:g}" if dim.height is not None else None),
                               ("customHeight", "1" if dim.height is not None else None)):
                if value is None:
                    found.pop(key, None)
                else:
                    found[key] = value
            found.pop("spans", None)  # the cells may reach further now
        return f"<row{_attribute_text(found)}".encode()

    def _row_cells(self, r: int, body: bytes) -> bytes:
        changed = self._changed_cells.get(r, {})
        cleared = [(c1, c2) for r1, r2, c1, c2 in self._cleared if r1 <= r <= r2]
        if not changed and not cleared:
            return body
        cells: dict[int, bytes] = {}
        for cell in _CELL.finditer(body):
            c = _at(cell.group(1))[1]
            if any(c1 <= c <= c2 for c1, c2 in cleared):
                style = _attributes(cell.group(1)).get("s")
                cells[c] = cell_xml(f"{get_column_letter(c)}{r}", None, style)
            else:
                cells[c] = cell.group(0)
        for c, (value, style) in changed.items():
            cells[c] = cell_xml(f"{get_column_letter(c)}{r}", value, style)
        return b"".join(cells[c] for c in sorted(cells))

    def _rows(self) -> Iterator[bytes]:
        added = sorted((set(self._changed_cells) | {r for r, d in self.row_dimensions.items()
                                                    if d != RowDimension()}) - set(self._source_rows))
        i = 0
        for row in _ROW.finditer(self._rows_data):
            r = int(self._source_rows_key(row.group(1)))
            while i < len(added) and added[i] < r:
                yield self._new_row(added[i])
                i += 1
            if r not in self._changed_cells and not self._cleared and self.row_dimensions[r] == self._source_dims[r]:
                yield row.group(0)  # as it was
                continue
            body = self._row_cells(r, row.group(2) or b"")
            yield self._row_start(r, self._source_rows[r]) + (b">" + body + b"</row>" if body else b"/>")
        for r in added[i:]:
            yield self._new_row(r)

    @staticmethod
    def _source_rows_key(raw: bytes) -> str:
        found = re.search(rb'\br="(\d+)"', raw)
        return found.group(1).decode() if found else "0"

    def _new_row(self, r: int) -> bytes:
        body = self._row_cells(r, b"")
        return self._row_start(r, {"r": str(r)}) + (b">" + body + b"</row>" if body else b"/>")

    def write(self, out: IO[bytes]) -> None:
        head, tail = self._skeleton_bytes()
        out.write(head)
        for row in self._rows():
            out.write(row)
        out.write(tail)


def table_parts(package: Package, sheet_part: str) -> list[Table]:
    return [Table(target, package.xml(target)) for _id, kind, target in package.rels(sheet_part)
            if kind.endswith("/table")]


def drawing_parts(package: Package, sheet_part: str) -> dict[str, etree._Element]:
    return {target: package.xml(target) for _id, kind, target in package.rels(sheet_part)
            if kind.endswith("/drawing")}


def charts_of(drawings: dict[str, etree._Element]) -> list[Chart]:
    return [Chart(anchor) for root in drawings.values() for anchor in root
            if etree.QName(anchor).localname in ("oneCellAnchor", "twoCellAnchor", "absoluteAnchor")]


def spans(tables: Iterable[Table]) -> list[tuple[int, int, int, int]]:
    return [range_boundaries(t.ref) for t in tables]


def content_types_without(root: etree._Element, dropped: set[str]) -> etree._Element:
    """[Content_Types].xml without the dropped parts, and the workbook an .xlsx's (no macros)."""
    for override in list(root):
        name = str(override.get("PartName", "")).lstrip("/")
        kind = str(override.get("ContentType", ""))
        if name in dropped or "vbaProject" in kind:
            root.remove(override)
        elif name == "xl/workbook.xml":
            override.set("ContentType", XLSX_MAIN)
    return root


def relationships_without(root: etree._Element, base: str, dropped: set[str]) -> etree._Element:
    for rel in list(root):
        kind = str(rel.get("Type", ""))
        if _resolve(base, str(rel.get("Target", ""))) in dropped or kind.endswith(LEFT_OUT_REL_TYPES):
            root.remove(rel)
    return root


def write_part(out: zipfile.ZipFile, part: str, data: bytes) -> None:
    out.writestr(zip_info(part, out), data)


SHEET_REL = f"{{{REL_NS}}}id"


def zip_info(part: str, out: zipfile.ZipFile) -> zipfile.ZipInfo:
    """A part's entry, compressed as the file it goes into is (the workbook only LibreOffice reads: not at all)."""
    info = zipfile.ZipInfo(part, date_time=ZIP_TIME)
    info.compress_type = out.compression
    return info


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


class Book:
    """The workbook part of the copy: its sheets (in the copy's order), the sheets left out and every part only they
    reach, the print areas, and the package's other parts as the copy has them."""

    def __init__(self, package: Package):
        self.package = package
        self.root = package.xml("xl/workbook.xml")
        self.rels = {rel_id: (kind, target) for rel_id, kind, target in package.rels("xl/workbook.xml")}
        sheets = self.root.find(f"{Q}sheets")
        self._old_titles = [str(s.get("name")) for s in sheets]
        self.sheets: dict[str, str] = {str(s.get("name")): self.rels[str(s.get(SHEET_REL))][1] for s in sheets}
        """{title: sheet part} of the sheets the copy keeps, in the copy's order."""
        self.dropped: set[str] = set()
        self.print_areas: dict[str, str] = {}
        self.pack_print_areas: dict[str, str] = {}

    def saved_print_area(self, title: str) -> str | None:
        """The sheet's print area as the workbook has it (its first range, without the sheet's name), or None."""
        index = self._old_titles.index(title)
        for name in self.root.iter(f"{Q}definedName"):
            if name.get("name") == "_xlnm.Print_Area" and name.get("localSheetId") == str(index):
                return (name.text or "").split(",")[0].split("!")[-1].replace("$", "") or None
        return None

    def leave_out(self, titles: Iterable[str]) -> set[str]:
        """Leave these sheets out, with every part only they reach, and the macros, the ribbon and the calculation
        chain. Returns the parts left out."""
        gone = {title: part for title, part in self.sheets.items() if title in titles}
        for title in gone:
            del self.sheets[title]
        kept: set[str] = set()
        for part in self.sheets.values():
            kept |= self.package.reached(part)
        for part in gone.values():
            self.dropped |= {part, rels_path(part)} | (self.package.reached(part) - kept)
        for _kind, target in (v for v in self.rels.values() if v[0].endswith(LEFT_OUT_REL_TYPES)):
            self.dropped |= {target, rels_path(target)} | self.package.reached(target)
        for _id, kind, target in self.package.rels(""):  # the package's own: the ribbon
            if kind.endswith(LEFT_OUT_REL_TYPES):
                self.dropped |= {target, rels_path(target)} | self.package.reached(target)
        self.dropped |= {p for p in self.package.names if p.startswith("xl/vbaProject")}
        self.dropped &= set(self.package.names)
        return self.dropped

    def order(self, pack: Iterable[str]) -> None:
        """The pack's sheets in its order, after the sheets before the first of them (others keep theirs)."""
        pack = [t for t in pack if t in self.sheets]
        titles = list(self.sheets)
        if not pack:
            return
        first = min(titles.index(t) for t in pack)
        others = [t for t in titles if t not in pack]
        new = others[:first] + pack + others[first:]
        self.sheets = {t: self.sheets[t] for t in new}

    def workbook_xml(self, hide_outside: Iterable[str] | None) -> bytes:
        """workbook.xml of the copy: the sheets kept in their order, defined names on a sheet renumbered (those on a
        sheet left out or naming one gone), the print areas, no full calculation asked. ``hide_outside``: the sheets
        to keep visible (the pack's), the others hidden."""
        root = deepcopy(self.root)
        sheets = root.find(f"{Q}sheets")
        by_title = {str(s.get("name")): s for s in sheets}
        for element in list(sheets):
            sheets.remove(element)
        titles = list(self.sheets)
        shown = set(hide_outside) if hide_outside is not None else None
        for title in titles:
            element = by_title[title]
            if shown is not None and title not in shown:
                element.set("state", "hidden")
            sheets.append(element)
        new_index = {old: titles.index(title) for old, title in enumerate(self._old_titles) if title in self.sheets}
        gone = [t for t in self._old_titles if t not in self.sheets]
        areas = {**self.print_areas, **(self.pack_print_areas if hide_outside is not None else {})}
        names = root.find(f"{Q}definedNames")
        if names is None:
            names = etree.Element(f"{Q}definedNames")
            sheets.addnext(names)
        for name in list(names):
            local = name.get("localSheetId")
            text = name.text or ""
            if any(f"{_quoted(t)}!" in text or f"{t}!" in text for t in gone) or (
                    local is not None and int(local) not in new_index):
                names.remove(name)
                continue
            if local is not None:
                name.set("localSheetId", str(new_index[int(local)]))
                if name.get("name") == "_xlnm.Print_Area" and titles[new_index[int(local)]] in areas:
                    names.remove(name)
        for title, area in areas.items():
            c1, r1, c2, r2 = range_boundaries(area.split("!")[-1].replace("$", ""))
            ref = f"{_quoted(title)}!${get_column_letter(c1)}${r1}:${get_column_letter(c2)}${r2}"
            etree.SubElement(names, f"{Q}definedName", name="_xlnm.Print_Area",
                             localSheetId=str(titles.index(title))).text = ref
        if not len(names):
            root.remove(names)
        view = root.find(f"{Q}bookViews/{Q}workbookView")
        if view is not None:
            active = self._old_titles[int(view.get("activeTab", 0))]
            index = titles.index(active) if active in titles else 0
            if shown is not None and titles[index] not in shown:
                index = next((i for i, t in enumerate(titles) if t in shown), 0)
            view.set("activeTab", str(index))
            view.set("firstSheet", "0")
        calc = root.find(f"{Q}calcPr")
        if calc is not None:
            calc.attrib.pop("fullCalcOnLoad", None)
        return serialize(root)

    def package_parts(self, styles: Styles) -> dict[str, bytes]:
        """The parts that say what the package holds, without the parts left out; the styles with any the layout
        added; the document properties without the sheet titles (they listed the sheets left out too)."""
        out: dict[str, bytes] = {}
        names = set(self.package.names)
        out["[Content_Types].xml"] = serialize(content_types_without(self.package.xml("[Content_Types].xml"),
                                                                     self.dropped))
        for base in ("xl/workbook.xml", ""):
            path = rels_path(base)
            if path in names:
                out[path] = serialize(relationships_without(self.package.xml(path), base, self.dropped))
        out["xl/styles.xml"] = serialize(styles.root)
        if "docProps/app.xml" in names:
            app = self.package.xml("docProps/app.xml")
            for element in list(app):
                if etree.QName(element).localname in ("HeadingPairs", "TitlesOfParts"):
                    app.remove(element)
            out["docProps/app.xml"] = serialize(app)
        return out
