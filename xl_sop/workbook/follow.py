"""What is attached to a table follows it when FileBook grows, shrinks, widens or narrows it.

Conditional formats and data validation (their sqref), chart series (<c:f> in the chart parts) and defined names
point at cell ranges, not at the table; Excel moves them when it resizes a table itself, a file edited headless
must do it. One rule for all of them (``Move``): a range on the table's sheet whose rows are exactly the table's old
data rows (or the header and the data rows) and whose columns lie within its columns covers the new data rows; if
it reached the table's last column and that column moved, it reaches the new last column (a formula's single-column
range, a chart series, keeps its column). A validation or a format range on columns the table gave up is dropped
(it would watch emptied cells); a formula's range keeps its columns (a chart series cannot lose its range).
Anything else (the header, a single cell, a range reaching beyond the table) is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree
from openpyxl.utils import column_index_from_string as column_index
from openpyxl.utils import get_column_letter as column_letters

X14_SQREF = "{http://schemas.microsoft.com/office/excel/2006/main}sqref"
"""The ranges of a format or validation Excel 2010+ keeps in the sheet's extension list (x14)."""
CHART_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_SQREF = re.compile(r"([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?")
_SHEET_RANGE = re.compile(
    r"('(?:[^']|'')+'|[^\s'!(),:=+\-*/&^<>;{}\"]+)!(\$?)([A-Z]{1,3})(\$?)(\d+)(?::(\$?)([A-Z]{1,3})(\$?)(\d+))?")
"""A sheet-qualified range or cell in a formula ('2 Supply'!$C$6:$C$9, Items!B6:B20, 'Supply Detail'!$AK$6): the only
kind a chart or a defined name holds (a chart writes the one cell of a one-row table's column as a cell)."""


@dataclass(frozen=True)
class Move:
    """The table's old data body (rows first..old_last, columns first_column..old_last_column) and where it ends now."""

    first: int
    old_last: int
    first_column: int
    old_last_column: int
    new_last: int
    new_last_column: int

    @property
    def idle(self) -> bool:
        return (self.old_last, self.old_last_column) == (self.new_last, self.new_last_column)

    def range(self, r1: int, c1: int, r2: int, c2: int, widen: bool = True) -> tuple[int, int, int, int] | None:
        """Where the range (r1, c1, r2, c2) goes: itself when it is not the data body's, None when it is gone.

        ``widen``: a range reaching the last column reaches the new last column (False: it keeps its columns).
        A range from the header row down to the last data row follows too: a chart series that takes its name from
        the header cell above its figures."""
        if (r1 not in (self.first, self.first - 1) or r2 != self.old_last
                or not self.first_column <= c1 <= c2 <= self.old_last_column):
            return (r1, c1, r2, c2)
        if c2 == self.old_last_column and widen:
            c2 = self.new_last_column
        c2 = min(c2, self.new_last_column)
        if c1 > c2:
            return None
        return (r1, c1, self.new_last, c2)


def sqref(text: str, move: Move) -> str:
    """The ranges of a validation or format (space-separated, C6:C20 or C6), moved; "" when all are gone."""
    out = []
    for token in text.split():
        match = _SQREF.fullmatch(token)
        if match is None:
            out.append(token)
            continue
        c1, r1 = column_index(match.group(1)), int(match.group(2))
        c2, r2 = (column_index(match.group(3)), int(match.group(4))) if match.group(3) else (c1, r1)
        moved = move.range(r1, c1, r2, c2)
        if moved is None:
            continue
        a, b, c, d = moved
        out.append(f"{column_letters(b)}{a}" if (a, b) == (c, d) else f"{column_letters(b)}{a}:{column_letters(d)}{c}")
    return " ".join(out)


