"""The =SOP_* cell functions, described: names, arguments in order, Excel's help texts, the core routine each wraps.

A neutral description, so that building the template (the VBA wrappers and the
Insert Function help in vba.py, the Functions sheet) needs neither xlwings nor
the cell functions themselves; the cell functions (sop_udfs) take their
argument help from here. tests/test_cell_functions.py holds the two together:
the names, argument order and defaults here are those of the real functions.
"""

from __future__ import annotations

from dataclasses import dataclass

RANGE, CELL = "range", "cell"
"""What an argument is given: a range of cells (one row or one column, or one cell) or a single cell."""


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str
    """RANGE or CELL."""
    help: str = ""
    """What Excel's Insert Function dialog says of the argument; without one it shows the argument's name."""
    optional: bool = False
    """May be left out (the Python argument then defaults to None, what a blank cell gives)."""


@dataclass(frozen=True)
class CellFunction:
    name: str
    help: str
    """One line, shown by Excel's Insert Function dialog (and the first line of the Python docstring)."""
    routine: str
    """The core function it wraps, as module.name: where the formula and the rules are documented."""
    parameters: tuple[Parameter, ...]

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)


FORECAST_METHODS_HELP = ("auto (default) or a method: naive, seasonal_naive, moving_average, ses, holt, holt_damped, "
                         "holt_winters_additive, holt_winters_multiplicative, theta, arima, croston, sba, tsb.")

