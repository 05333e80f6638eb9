"""The product's errors: one base class, a few kinds.

Library errors (numpy, scipy, openpyxl...) are translated into these at the
boundary so that a user sees a sentence naming the place, never a traceback.
"""

from __future__ import annotations


class SopError(Exception):
    """Base of every error xl-sop raises on purpose."""


class InputError(SopError, ValueError):
    """The data a user gave cannot be used as it is (wrong type, shape, range)."""


class WorkbookError(SopError):
    """The workbook is missing a sheet, table or column that a step needs."""


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


class StepOrderError(SopError):
    """A step needs the output of an earlier step that has not run."""
