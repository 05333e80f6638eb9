"""Every forecasting method by name, and the wrappers that compose them."""

from __future__ import annotations

from typing import Self

import numpy as np

from xl_sop.errors import InputError
from xl_sop.forecast.arima import Arima
from xl_sop.forecast.base import FloatArray, ForecastMethod
from xl_sop.forecast.intermittent import SBA, TSB, Croston
from xl_sop.forecast.seasonality import Seasonal
from xl_sop.forecast.simple import MovingAverage, Naive, SeasonalNaive
from xl_sop.forecast.smoothing import (
    DampedHolt,
    Holt,
    HoltWintersAdditive,
    HoltWintersMultiplicative,
    SimpleExponentialSmoothing,
)
from xl_sop.forecast.theta import OptimizedTheta, Theta

METHOD_CLASSES: tuple[type[ForecastMethod], ...] = (
    Naive,
    SeasonalNaive,
    MovingAverage,
    SimpleExponentialSmoothing,
    Holt,
    DampedHolt,
    HoltWintersAdditive,
    HoltWintersMultiplicative,
    Theta,
    OptimizedTheta,
    Arima,
    Croston,
    SBA,
    TSB,
)

METHODS: dict[str, type[ForecastMethod]] = {cls.key: cls for cls in METHOD_CLASSES}

# Methods without a seasonal part of their own: with a significant season they
# run on the seasonally adjusted series (the M-competition convention).
ADJUSTABLE = {"naive", "moving_average", "ses", "holt", "holt_damped", "theta", "optimized_theta"}

_LOOKUP = {}
for _cls in METHOD_CLASSES:
    for _name in (_cls.key, *_cls.aliases, _cls.label):
        _LOOKUP[_name.lower().replace("-", "_").replace(" ", "_")] = _cls.key


def method_key(name: str | None) -> str:
    """The canonical key for a method name typed by a user ('auto' if blank)."""
    if name is None or (isinstance(name, str) and not name.strip()):
        return "auto"
    if not isinstance(name, str):
        raise InputError(f"method must be a name such as 'auto' or 'theta', not {name!r}")
    norm = name.strip().lower().replace("-", "_").replace(" ", "_")
    if norm in ("auto", "automatic", "best"):
        return "auto"
    if norm not in _LOOKUP:
        known = ", ".join(["auto", *METHODS])
        raise InputError(f"unknown method '{name}'; use one of: {known}")
    return _LOOKUP[norm]


class SeasonallyAdjusted(ForecastMethod):
    """A non-seasonal method run on the seasonally adjusted series, then re-seasonalised."""

    def __init__(self, inner: ForecastMethod, seasonal: Seasonal):
        self.inner, self.seasonal = inner, seasonal
        self.key = inner.key

    def fit(self, y: FloatArray, season_length: int = 1) -> Self:
        self.inner.fit(self.seasonal.remove(y), 1)
        return self.fitted(y.size)

    def fitted(self, n: int) -> Self:
        """Mark the inner method as already fitted on the adjusted series of length n."""
        self.n = n
        self.sigma = self.inner.sigma
        return self

    def predict(self, h: int) -> FloatArray:
        return self.seasonal.add_back(self.n, self.inner.predict(h))

    def forecast_sd(self, h: int) -> FloatArray:
        sd = self.inner.forecast_sd(h)
        return sd * self.seasonal.future(self.n, h) if self.seasonal.multiplicative else sd

    @property
    def season_text(self) -> str:
        kind = "multiplicative" if self.seasonal.multiplicative else "additive"
        source = f", {self.seasonal.source}" if self.seasonal.source else ""
        return f", seasonally adjusted ({kind}, m={self.seasonal.m}{source})"

    @property
    def name(self) -> str:
        return self.inner.name + self.season_text


class Combination(ForecastMethod):
    """The equal-weight mean of several fitted methods.

    The error sd is taken as the mean of the members' sds: exact when their
    errors are perfectly correlated, conservative otherwise.
    """

    key = "combination"

    def __init__(self, members: list[ForecastMethod], how: str = "mean"):
        self.members, self.how = members, how
        self.sigma = float(np.mean([getattr(m, "sigma", 0.0) for m in members]))

    def fit(self, y: FloatArray, season_length: int = 1) -> Self:
        for member in self.members:
            member.fit(y, season_length)
        self.sigma = float(np.mean([m.sigma for m in self.members]))
        return self

    def predict(self, h: int) -> FloatArray:
        paths = [np.maximum(m.predict(h), 0.0) for m in self.members]  # demand is never negative: nor a member
        mean: FloatArray = np.median(paths, axis=0) if self.how == "median" else np.mean(paths, axis=0)
        return mean

    def forecast_sd(self, h: int) -> FloatArray:
        sd: FloatArray = np.mean([m.forecast_sd(h) for m in self.members], axis=0)
        return sd

    @property
    def name(self) -> str:
        short = {"ses": "SES", "holt": "Holt", "holt_damped": "Damped", "theta": "Theta", "optimized_theta": "Optimised Theta"}
        inner = [short.get(m.key, m.name) for m in self.members]
        text = ("Median" if self.how == "median" else "Combination") + " (" + ", ".join(inner) + ")"
        first = self.members[0]
        if isinstance(first, SeasonallyAdjusted):
            text += first.season_text
        return text


class WithSeasonalNaive(Combination):
    """A fitted model (a combination or one method) averaged half and half with seasonal naive."""

    def __init__(self, model: ForecastMethod, seasonal_naive: ForecastMethod):
        super().__init__([model, seasonal_naive])

    @property
    def name(self) -> str:
        return f"{self.members[0].name}, averaged with seasonal naive"


def build(key: str, seasonal: Seasonal | None) -> ForecastMethod:
    method = METHODS[key]()
    if seasonal is not None and key in ADJUSTABLE:
        return SeasonallyAdjusted(method, seasonal)
    return method
