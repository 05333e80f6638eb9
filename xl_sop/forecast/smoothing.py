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

import numpy as np

from xl_sop.forecast.base import ForecastMethod, residual_sd

ALPHA_GRID = np.array([0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99])


def ses_pass(y: np.ndarray, alphas: np.ndarray, level0: float):
    """SSE and final level of simple exponential smoothing for every alpha at once."""
    level = np.full(alphas.shape, level0)
    sse = np.zeros(alphas.shape)
    for value in y:
        error = value - level
        sse += error * error
        level += alphas * error
    return sse, level


def ses_errors(y: np.ndarray, alpha: float, level0: float):
    errors = np.empty(y.size)
    level = level0
    for t, value in enumerate(y):
        errors[t] = value - level
        level += alpha * errors[t]
    return errors, level


def _refine(grid: np.ndarray, best: float, lo=0.001, hi=0.999, points=9) -> np.ndarray:
    i = int(np.searchsorted(grid, best))
    left = grid[i - 1] if i > 0 else lo
    right = grid[i + 1] if i + 1 < grid.size else hi
    return np.clip(np.linspace(left, right, points), lo, hi)


def fit_ses_alpha(y: np.ndarray, level0: float) -> float:
    sse, _ = ses_pass(y, ALPHA_GRID, level0)
    best = float(ALPHA_GRID[np.argmin(sse)])
    fine = _refine(ALPHA_GRID, best)
    sse, _ = ses_pass(y, fine, level0)
    return float(fine[np.argmin(sse)])


class SimpleExponentialSmoothing(ForecastMethod):
    """ETS(A,N,N): a flat forecast at the smoothed level."""

    key, label, aliases = "ses", "Simple exponential smoothing", ("simple_exponential_smoothing", "exponential_smoothing")

    def fit(self, y, season_length=1):
        self.level0 = float(y[0])
        self.alpha = fit_ses_alpha(y, self.level0)
        errors, self.level = ses_errors(y, self.alpha, self.level0)
        self.sigma = residual_sd(errors[1:], 1) if y.size > 2 else residual_sd(errors, 0)
        return self

    def predict(self, h):
        return np.full(h, self.level)

    def variance_multipliers(self, h):
        return 1.0 + np.arange(h) * self.alpha**2


def _initial_trend(y: np.ndarray, k: int = 10) -> tuple[float, float]:
    """Level and slope at time 0 from a regression on the first k observations."""
    k = min(k, y.size)
    if k < 2:
        return float(y[0]), 0.0
    t = np.arange(1, k + 1, dtype=float)
    slope, intercept = np.polyfit(t, y[:k], 1)
    return float(intercept), float(slope)


def trend_pass(y, alpha, beta, phi, level0, trend0):
    """SSE and final states of ETS(A,Ad,N) for every parameter combination at once."""
    level = np.full(alpha.shape, level0)
    trend = np.full(alpha.shape, trend0)
    sse = np.zeros(alpha.shape)
    for value in y:
        fitted = level + phi * trend
        error = value - fitted
        sse += error * error
        level = fitted + alpha * error
        trend = phi * trend + beta * error
    return sse, level, trend


def _trend_grid(phis):
    a = np.array([0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99])
    b_share = np.array([0.01, 0.05, 0.2, 0.5])
    A, B, P = np.meshgrid(a, b_share, np.asarray(phis, float), indexing="ij")
    return A.ravel(), (A * B).ravel(), P.ravel()


class Holt(ForecastMethod):
    """ETS(A,A,N), Holt's linear trend: level plus a straight-line trend."""

    key, label, aliases = "holt", "Holt linear trend", ("holt_linear", "linear_trend", "double_exponential_smoothing")
    min_length = 3
    phis: tuple[float, ...] = (1.0,)

    def fit(self, y, season_length=1):
        level0, trend0 = _initial_trend(y)
        alpha, beta, phi = _trend_grid(self.phis)
        sse, levels, trends = trend_pass(y, alpha, beta, phi, level0, trend0)
        i = int(np.argmin(sse))
        self.alpha, self.beta, self.phi = float(alpha[i]), float(beta[i]), float(phi[i])
        self.level, self.trend = float(levels[i]), float(trends[i])
        self.sigma = float(np.sqrt(sse[i] / max(y.size - 3, 1)))
        return self

    def _phi_powers(self, h):
        return np.cumsum(self.phi ** np.arange(1, h + 1))

    def predict(self, h):
        return self.level + self.trend * self._phi_powers(h)

    def variance_multipliers(self, h):
        c = self.alpha + self.beta * self._phi_powers(h)[:-1]
        return 1.0 + np.r_[0.0, np.cumsum(c**2)]


class DampedHolt(Holt):
    """ETS(A,Ad,N), Gardner-McKenzie damped trend: the trend fades out (phi < 1)."""

    key, label, aliases = "holt_damped", "Holt damped trend", ("damped", "damped_trend", "holt_damped_trend")
    phis = (0.8, 0.9, 0.95, 0.98)


def seasonal_pass(y, m, alpha, beta, gamma, phi, level0, trend0, season0, multiplicative):
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
    aliases = ("hw_additive", "holt_winters", "hw", "winters_additive", "triple_exponential_smoothing")
    needs_season = True
    multiplicative = False

    def fit(self, y, season_length=1):
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

    def predict(self, h):
        steps = np.cumsum(self.phi ** np.arange(1, h + 1))
        base = self.level + self.trend * steps
        s = self.season[(self.n + np.arange(h)) % self.m]
        return base * s if self.multiplicative else base + s

    def variance_multipliers(self, h):
        steps = np.cumsum(self.phi ** np.arange(1, h + 1))[:-1]
        j = np.arange(1, h)
        c = self.alpha + self.beta * steps + self.gamma * (j % self.m == 0)
        return 1.0 + np.r_[0.0, np.cumsum(c**2)]

    def forecast_sd(self, h):
        sd = super().forecast_sd(h)
        if self.multiplicative:  # sigma was measured on the original scale
            return sd * self.season[(self.n + np.arange(h)) % self.m] / np.mean(self.season)
        return sd


class HoltWintersMultiplicative(HoltWintersAdditive):
    """ETS(A,A,M): level and trend with multiplicative seasonal indices."""

    key, label = "holt_winters_multiplicative", "Holt-Winters multiplicative"
    aliases = ("hw_multiplicative", "winters_multiplicative", "winters")
    multiplicative = True
