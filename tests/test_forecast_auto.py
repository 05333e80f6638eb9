"""method="auto" on the series a planner actually has, with asserted values."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_sop.errors import InputError
from xl_sop.forecast import forecast

MONTHS = np.arange(48)
SEASONAL = 100 * (1 + 0.3 * np.sin(2 * np.pi * MONTHS / 12)) + MONTHS


def test_single_value_is_carried_forward():
    fc = forecast([42], 3)
    np.testing.assert_allclose(fc.mean, [42, 42, 42])
    assert fc.method == "Naive"


def test_two_values_give_their_mean():
    np.testing.assert_allclose(forecast([10, 20], 2).mean, [15, 15])


def test_all_zeros_forecast_zero_with_zero_intervals():
    fc = forecast([0, 0, 0, 0], 5, level=95)
    assert fc.method == "Zero demand" and fc.demand_class == "zero"
    assert not fc.mean.any() and not fc.upper[95].any()


def test_new_product_ignores_months_before_launch():
    fc = forecast([0] * 30 + [50, 52, 51, 53, 52, 54], 3)
    assert 48 < fc.mean[0] < 58
    assert any("before launch" in n for n in fc.notes)


def test_missing_months_inside_and_at_the_end():
    y = [100.0] * 20
    y[5] = None
    fc = forecast(y + [None, None], 4)
    np.testing.assert_allclose(fc.mean, 100, rtol=1e-6)
    assert len(fc.mean) == 4


def test_negative_values_never_give_negative_forecasts():
    y = np.array([5, -10, 3, -20, 2, -30, 1, -40, 0, -50], dtype=float)
    fc = forecast(y, 6, level=95)
    assert np.all(fc.mean >= 0) and np.all(fc.lower[95] >= 0)


def test_falling_demand_is_floored_at_zero():
    fc = forecast(np.linspace(100, 5, 24), 24, method="holt")
    assert fc.mean.min() == 0 and fc.mean[0] > 0


def test_constant_series_is_forecast_exactly():
    fc = forecast([7.0] * 24, 6, level=95)
    np.testing.assert_allclose(fc.mean, 7)
    np.testing.assert_allclose(fc.upper[95], 7)


def test_huge_values_scale_like_ordinary_ones():
    small = forecast(SEASONAL, 12, season_length=12).mean
    huge = forecast(SEASONAL * 1e12, 12, season_length=12).mean
    np.testing.assert_allclose(huge / 1e12, small, rtol=1e-9)


def test_seasonality_is_detected_and_followed():
    fc = forecast(SEASONAL, 12)
    assert fc.season_length == 12
    assert "seasonal with period 12" in fc.explanation
    expected = 100 * (1 + 0.3 * np.sin(2 * np.pi * np.arange(48, 60) / 12)) + np.arange(48, 60)
    # Additive pattern, multiplicative indices (all values positive): within 8%.
    assert np.mean(np.abs(fc.mean - expected) / expected) < 0.08


def test_season_length_one_switches_seasonality_off():
    fc = forecast(SEASONAL, 12, season_length=1)
    assert "seasonal" not in fc.explanation


def test_intermittent_demand_uses_an_intermittent_method():
    y = [0, 0, 4, 0, 0, 0, 5, 0, 0, 3, 0, 0, 0, 6, 0, 0, 4, 0, 0, 0]
    fc = forecast(y, 6)
    assert fc.demand_class == "intermittent"
    assert fc.method.split()[0] in ("Croston", "SBA", "TSB")
    assert 0.5 < fc.mean[0] < 2.5  # about 4.4 units every 3.6 periods after launch


def test_auto_reports_the_hold_out_comparison():
    fc = forecast(SEASONAL, 12)
    assert set(fc.scores) >= {"ses", "holt", "holt_damped", "theta", "combination"}
    assert "held out" in fc.explanation


def test_intervals_are_ordered_and_widen_with_the_horizon():
    rng = np.random.default_rng(7)
    fc = forecast(200 + rng.normal(0, 10, 60).cumsum(), 12, level=[80, 0.95])
    assert set(fc.lower) == {80, 95}
    width = fc.upper[95] - fc.lower[95]
    assert width[-1] > width[0]
    assert np.all(fc.upper[95] - fc.upper[80] > 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"h": 0}, "horizon must be between 1 and 600"),
        ({"h": 2.5}, "whole number"),
        ({"h": 3, "season_length": 0}, "season_length must be 1"),
        ({"h": 3, "method": "prophet"}, "unknown method 'prophet'"),
        ({"h": 3, "level": 120}, "between 0 and 100"),
        ({"h": 3, "method": "holt_winters_additive", "season_length": 1}, "needs a season_length"),
    ],
)
def test_bad_arguments_are_explained(kwargs, message):
    with pytest.raises(InputError, match=message):
        forecast([1, 2, 3, 4, 5, 6], **kwargs)


finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(finite, st.none()), min_size=1, max_size=80), st.integers(1, 24))
def test_any_history_gives_a_finite_non_negative_ordered_forecast(values, h):
    if all(v is None for v in values):
        return
    fc = forecast(values, h, level=(80, 95))
    assert fc.mean.shape == (h,)
    for arr in (fc.mean, fc.lower[95], fc.upper[95]):
        assert np.all(np.isfinite(arr)) and np.all(arr >= 0)
    assert np.all(fc.lower[95] <= fc.mean + 1e-6 * (1 + np.abs(fc.mean)))
    assert np.all(fc.mean <= fc.upper[95] + 1e-6 * (1 + np.abs(fc.mean)))
