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

from xl_sop.forecast.base import FloatArray, ForecastMethod, IntArray
from xl_sop.forecast.intermittent import demand_class
from xl_sop.forecast.registry import Combination, SeasonallyAdjusted, WithSeasonalNaive, build
from xl_sop.forecast.seasonality import Seasonal, decompose, is_seasonal
from xl_sop.forecast.simple import MovingAverage, Naive, SeasonalNaive
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
from xl_sop.forecast.theta import OptimizedTheta, OtmPass, Theta

INTERMITTENT_POOL = ("croston", "sba", "tsb")
COMBINATION = "combination"
SINGLE_MODEL_MARGIN = 0.25
MAX_SD_FACTOR = 3.0
POOL = ("ses", "holt", "holt_damped", "theta", "optimized_theta")
COMBINED = ("ses", "holt", "holt_damped", "theta", "optimized_theta")
# Under two seasons: no optimised Theta (its theta up to 10 extends a few months' slope), and always the
# combination (a hold-out of a quarter of a short history is a few periods: too few to pick one model).
SHORT_POOL = ("ses", "holt_damped", "theta")
SHORT_COMBINED = SHORT_POOL
NO_SEASON_SHORT_POOL = ("ses",)
SHORT_MAX_PHI = 0.9
COMBINE = "mean"
CALIBRATE = True
NAIVE_SEASONS = 6
"""Under this many seasons of history (and at least one), the forecast is averaged with seasonal naive."""


class Choice:
    """The fitted model auto chose, with its reasons."""

    def __init__(self, model: ForecastMethod, explanation: str, scores: dict[str, float], demand: str,
                 sd_factor: float | FloatArray = 1.0):
        self.model, self.explanation, self.scores = model, explanation, scores
        self.demand_class = demand
        self.sd_factor = sd_factor
        """Widening of the model's error sd measured on the hold-out (>= 1)."""
        self.dof: int | None = None
        """Degrees of freedom of the error sd when few periods estimate it (Student t intervals), else None."""


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


# SES, Holt and damped trend side by side; only the initial trend changes from series to series.
_SES, _LINEAR, _DAMPED = Grid.ses(), Grid.trend((1.0,), 0.0), Grid.trend(DAMPING, 0.0)
POOL_GRID = _SES + _LINEAR + _DAMPED
POOL_RANGES = {
    "ses": np.arange(_SES.size),
    "holt": np.arange(_SES.size, _SES.size + _LINEAR.size),
    "holt_damped": np.arange(_SES.size + _LINEAR.size, POOL_GRID.size),
}


class _Candidates:
    """SES, Holt, damped trend, Theta and optimised Theta fitted in two vectorised passes.

    ``forecasts(key, origin, h)`` gives any candidate's forecasts from an
    earlier origin with the parameters fitted on the whole series (for the
    interval calibration); ``hold_out`` the forecasts of the last periods with
    parameters fitted without them (for the choice).
    """

    def __init__(self, y: FloatArray, origin: int | None, max_phi: float = 1.0):
        self.y, self.n = y, y.size
        level0, trend0 = initial_trend(y)
        self.grid = grid = POOL_GRID.with_trend0(np.where(POOL_GRID.beta > 0, trend0, 0.0))
        starts = np.where(POOL_GRID.beta > 0, level0, y[0])
        self.res = trend_pass(y, grid, starts, origin=origin, keep_states=True)
        self.otm = OtmPass(y, origin=origin)
        self.ranges = dict(POOL_RANGES)
        if max_phi < 1.0:  # a strongly damped trend only
            keep = self.ranges["holt_damped"]
            self.ranges["holt_damped"] = keep[grid.phi[keep] <= max_phi]
        sse = self.res.sse
        self.best = {k: int(r[np.argmin(sse[r])]) for k, r in self.ranges.items()}
        self.best["theta"] = self.best["ses"]
        self.best_otm = int(np.argmin(self.otm.sse))

    def _path(self, key: str, i: int, origin: int | IntArray, h: int, levels: FloatArray, trends: FloatArray,
              phi: FloatArray) -> FloatArray:
        """Forecasts for steps 1..h; with an array of origins, one row per origin (levels[..., i] per origin)."""
        steps = np.arange(1, h + 1, dtype=float)
        lv, tr = np.asarray(levels[..., i])[..., None], np.asarray(trends[..., i])[..., None]
        o = np.asarray(origin)[..., None]
        if key == "ses":
            flat: FloatArray = lv + 0 * steps
            return flat
        if key == "theta":
            alpha = max(float(self.grid.alpha[i]), 1e-10)
            theta: FloatArray = lv + self.otm.slope[o - 1] / 2 * (steps - 1 + (1 - (1 - alpha) ** o) / alpha)
            return theta
        if key == "holt":
            return lv + tr * steps
        return lv + tr * damped_steps(phi[i], h)

    def forecasts(self, key: str, origins: IntArray, h: int) -> FloatArray:
        """Forecasts (one row per origin) from the first ``origin`` periods, parameters fitted on the whole series."""
        if key == "optimized_theta":
            return self.otm.paths(self.best_otm, origins, h)
        assert self.res.levels is not None and self.res.trends is not None
        return self._path(key, self.best[key], origins, h, self.res.levels[origins], self.res.trends[origins], self.grid.phi)

    def hold_out(self, key: str, origin: int, h: int) -> FloatArray:
        """Forecasts of y[origin:origin + h] with parameters fitted on y[:origin] only."""
        if key == "optimized_theta":
            assert self.otm.sse_origin is not None
            return self.otm.paths(int(np.argmin(self.otm.sse_origin)), origin, h)
        assert self.res.sse_origin is not None and self.res.level_origin is not None
        assert self.res.trend_origin is not None
        pool = self.ranges["ses" if key == "theta" else key]
        i = int(pool[np.argmin(self.res.sse_origin[pool])])
        return self._path(key, i, origin, h, self.res.level_origin, self.res.trend_origin, self.grid.phi)

    def seasonal_naive(self, m: int, origins: IntArray, h: int) -> FloatArray:
        """Seasonal naive forecasts (one row per origin, every origin >= m) of the adjusted series."""
        back = (np.arange(h) % m) - m
        paths: FloatArray = self.y[np.asarray(origins)[..., None] + back]
        return paths

    def model(self, key: str) -> ForecastMethod:
        y, grid, res = self.y, self.grid, self.res
        if key == "optimized_theta":
            return OptimizedTheta().set_state(self.otm, self.best_otm)
        cls = {"ses": SimpleExponentialSmoothing, "holt": Holt, "holt_damped": DampedHolt, "theta": Theta}[key]
        return cls().set_state(y, grid, res.sse, res.level, res.trend, self.best[key])


