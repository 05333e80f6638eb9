"""The headless product needs neither xlwings nor the cell functions: xlwings is an extra for Excel users.

A separate Python refuses to import xlwings, sop_udfs and sop_macros (as on a
machine with `pip install xl-sop`, no extras), imports every module of the core,
writes the cell functions' VBA wrappers from the catalogue and runs a step from
the command line on a demo workbook.
"""

import subprocess
import sys
import tomllib

import pytest
from conftest import ROOT

WITHOUT_XLWINGS = """
import importlib, importlib.abc, sys
from pathlib import Path

EXCEL_ONLY = {"xlwings", "sop_udfs", "sop_macros"}

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in EXCEL_ONLY:
            raise ModuleNotFoundError(f"No module named {name!r} (refused by the test)", name=name)

sys.meta_path.insert(0, Refuse())
import xl_sop

root = Path(xl_sop.__file__).parent
for path in sorted(root.rglob("*.py")):
    importlib.import_module(".".join(("xl_sop", *path.relative_to(root).with_suffix("").parts)).removesuffix(".__init__"))

from xl_sop.cli import main
from xl_sop.cycle.demo import fill_demo_book
from xl_sop.errors import SopError
from xl_sop.workbook import vba

assert "Function SOP_FORECAST(history, " in vba.udf_module(vba.cell_functions())
try:
    vba.xlwings_modules()
except SopError as exc:
    assert "xl-sop[build]" in str(exc), exc
else:
    raise AssertionError("xlwings' VBA was found without xlwings")
book = Path(sys.argv[1])
fill_demo_book(book, items=4, months=24).save()
assert main(["run", str(book), "--step", "demand"]) == 0
assert EXCEL_ONLY.isdisjoint(sys.modules), EXCEL_ONLY & set(sys.modules)
print("headless without xlwings")
"""


@pytest.mark.slow  # a cycled workbook or a subprocess: about a second
def test_the_headless_product_runs_without_xlwings(tmp_path):
    run = subprocess.run([sys.executable, "-c", WITHOUT_XLWINGS, str(tmp_path / "Demo.xlsm")],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "headless without xlwings"


def test_xlwings_is_an_extra_pinned_alike_everywhere():
    """The template's VBA names the xlwings DLL of one version (test_workbook_template checks which)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [r for r in project["dependencies"] if r.startswith("xlwings")]
    extras = project["optional-dependencies"]
    pins = {r for requirements in extras.values() for r in requirements if r.startswith("xlwings")}
    assert pins == {"xlwings==0.37.8"}
    assert all("xlwings==0.37.8" in extras[name] for name in ("excel", "build", "test"))
