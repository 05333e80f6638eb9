"""The template file: built from code, well formed, its VBA and ribbon consistent with the Python they call."""

import inspect
import re
import zipfile

import pandas as pd
import pytest
from conftest import ROOT, SNAPSHOT, TEMPLATE, calculation
from lxml import etree
from openpyxl.utils.cell import range_boundaries

import sop_udfs
from xl_sop.cycle.grids import header_month
from xl_sop.workbook import schema
from xl_sop.workbook.render import page_texts, to_pdf
from xl_sop.workbook.snapshot import snapshot, vba_modules
from xl_sop.workbook.vba import VBA_KEYWORDS


def test_a_rebuild_matches_the_committed_template(built_template):
    golden = SNAPSHOT.read_text(encoding="utf-8")
    rebuilt = snapshot(built_template)
    if rebuilt != golden:
        first = next(i for i, (a, b) in enumerate(zip(rebuilt.splitlines(), golden.splitlines(), strict=False)) if a != b)
        pytest.fail(f"rebuild differs from {SNAPSHOT.name} at line {first + 1}:\n  built:     {rebuilt.splitlines()[first]}\n"
                    f"  committed: {golden.splitlines()[first]}\nrun: xl-sop build-template --snapshot {SNAPSHOT}")
    assert snapshot(TEMPLATE) == golden, "workbook/SOP_Template.xlsm is not the file its snapshot describes: rebuild it"


def test_the_package_is_well_formed():
    with zipfile.ZipFile(TEMPLATE) as z:
        names = set(z.namelist())
        types = etree.fromstring(z.read("[Content_Types].xml"))
        overrides = {o.get("PartName"): o.get("ContentType") for o in types}
        assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
        assert overrides.get("/xl/vbaProject.bin") == "application/vnd.ms-office.vbaProject" or any(
            d.get("Extension") == "bin" and "vbaProject" in d.get("ContentType", "") for d in types)
        for rels_name in (n for n in names if n.endswith(".rels")):
            base = rels_name.replace("_rels/", "").removesuffix(".rels")
            folder = base.rsplit("/", 1)[0] + "/" if "/" in base else ""
            for rel in etree.fromstring(z.read(rels_name)):
                if rel.get("TargetMode") == "External":
                    continue
                target = rel.get("Target")
                path = target.lstrip("/") if target.startswith("/") else _normalise(folder + target)
                assert path in names, f"{rels_name} points to a missing part {target}"
        ribbon_rel = [r for r in etree.fromstring(z.read("_rels/.rels")) if r.get("Type").endswith("/ui/extensibility")]
        assert [r.get("Target") for r in ribbon_rel] == ["customUI/customUI14.xml"]
        ribbon = etree.fromstring(z.read("customUI/customUI14.xml"))
        assert ribbon.tag == "{http://schemas.microsoft.com/office/2009/07/customui}customUI"


def _normalise(path: str) -> str:
    parts = []
    for p in path.split("/"):
        if p == "..":
            parts.pop()
        elif p and p != ".":
            parts.append(p)
    return "/".join(parts)


@pytest.fixture(scope="module")
def modules():
    return vba_modules(TEMPLATE)


def test_every_vba_module_is_present(modules):
    expected = {"ThisWorkbook", "xlwings", "Dictionary", "xlwings_udfs", "SopRibbon"} | {s.code_name for s in schema.SHEETS}
    assert expected <= set(modules)
    assert 'Const XLPyDLLName As String = "xlwings64-0.37.8.dll"' in modules["xlwings"], \
        "xlwings VBA must match the pinned xlwings"
    assert not _code_of(modules["ThisWorkbook"]), "nothing runs by itself when the workbook opens"


def _code_of(source: str) -> list[str]:
    return [line for line in source.splitlines() if line.strip() and not line.startswith("Attribute VB_")]


def test_every_ribbon_button_has_its_callback(modules):
    with zipfile.ZipFile(TEMPLATE) as z:
        ribbon = etree.fromstring(z.read("customUI/customUI14.xml"))
    actions = [b.get("onAction") for b in ribbon.iter("{*}button")]
    assert actions == [b.id for b in schema.RIBBON_BUTTONS]
    subs = re.findall(r"^Sub (\w+)\(control As IRibbonControl\)", modules["SopRibbon"], re.M)
    assert subs == actions
    targets = re.findall(r'RunPython "import sop_macros; sop_macros\.(\w+)\(\)"', modules["SopRibbon"])
    assert targets == [b.macro for b in schema.BUTTONS]
    assert "'" not in "".join(re.findall(r'RunPython "([^"]*)"', modules["SopRibbon"])), "RunPython commands use no quotes"


def test_every_ribbon_image_is_one_of_excels_control_ids():
    """A button whose imageMso Excel does not know shows no picture; Microsoft publishes the ids Excel knows."""
    lines = (ROOT / "tests" / "data" / "excel_control_ids.txt").read_text(encoding="utf-8").splitlines()
    excel_ids = {line for line in lines if line and not line.startswith("#")}
    with zipfile.ZipFile(TEMPLATE) as z:
        ribbon = etree.fromstring(z.read("customUI/customUI14.xml"))
    images = {b.get("id"): b.get("imageMso") for b in ribbon.iter("{*}button")}
    assert list(images.values()) == [b.image for b in schema.RIBBON_BUTTONS]
    assert {button: image for button, image in images.items() if image not in excel_ids} == {}


