"""One error tree, translated once at each boundary: a cell's text, a message box, the command line."""

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from xl_sop import errors
from xl_sop.errors import (
    FileAccessError,
    InputError,
    Interrupted,
    SopError,
    UnexpectedError,
    UnknownNameError,
    WorkbookError,
    translate,
)
from xl_sop.workbook import schema


def raised(action) -> BaseException:
    """The exception a real call raises."""
    try:
        action()
    except BaseException as exc:  # noqa: BLE001 - any kind is what the tests below translate
        return exc
    raise AssertionError("nothing was raised")


# --- the tree -------------------------------------------------------------------------------------

def test_every_error_of_the_tree_lives_in_errors():
    import importlib
    import pkgutil

    import xl_sop

    for module in pkgutil.walk_packages(xl_sop.__path__, "xl_sop."):
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, type) and issubclass(value, BaseException) and value.__module__.startswith("xl_sop"):
                assert value.__module__ == "xl_sop.errors", f"{value.__name__} is defined in {value.__module__}"
    kinds = [value for value in vars(errors).values() if isinstance(value, type) and issubclass(value, BaseException)]
    assert len(kinds) >= 10 and all(issubclass(kind, SopError) for kind in kinds)
    assert issubclass(errors.ValidationError, InputError) and issubclass(InputError, ValueError)
    assert issubclass(FileAccessError, OSError) and issubclass(UnknownNameError, WorkbookError)


def test_a_validation_error_lists_the_first_problems_and_counts_the_rest():
    problems = [errors.Problem("Items", "tblItems", row, "UnitCost", "is blank") for row in range(1, 24)]
    text = str(errors.ValidationError(problems, "Run Forecast"))
    assert text.startswith("Run Forecast stopped: 23 problems in the workbook:\n  - Items / tblItems, row 1, column UnitCost")
    assert text.count("\n  - ") == 20 and text.endswith("... and 3 more (press Validate or run xl-sop validate)")


# --- schema lookups: a workbook error naming what was asked and what exists ----------------------

@pytest.mark.parametrize("lookup, asked, known", [
    (lambda: schema.table("tblNope"), "no table 'tblNope'", "tblItems"),
    (lambda: schema.sheet("7 Party"), "no sheet '7 Party'", "1 Demand"),
    (lambda: schema.step("dance"), "no step 'dance'", "demand, supply"),
    (lambda: schema.table("tblItems").column("Colour"), "table tblItems has no column 'Colour'", "UnitPrice"),
], ids=["table", "sheet", "step", "column"])
def test_an_unknown_schema_name_is_a_workbook_error_that_names_what_exists(lookup, asked, known):
    exc = raised(lookup)
    assert isinstance(exc, WorkbookError) and isinstance(exc, KeyError)  # callers asking "is it known?" still work
    assert str(exc).startswith(asked) and known in str(exc)


# --- translate: library and system errors in words -----------------------------------------------

