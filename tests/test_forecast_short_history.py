"""Issue 17: seasonality from two years of history, borrowed family profiles, no trend from an upswing."""

import numpy as np
import pandas as pd
import pytest

from xl_sop.forecast import forecast, forecast_many
from xl_sop.forecast.batch import family_profiles, to_month_series
from xl_sop.forecast.seasonality import f_survival, is_seasonal
from xl_sop.forecast.theta import OptimizedTheta

# A December peak 35% above the level, a summer trough: January first.
PROFILE = np.array([0.85, 0.82, 0.90, 0.95, 0.98, 0.97, 0.93, 0.95, 1.00, 1.08, 1.22, 1.35])


def monthly(n, seed=0, level=500.0, growth=1.0, noise=0.03):
    """n months from a January, and the noise-free truth of the 12 months after them."""
    rng = np.random.default_rng(seed)
    t = np.arange(n + 12)
    truth = (level + growth * t) * PROFILE[t % 12]
    return truth[:n] * (1 + rng.normal(0, noise, n)), truth[n:]


@pytest.mark.parametrize("months", [24, 30, 36])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_june_forecast_is_within_20_percent_from_two_years_on(months, seed):
    history, truth = monthly(months, seed)
    fc = forecast(history, 12)
    june = next(k for k in range(12) if (months + k) % 12 == 5)
    assert abs(fc.mean[june] - truth[june]) / truth[june] < 0.20
    assert "m=12" in fc.method  # the season is used, not extrapolated as a trend
    assert fc.mean[june] < fc.mean[next(k for k in range(12) if (months + k) % 12 == 11)]


def test_the_short_season_test_rarely_fires_on_noise():
    rng = np.random.default_rng(17)
    fired = sum(is_seasonal(100 + rng.normal(0, 10, 24), 12) for _ in range(400))
    assert fired / 400 < 0.08  # SHORT_ALPHA = 5%, by construction
    assert all(is_seasonal(monthly(24, seed)[0], 12) for seed in range(20))


def test_f_survival_matches_published_values():
    # scipy.stats.f.sf(9.28, 3, 3) = 0.049976; f.sf(2.5, 11, 11) = 0.071986; f.sf(0.5, 11, 11) = 0.867138
    assert f_survival(9.28, 3, 3) == pytest.approx(0.049976, abs=1e-6)
    assert f_survival(2.5, 11, 11) == pytest.approx(0.071986, abs=1e-6)
    assert f_survival(0.5, 11, 11) == pytest.approx(0.867138, abs=1e-6)


def test_an_autumn_upswing_under_two_seasons_is_not_a_trend():
    history, _ = monthly(24, noise=0.0, growth=0.0)
    upswing = history[2:12]  # March to December: rising every month since August
    fc = forecast(upswing, 12)
    assert "no straight-line trend" in fc.explanation
    assert fc.mean.max() < upswing.max() * 1.1


def family_table(new_months=8):
    rows = []
    months = pd.date_range("2023-01-01", periods=36, freq="MS")
    for k, scale in enumerate((1.0, 2.0, 0.5)):
        y, _ = monthly(36, seed=k, level=400 * scale, growth=0.0)
        rows += [(f"OLD-{k}", "Coats", m, q) for m, q in zip(months, y, strict=True)]
    noise = np.random.default_rng(9).normal(0, 6, new_months)
    rows += [("NEW", "Coats", m, 300.0 * PROFILE[m.month - 1] + e) for m, e in zip(months[-new_months:], noise, strict=True)]
    return pd.DataFrame(rows, columns=["Item", "Family", "Month", "Quantity"])


