"""Realistic, seeded sample data for the demo and the tests.

Items come in product families and show the patterns a planner meets: steady
seasonal sellers, trending items, promotions (a spike, then a dip as customers
stocked up), intermittent spare parts and newly launched items.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FAMILIES = ("Beverages", "Snacks", "Household", "Spare Parts")
PATTERNS = ("seasonal", "seasonal", "trend", "promotion", "intermittent", "new")


def sample_items(count: int = 24, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
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
