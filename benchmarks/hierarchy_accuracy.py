"""Which family forecast is more accurate, at item and at family level: bottom-up, top-down or min-trace (MinT).

Data:
- the bundled sample (xl_sop/sample_data.py): the demo's own history (24 items in 4 families, 36 months, seed 7);
  and the same generator run for 60 months, 11 draws (seeds 7 and 1-10: 264 items, 44 families), because a
  forecast from fewer than 36 months has no seasonal model (the automatic method needs 3 seasons to detect one)
  while the demo's own forecast, made from 36 months, has one;
- Australian domestic tourism, visitor nights per month 1998-2017: 76 regions (the items) in 27 zones and
  7 states (the families, one grouping at a time), as shipped offline by the pyhts package (the data of
  Wickramasuriya, Athanasopoulos and Hyndman 2019, the MinT paper).

Rolling origins: the demo history at months 24, 26, 28 and 30 with 6 months ahead; the 60-month sample at
months 36, 42 and 48 and tourism at months 204, 216 and 228, both 12 months ahead. At each origin every
method sees the history up to it only.

Methods (xl-sop, xl_sop.forecast.hierarchical, the automatic method for every series):
- base: each series' own forecast (items and families alike): not coherent, the yardstick;
- bottom-up, top-down (forecast proportions), min-trace (shrinkage W from the last 12 months of one-step
  errors; also with 24 months).
Peers (where hierarchicalforecast installs):
- hierarchicalforecast MinTrace(mint_shrink) on the same base forecasts and the same one-step errors (so only
  the reconciliation differs; its W spans all families, ours one family at a time), plain and nonnegative=True;
- statsforecast AutoETS base forecasts, bottom-up and with hierarchicalforecast MinTrace(mint_shrink) on
  AutoETS's in-sample residuals: a complete peer pipeline.

Metrics, pooled over series, months and origins: WMAPE = sum|A - F| / sum|A| (items, families); MASE = the
mean over series and origins of MAE / (the in-sample mean absolute seasonal difference, lag 12).
Writes benchmarks/RESULTS_hierarchy.md with the command that made it.

    python benchmarks/hierarchy_accuracy.py            # everything (a few minutes here)
    python benchmarks/hierarchy_accuracy.py --quick    # the demo sample, xl-sop alone
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from xl_sop import sample_data
from xl_sop.forecast.hierarchical import (
    BOTTOM_UP,
    MIN_TRACE,
    TOP_DOWN,
    _point_forecast,
    one_step_errors,
    reconcile_families,
)

M = 12


@dataclass
class Hierarchy:
    """Items (n x L) and the family of each (0..k-1) on one monthly calendar."""

    name: str
    items: np.ndarray
    family_of: np.ndarray
    origins: tuple[int, ...]
    h: int

    @property
    def k(self) -> int:
        return int(self.family_of.max()) + 1

    def families(self, upto: int | None = None) -> np.ndarray:
        y = self.items if upto is None else self.items[:, :upto]
        return np.vstack([y[self.family_of == f].sum(axis=0) for f in range(self.k)])


def sample_hierarchy(seed: int, items: int = 24, months: int = 36) -> tuple[np.ndarray, np.ndarray]:
    table = sample_data.sample_items(items, seed=seed)
    history = sample_data.sample_history(table, months=months, seed=seed)
    wide = history.pivot_table(index="Item", columns="Month", values="Quantity", aggfunc="sum").reindex(table["Item"])
    wide = wide.reindex(columns=pd.date_range(end="2026-10-01", periods=months, freq="MS")).fillna(0.0)
    codes = {f: i for i, f in enumerate(dict.fromkeys(table["Family"]))}
    return wide.to_numpy(float), table["Family"].map(codes).to_numpy()


def tourism(grouping: str) -> Hierarchy:
    spec = importlib.util.find_spec("pyhts")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pip install pyhts (the bench extra) for the Australian tourism data")
    data = pd.read_csv(Path(spec.submodule_search_locations[0]) / "data" / "Tourism.csv", index_col=0)
    values = data.drop(columns=["state", "region", "city"]).to_numpy(float)
    codes = pd.factorize(data[grouping])[0]
    label = {"state": "7 states", "region": "27 zones"}[grouping]
    return Hierarchy(f"Tourism, 76 regions in {label}", values, codes, (204, 216, 228), 12)


# --- scoring ---------------------------------------------------------------------------------------------------


@dataclass
class Score:
    abs_err: dict[str, float] = field(default_factory=lambda: {"item": 0.0, "family": 0.0})
    actual: dict[str, float] = field(default_factory=lambda: {"item": 0.0, "family": 0.0})
    mase: dict[str, list[float]] = field(default_factory=lambda: {"item": [], "family": []})
    seconds: float = 0.0

    def add(self, level: str, actual: np.ndarray, fc: np.ndarray, history: np.ndarray) -> None:
        err = np.abs(actual - fc)
        self.abs_err[level] += float(err.sum())
        self.actual[level] += float(np.abs(actual).sum())
        lag = M if history.shape[1] > M else 1
        scale = np.mean(np.abs(history[:, lag:] - history[:, :-lag]), axis=1)
        ok = scale > 0
        self.mase[level] += list(err.mean(axis=1)[ok] / scale[ok])

    def wmape(self, level: str) -> float:
        return 100 * self.abs_err[level] / self.actual[level]

    def mase_mean(self, level: str) -> float:
        return float(np.mean(self.mase[level]))


def base_forecasts(y: np.ndarray, h: int) -> np.ndarray:
    return np.vstack([_point_forecast(row, h, M, "auto") for row in y])


def statsforecast_ets(y: np.ndarray, h: int) -> tuple[np.ndarray, np.ndarray]:
    """AutoETS forecasts and in-sample fitted values per series."""
    from statsforecast.models import AutoETS

    means, fitted = [], []
    for row in y:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = AutoETS(season_length=M).forecast(y=row.astype(float), h=h, fitted=True)
        means.append(np.maximum(res["mean"], 0.0))
        fitted.append(res["fitted"])
    return np.vstack(means), np.vstack(fitted)


def nixtla_mint(s: np.ndarray, base: np.ndarray, insample: np.ndarray, fitted: np.ndarray, nonnegative: bool) -> np.ndarray:
    """hierarchicalforecast's MinTrace(mint_shrink): the bottom (item) rows of S y~."""
    from hierarchicalforecast.methods import MinTrace

    k = s.shape[0] - s.shape[1]
    warnings.filterwarnings("ignore", module="qpsolvers")  # "converted matrix P to csc_matrix": nothing to act on
    out = MinTrace(method="mint_shrink", nonnegative=nonnegative).fit_predict(
        S=s, y_hat=base, y_insample=insample, y_hat_insample=fitted, tags={"Family": np.arange(k)})
    return out["mean"][k:]


