"""The demand-supply gap, in units and money, by item, family and month."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from xl_sop.errors import InputError
from xl_sop.forecast.prepare import to_float_array
from xl_sop.frames import (
    grid,
    item_attributes,
    monthly,
    numbers,
    require_items,
    without_noise,
)
from xl_sop.supply.inventory import opening_inventory_by_item, period_pair

GAP_GROUPS = ("Item", "Family", "Month")


def demand_supply_gap(demand: Iterable[object], supply: Iterable[object], opening_inventory: float | None = 0.0) -> pd.DataFrame:
    """Gap per period and cumulative gap; positive = shortage, negative = excess.

    Gap_t = demand_t - supply_t
    CumulativeGap_t = sum_{k<=t} Gap_k - opening_inventory
    (the cumulative gap is minus the projected balance: stock covers a shortage
    until it is used up). Units in, units out; blanks count as 0.
    Columns: Period, Demand, Supply, Gap, CumulativeGap.
    """
    d, s = period_pair(demand, "demand", supply, "supply")
    opening = to_float_array([opening_inventory], "opening_inventory")
    if np.isnan(opening[0]):
        opening = np.zeros(1)
    gap = d - s
    return pd.DataFrame({"Period": np.arange(1, d.size + 1), "Demand": d, "Supply": s,
                         "Gap": gap, "CumulativeGap": np.cumsum(gap) - opening[0]})


def gap_by(demand: pd.DataFrame, supply: pd.DataFrame, items: pd.DataFrame, inventory: pd.DataFrame | None = None,
           by: str | Iterable[str] = ("Family", "Month")) -> pd.DataFrame:
    """The demand-supply gap from the tables, in units and money, grouped by ``by``.

    demand, supply: Item, Month, Quantity. items: Item, Family, UnitPrice, UnitCost.
    inventory (optional): opening stock per item (the Inventory table).
    Per item and month first:
        Gap = Demand - Supply;  CumulativeGap = cumulative Gap - opening stock
        Shortage = max(CumulativeGap, 0);  Excess = max(-CumulativeGap, 0)
        GapRevenue = Gap x UnitPrice;  ShortageRevenue = Shortage x UnitPrice (revenue at risk)
        ExcessValue = Excess x UnitCost (stock value beyond demand)
    then summed over each group (items do not substitute for each other: one item's
    excess never covers another's shortage in Shortage, though CumulativeGap nets them).
    ``by``: any of Item, Family, Month (default Family, Month).
    """
    by = [by] if isinstance(by, str) else list(by)
    if not by or any(b not in GAP_GROUPS for b in by):
        raise InputError(f"group by any of {', '.join(GAP_GROUPS)}, not {', '.join(map(str, by)) or 'nothing'}")
    d, s = monthly(demand, "demand"), monthly(supply, "supply")
    attrs = numbers(item_attributes(items, "Family", "UnitPrice", "UnitCost"), "Items", "UnitPrice", "UnitCost")
    used = pd.concat([d["Item"], s["Item"]])
    require_items(pd.Series(used.unique()), attrs, "demand or supply")  # each item once: 180,000 rows at 5,000 items
    item_index = pd.Index(sorted(set(used.unique()), key=str), name="Item")
    months = pd.date_range(min(d["Month"].min(), s["Month"].min()), max(d["Month"].max(), s["Month"].max()), freq="MS")
    dd, ss = grid(d, "Quantity", item_index, months), grid(s, "Quantity", item_index, months)
    opening = (opening_inventory_by_item(inventory) if inventory is not None
               else pd.Series(dtype=float)).reindex(item_index).fillna(0.0)
    cum = np.cumsum(dd - ss, axis=1) - opening.to_numpy()[:, None]
    attrs = attrs.set_index("Item").reindex(item_index)
    price = attrs["UnitPrice"].fillna(0.0).to_numpy()[:, None]
    cost = attrs["UnitCost"].fillna(0.0).to_numpy()[:, None]
    shortage, excess = np.maximum(cum, 0.0), np.maximum(-cum, 0.0)
    long = pd.DataFrame({
        "Item": np.repeat(item_index.to_numpy(), months.size), "Month": np.tile(months, item_index.size),
        "Family": np.repeat(attrs["Family"].to_numpy(), months.size),
        "Demand": dd.ravel(), "Supply": ss.ravel(), "Gap": (dd - ss).ravel(), "CumulativeGap": cum.ravel(),
        "Shortage": shortage.ravel(), "Excess": excess.ravel(), "GapRevenue": ((dd - ss) * price).ravel(),
        "ShortageRevenue": (shortage * price).ravel(), "ExcessValue": (excess * cost).ravel(),
    })
    values = ["Demand", "Supply", "Gap", "CumulativeGap", "Shortage", "Excess", "GapRevenue", "ShortageRevenue", "ExcessValue"]
    if "Month" not in by:
        # Cumulative and stock-like measures are read at the end of the horizon, not summed over months.
        stocks = ["CumulativeGap", "Shortage", "Excess", "ShortageRevenue", "ExcessValue"]
        last = long[long["Month"] == months[-1]].groupby(by)[stocks].sum()
        flows = long.groupby(by)[["Demand", "Supply", "Gap", "GapRevenue"]].sum()
        return without_noise(flows.join(last).reset_index()[[*by, *values]])
    return without_noise(long.groupby(by, as_index=False)[values].sum())
