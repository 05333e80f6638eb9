"""Projected inventory and safety stock."""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy.stats import norm

from xl_sop.errors import InputError
from xl_sop.forecast.base import FloatArray
from xl_sop.forecast.prepare import to_float_array
from xl_sop.frames import (
    columns,
    grid,
    item_attributes,
    monthly,
    numbers,
    optional_column,
)
from xl_sop.metrics import Groups, days_of_supply_grouped

DAYS_PER_MONTH = 30


def period_pair(first: Iterable[object], first_name: str, second: Iterable[object],
                second_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Two ranges of the same periods as float arrays, blanks as 0; unequal or empty ranges are errors."""
    a = np.nan_to_num(to_float_array(first, first_name))
    b = np.nan_to_num(to_float_array(second, second_name))
    if a.size != b.size:
        raise InputError(f"{first_name} has {a.size} periods but {second_name} has {b.size}: give ranges of equal length")
    if a.size == 0:
        raise InputError(f"{first_name} and {second_name} are empty: give at least one period")
    return a, b


def projected_inventory(opening_inventory: float, supply: Iterable[object], demand: Iterable[object]) -> pd.DataFrame:
    """The running stock balance per period: opening inventory + supply - demand.

    Balance_t = Balance_{t-1} + supply_t - demand_t, Balance_0 = opening_inventory [units].
    A negative balance is demand not yet met (backlog): OnHand = max(Balance, 0),
    Backlog = max(-Balance, 0). Blank supply or demand counts as 0.
    Returns columns Period (1, 2, ...), Opening, Supply, Demand, Balance, OnHand, Backlog.
    """
    start = to_float_array([opening_inventory], "opening_inventory")
    if start.size != 1 or np.isnan(start[0]):
        raise InputError("opening_inventory must be one number (the stock at the start)")
    s, d = period_pair(supply, "supply", demand, "demand")
    balance = start[0] + np.cumsum(s - d)
    return pd.DataFrame({
        "Period": np.arange(1, s.size + 1), "Opening": np.r_[start[0], balance[:-1]], "Supply": s, "Demand": d,
        "Balance": balance, "OnHand": np.maximum(balance, 0.0), "Backlog": np.maximum(-balance, 0.0),
    })


def forward_days_of_supply(on_hand: FloatArray, demand: FloatArray, days_per_period: float = DAYS_PER_MONTH) -> FloatArray:
    """Days the stock at the end of each period lasts against the demand of the periods after it.

    on_hand and demand: items x periods [units]. xl_sop.metrics.days_of_supply_grouped
    with one group per item and period: the later periods are consumed in order, the last
    one partly; past the horizon the item's average demand per period continues. No stock
    gives 0; stock that no demand ever uses gives a blank (unlimited).
    """
    items, periods = demand.shape
    if demand.size == 0:
        return np.zeros(demand.shape)
    now, later = np.triu_indices(periods, 1)  # each period with each period after it
    group = (np.arange(items)[:, None] * periods + now).ravel()
    ahead = demand[:, later].ravel()
    average = np.repeat(demand.mean(axis=1), periods)
    each = Groups(group, items * periods)
    days = days_of_supply_grouped(on_hand.ravel(), ahead, each, days_per_period, run_rate=average)
    per_period: FloatArray = days["DaysOfSupply"].to_numpy().reshape(demand.shape)
    return per_period


def opening_inventory_by_item(inventory: pd.DataFrame) -> pd.Series:
    """On hand per item from the Inventory table (the sum of its receipt layers)."""
    inv = numbers(columns(inventory, "Inventory", "Item", "Quantity"), "Inventory", "Quantity", allow_negative=True)
    return inv.dropna(subset=["Item"]).groupby("Item")["Quantity"].sum()


def projected_inventory_by(demand: pd.DataFrame, supply: pd.DataFrame, inventory: pd.DataFrame | None = None,
                           days_per_period: float = DAYS_PER_MONTH) -> pd.DataFrame:
    """Projected inventory per item and month.

    demand and supply: Item, Month, Quantity (e.g. the consensus forecast and the
    production plan). inventory: the Inventory table (its quantities summed per
    item are the opening stock); without it, stock starts at 0.
    Per item and month: Opening, Supply, Demand, OnHand = max(balance, 0),
    Backlog = max(-balance, 0) with balance = opening + cumulative (supply - demand),
    and DaysOfSupply: forward days the on-hand stock covers (30-day months).
    Months: every month either table has, first to last.
    """
    d = monthly(demand, "demand")
    s = monthly(supply, "supply")
    opening = opening_inventory_by_item(inventory) if inventory is not None else pd.Series(dtype=float)
    items = pd.Index(sorted(set(d["Item"].unique()) | set(s["Item"].unique()), key=str), name="Item")
    months = pd.date_range(min(d["Month"].min(), s["Month"].min()), max(d["Month"].max(), s["Month"].max()), freq="MS")
    dd, ss = grid(d, "Quantity", items, months), grid(s, "Quantity", items, months)
    start = opening.reindex(items).fillna(0.0).to_numpy()
    balance = start[:, None] + np.cumsum(ss - dd, axis=1)
    on_hand = np.maximum(balance, 0.0)
    dos = forward_days_of_supply(on_hand, dd, days_per_period)
    shape = (items.size, months.size)
    return pd.DataFrame({
        "Item": np.repeat(items.to_numpy(), months.size), "Month": np.tile(months, items.size),
        "Opening": np.hstack([start[:, None], balance[:, :-1]]).ravel(), "Supply": ss.ravel(), "Demand": dd.ravel(),
        "OnHand": on_hand.ravel(), "Backlog": np.maximum(-balance, 0.0).reshape(shape).ravel(), "DaysOfSupply": dos.ravel(),
    })


CYCLE_SERVICE_LEVEL_RANGE = (0.5, 0.999)
"""Where safety stock makes sense: below 50% z is negative, at 99.9% it is already 3.09 (the Settings row's range)."""


def service_z(cycle_service_level: float) -> float:
    """The normal quantile z for a cycle service level: 0.95 (or 95, read as percent) -> 1.645.

    The level must lie in CYCLE_SERVICE_LEVEL_RANGE, as a share (0.5 to 0.999) or a percentage (50 to 99.9);
    anything else (1.5: is it 1.5% or 150%?) is refused rather than guessed.
    """
    low, high = CYCLE_SERVICE_LEVEL_RANGE
    try:
        level = float(cycle_service_level)
    except (TypeError, ValueError):
        raise InputError(f"cycle_service_level must be a number such as 0.95 or 95%, not {cycle_service_level!r}") from None
    if level > 1:  # a percentage
        level /= 100
    if not low <= level <= high + 1e-12:  # 99.9 / 100 is 0.9990000000000001
        raise InputError(f"cycle_service_level must be between {low:.0%} and {high:.1%} (0.95 or 95%), "
                         f"not {cycle_service_level!r}")
    return float(norm.ppf(level))


def safety_stock(demand_history: Iterable[object], lead_time: float, cycle_service_level: float = 0.95,
                 lead_time_sd: float = 0.0) -> float:
    """Safety stock against variable demand and lead time.

    SS = z x sqrt(L x sd_d^2 + d^2 x sd_L^2)

    z: normal quantile of the cycle service level (0.95 -> 1.645); d and sd_d: mean and
    sample standard deviation (n - 1) of demand per period [units]; L: lead time and
    sd_L its standard deviation [periods, the same periods as the history]. Result in
    units. Blank cells in the history are skipped; at least two numbers are needed.
    Reference: Silver, Pyke, Thomas, Inventory and Production Management in Supply
    Chains, 4th ed., ch. 7 (demand and lead-time variability combined).
    """
    h = to_float_array(demand_history, "demand_history")
    h = h[~np.isnan(h)]
    if h.size < 2:
        raise InputError("demand_history needs at least two numbers to measure its variability")
    lt = _non_negative(lead_time, "lead_time")
    lt_sd = _non_negative(lead_time_sd, "lead_time_sd")
    z = service_z(cycle_service_level)
    d, sd_d = h.mean(), h.std(ddof=1)  # numpy floats: too large a square is inf (a cell says so), not OverflowError
    return float(max(z, 0.0) * np.sqrt(lt * sd_d**2 + d**2 * lt_sd**2))


def _non_negative(value: float | None, name: str) -> float:
    try:
        v = float(0.0 if value is None else value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, not {value!r}") from None
    if not np.isfinite(v) or v < 0:
        raise InputError(f"{name} must be zero or more, not {value!r}")
    return v


def safety_stock_by(history: pd.DataFrame, items: pd.DataFrame, cycle_service_level: float = 0.95,
                    months: int = 12) -> pd.DataFrame:
    """Safety stock per item from the History and Items tables.

    Demand per month over the last ``months`` months of the history (months with no
    row count as 0), LeadTimeMonths from Items, and its standard deviation from an
    optional LeadTimeSdMonths column (0 when absent or blank). Items with fewer than
    two months of history get a blank. Columns: Item, MeanDemand, DemandSd,
    LeadTimeMonths, LeadTimeSdMonths, ServiceLevel, SafetyStock.
    """
    if int(months) < 2:
        raise InputError(f"months must be 2 or more, not {months}")
    z = service_z(cycle_service_level)
    hist = monthly(history, "History")
    last = hist["Month"].max()
    window = pd.date_range(end=last, periods=int(months), freq="MS")
    sd_col = optional_column(items, "LeadTimeSdMonths")
    extra = [sd_col] if sd_col else []
    attrs = item_attributes(items, "LeadTimeMonths", *extra).rename(columns={sd_col: "LeadTimeSdMonths"} if sd_col else {})
    if not sd_col:
        attrs["LeadTimeSdMonths"] = 0.0
    attrs = numbers(attrs, "Items", "LeadTimeMonths", "LeadTimeSdMonths").fillna({"LeadTimeSdMonths": 0.0})
    item_index = pd.Index(attrs["Item"])
    first = hist.groupby("Item")["Month"].min().reindex(item_index)
    qty = grid(hist, "Quantity", item_index, window)
    # Months before an item's first sale are not zero demand: the item did not exist yet.
    started = window.to_numpy()[None, :] >= first.to_numpy(dtype="datetime64[ns]")[:, None]
    counted = np.where(started, qty, np.nan)
    n = np.sum(~np.isnan(counted), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(counted, axis=1) / np.maximum(n, 1), np.nan)
    with warnings.catch_warnings():  # a row with fewer than two months warns; it gets a blank below
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = np.where(n >= 2, np.nanstd(counted, axis=1, ddof=1), np.nan)
    lt, lt_sd = attrs["LeadTimeMonths"].to_numpy(), attrs["LeadTimeSdMonths"].to_numpy()
    ss = max(z, 0.0) * np.sqrt(lt * sd**2 + mean**2 * lt_sd**2)
    return pd.DataFrame({"Item": item_index, "MeanDemand": mean, "DemandSd": sd, "LeadTimeMonths": lt,
                         "LeadTimeSdMonths": lt_sd, "ServiceLevel": float(norm.cdf(z)), "SafetyStock": ss})
