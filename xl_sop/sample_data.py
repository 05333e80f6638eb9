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


Promotions = list[tuple[str, pd.Timestamp]]
"""(Item, Month) of each promotion spike of the sample history."""


def sample_history(items: pd.DataFrame, months: int = 36, end: str = "2026-10-01", seed: int = 7) -> pd.DataFrame:
    """Monthly shipments (Item, Month, Quantity), one row per item and month with demand."""
    return sample_history_and_promotions(items, months, end, seed)[0]


def sample_history_and_promotions(items: pd.DataFrame, months: int = 36, end: str = "2026-10-01",
                                  seed: int = 7) -> tuple[pd.DataFrame, Promotions]:
    """sample_history, and the (Item, Month) of each promotion spike in it (the truth sample_events marks)."""
    rng = np.random.default_rng(seed + 1)
    calendar = pd.date_range(end=pd.Timestamp(end), periods=months, freq="MS")
    t = np.arange(months)
    season = 1 + 0.25 * np.sin(2 * np.pi * (calendar.month.to_numpy() - 3) / 12)
    rows, promotions = [], []
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
                    promotions.append((item.Item, calendar[month]))
            if item.Pattern == "new":
                launch = months - int(rng.integers(8, 16))
                ramp = np.clip((t - launch + 1) / 4, 0, 1)
                qty = qty * ramp
        qty = np.round(np.clip(qty, 0, None))
        rows += [(item.Item, m, float(q)) for m, q in zip(calendar, qty, strict=True) if q > 0]
    return pd.DataFrame(rows, columns=["Item", "Month", "Quantity"]), sorted(promotions)


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
        for days, share in zip(ages, (0.7, 0.3), strict=True):
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


CUSTOMERS = ("Northmart", "Westco", "Bluebird Foods", "Corner Shops", "Metro Cash & Carry")


def sample_orders(items: pd.DataFrame, history: pd.DataFrame, months: int = 12, seed: int = 7) -> pd.DataFrame:
    """Customer order lines for the last ``months`` months of history: each month's shipments split
    into lines; most delivered on time and in full, some late, some short, a few still open."""
    rng = np.random.default_rng(seed + 4)
    recent = history[history["Month"] > history["Month"].max() - pd.DateOffset(months=months)]
    rows, number = [], 5000
    for r in recent.itertuples():
        lines = int(rng.integers(1, 4))
        shares = rng.dirichlet(np.ones(lines))
        for share in shares:
            ordered = float(max(1, round(r.Quantity * share)))
            promised = r.Month + pd.Timedelta(days=int(rng.integers(0, 27)))
            roll = rng.random()
            late = int(rng.integers(1, 12)) if roll < 0.08 else -int(rng.integers(0, 3))
            shipped = ordered if rng.random() > 0.05 else float(round(ordered * rng.uniform(0.6, 0.9)))
            delivered = promised + pd.Timedelta(days=late)
            if rng.random() < 0.01:  # still open: nothing shipped yet
                delivered, shipped = pd.NaT, 0.0
            number += 1
            rows.append((f"SO-{number}", 1, r.Item, CUSTOMERS[int(rng.integers(0, len(CUSTOMERS)))], promised, delivered,
                         ordered, shipped))
    return pd.DataFrame(rows, columns=["Order", "Line", "Item", "Customer", "PromisedDate", "DeliveredDate", "QtyOrdered",
                                       "QtyShipped"])


def sample_production(items: pd.DataFrame, history: pd.DataFrame, months: int = 12, seed: int = 7) -> pd.DataFrame:
    """Planned and actual production (Item, Month, Planned, Actual) of the items made in house."""
    rng = np.random.default_rng(seed + 5)
    made = set(items.dropna(subset=["Resource"])["Item"])
    recent = history[(history["Month"] > history["Month"].max() - pd.DateOffset(months=months)) & history["Item"].isin(made)]
    planned = np.round(recent["Quantity"].to_numpy() * rng.uniform(0.95, 1.1, len(recent)))
    actual = np.round(planned * np.clip(rng.normal(0.96, 0.05, len(recent)), 0.7, 1.05))
    return pd.DataFrame({"Item": recent["Item"].to_numpy(), "Month": recent["Month"].to_numpy(), "Planned": planned,
                         "Actual": actual})


def sample_archive(items: pd.DataFrame, history: pd.DataFrame, cycles: int = 6, horizon: int = 6, seed: int = 7,
                   promotions: Promotions | None = None) -> pd.DataFrame:
    """Plan versions of the last ``cycles`` cycles, as if each had been frozen in its month: the
    statistical forecast from the history known then, with sales and marketing adjustments, and the ``promotions``
    planned as events (+60% in the month, -25% the month after)."""
    from xl_sop.forecast import forecast_many

    rng = np.random.default_rng(seed + 6)
    last = history["Month"].max()
    family = items.set_index("Item")["Family"]
    promoted = set(items.loc[items["Pattern"] == "promotion", "Item"]) if "Pattern" in items else set()
    spikes = set(promotions or [])
    frames = []
    for k in range(cycles, 0, -1):
        cycle = last - pd.DateOffset(months=k - 1)
        known = history[history["Month"] < cycle]
        fc = forecast_many(known, horizon).dropna(subset=["Forecast"])
        stat = fc["Forecast"].round(2).to_numpy()
        sales = np.where(rng.random(len(fc)) < 0.35, np.round(stat * rng.normal(0.03, 0.10, len(fc))), np.nan)
        promote = fc["Item"].isin(promoted) & (rng.random(len(fc)) < 0.3)
        marketing = np.where(promote, np.round(stat * rng.uniform(0.05, 0.3, len(fc))), np.nan)
        key = list(zip(fc["Item"], fc["Month"], strict=True))
        after = {(i, m + pd.DateOffset(months=1)) for i, m in spikes}
        events = np.where([k in spikes for k in key], np.round(stat * 0.6),
                          np.where([k in after for k in key], np.round(stat * -0.25), np.nan))
        frames.append(pd.DataFrame({
            "PlanMonth": cycle, "Item": fc["Item"].to_numpy(), "Family": fc["Item"].map(family).to_numpy(),
            "Month": fc["Month"].to_numpy(),
            "Statistical": stat, "Events": events, "SalesAdj": sales, "MarketingAdj": marketing,
            "Consensus": np.maximum(0, stat + np.nan_to_num(events) + np.nan_to_num(sales) + np.nan_to_num(marketing)),
            "FrozenOn": cycle - pd.Timedelta(days=3),
        }))
    return pd.concat(frames, ignore_index=True)


