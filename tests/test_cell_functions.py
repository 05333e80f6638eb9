"""The catalogue of cell functions (xl_sop/workbook/cell_functions.py) against the real functions in sop_udfs.

The template is built from the catalogue alone; these tests are what holds it to
the functions Excel calls: the same names, arguments in the same order with the
same defaults, the same one-line help, the core routine each calls, and the
results the Functions sheet shows for the worked examples.

Off Windows, xlwings' @xw.func and @xw.arg do nothing, so what xlwings would
register is read with its real Windows decorators (xlwings/udfs.py) in a separate
Python: they are plain Python once the three COM modules they import exist, and
COM is never called while decorating or writing the wrappers.
"""

import importlib
import inspect
import json
import subprocess
import sys

import pytest

import sop_udfs
from xl_sop.workbook.cell_functions import BY_NAME, CELL_FUNCTIONS, RANGE
from xl_sop.workbook.examples import FUNCTION_EXAMPLES
from xl_sop.workbook.vba import UDF_MODULE, cell_functions, udf_module

AS_ON_WINDOWS = """
import io, json, sys, types
for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):  # COM, never called below
    sys.modules[name] = types.ModuleType(name)
sys.modules["pythoncom"].CoInitialize = None
sys.modules["win32com.client"].Dispatch = None
import xlwings
from xlwings import udfs
xlwings.func, xlwings.arg = udfs.xlfunc, udfs.xlarg
import sop_udfs
wrappers = io.StringIO()
udfs.generate_vba_wrapper("sop_udfs", sop_udfs, wrappers, types.SimpleNamespace(Name="SOP_Template.xlsm"))
registered = {name: getattr(sop_udfs, name).__xlfunc__["args"] for name in sop_udfs.__all__}
print(json.dumps({"registered": registered, "wrappers": wrappers.getvalue()}))
"""


@pytest.fixture(scope="module")
def as_on_windows() -> dict:
    """What xlwings' Windows decorators record for each cell function, and the wrappers its Import Functions writes."""
    run = subprocess.run([sys.executable, "-c", AS_ON_WINDOWS], capture_output=True, text=True, check=True)
    return json.loads(run.stdout)


def _name(entry) -> str:
    return entry.name


def test_the_catalogue_holds_every_cell_function():
    assert sorted(BY_NAME) == sorted(sop_udfs.__all__)
    assert len(BY_NAME) == len(CELL_FUNCTIONS), "one entry per name"


@pytest.mark.parametrize("entry", CELL_FUNCTIONS, ids=_name)
def test_arguments_in_order_with_their_defaults(entry):
    parameters = inspect.signature(getattr(sop_udfs, entry.name)).parameters
    assert tuple(parameters) == entry.parameter_names
    for p in entry.parameters:
        # Excel passes a left-out argument as a blank, None in Python: an optional argument defaults to it.
        assert parameters[p.name].default is (None if p.optional else inspect.Parameter.empty), p.name


@pytest.mark.parametrize("entry", CELL_FUNCTIONS, ids=_name)
def test_the_docstring_begins_with_the_help_excel_shows(entry):
    """xlwings' own Import Functions describes a function by its docstring; the template by the catalogue."""
    assert inspect.getdoc(getattr(sop_udfs, entry.name)).split("\n")[0] == entry.help


@pytest.mark.parametrize("entry", CELL_FUNCTIONS, ids=_name)
def test_the_routine_named_is_the_one_called(entry):
    module, name = entry.routine.rsplit(".", 1)
    assert callable(getattr(importlib.import_module(module), name)), entry.routine
    assert f"{name}(" in inspect.getsource(inspect.unwrap(getattr(sop_udfs, entry.name)))


@pytest.mark.parametrize("entry", CELL_FUNCTIONS, ids=_name)
def test_xlwings_registers_what_the_catalogue_says(entry, as_on_windows):
    """Help and options of each argument, as Import Functions would register them in Excel."""
    registered = as_on_windows["registered"][entry.name]
    assert [a["name"] for a in registered] == list(entry.parameter_names)
    for arg, p in zip(registered, entry.parameters, strict=True):
        assert arg["doc"] == (p.help or f"Positional argument {arg['pos'] + 1}"), p.name
        assert ("optional" in arg) == p.optional, p.name
        assert arg["options"].get("err_to_str") is True, f"{p.name}: an error cell would arrive as a blank"
        if arg["options"].get("ndim") == 2:
            assert p.kind == RANGE, p.name


def test_the_template_wrappers_are_what_import_functions_writes(as_on_windows):
    """The same VBA as xlwings writes from the real functions, but for the header and the indentation."""
    ours = udf_module(cell_functions()).split("\r\n")
    assert ours[0] == 'Attribute VB_Name = "xlwings_udfs"' and UDF_MODULE == "sop_udfs"
    body = [line.strip() for line in ours[ours.index("") + 1:]]
    assert body == [line.strip() for line in as_on_windows["wrappers"].splitlines()]


def _cell_arguments(example) -> list:
    """The example's arguments as xlwings hands them over: a row of cells as a list of one row, a cell as its value,
    then the literal arguments of the formula."""
    ranges = [[list(values)] if len(values) > 1 else values[0] for values in example.inputs]
    return ranges + [_literal(text) for text in example.extra.split(",")[1:]]


def _literal(text: str):
    text = text.strip()
    if not text:
        return None
    return text.strip('"') if text.startswith('"') else float(text)


def _shown(value) -> str:
    """A result as the Functions sheet writes it: four significant digits, rows separated by " / "."""
    if isinstance(value, list):
        return " / ".join(", ".join(_shown(v) for v in row) for row in value)
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return "" if value is None else str(value)


@pytest.mark.parametrize("example", FUNCTION_EXAMPLES, ids=_name)
def test_the_functions_sheet_shows_what_each_function_returns(example):
    entry = BY_NAME[example.name]
    for values, parameter in zip(example.inputs, entry.parameters, strict=False):  # the optional ones may be left out
        assert len(values) == 1 or parameter.kind == RANGE, f"{example.name}: several cells for {parameter.name}"
    computed = _shown(getattr(sop_udfs, example.name)(*_cell_arguments(example)))
    assert example.result == computed, (f"{example.name} returns {computed!r}: write that as its result in "
                                        "xl_sop/workbook/examples.py and rebuild the template")


def test_the_functions_sheet_shows_every_function():
    assert [e.name for e in FUNCTION_EXAMPLES] == [f.name for f in CELL_FUNCTIONS]
