"""=SOP_FORECAST and =SOP_FORECAST_METHOD: thin shims over xl_sop.forecast.forecast."""

from __future__ import annotations

import xlwings as xw

from sop_udfs.described import described
from sop_udfs.ranges import clean, columns_out, number, scalar, vector, whole_number
from sop_udfs.shim import cell_function
from xl_sop.forecast import forecast
from xl_sop.forecast.api import normalize_levels
from xl_sop.forecast.prepare import flatten


def _levels(level):
    flat = [number(v, "level", percent=True) for v in flatten(level) if v is not None]
    return normalize_levels(flat) if flat else ()


@xw.func
@xw.arg("history", ndim=2)
@described
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
@xw.arg("history", ndim=2)
@described
@cell_function
def SOP_FORECAST_METHOD(history, season_length=None, method=None):
    """The model SOP_FORECAST uses for this history, and why (one text cell)."""
    values, _ = vector(history, "history")
    m = whole_number(season_length, "season_length", None)
    name = scalar(method, "method", "auto")
    return forecast(values, 12, season_length=m, method=str(name)).explanation
