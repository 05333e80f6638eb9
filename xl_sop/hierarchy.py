"""Families above items: a family figure spread down to its items, item figures summed up.

A planner adjusts a family ("Beverages +5% in Q1" as units); the plan is kept per
item. ``spread`` is the one routine that splits a family figure over its items
(the =SOP_SPREAD cell function is that routine on one family); a family's figure
is the sum of its items'. Words as in docs/nomenclature.md (family, locked).
"""

from __future__ import annotations

import numpy as np

from xl_sop.errors import InputError
from xl_sop.forecast.base import FloatArray


def spread(total: float, weights: FloatArray, locked: FloatArray | None = None,
           decimals: int | None = None) -> FloatArray:
    """Split ``total`` over items in proportion to ``weights``, keeping locked items at their values.

    Formula: with L the locked items (``locked`` holds a number) and F the free ones (NaN),
        x_i = locked_i                                    for i in L
        x_i = (total - sum_L locked) x w_i / sum_F w_j    for i in F
    so that sum x = total. An item with weight 0 gets 0 (no forecast, no share).

    Parameters:
        total: the family figure to split [units; any sign: an adjustment of -500 spreads too].
        weights: one per item, zero or more [any unit: statistical forecast, history, or 1 for equal].
        locked: one per item; a number keeps that item at it, NaN leaves it free. None: all free.
        decimals: round the result to this many decimals so that it still sums to ``total`` rounded
            the same way (largest-remainder rounding: the items whose shares lost most get the units
            left over, ties to the first); None: no rounding.

    Raises InputError when weights are negative or not finite, when lengths differ, or when there
    is something to spread but no free item with a weight to take it.
    """
    w = np.asarray(weights, dtype=float)
    lock = np.full(w.shape, np.nan) if locked is None else np.asarray(locked, dtype=float)
    if lock.shape != w.shape:
        raise InputError(f"weights has {w.size} values but locked has {lock.size}: give ranges of equal length")
    if not np.isfinite(total):
        raise InputError("total must be a finite number")
    free = np.isnan(lock)
    if np.any(~np.isfinite(w[free])) or np.any(w[free] < 0):
        raise InputError("weights must be numbers of zero or more (a blank weight counts as 0)")
    out = np.where(free, 0.0, lock)
    rest = float(total) - float(out[~free].sum())
    weight = float(w[free].sum())
    if weight > 0:
        out[free] = rest * w[free] / weight
    elif abs(rest) > 1e-9 * max(1.0, abs(float(total))):
        what = "free item" if free.any() else "item that is not locked"
        raise InputError(f"{rest:g} is left to spread but no {what} has a weight: give a weight or unlock an item")
    if decimals is None:
        return out
    return _rounded_keeping_sum(out, free, float(total), int(decimals))


def _rounded_keeping_sum(values: FloatArray, free: np.ndarray, total: float, decimals: int) -> FloatArray:
    """Round the free values to ``decimals`` so that everything sums to ``total`` rounded alike."""
    step = 10.0 ** -decimals
    out = np.round(values, decimals)
    if not free.any():
        return out
    floors = np.floor(values[free] / step) * step
    target = round(total, decimals) - float(out[~free].sum())
    missing = int(round((target - floors.sum()) / step))
    order = np.argsort(-(values[free] - floors), kind="stable")  # largest remainder first, ties to the first
    bump = np.zeros(floors.size)
    bump[order[:max(0, min(missing, floors.size))]] = step
    out[free] = np.round(floors + bump, decimals)
    return out
