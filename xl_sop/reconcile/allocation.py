"""Sharing short supply: priority first, then fair share in proportion to demand."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from xl_sop.errors import InputError
from xl_sop.frames import columns, month_start, numbers, optional_column


def allocate(available: float, demand: ArrayLike, priority: ArrayLike | None = None) -> NDArray[np.float64]:
    """Split ``available`` across claimants with the given demands.

    Rule: claimants are served by priority class, 1 first (a lower number is more
    important; blank priority comes last). A class whose total demand fits in what
    is left is served in full; the first class that does not fit shares what is
    left in proportion to its members' demands (fair share), and later classes get
    nothing. Allocation_i <= demand_i, and sum(allocation) = min(available, sum(demand)).
    Units: whatever available and demand are in (units, hours).
    """
    d = np.asarray(demand, dtype=float)
    if np.any(np.isnan(d)) or np.any(d < 0):
        raise InputError("demand to allocate must be numbers, zero or more")
    left = float(available)
    if not np.isfinite(left) or left < 0:
        raise InputError(f"available supply must be a number, zero or more, not {available!r}")
    p = np.full(d.size, np.inf) if priority is None else np.asarray(priority, dtype=float)
    p = np.where(np.isnan(p), np.inf, p)
    out = np.zeros(d.size)
    for level in np.unique(p):
        members = p == level
        want = d[members].sum()
        if want <= left:
            out[members] = d[members]
            left -= want
        else:
            if want > 0:
                out[members] = d[members] * (left / want)
            break
    return out


def allocate_supply(supply: pd.DataFrame, demand: pd.DataFrame, by: str = "Customer") -> pd.DataFrame:
    """Allocate each item's supply per month across the claimants in ``by`` (customers, channels...).

    supply: Item, Month, Quantity. demand: Item, Month, <by>, Quantity and optionally
    Priority (1 = served first). Supply not used in a month is not carried over
    (project stock with xl_sop.supply.projected_inventory_by for that).
    Returns the demand rows with Allocated, Short (= Quantity - Allocated) and FillRate.
    """
    s = numbers(columns(supply, "supply", "Item", "Month", "Quantity"), "supply", "Quantity")
    d = numbers(columns(demand, "demand", "Item", "Month", by, "Quantity"), "demand", "Quantity")
    prio = optional_column(d, "Priority")
    d = d.assign(Month=month_start(d["Month"]), Priority=numbers(d, "demand", prio)[prio] if prio else np.nan)
    s = s.assign(Month=month_start(s["Month"])).groupby(["Item", "Month"])["Quantity"].sum()
    d = d.reset_index(drop=True)
    allocated = np.zeros(len(d))
    for (item, month), rows in d.groupby(["Item", "Month"]).groups.items():
        rows = np.asarray(rows)
        allocated[rows] = allocate(float(s.get((item, month), 0.0)), d.loc[rows, "Quantity"].fillna(0.0),
                                   d.loc[rows, "Priority"])
    d["Allocated"] = allocated
    d["Short"] = d["Quantity"].fillna(0.0) - allocated
    d["FillRate"] = allocated / d["Quantity"].where(d["Quantity"] > 0)
    return d
