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


def _id_name(workbook: etree._Element) -> etree._Element | None:
    for name in workbook.iter(f"{_Q}definedName"):
        if (name.get("name") or "").lower() == schema.WORKBOOK_ID_NAME.lower() and name.get("localSheetId") is None:
            return name
    return None


def workbook_id(path: Path) -> str | None:
    """The id the workbook file at ``path`` carries, or None (made before ids, or not made by xl-sop)."""
    with zipfile.ZipFile(path) as z:
        name = _id_name(parse_part(z.read(WORKBOOK_PART), WORKBOOK_PART))
    text = (name.text or "").strip() if name is not None else ""
    return text.strip('="') or None


def stamp(path: Path) -> str:
    """Give the workbook at ``path`` a new id (replacing any it has) and return it; every other part is kept as it was."""
    new_id = uuid.uuid4().hex
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        parts = {info.filename: z.read(info.filename) for info in infos}
    workbook = parse_part(parts[WORKBOOK_PART], WORKBOOK_PART)
    name = _id_name(workbook)
    if name is None:
        names = workbook.find(f"{_Q}definedNames")
        if names is None:
            names = etree.Element(f"{_Q}definedNames")
            last = max(workbook.index(e) for e in workbook if etree.QName(e).localname in _BEFORE_NAMES)
            workbook.insert(last + 1, names)
        name = etree.SubElement(names, f"{_Q}definedName", name=schema.WORKBOOK_ID_NAME, hidden="1")
    name.text = f'"{new_id}"'
    parts[WORKBOOK_PART] = etree.tostring(workbook, xml_declaration=True, encoding="UTF-8", standalone=True)
    with replacing(path) as temp, zipfile.ZipFile(temp, "w") as out:
        for info in infos:
            out.writestr(info, parts[info.filename], compress_type=info.compress_type)
    return new_id
