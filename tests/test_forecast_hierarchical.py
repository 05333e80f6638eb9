"""Family forecasts reconciled with their items (xl_sop/forecast/hierarchical.py) and the Settings row that picks one.

The by-hand cases are small enough to follow on paper; MinT is checked against the textbook formula
S (S'W^-1 S)^-1 S'W^-1 y^ (Wickramasuriya et al. 2019, eq. 9) with W computed by explicit loops.
"""

import numpy as np
import pandas as pd
import pytest

from xl_sop import sample_data
from xl_sop.errors import InputError
from xl_sop.forecast import forecast, forecast_many
from xl_sop.forecast.hierarchical import (
    FAMILY_METHODS,
    family_method_key,
    forecast_families,
    min_trace,
    nonnegative,
    one_step_errors,
    reconcile_families,
    shrunk_covariance,
    top_down,
)
from xl_sop.settings import read_settings
from xl_sop.workbook import schema

# --- by hand -------------------------------------------------------------------------------------------------------


def test_top_down_splits_the_family_by_the_items_forecasts_month_by_month():
    family = np.array([200.0, 50.0])
    items = np.array([[10.0, 20.0], [30.0, 0.0], [60.0, 0.0]])
    # Month 1: shares 10/100, 30/100, 60/100 of 200. Month 2: only the first item is forecast, it takes all 50.
    np.testing.assert_allclose(top_down(family, items), [[20.0, 50.0], [60.0, 0.0], [120.0, 0.0]])


def test_top_down_month_without_item_forecasts_splits_by_history_shares_or_equally():
    np.testing.assert_allclose(top_down(np.array([10.0]), np.zeros((2, 1)), np.array([1.0, 3.0])), [[2.5], [7.5]])
    np.testing.assert_allclose(top_down(np.array([10.0]), np.zeros((2, 1))), [[5.0], [5.0]])
    np.testing.assert_allclose(top_down(np.array([10.0]), np.zeros((2, 1)), np.zeros(2)), [[5.0], [5.0]])


def test_negatives_are_set_to_zero_and_the_rest_scaled_to_keep_the_family_total():
    # Clipped: 0, 4, 8 (sum 12); the family is 10, so 4 and 8 are scaled by 10/12.
    np.testing.assert_allclose(nonnegative(np.array([[-2.0], [4.0], [8.0]]), np.array([10.0])),
                               [[0.0], [10 / 3], [20 / 3]])
    # A negative family figure: every item 0.
    np.testing.assert_allclose(nonnegative(np.array([[-5.0], [2.0]]), np.array([-3.0])), [[0.0], [0.0]])


def _shrinkage_by_loops(e):
    """Schafer-Strimmer with target diag, element by element, as written in Wickramasuriya et al. (2019), 2.4."""
    t, n = e.shape
    cov = np.array([[sum(e[k, i] * e[k, j] for k in range(t)) / t for j in range(n)] for i in range(n)])
    x = np.array([[e[k, i] / np.sqrt(cov[i, i]) for i in range(n)] for k in range(t)])
    num = den = 0.0
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            w = [x[k, i] * x[k, j] for k in range(t)]
            r = sum(w) / t
            num += sum((wk - r) ** 2 for wk in w) / (t - 1) / t  # the variance of the mean r_ij
            den += r**2
    lam = min(max(num / den, 0.0), 1.0)
    return lam * np.diag(np.diag(cov)) + (1 - lam) * cov, lam


ERRORS = np.array([  # 8 months of one-step errors: a family (column 0) and its 3 items
    [5.0, 2.0, 1.5, 1.0], [-3.0, -1.0, -2.0, 0.5], [4.0, 3.0, 0.0, 0.5], [-6.0, -2.5, -1.0, -2.0],
    [2.0, 0.5, 1.0, 1.0], [1.0, 1.5, -1.0, 0.0], [-2.0, -1.0, 0.5, -1.5], [3.0, 0.5, 2.0, -0.5],
])


def test_shrunk_covariance_matches_the_formula_element_by_element():
    w, lam = shrunk_covariance(ERRORS)
    w_loops, lam_loops = _shrinkage_by_loops(ERRORS)
    assert 0 < lam < 1
    assert lam == pytest.approx(lam_loops, rel=1e-12)
    np.testing.assert_allclose(w, w_loops, rtol=1e-12)


