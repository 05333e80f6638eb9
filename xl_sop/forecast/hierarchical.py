"""Family and item forecasts that add up: bottom-up, top-down by forecast proportions, minimum trace (MinT).

The hierarchy is Family -> Item (Items.Family). Every method returns item
forecasts, and the family forecast is the sum of its items' (coherent by
construction); they differ in what they start from:

- ``bottom-up``: the items' own forecasts, unchanged (the family is their sum).
- ``top-down`` (forecast proportions, Athanasopoulos, Ahmed and Hyndman 2009, eq. 6
  for one level): the family is forecast from its own history, and split over its
  items in proportion to the items' own forecasts for that month:
        item_j,h = family_h x item^_j,h / sum_i item^_i,h         (i over the family's items)
  A month in which the family's item forecasts are all zero splits by the items'
  share of the last 12 months of history (equal shares when that is zero too).
- ``min-trace`` (MinT with the shrinkage covariance, Wickramasuriya, Athanasopoulos
  and Hyndman 2019, JASA 114(526)): family and items are both forecast, and the
  difference d_h = family^_h - sum_i item^_i,h is shared out so that the
  expected squared errors (the trace of their covariance) are least:
        y~ = y^ - W c (c'W c)^-1 c'y^,   c = (1, -1, ..., -1)' over (family, items)
  which is the paper's S (S'W^-1 S)^-1 S'W^-1 y^ written with the constraint
  (it needs no inverse of W; Wickramasuriya et al. 2019, eq. 9, and Panagiotelis
  et al. 2021). W is the shrinkage estimate (Schafer and Strimmer 2005) of the
  covariance of the one-step forecast errors of the family and its items:
        W = lambda diag(W^) + (1 - lambda) W^,  W^ = E'E / T  (second moments about zero, as hts' shrink.estim)
        lambda = sum_{i != j} Var(r_ij) / sum_{i != j} r_ij^2  clipped to [0, 1]
  with r_ij the correlations of the errors scaled by their root mean squares.
  Each family is reconciled on its own (W is block-diagonal by family: errors of
  different families are not pooled, which keeps the work per family small).
  The errors E are the one-step errors of the same automatic method, refitted at
  each of the last ``error_months`` months (out of sample, not fitted residuals:
  the forecast methods keep no fitted values), a month with no value counting 0.

Units: forecasts are units per month; the result is units per month.

Non-negative results: MinT can send an item below zero. Such items are set to
zero and the family's other items are scaled down by one factor so that they
still add up to the reconciled family figure (the family figure itself is floored
at zero). Top-down and bottom-up cannot go below zero (forecasts never do).

Intervals: an item's 80% (or any) interval moves with its reconciled forecast and
its width scales by the same ratio, so the relative uncertainty of the item's own
forecast is kept:
        lower~ = max(0, y~ - (y^ - lower^) x y~/y^),  upper~ = y~ + (upper^ - y^) x y~/y^
(an item whose own forecast is 0 keeps its interval's width around y~). They are
the item's own intervals rescaled, not intervals of the reconciled forecast.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xl_sop import cells
from xl_sop.errors import InputError, SopError
from xl_sop.forecast.api import forecast, normalize_levels
from xl_sop.forecast.base import FloatArray
from xl_sop.forecast.batch import forecast_many, level_columns, to_month_series

BOTTOM_UP, TOP_DOWN, MIN_TRACE = "bottom-up", "top-down", "min-trace"
FAMILY_METHODS = (BOTTOM_UP, TOP_DOWN, MIN_TRACE)
"""The choices of the Settings row "Family forecast" (schema.FAMILY_FORECAST_CHOICES)."""
_ALIASES = {"bottomup": BOTTOM_UP, "bu": BOTTOM_UP, "topdown": TOP_DOWN, "td": TOP_DOWN,
            "mintrace": MIN_TRACE, "mint": MIN_TRACE, "mintshrink": MIN_TRACE}
ERROR_MONTHS = 12
"""Months of one-step errors MinT estimates its covariance from."""
SHARE_MONTHS = 12
"""Months of history that split a family when its item forecasts are all zero (top-down)."""


def family_method_key(name: object) -> str:
    """The method a user named: bottom-up, top-down or min-trace (also bu, td, mint; any case, spaces or hyphens)."""
    key = "".join(ch for ch in str(name).lower() if ch.isalnum())
    if key not in _ALIASES:
        raise InputError(f"'{name}' is not one of {', '.join(FAMILY_METHODS)}")
    return _ALIASES[key]


def shrunk_covariance(errors: FloatArray) -> tuple[FloatArray, float]:
    """The shrinkage estimate of the covariance of forecast errors, and its intensity lambda.

    ``errors``: T x N, one row per month, one column per series (family first, then its items) [units].
    Returns (W, lambda): W = lambda diag(W^) + (1 - lambda) W^ with W^ = E'E / T (second moments about
    zero) [units^2], and lambda in [0, 1] by Schafer and Strimmer (2005), target D (as hts' shrink.estim and
    Wickramasuriya et al. 2019, section 2.4):
        x_ti = e_ti / sqrt(W^_ii),  r_ij = sum_t x_ti x_tj / T,
        Var(r_ij) = (sum_t x_ti^2 x_tj^2 - T r_ij^2) / (T (T - 1)),
        lambda = sum_{i != j} Var(r_ij) / sum_{i != j} r_ij^2.
    A series whose errors are all zero has no correlation with the others (its x is 0).
    """
    e = np.asarray(errors, dtype=float)
    t = e.shape[0]
    if t < 2:
        raise InputError("the covariance of forecast errors needs at least 2 months of errors")
    cov = e.T @ e / t
    sd = np.sqrt(np.diag(cov))
    x = np.divide(e, sd, out=np.zeros_like(e), where=sd > 0)
    corr = x.T @ x / t
    var = (np.square(x).T @ np.square(x) - t * np.square(corr)) / (t * (t - 1))
    off = ~np.eye(corr.shape[0], dtype=bool)
    denominator = float(np.sum(np.square(corr[off])))
    lam = 1.0 if denominator <= 0 else float(np.clip(np.sum(var[off]) / denominator, 0.0, 1.0))
    w: FloatArray = lam * np.diag(np.diag(cov)) + (1 - lam) * cov
    return w, lam


def top_down(family: FloatArray, items: FloatArray, shares: FloatArray | None = None) -> FloatArray:
    """A family's forecast split over its items in proportion to the items' forecasts, month by month.

    ``family``: h values [units]; ``items``: m x h, the items' own forecasts [units, >= 0];
    ``shares``: m weights for a month whose item forecasts are all zero (None: equal).
    item_j,h = family_h x items_j,h / sum_i items_i,h (Athanasopoulos et al. 2009, forecast proportions).
    """
    fam = np.asarray(family, dtype=float)
    base = np.maximum(np.asarray(items, dtype=float), 0.0)
    m = base.shape[0]
    fallback = np.ones(m) if shares is None or not np.sum(shares) > 0 else np.maximum(np.asarray(shares, float), 0)
    total = base.sum(axis=0)
    weights = np.where(total > 0, base / np.where(total > 0, total, 1.0), (fallback / fallback.sum())[:, None])
    out: FloatArray = weights * fam[None, :]
    return out


def min_trace(family: FloatArray, items: FloatArray, errors: FloatArray) -> tuple[FloatArray, float]:
    """A family's and its items' forecasts reconciled by MinT (shrinkage W), negatives set to zero.

    ``family``: h values; ``items``: m x h [units]; ``errors``: T x (1 + m) one-step errors, family first.
    Returns the m x h item forecasts (summing to the reconciled family figure, see the module's text on
    non-negative results) and lambda, the shrinkage intensity used.
    """
    fam = np.asarray(family, dtype=float)
    base = np.asarray(items, dtype=float)
    w, lam = shrunk_covariance(errors)
    c = np.r_[1.0, -np.ones(base.shape[0])]
    wc = w @ c
    ctwc = float(c @ wc)
    gap = fam - base.sum(axis=0)
    if not ctwc > 1e-12 * max(float(np.trace(w)), 1e-300):
        return base.copy(), lam  # the family and its items err alike: nothing tells them apart
    family_out = fam - wc[0] * gap / ctwc
    out = base - np.outer(wc[1:], gap) / ctwc
    return nonnegative(out, family_out), lam


def nonnegative(items: FloatArray, family: FloatArray) -> FloatArray:
    """Items set to at least zero, the others scaled so that each month still adds up to max(family, 0).

    ``items``: m x h summing to ``family`` (h values) month by month. Clipping raises the sum; every
    positive item is then multiplied by max(family, 0) / (sum of the clipped items), a factor in [0, 1].
    """
    clipped = np.maximum(np.asarray(items, dtype=float), 0.0)
    total = clipped.sum(axis=0)
    target = np.maximum(np.asarray(family, dtype=float), 0.0)
    factor = np.divide(target, total, out=np.ones_like(total), where=total > 0)
    out: FloatArray = clipped * np.minimum(factor, 1.0)[None, :]
    return out


def reconcile_families(
    item_forecasts: FloatArray, family_forecasts: FloatArray, family_of: Sequence[int] | np.ndarray,
    method: str, errors: FloatArray | None = None, shares: FloatArray | None = None,
) -> FloatArray:
    """Item forecasts reconciled with their families' forecasts; each family is then the sum of its items.

    Parameters:
        item_forecasts: n x h, the items' own forecasts [units per month].
        family_forecasts: k x h, the families' own forecasts [units per month] (unused by bottom-up).
        family_of: n family numbers, 0..k-1, or -1 for an item in no family (kept as it is).
        method: bottom-up, top-down or min-trace (family_method_key).
        errors: T x (k + n) one-step errors, the k families first then the n items [units]; min-trace only.
        shares: n weights for a top-down month whose item forecasts are all zero (None: equal within the family).
    Returns the n x h reconciled item forecasts, never below zero (see the module's text).
    """
    key = family_method_key(method)
    items = np.asarray(item_forecasts, dtype=float)
    fams = np.asarray(family_forecasts, dtype=float)
    group = np.asarray(family_of, dtype=int)
    if group.shape != (items.shape[0],):
        raise InputError(f"family_of has {group.size} values for {items.shape[0]} items")
    out = items.copy()
    if key == BOTTOM_UP:
        return out
    if key == MIN_TRACE and errors is None:
        raise InputError("min-trace needs the one-step forecast errors of the families and items")
    k = fams.shape[0]
    for f in range(k):
        members = np.flatnonzero(group == f)
        if members.size == 0 or not np.all(np.isfinite(fams[f])):
            continue
        if key == TOP_DOWN:
            out[members] = top_down(fams[f], items[members], None if shares is None else shares[members])
        else:
            assert errors is not None
            block = np.asarray(errors, dtype=float)[:, np.r_[f, k + members]]
            out[members] = min_trace(fams[f], items[members], block)[0]
    return out


@dataclass(frozen=True)
class _Tree:
    """The history as arrays: one row per item and per family on one calendar (the latest month last)."""

    items: list[Hashable]
    families: list[Hashable]
    family_of: np.ndarray
    item_values: FloatArray
    family_values: FloatArray
    last: pd.Period


def _tree(table: pd.DataFrame, families: Mapping[Hashable, object] | pd.Series,
          id_col: str, date_col: str, value_col: str) -> _Tree:
    series, last = to_month_series(table, id_col, date_col, value_col)
    start = min(s for s, _ in series.values())
    length = (last - start).n + 1
    items = list(series)
    values = np.zeros((len(items), length))
    for row, (first, y) in enumerate(series.values()):
        values[row, (first - start).n:] = y
    lookup = dict(families.items())
    names: list[Hashable] = []
    family_of = np.full(len(items), -1)
    for row, item in enumerate(items):
        family = lookup.get(item)
        if family is None or cells.is_blank(family):
            continue
        if family not in names:
            names.append(family)
        family_of[row] = names.index(family)
    fam_values = np.full((len(names), length), np.nan)
    for f in range(len(names)):
        part = values[family_of == f]
        known = np.isfinite(part).any(axis=0)
        fam_values[f, known] = np.nansum(part[:, known], axis=0)
    return _Tree(items, names, family_of, values, fam_values, last)


def _point_forecast(y: FloatArray, h: int, season_length: int | None, method: str) -> FloatArray:
    """The mean forecast of one series; NaN where the history cannot be forecast (zeros where it has no demand yet)."""
    if not np.any(np.isfinite(y)) or not np.any(np.nan_to_num(y) != 0):
        return np.zeros(h)
    try:
        return forecast(y, h, season_length=season_length, method=method).mean
    except SopError:
        return np.full(h, np.nan)


def one_step_errors(values: FloatArray, months: int, season_length: int | None = None, method: str = "auto",
                    progress: Callable[[int], None] | None = None) -> FloatArray:
    """One-step forecast errors of each series at each of its last ``months`` months (T x N, oldest first).

    ``values``: N x L series on one calendar [units]. The error at month t is y_t minus the forecast made
    from y_0..y_t-1 by ``method`` (refitted at every month): out-of-sample errors. A month with no value
    (NaN) or no forecast counts as an error of 0. ``progress(series done)`` after each series.
    """
    y = np.asarray(values, dtype=float)
    t = min(int(months), y.shape[1] - 1)
    errors = np.zeros((max(t, 0), y.shape[0]))
    for s in range(y.shape[0]):
        for row, origin in enumerate(range(y.shape[1] - t, y.shape[1])):
            fc = _point_forecast(y[s, :origin], 1, season_length, method)[0]
            actual = y[s, origin]
            errors[row, s] = actual - fc if np.isfinite(actual) and np.isfinite(fc) else 0.0
        if progress is not None:
            progress(s + 1)
    return errors


def forecast_families(
    table: pd.DataFrame,
    families: Mapping[Hashable, object] | pd.Series,
    h: int,
    family_method: str = TOP_DOWN,
    season_length: int | None = None,
    method: str = "auto",
    level: float | Iterable[float] | None = None,
    id_col: str = "Item",
    date_col: str = "Month",
    value_col: str = "Quantity",
    progress: Callable[[int, int], None] | None = None,
    error_months: int = ERROR_MONTHS,
) -> pd.DataFrame:
    """forecast_many's item table, with each family's items reconciled with the family's own forecast.

    ``families`` maps an item to its family (the Items table's Family column as a Series indexed by Item);
    an item without a family keeps its own forecast, and an item forecast_many could not forecast keeps its
    blank rows and is left out of its family's split (its history still counts in the family's).
    ``family_method``: bottom-up (forecast_many exactly), top-down or min-trace (see the module's text for the
    formulas, the non-negative rule and the intervals).
    The family forecasts come from the family histories (the sum of their items' months) by ``method``.
    Method says how the item's figure was made ("..., top-down from the family"); Explanation adds the
    family. ``progress(done, total)`` counts every series forecast, MinT's refits included.
    """
    key = family_method_key(family_method)
    if key == BOTTOM_UP:
        return forecast_many(table, h, season_length, method, level, id_col, date_col, value_col, progress)
    tree = _tree(table, families, id_col, date_col, value_col)
    n, k = len(tree.items), len(tree.families)
    refits = (n + k) if key == MIN_TRACE else 0
    total = n + k + refits
    done = 0

    def step(count: int) -> None:
        if progress is not None:
            progress(done + count, total)

    frame = forecast_many(table, h, season_length, method, level, id_col, date_col, value_col,
                          progress=lambda i, _n: step(i))
    done += n
    steps = int(h)
    item_fc = frame["Forecast"].to_numpy(dtype=float).reshape(n, steps)
    assert list(pd.unique(frame[id_col])) == tree.items  # the reshape above: forecast_many keeps the history's order
    fam_fc = np.vstack([_point_forecast(tree.family_values[f], steps, season_length, method) for f in range(k)]) \
        if k else np.zeros((0, steps))
    done += k
    step(0)
    usable = np.where(np.all(np.isfinite(item_fc), axis=1), tree.family_of, -1)
    errors = None
    if key == MIN_TRACE:
        all_values = np.vstack([tree.family_values, tree.item_values])
        errors = one_step_errors(all_values, error_months, season_length, method, progress=step)
        done += refits
        if errors.shape[0] < 2:
            raise InputError(f"min-trace needs at least 3 months of history per family; use {TOP_DOWN} or {BOTTOM_UP}")
    recent = np.nansum(tree.item_values[:, -SHARE_MONTHS:], axis=1)
    reconciled = reconcile_families(np.nan_to_num(item_fc), fam_fc, usable, key, errors, recent)
    return _with_reconciled(frame, item_fc, reconciled, usable, tree.families, key, level)


def _with_reconciled(frame: pd.DataFrame, base: FloatArray, reconciled: FloatArray, family_of: np.ndarray,
                     names: list[Hashable], key: str, level: float | Iterable[float] | None) -> pd.DataFrame:
    """forecast_many's frame with the reconciled means, the intervals rescaled and Method saying how."""
    n, steps = base.shape
    changed = np.repeat(family_of >= 0, steps)
    out = frame.copy()
    new = reconciled.reshape(-1)
    old = base.reshape(-1)
    ratio = np.divide(new, old, out=np.ones_like(new), where=old > 0)
    for lv in normalize_levels(level):
        lo, up = level_columns(lv)
        lower = out[lo].to_numpy(dtype=float)
        upper = out[up].to_numpy(dtype=float)
        out[lo] = np.where(changed, np.maximum(new - (old - lower) * ratio, 0.0), lower)
        out[up] = np.where(changed, np.maximum(new + (upper - old) * ratio, new), upper)
    out["Forecast"] = np.where(changed, new, old)
    how = "top-down from the family" if key == TOP_DOWN else "min-trace with the family"
    family_text = np.repeat([str(names[f]) if f >= 0 else "" for f in family_of], steps)
    out["Method"] = np.where(changed, out["Method"].astype(str) + f", {how}", out["Method"])
    out["Explanation"] = np.where(
        changed, out["Explanation"].astype(str) + f"; reconciled {how} " + family_text, out["Explanation"])
    return out