def test_every_runpython_target_is_a_function_in_sop_macros(modules):
    import inspect

    import sop_macros

    targets = re.findall(r'RunPython "([^"]*)"', modules["SopRibbon"])
    # Every RunPython command is fixed text: no cell value can reach the Python it runs.
    assert all(re.fullmatch(r"import sop_macros; sop_macros\.\w+\(\)", t) for t in targets)
    for name in (re.search(r"sop_macros\.(\w+)", t).group(1) for t in targets):
        function = getattr(sop_macros, name, None)
        assert inspect.isfunction(function) and function.__module__ == "sop_macros", name
        assert not inspect.signature(function).parameters, name  # RunPython calls it with no arguments


def test_every_udf_wrapper_matches_its_python_function(modules):
    declared = re.findall(r"^Function (\w+)\(([^)]*)\)", modules["xlwings_udfs"], re.M)
    assert sorted(name for name, _ in declared) == sorted(sop_udfs.__all__)
    for name, params in declared:
        signature = inspect.signature(getattr(sop_udfs, name))
        vba = [p.strip() for p in params.split(",") if p.strip()]
        python = [("Optional " if p.default is not inspect.Parameter.empty else "") + p.name
                  for p in signature.parameters.values()]
        assert vba == python, name
        assert f'XLPy.CallUDF("sop_udfs", "{name}", Array({", ".join(signature.parameters)})' in modules["xlwings_udfs"]


def test_vba_names_are_legal():
    address_like = re.compile(r"^[A-Za-z]{1,3}[0-9]+$")
    names = list(sop_udfs.__all__) + [p for n in sop_udfs.__all__ for p in inspect.signature(getattr(sop_udfs, n)).parameters]
    names += [b.id for b in schema.RIBBON_BUTTONS] + [s.code_name for s in schema.SHEETS]
    for name in names:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,30}", name), name
        assert name.lower() not in VBA_KEYWORDS, f"{name} is a VBA keyword"
        assert not address_like.match(name), f"{name} looks like a cell address"


def test_the_schema_is_consistent():
    names = [t.name for t in schema.TABLES]
    assert len(names) == len(set(n.lower() for n in names))
    sheets = {s.name for s in schema.SHEETS}
    assert all(t.sheet in sheets for t in schema.TABLES)
    assert {b.macro for b in schema.BUTTONS}.isdisjoint({"", None})
    for t in schema.TABLES:
        for c in t.columns:
            if c.formula:
                used = re.findall(r"\{(\w+)\}", c.formula)
                assert set(used) <= set(t.column_names), (t.name, c.name)


def test_tables_inputs_and_formulas_in_the_built_workbook(built_template):
    from openpyxl import load_workbook

    wb = load_workbook(built_template)
    for t in schema.TABLES:
        ws = wb[t.sheet]
        assert t.name in ws.tables, t.name
        row, col = schema.table_origin(t)
        assert [ws.cell(row=row, column=col + j).value for j in range(len(t.columns))] == t.column_names
        if t.grid:  # then a column per month of the template's cycle, and the table covers them
            _, _, last, _ = range_boundaries(ws.tables[t.name].ref)
            months = [header_month(ws.cell(row=row, column=c).value) for c in range(col + len(t.columns), last + 1)]
            assert months and None not in months, t.name
            assert pd.Timestamp(schema.SETTINGS[0][1]) in months, t.name  # the cycle month
    demand = schema.table("tblDemandPlan")
    row, col = schema.table_origin(demand)
    assert demand.sheet == "Demand Detail" and not any(c.input for c in demand.columns)  # output only: typed on 1 Demand
    consensus = wb[demand.sheet].cell(row=row + 1, column=col + demand.column_names.index("Consensus")).value
    assert consensus == "=MAX(0,D6+N(H6)+N(I6)+N(J6))"  # Statistical + Events + SalesAdj + MarketingAdj
    grid = schema.table("tblDemandView")
    assert [c.name for c in grid.columns if c.input] == ["Lock"]  # the typed month cells: test_grid_tables
    conf = wb["xlwings.conf"]
    rows = [(conf.cell(row=i, column=1).value, conf.cell(row=i, column=2).value) for i in range(1, 5)]
    assert rows == list(schema.XLWINGS_CONF)
    assert conf["A5"].value is None, "xlwings reads keys down to the first blank row"
    assert all(k != "LICENSE_KEY" for k, _ in schema.XLWINGS_CONF)


def test_the_template_asks_for_no_full_calculation_on_load(built_template):
    """Its formulas hold no results, and its engine id, older than any Excel, has Excel calculate them as it opens
    the file; fullCalcOnLoad would do it again on every open until the workbook is saved, =SOP_ cells included."""
    for path in (TEMPLATE, built_template):
        assert calculation(path) == {"calcId": schema.UNCALCULATED_ENGINE}, path


@pytest.mark.libreoffice
def test_libreoffice_opens_and_renders_every_sheet(soffice, tmp_path):
    pdf = to_pdf(TEMPLATE, tmp_path)
    text = "".join(page_texts(pdf))
    for sheet in schema.SHEETS:
        if sheet.title:
            assert sheet.title in text, f"sheet {sheet.name} did not render"
    assert "Revenue against budget" in text or "Plan revenue" in text