def test_min_trace_is_the_textbook_projection():
    family = np.array([120.0, 90.0])
    items = np.array([[40.0, 30.0], [35.0, 20.0], [30.0, 25.0]])  # sum 105 and 75: the family says more
    w, _ = _shrinkage_by_loops(ERRORS)
    s = np.vstack([np.ones((1, 3)), np.eye(3)])
    winv = np.linalg.inv(w)
    p = np.linalg.inv(s.T @ winv @ s) @ s.T @ winv
    expected = p @ np.vstack([family, items])  # the reconciled items (b~ = P y^)
    got, lam = min_trace(family, items, ERRORS)
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    assert (got >= 0).all()
    # Between the two: the family figure moves towards the items' sum and the items towards the family.
    assert (items.sum(axis=0) < got.sum(axis=0)).all() and (got.sum(axis=0) < family).all()


def test_min_trace_without_negatives_keeps_the_reconciled_family_figure():
    family = np.array([5.0])
    items = np.array([[1.0], [2.0], [30.0]])  # the items far above the family: MinT sends the first one below zero
    w, _ = shrunk_covariance(ERRORS)
    s = np.vstack([np.ones((1, 3)), np.eye(3)])
    winv = np.linalg.inv(w)
    raw = np.linalg.inv(s.T @ winv @ s) @ s.T @ winv @ np.vstack([family, items])
    assert (raw < 0).any()
    got, _ = min_trace(family, items, ERRORS)
    assert (got >= 0).all()
    assert got.sum() == pytest.approx(raw.sum())  # the family figure MinT gave
    assert got[raw[:, 0] < 0, 0].tolist() == [0.0] * int((raw < 0).sum())


# --- reconcile_families: every method coherent --------------------------------------------------------------------


def test_reconcile_families_is_coherent_for_every_method_and_keeps_items_without_a_family():
    rng = np.random.default_rng(3)
    items = rng.uniform(5, 50, size=(5, 4))
    families = np.array([[100.0, 90.0, 80.0, 70.0], [40.0, 45.0, 50.0, 55.0]])
    family_of = np.array([0, 0, 1, 1, -1])
    errors = rng.normal(0, 3, size=(12, 7))
    errors[:, 0] = errors[:, 2:4].sum(axis=1) + rng.normal(0, 1, 12)
    for method in FAMILY_METHODS:
        got = reconcile_families(items, families, family_of, method, errors)
        np.testing.assert_array_equal(got[4], items[4])  # no family: its own forecast
        assert (got >= 0).all()
        if method == "bottom-up":
            np.testing.assert_array_equal(got, items)
        if method == "top-down":  # the family's own forecast, exactly
            np.testing.assert_allclose(got[:2].sum(axis=0), families[0])
            np.testing.assert_allclose(got[2:4].sum(axis=0), families[1])
        if method == "min-trace":  # the MinT family figure: each family reconciled with its own block of W
            for f, members in ((0, [0, 1]), (1, [2, 3])):
                w, _ = shrunk_covariance(errors[:, [f, 2 + members[0], 2 + members[1]]])
                s = np.vstack([np.ones((1, 2)), np.eye(2)])
                winv = np.linalg.inv(w)
                b = np.linalg.inv(s.T @ winv @ s) @ s.T @ winv @ np.vstack([families[f], items[members]])
                np.testing.assert_allclose(got[members], b, rtol=1e-10)


def test_the_method_names_and_their_errors():
    assert [family_method_key(x) for x in ("Bottom-Up", "top down", "MinT", "min_trace")] == \
        ["bottom-up", "top-down", "min-trace", "min-trace"]
    with pytest.raises(InputError, match="'sideways' is not one of bottom-up, top-down, min-trace"):
        family_method_key("sideways")
    with pytest.raises(InputError, match="min-trace needs the one-step forecast errors"):
        reconcile_families(np.ones((1, 1)), np.ones((1, 1)), [0], "min-trace")
    assert schema.FAMILY_FORECAST_CHOICES == FAMILY_METHODS


def test_one_step_errors_are_out_of_sample_refits():
    y = np.array([[10.0, 12.0, 11.0, 13.0, 12.0, 14.0, 13.0, 15.0]])
    errors = one_step_errors(y, 3, season_length=1, method="naive")
    np.testing.assert_allclose(errors[:, 0], [13 - 11, 12 - 13, 14 - 12, 13 - 14, 15 - 13][-3:])


