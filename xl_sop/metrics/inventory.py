"""Inventory metrics: inventory turns, inventory aging and days of supply."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from xl_sop.errors import InputError
from xl_sop.metrics._inputs import as_of_day, days, single_value, values
from xl_sop.metrics.groups import Groups, or_single, present, share

DEFAULT_AGING_EDGES = (30, 60, 90, 180)
DAYS_PER_PERIOD = 30


def inventory_turns_grouped(cogs: ArrayLike, inventory: ArrayLike, groups: Groups | None = None,
                            inventory_groups: Groups | None = None) -> pd.DataFrame:
    """Inventory turns per group = sum(cogs) / mean(inventory balances at cost).

    Parameters
    ----------
    cogs : array of float
        Cost of goods sold per period of the measured span [money], e.g. 12
        months for annual turns; blanks skipped.
    inventory : array of float
        Inventory balances at cost over the same span [money] (opening and
        period ends, any count); blanks skipped.
    groups, inventory_groups : Groups, optional
        The group of each cogs and each inventory row (the same groups);
        default: one group.

    Returns
    -------
    DataFrame, one row per group: CogsPeriods and Balances (counts of numbers),
    COGS (sum [money]), AverageInventory [money] and Turns [times per span],
    NaN where there is no COGS or no balance or the average inventory is zero.

    References
    ----------
    .. [1] APICS Dictionary, 16th ed., ASCM (2019), "inventory turnover": the
       annual cost of sales divided by the average inventory level.
    """
    c, inv = np.asarray(cogs, dtype=float), np.asarray(inventory, dtype=float)
    groups, inventory_groups = or_single(groups, c.size), or_single(inventory_groups, inv.size)
    periods, balances = groups.count(present(c)), inventory_groups.count(present(inv))
    total = np.where(periods > 0, groups.sum(c, present(c)), np.nan)
    average = share(inventory_groups.sum(inv, present(inv)), balances)
    return pd.DataFrame({"CogsPeriods": periods, "Balances": balances, "COGS": total, "AverageInventory": average,
                         "Turns": share(total, average)})


def inventory_turns(cogs: object, inventory: object) -> float:
    """Inventory turns = sum(cogs) / mean(inventory): ``inventory_turns_grouped`` on one group.

    cogs: cost of goods sold per period [money]; inventory: balances at cost
    over the same span [money]. Blanks are skipped in each range separately.
    """
    c, inv = values(cogs, "cogs"), values(inventory, "inventory")
    result = inventory_turns_grouped(c, inv)
    if result["CogsPeriods"].iloc[0] == 0:
        raise InputError("nothing to measure: no cogs with numbers")
    return single_value(result, "Turns", counted="Balances", nothing="inventory balances with numbers",
                        undefined="the average inventory is zero: the ratio is undefined")


def aging_labels(edges: Sequence[float]) -> list[str]:
    """Bucket names for upper edges in days: (30, 60) -> 0-30, 31-60, over 60."""
    labels: list[str] = []
    low: float = 0
    for e in edges:
        labels.append(f"{low}-{e}" if low == 0 else f"{low + 1}-{e}")
        low = e
    return labels + [f"over {edges[-1]}"]


def inventory_aging_grouped(receipt_dates: ArrayLike, quantities: ArrayLike, groups: Groups | None = None,
                            as_of: np.datetime64 | None = None, edges: Iterable[float] = DEFAULT_AGING_EDGES) -> pd.DataFrame:
    """Inventory quantity per age bucket, per group.

    Parameters
    ----------
    receipt_dates : array of datetime64[D]
        The receipt date of each stock layer; NaT = blank (the layer is skipped).
    quantities : array of float
        Quantity on hand of each layer [units]; blank skipped.
    groups : Groups, optional
        The group of each layer; default: one group.
    as_of : datetime64[D], optional
        The day ages are measured at (default today).
    edges : sequence of float
        Upper edges of the buckets [days], ascending; default 30, 60, 90, 180.

    Returns
    -------
    DataFrame, one row per group: a column per bucket (``aging_labels``: 0-30,
    31-60, 61-90, 91-180, over 180) with the quantity [units] whose age =
    as_of - receipt date [whole days] falls in it (an edge belongs to the lower
    bucket: 30 days old is 0-30), and Total. A bucket's share of the stock is
    its quantity / Total, undefined where Total is 0.

    A layer received after as_of was not yet in stock on that day and is left
    out (it has no age then).
    """
    edges = tuple(edges)
    received = np.asarray(receipt_dates, dtype="datetime64[D]")
    q = np.asarray(quantities, dtype=float)
    groups = or_single(groups, q.size)
    today = as_of_day(None) if as_of is None else as_of.astype("datetime64[D]")
    age = (today - received).astype(float)
    age[~present(received)] = np.nan  # NaT becomes a huge negative number as a float
    counted = present(q) & (age >= 0) & (groups.codes >= 0)
    bucket = np.searchsorted(np.asarray(edges, dtype=float), np.where(counted, age, 0.0), side="left")
    cells = np.bincount(groups.codes[counted] * (len(edges) + 1) + bucket[counted], weights=q[counted],
                        minlength=groups.size * (len(edges) + 1))
    table = pd.DataFrame(cells.reshape(groups.size, len(edges) + 1), columns=aging_labels(edges))
    table["Total"] = table.sum(axis=1)
    return table


def inventory_aging(receipt_dates: object, quantities: object, as_of: object = None,
                    bucket_days: object = None) -> list[tuple[str, float, float]]:
    """Inventory by age bucket, [(bucket, quantity, share of total), ...]: ``inventory_aging_grouped`` on one group.

    receipt_dates and quantities [units]: ranges of equal length, blanks
    skipped; as_of: default today; bucket_days: upper edges [days], ascending
    (default 30, 60, 90, 180). A receipt after as_of is left out.
    """
    edges = DEFAULT_AGING_EDGES if bucket_days is None else tuple(
        float(e) for e in values(bucket_days, "bucket_days") if not np.isnan(e))
    if not edges or any(b <= a for a, b in pairwise(edges)) or edges[0] <= 0:
        raise InputError("bucket_days must be positive day counts in ascending order, e.g. 30, 60, 90, 180")
    edges = tuple(int(e) if float(e).is_integer() else e for e in edges)
    received, q = days(receipt_dates, "receipt_dates"), values(quantities, "quantities")
    if received.size != q.size:
        raise InputError(f"receipt_dates has {received.size} values but quantities has {q.size}: "
                         "give ranges of equal length")
    table = inventory_aging_grouped(received, q, None, as_of_day(as_of), edges)
    total = float(table["Total"].iloc[0])
    if total == 0:
        raise InputError("nothing to measure: no inventory quantity received by the as-of date")
    return [(label, float(v), float(v / total)) for label, v in table.drop(columns="Total").iloc[0].items()]


def days_of_supply_grouped(on_hand: ArrayLike, forecast: ArrayLike, groups: Groups | None = None,
                           days_per_period: float = DAYS_PER_PERIOD, run_rate: ArrayLike | None = None) -> pd.DataFrame:
    """Forward days of supply per group: how long the stock on hand lasts against the forecast.

    Parameters
    ----------
    on_hand : array of float
        Stock per group [units], one value per group.
    forecast : array of float
        Forecast demand per period [units, >= 0], the rows of each group in
        period order (the first period is the one the stock meets first);
        blanks skipped.
    groups : Groups, optional
        The group of each forecast row; default: one group.
    days_per_period : float
        Days in a period [days], default 30.
    run_rate : array of float, optional
        Demand per period past the last forecast period of each group [units];
        default: the group's average forecast per period.

    Returns
    -------
    DataFrame, one row per group: ForecastPeriods (count of numbers) and
    DaysOfSupply [days]:

        DaysOfSupply = (k + (on_hand - F_k) / f_{k+1}) x days_per_period

    with F_k the forecast of the first k periods and k the periods the stock
    covers in full (the next one partly: 250 against 100, 100, 100 covers 2.5
    periods = 75 days); past the last period, the run rate continues. Stock
    <= 0 gives 0. NaN (blank) where nothing is measured (no forecast and no
    run rate) or where the stock outlasts the forecast and the run rate is 0
    (unlimited). This is forward coverage; the backward form divides by the
    average past usage instead.
    """
    stock = np.asarray(on_hand, dtype=float)
    f = np.asarray(forecast, dtype=float)
    groups = or_single(groups, f.size)
    keep = present(f) & (groups.codes >= 0)
    if np.any(f[keep] < 0):
        raise InputError("forecast cannot be negative")
    order = np.flatnonzero(keep)[np.argsort(groups.codes[keep], kind="stable")]  # each group's periods together
    codes = groups.codes[order]
    cumulative = pd.Series(f[order]).groupby(codes).cumsum().to_numpy()  # sequential sums, as np.cumsum per group
    periods = np.bincount(codes, minlength=groups.size)
    first = np.cumsum(periods) - periods
    covered = np.bincount(codes, weights=cumulative < stock[codes], minlength=groups.size).astype(int)
    f, cumulative = np.r_[f[order], np.nan], np.r_[cumulative, np.nan]  # a blank row at the end keeps indexes in range
    total = np.where(periods > 0, cumulative[first + periods - 1], 0.0)
    rate = share(total, periods) if run_rate is None else np.asarray(run_rate, dtype=float)
    row = first + covered  # the period the stock runs out in
    before = np.where(covered > 0, cumulative[row - 1], 0.0)
    with np.errstate(all="ignore"):  # the rows np.where does not pick may divide by 0
        inside = covered + (stock - before) / f[row]
        beyond = periods + (stock - total) / np.where(rate > 0, rate, np.nan)
    covered_periods = np.where(stock <= 0, 0.0, np.where(covered < periods, inside, beyond))
    covered_periods[np.isnan(rate) & (periods == 0)] = np.nan  # nothing to measure
    return pd.DataFrame({"ForecastPeriods": periods, "DaysOfSupply": covered_periods * days_per_period})


def days_of_supply(on_hand: object, forecast: object, days_per_period: float = DAYS_PER_PERIOD) -> float:
    """Forward days of supply of on_hand against the forecast: ``days_of_supply_grouped`` on one group.

    on_hand: one number [units]; forecast: demand per period [units], blanks
    skipped; days_per_period [days], default 30. Result: days.
    """
    result = days_of_supply_grouped([_single(on_hand)], values(forecast, "forecast"), None, float(days_per_period))
    return single_value(result, "DaysOfSupply", counted="ForecastPeriods", nothing="forecast periods with numbers",
                        undefined="forecast is zero in every period: days of supply is unlimited")


def _single(x: object) -> float:
    v = values(x, "on_hand")
    v = v[~np.isnan(v)]
    if v.size != 1:
        raise InputError("on_hand must be a single number")
    return float(v[0])
