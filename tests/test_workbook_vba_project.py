"""The VBA project as [MS-OVBA] asks a writer to store it, read back with olefile and oletools (not the writer)."""

import io
import re
import zipfile
from pathlib import Path

import olefile
import xlwings
from conftest import TEMPLATE

from xl_sop.workbook import vba
from xl_sop.workbook.package import NO_CACHE_VBA_PROJECT, VBA_PART, without_performance_cache
from xl_sop.workbook.snapshot import vba_modules

# Written by Excel, with a 3,390-byte performance cache under version 0xB5: what the rewrite must cope with.
EXCEL_MADE = Path(xlwings.__file__).parent / "quickstart.xlsm"


def _compound_file(project: bytes) -> olefile.OleFileIO:
    # DEFECT_INCORRECT: a compound file that breaks [MS-CFB] anywhere raises instead of being read leniently.
    return olefile.OleFileIO(io.BytesIO(project), raise_defects=olefile.DEFECT_INCORRECT)


def _entries(project: bytes) -> dict[str, tuple]:
    """Every stream's bytes and every storage's class id and times, by path."""
    ole = _compound_file(project)
    streams = {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}
    storages = {"/".join(path): (ole.getclsid(path), ole.getctime(path), ole.getmtime(path))
                for path in ole.listdir(streams=False, storages=True)}
    return {"root": (ole.root.clsid,), **streams, **storages}


def _vba_project_stream(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return _compound_file(z.read(VBA_PART)).openstream("VBA/_VBA_PROJECT").read()


def test_the_template_writes_the_seven_byte_vba_project_stream():
    assert _vba_project_stream(TEMPLATE) == bytes.fromhex("CC 61 FF FF 00 01 00")


def test_a_rebuild_writes_it_too(built_template):
    assert _vba_project_stream(built_template) == bytes.fromhex("CC 61 FF FF 00 01 00")


def test_the_rewrite_changes_that_stream_only():
    with zipfile.ZipFile(EXCEL_MADE) as z:
        before = z.read(VBA_PART)
    after = without_performance_cache(before)
    old, new = _entries(before), _entries(after)
    assert len(old["VBA/_VBA_PROJECT"]) > 7 and new["VBA/_VBA_PROJECT"] == NO_CACHE_VBA_PROJECT
    assert {k: v for k, v in new.items() if k != "VBA/_VBA_PROJECT"} == {k: v for k, v in old.items() if k != "VBA/_VBA_PROJECT"}
    assert without_performance_cache(after) == after


def _code(source: str) -> list[str]:
    """The lines a programmer wrote: no class header (VERSION ... END) and no Attribute lines, which the writer moves."""
    source = re.sub(r"\AVERSION 1\.0 CLASS\r\nBEGIN\r\n.*?\r\nEND\r\n", "", source, flags=re.S)
    lines = [line for line in source.splitlines() if not line.startswith("Attribute VB_")]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def test_olevba_reads_back_every_module_as_generated():
    functions = vba.cell_functions()
    generated = {**vba.xlwings_modules(), "xlwings_udfs": vba.udf_module(functions),
                 "SopRibbon": vba.ribbon_module(functions)}
    read_back = vba_modules(TEMPLATE)
    for name, source in generated.items():
        assert _code(source), name
        assert _code(read_back[name]) == _code(source), name