REGIONS = ("North", "South", "Export")
"""The regions of the demo: North sells most, Export least but growing, South peaks half a year after North."""


def split_by_region(history: pd.DataFrame, regions: tuple[str, ...] = REGIONS, seed: int = 7) -> pd.DataFrame:
    """``history`` (Item, Month, Quantity) split over ``regions``: Item, Month, Quantity, Region, one row per item,
    month and region with demand; each item-month's regions add up to its quantity exactly (whole units).

    Each item has stable shares of its regions (about 50/35/15 for three), and each region its own pattern so that
    forecasting per region matters: the second region's season runs six months behind the first's, the third grows
    about 2% a month against the others. Weight of region r in month t:
        w_r(t) = share_r x (1 + 0.2 sin(2 pi (month - 3 - 6 [r = 1]) / 12)) x (1.02 ^ t if r = 2 else 1)
    """
    from xl_sop.hierarchy import spread

    rng = np.random.default_rng(seed + 7)
    base = np.array([0.5, 0.35, 0.15, *([0.1] * max(len(regions) - 3, 0))])[: len(regions)]
    months = pd.DatetimeIndex(sorted(history["Month"].unique()))
    t = {m: k for k, m in enumerate(months)}
    shares = {item: rng.dirichlet(40 * base / base.sum()) for item in dict.fromkeys(history["Item"])}
    rows = []
    for item, month, quantity in history[["Item", "Month", "Quantity"]].itertuples(index=False):
        lag = np.array([6 if r == 1 else 0 for r in range(len(regions))])
        season = 1 + 0.2 * np.sin(2 * np.pi * (month.month - 3 - lag) / 12)
        growth = np.array([1.02 ** t[month] if r == 2 else 1.0 for r in range(len(regions))])
        split = spread(float(quantity), shares[item] * season * growth, decimals=0)
        rows += [(item, month, float(q), region) for q, region in zip(split, regions, strict=True) if q > 0]
    return pd.DataFrame(rows, columns=["Item", "Month", "Quantity", "Region"])


LAUNCH_ITEM = "BEV-2000"


def sample_launch_item(items: pd.DataFrame) -> pd.DataFrame:
    """One Items row without history: a new beverage, launched in the plan (sample_events), made like the family's
    first seasonal item."""
    like = items[(items["Family"] == "Beverages") & (items["Pattern"] == "seasonal")].iloc[0]
    return pd.DataFrame([{**like.to_dict(), "Item": LAUNCH_ITEM, "Description": "Beverages new flavour (launch)",
                          "Pattern": "launch"}])


def sample_events(items: pd.DataFrame, promotions: Promotions, cycle: str = "2026-11-01") -> pd.DataFrame:
    """The Events table of the demo: every past promotion spike (``promotions``: its month and the dip after it,
    as one event), a future promotion, a family one-off, the launch of LAUNCH_ITEM shaped like its like item, and a
    phase-out with a successor."""
    start = pd.Timestamp(cycle)
    month = pd.DateOffset(months=1)
    rows: list[tuple[object, ...]] = [(item, None, "promotion", m, m + month, None, None, None, None, None,
             "x1.8, then x0.7 (stocked up)")
            for item, m in promotions if m + month < start]
    promoted = items.loc[items["Pattern"] == "promotion", "Item"]
    if len(promoted):
        rows.append((promoted.iloc[0], None, "promotion", start + month, start + month, 0.3, None, None, None, None,
                     "Christmas display"))
    if (items["Family"] == "Household").any():
        rows.append((None, "Household", "one-off", start + 4 * month, start + 4 * month, None, 150.0, None, None, None,
                     "trade fair order"))
    like = items[(items["Family"] == "Beverages") & (items["Pattern"] == "seasonal")]
    if len(like):
        rows.append((LAUNCH_ITEM, None, "launch", start + 2 * month, None, None, None, like["Item"].iloc[0], 250.0,
                     None, "new flavour"))
    snacks = items[(items["Family"] == "Snacks") & items["Pattern"].isin(["seasonal", "trend"])]["Item"]
    if len(snacks) >= 2:
        rows.append((snacks.iloc[0], None, "phase-out", start + 6 * month, None, None, None, None, None, snacks.iloc[1],
                     f"replaced by {snacks.iloc[1]}"))
    return pd.DataFrame(rows, columns=["Item", "Family", "Kind", "FromMonth", "ToMonth", "UpliftPct", "UpliftUnits",
                                       "LikeItem", "LaunchUnits", "Successor", "Note"])