def test_translate_says_what_a_library_or_system_error_means(tmp_path):
    text_file = tmp_path / "notes.xlsx"
    text_file.write_text("not a workbook")
    cases = [
        (lambda: open(tmp_path / "gone.csv"), FileAccessError, f"{tmp_path / 'gone.csv'} does not exist"),  # noqa: SIM115 - meant to fail
        (lambda: open(tmp_path, "rb"), FileAccessError, f"{tmp_path} is a folder, not a file"),  # noqa: SIM115 - meant to fail
        (lambda: (tmp_path / "notes.xlsx" / "sub").mkdir(), FileAccessError, "part of the path is a file"),
        (lambda: zipfile.ZipFile(text_file), WorkbookError, "the file is not an Excel workbook (.xlsm/.xlsx)"),
        (lambda: subprocess.run([sys.executable, "-c", "raise SystemExit(3)"], check=True),
         errors.ExternalToolError, f"{Path(sys.executable).name} failed (exit status 3)"),
        (lambda: subprocess.run([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5),
         errors.ExternalToolError, "did not finish within 0.5 s"),
        (lambda: {}["tblNope"], UnexpectedError, "unexpected error (KeyError: 'tblNope')"),
    ]
    for action, kind, text in cases:
        exc = raised(action)
        error = translate(exc)
        assert isinstance(error, kind) and text in str(error), (kind, str(error))
        assert error.__cause__ is exc
    ours = InputError("horizon must be between 1 and 120 periods, not 0")
    assert translate(ours) is ours
    assert isinstance(translate(KeyboardInterrupt()), Interrupted)


def test_a_report_holds_the_whole_traceback(tmp_path):
    exc = raised(lambda: 1 / 0)
    report = errors.write_report(exc, "Run Forecast", tmp_path)
    text = report.read_text(encoding="utf-8")
    assert report.parent == tmp_path and text.startswith("xl-sop: Run Forecast failed at ")
    assert "Traceback (most recent call last)" in text and "ZeroDivisionError: division by zero" in text


# --- the ribbon: every failure ends in a message box ---------------------------------------------

class ExcelApp:
    """The few attributes of xlwings' App that the macros' wrapper uses, recording what Excel would show."""

    def __init__(self):
        self.status_bar, self.screen_updating, self.alerts = None, True, []

    def alert(self, prompt, title=None, mode=None):
        self.alerts.append((prompt, title, mode))


class ExcelBook:
    def __init__(self, fullname="MyCycle.xlsm"):
        self.app, self.fullname = ExcelApp(), fullname


@pytest.fixture
def sop_macros(tmp_path, monkeypatch):
    import sop_macros

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # reports go to this test's folder
    return sop_macros


def test_a_button_shows_an_unexpected_error_and_where_its_report_is(sop_macros, tmp_path):
    book = ExcelBook()
    with sop_macros._busy(book, "Balance Supply"):
        {}["tblSupplyPlan"]  # a bug: a real KeyError, not one of ours
    [(text, title, mode)] = book.app.alerts
    assert (title, mode) == ("xl-sop: Balance Supply", "critical")
    first, where = text.split("\n\n")
    assert first == "Balance Supply stopped: unexpected error (KeyError: 'tblSupplyPlan')."
    [report] = tmp_path.glob("xl-sop-error-*.txt")
    assert str(report) in where and "KeyError: 'tblSupplyPlan'" in report.read_text(encoding="utf-8")
    assert book.app.screen_updating and book.app.status_bar == "xl-sop: Balance Supply stopped"


def test_a_button_shows_an_expected_error_as_its_sentence(sop_macros, tmp_path):
    book = ExcelBook()
    with sop_macros._busy(book, "Undo Last Run"):
        raise errors.StepOrderError("there is nothing to undo: no step has run since the last undo")
    with sop_macros._busy(book, "Publish"):
        open(tmp_path / "missing.xlsm", "rb")  # noqa: SIM115 - the open fails: that is the error shown
    texts = [text for text, _title, _mode in book.app.alerts]
    assert texts == ["there is nothing to undo: no step has run since the last undo",
                     f"{tmp_path / 'missing.xlsm'} does not exist"]
    assert not list(tmp_path.glob("xl-sop-error-*.txt"))  # no report for what the user can act on


def test_a_button_on_the_shipped_template_points_to_xl_sop_new(sop_macros):
    from xl_sop.workbook.template import template_path

    book = ExcelBook(str(template_path()))
    ran = []
    with sop_macros._busy(book, "Run Forecast"):
        sop_macros._live(book)  # what every button does first with the open workbook
        ran.append(True)
    [(text, _title, _mode)] = book.app.alerts
    assert not ran and "is the template xl-sop ships" in text and "xl-sop new MyCycle.xlsm" in text


# --- cell functions: the same words as text ------------------------------------------------------

def test_a_cell_function_answers_with_the_translated_text(tmp_path):
    from sop_udfs.shim import cell_function

    def SOP_READ(path):
        return open(path).read()

    def SOP_LOOKUP(name):
        return {"a": 1}[name]

    assert cell_function(SOP_READ)(str(tmp_path / "x.csv")) == f"SOP_READ: {tmp_path / 'x.csv'} does not exist"
    assert cell_function(SOP_LOOKUP)("b") == "SOP_LOOKUP: unexpected error (KeyError: 'b')"
