"""Rough-cut capacity planning: the load a plan puts on each resource, month by month."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xl_sop.errors import InputError
from xl_sop.forecast.base import FloatArray
from xl_sop.frames import (
    columns,
    item_attributes,
    monthly,
    numbers,
    optional_column,
    require_items,
)


def routing(items: pd.DataFrame) -> pd.DataFrame:
    """Item, Resource, HoursPerUnit for the items made in house (a blank Resource means bought in).

    A made item without HoursPerUnit is an error naming its row in Items.
    """
    table = numbers(item_attributes(items, "Resource", "HoursPerUnit"), "Items", "HoursPerUnit")
    made = table["Resource"].notna() & (table["Resource"].astype(str).str.strip() != "")
    missing = made & table["HoursPerUnit"].isna()
    if missing.any():
        row = int(missing.to_numpy().nonzero()[0][0]) + 1
        raise InputError(f"table Items, row {row}, column HoursPerUnit: item '{table['Item'].iloc[row - 1]}' "
                         f"is made on '{table['Resource'].iloc[row - 1]}' but has no hours per unit")
    return table[made].assign(Resource=lambda t: t["Resource"].astype(str).str.strip())


def capacity_table(capacity: pd.DataFrame) -> pd.DataFrame:
    """Resource, Month, Hours and OvertimeHours (0 when the table has no such column), one row each."""
    overtime = optional_column(capacity, "OvertimeHours")
    cap = capacity.rename(columns={overtime: "OvertimeHours"}) if overtime else capacity.assign(OvertimeHours=0.0)
    hours = monthly(cap, "Capacity", "Hours", keys=("Resource",))
    extra = monthly(cap, "Capacity", "OvertimeHours", keys=("Resource",))
    out = hours.merge(extra, on=["Resource", "Month"], how="outer").fillna(0.0)
    return out.assign(Resource=out["Resource"].astype(str).str.strip())


def load_against_capacity(load_hours: FloatArray, capacity_hours: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Utilisation = load / capacity (NaN where there is no capacity) and OverloadHours = max(0, load - capacity),
    per resource and month [hours in, share and hours out]."""
    load, cap = np.asarray(load_hours, dtype=float), np.asarray(capacity_hours, dtype=float)
    utilisation: FloatArray = load / np.where(cap > 0, cap, np.nan)
    overload: FloatArray = np.maximum(load - cap, 0.0)
    return utilisation, overload


def rough_cut_capacity(plan: pd.DataFrame, items: pd.DataFrame, capacity: pd.DataFrame,
                       quantity: str = "Quantity") -> pd.DataFrame:
    """Load against capacity per resource and month.

    LoadHours_{r,m} = sum over items i made on r of planned_{i,m} x HoursPerUnit_i
    Utilisation = LoadHours / CapacityHours (blank when there is no capacity)
    OverloadHours = max(0, LoadHours - CapacityHours); Overload = OverloadHours > 0
    BeyondOvertimeHours = max(0, LoadHours - CapacityHours - OvertimeHours)

    plan: Item, Month and the planned units in column ``quantity``. items: Item,
    Resource, HoursPerUnit (bought-in items have no Resource and load nothing).
    capacity: Resource, Month, Hours [regular hours available], optionally
    OvertimeHours. Months are those of the plan; a resource-month without a
    Capacity row has no capacity (so any load on it is an overload).
    """
    planned = monthly(plan, "plan", quantity)
    require_items(pd.Series(planned["Item"].unique()), columns(items, "Items", "Item"), "plan")
    load = planned.merge(routing(items), on="Item", how="inner")
    load["LoadHours"] = load[quantity] * load["HoursPerUnit"]
    load = load.groupby(["Resource", "Month"], as_index=False)["LoadHours"].sum()
    cap = capacity_table(capacity)
    months = planned["Month"].drop_duplicates()
    resources = pd.Index(sorted(set(load["Resource"]) | set(cap["Resource"])), name="Resource")
    frame = pd.MultiIndex.from_product([resources, sorted(months)], names=["Resource", "Month"]).to_frame(index=False)
    out = (frame.merge(load, how="left", on=["Resource", "Month"])
                .merge(cap.rename(columns={"Hours": "CapacityHours"}), how="left", on=["Resource", "Month"])
                .fillna({"LoadHours": 0.0, "CapacityHours": 0.0, "OvertimeHours": 0.0}))
    out["Utilisation"], out["OverloadHours"] = load_against_capacity(out["LoadHours"].to_numpy(),
                                                                     out["CapacityHours"].to_numpy())
    out["Overload"] = out["OverloadHours"] > 1e-9
    out["BeyondOvertimeHours"] = (out["OverloadHours"] - out["OvertimeHours"]).clip(lower=0.0)
    return out[["Resource", "Month", "LoadHours", "CapacityHours", "OvertimeHours", "Utilisation",
                "OverloadHours", "Overload", "BeyondOvertimeHours"]]
