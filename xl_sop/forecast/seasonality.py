"""Seasonality: detect the season length, and the seasonal indices.

A series of at least ``3 * m`` observations is seasonal with period m when
its autocorrelation at lag m, taken after removing a least-squares line (so
that a trend does not pass for a season), is positive and above the one-sided
95% white-noise limit

    r_m > 1.645 / sqrt(n)

A shorter series, with two full seasons but not three (2m <= n < 3m), has too
few lagged pairs for that limit (eight quarters give four). There the test is
the F test of one-way analysis of variance: a least-squares line plus one
dummy per season position against the line alone (on log values when every
value is positive),

    F = ((RSS_line - RSS_season) / (m - 1)) / (RSS_season / (n - m - 1))

seasonal when F exceeds its 1 - SHORT_ALPHA quantile with (m - 1, n - m - 1)
degrees of freedom. On white noise it fires in SHORT_ALPHA of the series, by
construction (tests/test_forecast_short_history.py counts it).

The M4 benchmarks' test (Bartlett's limit, 1.645 * sqrt((1 + 2 sum r_k^2) / n))
misses a clean yearly cycle in three years of monthly data, because the
seasonal pattern itself inflates the r_k; the plain limit is more accurate on
M1 and Tourism (sMAPE 15.31 -> 14.93 on M1 monthly, MASE 1.529 -> 1.525 on
Tourism quarterly). Seasonal indices come from classical decomposition (centred moving
average of order m) of the last six seasons only, because seasonal patterns
drift: on the Tourism competition data, six recent seasons cut the MASE of
method="auto" from 1.71 to 1.52 (monthly) and 1.73 to 1.57 (quarterly) compared
with using the whole history (benchmarks/forecast_accuracy.py). Indices are
multiplicative when every value is positive, additive otherwise. With fewer
than three seasons the centred moving average leaves one value per season
position, so the indices come instead from one least-squares fit of a line plus
one dummy per season position (on log values when multiplicative).

A seasonal profile can also be given (``Seasonal.from_profile``): forecast_many
pools one per family from its items (each divided by its own level) and lends it to items with less
than two seasons of their own history.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from xl_sop.forecast.base import FloatArray

# Monthly planning first: 12, then quarters in months, then the other usual cycles.
CANDIDATE_SEASON_LENGTHS = (12, 4, 6, 3, 7, 52, 24)


def autocorrelation(x: FloatArray, lag: int) -> float:
    """Sample autocorrelation r_lag (biased estimator, as in Box-Jenkins)."""
    x = x - x.mean()
    denom = float(x @ x)
    return float(x[lag:] @ x[:-lag]) / denom if denom else 0.0


SHORT_ALPHA = 0.05


def _seasonal_r(y: FloatArray, detrended: FloatArray, m: int) -> float | None:
    """r_m (the strength, to rank candidates) when the test passes (see the module docstring), else None."""
    n = detrended.size
    if m <= 1 or n < 2 * m:
        return None
    r_m = autocorrelation(detrended, m)
    if n < 3 * m:
        return r_m if r_m > 0 and season_f_test(y, m) < SHORT_ALPHA else None
    return r_m if r_m > 1.645 / np.sqrt(n) else None


def season_f_test(y: FloatArray, m: int) -> float:
    """p-value of the F test of season dummies over a line (log y when all positive)."""
    n = y.size
    target = np.log(y) if np.all(y > 0) else y
    t = np.arange(n, dtype=float)
    line = np.c_[np.ones(n), t - t.mean()]
    full = np.c_[t - t.mean(), np.eye(m)[np.arange(n) % m]]
    rss_line = _rss(line, target)
    rss_full = _rss(full, target)
    df1, df2 = m - 1, n - m - 1
    if df2 < 1:
        return 1.0
    scale = max(rss_line, 1e-300)
    if rss_full <= 1e-12 * scale:
        return 0.0 if rss_line > 1e-12 * scale else 1.0
    f = (rss_line - rss_full) / df1 / (rss_full / df2)
    return f_survival(f, df1, df2)


def _rss(design: FloatArray, target: FloatArray) -> float:
    coef = np.linalg.lstsq(design, target, rcond=None)[0]
    resid = target - design @ coef
    return float(resid @ resid)


def f_survival(f: float, df1: int, df2: int) -> float:
    """P(F > f) for the F distribution: I_x(df2/2, df1/2) with x = df2 / (df2 + df1 f)."""
    if f <= 0:
        return 1.0
    return _betainc(df2 / 2, df1 / 2, df2 / (df2 + df1 * f))


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b) by Lentz's continued fraction (Numerical Recipes 6.4)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    if x > (a + 1) / (a + b + 2):
        return 1.0 - _betainc(b, a, 1 - x)
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for k in range(1, 300):
        for num in (k * (b - k) * x / ((a + 2 * k - 1) * (a + 2 * k)),
                    -(a + k) * (a + b + k) * x / ((a + 2 * k) * (a + 2 * k + 1))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-12:
            break
    return math.exp(log_front) * h / a


def detrend(y: FloatArray) -> FloatArray:
    """Residuals of a least-squares line: a trend must not pass for a season."""
    t = np.arange(y.size, dtype=float) - (y.size - 1) / 2
    mean = float(y.mean())
    slope = float(t @ (y - mean) / (t @ t))
    return y - mean - slope * t


def is_seasonal(y: FloatArray, m: int) -> bool:
    """The autocorrelation test at lag m (see the module docstring)."""
    return _seasonal_r(y, detrend(y), m) is not None


def detect_season_length(y: FloatArray, candidates: Iterable[int] = CANDIDATE_SEASON_LENGTHS) -> int:
    """The seasonal period with the strongest significant autocorrelation, else 1."""
    if y.size < 2 * min(candidates):
        return 1
    detrended = detrend(y)
    best, best_r = 1, 0.0
    for m in candidates:
        r = _seasonal_r(y, detrended, m)
        # Prefer the earlier (more usual) candidate unless clearly stronger.
        if r is not None and r > best_r * 1.1 and not (best > 1 and m % best == 0):  # 24 repeats 12
            best, best_r = m, r
    return best


@dataclass(frozen=True)
class Seasonal:
    """Seasonal indices of a series, aligned so that index[t % m] applies to period t."""

    m: int
    index: FloatArray
    multiplicative: bool
    source: str = ""
    """Where the indices come from when not from the series itself (e.g. "borrowed profile")."""

    def remove(self, y: FloatArray) -> FloatArray:
        s = self.index[np.arange(y.size) % self.m]
        return y / s if self.multiplicative else y - s

    def future(self, n: int, h: int) -> FloatArray:
        """Indices for the h periods after a series of length n."""
        return self.index[np.arange(n, n + h) % self.m]

    def add_back(self, n: int, values: FloatArray) -> FloatArray:
        s = self.future(n, values.shape[-1])
        return values * s if self.multiplicative else values + s

    @classmethod
    def from_profile(cls, profile: Iterable[float], source: str = "borrowed profile") -> Seasonal:
        """Multiplicative indices from m positive numbers (profile[t % m] applies to period t), scaled to mean 1."""
        index = np.asarray(list(profile), dtype=float)
        if index.size < 2 or not np.all(np.isfinite(index)) or np.any(index <= 0):
            raise ValueError("a seasonal profile needs two or more positive numbers")
        return cls(index.size, index / index.mean(), True, source)


RECENT_SEASONS = 6


def decompose(y: FloatArray, m: int, recent_seasons: int | None = RECENT_SEASONS) -> Seasonal:
    """Seasonal indices from the last ``recent_seasons`` seasons (None: all of y)."""
    if recent_seasons and y.size > recent_seasons * m:
        tail = _decompose(y[-recent_seasons * m :], m, bool(np.all(y > 0)))
        # Realign: position j of the tail is position n - k*m + j of y.
        return Seasonal(m, np.roll(tail.index, y.size % m), tail.multiplicative)
    if y.size < 3 * m:
        return _regression_indices(y, m, bool(np.all(y > 0)))
    return _decompose(y, m, bool(np.all(y > 0)))


def _regression_indices(y: FloatArray, m: int, multiplicative: bool) -> Seasonal:
    """Indices from least squares of y (log y when multiplicative) on a line and m season dummies."""
    n = y.size
    t = np.arange(n, dtype=float)
    design = np.zeros((n, m + 1))
    design[:, 0] = t - t.mean()
    design[np.arange(n), 1 + np.arange(n) % m] = 1.0
    target = np.log(y) if multiplicative else y
    coef = np.linalg.lstsq(design, target, rcond=None)[0]
    effects = coef[1:] - coef[1:].mean()
    index = np.exp(effects) if multiplicative else effects
    index = index / index.mean() if multiplicative else index
    return Seasonal(m, index, multiplicative)


def _decompose(y: FloatArray, m: int, multiplicative: bool) -> Seasonal:
    n = y.size
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    trend = np.convolve(y, weights, mode="valid")
    offset = (weights.size - 1) // 2
    detrended = np.full(n, np.nan)
    part = y[offset : offset + trend.size]
    detrended[offset : offset + trend.size] = part / trend if multiplicative else part - trend
    padded = np.full(-(-n // m) * m, np.nan)
    padded[:n] = detrended
    by_position = padded.reshape(-1, m)  # row k: the k-th season, column j: position j
    seen = (~np.isnan(by_position)).sum(axis=0)
    sums = np.nansum(by_position, axis=0)
    index = np.where(seen > 0, sums / np.maximum(seen, 1), 1.0 if multiplicative else 0.0)
    index = index / index.mean() if multiplicative else index - index.mean()
    return Seasonal(m, index, multiplicative)
