"""=SOP_FORECAST and =SOP_FORECAST_METHOD: thin shims over xl_sop.forecast.forecast."""

from __future__ import annotations

import xlwings as xw

from sop_udfs.ranges import clean, columns_out, number, scalar, vector, whole_number
from sop_udfs.shim import cell_function
from xl_sop.forecast import forecast
from xl_sop.forecast.api import normalize_levels
from xl_sop.forecast.prepare import flatten


def _levels(level):
    flat = [number(v, "level") for v in flatten(level) if v is not None]
    return normalize_levels(flat) if flat else ()


@xw.func
@xw.arg("history", ndim=2, doc="History, oldest first: one row or one column. Blank cells are missing periods.")
@xw.arg("horizon", doc="Periods to forecast (default 12).")
@xw.arg("season_length", doc="Periods per season, 12 for monthly data; blank detects it, 1 means none.")
@xw.arg("method", doc="auto (default) or a method: naive, seasonal_naive, moving_average, ses, holt, holt_damped, holt_winters_additive, holt_winters_multiplicative, theta, arima, croston, sba, tsb.")
@xw.arg("level", doc="Prediction interval level(s) in percent, e.g. 95 or a range holding 80 and 95.")
@cell_function
def SOP_FORECAST(history, horizon=None, season_length=None, method=None, level=None):
    """Statistical forecast of a demand history; spills the forecast (and interval bounds).

    See xl_sop.forecast.forecast for the methods and rules. The result is laid
    out like the history: a column of h rows for a column, a row for a row;
    with a level, the next columns (or rows) hold lower and upper bounds.
    """
    values, orientation = vector(history, "history")
    h = whole_number(horizon, "horizon", 12)
    m = whole_number(season_length, "season_length", None)
    name = scalar(method, "method", "auto")
    levels = _levels(level)
    fc = forecast(values, h, season_length=m, method=str(name), level=levels or None)
    columns = [fc.mean]
    for lv in levels:
        columns += [fc.lower[lv], fc.upper[lv]]
    return columns_out([[clean(v) for v in col] for col in columns], orientation)


@xw.func
@xw.arg("history", ndim=2, doc="History, oldest first: one row or one column.")
@xw.arg("season_length", doc="Periods per season; blank detects it.")
@xw.arg("method", doc="auto (default) or a method name.")
@cell_function
def SOP_FORECAST_METHOD(history, season_length=None, method=None):
    """The model SOP_FORECAST uses for this history, and why (one text cell)."""
    values, _ = vector(history, "history")
    m = whole_number(season_length, "season_length", None)
    name = scalar(method, "method", "auto")
    return forecast(values, 12, season_length=m, method=str(name)).explanation
