"""Operations metrics: inventory turns, schedule attainment, revenue accuracy,
inventory aging and days of supply."""

from __future__ import annotations

import datetime as dt

import numpy as np

from xl_sop.errors import InputError
from xl_sop.metrics._inputs import aligned, dates, nonempty, ratio, values

DEFAULT_AGING_EDGES = (30, 60, 90, 180)


def inventory_turns(cogs, inventory) -> float:
    """Inventory turns = sum(cogs) / mean(inventory balances at cost).

    cogs: cost of goods sold per period of the measured span (e.g. 12 months
    for annual turns); inventory: balances at cost over the same span (opening
    and period ends, any count). Blanks are skipped in each range separately.
    """
    c, inv = values(cogs, "cogs"), values(inventory, "inventory")
    c, inv = nonempty(c[~np.isnan(c)], "cogs"), nonempty(inv[~np.isnan(inv)], "inventory balances")
    return ratio(float(np.sum(c)), float(np.mean(inv)), "the average inventory")


def schedule_attainment(planned, actual) -> float:
    """Production schedule attainment = sum min(actual, planned) / sum planned.

    Over-production of one item or month does not offset a miss elsewhere.
    """
    p, a = aligned(("planned", planned), ("actual", actual))
    nonempty(p, "planned/actual pairs")
    return ratio(float(np.sum(np.minimum(a, p))), float(np.sum(p)), "the total planned")


def revenue_accuracy(actual_revenue, forecast_revenue, prices=None) -> float:
    """Revenue forecast accuracy = max(0, 1 - sum|A-F| / sum|A|) on revenue.

    With prices, A and F are units and revenue = units x price (one price per
    pair, e.g. per item or per item-month).
    """
    if prices is None:
        a, f = aligned(("actual_revenue", actual_revenue), ("forecast_revenue", forecast_revenue))
    else:
        a, f, p = aligned(("actual", actual_revenue), ("forecast", forecast_revenue), ("prices", prices))
        a, f = a * p, f * p
    nonempty(a, "actual/forecast pairs")
    wmape = ratio(float(np.sum(np.abs(a - f))), float(np.sum(np.abs(a))), "the sum of |actual revenue|")
    return max(0.0, 1.0 - wmape)


def aging_labels(edges) -> list[str]:
    labels, low = [], 0
    for e in edges:
        labels.append(f"{low}-{e}" if low == 0 else f"{low + 1}-{e}")
        low = e
    return labels + [f"over {edges[-1]}"]


def inventory_aging(receipt_dates, quantities, as_of=None, bucket_days=None) -> list[tuple[str, float, float]]:
    """Inventory by age bucket: [(bucket, quantity, share of total), ...].

    age = whole days from receipt date to as_of (default today). Default
    buckets 0-30, 31-60, 61-90, 91-180 and over 180 days; bucket_days gives
    other upper edges (ascending). An edge belongs to the lower bucket (30 days
    old is 0-30). Rows with a blank date or quantity are skipped; a receipt
    after as_of is an error.
    """
    edges = DEFAULT_AGING_EDGES if bucket_days is None else tuple(float(e) for e in values(bucket_days, "bucket_days") if not np.isnan(e))
    if not edges or any(b <= a for a, b in zip(edges, edges[1:])) or edges[0] <= 0:
        raise InputError("bucket_days must be positive day counts in ascending order, e.g. 30, 60, 90, 180")
    edges = tuple(int(e) if float(e).is_integer() else e for e in edges)
    d = dates(receipt_dates, "receipt_dates")
    q = values(quantities, "quantities")
    if len(d) != q.size:
        raise InputError(f"receipt_dates has {len(d)} values but quantities has {q.size}: give ranges of equal length")
    today = dates([as_of], "as_of")[0] if as_of is not None else dt.date.today()
    totals = np.zeros(len(edges) + 1)
    for i, (day, qty) in enumerate(zip(d, q)):
        if day is None or np.isnan(qty):
            continue
        age = (today - day).days
        if age < 0:
            raise InputError(f"receipt date {i + 1} ({day.isoformat()}) is after the as-of date {today.isoformat()}")
        totals[int(np.searchsorted(edges, age, side="left"))] += qty
    total = float(totals.sum())
    if total == 0:
        raise InputError("nothing to measure: no inventory quantity")
    return [(label, float(v), float(v / total)) for label, v in zip(aging_labels(edges), totals)]


def days_of_supply(on_hand, forecast, days_per_period: float = 30) -> float:
    """Forward days of supply: how long on_hand lasts against the forecast.

    Periods are consumed in order; the last one partly (on_hand 250 against
    100, 100, 100 covers 2.5 periods). Past the last forecast period, the
    average forecast per period continues. Result = periods covered x
    days_per_period (default 30). On hand <= 0 gives 0.
    """
    stock = float(values(on_hand, "on_hand")[0]) if np.ndim(on_hand) == 0 else _single(on_hand)
    f = values(forecast, "forecast")
    f = nonempty(f[~np.isnan(f)], "forecast periods")
    if np.any(f < 0):
        raise InputError("forecast cannot be negative")
    if stock <= 0:
        return 0.0
    cumulative = np.cumsum(f)
    if stock <= cumulative[-1]:
        k = int(np.searchsorted(cumulative, stock, side="left"))
        before = cumulative[k - 1] if k else 0.0
        periods = k + (stock - before) / f[k]
    else:
        average = float(f.mean())
        if average == 0:
            raise InputError("forecast is zero in every period: days of supply is unlimited")
        periods = f.size + (stock - cumulative[-1]) / average
    return float(periods * float(days_per_period))


def _single(x) -> float:
    v = values(x, "on_hand")
    v = v[~np.isnan(v)]
    if v.size != 1:
        raise InputError("on_hand must be a single number")
    return float(v[0])
