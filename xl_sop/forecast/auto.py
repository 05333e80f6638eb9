"""method="auto": choose a model for one series, and say why.

1. Too short to validate (fewer than 3 periods): naive (1 period) or the mean.
2. Intermittent or lumpy demand (Syntetos-Boylan ADI >= 1.32): Croston, SBA
   or TSB, whichever has the lowest mean squared error on a hold-out of the last
   periods (SBA when the history is too short to hold any out).
3. Otherwise: when the season is significant (see seasonality.py) the series
   is seasonally adjusted; the candidates are simple exponential smoothing,
   Holt's linear trend, damped trend, Theta and the equal-weight combination of
   SES, damped trend and Theta. Each is fitted on
   the history without its last H periods (H = min(horizon, n/4), at least 1)
   and scored by mean absolute error on those H periods; the lowest error wins,
   ties going to the combination (combining is the safer bet when the evidence
   is thin: Makridakis et al., M4, 2020).

Speed: all smoothing candidates and every point of their parameter grids run
in one vectorised pass over the series, which records the states and errors at
the hold-out origin on the way. The hold-out forecasts therefore use
parameters fitted on the training part only, as a refit would, at no extra
cost. (The seasonal indices are estimated once, on the whole series.)
"""

from __future__ import annotations

import numpy as np

from xl_sop.forecast.base import FloatArray, ForecastMethod
from xl_sop.forecast.intermittent import demand_class
from xl_sop.forecast.registry import Combination, SeasonallyAdjusted, build
from xl_sop.forecast.seasonality import decompose, is_seasonal
from xl_sop.forecast.simple import MovingAverage, Naive
from xl_sop.forecast.smoothing import (
    DAMPING,
    DampedHolt,
    Grid,
    Holt,
    SimpleExponentialSmoothing,
    damped_steps,
    initial_trend,
    trend_pass,
)
from xl_sop.forecast.theta import Theta, ols_slope

INTERMITTENT_POOL = ("croston", "sba", "tsb")
COMBINATION = "combination"
SINGLE_MODEL_MARGIN = 0.25
MAX_SD_FACTOR = 3.0
COMBINED = ("ses", "holt", "holt_damped", "theta")


class Choice:
    """The fitted model auto chose, with its reasons."""

    def __init__(self, model: ForecastMethod, explanation: str, scores: dict[str, float], demand: str, sd_factor: float = 1.0):
        self.model, self.explanation, self.scores = model, explanation, scores
        self.demand_class = demand
        self.sd_factor = sd_factor
        """Widening of the model's error sd measured on the hold-out (>= 1)."""


