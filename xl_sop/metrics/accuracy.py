"""Forecast accuracy: accuracy, WMAPE, MAPE, bias, MAE, RMSE, tracking signal, revenue accuracy, MASE.

A is the actual and F the forecast of each period (or item-period), in units
of demand (see docs/nomenclature.md). Sums run over the pairs where both are
numbers; a blank in either skips the pair. ``forecast_accuracy_grouped`` is the
one routine behind every WMAPE in xl-sop: the cell functions, the tables by
family and month, the accuracy by lag and the forecast value added.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from xl_sop.errors import InputError
from xl_sop.metrics._inputs import choice, equal_length, single_value, values
from xl_sop.metrics.groups import Groups, or_single, present, share

ACCURACY_METRICS = ("accuracy", "wmape", "mape", "bias", "mae", "rmse", "tracking_signal")
_COLUMN = {"accuracy": "Accuracy", "wmape": "WMAPE", "mape": "MAPE", "bias": "Bias", "mae": "MAE", "rmse": "RMSE",
           "tracking_signal": "TrackingSignal"}
_ZERO_ACTUAL = "the sum of |actual| is zero: the ratio is undefined"
_UNDEFINED = {"accuracy": _ZERO_ACTUAL, "wmape": _ZERO_ACTUAL, "bias": _ZERO_ACTUAL,
              "mape": "every actual is zero: MAPE is undefined (use wmape or mae)",
              "tracking_signal": "the mean absolute deviation is zero: the ratio is undefined"}


def forecast_accuracy_grouped(actual: ArrayLike, forecast: ArrayLike, groups: Groups | None = None) -> pd.DataFrame:
    """Every accuracy metric of forecast F against actual A, per group.

    Parameters
    ----------
    actual, forecast : array of float
        A and F per row [units of demand]; NaN = blank (the pair is skipped).
    groups : Groups, optional
        The group of each row; default: all rows in one group.

    Returns
    -------
    DataFrame, one row per group:

    ============== ======================================= ========================================
    column         formula                                 unit / sign
    ============== ======================================= ========================================
    Pairs          n, the pairs with both A and F          count
    Actual         sum A                                   units
    Forecast       sum F                                   units
    WMAPE          sum|A-F| / sum|A|                       share, 0 = perfect
    Accuracy       max(0, 1 - WMAPE)                       share, 1 = perfect
    Bias           sum(F-A) / sum|A|                       share, positive = over-forecast
    MAPE           mean of |A-F| / |A| over A != 0          share
    MAE            sum|A-F| / n                            units
    RMSE           sqrt(sum (A-F)^2 / n)                   units
    TrackingSignal sum(A-F) / MAD, MAD = sum|A-F| / n      count of MADs, positive = under-forecast
    ============== ======================================= ========================================

    A ratio whose denominator is zero (sum|A| = 0, no A != 0, MAD = 0, n = 0) is
    NaN: undefined, shown blank. Accuracy is the usual S&OP "forecast accuracy"
    (1 - weighted MAPE, floored at zero); WMAPE is also known as the MAD/Mean
    ratio [1]; MAPE, MAE and RMSE as in [2]; the tracking signal is the sum of
    the forecast errors in mean absolute deviations (beyond about +-4, the
    forecast is biased).

    References
    ----------
    .. [1] S. Kolassa and W. Schutz, "Advantages of the MAD/Mean ratio over the
       MAPE", Foresight 6 (2007), 40-43.
    .. [2] R. J. Hyndman and G. Athanasopoulos, Forecasting: Principles and
       Practice, 3rd ed., OTexts (2021), section 5.8.
    """
    a, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    groups = or_single(groups, a.size)
    pair = present(a, f)
    error = a - f
    n = groups.count(pair)
    abs_error = groups.sum(np.abs(error), pair)
    abs_actual = groups.sum(np.abs(a), pair)
    over = groups.sum(-error, pair)
    nonzero = pair & (a != 0)
    with np.errstate(all="ignore"):  # A = 0 rows are left out below
        relative = np.abs(error) / np.abs(a)
    wmape = share(abs_error, abs_actual)
    mad = share(abs_error, n)
    return pd.DataFrame({
        "Pairs": n, "Actual": groups.sum(a, pair), "Forecast": groups.sum(f, pair), "WMAPE": wmape,
        "Accuracy": np.maximum(0.0, 1.0 - wmape), "Bias": share(over, abs_actual),
        "MAPE": share(groups.sum(relative, nonzero), groups.count(nonzero)), "MAE": mad,
        "RMSE": np.sqrt(share(groups.sum(error**2, pair), n)), "TrackingSignal": share(-over, mad),
    })


def forecast_accuracy(actual: object, forecast: object, metric: str = "accuracy") -> float:
    """Forecast accuracy of forecast against actual by one metric: ``forecast_accuracy_grouped`` on one group.

    Parameters
    ----------
    actual, forecast : range of numbers
        A and F per period [units], the same number of cells; a blank skips the pair.
    metric : str
        accuracy (default), wmape, mape, bias, mae, rmse or tracking_signal
        (formulas and units in ``forecast_accuracy_grouped``).

    Raises InputError for ranges of different lengths, no pairs, or an
    undefined ratio (e.g. every actual zero), where a table shows a blank.
    """
    metric = choice(metric, ACCURACY_METRICS, "metric")
    a, f = equal_length(("actual", actual), ("forecast", forecast))
    undefined = _UNDEFINED.get(metric, "the result is undefined")
    return single_value(forecast_accuracy_grouped(a, f), _COLUMN[metric], counted="Pairs",
                        nothing="actual/forecast pairs with numbers", undefined=undefined)


def revenue_accuracy(actual_revenue: object, forecast_revenue: object, prices: object = None) -> float:
    """Revenue forecast accuracy = max(0, 1 - sum|A-F| / sum|A|) on revenue.

    Parameters
    ----------
    actual_revenue, forecast_revenue : range of numbers
        A and F per pair [money]; with prices, units of demand instead.
    prices : range of numbers, optional
        Unit price per pair [money / unit]: then revenue = units x price.

    The Accuracy of ``forecast_accuracy_grouped`` on revenue: a miss on an
    expensive item weighs more than the same miss in units on a cheap one.
    """
    if prices is None:
        a, f = equal_length(("actual_revenue", actual_revenue), ("forecast_revenue", forecast_revenue))
    else:
        a, f, p = equal_length(("actual", actual_revenue), ("forecast", forecast_revenue), ("prices", prices))
        a, f = a * p, f * p
    return single_value(forecast_accuracy_grouped(a, f), "Accuracy", counted="Pairs",
                        nothing="actual/forecast pairs with numbers",
                        undefined="the sum of |actual revenue| is zero: the ratio is undefined")


def mase_grouped(actual: ArrayLike, forecast: ArrayLike, groups: Groups | None, history: ArrayLike,
                 history_groups: Groups | None, season_length: int = 1) -> pd.DataFrame:
    """Mean absolute scaled error per group (Hyndman and Koehler [1]).

    MASE = mean|A - F| / mean_{t>m} |y_t - y_{t-m}|

    Parameters
    ----------
    actual, forecast : array of float
        A and F per row [units]; a pair with a blank (NaN) is skipped.
    groups : Groups or None
        The group of each A/F row (None: one group).
    history : array of float
        The history y of each group [units], oldest first within its group.
    history_groups : Groups or None
        The group of each history row, with the same groups (None: one group).
    season_length : int
        m, the lag of the scaling differences [periods]; 1 (default) scales by
        the in-sample error of the naive forecast, 12 by the seasonal naive.

    Returns
    -------
    DataFrame, one row per group: Pairs (count of A/F pairs), Differences
    (count of history pairs m apart, both numbers) and MASE [dimensionless;
    below 1 = better than the (seasonal) naive forecast in sample], NaN where
    there is no pair, no difference, or every difference is zero.

    References
    ----------
    .. [1] R. J. Hyndman and A. B. Koehler, "Another look at measures of
       forecast accuracy", International Journal of Forecasting 22(4) (2006),
       679-688.
    """
    m = int(season_length or 1)
    if m < 1:
        raise InputError("season_length must be 1 or more")
    errors = forecast_accuracy_grouped(actual, forecast, groups)
    y = np.asarray(history, dtype=float)
    history_groups = or_single(history_groups, y.size)
    order = np.argsort(history_groups.codes, kind="stable")  # each group's history together, in its order
    y, codes = y[order], history_groups.codes[order]
    apart = Groups(codes[m:], errors.shape[0])
    difference = np.abs(y[m:] - y[:-m])
    valid = (codes[m:] == codes[:-m]) & ~np.isnan(difference)
    scale = share(apart.sum(difference, valid), apart.count(valid))
    return pd.DataFrame({"Pairs": errors["Pairs"], "Differences": apart.count(valid),
                         "MASE": share(errors["MAE"], scale)})


def mase(actual: object, forecast: object, history: object, season_length: int = 1) -> float:
    """Mean absolute scaled error of forecast against actual: ``mase_grouped`` on one group.

    actual, forecast: ranges of equal length [units]; history: the series the
    forecast was made from [units], blanks skipped pairwise for the differences;
    season_length: the lag m of the differences [periods], default 1.
    """
    a, f = equal_length(("actual", actual), ("forecast", forecast))
    y = values(history, "history")
    result = mase_grouped(a, f, None, y, None, season_length)
    m = int(season_length or 1)
    if result["Pairs"].iloc[0] and not result["Differences"].iloc[0]:
        raise InputError(f"history needs more than {m} values for a lag-{m} scale" if y.size <= m
                         else f"nothing to measure: no pairs of history values {m} apart")
    return single_value(result, "MASE", counted="Pairs", nothing="actual/forecast pairs with numbers",
                        undefined="the history's mean absolute difference is zero: the ratio is undefined")
