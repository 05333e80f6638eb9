"""The planning cell functions: thin shims over xl_sop.hierarchy (families above items)."""

from __future__ import annotations

import xlwings as xw

from sop_udfs.described import described
from sop_udfs.ranges import clean, columns_out, number, vector, whole_number
from sop_udfs.shim import cell_function
from xl_sop.errors import InputError
from xl_sop.forecast.prepare import to_float_array
from xl_sop.hierarchy import spread


@xw.func
@xw.arg("weights", ndim=2)
@xw.arg("locked", ndim=2)
@described
@cell_function
def SOP_SPREAD(total, weights, locked=None, decimals=None):
    """Spread a family total over its items by weights, keeping locked items; see xl_sop.hierarchy.spread."""
    cells, orientation = vector(weights, "weights")
    w = to_float_array(cells, "weights")
    w[w != w] = 0.0  # a blank weight: no share
    fixed = None
    if locked is not None:
        fixed_cells, _ = vector(locked, "locked")
        if len(fixed_cells) != len(cells):
            raise InputError(f"weights has {len(cells)} cells but locked has {len(fixed_cells)}: give ranges of equal length")
        fixed = to_float_array(fixed_cells, "locked")
    amount = number(total, "total")
    if amount is None:
        raise InputError("total is blank: give the figure to spread")
    result = spread(amount, w, fixed, whole_number(decimals, "decimals", None))
    return columns_out([[clean(v) for v in result]], orientation)
