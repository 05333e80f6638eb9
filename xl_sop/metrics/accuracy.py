"""Forecast accuracy: accuracy, WMAPE, MAPE, bias, MAE, RMSE, tracking signal, MASE, FVA.

A is the actual and F the forecast of each period (or item-period). Sums run
over the pairs where both are numbers; a blank in either skips the pair.
"""

from __future__ import annotations

import numpy as np

from xl_sop.errors import InputError
from xl_sop.metrics._inputs import aligned, choice, nonempty, ratio, values

ACCURACY_METRICS = ("accuracy", "wmape", "mape", "bias", "mae", "rmse", "tracking_signal")


def forecast_accuracy(actual, forecast, metric: str = "accuracy") -> float:
    """Forecast accuracy of forecast F against actual A, by the chosen metric.

    ============== ===================================== ===========================
    metric         formula                               unit / sign
    ============== ===================================== ===========================
    accuracy       max(0, 1 - sum|A-F| / sum|A|)         share, 1 = perfect
    wmape          sum|A-F| / sum|A|                     share, 0 = perfect
    mape           mean of |A-F| / |A| over A != 0       share
    bias           sum(F-A) / sum|A|                     share, positive = over-forecast
    mae            mean |A-F|                            units
    rmse           sqrt(mean (A-F)^2)                    units
    tracking_signal sum(A-F) / (sum|A-F| / n)            count of MADs; positive = under-forecast
    ============== ===================================== ===========================

    Accuracy is 1 - WMAPE floored at zero (the usual S&OP "forecast accuracy",
    also called 1 - weighted MAPE). Raises InputError for ranges of different
    lengths, no pairs, or a zero denominator.
    """
    metric = choice(metric, ACCURACY_METRICS, "metric")
    a, f = aligned(("actual", actual), ("forecast", forecast))
    nonempty(a, "actual/forecast pairs")
    err = a - f
    if metric in ("accuracy", "wmape", "bias"):
        denom = float(np.sum(np.abs(a)))
        if metric == "bias":
            return ratio(float(np.sum(f - a)), denom, "the sum of |actual|")
        wmape = ratio(float(np.sum(np.abs(err))), denom, "the sum of |actual|")
        return max(0.0, 1.0 - wmape) if metric == "accuracy" else wmape
    if metric == "mape":
        keep = a != 0
        if not keep.any():
            raise InputError("every actual is zero: MAPE is undefined (use wmape or mae)")
        return float(np.mean(np.abs(err[keep]) / np.abs(a[keep])))
    if metric == "mae":
        return float(np.mean(np.abs(err)))
    if metric == "rmse":
        return float(np.sqrt(np.mean(err**2)))
    mad = float(np.sum(np.abs(err))) / err.size
    return ratio(float(np.sum(err)), mad, "the mean absolute deviation")


def mase(actual, forecast, history, season_length: int = 1) -> float:
    """Mean absolute scaled error (Hyndman and Koehler, 2006).

    MASE = mean|A - F| / mean_{t>m} |y_t - y_{t-m}|, the denominator being the
    in-sample mean absolute seasonal difference of the history y (lag m =
    season_length, default 1: the naive forecast's error). Below 1 = better
    than the (seasonal) naive forecast in sample. Blanks in history are skipped
    pairwise for the differences.
    """
    m = int(season_length or 1)
    if m < 1:
        raise InputError("season_length must be 1 or more")
    a, f = aligned(("actual", actual), ("forecast", forecast))
    nonempty(a, "actual/forecast pairs")
    y = values(history, "history")
    if y.size <= m:
        raise InputError(f"history needs more than {m} values for a lag-{m} scale")
    diffs = y[m:] - y[:-m]
    diffs = diffs[~np.isnan(diffs)]
    nonempty(diffs, f"pairs of history values {m} apart")
    return ratio(float(np.mean(np.abs(a - f))), float(np.mean(np.abs(diffs))), "the history's mean absolute difference")


def forecast_value_added(actual, before, after) -> float:
    """Forecast value added of a process step: WMAPE(before) - WMAPE(after).

    Positive = the step (an override, a consensus meeting) improved the
    forecast. Both WMAPEs are taken over the same periods: those where actual,
    before and after are all numbers.
    """
    a, b, c = aligned(("actual", actual), ("before", before), ("after", after))
    nonempty(a, "periods with actual, before and after")
    denom = float(np.sum(np.abs(a)))
    return ratio(float(np.sum(np.abs(a - b)) - np.sum(np.abs(a - c))), denom, "the sum of |actual|")