# --- forecast_families on the sample data ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    items = sample_data.sample_items(12)
    return items, sample_data.sample_history(items, months=30)


def test_bottom_up_is_forecast_many_unchanged(sample):
    items, history = sample
    families = items.set_index("Item")["Family"]
    expected = forecast_many(history, 6, season_length=12, level=(80,))
    pd.testing.assert_frame_equal(forecast_families(history, families, 6, "bottom-up", season_length=12, level=(80,)),
                                  expected)


def test_top_down_items_add_up_to_the_familys_own_forecast(sample):
    items, history = sample
    families = items.set_index("Item")["Family"]
    got = forecast_families(history, families, 6, "top-down", season_length=12, level=(80,))
    own = forecast_many(history, 6, season_length=12, level=(80,))
    monthly = history.assign(Family=history["Item"].map(families)).groupby(["Family", "Month"])["Quantity"].sum()
    for family, part in got.assign(Family=got["Item"].map(families)).groupby("Family"):
        y = monthly[family].reindex(pd.date_range(history["Month"].min(), history["Month"].max(), freq="MS"), fill_value=0)
        expected = forecast(y.to_numpy(float), 6, season_length=12).mean
        np.testing.assert_allclose(part.groupby("Month")["Forecast"].sum().to_numpy(), expected, rtol=1e-9)
    # Each item keeps its share of its family's item forecasts, its interval moves and scales with it.
    ratio = got["Forecast"] / own["Forecast"]
    np.testing.assert_allclose((got["Upper80"] - got["Forecast"]), (own["Upper80"] - own["Forecast"]) * ratio)
    assert (got["Lower80"] >= 0).all() and (got["Lower80"] <= got["Forecast"] + 1e-9).all()
    assert (got["Forecast"] <= got["Upper80"] + 1e-9).all()
    assert got["Method"].str.endswith(", top-down from the family").all()
    named = got["Explanation"].str.extract(r"; reconciled top-down from the family (.+)$")[0]
    assert (named == got["Item"].map(families)).all()


def test_min_trace_is_coherent_and_between_bottom_up_and_top_down_in_total(sample):
    items, history = sample
    families = items.set_index("Item")["Family"]
    bu, td, mint = (forecast_families(history, families, 6, m, season_length=12, level=(80,)) for m in FAMILY_METHODS)
    assert (mint["Forecast"] >= 0).all() and mint["Method"].str.endswith(", min-trace with the family").all()
    by_family = [f.assign(Family=f["Item"].map(families)).groupby("Family")["Forecast"].sum() for f in (bu, td, mint)]
    low, high = np.minimum(by_family[0], by_family[1]), np.maximum(by_family[0], by_family[1])
    # MinT moves each family's total from the sum of its items towards its own forecast (negatives aside). Its
    # weight c'We_f / c'Wc is not bounded by [0, 1]: when the family's errors co-vary with its items' a little
    # more than with themselves it steps just past its own forecast (Household: 2% of the gap in this sample).
    margin = 0.05 * (high - low) + 1e-6
    assert ((by_family[2] >= low - margin) & (by_family[2] <= high + margin)).all()
    assert not np.allclose(mint["Forecast"], bu["Forecast"])


def test_an_item_without_a_family_keeps_its_own_forecast(sample):
    items, history = sample
    families = items.set_index("Item")["Family"].copy()
    alone = families.index[0]
    families[alone] = None
    got = forecast_families(history, families, 3, "top-down", season_length=12)
    own = forecast_many(history, 3, season_length=12)
    mask = got["Item"] == alone
    pd.testing.assert_frame_equal(got[mask], own[mask])


# --- the Settings row ---------------------------------------------------------------------------------------------


def _settings(value):
    rows = [(name, None) for name, *_ in schema.SETTINGS]
    table = pd.DataFrame(rows, columns=["Setting", "Value"], dtype=object)
    table.loc[table["Setting"] == "Family forecast", "Value"] = value
    return table.set_axis(range(1, len(table) + 1))


def test_the_family_forecast_setting_is_read_as_a_choice():
    assert read_settings(_settings(None)).family_forecast == "bottom-up"
    assert read_settings(_settings(" Top-Down ")).family_forecast == "top-down"
    assert read_settings(_settings("min-trace")).family_forecast == "min-trace"
    assert read_settings(None).family_forecast == "bottom-up"


