"""A readable text snapshot of a built workbook, for reviews and the rebuild test.

Sheets, tables, defined names, formulas, data validation, conditional formats,
charts, the package's content type, relationships and calculation properties, the
ribbon XML and the VBA modules (name and SHA-256 of the code, read back by oletools) - what a
reviewer needs to see change, and nothing that varies between two builds.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path


def vba_modules(path: Path) -> dict[str, str]:
    """Module name -> source, read back independently of the writer (oletools' olevba)."""
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(path))
    try:
        return {name.rsplit(".", 1)[0]: code for _f, _s, name, code in parser.extract_macros()}
    finally:
        parser.close()


def snapshot(path: Path) -> str:
    from openpyxl import load_workbook

    path = Path(path)
    lines = []
    with zipfile.ZipFile(path) as z:
        types = z.read("[Content_Types].xml").decode()
        main = "macroEnabled" if "macroEnabled.main+xml" in types else "plain xlsx"
        vba = "present" if "xl/vbaProject.bin" in z.namelist() else "MISSING"
        lines.append(f"package: workbook content type {main}; vbaProject.bin {vba}")
        rels = z.read("_rels/.rels").decode()
        lines.append(f"package: ribbon relationship {'present' if 'ui/extensibility' in rels else 'MISSING'}")
        calc = re.search(r"<(?:\w+:)?calcPr\b([^>]*?)/?>", z.read("xl/workbook.xml").decode())
        lines.append(f"package: calculation{calc.group(1) if calc else ' (no calcPr)'}")
        if "customUI/customUI14.xml" in z.namelist():
            lines.append("ribbon:")
            lines += ["  " + line for line in z.read("customUI/customUI14.xml").decode().splitlines()]
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        lines.append(f"charts: {len(charts)}")
    wb = load_workbook(path, keep_vba=True)
    for ws in wb.worksheets:
        lines.append(f"sheet {ws.title!r} codeName={ws.sheet_properties.codeName} state={ws.sheet_state} "
                     f"freeze={ws.freeze_panes} charts={len(ws._charts)}")
        for table in sorted(ws.tables.values(), key=lambda t: t.displayName):
            cols = [c.name for c in table.tableColumns]
            lines.append(f"  table {table.displayName} {table.ref}: {', '.join(cols)}")
        for dv in ws.data_validations.dataValidation:
            lines.append(f"  validation {dv.sqref} {dv.type} {dv.operator} {dv.formula1} {dv.formula2}")
        for rng, rules in sorted(((str(cf.sqref), cf.rules) for cf in ws.conditional_formatting), key=lambda x: x[0]):
            for rule in rules:
                lines.append(f"  conditional {rng} {rule.type} {rule.formula}")
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                text = getattr(v, "text", v)
                if isinstance(text, str) and text.startswith("="):
                    ref = f" array {v.ref}" if hasattr(v, "ref") else ""
                    lines.append(f"  formula {cell.coordinate}{ref}: {text}")
    for name, dn in sorted(wb.defined_names.items()):
        lines.append(f"name {name} = {dn.attr_text}")
    for name, code in sorted(vba_modules(path).items()):
        digest = hashlib.sha256("\n".join(code.splitlines()).encode()).hexdigest()[:16]
        lines.append(f"vba {name}: {len(code.splitlines())} lines, sha256 {digest}")
    return "\n".join(lines) + "\n"
