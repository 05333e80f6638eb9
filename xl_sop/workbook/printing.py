"""What a sheet prints, measured from the sheet itself: the columns and rows of its print area that show, its width on
paper, the scale fit-to-width gives it, and the smallest font that lands on the page.

Used by the pack (xl_sop.cycle.publish, on a values_copy.SheetModel, which answers by openpyxl's names) and by the
tests that hold it to a readable size on openpyxl's sheets: landscape, one page wide, no font below 8 pt as printed
(font size x print scale) on Letter or A4.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # openpyxl is imported by the callers
    from openpyxl.worksheet.worksheet import Worksheet

PAPER_LANDSCAPE_INCHES = {"Letter": 11.0, "A4": 297 / 25.4}
"""The width of the paper turned landscape (the smaller of the two, Letter, is the one that binds)."""
PAPER_LANDSCAPE_HEIGHT_INCHES = {"Letter": 8.5, "A4": 210 / 25.4}
"""The height of the paper turned landscape (Letter's binds)."""
DEFAULT_ROW_POINTS = 15.0
"""Excel's height of a row of Calibri 11 without a height of its own (LibreOffice's is lower: its pages hold more)."""
DEFAULT_FONT_SIZE = 11.0
"""Calibri 11, the workbook's normal style: a cell without a font size of its own prints at it."""
DEFAULT_COLUMN_WIDTH = 8.43
MIN_PRINTED_POINTS = 8.0


def column_points(width: float) -> float:
    """Points a column of ``width`` (Excel's unit: characters of the normal font's digit) takes on paper.

    Excel draws a column width w at trunc(w x 7 + 5) pixels for Calibri 11 (7 pixels a digit, 5 of padding); a pixel
    is 3/4 of a point at 96 dpi."""
    return int(width * 7 + 5) * 0.75


@dataclass(frozen=True)
class PrintedArea:
    columns: list[int]
    """The printed columns (1-based): in the print area and not hidden."""
    rows: list[int]
    width_points: float
    height_points: float = 0.0
    """The shown rows of the tallest range in points at 100% (a row without a height of its own: Excel's 15 pt)."""


def _column_widths(ws: Worksheet) -> dict[int, tuple[float, bool]]:
    """(width, hidden) of each column that has a dimension (openpyxl keeps runs of columns as min..max)."""
    from openpyxl.utils import column_index_from_string

    out: dict[int, tuple[float, bool]] = {}
    default = ws.sheet_format.defaultColWidth or DEFAULT_COLUMN_WIDTH
    for letter, dim in ws.column_dimensions.items():
        low = dim.min or column_index_from_string(letter)
        high = dim.max or low
        for c in range(low, high + 1):
            out[c] = (dim.width if dim.customWidth or dim.width else default, bool(dim.hidden))
    return out


def printed_area(ws: Worksheet) -> PrintedArea:
    """The columns and rows the sheet's print area shows (all its ranges: each prints on its own pages), and the
    widest range's shown columns in points (fit to one page wide shrinks the sheet to it)."""
    from openpyxl.utils.cell import range_boundaries

    widths = _column_widths(ws)
    columns: set[int] = set()
    rows: set[int] = set()
    width = height = 0.0
    default = ws.sheet_format.defaultRowHeight or DEFAULT_ROW_POINTS
    for area in str(ws.print_area or ws.dimensions).split(","):
        c1, r1, c2, r2 = range_boundaries(area.split("!")[-1].replace("$", ""))
        shown = [c for c in range(c1, c2 + 1) if not widths.get(c, (0.0, False))[1]]
        columns.update(shown)
        shown_rows = [r for r in range(r1, r2 + 1) if not ws.row_dimensions[r].hidden]
        rows.update(shown_rows)
        width = max(width, printed_width(ws, c1, c2))
        height = max(height, sum(float(ws.row_dimensions[r].height or default) for r in shown_rows))
    return PrintedArea(sorted(columns), sorted(rows), width, height)



def print_scale(ws: Worksheet, paper: str = "Letter") -> float:
    """The scale the sheet prints at: fit to one page wide shrinks it to the paper's width between the margins, and
    fit to one page tall as well to its height (Excel's row heights: LibreOffice's rows are lower, so it shrinks less);
    never enlarged. Otherwise its fixed scale."""
    setup = ws.page_setup
    fit = ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage
    if fit and setup.fitToWidth in (1, "1"):
        area = printed_area(ws)
        scale = min(1.0, page_room(ws, paper)[0] / area.width_points)
        if setup.fitToHeight in (1, "1") and area.height_points:
            scale = min(scale, page_room(ws, paper)[1] / area.height_points)
        return scale
    return float(setup.scale or 100) / 100


def page_room(ws: Worksheet, paper: str = "Letter") -> tuple[float, float]:
    """Points (width, height) of the landscape page between the margins."""
    margins = ws.page_margins
    return (float(PAPER_LANDSCAPE_INCHES[paper] - margins.left - margins.right) * 72,
            float(PAPER_LANDSCAPE_HEIGHT_INCHES[paper] - margins.top - margins.bottom) * 72)


def one_page_if_readable(ws: Worksheet) -> bool:
    """Fit the sheet to one page tall as well as wide where it then still prints at 8 pt or more on Letter and A4
    (so it prints on one page in Excel as in LibreOffice); otherwise one page wide and as many tall as it takes.
    Returns whether it is one page."""
    ws.page_setup.fitToHeight = 1
    if all(printed_points(ws, paper)[0] >= MIN_PRINTED_POINTS for paper in PAPER_LANDSCAPE_INCHES):
        return True
    ws.page_setup.fitToHeight = 0
    return False


def smallest_printed_font(ws: Worksheet) -> tuple[float, str]:
    """The smallest font size of a cell that prints something (a value in a shown row and column of the print
    area), and that cell's address."""
    area = printed_area(ws)
    shown = set(area.columns)
    smallest, where = float("inf"), ""
    for row in ws.iter_rows(min_row=min(area.rows, default=1), max_row=max(area.rows, default=0)):
        for cell in row:
            if cell.value is None or cell.column not in shown or ws.row_dimensions[cell.row].hidden:
                continue
            size = float(cell.font.sz) if cell.font is not None and cell.font.sz else DEFAULT_FONT_SIZE
            if size < smallest:
                smallest, where = size, cell.coordinate
    return smallest, where


def printed_points(ws: Worksheet, paper: str = "Letter") -> tuple[float, str]:
    """The smallest font as printed (size x print scale) and the cell it is in."""
    size, where = smallest_printed_font(ws)
    return size * print_scale(ws, paper), where


NARROW_MARGIN = 0.25
"""Inches left and right of a printed page (Excel's Narrow margins): more of the paper for the months."""
PAGE_FOOTER = "Page &P of &N"
READABLE_POINTS = (PAPER_LANDSCAPE_INCHES["Letter"] - 2 * NARROW_MARGIN) * 72 * DEFAULT_FONT_SIZE / MIN_PRINTED_POINTS
"""The widest a print range may be (points, at 100%) for an 11 pt font to print at 8 pt or more one page wide on
Letter: 756 pt of paper / (8 / 11)."""


def pack_page_setup(ws: Worksheet) -> None:
    """Landscape, one page wide and as many tall as it takes, narrow margins, "Page x of y" in the footer: every sheet
    of the template, and every sheet of the pack again when publishing (a workbook made from an older template)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    margins = ws.page_margins
    margins.left = margins.right = NARROW_MARGIN
    margins.top = margins.bottom = 0.6  # two more rows a page than Excel's 0.75, the header and footer still clear
    margins.header = margins.footer = 0.25
    ws.oddFooter.center.text = PAGE_FOOTER


def printed_width(ws: Worksheet, first: int, last: int) -> float:
    """Points the shown columns first..last take on paper at 100%."""
    widths = _column_widths(ws)
    default = ws.sheet_format.defaultColWidth or DEFAULT_COLUMN_WIDTH
    shown = (widths.get(c, (default, False)) for c in range(first, last + 1))
    return sum(column_points(width) for width, hidden in shown if not hidden)



def hidden_columns(ws: Worksheet) -> set[int]:
    """The sheet's hidden columns (1-based)."""
    return {c for c, (_width, hidden) in _column_widths(ws).items() if hidden}


def calibri_metrics_missing() -> bool:
    """True where LibreOffice would draw Calibri (the workbook's font) with another font's metrics: neither Calibri
    nor its metric twin Carlito is installed (fontconfig says which font stands in). The pack then lays out wider
    than in Excel and fit-to-width prints it smaller (DejaVu Sans: about 80%). Unknown without fc-match: False."""
    import shutil
    import subprocess

    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return False
    found = subprocess.run([fc_match, "Calibri"], capture_output=True, text=True, check=False).stdout
    return not any(name in found for name in ("Calibri", "Carlito"))
