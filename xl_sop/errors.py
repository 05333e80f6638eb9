"""The product's errors: one base class, a few kinds, and one translation for every boundary.

    SopError                    base of every error xl-sop raises on purpose
    ├── InputError              data a user gave cannot be used (also a ValueError)
    │   ├── ValidationError     the workbook's tables have problems: the list, each with its place
    │   └── ForeignCopyError    a returned copy is of another cycle month or another workbook (Collect Inputs)
    ├── WorkbookError           a sheet, table or column is missing, or the file is not a workbook
    │   ├── UnknownNameError    a sheet, table, step or setting the schema does not know (also a KeyError)
    │   └── WorkbookBusyError   another xl-sop command is working on the workbook (it holds the lock)
    ├── StepOrderError          an earlier step has not run (or there is nothing to undo)
    ├── SolverError             an optimisation has no solution or the solver failed
    ├── FileAccessError         a file or folder cannot be found, read or written (also an OSError)
    ├── ExternalToolError       a program xl-sop calls (LibreOffice) is missing or failed
    ├── Interrupted             the user stopped the command (Ctrl+C)
    └── UnexpectedError         anything else: a bug, reported with its traceback

Library and system errors are translated into these once, at each boundary
(``translate``): a cell shows the message as text, the command line prints it on
one line with an exit code, a ribbon button shows it in a message box. A user
sees a sentence naming the place, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
import traceback
import zipfile
from dataclasses import dataclass
from pathlib import Path


class SopError(Exception):
    """Base of every error xl-sop raises on purpose."""


class InputError(SopError, ValueError):
    """The data a user gave cannot be used as it is (wrong type, shape, range)."""


@dataclass(frozen=True)
class Problem:
    """One problem in the workbook, with its place (row 1 = the first row under the header)."""

    sheet: str
    table: str
    row: int | None
    column: str
    problem: str

    def __str__(self) -> str:
        where = f"{self.sheet} / {self.table}"
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.problem}"


class ValidationError(InputError):
    """The workbook has problems (input tables, missing sheets or columns); the step stopped before writing anything."""

    SHOWN = 20
    """Problems listed in the message; Validate lists them all."""

    def __init__(self, problems: list[Problem], step: str = ""):
        self.problems = problems
        head = f"{step} stopped: " if step else ""
        shown = "\n".join(f"  - {p}" for p in problems[:self.SHOWN])
        more = len(problems) - self.SHOWN
        tail = f"\n  ... and {more} more (press Validate or run xl-sop validate)" if more > 0 else ""
        super().__init__(f"{head}{len(problems)} problem{'s' * (len(problems) != 1)} in the workbook:\n{shown}{tail}")


class ForeignCopyError(InputError):
    """A returned copy given to Collect Inputs does not belong to the master: it was published for another cycle
    month or from another workbook. Nothing was collected."""


class WorkbookError(SopError):
    """The workbook is missing a sheet, table or column that a step needs, or the file is not a workbook."""


class UnknownNameError(WorkbookError, KeyError):
    """A sheet, table, column, step or setting name that the schema does not know.

    Also a KeyError, so that code asking "is this a schema table?" with ``except KeyError`` keeps working.
    """

    def __str__(self) -> str:  # KeyError's own __str__ would show the message in quotes
        return str(self.args[0]) if self.args else ""


class WorkbookBusyError(WorkbookError):
    """Another xl-sop command holds the workbook's lock (xl_sop.workbook.lock); nothing was read or written."""


class StepOrderError(SopError):
    """A step needs the output of an earlier step that has not run (or there is nothing to undo)."""


class SolverError(SopError):
    """An optimisation had no solution (infeasible) or the solver failed."""


class CellError(InputError):
    """A cell does not hold what its place needs (xl_sop.cells): a number, a date.

    The place (a table's row and column, a cell function's argument) is added by
    whoever read the cell: ``table_text`` for a row of a table, ``at`` for the
    n-th value of an argument.
    """

    def __init__(self, value: object, expected: str, described: str, hint: str = ""):
        self.value, self.expected, self.described, self.hint = value, expected, described, hint
        super().__init__(f"{described}" + (f": {hint}" if hint else ""))

    def table_text(self, example: str) -> str:
        """'1,5' is not a number (use a point for decimals ...): the words of a table problem."""
        return f"'{self.value}' is not {self.expected} ({self.hint or 'type ' + example})"

    def at(self, place: str) -> str:
        """history value 2 is text ('abc'), not a number: the words of a cell function's answer."""
        return f"{place} {self}"