def formula(text: str, sheet: str, move: Move) -> str:
    """A chart series or defined name formula whose ranges on ``sheet`` over the data body cover the new one."""
    def follow(m: re.Match[str]) -> str:
        name = m.group(1)
        if name.startswith("'"):
            name = name[1:-1].replace("''", "'")
        if name.lower() != sheet.lower():
            return m.group(0)
        single = m.group(9) is None
        r1, c1 = int(m.group(5)), column_index(m.group(3))
        r2, c2 = (r1, c1) if single else (int(m.group(9)), column_index(m.group(7)))
        moved = move.range(r1, c1, r2, c2, widen=c1 < c2)  # one column is one chart series: it stays one column
        if moved is None:  # a formula keeps a range: its rows follow, its columns stay
            moved = (move.first, c1, move.new_last, c2)
        a, b, c, d = moved
        if (a, b, c, d) == (r1, c1, r2, c2):
            return m.group(0)
        dollar_row = m.group(4) if single else m.group(8)
        dollar_col = m.group(2) if single else m.group(6)
        return (f"{m.group(1)}!{m.group(2)}{column_letters(b)}{m.group(4)}{a}:"
                f"{dollar_col}{column_letters(d)}{dollar_row}{c}")

    return _SHEET_RANGE.sub(follow, text)


def sheet_ranges(sheet: etree._Element, ns: str, move: Move) -> bool:
    """Move the sheet's conditional formats and validations; whether anything changed."""
    changed = False
    # Formats and validations stand beside the cells, never inside them: the rows are not walked.
    around = [child for child in sheet if child.tag != f"{{{ns}}}sheetData"]
    for tag in ("conditionalFormatting", "dataValidation"):
        for element in [e for child in around for e in child.iter(f"{{{ns}}}{tag}")]:
            old = element.get("sqref") or ""
            new = sqref(old, move)
            if new == old:
                continue
            changed = True
            if new:
                element.set("sqref", new)
            else:
                _drop(element)
    for element in [e for child in around for e in child.iter(X14_SQREF)]:
        old = element.text or ""
        new = sqref(old, move)
        if new != old:
            changed = True
            if new:
                element.text = new
            else:
                parent = element.getparent()
                if parent is not None:
                    _drop(parent)
    return changed


def _drop(element: etree._Element) -> None:
    """Remove a format or validation; an emptied container goes too, a count attribute stays right."""
    parent = element.getparent()
    if parent is None:
        return
    parent.remove(element)
    if parent.get("count") is not None:
        parent.set("count", str(len(parent)))
    if element.tag.endswith("dataValidation") and not len(parent) and parent.getparent() is not None:
        parent.getparent().remove(parent)


def chart_series(chart: etree._Element, follows: Callable[[str], str]) -> bool:
    """Move a chart's series references; a moved one loses its cached values (no stale picture stays)."""
    changed = False
    for f in chart.iter(f"{{{CHART_NS}}}f"):
        old = f.text or ""
        new = follows(old)
        if new == old:
            continue
        f.text = new
        changed = True
        parent = f.getparent()
        if parent is not None:
            for cache in [c for c in parent if isinstance(c.tag, str) and c.tag.endswith("Cache")]:
                parent.remove(cache)
    return changed


def widen_columns(sheet: etree._Element, ns: str, last: int, new_last: int) -> bool:
    """Columns last+1..new_last take the width (and style) of column ``last``, as the <col> elements give it."""
    if new_last <= last:
        return False
    cols = sheet.find(f"{{{ns}}}cols")
    if cols is None:
        return False
    spans = [(int(c.get("min")), int(c.get("max")), c) for c in cols]
    model = next((c for lo, hi, c in spans if lo <= last <= hi), None)
    if model is None:
        return False
    for lo, hi, element in spans:  # cut the elements that overlap the new columns
        if hi < last + 1 or lo > new_last:
            continue
        cols.remove(element)
        for a, b in ((lo, min(hi, last)), (max(lo, new_last + 1), hi)):
            if a <= b:
                piece = etree.SubElement(cols, element.tag, dict(element.attrib))
                piece.set("min", str(a))
                piece.set("max", str(b))
    added = etree.SubElement(cols, f"{{{ns}}}col", dict(model.attrib))
    added.set("min", str(last + 1))
    added.set("max", str(new_last))
    for element in sorted(cols, key=lambda c: int(c.get("min"))):
        cols.append(element)
    return True
