"""The S&OP metric cell functions: thin shims over xl_sop.metrics.

Formulas and sign conventions are in the docstrings of xl_sop.metrics and in
docs/functions.md; each function here only converts arguments.
"""

from __future__ import annotations

import xlwings as xw
from sop_udfs.described import described
from sop_udfs.ranges import number, scalar, whole_number
from sop_udfs.shim import cell_function

from xl_sop import metrics


@xw.func
@described
@cell_function
def SOP_ACCURACY(actual, forecast, metric=None):
    """Forecast accuracy of forecast against actual; see xl_sop.metrics.forecast_accuracy."""
    return metrics.forecast_accuracy(actual, forecast, scalar(metric, "metric", "accuracy"))


@xw.func
@described
@cell_function
def SOP_MASE(actual, forecast, history, season_length=None):
    """Mean absolute scaled error; see xl_sop.metrics.mase."""
    return metrics.mase(actual, forecast, history, whole_number(season_length, "season_length", 1))


@xw.func
@described
@cell_function
def SOP_FVA(actual, before, after):
    """Forecast value added of a step, WMAPE(before) - WMAPE(after); see xl_sop.metrics.forecast_value_added."""
    return metrics.forecast_value_added(actual, before, after)


@xw.func
@described
@cell_function
def SOP_INVENTORY_TURNS(cogs, inventory):
    """sum(cogs) / mean(inventory at cost); see xl_sop.metrics.inventory_turns."""
    return metrics.inventory_turns(cogs, inventory)


@xw.func
@described
@cell_function
def SOP_SERVICE_LEVEL(ordered, shipped, basis=None, order_ids=None):
    """Customer service level (fill rate); see xl_sop.metrics.service_level."""
    return metrics.service_level(ordered, shipped, scalar(basis, "basis", "unit"), order_ids)


@xw.func
@described
@cell_function
def SOP_REVENUE_ACCURACY(actual_revenue, forecast_revenue, prices=None):
    """Revenue forecast accuracy; see xl_sop.metrics.revenue_accuracy."""
    return metrics.revenue_accuracy(actual_revenue, forecast_revenue, prices)


@xw.func
@described
@cell_function
def SOP_ON_TIME_DELIVERY(promised, delivered, tolerance_days=None, as_of=None):
    """Share of orders delivered by promised + tolerance; see xl_sop.metrics.on_time_delivery."""
    return metrics.on_time_delivery(promised, delivered, number(tolerance_days, "tolerance_days", 0), scalar(as_of, "as_of"))


@xw.func
@described
@cell_function
def SOP_OTIF(promised, delivered, ordered, shipped, tolerance_days=None):
    """Share of orders on time and in full; see xl_sop.metrics.otif."""
    return metrics.otif(promised, delivered, ordered, shipped, number(tolerance_days, "tolerance_days", 0))


@xw.func
@described
@cell_function
def SOP_SCHEDULE_ATTAINMENT(planned, actual):
    """sum min(actual, planned) / sum planned; see xl_sop.metrics.schedule_attainment."""
    return metrics.schedule_attainment(planned, actual)


@xw.func
@described
@cell_function
def SOP_BACKORDER_RATE(ordered, backordered, basis=None):
    """Backorder rate of order lines; see xl_sop.metrics.backorder_rate."""
    return metrics.backorder_rate(ordered, backordered, scalar(basis, "basis", "line"))


@xw.func
@described
@cell_function
def SOP_INVENTORY_AGING(receipt_dates, quantities, as_of=None, bucket_days=None):
    """Spills Bucket, Quantity, Share rows; see xl_sop.metrics.inventory_aging."""
    rows = metrics.inventory_aging(receipt_dates, quantities, scalar(as_of, "as_of"), bucket_days)
    return [["Bucket", "Quantity", "Share"], *[list(r) for r in rows]]


@xw.func
@described
@cell_function
def SOP_DAYS_OF_SUPPLY(on_hand, forecast, days_per_period=None):
    """Forward days of supply of on_hand against the forecast; see xl_sop.metrics.days_of_supply."""
    return metrics.days_of_supply(number(on_hand, "on_hand"), forecast, number(days_per_period, "days_per_period", 30))
