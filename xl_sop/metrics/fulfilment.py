"""Customer-facing metrics of order lines: fill rate (the "service level" of the
metrics), on-time delivery, on time in full (OTIF) and backorder rate.

Blanks, the same in every entry point (cell functions and tables): a line
without a promised date or an ordered quantity is left out (there is nothing to
measure it against); a blank shipped quantity is nothing shipped yet, a blank
delivered date is not delivered yet, a blank backordered quantity is nothing
backordered (an ERP extract leaves them blank until they happen).

"Service level" here is the fill rate, a share of demand filled; the cycle
service level of safety stock (xl_sop.supply.safety_stock) is a probability of
no stock-out in a replenishment cycle. See docs/nomenclature.md.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from xl_sop.errors import InputError
from xl_sop.forecast.base import FloatArray
from xl_sop.forecast.prepare import flatten
from xl_sop.metrics._inputs import as_of_day, choice, days, equal_length, single_value
from xl_sop.metrics.groups import BoolArray, DayArray, Groups, IntArray, or_single, present, share

MAX_TOLERANCE_DAYS = 3660
_NOT_DUE = "order is delivered or past due"


def service_level_grouped(ordered: ArrayLike, shipped: ArrayLike, groups: Groups | None = None,
                          order_ids: Iterable[object] | None = None) -> pd.DataFrame:
    """Fill rate of order lines per group, on three bases.

    Parameters
    ----------
    ordered : array of float
        Quantity ordered per line [units]; a blank leaves the line out.
    shipped : array of float
        Quantity shipped per line [units]; blank = 0 (nothing shipped yet).
    groups : Groups, optional
        The group of each line; default: all lines in one group.
    order_ids : array, optional
        The order number of each line (for the order basis); a blank leaves the line out of it.

    Returns
    -------
    DataFrame, one row per group:

    - Lines: count of lines measured;
    - FillRate (unit fill rate, the default "service level") = sum min(shipped,
      ordered) / sum ordered [share]: shipping more than ordered on one line
      does not make up for another line's shortage;
    - LineFillRate = share of lines with shipped >= ordered;
    - Orders, OrderFillRate = share of orders all of whose lines have shipped
      >= ordered (NaN without order_ids).

    NaN where nothing is ordered or no line is measured. The unit fill rate is
    the fill rate "P2" of [1]; the cycle service level "P1" (probability of no
    stock-out per replenishment cycle) is the safety-stock target, not this.

    References
    ----------
    .. [1] E. A. Silver, D. F. Pyke and D. J. Thomas, Inventory and Production
       Management in Supply Chains, 4th ed., CRC Press (2017).
    """
    o = np.asarray(ordered, dtype=float)
    s = np.nan_to_num(np.asarray(shipped, dtype=float), nan=0.0)
    groups = or_single(groups, o.size)
    line = present(o)
    full = line & (s >= o)
    orders, order_fill = _orders_complete(groups, line, full, order_ids)
    return pd.DataFrame({
        "Lines": groups.count(line), "FillRate": share(groups.sum(np.minimum(s, o), line), groups.sum(o, line)),
        "LineFillRate": share(groups.count(full), groups.count(line)), "Orders": orders, "OrderFillRate": order_fill,
    })


def _orders_complete(groups: Groups, line: BoolArray, full: BoolArray,
                     order_ids: Iterable[object] | None) -> tuple[IntArray, FloatArray]:
    """(orders, share of orders with every line full) per group; NaN shares without order ids."""
    if order_ids is None:
        return np.zeros(groups.size, dtype=int), np.full(groups.size, np.nan)
    lines = pd.DataFrame({"group": groups.codes, "order": pd.Series(list(order_ids), dtype=object), "full": full})
    lines = lines[line & (groups.codes >= 0)]
    complete = lines.groupby(["group", "order"], sort=False, dropna=True)["full"].all()
    per_group = complete.groupby(level="group").agg(["size", "sum"]).reindex(range(groups.size), fill_value=0)
    return per_group["size"].to_numpy(int), share(per_group["sum"], per_group["size"])


def service_level(ordered: object, shipped: object, basis: str = "unit", order_ids: object = None) -> float:
    """Customer service level measured as the fill rate: ``service_level_grouped`` on one group.

    basis: unit (default; sum min(shipped, ordered) / sum ordered), line (share
    of lines shipped in full) or order (share of orders shipped in full, needs
    order_ids, one per line). ordered, shipped: ranges of equal length
    [units]; a blank ordered leaves the line out, a blank shipped counts as 0.
    Not the cycle service level of safety stock (docs/nomenclature.md).
    """
    basis = choice(basis, ("unit", "line", "order"), "basis")
    o, s = equal_length(("ordered", ordered), ("shipped", shipped))
    if basis == "order":
        if order_ids is None:
            raise InputError("basis 'order' needs order_ids (one order number per line)")
        ids = flatten(order_ids)
        if len(ids) != o.size:
            raise InputError(f"ordered has {o.size} values and order_ids {len(ids)}: give ranges of equal length")
        return single_value(service_level_grouped(o, s, order_ids=ids), "OrderFillRate", counted="Orders",
                            nothing="order lines with an order id and ordered", undefined="no order to measure")
    column = "FillRate" if basis == "unit" else "LineFillRate"
    return single_value(service_level_grouped(o, s), column, counted="Lines", nothing="order lines with a quantity ordered",
                        undefined="the total ordered is zero: the ratio is undefined")


def due_and_on_time(promised: DayArray, delivered: DayArray, tolerance_days: float = 0,
                    as_of: np.datetime64 | None = None) -> tuple[BoolArray, BoolArray]:
    """Which lines are due (to be measured) and which of them were delivered on time.

    Parameters
    ----------
    promised, delivered : array of datetime64[D]
        The promised and the delivered date of each line; NaT = blank.
    tolerance_days : float
        Days after the promised date that still count as on time, 0 to 3660
        (whole days: 1.5 counts as 1).
    as_of : datetime64[D], optional
        The day of measurement (default today).

    Returns
    -------
    (due, on_time), boolean per line: due = a promised date and either
    delivered or past promised + tolerance at as_of (an undelivered line is
    late once past due, and not measured before); on_time = due and delivered
    <= promised + tolerance.
    """
    tolerance = float(tolerance_days or 0)
    if not 0 <= tolerance <= MAX_TOLERANCE_DAYS:
        raise InputError(f"tolerance_days must be between 0 and {MAX_TOLERANCE_DAYS} days, not {tolerance:g}")
    today = as_of_day(None) if as_of is None else as_of.astype("datetime64[D]")
    latest = promised + np.timedelta64(int(tolerance), "D")
    delivered_known = present(delivered)
    due = present(promised) & (delivered_known | (today > latest))
    return due, due & delivered_known & (delivered <= latest)


def on_time_delivery_grouped(promised: DayArray, delivered: DayArray, groups: Groups | None = None,
                             tolerance_days: float = 0, as_of: np.datetime64 | None = None) -> pd.DataFrame:
    """On-time delivery per group: share of due lines delivered by promised + tolerance_days.

    promised, delivered: datetime64[D] per line (NaT = blank); tolerance_days
    [days] and as_of as in ``due_and_on_time``. Returns Due (count of lines
    measured) and OnTime [share], NaN where no line is due. SCOR RL.2.2,
    delivery performance to customer commit date [1].

    References
    ----------
    .. [1] APICS Supply Chain Council, SCOR Supply Chain Operations Reference
       Model, version 11 (2012), metric RL.2.2.
    """
    due, on_time = due_and_on_time(promised, delivered, tolerance_days, as_of)
    groups = or_single(groups, due.size)
    return pd.DataFrame({"Due": groups.count(due), "OnTime": share(groups.count(on_time), groups.count(due))})


def on_time_delivery(promised: object, delivered: object, tolerance_days: float = 0, as_of: object = None) -> float:
    """Share of orders delivered on time: ``on_time_delivery_grouped`` on one group.

    promised, delivered: date ranges of equal length; tolerance_days [days],
    default 0; as_of: the day of measurement, default today. Result: share.
    """
    p, d = _two_dates(promised, delivered)
    return single_value(on_time_delivery_grouped(p, d, None, tolerance_days, as_of_day(as_of)), "OnTime", counted="Due",
                        nothing=_NOT_DUE, undefined="nothing to measure")


def otif_grouped(promised: DayArray, delivered: DayArray, ordered: ArrayLike, shipped: ArrayLike,
                 groups: Groups | None = None, tolerance_days: float = 0, as_of: np.datetime64 | None = None) -> pd.DataFrame:
    """On time in full per group: share of due lines delivered on time and with shipped >= ordered.

    Parameters
    ----------
    promised, delivered : array of datetime64[D]
        Per line; NaT = blank. Due and on time as in ``due_and_on_time``.
    ordered, shipped : array of float
        Per line [units]; a blank ordered leaves the line out, a blank shipped
        is nothing shipped (so a due line not yet shipped is a miss).
    tolerance_days : float
        [days], default 0.
    as_of : datetime64[D], optional
        Default today.

    Returns
    -------
    DataFrame, one row per group: Due (count of lines measured) and OTIF
    [share], NaN where no line is due. Lines are the unit of count here: SCOR's
    perfect order fulfilment (RL.1.1) counts orders and adds documentation and
    condition [1].

    References
    ----------
    .. [1] APICS Supply Chain Council, SCOR Supply Chain Operations Reference
       Model, version 11 (2012), metrics RL.1.1, RL.2.1, RL.2.2.
    """
    due, on_time = due_and_on_time(promised, delivered, tolerance_days, as_of)
    o = np.asarray(ordered, dtype=float)
    in_full = np.nan_to_num(np.asarray(shipped, dtype=float), nan=0.0) >= o
    measured = due & present(o)
    groups = or_single(groups, due.size)
    return pd.DataFrame({"Due": groups.count(measured),
                         "OTIF": share(groups.count(measured & on_time & in_full), groups.count(measured))})


def otif(promised: object, delivered: object, ordered: object, shipped: object, tolerance_days: float = 0,
         as_of: object = None) -> float:
    """On time in full: ``otif_grouped`` on one group.

    promised, delivered (dates), ordered, shipped [units]: ranges of equal
    length; tolerance_days [days], default 0; as_of default today. Result: share.
    """
    p, d = _two_dates(promised, delivered)
    o, s = equal_length(("ordered", ordered), ("shipped", shipped))
    if o.size != p.size:
        raise InputError(f"promised has {p.size} values but ordered has {o.size}: give ranges of equal length")
    return single_value(otif_grouped(p, d, o, s, None, tolerance_days, as_of_day(as_of)), "OTIF", counted="Due",
                        nothing=_NOT_DUE, undefined="nothing to measure")


def backorder_rate_grouped(ordered: ArrayLike, backordered: ArrayLike, groups: Groups | None = None) -> pd.DataFrame:
    """Backorder rate of order lines per group.

    Parameters
    ----------
    ordered : array of float
        Quantity ordered per line [units]; a blank leaves the line out.
    backordered : array of float
        Quantity ordered but not shipped by the due date [units], zero or more;
        blank = 0.

    Returns
    -------
    DataFrame, one row per group: Lines (count measured), BackorderRate = share
    of lines with backordered > 0, BackorderUnits = sum backordered / sum
    ordered [share]; NaN where nothing is measured or ordered.
    """
    o = np.asarray(ordered, dtype=float)
    b = np.nan_to_num(np.asarray(backordered, dtype=float), nan=0.0)
    line = present(o)
    if np.any(b[line] < 0):
        raise InputError("backordered quantities cannot be negative")
    groups = or_single(groups, o.size)
    lines = groups.count(line)
    return pd.DataFrame({"Lines": lines, "BackorderRate": share(groups.count(line & (b > 0)), lines),
                         "BackorderUnits": share(groups.sum(b, line), groups.sum(o, line))})


def backorder_rate(ordered: object, backordered: object, basis: str = "line") -> float:
    """Backorder rate of order lines: ``backorder_rate_grouped`` on one group.

    basis: line (default; share of lines with a backorder) or unit (sum
    backordered / sum ordered). ordered, backordered: ranges of equal length [units].
    """
    basis = choice(basis, ("line", "unit"), "basis")
    o, b = equal_length(("ordered", ordered), ("backordered", backordered))
    return single_value(backorder_rate_grouped(o, b), "BackorderRate" if basis == "line" else "BackorderUnits",
                        counted="Lines", nothing="order lines with ordered",
                        undefined="the total ordered is zero: the ratio is undefined")


def _two_dates(promised: object, delivered: object) -> tuple[DayArray, DayArray]:
    p, d = days(promised, "promised"), days(delivered, "delivered")
    if p.size != d.size:
        raise InputError(f"promised has {p.size} values but delivered has {d.size}: give ranges of equal length")
    return p, d
