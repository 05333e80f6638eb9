"""The metrics from the data tables, by item, family and month (Follow-up step).

Tables follow the data contract of DESIGN.md (column names case-insensitive):
History (Item, Month, Quantity), Items (Item, Family, UnitPrice, UnitCost),
Orders (Order, Line, Item, Customer, PromisedDate, DeliveredDate, QtyOrdered,
QtyShipped), Inventory (Item, ReceiptDate, Quantity), Production (Item, Month,
Planned, Actual), and the plan archive (PlanMonth, Item, Month, Forecast): the
forecasts frozen in each cycle.

Each function returns a DataFrame with the grouping columns and one column per
metric; groups with nothing to measure get a blank (NaN), never an error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xl_sop.frames import columns
from xl_sop.frames import month_start as _month
from xl_sop.metrics.operations import DEFAULT_AGING_EDGES, aging_labels


def _with_family(frame: pd.DataFrame, items: pd.DataFrame | None, extra=()) -> pd.DataFrame:
    if items is None:
        return frame.assign(Family="(all)")
    items = columns(items, "Items", "Item", "Family", *extra)
    return frame.merge(items[["Item", "Family", *extra]].drop_duplicates("Item"), on="Item", how="left").fillna({"Family": "(no family)"})


def _safe_ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den != 0)).astype(float)


def accuracy_by(actuals: pd.DataFrame, forecasts: pd.DataFrame, items: pd.DataFrame | None = None, by=("Family", "Month")) -> pd.DataFrame:
    """Forecast accuracy, WMAPE and bias per group from History and a forecast table.

    forecasts: Item, Month, Forecast. Item-months are matched; a month with a
    forecast and no history row counts as zero actual (ERP extracts list only
    months with shipments), but only within the months the history covers.
    Accuracy = max(0, 1 - sum|A-F| / sum|A|); bias = sum(F-A) / sum|A|.
    Units: shares. With items, revenue accuracy (units x UnitPrice) is added.
    """
    hist = columns(actuals, "History", "Item", "Month", "Quantity")
    fc = columns(forecasts, "forecasts", "Item", "Month", "Forecast")
    hist = hist.assign(Month=_month(hist["Month"])).groupby(["Item", "Month"], as_index=False)["Quantity"].sum()
    fc = fc.assign(Month=_month(fc["Month"]))
    fc = fc[fc["Month"] <= hist["Month"].max()]
    pairs = fc.merge(hist, on=["Item", "Month"], how="left").fillna({"Quantity": 0.0})
    pairs = _with_family(pairs, items, ("UnitPrice",) if items is not None else ())
    pairs["AbsErr"] = (pairs["Quantity"] - pairs["Forecast"]).abs()
    pairs["Err"] = pairs["Forecast"] - pairs["Quantity"]
    pairs["AbsA"] = pairs["Quantity"].abs()
    agg = {"AbsErr": "sum", "Err": "sum", "AbsA": "sum"}
    if "UnitPrice" in pairs:
        pairs["RevAbsErr"] = pairs["AbsErr"] * pairs["UnitPrice"]
        pairs["RevA"] = pairs["AbsA"] * pairs["UnitPrice"]
        agg.update(RevAbsErr="sum", RevA="sum")
    g = pairs.groupby(list(by), as_index=False).agg(agg)
    out = g[list(by)].copy()
    out["Actual"] = g["AbsA"]
    out["WMAPE"] = _safe_ratio(g["AbsErr"], g["AbsA"])
    out["Accuracy"] = (1 - out["WMAPE"]).clip(lower=0)
    out["Bias"] = _safe_ratio(g["Err"], g["AbsA"])
    if "RevA" in g:
        out["RevenueAccuracy"] = (1 - _safe_ratio(g["RevAbsErr"], g["RevA"])).clip(lower=0)
    return out


def accuracy_by_lag(archive: pd.DataFrame, actuals: pd.DataFrame, max_lag: int | None = None) -> pd.DataFrame:
    """Forecast accuracy by lag from archived plan versions (the "waterfall").

    archive: PlanMonth (the cycle month the plan was frozen), Item, Month,
    Forecast. lag = months from PlanMonth to Month (a plan frozen in January
    for March has lag 2). For every target month and lag: the actual, the
    forecast made `lag` months before, and accuracy max(0, 1 - sum|A-F| / sum|A|)
    over the items. A last row per lag (Month blank) sums all months.
    """
    arch = columns(archive, "PlanArchive", "PlanMonth", "Item", "Month", "Forecast")
    arch = arch.assign(PlanMonth=_month(arch["PlanMonth"]), Month=_month(arch["Month"]))
    arch["Lag"] = (arch["Month"].dt.year - arch["PlanMonth"].dt.year) * 12 + arch["Month"].dt.month - arch["PlanMonth"].dt.month
    arch = arch[arch["Lag"] >= 0]
    if max_lag is not None:
        arch = arch[arch["Lag"] <= max_lag]
    hist = columns(actuals, "History", "Item", "Month", "Quantity")
    hist = hist.assign(Month=_month(hist["Month"])).groupby(["Item", "Month"], as_index=False)["Quantity"].sum()
    arch = arch[arch["Month"] <= hist["Month"].max()]
    pairs = arch.merge(hist, on=["Item", "Month"], how="left").fillna({"Quantity": 0.0})
    pairs["AbsErr"] = (pairs["Quantity"] - pairs["Forecast"]).abs()
    pairs["AbsA"] = pairs["Quantity"].abs()

    def summarise(g):
        return pd.Series({
            "Actual": g["Quantity"].sum(),
            "Forecast": g["Forecast"].sum(),
            "Accuracy": max(0.0, 1 - g["AbsErr"].sum() / g["AbsA"].sum()) if g["AbsA"].sum() else np.nan,
        })

    cols = ["Lag", "Month", "Actual", "Forecast", "Accuracy"]
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    by_month = pairs.groupby(["Lag", "Month"]).apply(summarise, include_groups=False).reset_index()
    total = pairs.groupby("Lag").apply(summarise, include_groups=False).reset_index().assign(Month=pd.NaT)
    return pd.concat([by_month, total], ignore_index=True)[cols].sort_values(["Lag", "Month"], na_position="last", ignore_index=True)


def fulfilment_by(orders: pd.DataFrame, items: pd.DataFrame | None = None, by=("Month",), as_of=None, tolerance_days: int = 0) -> pd.DataFrame:
    """Service level (unit fill rate), line fill, on-time delivery, OTIF and
    backorder rates of customer order lines, grouped by the promised month
    (Month) and/or Family, Item, Customer.

    - ServiceLevel = sum min(QtyShipped, QtyOrdered) / sum QtyOrdered
    - LineFill = share of lines with QtyShipped >= QtyOrdered
    - OnTime = share of due lines delivered <= PromisedDate + tolerance
      (undelivered lines count as late once past due at as_of, default today)
    - OTIF = share of due lines on time and in full
    - BackorderRate = share of lines with QtyOrdered - QtyShipped > 0 once due;
      BackorderUnits = sum of those shortfalls / sum QtyOrdered
    """
    o = columns(orders, "Orders", "Item", "PromisedDate", "DeliveredDate", "QtyOrdered", "QtyShipped")
    o = _with_family(o, items)
    today = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.today().normalize()
    promised = pd.to_datetime(o["PromisedDate"], errors="coerce")
    delivered = pd.to_datetime(o["DeliveredDate"], errors="coerce")
    due = promised + pd.Timedelta(days=tolerance_days)
    ordered = pd.to_numeric(o["QtyOrdered"], errors="coerce").fillna(0)
    shipped = pd.to_numeric(o["QtyShipped"], errors="coerce").fillna(0)
    counted = delivered.notna() | (today > due)
    on_time = delivered.notna() & (delivered <= due)
    full = shipped >= ordered
    shortfall = (ordered - shipped).clip(lower=0)
    frame = pd.DataFrame({
        "Month": promised.dt.to_period("M").dt.to_timestamp(), "Family": o["Family"], "Item": o["Item"],
        "Customer": o.get("Customer", pd.Series("", index=o.index)),
        "Ordered": ordered, "Filled": np.minimum(shipped, ordered), "LineFull": full.astype(float),
        "Counted": counted.astype(float), "OnTime": (on_time & counted).astype(float),
        "OTIF": (on_time & full & counted).astype(float), "Back": ((shortfall > 0) & counted).astype(float),
        "Short": shortfall.where(counted, 0.0), "OrderedDue": ordered.where(counted, 0.0),
    })
    g = frame.groupby(list(by), as_index=False).agg(
        Lines=("Ordered", "size"), Ordered=("Ordered", "sum"), Filled=("Filled", "sum"), LineFull=("LineFull", "mean"),
        Counted=("Counted", "sum"), OnTime=("OnTime", "sum"), OTIF=("OTIF", "sum"), Back=("Back", "sum"),
        Short=("Short", "sum"), OrderedDue=("OrderedDue", "sum"))
    out = g[list(by)].copy()
    out["Lines"] = g["Lines"]
    out["ServiceLevel"] = _safe_ratio(g["Filled"], g["Ordered"])
    out["LineFill"] = g["LineFull"]
    out["OnTime"] = _safe_ratio(g["OnTime"], g["Counted"])
    out["OTIF"] = _safe_ratio(g["OTIF"], g["Counted"])
    out["BackorderRate"] = _safe_ratio(g["Back"], g["Counted"])
    out["BackorderUnits"] = _safe_ratio(g["Short"], g["OrderedDue"])
    return out


def attainment_by(production: pd.DataFrame, items: pd.DataFrame | None = None, by=("Month",)) -> pd.DataFrame:
    """Production schedule attainment = sum min(Actual, Planned) / sum Planned per group."""
    p = columns(production, "Production", "Item", "Month", "Planned", "Actual")
    p = _with_family(p.assign(Month=_month(p["Month"])), items)
    planned = pd.to_numeric(p["Planned"], errors="coerce")
    actual = pd.to_numeric(p["Actual"], errors="coerce")
    keep = planned.notna() & actual.notna()
    p = p[keep].assign(P=planned[keep], M=np.minimum(actual[keep], planned[keep]))
    g = p.groupby(list(by), as_index=False).agg(Planned=("P", "sum"), Met=("M", "sum"))
    out = g[list(by)].copy()
    out["Planned"] = g["Planned"]
    out["Attainment"] = _safe_ratio(g["Met"], g["Planned"])
    return out


def aging_by(inventory: pd.DataFrame, items: pd.DataFrame | None = None, as_of=None, by=("Family",), edges=DEFAULT_AGING_EDGES) -> pd.DataFrame:
    """Inventory quantity per age bucket (columns 0-30, 31-60, ... , over 180)
    per group; age = whole days from ReceiptDate to as_of, an edge belonging
    to the lower bucket."""
    inv = columns(inventory, "Inventory", "Item", "ReceiptDate", "Quantity")
    inv = _with_family(inv, items)
    today = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.today().normalize()
    age = (today - pd.to_datetime(inv["ReceiptDate"], errors="coerce")).dt.days
    labels = aging_labels(edges)
    bucket = pd.cut(age.clip(lower=0), [-1, *edges, np.inf], labels=labels, right=True)
    inv = inv.assign(Bucket=bucket, Qty=pd.to_numeric(inv["Quantity"], errors="coerce").fillna(0))
    table = inv.pivot_table(index=list(by), columns="Bucket", values="Qty", aggfunc="sum", fill_value=0, observed=False)
    table = table.reindex(columns=labels, fill_value=0).reset_index()
    table.columns.name = None
    table["Total"] = table[labels].sum(axis=1)
    return table


def inventory_turns_by(history: pd.DataFrame, inventory: pd.DataFrame, items: pd.DataFrame, months: int = 12, by=("Family",)) -> pd.DataFrame:
    """Inventory turns per group = COGS of the last `months` months, annualised
    (x 12 / months), / inventory on hand at cost now.

    COGS = shipped quantity x UnitCost. With one inventory snapshot (the
    Inventory table), the current balance stands in for the average balance.
    """
    hist = columns(history, "History", "Item", "Month", "Quantity")
    hist = hist.assign(Month=_month(hist["Month"]))
    recent = hist[hist["Month"] > hist["Month"].max() - pd.DateOffset(months=months)]
    recent = _with_family(recent, items, ("UnitCost",))
    recent = recent.assign(COGS=pd.to_numeric(recent["Quantity"], errors="coerce").fillna(0) * recent["UnitCost"])
    inv = _with_family(columns(inventory, "Inventory", "Item", "ReceiptDate", "Quantity"), items, ("UnitCost",))
    inv = inv.assign(Value=pd.to_numeric(inv["Quantity"], errors="coerce").fillna(0) * inv["UnitCost"])
    cogs = recent.groupby(list(by))["COGS"].sum() * 12 / months
    value = inv.groupby(list(by))["Value"].sum()
    out = pd.concat([cogs.rename("COGS"), value.rename("InventoryValue")], axis=1).fillna(0).reset_index()
    out["Turns"] = _safe_ratio(out["COGS"], out["InventoryValue"])
    return out
