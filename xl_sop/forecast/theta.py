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

from xl_sop.forecast.base import FloatArray
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
