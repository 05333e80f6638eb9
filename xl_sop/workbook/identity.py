"""Which workbook a file is: a random id, so that Collect Inputs takes returned copies of its own workbook only.

`xl-sop new` (and the demo, which starts from it) stamps each new workbook with an id kept as a hidden
workbook-level defined name (``schema.WORKBOOK_ID_NAME``, its value a text constant). A defined name belongs to the
workbook, not to a sheet or a cell: it survives Excel's saves and Save As, any edit of the sheets (rows inserted,
sheets renamed or deleted), and publish, which copies the workbook's names into the values-only copy. Being
hidden, it is not listed in Excel's Name Manager, where it could be deleted or edited by accident.

A workbook made before the id existed has none; it cannot be stamped afterwards (its copies already in
circulation would carry none), so Collect Inputs checks such a master's copies by cycle month only.
"""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path

from lxml import etree

from xl_sop.workbook import schema
from xl_sop.workbook.filebook import parse_part
from xl_sop.workbook.saving import replacing

WORKBOOK_PART = "xl/workbook.xml"
_Q = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_BEFORE_NAMES = ("sheets", "functionGroups", "externalReferences")
"""The elements of the workbook part that come before definedNames (the schema fixes the order)."""


def _named(workbook: etree._Element, defined: str) -> etree._Element | None:
    for name in workbook.iter(f"{_Q}definedName"):
        if (name.get("name") or "").lower() == defined.lower() and name.get("localSheetId") is None:
            return name
    return None


def constant(path: Path, defined: str) -> str | None:
    """The text of the workbook-level defined name ``defined`` of the file at ``path`` (quotes and = taken off), or
    None when it has none."""
    with zipfile.ZipFile(path) as z:
        name = _named(parse_part(z.read(WORKBOOK_PART), WORKBOOK_PART), defined)
    text = (name.text or "").strip() if name is not None else ""
    return text.strip('="') or None


def workbook_id(path: Path) -> str | None:
    """The id the workbook file at ``path`` carries, or None (made before ids, or not made by xl-sop)."""
    return constant(path, schema.WORKBOOK_ID_NAME)


def stamp(path: Path, new_id: str | None = None) -> str:
    """Give the workbook at ``path`` an id (a new one unless ``new_id``; replacing any it has) and return it."""
    new_id = new_id or uuid.uuid4().hex
    set_constant(path, schema.WORKBOOK_ID_NAME, f'"{new_id}"')
    return new_id


def set_constant(path: Path, defined: str, text: str) -> None:
    """Set the hidden workbook-level defined name ``defined`` of the file at ``path`` to ``text`` (a formula constant,
    such as "abc" or 2); every other part is kept as it was."""
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        parts = {info.filename: z.read(info.filename) for info in infos}
    workbook = parse_part(parts[WORKBOOK_PART], WORKBOOK_PART)
    name = _named(workbook, defined)
    if name is None:
        names = workbook.find(f"{_Q}definedNames")
        if names is None:
            names = etree.Element(f"{_Q}definedNames")
            last = max(workbook.index(e) for e in workbook if etree.QName(e).localname in _BEFORE_NAMES)
            workbook.insert(last + 1, names)
        name = etree.SubElement(names, f"{_Q}definedName", name=defined, hidden="1")
    name.text = text
    parts[WORKBOOK_PART] = etree.tostring(workbook, xml_declaration=True, encoding="UTF-8", standalone=True)
    with replacing(path) as temp, zipfile.ZipFile(temp, "w") as out:
        for info in infos:
            out.writestr(info, parts[info.filename], compress_type=info.compress_type)