CELL_FUNCTIONS = (
    CellFunction("SOP_FORECAST", "Statistical forecast of a demand history; spills the forecast (and interval bounds).",
                 "xl_sop.forecast.forecast", (
                     Parameter("history", RANGE,
                               "History, oldest first: one row or one column. Blank cells are missing periods."),
                     Parameter("horizon", CELL, "Periods to forecast (default 12).", optional=True),
                     Parameter("season_length", CELL, "Periods per season, 12 for monthly data; blank detects it, 1 means none.",
                               optional=True),
                     Parameter("method", CELL, FORECAST_METHODS_HELP, optional=True),
                     Parameter("level", RANGE, "Prediction interval level(s) in percent, e.g. 95 or a range holding 80 and 95.",
                               optional=True))),
    CellFunction("SOP_FORECAST_METHOD", "The model SOP_FORECAST uses for this history, and why (one text cell).",
                 "xl_sop.forecast.forecast", (
                     Parameter("history", RANGE, "History, oldest first: one row or one column."),
                     Parameter("season_length", CELL, "Periods per season; blank detects it.", optional=True),
                     Parameter("method", CELL, "auto (default) or a method name.", optional=True))),
    CellFunction("SOP_ACCURACY", "Forecast accuracy of forecast against actual; see xl_sop.metrics.forecast_accuracy.",
                 "xl_sop.metrics.forecast_accuracy", (
                     Parameter("actual", RANGE, "Actual demand per period."),
                     Parameter("forecast", RANGE, "Forecast per period, same size as actual."),
                     Parameter("metric", CELL, "accuracy (default), wmape, mape, bias, mae, rmse or tracking_signal.",
                               optional=True))),
    CellFunction("SOP_MASE", "Mean absolute scaled error; see xl_sop.metrics.mase.", "xl_sop.metrics.mase", (
        Parameter("actual", RANGE), Parameter("forecast", RANGE), Parameter("history", RANGE),
        Parameter("season_length", CELL, "Lag of the scaling differences (default 1).", optional=True))),
    CellFunction("SOP_FVA", "Forecast value added of a step, WMAPE(before) - WMAPE(after); "
                 "see xl_sop.metrics.forecast_value_added.", "xl_sop.metrics.forecast_value_added", (
                     Parameter("actual", RANGE), Parameter("before", RANGE), Parameter("after", RANGE))),
    CellFunction("SOP_INVENTORY_TURNS", "sum(cogs) / mean(inventory at cost); see xl_sop.metrics.inventory_turns.",
                 "xl_sop.metrics.inventory_turns", (Parameter("cogs", RANGE), Parameter("inventory", RANGE))),
    CellFunction("SOP_SERVICE_LEVEL", "Customer service level (fill rate); see xl_sop.metrics.service_level.",
                 "xl_sop.metrics.service_level", (
                     Parameter("ordered", RANGE), Parameter("shipped", RANGE),
                     Parameter("basis", CELL, "unit (default), line or order.", optional=True),
                     Parameter("order_ids", RANGE, optional=True))),
    CellFunction("SOP_REVENUE_ACCURACY", "Revenue forecast accuracy; see xl_sop.metrics.revenue_accuracy.",
                 "xl_sop.metrics.revenue_accuracy", (
                     Parameter("actual_revenue", RANGE), Parameter("forecast_revenue", RANGE),
                     Parameter("prices", RANGE, optional=True))),
    CellFunction("SOP_ON_TIME_DELIVERY", "Share of orders delivered by promised + tolerance; "
                 "see xl_sop.metrics.on_time_delivery.", "xl_sop.metrics.on_time_delivery", (
                     Parameter("promised", RANGE), Parameter("delivered", RANGE),
                     Parameter("tolerance_days", CELL, optional=True), Parameter("as_of", CELL, optional=True))),
    CellFunction("SOP_OTIF", "Share of orders on time and in full; see xl_sop.metrics.otif.", "xl_sop.metrics.otif", (
        Parameter("promised", RANGE), Parameter("delivered", RANGE), Parameter("ordered", RANGE),
        Parameter("shipped", RANGE), Parameter("tolerance_days", CELL, optional=True))),
    CellFunction("SOP_SCHEDULE_ATTAINMENT", "sum min(actual, planned) / sum planned; see xl_sop.metrics.schedule_attainment.",
                 "xl_sop.metrics.schedule_attainment", (Parameter("planned", RANGE), Parameter("actual", RANGE))),
    CellFunction("SOP_BACKORDER_RATE", "Backorder rate of order lines; see xl_sop.metrics.backorder_rate.",
                 "xl_sop.metrics.backorder_rate", (
                     Parameter("ordered", RANGE), Parameter("backordered", RANGE),
                     Parameter("basis", CELL, "line (default) or unit.", optional=True))),
    CellFunction("SOP_INVENTORY_AGING", "Spills Bucket, Quantity, Share rows; see xl_sop.metrics.inventory_aging.",
                 "xl_sop.metrics.inventory_aging", (
                     Parameter("receipt_dates", RANGE), Parameter("quantities", RANGE),
                     Parameter("as_of", CELL, optional=True), Parameter("bucket_days", RANGE, optional=True))),
    CellFunction("SOP_DAYS_OF_SUPPLY", "Forward days of supply of on_hand against the forecast; "
                 "see xl_sop.metrics.days_of_supply.", "xl_sop.metrics.days_of_supply", (
                     Parameter("on_hand", CELL), Parameter("forecast", RANGE),
                     Parameter("days_per_period", CELL, optional=True))),
    CellFunction("SOP_PRODUCTION_PLAN", "Production plan against capacity; spills production, overtime, subcontract, "
                 "inventory, backlog per period.", "xl_sop.supply.capacity_plan", (
                     Parameter("demand", RANGE, "Demand per period, one row or one column."),
                     Parameter("capacity", RANGE, "Regular capacity in units: one number, or one per period."),
                     Parameter("opening_inventory", CELL, "Stock at the start (default 0).", optional=True),
                     Parameter("strategy", CELL, "optimal (default, least cost), level or chase.", optional=True),
                     Parameter("holding_cost", CELL, "Cost of a unit in stock at the end of a period (default 1).",
                               optional=True),
                     Parameter("backlog_cost", CELL, "Cost of a unit delivered one period late (default 5).", optional=True),
                     Parameter("overtime_capacity", RANGE,
                               "Extra units on overtime: one number, or one per period (default 0).", optional=True),
                     Parameter("overtime_cost", CELL, "Extra cost of a unit made on overtime (default 2).", optional=True),
                     Parameter("subcontract_cost", CELL, "Cost of a unit bought in; blank means no subcontracting.",
                               optional=True))),
    CellFunction("SOP_SAFETY_STOCK", "Safety stock z x sqrt(L x sd_d^2 + d^2 x sd_L^2); see xl_sop.supply.safety_stock.",
                 "xl_sop.supply.safety_stock", (
                     Parameter("demand_history", RANGE, "Demand per period, oldest first; blanks are skipped."),
                     Parameter("lead_time", CELL, "Lead time in the same periods as the history."),
                     Parameter("cycle_service_level", CELL, "Cycle service level (not the fill rate), 0.95 or 95% (default 95%).",
                               optional=True),
                     Parameter("lead_time_sd", CELL, "Standard deviation of the lead time, in periods (default 0).",
                               optional=True))),
    CellFunction("SOP_GAP", "Demand-supply gap per period and cumulative (positive = shortage); "
                 "see xl_sop.reconcile.demand_supply_gap.", "xl_sop.reconcile.demand_supply_gap", (
                     Parameter("demand", RANGE, "Demand per period, one row or one column."),
                     Parameter("supply", RANGE, "Supply per period, same size as demand."),
                     Parameter("opening_inventory", CELL, "Stock at the start (default 0).", optional=True))),
    CellFunction("SOP_PROJECTED_INVENTORY", "Projected stock balance per period (negative = backlog); "
                 "see xl_sop.supply.projected_inventory.", "xl_sop.supply.projected_inventory", (
                     Parameter("opening_inventory", CELL, "Stock at the start."),
                     Parameter("supply", RANGE, "Supply per period, one row or one column."),
                     Parameter("demand", RANGE, "Demand per period, same size as supply."))),
    CellFunction("SOP_SPREAD", "Spread a family total over its items by weights, keeping locked items; "
                 "see xl_sop.hierarchy.spread.", "xl_sop.hierarchy.spread", (
                     Parameter("total", CELL, "The family figure to spread (units; an adjustment may be negative)."),
                     Parameter("weights", RANGE,
                               "One weight per item: its statistical forecast, its history, or 1 each for equal shares."),
                     Parameter("locked", RANGE, "Optional, one cell per item: a number keeps that item at it; blank = free.",
                               optional=True),
                     Parameter("decimals", CELL, "Round to this many decimals, keeping the sum (0 = whole units).",
                               optional=True))),
)

BY_NAME = {f.name: f for f in CELL_FUNCTIONS}
