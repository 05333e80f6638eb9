"""The one protocol every forecasting method follows.

A method is a class with ``fit(y, season_length) -> self``, ``predict(h)`` (the
mean forecast, a float array of length h) and ``forecast_sd(h)`` (the standard
deviation of the h-step forecast errors, used for prediction intervals). Its
``label`` is the short readable name shown to planners; ``key`` is what a user
types to select it.
"""

from __future__ import annotations

from typing import Self, TypeAlias

import numpy as np
from numpy.typing import NDArray

FloatArray: TypeAlias = NDArray[np.float64]
"""A series or a forecast path: float64, one value per period."""
IntArray: TypeAlias = NDArray[np.int64]


class ForecastMethod:
    key: str = ""
    label: str = ""
    aliases: tuple[str, ...] = ()
    min_length: int = 1
    """Fewest observations the method can be fitted on."""
    needs_season: bool = False
    """True for methods that are meaningless without a season length > 1."""

    sigma: float = 0.0
    """Standard deviation of the one-step in-sample errors."""

    def fit(self, y: FloatArray, season_length: int = 1) -> Self:
        raise NotImplementedError

    def predict(self, h: int) -> FloatArray:
        raise NotImplementedError

    def variance_multipliers(self, h: int) -> FloatArray:
        """Var(h-step error) / sigma^2 for steps 1..h; the default is the random walk's."""
        return np.arange(1, h + 1, dtype=float)

    def forecast_sd(self, h: int) -> FloatArray:
        return self.sigma * np.sqrt(self.variance_multipliers(h))

    @property
    def name(self) -> str:
        return self.label


def residual_sd(errors: FloatArray, n_params: int = 1) -> float:
    """Root mean square of errors with a degrees-of-freedom correction."""
    errors = errors[np.isfinite(errors)]
    if errors.size == 0:
        return 0.0
    dof = max(errors.size - n_params, 1)
    return float(np.sqrt(np.sum(errors**2) / dof))