def evaluate(hier: Hierarchy, peers: bool, scores: dict[str, Score]) -> None:
    n, k = hier.items.shape[0], hier.k
    s_matrix = np.vstack([np.vstack([(hier.family_of == f).astype(float) for f in range(k)]), np.eye(n)])
    for origin in hier.origins:
        train, test = hier.items[:, :origin], hier.items[:, origin:origin + hier.h]
        fam_train, fam_test = hier.families(origin), hier.families()[:, origin:origin + hier.h]

        def score(name: str, items: np.ndarray, families: np.ndarray | None, seconds: float, train: np.ndarray = train,
                  test: np.ndarray = test, fam_train: np.ndarray = fam_train, fam_test: np.ndarray = fam_test) -> None:
            sc = scores.setdefault(name, Score())
            sc.add("item", test, items, train)
            sc.add("family", fam_test, families if families is not None else
                   np.vstack([items[hier.family_of == f].sum(axis=0) for f in range(k)]), fam_train)
            sc.seconds += seconds

        t0 = time.perf_counter()
        item_fc, fam_fc = base_forecasts(train, hier.h), base_forecasts(fam_train, hier.h)
        t_base = time.perf_counter() - t0
        score("base (each series its own forecast, not coherent)", item_fc, fam_fc, t_base)
        score("xl-sop bottom-up", reconcile_families(item_fc, fam_fc, hier.family_of, BOTTOM_UP), None, t_base)
        shares = train[:, -12:].sum(axis=1)
        t0 = time.perf_counter()
        td = reconcile_families(item_fc, fam_fc, hier.family_of, TOP_DOWN, shares=shares)
        score("xl-sop top-down (forecast proportions)", td, None, t_base + time.perf_counter() - t0)
        both = np.vstack([fam_train, train])
        errors_by_window = {}
        for months in (12, 24):
            t0 = time.perf_counter()
            errors_by_window[months] = errors = one_step_errors(both, months, M, "auto")
            mint = reconcile_families(item_fc, fam_fc, hier.family_of, MIN_TRACE, errors)
            score(f"xl-sop min-trace ({months} months of errors)", mint, None, t_base + time.perf_counter() - t0)
        if peers:
            errors = errors_by_window[12]
            actual = both[:, -errors.shape[0]:]
            for nonneg in (False, True):
                t0 = time.perf_counter()
                rec = nixtla_mint(s_matrix, np.vstack([fam_fc, item_fc]), actual, actual - errors.T, nonneg)
                label = "hierarchicalforecast MinTrace(mint_shrink" + (", nonnegative)" if nonneg else ")")
                score(f"{label} on xl-sop's base and 12 months of errors", rec, None, time.perf_counter() - t0)
            t0 = time.perf_counter()
            ets_mean, ets_fitted = statsforecast_ets(both, hier.h)
            t_ets = time.perf_counter() - t0
            score("statsforecast AutoETS bottom-up", np.maximum(ets_mean[k:], 0), None, t_ets)
            t0 = time.perf_counter()
            rec = nixtla_mint(s_matrix, ets_mean, both, ets_fitted, True)
            score("statsforecast AutoETS + hierarchicalforecast MinT (nonnegative)", rec, None,
                  t_ets + time.perf_counter() - t0)


