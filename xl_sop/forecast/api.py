"""forecast() for one series: the function the cell function and the cycle call."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from numbers import Number
from statistics import NormalDist
from typing import SupportsFloat, cast

import numpy as np

from xl_sop.errors import InputError
from xl_sop.forecast.auto import choose
from xl_sop.forecast.base import FloatArray, ForecastMethod
from xl_sop.forecast.intermittent import demand_class
from xl_sop.forecast.prepare import prepare
from xl_sop.forecast.registry import ADJUSTABLE, METHODS, build, method_key
from xl_sop.forecast.seasonality import Seasonal, decompose, detect_season_length, is_seasonal

MAX_HORIZON = 600


@dataclass(frozen=True)
class Forecast:
    """A forecast for one series.

    ``mean`` holds h values; ``lower[level]`` and ``upper[level]`` the bounds of
    each requested prediction interval (level in percent, e.g. 80 or 95).
    Demand forecasts are never negative: the mean and both bounds are floored
    at zero (a series with net returns may be fitted below zero, but a plan
    never ships negative units).
    """

    mean: FloatArray
    lower: dict[float, FloatArray]
    upper: dict[float, FloatArray]
    method: str
    """The model actually used, as a short readable name."""
    explanation: str
    """Why this model: the demand class, the season, the hold-out comparison."""
    season_length: int
    demand_class: str
    scores: dict[str, float] = field(default_factory=dict)
    """Hold-out error of every candidate auto compared (empty for a named method)."""
    notes: tuple[str, ...] = ()
    """What was done to the history (gaps filled, leading zeros dropped...)."""


def _real(value: object) -> float | None:
    """value as a float when it is a real number (not TRUE/FALSE, not complex), else None."""
    if isinstance(value, bool) or not isinstance(value, Number) or isinstance(value, complex):
        return None
    return float(cast(SupportsFloat, value))  # typeshed's Number declares no __float__


def normalize_levels(level: float | Iterable[float] | None) -> tuple[float, ...]:
    """Interval levels in percent from None, a number or a list (0.95 means 95)."""
    if level is None:
        return ()
    items = list(level) if isinstance(level, Iterable) else [level]
    out = []
    for v in items:
        x = _real(v)
        if x is None or not np.isfinite(x):
            raise InputError(f"level must be a percentage such as 80 or 95, not {v!r}")
        pct = x * 100 if 0 < x < 1 else x
        if not 0 < pct < 100:
            raise InputError(f"level must be between 0 and 100 (percent), not {v}")
        out.append(round(pct, 6))
    return tuple(sorted(set(out)))


def _check_horizon(h: object) -> int:
    x = _real(h)
    if x is None or not x.is_integer():
        raise InputError(f"horizon must be a whole number of periods, not {h!r}")
    steps = int(x)
    if not 1 <= steps <= MAX_HORIZON:
        raise InputError(f"horizon must be between 1 and {MAX_HORIZON} periods, not {steps}")
    return steps


def _check_season(season_length: object) -> int | None:
    if season_length is None:
        return None
    x = _real(season_length)
    if x is None or not x.is_integer():
        raise InputError(f"season_length must be a whole number (12 for monthly data), not {season_length!r}")
    m = int(x)
    if m < 1:
        raise InputError(f"season_length must be 1 (no season) or more, not {m}")
    return m


def forecast(
    y: object, h: int, season_length: int | None = None, method: str | None = "auto",
    level: float | Iterable[float] | None = None, season_profile: Iterable[float] | None = None,
) -> Forecast:
    """Forecast the next h periods of one demand history.

    Parameters
    ----------
    y : sequence of numbers, oldest first. None/NaN is a missing period.
    h : number of periods to forecast (1..600).
    season_length : periods per season (12 for monthly data with a yearly
        cycle); None detects it, 1 means no seasonality.
    method : "auto" (default) or a method name: naive, seasonal_naive,
        moving_average, ses, holt, holt_damped, holt_winters_additive,
        holt_winters_multiplicative, theta, arima, croston, sba, tsb.
    level : None, or interval levels in percent, e.g. 95 or (80, 95).
    season_profile : None, or m positive seasonal indices to borrow (method
        "auto" only): season_profile[k % m] applies to y[k]. Used when the
        history, from its first number, is shorter than two seasons (a new
        item); forecast_many passes the pooled profile of the item's family.

    Raises InputError with a readable sentence for unusable input.
    """
    h = _check_horizon(h)
    m_given = _check_season(season_length)
    levels = normalize_levels(level)
    key = method_key(method)
    prep = prepare(y)
    steps = h
    values = prep.values

    if prep.is_zero:
        zeros = np.zeros(h)
        bounds = {lv: zeros.copy() for lv in levels}
        return Forecast(zeros, bounds, dict(bounds), "Zero demand", "no demand in the history: forecast 0",
                        m_given or 1, "zero", {}, tuple(prep.notes))

    # Work on a unit scale: huge or tiny quantities behave like ordinary ones.
    scale = float(np.mean(np.abs(values))) or 1.0
    scaled = values / scale
    m = m_given if m_given is not None else detect_season_length(scaled)
    profile = None
    if season_profile is not None:
        try:
            profile = Seasonal.from_profile(np.roll(np.asarray(list(season_profile), float), -prep.leading_dropped))
        except (TypeError, ValueError) as exc:
            raise InputError(f"season_profile: {exc}") from None

    if key == "auto":
        choice = choose(scaled, steps, m, profile, short_rule_m=12 if m_given is None else m_given)
        model, explanation, scores, demand = choice.model, choice.explanation, choice.scores, choice.demand_class
        sd_factor, dof = choice.sd_factor, choice.dof
    else:
        model = _fit_named(key, scaled, m)
        explanation, scores, sd_factor, dof = f"{model.name}: chosen by the user", {}, 1.0, None
        demand = demand_class(scaled)[0]

    mean = model.predict(steps) * scale
    with np.errstate(over="ignore", invalid="ignore"):  # overflow -> no interval, handled below
        sd = model.forecast_sd(steps) * scale * sd_factor
    if not np.all(np.isfinite(mean)):
        raise InputError(f"{model.name} produced no finite forecast for this history; try method 'auto'")
    sd = np.where(np.isfinite(sd), sd, 0.0)
    mean = np.maximum(mean, 0.0)
    lower, upper = {}, {}
    for lv in levels:
        z = t_quantile(0.5 + lv / 200.0, dof)
        lower[lv] = np.maximum(mean - z * sd, 0.0)
        upper[lv] = np.maximum(mean + z * sd, mean)
    return Forecast(mean, lower, upper, model.name, explanation, m, demand, scores, tuple(prep.notes))


@lru_cache(maxsize=256)
def t_quantile(p: float, dof: int | None) -> float:
    """Quantile p of Student's t with dof degrees of freedom (the normal's when dof is None).

    Cornish-Fisher expansion around the normal quantile (Abramowitz and Stegun 26.7.5): within 0.5% for dof >= 3
    at the 80-99% levels; smaller dof are taken as 3, a guard rather than an estimate.
    """
    z = NormalDist().inv_cdf(p)
    if dof is None:
        return z
    d = max(dof, 3)
    return float(z + (z**3 + z) / (4 * d) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * d**2)
                 + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * d**3))


def _fit_named(key: str, y: FloatArray, m: int) -> ForecastMethod:
    cls = METHODS[key]
    if y.size < cls.min_length:
        raise InputError(f"{cls.label} needs at least {cls.min_length} periods of history, got {y.size}")
    if cls.needs_season and m < 2:
        raise InputError(f"{cls.label} needs a season_length of 2 or more (12 for monthly data)")
    seasonal = decompose(y, m) if key in ADJUSTABLE and m > 1 and is_seasonal(y, m) else None
    try:
        return build(key, seasonal).fit(y, m)
    except ValueError as exc:
        raise InputError(f"{cls.label}: {exc}") from None
