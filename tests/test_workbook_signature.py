"""A workbook IT signed once stays signed: headless commands keep its VBA project and signature parts byte for byte.

Excel checks a signature against the VBA project when it opens the file and drops it when the
project has changed, so a run, a publish, an undo or a collect must leave xl/vbaProject.bin, the
signature parts, their content types and their relationships exactly as they were. The signature
bytes here are dummies: xl-sop never reads them, it must only keep them.
"""

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import TEMPLATE
from grid_typing import grid_value, type_in_grid

from xl_sop.cycle import run_all, undo_last_run
from xl_sop.cycle.collect import collect, open_copies
from xl_sop.cycle.demo import fill_demo_book
from xl_sop.cycle.publish import publish
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.identity import workbook_id
from xl_sop.workbook.package import VBA_PART

pytestmark = pytest.mark.slow

# (part, content type, relationship type from the project) of each kind of signature, as Office writes them.
SIGNATURES = (
    ("xl/vbaProjectSignature.bin", "application/vnd.ms-office.vbaProjectSignature",
     "http://schemas.microsoft.com/office/2006/relationships/vbaProjectSignature"),
    ("xl/vbaProjectSignatureAgile.bin", "application/vnd.ms-office.vbaProjectSignatureAgile",
     "http://schemas.microsoft.com/office/2014/relationships/vbaProjectSignatureAgile"),
    ("xl/vbaProjectSignatureV3.bin", "application/vnd.ms-office.vbaProjectSignatureV3",
     "http://schemas.microsoft.com/office/2020/07/relationships/vbaProjectSignatureV3"),
)
PROJECT_RELS = "xl/_rels/vbaProject.bin.rels"
NOW = pd.Timestamp("2026-11-20 09:00")


def _signed_copy(template: Path, dest: Path) -> Path:
    """``template`` with a signature of each kind: its part, an Override in [Content_Types].xml and a relationship
    from vbaProject.bin's relationships part."""
    with zipfile.ZipFile(template) as z:
        infos, parts = z.infolist(), {i.filename: z.read(i.filename) for i in z.infolist()}
    assert PROJECT_RELS not in parts and not any("Signature" in name for name in parts)
    overrides = "".join(f'<Override PartName="/{part}" ContentType="{kind}"/>' for part, kind, _ in SIGNATURES)
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", overrides.encode() + b"</Types>")
    relationships = "".join(f'<Relationship Id="rId{i}" Type="{rel}" Target="{part.rsplit("/", 1)[1]}"/>'
                            for i, (part, _, rel) in enumerate(SIGNATURES, start=1))
    added = {PROJECT_RELS: ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<Relationships xmlns='
                            '"http://schemas.openxmlformats.org/package/2006/relationships">'
                            f"{relationships}</Relationships>").encode()}
    added |= {part: f"dummy {part} signature ".encode() * 40 for part, _, _ in SIGNATURES}
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for info in infos:
            out.writestr(info, parts[info.filename])
        for name, data in added.items():
            out.writestr(name, data)
    return dest


def _signature(path: Path) -> dict[str, object]:
    """The project and its signature parts, their content types and relationships, as stored."""
    with zipfile.ZipFile(path) as z:
        kept = {name: z.read(name) for name in (VBA_PART, PROJECT_RELS, *(part for part, _, _ in SIGNATURES))}
        types = z.read("[Content_Types].xml").decode()
        workbook_rels = z.read("xl/_rels/workbook.xml.rels").decode()
    # The project's own through the .bin extension (the template's Default), each signature's through an Override.
    kept["content types"] = sorted(re.findall(r'<Default Extension="bin"[^>]*/>|<Override PartName="/xl/vbaProject[^"]*"[^>]*/>',
                                              types))
    kept["relationship to the project"] = re.findall(r'<Relationship [^>]*Target="vbaProject\.bin"[^>]*/>', workbook_rels)
    return kept


def test_a_signed_workbook_keeps_its_signature_through_run_publish_undo_and_collect(tmp_path):
    signed = _signed_copy(TEMPLATE, tmp_path / "Signed.xlsm")
    signature = _signature(signed)
    assert len(signature["content types"]) == 4 and len(signature["relationship to the project"]) == 1

    master = tmp_path / "Master.xlsm"
    fill_demo_book(master, items=3, template=signed).save()
    assert _signature(master) == signature, "pasting the data"

    book = FileBook(master)
    run_all(book, now=NOW)
    book.save()
    assert _signature(master) == signature, "running every step"

    before = master.read_bytes()
    publish(master, tmp_path / "published", pdf=False)
    assert master.read_bytes() == before, "publishing reads the master, never writes it"

    book = FileBook(master)
    undo_last_run(book, now=NOW)
    book.save()
    assert _signature(master) == signature, "undoing the last step"

    returned = tmp_path / "returned" / "Sales.xlsm"
    returned.parent.mkdir()
    returned.write_bytes(master.read_bytes())
    copy = FileBook(returned)
    first = copy.read_table("tblDemandPlan").iloc[0]
    typed = (first["Family"], first["Item"], "Sales adj.", first["Month"])
    type_in_grid(copy, {typed: 25})
    copy.save()
    book = FileBook(master)
    assert collect(book, open_copies([returned]), master_id=workbook_id(master)).applied == 1
    book.save()
    assert grid_value(FileBook(master), *typed) == 25
    assert _signature(master) == signature, "collecting a returned copy"