def run(datasets: list[tuple[str, list[Hierarchy]]], peers: bool) -> list[tuple[str, int, dict[str, Score]]]:
    out = []
    for label, hierarchies in datasets:
        scores: dict[str, Score] = {}
        for hier in hierarchies:
            evaluate(hier, peers, scores)
        series = sum(h.items.shape[0] for h in hierarchies)
        out.append((label, series, scores))
        print(f"{label}: done", file=sys.stderr)
    return out


def table(results: list[tuple[str, int, dict[str, Score]]]) -> str:
    lines = ["| data | method | WMAPE items % | WMAPE families % | MASE items | MASE families | seconds |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for label, _series, scores in results:
        for name, sc in scores.items():
            lines.append(f"| {label} | {name} | {sc.wmape('item'):.2f} | {sc.wmape('family'):.2f} | "
                         f"{sc.mase_mean('item'):.3f} | {sc.mase_mean('family'):.3f} | {sc.seconds:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the demo sample only, without peers")
    parser.add_argument("--out", default=str(Path(__file__).with_name("RESULTS_hierarchy.md")))
    args = parser.parse_args()
    demo = Hierarchy("demo", *sample_hierarchy(7), (24, 26, 28, 30), 6)
    datasets = [("Demo history: 24 items, 4 families, 36 months", [demo])]
    if not args.quick:
        draws = [Hierarchy(f"seed {s}", *sample_hierarchy(s, months=60), (36, 42, 48), 12) for s in (7, *range(1, 11))]
        datasets += [("Sample, 60 months: 11 draws, 264 items, 44 families", draws),
                     ("Tourism: 76 regions in 7 states", [tourism("state")]),
                     ("Tourism: 76 regions in 27 zones", [tourism("region")])]
    peers = not args.quick and importlib.util.find_spec("hierarchicalforecast") is not None
    results = run(datasets, peers)
    text = table(results)
    print(text)
    versions = f"numpy {np.__version__}, pandas {pd.__version__}"
    if peers:
        from importlib.metadata import version

        versions += f", hierarchicalforecast {version('hierarchicalforecast')}, statsforecast {version('statsforecast')}"
    header = (f"# Family forecasts: bottom-up, top-down, min-trace\n\nMade by `python benchmarks/hierarchy_accuracy.py"
              f"{' --quick' if args.quick else ''}` on {dt.date.today()}, {platform.machine()}, Python "
              f"{platform.python_version()}, {versions}, {os.cpu_count()} cores. Lower is better; seconds is the "
              f"time of the forecasts and the reconciliation over all origins (the base forecasts counted in every "
              f"xl-sop row, not in the hierarchicalforecast rows that reuse them).\n\n")
    out = Path(args.out)
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    kept = old[old.index("\n## "):] if "\n## " in old else ""  # the reading of the figures, written by hand
    out.write_text(header + text + "\n" + kept, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