def test_a_bad_family_forecast_choice_is_named_in_settings():
    settings = read_settings(_settings("sideways"))
    row = [name for name, *_ in schema.SETTINGS].index("Family forecast") + 1
    assert [(p.row, p.column, p.text) for p in settings.problems] == [
        (row, "Value", "Family forecast: 'sideways' is not one of bottom-up, top-down, min-trace")]
    assert settings.family_forecast == "bottom-up"  # the default, while the problem stops the steps


def test_every_text_setting_has_its_own_choices_and_its_default_among_them():
    text = [(name, default) for name, default, fmt, *_ in schema.SETTINGS if fmt == schema.TEXT]
    chosen = [(name, default) for name, default in text if schema.choices(name)]
    assert {name for name, _ in chosen} == set(schema.TEXT_CHOICES) == {"Production strategy", "Family forecast",
                                                                           "Spread family figures by"}
    for name, default in chosen:
        assert schema.choices(name)[0] == default
    assert {name for name, _ in text} - set(schema.TEXT_CHOICES) == {"Scheduler address", "Approvals required",
                                                                     "Show regions", "Company"}
    assert schema.choices("Scheduler address") == schema.choices("Approvals required") == schema.choices("Company") == ()


# --- the Demand step on a real workbook -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from xl_sop.cycle.demo import fill_demo_book

    path = tmp_path_factory.mktemp("families") / "SOP_Families.xlsm"
    fill_demo_book(path, items=9, events=False).save()  # the items' own forecasts, as no event changes them
    return path


def _run_demand(demo, folder, choice):
    from conftest import copy_of

    from xl_sop.cycle import run_step
    from xl_sop.workbook.filebook import FileBook

    folder.mkdir(exist_ok=True)
    book = FileBook(copy_of(demo, folder))
    if choice is not None:
        settings = book.read_table("tblSettings")
        settings.loc[settings["Setting"] == "Family forecast", "Value"] = choice
        book.write_table("tblSettings", settings)
    run_step(book, "demand")
    book.save()
    return FileBook(book.path)


@pytest.mark.slow
def test_demand_step_with_top_down_on_a_workbook(demo, tmp_path):
    book = _run_demand(demo, tmp_path, "top-down")
    plan = book.read_table("tblDemandPlan")
    history = book.read_table("tblHistory")
    families = book.read_table("tblItems").set_index("Item")["Family"]
    assert plan["Method"].str.endswith(", top-down from the family").all()
    # Each family's Statistical adds up to the family's own forecast (items rounded to cents).
    calendar = pd.date_range(history["Month"].min(), history["Month"].max(), freq="MS")
    monthly = history.assign(Family=history["Item"].map(families)).groupby(["Family", "Month"])["Quantity"].sum()
    for family, part in plan.groupby("Family"):
        y = monthly[family].reindex(calendar, fill_value=0).to_numpy(float)
        expected = forecast(y, 12, season_length=12).mean
        total = part.groupby("Month")["Statistical"].sum()
        assert total.index.min() == pd.Timestamp("2026-11-01")
        np.testing.assert_allclose(total.to_numpy(), expected, atol=0.005 * len(part["Item"].unique()) + 1e-9)
    assert (plan["Lower80"] <= plan["Statistical"] + 1e-9).all() and (plan["Statistical"] <= plan["Upper80"] + 1e-9).all()


@pytest.mark.slow
def test_demand_step_bottom_up_is_the_item_forecasts_unchanged(demo, tmp_path):
    blank = _run_demand(demo, tmp_path / "blank", None).read_table("tblDemandPlan")
    named = _run_demand(demo, tmp_path / "named", "Bottom-up").read_table("tblDemandPlan")
    pd.testing.assert_frame_equal(blank, named)
    from xl_sop.workbook.filebook import FileBook

    history = FileBook(demo).read_table("tblHistory")
    own = forecast_many(history, 12, season_length=12, level=(80,))
    merged = blank.merge(own, on=["Item", "Month"])
    assert len(merged) == len(blank) == 9 * 12
    np.testing.assert_allclose(merged["Statistical"], merged["Forecast"].round(2))
    assert (merged["Method_x"] == merged["Method_y"]).all()
