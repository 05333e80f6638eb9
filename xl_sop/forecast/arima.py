"""ARIMA through statsmodels, chosen by AIC over a small set of orders.

Only used when a planner asks for method="arima": statsmodels is imported on
first use so that the rest of the engine (and the first =SOP_FORECAST after a
workbook opens) never pays for it. Orders tried: (0,1,1), (1,1,0), (1,1,1),
(2,1,2), (0,1,0) with drift when the series trends, (1,0,0) with a constant,
each with a seasonal (0,1,1)_m part when a season is given and at least three
seasons of data exist. The fit with the lowest AIC wins.
"""

from __future__ import annotations

import warnings
from typing import Self

import numpy as np

from xl_sop.forecast.base import FloatArray, ForecastMethod

ORDERS = ((0, 1, 1), (1, 1, 0), (1, 1, 1), (2, 1, 2), (0, 1, 0), (1, 0, 0))


class Arima(ForecastMethod):
    key, label, aliases = "arima", "ARIMA", ("auto_arima", "box_jenkins")
    min_length = 4

    def fit(self, y: FloatArray, season_length: int = 1) -> Self:
        from statsmodels.tsa.arima.model import ARIMA  # deferred: slow import

        m = int(season_length)
        seasonal = (0, 1, 1, m) if m > 1 and y.size >= 3 * m else (0, 0, 0, 0)
        best = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for order in ORDERS:
                trend = "c" if order[1] == 0 else ("t" if order == (0, 1, 0) and seasonal[1] == 0 else "n")
                try:
                    result = ARIMA(y, order=order, seasonal_order=seasonal, trend=trend).fit()
                except Exception:  # a singular or non-invertible fit: try the next order
                    continue
                if np.isfinite(result.aic) and (best is None or result.aic < best[0].aic):
                    best = (result, order)
        if best is None:
            raise ValueError("no ARIMA model could be fitted")
        self.result, self.order = best
        self.seasonal = seasonal
        self.sigma = float(np.sqrt(self.result.params[-1])) if self.result.params.size else 0.0
        return self

    def predict(self, h: int) -> FloatArray:
        return np.asarray(self.result.get_forecast(h).predicted_mean, dtype=float)

    def forecast_sd(self, h: int) -> FloatArray:
        variance: FloatArray = np.asarray(self.result.get_forecast(h).var_pred_mean, dtype=float)
        return np.sqrt(variance)

    @property
    def name(self) -> str:
        p, d, q = self.order
        text = f"ARIMA({p},{d},{q})"
        if self.seasonal[3]:
            text += f"(0,1,1)[{self.seasonal[3]}]"
        return text