class FileAccessError(SopError, OSError):
    """A file or folder cannot be found, read or written."""


class ExternalToolError(SopError):
    """A program that xl-sop calls (LibreOffice) is not installed or failed."""


class Interrupted(SopError):
    """The user stopped the command (Ctrl+C); what was on disk is as it was before."""


class UnexpectedError(SopError):
    """Not raised on purpose: what any other exception becomes at a boundary. A bug to report."""


NOT_A_WORKBOOK = "is not an Excel workbook (.xlsm/.xlsx), or it is damaged"


def translate(exc: BaseException) -> SopError:
    """The product error that ``exc`` means for the user: ours as they are, the others said in words.

    The original stays attached as ``__cause__`` for a traceback (``xl-sop --debug``, the macros' report).
    """
    if isinstance(exc, SopError):
        return exc
    if isinstance(exc, KeyboardInterrupt):
        error: SopError = Interrupted("stopped by the user (Ctrl+C)")
    elif isinstance(exc, OverflowError):  # a float past 1.8e308 met integer or decimal arithmetic
        error = InputError("a number is too large to compute with (are some values too large?)")
    elif isinstance(exc, zipfile.BadZipFile):
        error = WorkbookError(f"the file {NOT_A_WORKBOOK}")
    elif isinstance(exc, OSError):
        error = FileAccessError(_file_problem(exc))
    elif isinstance(exc, subprocess.CalledProcessError):
        error = ExternalToolError(f"{_program(exc.cmd)} failed (exit status {exc.returncode})")
    elif isinstance(exc, subprocess.TimeoutExpired):
        error = ExternalToolError(f"{_program(exc.cmd)} did not finish within {exc.timeout:.3g} s")
    else:
        error = UnexpectedError(f"unexpected error ({type(exc).__name__}: {exc})")
    error.__cause__ = exc
    return error


def about(place: str, exc: BaseException) -> SopError:
    """``exc`` translated, its message starting with ``place`` (a returned copy's file name) unless it names it.

    For errors met while reading one of several files: the user must know which file to look at.
    """
    error = translate(exc)
    if place in str(error):
        return error
    kind = InputError if isinstance(error, InputError) else type(error)  # a problem list, a cell: said as one line
    named = kind(f"{place}: {error}")
    named.__cause__ = error.__cause__ or exc
    return named


def _file_problem(exc: OSError) -> str:
    name = exc.filename if exc.filename is not None else "a file"
    if isinstance(exc, FileNotFoundError):
        return f"{name} does not exist"
    if isinstance(exc, PermissionError):
        return f"no permission to use {name} (is it read-only, or open in another program?)"
    if isinstance(exc, IsADirectoryError):
        return f"{name} is a folder, not a file"
    if isinstance(exc, NotADirectoryError):
        return f"{name}: part of the path is a file, not a folder"
    if isinstance(exc, FileExistsError):
        return f"{name} already exists as a file"
    return f"{name}: {exc.strerror or exc}"


def _program(command: object) -> str:
    first = command[0] if isinstance(command, (list, tuple)) and command else command
    return Path(str(first)).name


def write_report(exc: BaseException, what: str, folder: Path | None = None) -> Path:
    """Write the full traceback of ``exc`` to a new text file (in the temp folder by default); return its path.

    For a failure a user cannot read in a console (a ribbon button): the message says where the report is.
    """
    now = dt.datetime.now()
    folder = Path(folder or tempfile.gettempdir())
    path = folder / f"xl-sop-error-{now:%Y%m%d-%H%M%S-%f}.txt"
    details = "".join(traceback.format_exception(exc))
    path.write_text(f"xl-sop: {what} failed at {now:%Y-%m-%d %H:%M:%S}\n\n{details}", encoding="utf-8")
    return path
