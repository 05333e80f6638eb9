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

MAX_DECIMALS = 10


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
        decimals: round the free items' values to this many decimals (0 to 10) so that they still sum to
            what is left of ``total`` after the locked items, rounded half away from zero as Excel's ROUND
            (largest-remainder rounding: the items whose shares lost most get the units left over, ties to
            the first); locked items keep their values as given. None: no rounding.

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
        out[free] = rest * (w[free] / weight)  # shares first: rest x 5e-324 would underflow
    elif abs(rest) > 1e-9 * max(1.0, abs(float(total))):
        what = "free item" if free.any() else "item that is not locked"
        raise InputError(f"{rest:g} is left to spread but no {what} has a weight: give a weight or unlock an item")
    if decimals is None:
        return out
    if not 0 <= decimals <= MAX_DECIMALS or int(decimals) != decimals:
        raise InputError(f"decimals must be a whole number from 0 to {MAX_DECIMALS}, not {decimals:g}")
    out[free] = _rounded_keeping_sum(out[free], rest, int(decimals))
    return out


def round_half_away(values: FloatArray | float, decimals: int) -> FloatArray:
    """Rounded as Excel's ROUND does: halves away from zero (2.5 -> 3, -2.5 -> -3), not to the even neighbour."""
    scale = 10.0 ** decimals
    x = np.asarray(values, dtype=float)
    rounded: FloatArray = np.sign(x) * np.floor(np.abs(x) * scale + 0.5) / scale
    return rounded


def _rounded_keeping_sum(values: FloatArray, total: float, decimals: int) -> FloatArray:
    """``values`` (summing to ``total``) rounded to ``decimals`` so that they sum to ``total`` rounded alike:
    every value rounded down, then one step more for the values that lost most (largest remainder; ties to the
    first). The sum of the floors is at most the total and the rounded total at most one step per value above."""
    step = 10.0 ** -decimals
    floors = np.floor(np.round(values / step, 9)) * step  # round(., 9): 0.29999999 / 0.1 is 3, not 2.99...
    missing = int(np.rint((float(round_half_away(total, decimals)) - floors.sum()) / step))
    order = np.argsort(-(values - floors), kind="stable")
    bump = np.zeros(values.size)
    bump[order[:min(max(missing, 0), values.size)]] = step
    return np.round(floors + bump, decimals)
