"""The VBA text the builder generates: string literals that compile whatever the help says, names that find their workbook."""

import re

import pytest

from xl_sop.errors import SopError
from xl_sop.workbook import schema, vba
from xl_sop.workbook.cell_functions import CELL, RANGE, CellFunction, Parameter

VBA_LINE_LIMIT = 1023
"""Characters VBA allows on one physical line."""
VBA_CONTINUATION_LIMIT = 24
"""Line continuations (" _") VBA allows in one statement."""


def _literals(line: str) -> list[str]:
    """The string literals of one line of VBA, decoded; a literal left open at the end of the line fails the test."""
    found, i = [], 0
    while i < len(line):
        if line[i] == "'":  # a comment runs to the end of the line
            break
        if line[i] != '"':
            i += 1
            continue
        text, i = [], i + 1
        while True:
            if i >= len(line):
                pytest.fail(f"a string literal is not closed on this line: {line}")
            if line.startswith('""', i):
                text.append('"')
                i += 2
            elif line[i] == '"':
                i += 1
                break
            else:
                text.append(line[i])
                i += 1
        found.append("".join(text))
    return found


def _function(help_text: str = "Help.", argument_help: str = "An argument.") -> CellFunction:
    return CellFunction("SOP_TEST", help_text, "xl_sop.metrics.mase",
                        (Parameter("history", RANGE, argument_help), Parameter("horizon", CELL, optional=True)))


def _macro_options_literals(function: CellFunction) -> list[str]:
    source = vba.ribbon_module([function])
    statement = source[source.index("Application.MacroOptions"):].split("\r\nEnd Sub")[0]
    return [text for line in statement.split("\r\n") for text in _literals(line)]


def test_a_help_text_cut_where_a_quote_stands_still_compiles():
    help_text = "x" * (vba.HELP_LIMIT - 1) + '"quoted" and more'  # the 250th character is a quote
    literals = _macro_options_literals(_function(help_text, argument_help=help_text))
    assert literals == ["SOP_TEST", "S&OP", help_text[:vba.HELP_LIMIT], help_text[:vba.HELP_LIMIT], "horizon"]
    assert literals[2].endswith('"') and len(literals[2]) == vba.HELP_LIMIT


def test_help_texts_are_kept_whole_up_to_the_limit_with_their_quotes():
    literals = _macro_options_literals(_function('Says "yes"\n  or  "no".', 'Café, 5 €'))
    assert literals[2:4] == ['Says "yes" or "no".', "Café, 5 €"]  # one line; Windows-1252 holds é and €


@pytest.mark.parametrize(("function", "named"), [
    (_function(argument_help="Months ≥ 1"), "SOP_TEST argument history: the help text has '≥' (U+2265)"),
    (_function(help_text="Forecast → plan"), "SOP_TEST: the help text has '→' (U+2192)"),
], ids=["argument", "function"])
def test_a_character_windows_1252_cannot_hold_is_refused_naming_where_it_is(function, named):
    with pytest.raises(SopError, match=re.escape(named)):
        vba.ribbon_module([function])


def test_help_is_registered_for_this_workbooks_functions_only():
    source = vba.ribbon_module(vba.cell_functions())
    registered = re.findall(r"Application\.MacroOptions Macro:=(\S+),", source)
    assert registered == [f'Qualified("{f.name}")' for f in vba.cell_functions()]
    qualified = re.search(r"Private Function Qualified\(procedure As String\) As String\r\n(.*?)End Function", source, re.S)
    assert qualified is not None
    # 'Book.xlsm'!SOP_GAP, a quote in the workbook's name doubled, as Excel writes a reference to another workbook.
    assert """Qualified = "'" & Replace(ThisWorkbook.Name, "'", "''") & "'!" & procedure""" in qualified.group(1)


@pytest.mark.parametrize("module", ["udf_module", "ribbon_module"])
def test_every_generated_statement_fits_vba_limits(module):
    source = getattr(vba, module)(vba.cell_functions())
    lines = source.split("\r\n")
    assert max(len(line) for line in lines) <= VBA_LINE_LIMIT
    continuations = 0
    for line in lines:
        _literals(line)
        continuations = continuations + 1 if line.endswith(" _") else 0
        assert continuations <= VBA_CONTINUATION_LIMIT, line


def test_every_button_registers_the_help_first_except_in_a_signed_project():
    source = vba.ribbon_module(vba.cell_functions())
    callbacks = re.findall(r"^Sub (\w+)\(control As IRibbonControl\)\r\n(.*?)\r\nEnd Sub", source, re.M | re.S)
    assert [name for name, _ in callbacks] == [b.id for b in schema.RIBBON_BUTTONS]
    for name, body in callbacks:
        assert body.split("\r\n")[0].strip() == "RegisterFunctionHelpOnce", name
    assert dict(callbacks)[schema.FUNCTION_HELP.id].split("\r\n")[1].strip() == "shFunctions.Activate"
    register = source[source.index("Sub RegisterFunctionHelp()"):]
    assert register.split("\r\n")[4:6] == ["    If ThisWorkbook.VBASigned Then Exit Sub", "    On Error Resume Next"]
