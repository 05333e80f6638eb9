"""The Theta method (Assimakopoulos and Nikolopoulos, 2000).

Hyndman and Billah (2003) showed it equals simple exponential smoothing with a
drift of half the series' linear slope:

    yhat_{n+h} = l_n + (b0 / 2) * ((h - 1) + (1 - (1 - alpha)^n) / alpha)

with l_n and alpha from SES and b0 the least-squares slope of y on time.
Intervals are those of SES (as in R's forecast::thetaf).
"""

from __future__ import annotations

from typing import Self

import numpy as np

from xl_sop.forecast.base import FloatArray, ForecastMethod, IntArray
from xl_sop.forecast.smoothing import Grid, SimpleExponentialSmoothing


def ols_slope(y: FloatArray) -> float:
    if y.size < 2:
        return 0.0
    t = np.arange(y.size, dtype=float) - (y.size - 1) / 2
    return float(t @ (y - y.mean()) / (t @ t))


class Theta(SimpleExponentialSmoothing):
    key, label, aliases = "theta", "Theta", ("standard_theta",)
    min_length = 2

    def set_state(self, y: FloatArray, grid: Grid, sse: FloatArray, level: FloatArray, trend: FloatArray, i: int) -> Self:
        super().set_state(y, grid, sse, level, trend, i)
        self.slope = ols_slope(y)
        return self

    def predict(self, h: int) -> FloatArray:
        alpha = max(self.alpha, 1e-10)
        drift = self.slope / 2 * (np.arange(h, dtype=float) + (1 - (1 - alpha) ** self.n) / alpha)
        return self.level + drift


def slope_path(y: FloatArray) -> FloatArray:
    """B[k-1] = least-squares slope of y[:k] on time, for k = 1..n (0 for k = 1): one cumulative pass."""
    k = np.arange(1, y.size + 1, dtype=float)
    s1, s2 = np.cumsum(y), np.cumsum(k * y)
    denom = k * (k * k - 1) / 12
    slope: FloatArray = np.where(k >= 2, (s2 - (k + 1) / 2 * s1) / np.where(denom > 0, denom, 1.0), 0.0)
    return slope


OTM_ALPHAS = np.r_[0.01, 0.03, 0.05, 0.1, 0.15, np.arange(0.2, 1.0, 0.1), 0.99]
OTM_WEIGHTS = np.array([0.0, 0.25, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
"""w = 1 - 1/theta: 0 is SES (theta = 1), 0.5 the standard Theta (theta = 2), 0.9 theta = 10."""
_GRID_ALPHA, _GRID_W = (a.ravel() for a in np.meshgrid(OTM_ALPHAS, OTM_WEIGHTS, indexing="ij"))


class OtmPass:
    """The dynamic optimised Theta model for every (alpha, w) of the grid at once.

    One-step forecasts (Fiorucci et al. 2016, with the slope updated as data
    arrive, and Hyndman and Billah's SES form of the Theta line):

        yhat_{t+1} = l_t + w * B_t * (1 - (1 - alpha)^t) / alpha
        l_t = alpha * y_t + (1 - alpha) * l_{t-1},  l_0 = y_1

    where B_t is the least-squares slope of y_1..y_t (``slope_path``). The sum
    of squared one-step errors is taken from the third period on (the slope of
    one or two points says nothing). ``level(t, i)`` gives the level after t
    periods for every grid point, for forecasts from earlier origins.
    """

    def __init__(self, y: FloatArray, origin: int | None = None):
        self.alpha, self.w = _GRID_ALPHA, _GRID_W
        self.slope = slope_path(y)
        n = y.size
        # The levels depend on alpha only: one loop over time for the alphas, then every w at once.
        ses = np.empty((n + 1, OTM_ALPHAS.size))
        level = np.full(OTM_ALPHAS.size, float(y[0]))
        ses[0] = level
        for t in range(n):
            level += OTM_ALPHAS * (y[t] - level)
            ses[t + 1] = level
        steps = np.arange(2, n)
        if steps.size:
            weight = (1.0 - (1.0 - OTM_ALPHAS) ** steps[:, None]) / OTM_ALPHAS * self.slope[steps - 1, None]
            fitted = ses[steps][:, :, None] + weight[:, :, None] * OTM_WEIGHTS
            error = (y[steps, None, None] - fitted).reshape(steps.size, -1)
            squared = error * error
        else:
            squared = np.zeros((0, self.alpha.size))
        self.sse = squared.sum(axis=0)
        self.sse_origin = None
        if origin is not None and origin < n:  # errors of periods 2..origin-1 (row k is period k + 2)
            self.sse_origin = squared[: max(origin - 2, 0)].sum(axis=0)
        self.ses = ses
        self.n = n

    def level(self, origin: int | IntArray, i: int) -> FloatArray:
        """Levels of grid point i after the first ``origin`` periods."""
        level: FloatArray = self.ses[origin, i // OTM_WEIGHTS.size]
        return level

    def paths(self, i: int, origin: int | IntArray, h: int) -> FloatArray:
        """Forecasts of grid point i for the h periods after the first ``origin`` periods (a row per origin)."""
        alpha = self.alpha[i]
        o = np.asarray(origin)[..., None]
        path: FloatArray = self.level(o, i) + self.w[i] * self.slope[o - 1] * (np.arange(h) + (1 - (1 - alpha) ** o) / alpha)
        return path


class OptimizedTheta(ForecastMethod):
    """Dynamic optimised Theta: SES plus a drift of w times the running slope, alpha and w fitted.

    w = 1 - 1/theta; the standard Theta method is w = 0.5 (theta = 2). Both are
    chosen from a grid by the in-sample sum of squared one-step errors (see
    OtmPass). The forecast

        yhat_{n+h} = l_n + w * B_n * ((h - 1) + (1 - (1 - alpha)^n) / alpha)

    Intervals are those of SES: Var(h) = sigma^2 (1 + (h - 1) alpha^2).
    """

    key, label = "optimized_theta", "Optimised Theta"
    aliases = ("dynamic_optimized_theta", "dotm", "optimised_theta", "otm")
    min_length = 3

    def fit(self, y: FloatArray, season_length: int = 1) -> Self:
        return self.set_state(OtmPass(y), None)

    def set_state(self, grid: OtmPass, i: int | None) -> Self:
        if i is None:
            i = int(np.argmin(grid.sse))
        self.alpha, self.w, self.n = float(grid.alpha[i]), float(grid.w[i]), grid.n
        self.level, self.slope = float(grid.level(grid.n, i)), float(grid.slope[-1])
        self.sigma = float(np.sqrt(grid.sse[i] / max(grid.n - 2 - 3, 1)))
        return self

    def predict(self, h: int) -> FloatArray:
        a = self.alpha
        return self.level + self.w * self.slope * (np.arange(h, dtype=float) + (1 - (1 - a) ** self.n) / a)

    def variance_multipliers(self, h: int) -> FloatArray:
        return 1.0 + np.arange(h, dtype=float) * self.alpha**2

    @property
    def name(self) -> str:
        return f"Optimised Theta (theta {1 / (1 - self.w):.2g})"
