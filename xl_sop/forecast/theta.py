"""The Theta method (Assimakopoulos and Nikolopoulos, 2000).

Hyndman and Billah (2003) showed it equals simple exponential smoothing with a
drift of half the series' linear slope:

    yhat_{n+h} = l_n + (b0 / 2) * ((h - 1) + (1 - (1 - alpha)^n) / alpha)

with l_n and alpha from SES and b0 the least-squares slope of y on time.
Intervals are those of SES (as in R's forecast::thetaf).
"""

from __future__ import annotations

import numpy as np

from xl_sop.forecast.smoothing import SimpleExponentialSmoothing


class Theta(SimpleExponentialSmoothing):
    key, label, aliases = "theta", "Theta", ("standard_theta",)
    min_length = 2

    def fit(self, y, season_length=1):
        super().fit(y, season_length)
        self.n = y.size
        if y.size > 1:
            t = np.arange(y.size, dtype=float)
            self.slope = float(np.polyfit(t, y, 1)[0])
        else:
            self.slope = 0.0
        return self

    def predict(self, h):
        alpha = max(self.alpha, 1e-10)
        drift = self.slope / 2 * (np.arange(h) + (1 - (1 - alpha) ** self.n) / alpha)
        return self.level + drift