def combine(paths: list[FloatArray]) -> FloatArray:
    combined: FloatArray = np.median(paths, axis=0) if COMBINE == "median" else np.mean(paths, axis=0)
    return combined


def calibration(cands: _Candidates, members: list[str], models: list[ForecastMethod], h: int,
                naive: SeasonalNaive | None = None) -> FloatArray:
    """Widening of the model's error sd for steps 1..h (>= 1, never falling with the step).

    The chosen forecast is made from every earlier origin (from a third of the
    series on, parameters as fitted on the whole series) and its errors at
    each step j are compared with the model's own h-step sd:
    factor_j = sqrt(mean(e_j^2) / sd_j^2), at least 1. Steps with fewer than
    three errors take the factor of the last step that had them. With ``naive``
    the forecast is the mean of the members' and seasonal naive's.
    """
    y, n = cands.y, cands.n
    sd = np.mean([m.forecast_sd(h) for m in models], axis=0)
    origins = np.arange(max(3, n // 3, naive.m if naive else 0), n)
    if origins.size == 0:
        return np.ones(h)
    paths = combine([cands.forecasts(key, origins, h) for key in members])
    if naive is not None:
        paths = (paths + cands.seasonal_naive(naive.m, origins, h)) / 2
        sd = (sd + naive.forecast_sd(h)) / 2
    target = origins[:, None] + np.arange(h)
    inside = target < n
    err = np.where(inside, y[np.minimum(target, n - 1)] - paths, 0.0)
    sums, counts = (err * err).sum(axis=0), inside.sum(axis=0)
    ratio = np.ones(h)
    ok = (counts >= 3) & (sd > 0)
    ratio[ok] = sums[ok] / counts[ok] / sd[ok] ** 2
    if not ok.any():
        return np.ones(h)
    last = int(np.flatnonzero(ok)[-1])
    ratio[last + 1 :] = ratio[last]
    factor: FloatArray = np.sqrt(np.maximum.accumulate(np.maximum(ratio, 1.0)))
    return np.minimum(factor, MAX_SD_FACTOR)


def trend_uncertainty(n: int, h: int) -> FloatArray:
    """sqrt(1 + 1/n + (distance of step j from the middle of the history)^2 / Sxx), as for a least-squares line."""
    t = np.arange(n, dtype=float)
    sxx = float(((t - t.mean()) ** 2).sum()) or 1.0
    ahead = n - 1 + np.arange(1, h + 1) - t.mean()
    factor: FloatArray = np.sqrt(1 + 1 / n + ahead**2 / sxx)
    return factor


PARAM_UNCERTAINTY = trend_uncertainty
DOF_PARAMS = 3


def clear_trend(y: FloatArray, m: int) -> bool:
    """A trend a season cannot explain: every change over one season (y[t] - y[t-m]) has the same sign
    and their mean is more than two standard errors from zero (at least two such changes)."""
    d = y[m:] - y[:-m]
    if d.size < 2 or not (np.all(d > 0) or np.all(d < 0)):
        return False
    return bool(abs(d.mean()) > 2 * d.std(ddof=1) / np.sqrt(d.size))


def choose(y: FloatArray, h: int, m: int, profile: Seasonal | None = None, short_rule_m: int = 12) -> Choice:
    """Choose and fit a model for the scaled series y (see the module docstring).

    profile: a borrowed seasonal profile, used when y has fewer than two seasons of its own.
    short_rule_m: the season length that makes a series "short" for the trend rule when m is 1
    (12: the season was not given and none was detected, so the data are taken as monthly).
    """
    n = y.size
    if n < 3:
        model: ForecastMethod = (Naive() if n == 1 else MovingAverage(window=n)).fit(y, 1)
        why = f"only {n} period(s) of history: {model.name.lower()}"
        return Choice(model, why, {}, "short")

    demand, adi, cv2 = demand_class(y)
    if demand in ("intermittent", "lumpy"):
        return _intermittent(y, h, demand, adi, cv2)

    seasonal, season_why = None, ""
    if m > 1 and is_seasonal(y, m):
        seasonal, season_why = decompose(y, m), f"seasonal with period {m}"
    elif profile is not None and n < 2 * profile.m and np.all(y > 0):
        seasonal = profile
        season_why = f"seasonal profile borrowed (own history under two seasons, m={profile.m})"
    adjusted = seasonal.remove(y) if seasonal is not None else y

    rule_m = m if m > 1 else short_rule_m
    short = n < 2 * rule_m
    pool: tuple[str, ...] = SHORT_POOL if short else POOL
    members_all: tuple[str, ...] = SHORT_COMBINED if short else COMBINED
    if short and seasonal is None and not clear_trend(y, rule_m):  # a rise may be the season's: no trend
        pool, members_all = NO_SEASON_SHORT_POOL, NO_SEASON_SHORT_POOL

    hold = hold_out_length(n, h) if n >= 6 else 0
    origin = n - hold
    cands = _Candidates(adjusted, origin if hold else None, SHORT_MAX_PHI if short else 1.0)
    scores: dict[str, float] = {}
    if hold:
        actual = adjusted[origin:]
        preds = {k: cands.hold_out(k, origin, hold) for k in pool}
        if len(members_all) > 1:
            preds[COMBINATION] = combine([preds[k] for k in members_all])
        scores = {k: float(np.mean(np.abs(actual - p))) for k, p in preds.items()}
        lowest = min(scores.values())
        combined_ok = COMBINATION in scores and scores[COMBINATION] <= lowest * (1 + SINGLE_MODEL_MARGIN)
        best = COMBINATION if combined_ok or short else min(scores, key=scores.__getitem__)
        why = f"lowest mean absolute error on the last {hold} periods held out"
        if short and not combined_ok:
            why = f"the combination: {hold} period(s) held out are too few to pick one model"
    else:
        best, why = COMBINATION, "short history: the safe combination"
    if len(members_all) == 1:
        best = members_all[0]
        why = "no season known: simple exponential smoothing"
    if short:
        why += f"; under two seasons of history ({n} < {2 * rule_m}): no straight-line trend"
        if seasonal is None and len(members_all) == 1:
            why += " (a rise may be the season's)"
    keys = list(members_all) if best == COMBINATION else [best]
    fitted = [cands.model(k) for k in keys]
    # Few seasons give noisy seasonal indices and trends; last season's actuals are an independent guess.
    naive = SeasonalNaive().fit(adjusted, m) if m > 1 and m <= n < NAIVE_SEASONS * m else None
    sd_factor = calibration(cands, keys, fitted, h, naive) if CALIBRATE else np.ones(h)
    if hold:  # the hold-out errors, with parameters fitted without them, widen too
        sd = np.mean([m.forecast_sd(hold) for m in fitted], axis=0)
        pred = preds[best]
        if naive is not None and origin >= m:
            pred = (pred + cands.seasonal_naive(m, np.array(origin), hold)) / 2
            sd = (sd + naive.forecast_sd(hold)) / 2
        if np.all(sd > 0):
            out_of_sample = float(np.sqrt(max(1.0, np.mean(((actual - pred) / sd) ** 2))))
            sd_factor = np.minimum(np.maximum(sd_factor, out_of_sample), MAX_SD_FACTOR)
    members = fitted
    if seasonal is not None:
        members = [SeasonallyAdjusted(mb, seasonal).fitted(n) for mb in members]
        why += f"; {season_why}"
    model = Combination(members, COMBINE) if best == COMBINATION else members[0]
    if naive is not None:
        snaive: ForecastMethod = SeasonallyAdjusted(naive, seasonal).fitted(n) if seasonal is not None else naive
        model = WithSeasonalNaive(model, snaive)
        why += f"; under {NAIVE_SEASONS} seasons of history, so half of it is last season's actuals"
    if naive is None:
        sd_factor = sd_factor * PARAM_UNCERTAINTY(n, h)
    choice = Choice(model, f"{model.name}: {why}", scores, demand, sd_factor)
    choice.dof = max(n - DOF_PARAMS, 1)
    return choice
