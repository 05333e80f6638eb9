"""The catalogue of cell functions (xl_sop/workbook/cell_functions.py) against the real functions in sop_udfs.

The template is built from the catalogue alone; these tests are what holds it to
the functions Excel calls: the same names, arguments in the same order with the
same defaults, the same one-line help, the core routine each calls, and the
results the Functions sheet shows for the worked examples.
"""

import importlib
import inspect

import pytest
import sop_udfs

from xl_sop.workbook.cell_functions import BY_NAME, CELL_FUNCTIONS, RANGE
from xl_sop.workbook.examples import FUNCTION_EXAMPLES


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
    for values, parameter in zip(example.inputs, entry.parameters):
        assert len(values) == 1 or parameter.kind == RANGE, f"{example.name}: several cells for {parameter.name}"
    computed = _shown(getattr(sop_udfs, example.name)(*_cell_arguments(example)))
    assert example.result == computed, (f"{example.name} returns {computed!r}: write that as its result in "
                                        "xl_sop/workbook/examples.py and rebuild the template")


def test_the_functions_sheet_shows_every_function():
    assert [e.name for e in FUNCTION_EXAMPLES] == [f.name for f in CELL_FUNCTIONS]
