"""Exponential smoothing: simple, Holt (linear and damped trend), Holt-Winters.

All are the additive-error state space forms of Hyndman, Koehler, Ord and
Snyder, *Forecasting with Exponential Smoothing* (Springer 2008), ch. 2-6:

    forecast      yhat_t = l + phi*b (+ s_{t-m})      or (l + phi*b) * s_{t-m}
    error         e_t    = y_t - yhat_t
    level         l_t    = l + phi*b + alpha*e_t        (/ s_{t-m} when multiplicative)
    trend         b_t    = phi*b + beta*e_t             (/ s_{t-m} when multiplicative)
    season        s_t    = s_{t-m} + gamma*e_t          (/ (l + phi*b) when multiplicative)

Parameters minimise the in-sample sum of squared one-step errors. The search
runs every candidate of a grid at once (numpy vectors over the grid, one loop
over time) and then refines around the best point: fast, deterministic, and no
optimiser that can fail to converge.

Prediction-error variances are the class-1 formulas of the same book (ch. 6),
Var(h) = sigma^2 * (1 + sum_{j=1}^{h-1} c_j^2) with c_j = alpha + beta*phi_j
(+ gamma when j is a multiple of m) and phi_j = phi + ... + phi^j; for
multiplicative seasonality they are applied to the seasonally adjusted scale.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Self

import numpy as np
from numpy.typing import ArrayLike

from xl_sop.forecast.base import FloatArray, ForecastMethod

# A fine grid replaces a numeric optimiser: every point is evaluated in one pass.
ALPHA_GRID = np.r_[0.005, 0.01, 0.02, 0.03, 0.05, 0.07, np.arange(0.1, 1.0, 0.05), 0.97, 0.999]
TREND_ALPHAS = np.array([0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99])
TREND_BETA_SHARES = np.array([0.01, 0.05, 0.2, 0.5])
DAMPING = (0.8, 0.9, 0.95, 0.98)


class Grid:
    """Parameter combinations of ETS(A,Ad,N), SES being beta = 0, phi = 1, trend0 = 0."""

    def __init__(self, alpha: ArrayLike, beta: ArrayLike, phi: ArrayLike, trend0: ArrayLike):
        self.alpha, self.beta, self.phi, self.trend0 = (np.asarray(a, float) for a in (alpha, beta, phi, trend0))

    @classmethod
    def ses(cls) -> Self:
        return cls(ALPHA_GRID, 0.0 * ALPHA_GRID, np.ones_like(ALPHA_GRID), 0.0 * ALPHA_GRID)

    @classmethod
    def trend(cls, phis: Iterable[float], trend0: float) -> Self:
        A, B, P = np.meshgrid(TREND_ALPHAS, TREND_BETA_SHARES, np.asarray(phis, float), indexing="ij")
        A, B, P = A.ravel(), (A * B).ravel(), P.ravel()
        return cls(A, B, P, np.full(A.size, trend0))

    def with_trend0(self, trend0: ArrayLike) -> Grid:
        """The same parameters with other initial trends."""
        return Grid(self.alpha, self.beta, self.phi, trend0)

    def __add__(self, other: Grid) -> Grid:
        return Grid(*(np.concatenate((getattr(self, k), getattr(other, k))) for k in ("alpha", "beta", "phi", "trend0")))

    @property
    def size(self) -> int:
        return self.alpha.size


class PassResult:
    """Sums of squared one-step errors and states of every combination, at the end
    of the series and (optionally) at an earlier origin, for hold-out forecasts."""

    def __init__(self, sse: FloatArray, level: FloatArray, trend: FloatArray, origin: int | None = None,
                 sse_origin: FloatArray | None = None, level_origin: FloatArray | None = None,
                 trend_origin: FloatArray | None = None, levels: FloatArray | None = None,
                 trends: FloatArray | None = None):
        self.sse, self.level, self.trend = sse, level, trend
        self.levels, self.trends = levels, trends
        """States after t periods (row t, t = 0..n) when the pass kept them."""
        self.origin, self.sse_origin = origin, sse_origin
        self.level_origin, self.trend_origin = level_origin, trend_origin


def trend_pass(y: FloatArray, grid: Grid, level0: float | FloatArray, origin: int | None = None,
               keep_states: bool = False) -> PassResult:
    """Run ETS(A,Ad,N) for every combination of the grid in one loop over time.

    level0 is one initial level for all combinations or one per combination.
    keep_states: also return the level and trend of every combination after
    every period (for forecasts from earlier origins, as interval calibration needs).
    """
    alpha, beta, phi = grid.alpha, grid.beta, grid.phi
    n = y.size
    # Every state is written in place into its row (fewest numpy calls per period: the loop is the cost).
    levels, trends = np.empty((n + 1, grid.size)), np.empty((n + 1, grid.size))
    levels[0], trends[0] = level0, grid.trend0
    errors = np.empty((n, grid.size))
    damped, fitted = np.empty(grid.size), np.empty(grid.size)
    for t in range(n):
        np.multiply(phi, trends[t], out=damped)
        np.add(levels[t], damped, out=fitted)
        error = errors[t]
        np.subtract(y[t], fitted, out=error)
        level, trend = levels[t + 1], trends[t + 1]
        np.multiply(alpha, error, out=level)
        level += fitted
        np.multiply(beta, error, out=trend)
        trend += damped
    squared = errors * errors
    sse = squared.sum(axis=0)
    kept = (levels, trends) if keep_states else (None, None)
    if origin is None or not 0 <= origin < n:
        return PassResult(sse, levels[n], trends[n], levels=kept[0], trends=kept[1])
    saved = (squared[:origin].sum(axis=0), levels[origin], trends[origin])
    return PassResult(sse, levels[n], trends[n], origin, *saved, levels=kept[0], trends=kept[1])


@lru_cache(maxsize=4096)
def damped_steps(phi: float, h: int) -> FloatArray:
    """phi + phi^2 + ... + phi^k for k = 1..h (k for phi = 1).

    Kept per (phi, h), read-only: the parameters come from a fixed grid, so thousands of series share a few dozen."""
    steps = np.cumsum(phi ** np.arange(1, h + 1))
    steps.setflags(write=False)
    return steps


@lru_cache(maxsize=4096)
def trend_variance_multipliers(alpha: float, beta: float, phi: float, h: int) -> FloatArray:
    """Var(h-step error) / sigma^2 of ETS(A,Ad,N) for steps 1..h; kept per arguments, read-only (damped_steps)."""
    c = alpha + beta * damped_steps(phi, h)[:-1]
    multipliers = np.ones(h)
    np.cumsum(c**2, out=multipliers[1:])
    multipliers[1:] += 1.0
    multipliers.setflags(write=False)
    return multipliers


def initial_trend(y: FloatArray, k: int = 10) -> tuple[float, float]:
    """Level and slope at time 0 from a regression on the first k observations."""
    k = min(k, y.size)
    if k < 2:
        return float(y[0]), 0.0
    t = np.arange(1, k + 1, dtype=float) - (k + 1) / 2
    head = y[:k]
    slope = float(t @ (head - head.mean()) / (t @ t))
    return float(head.mean()) - slope * (k + 1) / 2, slope


class _SmoothingFromGrid(ForecastMethod):
    """Fit = the grid point with the least squared one-step error."""

    n_params = 1

    def _grid(self, y: FloatArray) -> tuple[Grid, float]:
        raise NotImplementedError

    def fit(self, y: FloatArray, season_length: int = 1) -> Self:
        grid, level0 = self._grid(y)
        res = trend_pass(y, grid, level0)
        self.set_state(y, grid, res.sse, res.level, res.trend, int(np.argmin(res.sse)))
        return self

    def set_state(self, y: FloatArray, grid: Grid, sse: FloatArray, level: FloatArray, trend: FloatArray, i: int) -> Self:
        self.alpha, self.beta, self.phi = float(grid.alpha[i]), float(grid.beta[i]), float(grid.phi[i])
        self.level, self.trend, self.n = float(level[i]), float(trend[i]), y.size
        self.sigma = float(np.sqrt(sse[i] / max(y.size - self.n_params, 1)))
        return self

    def predict(self, h: int) -> FloatArray:
        return self.level + self.trend * damped_steps(self.phi, h)

    def variance_multipliers(self, h: int) -> FloatArray:
        return trend_variance_multipliers(self.alpha, self.beta, self.phi, h)


class SimpleExponentialSmoothing(_SmoothingFromGrid):
    """ETS(A,N,N): a flat forecast at the smoothed level (initial level = first value)."""

    aliases: tuple[str, ...]  # declared wide: Theta has its own
    key, label, aliases = "ses", "Simple exponential smoothing", ("simple_exponential_smoothing", "exponential_smoothing")

    def _grid(self, y: FloatArray) -> tuple[Grid, float]:
        return Grid.ses(), float(y[0])


class Holt(_SmoothingFromGrid):
    """ETS(A,A,N), Holt's linear trend: level plus a straight-line trend."""

    key, label, aliases = "holt", "Holt linear trend", ("holt_linear", "linear_trend", "double_exponential_smoothing")
    min_length = 3
    n_params = 3
    phis: tuple[float, ...] = (1.0,)

    def _grid(self, y: FloatArray) -> tuple[Grid, float]:
        level0, trend0 = initial_trend(y)
        return Grid.trend(self.phis, trend0), level0


