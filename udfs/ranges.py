"""What xlwings hands a cell function, turned into plain Python, and back.

A range argument arrives as a scalar (one cell), a 1-D list (one row or one
column with xlwings' default conversion) or a 2-D list of rows (with ndim=2);
blank cells are None. Results go back as 2-D lists, which Excel 365 spills.
"""

from __future__ import annotations

from xl_sop import cells
from xl_sop.errors import CellError, InputError

COLUMN, ROW = "column", "row"


def vector(value, name: str) -> tuple[list, str]:
    """A one-dimensional list of cell values and the orientation of the range.

    A single cell counts as a column. A block of several rows and several
    columns is refused: which way would time run?
    """
    if not isinstance(value, (list, tuple)):
        return [value], COLUMN
    if not value:
        return [], COLUMN
    if not isinstance(value[0], (list, tuple)):
        return list(value), COLUMN
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in value]
    if len(rows) == 1:
        return rows[0], (ROW if len(rows[0]) > 1 else COLUMN)
    if all(len(r) == 1 for r in rows):
        return [r[0] for r in rows], COLUMN
    raise InputError(f"{name} must be one row or one column, not a block of {len(rows)} x {len(rows[0])} cells")


def scalar(value, name: str, default=None):
    """One value from a cell (a 1x1 range may arrive as a list)."""
    while isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise InputError(f"{name} must be a single cell")
        value = value[0]
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    return value


def number(value, name: str, default=None, *, percent: bool = False):
    """One number from a cell, read by xl_sop.cells; ``default`` when blank.

    percent: the argument is a share or a level, so '95%' is 0.95; a quantity refuses a % sign ('+5%' of units).
    """
    v = scalar(value, name, default)
    if v is None or v is default:
        return v
    try:
        return cells.number(v, percent=percent)
    except CellError as exc:
        raise InputError(exc.at(name)) from None


def whole_number(value, name: str, default=None):
    v = number(value, name, default)
    if v is None or v is default:
        return v
    if not float(v).is_integer():
        raise InputError(f"{name} must be a whole number, not {v:g}")
    return int(v)


def columns_out(columns: list[list], orientation: str) -> list[list]:
    """Several output series as a 2-D list laid out like the input range."""
    if orientation == ROW:
        return [list(c) for c in columns]
    return [list(r) for r in zip(*columns, strict=True)]  # series of the same periods


def clean(value):
    """A cell-safe Python value (numpy scalars and NaN do not reach Excel)."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    return None if f != f else f
