"""Intermittent demand: Croston, SBA and TSB, and the Syntetos-Boylan classes.

Demand classes (Syntetos, Boylan and Croston, 2005), on the periods since launch:

    ADI = number of periods / number of periods with demand
    CV2 = (standard deviation / mean)^2 of the non-zero demand sizes

    smooth        ADI <  1.32 and CV2 <  0.49
    erratic       ADI <  1.32 and CV2 >= 0.49
    intermittent  ADI >= 1.32 and CV2 <  0.49
    lumpy         ADI >= 1.32 and CV2 >= 0.49

Methods (alpha, beta smoothing constants chosen from a small grid by in-sample
mean squared error):

- Croston (1972): smooth the non-zero sizes z and the intervals p between
  them, each updated only when demand occurs; forecast z / p per period.
- SBA (Syntetos and Boylan, 2005): Croston times (1 - alpha / 2), which removes
  Croston's positive bias.
- TSB (Teunter, Syntetos and Babai, 2011): smooth the probability of demand
  every period (beta) and the size when demand occurs (alpha); forecast
  probability x size. It follows an item that is dying out.

The forecast is a rate per period, flat over the horizon. The error variance
is taken as constant over the horizon (the demand process is stationary).
"""

from __future__ import annotations

from typing import Self

import numpy as np

from xl_sop.forecast.base import FloatArray, ForecastMethod

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
SMOOTHING_GRID = np.array([0.05, 0.1, 0.15, 0.2, 0.3])


def demand_class(y: FloatArray) -> tuple[str, float, float]:
    """(class, ADI, CV2) of a demand series; negative values count as no demand."""
    sizes = y[y > 0]
    if sizes.size == 0:
        return "zero", np.inf, 0.0
    adi = y.size / sizes.size
    cv2 = float((sizes.std() / sizes.mean()) ** 2) if sizes.size > 1 else 0.0
    if adi < ADI_CUTOFF:
        return ("smooth" if cv2 < CV2_CUTOFF else "erratic"), adi, cv2
    return ("intermittent" if cv2 < CV2_CUTOFF else "lumpy"), adi, cv2


def _croston_pass(y: FloatArray, alphas: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """One-step in-sample forecasts z/p for every alpha; returns (sse, z, p)."""
    demand = np.flatnonzero(y > 0)
    z = np.full(alphas.shape, y[demand[0]])
    p = np.full(alphas.shape, float(demand[0] + 1))
    sse = np.zeros(alphas.shape)
    since = 0
    for t in range(int(demand[0]) + 1, y.size):
        since += 1
        error = y[t] - z / p
        sse += error * error
        if y[t] > 0:
            z += alphas * (y[t] - z)
            p += alphas * (since - p)
            since = 0
    return sse, z, p


class FlatRate(ForecastMethod):
    """A demand rate per period, flat over the horizon, with constant error variance."""

    rate: float = 0.0

    def predict(self, h: int) -> FloatArray:
        return np.full(h, self.rate)

    def variance_multipliers(self, h: int) -> FloatArray:
        return np.ones(h)


class Croston(FlatRate):
    aliases: tuple[str, ...]  # declared wide: SBA has its own
    key, label, aliases = "croston", "Croston", ()
    debias = False

    def fit(self, y: FloatArray, season_length: int = 1) -> Self:
        demand = y.clip(min=0)
        if not np.any(demand > 0):
            self.rate, self.alpha, self.sigma = 0.0, 0.1, 0.0
            return self
        sse, z, p = _croston_pass(demand, SMOOTHING_GRID)
        i = int(np.argmin(sse))
        self.alpha = float(SMOOTHING_GRID[i])
        factor = 1 - self.alpha / 2 if self.debias else 1.0
        self.rate = float(factor * z[i] / p[i])
        self.sigma = float(np.sqrt(sse[i] / max(y.size - 2, 1)))
        return self



class SBA(Croston):
    key, label, aliases = "sba", "SBA (Syntetos-Boylan)", ("syntetos_boylan",)
    debias = True


class TSB(FlatRate):
    key, label, aliases = "tsb", "TSB (Teunter-Syntetos-Babai)", ("teunter_syntetos_babai",)

    def fit(self, y: FloatArray, season_length: int = 1) -> Self:
        demand = y.clip(min=0)
        occurs = (demand > 0).astype(float)
        if not occurs.any():
            self.rate, self.sigma = 0.0, 0.0
            return self
        A, B = (g.ravel() for g in np.meshgrid(SMOOTHING_GRID, SMOOTHING_GRID, indexing="ij"))
        prob = np.full(A.shape, occurs.mean())
        size = np.full(A.shape, demand[demand > 0].mean())
        sse = np.zeros(A.shape)
        for value, occurred in zip(demand, occurs, strict=True):
            error = value - prob * size
            sse += error * error
            prob += B * (occurred - prob)
            if occurred:
                size += A * (value - size)
        i = int(np.argmin(sse))
        self.alpha, self.beta = float(A[i]), float(B[i])
        self.rate = float(prob[i] * size[i])
        self.sigma = float(np.sqrt(sse[i] / max(y.size - 2, 1)))
        return self