def test_a_new_item_borrows_its_familys_season():
    table = family_table()
    items = pd.DataFrame({"Item": ["OLD-0", "OLD-1", "OLD-2", "NEW"], "Family": "Coats"})
    out = forecast_many(table, 12, season_length=12, families=items)
    new = out[out.Item == "NEW"].set_index("Month")
    assert "borrowed profile" in new["Method"].iloc[0]
    # NEW has no whole season, so no level of its own: it borrows the profile without shaping it.
    assert "family Coats, pooled from 3 items" in new["Explanation"].iloc[0]
    assert new.loc["2026-12-01", "Forecast"] / new.loc["2026-06-01", "Forecast"] == pytest.approx(1.35 / 0.97, rel=0.05)
    alone = forecast_many(table, 12, season_length=12)
    flat = alone[alone.Item == "NEW"]["Forecast"]
    assert flat.max() / flat.min() < 1.05
    by_column = forecast_many(table, 12, season_length=12, families="Family")
    np.testing.assert_allclose(by_column["Forecast"], out["Forecast"])


def test_items_starting_mid_history_do_not_hide_the_familys_season():
    # Two items of different sizes launched 15 and 22 months into three years: the family's total steps up
    # twice, and that level step swamps the season in the total; each item over its own level does not.
    months = pd.date_range("2023-01-01", periods=36, freq="MS")
    rows = []
    for k, (launch, level) in enumerate(((0, 100.0), (15, 900.0), (22, 2500.0))):
        y, _ = monthly(36, seed=k, level=level, growth=0.0, noise=0.05)
        rows += [(f"OLD-{k}", m, q) for m, q in zip(months[launch:], y[launch:], strict=True)]
    rows += [("NEW", m, 300.0 * PROFILE[m.month - 1]) for m in months[-6:]]
    table = pd.DataFrame(rows, columns=["Item", "Month", "Quantity"])
    profiles = family_profiles(to_month_series(table)[0], dict.fromkeys(table.Item.unique(), "Coats"), 12)
    assert profiles["Coats"][1] == 3
    profile = profiles["Coats"][0]  # profile[p.ordinal % 12] applies to month p; January 2023 has ordinal % 12 == 0
    np.testing.assert_allclose(profile, PROFILE / PROFILE.mean(), rtol=0.1)
    out = forecast_many(table, 12, season_length=12, families={item: "Coats" for item in table.Item.unique()})
    new = out[out.Item == "NEW"].set_index("Month")["Forecast"]
    assert new["2026-12-01"] / new["2026-06-01"] == pytest.approx(1.35 / 0.97, rel=0.06)


def test_trailing_blank_months_of_the_table_are_not_history():
    table = family_table()
    ahead = pd.DataFrame({"Item": "OLD-0", "Month": pd.date_range("2026-01-01", periods=12, freq="MS"),
                          "Quantity": None})
    out = forecast_many(pd.concat([table, ahead], ignore_index=True), 3)
    assert out["Month"].min() == pd.Timestamp("2026-01-01")
    np.testing.assert_allclose(out["Forecast"], forecast_many(table, 3)["Forecast"])


def test_an_item_blank_at_the_end_is_forecast_across_its_gap():
    table = family_table()
    table.loc[(table.Item == "OLD-1") & (table.Month >= "2025-11-01"), "Quantity"] = None
    out = forecast_many(table, 3)
    old1 = out[out.Item == "OLD-1"]
    assert old1["Month"].min() == pd.Timestamp("2026-01-01")
    assert "last 2 month(s) blank" in old1["Explanation"].iloc[0]
    history = table[table.Item == "OLD-1"]["Quantity"].to_numpy(dtype=float)[:-2]
    np.testing.assert_allclose(old1["Forecast"], forecast(history, 5).mean[2:])


def test_optimised_theta_follows_a_trend_and_is_named():
    rng = np.random.default_rng(3)
    y = 100 + 2.0 * np.arange(40) + rng.normal(0, 2, 40)
    fc = forecast(y, 6, method="optimized_theta", level=80)
    assert fc.method.startswith("Optimised Theta")
    assert np.all(np.diff(fc.mean) > 1.0)  # about 2 a period
    assert abs(fc.mean[0] - 180) < 8
    assert OptimizedTheta().fit(y).w > 0.5
