"""Realistic, seeded sample data for the demo and the tests.

Items come in product families and show the patterns a planner meets: steady
seasonal sellers, trending items, promotions (a spike, then a dip as customers
stocked up), intermittent spare parts and newly launched items.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FAMILIES = ("Beverages", "Snacks", "Household", "Spare Parts")
# Where each family is made: spare parts are bought in (no resource).
RESOURCES = {"Beverages": "Bottling", "Snacks": "Packing", "Household": "Packing"}
PATTERNS = ("seasonal", "seasonal", "trend", "promotion", "intermittent", "new")


def sample_items(count: int = 24, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # A second stream for the supply attributes keeps the prices (and every forecast
    # test built on them) what they were before those columns existed.
    supply_rng = np.random.default_rng(seed + 100)
    rows = []
    for i in range(count):
        pattern = PATTERNS[i % len(PATTERNS)]
        family = "Spare Parts" if pattern == "intermittent" else FAMILIES[i % 3]
        price = float(np.round(rng.uniform(4, 60), 2))
        rows.append({
            "Item": f"{family[:3].upper()}-{1000 + i}",
            "Description": f"{family} item {i + 1} ({pattern})",
            "Family": family,
            "Pattern": pattern,
            "UnitPrice": price,
            "UnitCost": float(np.round(price * rng.uniform(0.45, 0.75), 2)),
            "LeadTimeMonths": float(supply_rng.choice([1, 1, 2, 3])),
            "Resource": RESOURCES.get(family),
            "HoursPerUnit": float(np.round(supply_rng.uniform(0.02, 0.08), 3)) if family in RESOURCES else None,
        })
    return pd.DataFrame(rows)


def sample_history(items: pd.DataFrame, months: int = 36, end: str = "2026-10-01", seed: int = 7) -> pd.DataFrame:
    """Monthly shipments (Item, Month, Quantity), one row per item and month with demand."""
    rng = np.random.default_rng(seed + 1)
    calendar = pd.date_range(end=pd.Timestamp(end), periods=months, freq="MS")
    t = np.arange(months)
    season = 1 + 0.25 * np.sin(2 * np.pi * (calendar.month.to_numpy() - 3) / 12)
    rows = []
    for item in items.itertuples():
        base = rng.uniform(80, 600)
        if item.Pattern == "intermittent":
            qty = np.where(rng.random(months) < 0.3, rng.poisson(base / 40, months) + 1, 0)
        else:
            trend = 1 + (rng.uniform(0.005, 0.02) if item.Pattern == "trend" else rng.uniform(-0.003, 0.006)) * t
            level = base * trend * (season if item.Pattern != "trend" else 1)
            qty = rng.normal(level, 0.08 * level)
            if item.Pattern == "promotion":
                for month in rng.choice(np.arange(6, months - 2), size=3, replace=False):
                    qty[month] *= 1.8
                    qty[month + 1] *= 0.7
            if item.Pattern == "new":
                launch = months - int(rng.integers(8, 16))
                ramp = np.clip((t - launch + 1) / 4, 0, 1)
                qty = qty * ramp
        qty = np.round(np.clip(qty, 0, None))
        rows += [(item.Item, m, float(q)) for m, q in zip(calendar, qty) if q > 0]
    return pd.DataFrame(rows, columns=["Item", "Month", "Quantity"])


def sample_capacity(items: pd.DataFrame, history: pd.DataFrame, months: int = 12,
                    start: str = "2026-11-01", seed: int = 7) -> pd.DataFrame:
    """Capacity (Resource, Month, Hours, OvertimeHours): about the recent load, a little tight in peak months."""
    rng = np.random.default_rng(seed + 2)
    made = items.dropna(subset=["Resource"])
    recent = history[history["Month"] > history["Month"].max() - pd.DateOffset(months=12)]
    hours = recent.merge(made, on="Item").assign(h=lambda t: t["Quantity"] * t["HoursPerUnit"])
    monthly_load = hours.groupby("Resource")["h"].sum() / 12
    calendar = pd.date_range(start, periods=months, freq="MS")
    rows = []
    for resource, load in monthly_load.items():
        for month in calendar:
            regular = float(np.round(load * rng.uniform(0.98, 1.08), 0))
            rows.append((resource, month, regular, float(np.round(0.15 * regular, 0))))
    return pd.DataFrame(rows, columns=["Resource", "Month", "Hours", "OvertimeHours"])


def sample_inventory(items: pd.DataFrame, history: pd.DataFrame, as_of: str = "2026-10-31", seed: int = 7) -> pd.DataFrame:
    """On-hand stock by receipt layer (Item, ReceiptDate, Quantity): about one month of demand each."""
    rng = np.random.default_rng(seed + 3)
    average = history.groupby("Item")["Quantity"].mean()
    rows = []
    for item in items["Item"]:
        stock = float(np.round(average.get(item, 0.0) * rng.uniform(0.5, 1.6), 0))
        ages = sorted(rng.choice([5, 20, 45, 80, 130, 200], size=2, replace=False))
        for days, share in zip(ages, (0.7, 0.3)):
            if stock * share >= 1:
                rows.append((item, pd.Timestamp(as_of) - pd.Timedelta(days=int(days)), float(np.round(stock * share, 0))))
    return pd.DataFrame(rows, columns=["Item", "ReceiptDate", "Quantity"])


def sample_budget(items: pd.DataFrame, history: pd.DataFrame, months: int = 12, start: str = "2026-11-01") -> pd.DataFrame:
    """Budget (Family, Month, Units, Revenue): last year's same month per family, grown 4%."""
    priced = history.merge(items[["Item", "Family", "UnitPrice"]], on="Item")
    priced["Revenue"] = priced["Quantity"] * priced["UnitPrice"]
    by_month = priced.groupby(["Family", "Month"])[["Quantity", "Revenue"]].sum().reset_index()
    rows = []
    for month in pd.date_range(start, periods=months, freq="MS"):
        last_year = by_month[by_month["Month"] == month - pd.DateOffset(years=1)]
        for r in last_year.itertuples():
            rows.append((r.Family, month, float(np.round(r.Quantity * 1.04, 0)), float(np.round(r.Revenue * 1.04, 2))))
    return pd.DataFrame(rows, columns=["Family", "Month", "Units", "Revenue"])
