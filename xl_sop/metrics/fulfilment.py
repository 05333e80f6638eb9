"""Customer-facing metrics: service level, on-time delivery, OTIF, backorder rate."""

from __future__ import annotations

import datetime as dt

import numpy as np

from xl_sop.errors import InputError
from xl_sop.forecast.prepare import flatten
from xl_sop.metrics._inputs import aligned, choice, dates, nonempty, ratio, values


def service_level(ordered, shipped, basis: str = "unit", order_ids=None) -> float:
    """Customer service level (fill rate) of order lines.

    - unit (default): sum min(shipped, ordered) / sum ordered (shipping more
      than ordered does not make up for another line's shortage);
    - line: share of lines with shipped >= ordered;
    - order: share of distinct order ids all of whose lines have shipped >= ordered
      (needs order_ids, one per line).

    Lines where ordered or shipped is blank are skipped.
    """
    basis = choice(basis, ("unit", "line", "order"), "basis")
    if basis == "order":
        if order_ids is None:
            raise InputError("basis 'order' needs order_ids (one order number per line)")
        ids = flatten(order_ids)
        o, s = values(ordered, "ordered"), values(shipped, "shipped")
        if not (o.size == s.size == len(ids)):
            raise InputError(f"ordered has {o.size} values, shipped {s.size} and order_ids {len(ids)}: give ranges of equal length")
        complete: dict = {}
        for oid, oq, sq in zip(ids, o, s):
            if oid is None or np.isnan(oq) or np.isnan(sq):
                continue
            complete[oid] = complete.get(oid, True) and bool(sq >= oq)
        if not complete:
            raise InputError("nothing to measure: no order lines with an order id, ordered and shipped")
        return sum(complete.values()) / len(complete)
    o, s = aligned(("ordered", ordered), ("shipped", shipped))
    nonempty(o, "order lines with ordered and shipped")
    if basis == "line":
        return float(np.mean(s >= o))
    return ratio(float(np.sum(np.minimum(s, o))), float(np.sum(o)), "the total ordered")


def _on_time_flags(promised, delivered, tolerance_days, as_of):
    """True (on time), False (late) or None (not yet due) per order; blanks promised skipped."""
    p, d = dates(promised, "promised"), dates(delivered, "delivered")
    if len(p) != len(d):
        raise InputError(f"promised has {len(p)} values but delivered has {len(d)}: give ranges of equal length")
    tolerance = float(tolerance_days or 0)
    if not 0 <= tolerance <= 3660:
        raise InputError(f"tolerance_days must be between 0 and 3660 days, not {tolerance:g}")
    tol = dt.timedelta(days=tolerance)
    today = dates([as_of], "as_of")[0] if as_of is not None else dt.date.today()
    flags = []
    for pr, de in zip(p, d):
        if pr is None:
            flags.append(None)
        elif de is not None:
            flags.append(de <= _plus(pr, tol))
        else:
            flags.append(False if today > _plus(pr, tol) else None)
    return flags


def _plus(day: dt.date, tol: dt.timedelta) -> dt.date:
    try:
        return day + tol
    except OverflowError:  # tolerance past year 9999: never late
        return dt.date.max


def on_time_delivery(promised, delivered, tolerance_days: float = 0, as_of=None) -> float:
    """Share of orders delivered on time: delivered <= promised + tolerance_days.

    An order not yet delivered counts as late once as_of (default today) is
    past promised + tolerance, and is left out before that. Rows without a
    promised date are left out.
    """
    flags = [f for f in _on_time_flags(promised, delivered, tolerance_days, as_of) if f is not None]
    if not flags:
        raise InputError("nothing to measure: no order is delivered or past due")
    return sum(flags) / len(flags)


def otif(promised, delivered, ordered, shipped, tolerance_days: float = 0, as_of=None) -> float:
    """On time in full: share of orders both on time (as on_time_delivery) and
    in full (shipped >= ordered). Orders not yet due, or with a blank promised
    date, ordered or shipped quantity, are left out."""
    flags = _on_time_flags(promised, delivered, tolerance_days, as_of)
    o, s = values(ordered, "ordered"), values(shipped, "shipped")
    if not (o.size == s.size == len(flags)):
        raise InputError(f"promised has {len(flags)} values, ordered {o.size} and shipped {s.size}: give ranges of equal length")
    hits = [bool(f and sq >= oq) for f, oq, sq in zip(flags, o, s) if f is not None and not np.isnan(oq) and not np.isnan(sq)]
    if not hits:
        raise InputError("nothing to measure: no order is delivered or past due")
    return sum(hits) / len(hits)


def backorder_rate(ordered, backordered, basis: str = "line") -> float:
    """Backorder rate of order lines.

    - line (default): share of lines with backordered > 0;
    - unit: sum backordered / sum ordered.
    """
    basis = choice(basis, ("line", "unit"), "basis")
    o, b = aligned(("ordered", ordered), ("backordered", backordered))
    nonempty(o, "order lines with ordered and backordered")
    if np.any(b < 0):
        raise InputError("backordered quantities cannot be negative")
    if basis == "line":
        return float(np.mean(b > 0))
    return ratio(float(np.sum(b)), float(np.sum(o)), "the total ordered")
