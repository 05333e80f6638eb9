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
