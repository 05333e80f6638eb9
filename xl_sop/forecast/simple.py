"""Benchmark methods planners know: naive, seasonal naive, moving average."""

from __future__ import annotations

from typing import Self

import numpy as np

from xl_sop.forecast.base import FloatArray, ForecastMethod, residual_sd


class Naive(ForecastMethod):
    """Next periods = the last observed period. Errors grow like a random walk."""

    key, label, aliases = "naive", "Naive", ("last", "random_walk")

    def fit(self, y: FloatArray, season_length: int = 1) -> Self:
        self.last = float(y[-1])
        self.sigma = residual_sd(np.diff(y), 0) if y.size > 1 else abs(self.last) * 0.5
        return self

    def predict(self, h: int) -> FloatArray:
        return np.full(h, self.last)


class SeasonalNaive(ForecastMethod):
    """Next periods = the same period one season earlier.

    Var(h) = sigma^2 * (floor((h - 1) / m) + 1), sigma from the seasonal differences.
    """

    key, label, aliases = "seasonal_naive", "Seasonal naive", ("snaive",)
    needs_season = True

    def fit(self, y: FloatArray, season_length: int = 1) -> Self:
        self.m = max(1, min(season_length, y.size))
        self.last_season = y[-self.m :].astype(float)
        diffs = y[self.m :] - y[: -self.m] if y.size > self.m else np.diff(y)
        self.sigma = residual_sd(diffs, 0) if diffs.size else abs(float(y[-1])) * 0.5
        return self

    def predict(self, h: int) -> FloatArray:
        return self.last_season[np.arange(h) % self.m]

    def variance_multipliers(self, h: int) -> FloatArray:
        return (np.arange(h) // self.m + 1).astype(float)


class MovingAverage(ForecastMethod):
    """Next periods = the mean of the last k periods (k = 3, or the season length).

    Var(h) is taken as sigma^2 (1 + (h - 1) / k^2): an average of k values
    behaves like exponential smoothing with alpha = 1/k.
    """

    key, label, aliases = "moving_average", "Moving average", ("ma", "average")

    def __init__(self, window: int | None = None):
        self.window = window

    def fit(self, y: FloatArray, season_length: int = 1) -> Self:
        k = self.window or (season_length if season_length > 1 else 3)
        self.k = max(1, min(k, y.size))
        self.level = float(np.mean(y[-self.k :]))
        if y.size > self.k:
            csum = np.cumsum(np.r_[0.0, y])
            rolling = (csum[self.k :] - csum[: -self.k]) / self.k
            errors = y[self.k :] - rolling[:-1]
            self.sigma = residual_sd(errors, 1)
        else:
            self.sigma = float(np.std(y)) if y.size > 1 else abs(self.level) * 0.5
        return self

    def predict(self, h: int) -> FloatArray:
        return np.full(h, self.level)

    def variance_multipliers(self, h: int) -> FloatArray:
        return 1.0 + np.arange(h) / self.k**2

    @property
    def name(self) -> str:
        return f"Moving average ({self.k})"