def hold_out_length(n: int, h: int) -> int:
    return int(min(h, max(1, n // 4)))


def _intermittent(y: FloatArray, h: int, demand: str, adi: float, cv2: float) -> Choice:
    why = f"{demand} demand (ADI {adi:.2f} >= 1.32, CV2 {cv2:.2f})"
    scores: dict[str, float] = {}
    best = "sba"
    if y.size >= 8:
        hold = hold_out_length(y.size, h)
        for key in INTERMITTENT_POOL:
            err = y[-hold:] - build(key, None).fit(y[:-hold], 1).predict(hold)
            scores[key] = float(np.mean(err**2))
        best = min(scores, key=scores.__getitem__)
        why += f"; lowest squared error on the last {hold} periods held out"
    model = build(best, None).fit(y, 1)
    return Choice(model, f"{model.name}: {why}", scores, demand)


def _smooth(y: FloatArray, h: int) -> tuple[dict[str, ForecastMethod], dict[str, float], dict[str, FloatArray], int]:
    """Fit SES, damped trend and Theta in one pass; score them on a hold-out."""
    n = y.size
    hold = hold_out_length(n, h) if n >= 6 else 0
    origin = n - hold
    level0, trend0 = initial_trend(y)
    ses, linear, damped = Grid.ses(), Grid.trend((1.0,), trend0), Grid.trend(DAMPING, trend0)
    grid = ses + linear + damped
    starts = np.r_[np.full(ses.size, y[0]), np.full(linear.size + damped.size, level0)]
    res = trend_pass(y, grid, starts, origin=origin if hold else None)
    ses_idx = np.arange(ses.size)
    linear_idx = np.arange(ses.size, ses.size + linear.size)
    damped_idx = np.arange(ses.size + linear.size, grid.size)

    scores = {}
    if hold:
        # trend_pass saved the states at the origin, which lies inside the series.
        assert res.sse_origin is not None and res.level_origin is not None and res.trend_origin is not None
        actual = y[origin:]
        i = ses_idx[np.argmin(res.sse_origin[ses_idx])]
        j = damped_idx[np.argmin(res.sse_origin[damped_idx])]
        k = linear_idx[np.argmin(res.sse_origin[linear_idx])]
        alpha = max(grid.alpha[i], 1e-10)
        ses_fc = np.full(hold, res.level_origin[i])
        theta_fc = ses_fc + ols_slope(y[:origin]) / 2 * (np.arange(hold) + (1 - (1 - alpha) ** origin) / alpha)
        damped_fc = res.level_origin[j] + res.trend_origin[j] * damped_steps(grid.phi[j], hold)
        preds = {"ses": ses_fc, "holt_damped": damped_fc, "theta": theta_fc}
        preds["holt"] = res.level_origin[k] + res.trend_origin[k] * np.arange(1, hold + 1)
        preds[COMBINATION] = np.mean([preds[k] for k in COMBINED], axis=0)
        scores = {k: float(np.mean(np.abs(actual - p))) for k, p in preds.items()}
        errors = {k: actual - p for k, p in preds.items()}

    i = ses_idx[np.argmin(res.sse[ses_idx])]
    j = damped_idx[np.argmin(res.sse[damped_idx])]
    k = linear_idx[np.argmin(res.sse[linear_idx])]
    fitted: dict[str, ForecastMethod] = {
        "holt": Holt().set_state(y, grid, res.sse, res.level, res.trend, k),
        "ses": SimpleExponentialSmoothing().set_state(y, grid, res.sse, res.level, res.trend, i),
        "theta": Theta().set_state(y, grid, res.sse, res.level, res.trend, i),
        "holt_damped": DampedHolt().set_state(y, grid, res.sse, res.level, res.trend, j),
    }
    return fitted, scores, (errors if hold else {}), hold


def choose(y: FloatArray, h: int, m: int) -> Choice:
    n = y.size
    if n < 3:
        model: ForecastMethod = (Naive() if n == 1 else MovingAverage(window=n)).fit(y, 1)
        why = f"only {n} period(s) of history: {model.name.lower()}"
        return Choice(model, why, {}, "short")

    demand, adi, cv2 = demand_class(y)
    if demand in ("intermittent", "lumpy"):
        return _intermittent(y, h, demand, adi, cv2)

    seasonal = decompose(y, m) if m > 1 and is_seasonal(y, m) else None
    adjusted = seasonal.remove(y) if seasonal is not None else y
    fitted, scores, errors, hold = _smooth(adjusted, h)
    if scores:
        lowest = min(scores.values())
        best = COMBINATION if scores[COMBINATION] <= lowest * (1 + SINGLE_MODEL_MARGIN) else min(scores, key=scores.__getitem__)
        why = f"lowest mean absolute error on the last {hold} periods held out"
    else:
        best, why = COMBINATION, "short history: the safe combination"
    members = [fitted[k] for k in COMBINED] if best == COMBINATION else [fitted[best]]
    if seasonal is not None:
        members = [SeasonallyAdjusted(mb, seasonal).fitted(n) for mb in members]
        why += f"; seasonal with period {m}"
    sd_factor = 1.0
    if errors:
        chosen = [fitted[k] for k in COMBINED] if best == COMBINATION else [fitted[best]]
        sd = np.mean([c.forecast_sd(hold) for c in chosen], axis=0)
        if np.all(sd > 0):
            sd_factor = float(np.sqrt(max(1.0, np.mean((errors[best] / sd) ** 2))))
    model = Combination(members) if best == COMBINATION else members[0]
    return Choice(model, f"{model.name}: {why}", scores, demand, min(sd_factor, MAX_SD_FACTOR))
