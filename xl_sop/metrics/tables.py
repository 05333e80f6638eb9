"""The metrics from the data tables, by item, family and month (Follow-up step).

Tables follow the data contract of DESIGN.md (column names case-insensitive):
History (Item, Month, Quantity), Items (Item, Family, UnitPrice, UnitCost),
Orders (Order, Line, Item, Customer, PromisedDate, DeliveredDate, QtyOrdered,
QtyShipped), Inventory (Item, ReceiptDate, Quantity), Production (Item, Month,
Planned, Actual), and the plan archive (PlanMonth, Item, Month, Forecast): the
forecasts frozen in each cycle.

Each function lines the table's rows up (family lookup, months, matching
actuals to forecasts), groups them and calls the metric's grouped routine, the
same routine the =SOP_* cell functions call with one group. It returns a
DataFrame with the grouping columns and one column per metric; a group with
nothing to measure gets a blank (NaN) where the cell function would say why.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from xl_sop import cells
from xl_sop.forecast.base import FloatArray
from xl_sop.frames import as_numbers, checked, columns
from xl_sop.frames import month_start as _month
from xl_sop.metrics.accuracy import forecast_accuracy_grouped
from xl_sop.metrics.fulfilment import (
    backorder_rate_grouped,
    due_and_on_time,
    on_time_delivery_grouped,
    otif_grouped,
    service_level_grouped,
)
from xl_sop.metrics.groups import DayArray, Groups
from xl_sop.metrics.inventory import DEFAULT_AGING_EDGES, inventory_aging_grouped, inventory_turns_grouped
from xl_sop.metrics.production import schedule_attainment_grouped


def _with_family(frame: pd.DataFrame, items: pd.DataFrame | None, extra: Sequence[str] = ()) -> pd.DataFrame:
    if items is None:
        return frame.assign(Family="(all)")
    items = checked(columns(items, "Items", "Item", "Family", *extra), "Items", numbers=list(extra))
    items = items[["Item", "Family", *extra]].drop_duplicates("Item")
    return frame.merge(items, on="Item", how="left").fillna({"Family": "(no family)"})


def _inventory(inventory: pd.DataFrame) -> pd.DataFrame:
    return checked(columns(inventory, "Inventory", "Item", "ReceiptDate", "Quantity"), "Inventory", numbers=["Quantity"],
                   dates=["ReceiptDate"])


def _numbers(series: pd.Series) -> FloatArray:
    numbers: FloatArray = as_numbers(series).to_numpy(dtype=float)
    return numbers


def _days(series: pd.Series) -> DayArray:
    days: DayArray = cells.date_column(series)[0].to_numpy().astype("datetime64[D]")
    return days


def _day(value: object) -> np.datetime64 | None:
    return None if value is None else np.datetime64(pd.Timestamp(value).date(), "D")


def _actual_for_each_forecast(actuals: pd.DataFrame, forecasts: pd.DataFrame, name: str) -> pd.DataFrame:
    """Rows of the forecast table ``name`` (Item, Month, Forecast) with the actual of their item and month (Quantity).

    A month with a forecast and no history row counts as zero actual (ERP
    extracts list only months with shipments), but only within the months the
    history covers.
    """
    hist = checked(columns(actuals, "History", "Item", "Month", "Quantity"), "History", numbers=["Quantity"],
                   dates=["Month"])
    hist = hist.assign(Month=_month(hist["Month"])).groupby(["Item", "Month"], as_index=False)["Quantity"].sum()
    fc = checked(columns(forecasts, name, "Item", "Month", "Forecast"), name, numbers=["Forecast"], dates=["Month"])
    fc = fc.assign(Month=_month(fc["Month"]))
    fc = fc[fc["Month"] <= hist["Month"].max()]
    return fc.merge(hist, on=["Item", "Month"], how="left").fillna({"Quantity": 0.0})


def accuracy_by(actuals: pd.DataFrame, forecasts: pd.DataFrame, items: pd.DataFrame | None = None,
                by: Sequence[str] = ("Family", "Month")) -> pd.DataFrame:
    """Forecast accuracy, WMAPE and bias per group from History and a forecast table.

    forecasts: Item, Month, Forecast. Item-months are matched; a month with a
    forecast and no history row counts as zero actual, within the months the
    history covers. Columns: Actual (sum of actuals [units]), WMAPE, Accuracy
    and Bias [shares], as xl_sop.metrics.forecast_accuracy_grouped; with items,
    RevenueAccuracy: the same Accuracy on revenue (units x UnitPrice).
    """
    pairs = _actual_for_each_forecast(actuals, forecasts, "forecasts")
    pairs = _with_family(pairs, items, ("UnitPrice",) if items is not None else ())
    groups, out = Groups.of(pairs, by)
    actual, forecast = _numbers(pairs["Quantity"]), _numbers(pairs["Forecast"])
    units = forecast_accuracy_grouped(actual, forecast, groups)
    out = out.assign(Actual=units["Actual"], WMAPE=units["WMAPE"], Accuracy=units["Accuracy"], Bias=units["Bias"])
    if "UnitPrice" in pairs:
        price = _numbers(pairs["UnitPrice"])
        out["RevenueAccuracy"] = forecast_accuracy_grouped(actual * price, forecast * price, groups)["Accuracy"]
    return out


def accuracy_by_lag(archive: pd.DataFrame, actuals: pd.DataFrame, max_lag: int | None = None) -> pd.DataFrame:
    """Forecast accuracy by lag from archived plan versions (the "waterfall").

    archive: PlanMonth (the cycle month the plan was frozen), Item, Month,
    Forecast. lag = months from PlanMonth to Month (a plan frozen in January
    for March has lag 2; lag 0 = the forecast made in the month itself). For
    every target month and lag: the actual, the forecast made `lag` months
    before, and accuracy max(0, 1 - sum|A-F| / sum|A|) over the items
    (forecast_accuracy_grouped). A last row per lag (Month blank) sums all months.
    """
    arch = checked(columns(archive, "PlanArchive", "PlanMonth", "Item", "Month", "Forecast"), "PlanArchive",
                   numbers=["Forecast"], dates=["PlanMonth", "Month"])
    arch = arch.assign(PlanMonth=_month(arch["PlanMonth"]), Month=_month(arch["Month"]))
    month, plan_month = arch["Month"].dt, arch["PlanMonth"].dt
    arch["Lag"] = (month.year - plan_month.year) * 12 + month.month - plan_month.month
    arch = arch[arch["Lag"] >= 0]
    if max_lag is not None:
        arch = arch[arch["Lag"] <= max_lag]
    pairs = _actual_for_each_forecast(actuals, arch, "PlanArchive")
    cols = ["Lag", "Month", "Actual", "Forecast", "Accuracy"]
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    actual, forecast = _numbers(pairs["Quantity"]), _numbers(pairs["Forecast"])
    parts = []
    for by in (("Lag", "Month"), ("Lag",)):
        groups, keys = Groups.of(pairs, by)
        measured = forecast_accuracy_grouped(actual, forecast, groups)
        parts.append(keys.assign(Actual=measured["Actual"], Forecast=measured["Forecast"], Accuracy=measured["Accuracy"]))
    total = parts[1].assign(Month=pd.NaT)
    out = pd.concat([parts[0], total], ignore_index=True)[cols]
    return out.sort_values(["Lag", "Month"], na_position="last", ignore_index=True)


def fulfilment_by(orders: pd.DataFrame, items: pd.DataFrame | None = None, by: Sequence[str] = ("Month",),
                  as_of: object = None, tolerance_days: int = 0) -> pd.DataFrame:
    """Fill rates, on-time delivery, OTIF and backorder rates of customer order
    lines, grouped by the promised month (Month) and/or Family, Item, Customer.

    The routines of xl_sop.metrics.fulfilment, with the same blanks as the
    cell functions (a blank QtyShipped is nothing shipped, a blank
    DeliveredDate not delivered; a line without PromisedDate or QtyOrdered is
    left out); as_of defaults to today.

    - Lines: lines with a quantity ordered
    - FillRate = sum min(QtyShipped, QtyOrdered) / sum QtyOrdered (the
      "service level" of the metrics); LineFillRate = share of lines shipped in full
    - OnTime = share of due lines delivered <= PromisedDate + tolerance
      (undelivered lines count as late once past due at as_of)
    - OTIF = share of due lines on time and in full
    - BackorderRate = share of due lines with QtyOrdered - QtyShipped > 0;
      BackorderUnits = sum of those shortfalls / sum QtyOrdered of due lines
    """
    o = checked(columns(orders, "Orders", "Item", "PromisedDate", "DeliveredDate", "QtyOrdered", "QtyShipped"), "Orders",
                numbers=["QtyOrdered", "QtyShipped"], dates=["PromisedDate", "DeliveredDate"])
    o = _with_family(o, items)
    promised, delivered = _days(o["PromisedDate"]), _days(o["DeliveredDate"])
    ordered, shipped = _numbers(o["QtyOrdered"]), _numbers(o["QtyShipped"])
    lines = pd.DataFrame({"Month": _month(o["PromisedDate"]), "Family": o["Family"], "Item": o["Item"],
                          "Customer": o.get("Customer", pd.Series("", index=o.index))})
    groups, out = Groups.of(lines, by)
    day = _day(as_of)
    fill = service_level_grouped(ordered, shipped, groups)
    on_time = on_time_delivery_grouped(promised, delivered, groups, tolerance_days, day)
    otif = otif_grouped(promised, delivered, ordered, shipped, groups, tolerance_days, day)
    short = np.maximum(ordered - np.nan_to_num(shipped, nan=0.0), 0.0)
    due, _ = due_and_on_time(promised, delivered, tolerance_days, day)
    backorders = backorder_rate_grouped(np.where(due, ordered, np.nan), short, groups)  # measured once due
    return out.assign(
        Lines=fill["Lines"], FillRate=fill["FillRate"], LineFillRate=fill["LineFillRate"],
        OnTime=on_time["OnTime"], OTIF=otif["OTIF"],
        BackorderRate=backorders["BackorderRate"], BackorderUnits=backorders["BackorderUnits"])


def attainment_by(production: pd.DataFrame, items: pd.DataFrame | None = None,
                  by: Sequence[str] = ("Month",)) -> pd.DataFrame:
    """Production schedule attainment = sum min(Actual, Planned) / sum Planned per group
    (xl_sop.metrics.schedule_attainment_grouped); rows without both numbers are skipped."""
    p = checked(columns(production, "Production", "Item", "Month", "Planned", "Actual"), "Production",
                numbers=["Planned", "Actual"], dates=["Month"])
    p = _with_family(p.assign(Month=_month(p["Month"])), items)
    groups, out = Groups.of(p, by)
    result = schedule_attainment_grouped(_numbers(p["Planned"]), _numbers(p["Actual"]), groups)
    return out.assign(Planned=result["Planned"], Attainment=result["Attainment"])


def aging_by(inventory: pd.DataFrame, items: pd.DataFrame | None = None, as_of: object = None,
             by: Sequence[str] = ("Family",), edges: Iterable[float] = DEFAULT_AGING_EDGES) -> pd.DataFrame:
    """Inventory quantity per age bucket (columns 0-30, 31-60, ... , over 180)
    per group, and Total (xl_sop.metrics.inventory_aging_grouped): age = whole
    days from ReceiptDate to as_of (default today), an edge belonging to the
    lower bucket; a layer received after as_of is left out."""
    inv = _with_family(_inventory(inventory), items)
    groups, out = Groups.of(inv, by)
    table = inventory_aging_grouped(_days(inv["ReceiptDate"]), _numbers(inv["Quantity"]), groups, _day(as_of), edges)
    return pd.concat([out, table], axis=1)


def inventory_turns_by(history: pd.DataFrame, inventory: pd.DataFrame, items: pd.DataFrame, months: int = 12,
                       by: Sequence[str] = ("Family",)) -> pd.DataFrame:
    """Inventory turns per group = COGS of the last `months` months, annualised
    (x 12 / months), / inventory on hand at cost now (inventory_turns_grouped).

    COGS = shipped quantity x UnitCost; a group without shipments has COGS 0.
    With one inventory snapshot (the Inventory table), the current balance
    stands in for the average balance.
    """
    hist = checked(columns(history, "History", "Item", "Month", "Quantity"), "History", numbers=["Quantity"],
                   dates=["Month"])
    hist = hist.assign(Month=_month(hist["Month"]))
    recent = hist[hist["Month"] > hist["Month"].max() - pd.DateOffset(months=months)]
    recent = _with_family(recent, items, ("UnitCost",))
    inv = _with_family(_inventory(inventory), items, ("UnitCost",))
    both = pd.concat([recent[list(by)], inv[list(by)]], ignore_index=True)
    groups, out = Groups.of(both, by)
    sold, held = Groups(groups.codes[:len(recent)], groups.size), Groups(groups.codes[len(recent):], groups.size)
    cogs = sold.sum(np.nan_to_num(_numbers(recent["Quantity"]) * _numbers(recent["UnitCost"]))) * 12 / months
    value = held.sum(np.nan_to_num(_numbers(inv["Quantity"]) * _numbers(inv["UnitCost"])))
    each = Groups(np.arange(groups.size), groups.size)  # one COGS and one balance per group
    turns = inventory_turns_grouped(cogs, value, each, each)
    return out.assign(COGS=cogs, InventoryValue=value, Turns=turns["Turns"])
