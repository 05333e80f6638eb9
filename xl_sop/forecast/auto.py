"""method="auto": choose a model for one series, and say why.

1. Too short to validate (fewer than 3 periods): naive (1 period) or the mean.
2. Intermittent or lumpy demand (Syntetos-Boylan ADI >= 1.32): Croston, SBA
   or TSB, whichever has the lowest mean squared error on a hold-out of the last
   periods (SBA when the history is too short to hold any out).
3. Otherwise: when the season is significant (see seasonality.py) the series
   is seasonally adjusted; the candidates are simple exponential smoothing,
   damped trend, Theta and their equal-weight combination. Each is refitted on
   the history without its last H periods (H = min(horizon, n/4), at least 1)
   and scored by mean absolute error on those H periods; the lowest error wins,
   ties going to the combination (combining is the safer bet when the evidence
   is thin: Makridakis et al., M4, 2020).
"""

from __future__ import annotations

import numpy as np

from xl_sop.forecast.base import ForecastMethod
from xl_sop.forecast.intermittent import demand_class
from xl_sop.forecast.registry import Combination, build
from xl_sop.forecast.seasonality import decompose, is_seasonal
from xl_sop.forecast.simple import MovingAverage, Naive

SMOOTH_POOL = ("ses", "holt_damped", "theta")
INTERMITTENT_POOL = ("croston", "sba", "tsb")
COMBINATION = "combination"


class Choice:
    """The fitted model auto chose, with its reasons."""

    def __init__(self, model: ForecastMethod, explanation: str, scores: dict[str, float], demand: str, seasonal: bool):
        self.model, self.explanation, self.scores = model, explanation, scores
        self.demand_class, self.seasonal = demand, seasonal


def _make(keys, seasonal):
    if keys == COMBINATION:
        return Combination([build(k, seasonal) for k in SMOOTH_POOL])
    return build(keys, seasonal)


def _holdout_scores(y, h, m, pool, squared=False):
    n = y.size
    hold = int(min(h, max(1, n // 4)))
    train, test = y[:-hold], y[-hold:]
    seasonal = decompose(train, m) if m > 1 and is_seasonal(train, m) else None
    scores = {}
    for key in pool:
        try:
            model = _make(key, seasonal).fit(train, m)
            err = test - model.predict(hold)
        except (ValueError, FloatingPointError, np.linalg.LinAlgError):
            continue
        scores[key] = float(np.mean(err**2) if squared else np.mean(np.abs(err)))
    return scores, hold


def choose(y: np.ndarray, h: int, m: int) -> Choice:
    n = y.size
    if n < 3:
        model = (Naive() if n == 1 else MovingAverage(window=n)).fit(y, 1)
        why = f"only {n} period(s) of history: {model.name.lower()}"
        return Choice(model, why, {}, "short", False)

    demand, adi, cv2 = demand_class(y)
    if demand in ("intermittent", "lumpy"):
        why = f"{demand} demand (ADI {adi:.2f} >= 1.32, CV2 {cv2:.2f})"
        if n >= 8:
            scores, hold = _holdout_scores(y, h, 1, INTERMITTENT_POOL, squared=True)
            best = min(scores, key=scores.get)
            why += f"; lowest squared error on the last {hold} periods"
        else:
            scores, best = {}, "sba"
        model = build(best, None).fit(y, 1)
        return Choice(model, f"{model.name}: {why}", scores, demand, False)

    seasonal_flag = m > 1 and is_seasonal(y, m)
    seasonal = decompose(y, m) if seasonal_flag else None
    pool = (*SMOOTH_POOL, COMBINATION)
    if n < 6:
        scores, best = {}, COMBINATION
        why = "short history: combination of the smoothing methods"
    else:
        scores, hold = _holdout_scores(y, h, m, pool)
        lowest = min(scores.values())
        best = COMBINATION if scores.get(COMBINATION, np.inf) <= lowest * 1.0001 else min(scores, key=scores.get)
        why = f"lowest mean absolute error on the last {hold} periods held out"
    model = _make(best, seasonal).fit(y, m)
    if seasonal_flag:
        why += f"; seasonal with period {m}"
    return Choice(model, f"{model.name}: {why}", scores, demand, seasonal_flag)
