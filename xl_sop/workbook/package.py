"""Turning the openpyxl output into a macro workbook: content type, ribbon part, VBA project.

Facts this relies on (../shared/notes/excel-packaging.md): Excel refuses an .xlsm
whose workbook part has the plain xlsx content type; a ribbon is
customUI/customUI14.xml referenced from the package relationships; pyopenvba
adds the VBA project and modules (sources with CRLF line endings); the
_VBA_PROJECT stream is written as [MS-OVBA] 2.3.4.1 requires (no performance cache).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from xl_sop.workbook import schema, vba

XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
RIBBON_PART = "customUI/customUI14.xml"
RIBBON_REL_TYPE = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
RIBBON_NS = "http://schemas.microsoft.com/office/2009/07/customui"
VBA_PART = "xl/vbaProject.bin"
# [MS-OVBA] 2.3.4.1 and its example 3.1.1: Reserved1 0x61CC, Version 0xFFFF, Reserved2 0x00, Reserved3 0x0001 and no
# performance cache. Excel runs a cache whose version matches its own instead of the source; 0xFFFF matches none, so
# Excel compiles the modules' source. xlwings' quickstart_standalone.xlsm and EPPlus write these same 7 bytes.
NO_CACHE_VBA_PROJECT = bytes.fromhex("CC61FFFF000100")
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def ribbon_xml() -> str:
    """The S&OP tab: one group per Button.group, one large button per Button, callbacks named by Button.id."""
    groups: dict[str, list[schema.Button]] = {}
    for b in schema.RIBBON_BUTTONS:
        groups.setdefault(b.group, []).append(b)
    lines = [f'<customUI xmlns="{RIBBON_NS}">', "  <ribbon>", "    <tabs>",
             '      <tab id="tabSOP" label="S&amp;OP">']
    for group, buttons in groups.items():
        lines.append(f'        <group id="grp{group}" label="{escape(group)}">')
        for b in buttons:
            lines.append(f'          <button id="btn{b.id}" label="{escape(b.label)}" size="large" imageMso="{b.image}" '
                         f'screentip="{escape(b.screentip)}" onAction="{b.id}"/>')
        lines.append("        </group>")
    lines += ["      </tab>", "    </tabs>", "  </ribbon>", "</customUI>", ""]
    return "\n".join(lines)


def _with_ribbon_relationship(rels: str) -> str:
    if RIBBON_REL_TYPE in rels:
        return rels
    ids = [int(n) for n in re.findall(r'Id="rId(\d+)"', rels)]
    rel = f'<Relationship Id="rId{max(ids, default=0) + 1}" Type="{RIBBON_REL_TYPE}" Target="{RIBBON_PART}"/>'
    return rels.replace("</Relationships>", rel + "</Relationships>")


def _read_package(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def _write_package(dest: Path, parts: dict[str, bytes]) -> None:
    """Entries in a fixed order and with a fixed time, so that a rebuild is byte-identical."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in ["[Content_Types].xml", *sorted(n for n in parts if n != "[Content_Types].xml")]:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, parts[name])


def _repack(source: Path, dest: Path) -> None:
    """Copy the package with the macro content type and the ribbon part."""
    parts = _read_package(source)
    types = parts["[Content_Types].xml"].decode("utf-8")
    if XLSX_MAIN not in types and XLSM_MAIN not in types:
        raise RuntimeError("the workbook part has an unexpected content type")
    parts["[Content_Types].xml"] = types.replace(XLSX_MAIN, XLSM_MAIN).encode("utf-8")
    parts["_rels/.rels"] = _with_ribbon_relationship(parts["_rels/.rels"].decode("utf-8")).encode("utf-8")
    parts[RIBBON_PART] = ribbon_xml().encode("utf-8")
    # openpyxl stamps the save time; a fixed one makes a rebuild byte-identical.
    parts["docProps/core.xml"] = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z",
                                        parts["docProps/core.xml"])
    _write_package(dest, parts)


def without_performance_cache(project: bytes) -> bytes:
    """The compound file ``project`` (a vbaProject.bin) with its _VBA_PROJECT stream as written by a conforming writer.

    pyopenvba keeps the stream's version (0xB5) and zeroes its cache in place; the stream
    shrinks to 7 bytes here, so pyopenvba's compound-file writer lays the file out anew
    (every other stream and directory entry unchanged: tests/test_workbook_vba_project.py).
    """
    from pyopenvba.cfb import CFB

    cfb = CFB.from_bytes(project)
    cfb.write_stream_in_storage("VBA", "_VBA_PROJECT", NO_CACHE_VBA_PROJECT)
    rewritten: bytes = cfb.to_bytes()
    return rewritten


def make_macro_workbook(plain_xlsx: Path, dest: Path) -> None:
    from pyopenvba import ExcelFile
    from pyopenvba.vba import VBAModuleKind

    _repack(Path(plain_xlsx), Path(dest))
    functions = vba.cell_functions()
    with ExcelFile(str(dest)) as book:
        project = book.add_vba_project()
        modules = vba.xlwings_modules()
        project.add_module("xlwings", modules["xlwings"])
        project.add_module("Dictionary", modules["Dictionary"], kind=VBAModuleKind.other)
        project.add_module("xlwings_udfs", vba.udf_module(functions))
        project.add_module("SopRibbon", vba.ribbon_module(functions))
        book.save(str(dest))
    parts = _read_package(Path(dest))
    parts[VBA_PART] = without_performance_cache(parts[VBA_PART])
    _write_package(Path(dest), parts)
