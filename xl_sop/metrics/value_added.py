"""Forecast value added: how much a step of the forecasting process (a model, an override,
the consensus meeting) improved the forecast it started from, in WMAPE."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from xl_sop.forecast.base import FloatArray
from xl_sop.metrics._inputs import equal_length, single_value
from xl_sop.metrics.accuracy import forecast_accuracy_grouped
from xl_sop.metrics.groups import Groups, or_single, present


def forecast_value_added_grouped(actual: ArrayLike, before: ArrayLike, after: ArrayLike,
                                 groups: Groups | None = None) -> pd.DataFrame:
    """Forecast value added of a process step per group: FVA = WMAPE(before) - WMAPE(after).

    Parameters
    ----------
    actual : array of float
        A per row [units of demand].
    before, after : array of float
        The forecast before and after the step [units], e.g. statistical and
        consensus. A row with a blank (NaN) in any of the three is skipped, so
        both WMAPEs are taken over the same periods.
    groups : Groups, optional
        The group of each row; default: all rows in one group.

    Returns
    -------
    DataFrame, one row per group: Periods (count of rows measured),
    WMAPEBefore, WMAPEAfter (as ``forecast_accuracy_grouped``) and ValueAdded
    [share of sum|A|; positive = the step improved the forecast], NaN where
    sum|A| = 0.

    References
    ----------
    .. [1] M. Gilliland, The Business Forecasting Deal, Wiley (2010): forecast
       value added analysis.
    """
    a, b, c = (np.asarray(x, dtype=float) for x in (actual, before, after))
    common = present(a, b, c)
    groups = or_single(groups, a.size).where(common)
    measured = forecast_accuracy_grouped(a[common], b[common], groups)
    wmape_before, wmape_after = measured["WMAPE"], forecast_accuracy_grouped(a[common], c[common], groups)["WMAPE"]
    return pd.DataFrame({"Periods": measured["Pairs"], "WMAPEBefore": wmape_before, "WMAPEAfter": wmape_after,
                         "ValueAdded": wmape_before - wmape_after})


def forecast_value_added(actual: object, before: object, after: object) -> float:
    """Forecast value added of a step, WMAPE(before) - WMAPE(after): ``forecast_value_added_grouped`` on one group.

    actual, before, after: ranges of equal length [units]; the result is a
    share of sum|actual| (0.05 = the step took 5 points off the WMAPE).
    """
    a, b, c = equal_length(("actual", actual), ("before", before), ("after", after))
    return single_value(forecast_value_added_grouped(a, b, c), "ValueAdded", counted="Periods",
                        nothing="periods with actual, before and after",
                        undefined="the sum of |actual| is zero: the ratio is undefined")


def forecast_value_added_by_stage(actual: ArrayLike, stages: Mapping[str, ArrayLike]) -> pd.DataFrame:
    """Accuracy of each stage of the forecasting process and the value each stage adds.

    Parameters
    ----------
    actual : array of float
        A per item-month [units of demand].
    stages : mapping of stage name -> array of float
        The forecast of each item-month as it stood after each stage, in
        process order [units]; in the Demand step: the naive forecast (last
        month's actual), the statistical forecast, + sales adjustments,
        + marketing adjustments = the consensus.

    Returns
    -------
    DataFrame, one row per stage: Stage, Accuracy, WMAPE (as
    ``forecast_accuracy_grouped``) and ValueAdded = WMAPE(previous stage) -
    WMAPE(this stage) (``forecast_value_added_grouped``; blank for the first
    stage). Every stage is measured on the same item-months: those where the
    actual and every stage's forecast are numbers.
    """
    a = np.asarray(actual, dtype=float)
    forecasts = [np.asarray(f, dtype=float) for f in stages.values()]
    common = present(a, *forecasts)
    a, forecasts = a[common], [f[common] for f in forecasts]
    accuracy = forecast_accuracy_grouped(*_group_per_array(a, forecasts))
    actual_per_step, before, steps = _group_per_array(a, forecasts[:-1])
    after = np.concatenate([np.empty(0), *forecasts[1:]])
    value_added = forecast_value_added_grouped(actual_per_step, before, after, steps)["ValueAdded"]
    return pd.DataFrame({"Stage": list(stages), "Accuracy": accuracy["Accuracy"], "WMAPE": accuracy["WMAPE"],
                         "ValueAdded": np.r_[np.nan, value_added][:len(stages)]})


def _group_per_array(actual: FloatArray, arrays: list[FloatArray]) -> tuple[FloatArray, FloatArray, Groups]:
    """The actuals once per array, the arrays end to end, and one group per array."""
    return (np.tile(actual, len(arrays)), np.concatenate([np.empty(0), *arrays]),
            Groups(np.repeat(np.arange(len(arrays)), actual.size), len(arrays)))