class DampedHolt(Holt):
    """ETS(A,Ad,N), Gardner-McKenzie damped trend: the trend fades out (phi < 1)."""

    key, label, aliases = "holt_damped", "Holt damped trend", ("damped", "damped_trend", "holt_damped_trend")
    n_params = 4
    phis = DAMPING


def seasonal_pass(
    y: FloatArray, m: int, alpha: FloatArray, beta: FloatArray, gamma: FloatArray, phi: FloatArray,
    level0: float, trend0: float, season0: FloatArray, multiplicative: bool,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """SSE and final states of Holt-Winters for every parameter combination at once."""
    k = alpha.size
    level = np.full(k, level0)
    trend = np.full(k, trend0)
    season = np.tile(season0, (k, 1))
    sse = np.zeros(k)
    for t, value in enumerate(y):
        j = t % m
        base = level + phi * trend
        s = season[:, j]
        if multiplicative:
            fitted = base * s
            error = value - fitted
            level = base + alpha * error / s
            trend = phi * trend + beta * error / s
            season[:, j] = s + gamma * error / base
        else:
            error = value - (base + s)
            level = base + alpha * error
            trend = phi * trend + beta * error
            season[:, j] = s + gamma * error
        sse += error * error
    return sse, level, trend, season


class HoltWintersAdditive(ForecastMethod):
    """ETS(A,A,A): level, trend and additive seasonal indices (Holt-Winters additive)."""

    key, label = "holt_winters_additive", "Holt-Winters additive"
    aliases: tuple[str, ...] = ("hw_additive", "holt_winters", "hw", "winters_additive", "triple_exponential_smoothing")
    needs_season = True
    multiplicative = False
    season: FloatArray
    """Seasonal states at the end of the history: season[t % m] applies to period t."""

    def fit(self, y: FloatArray, season_length: int = 1) -> Self:
        m = self.m = max(2, int(season_length))
        if y.size < 2 * m:
            raise ValueError(f"Holt-Winters needs two full seasons ({2 * m} periods)")
        first, second = y[:m].mean(), y[m : 2 * m].mean()
        trend0 = (second - first) / m
        level0 = first - trend0 * (m + 1) / 2
        if self.multiplicative:
            if np.any(y <= 0):
                raise ValueError("multiplicative seasonality needs positive history")
            season0 = y[:m] / (first + trend0 * (np.arange(m) - (m - 1) / 2))
        else:
            season0 = y[:m] - (first + trend0 * (np.arange(m) - (m - 1) / 2))
        a = np.array([0.05, 0.1, 0.2, 0.4, 0.7, 0.95])
        b = np.array([0.0, 0.05, 0.2])
        g = np.array([0.0, 0.05, 0.15, 0.3])
        p = np.array([0.95, 1.0])
        A, B, G, P = (x.ravel() for x in np.meshgrid(a, b, g, p, indexing="ij"))
        B = A * B
        G = G * (1 - A)
        sse, levels, trends, seasons = seasonal_pass(
            y, m, A, B, G, P, level0, trend0, season0, self.multiplicative
        )
        i = int(np.nanargmin(np.where(np.isfinite(sse), sse, np.inf)))
        self.alpha, self.beta, self.gamma, self.phi = float(A[i]), float(B[i]), float(G[i]), float(P[i])
        self.level, self.trend, self.season = float(levels[i]), float(trends[i]), seasons[i].copy()
        self.n = y.size
        self.sigma = float(np.sqrt(sse[i] / max(y.size - 4 - m, 1)))
        return self

    def predict(self, h: int) -> FloatArray:
        steps = np.cumsum(self.phi ** np.arange(1, h + 1))
        base = self.level + self.trend * steps
        s = self.season[(self.n + np.arange(h)) % self.m]
        return base * s if self.multiplicative else base + s

    def variance_multipliers(self, h: int) -> FloatArray:
        steps = np.cumsum(self.phi ** np.arange(1, h + 1))[:-1]
        j = np.arange(1, h)
        c = self.alpha + self.beta * steps + self.gamma * (j % self.m == 0)
        multipliers: FloatArray = 1.0 + np.r_[0.0, np.cumsum(c**2)]
        return multipliers

    def forecast_sd(self, h: int) -> FloatArray:
        sd = super().forecast_sd(h)
        if self.multiplicative:  # sigma was measured on the original scale
            return sd * self.season[(self.n + np.arange(h)) % self.m] / np.mean(self.season)
        return sd


class HoltWintersMultiplicative(HoltWintersAdditive):
    """ETS(A,A,M): level and trend with multiplicative seasonal indices."""

    key, label = "holt_winters_multiplicative", "Holt-Winters multiplicative"
    aliases = ("hw_multiplicative", "winters_multiplicative", "winters")
    multiplicative = True
