"""=SOP_FORECAST over 10,000 cells, as a sheet would hold them, against the named peers on the same data.

    python benchmarks/forecast_cells.py

Two layouts of 10,000 history cells (seasonal monthly demand with noise):
- one long history: =SOP_FORECAST(A1:A10000, 12, , , 95) in one cell;
- a block of 833 item rows x 12 months with =SOP_FORECAST(row, 12) in each row (833 calls, Excel
  recalculates them one after another).
The cell function is called with the values as xlwings hands them over (lists of rows), so the
time includes the conversion in and out but not Excel's COM round trip (no Excel here). Peers on
the same series: statsforecast AutoETS (season 12) and statsmodels' Holt-Winters (additive).
Writes benchmarks/RESULTS_forecast_cells.md.
"""

from __future__ import annotations

import datetime as dt
import platform
import resource
import time
import warnings
from pathlib import Path

import numpy as np
import sop_udfs

CELLS = 10_000
SEASON = 12


def series(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.maximum(0, 200 + 0.02 * t + 40 * np.sin(2 * np.pi * t / SEASON) + rng.normal(0, 15, n))


def timed(func) -> tuple[float, object]:
    start = time.perf_counter()
    out = func()
    return time.perf_counter() - start, out


def main() -> None:
    long = series(CELLS, 1)
    block = [series(SEASON, seed) for seed in range(CELLS // SEASON)]
    rows = []

    column = [[float(v)] for v in long]
    seconds, out = timed(lambda: sop_udfs.SOP_FORECAST(column, 12, None, None, 95))
    assert isinstance(out, list) and len(out) == 12, out
    rows.append(("one history of 10,000 cells, level 95", "xl-sop =SOP_FORECAST", 1, seconds))
    seconds, outs = timed(lambda: [sop_udfs.SOP_FORECAST([list(map(float, r))], 12) for r in block])
    assert not any(isinstance(o, str) for o in outs)
    rows.append((f"{len(block)} rows x 12 months, one call per row", "xl-sop =SOP_FORECAST", len(block), seconds))

    try:
        import pandas as pd
        from statsforecast import StatsForecast
        from statsforecast.models import AutoETS

        def sf(ys):
            frame = pd.concat([pd.DataFrame({"unique_id": i, "ds": np.arange(len(y)), "y": y}) for i, y in enumerate(ys)])
            return StatsForecast(models=[AutoETS(season_length=SEASON)], freq=1, n_jobs=1).forecast(df=frame, h=12)
        sf([long[:100]])  # compile (numba) before timing
        rows.append(("one history of 10,000 cells", "statsforecast AutoETS", 1, timed(lambda: sf([long]))[0]))
        rows.append((f"{len(block)} rows x 12 months", "statsforecast AutoETS", len(block), timed(lambda: sf(block))[0]))
    except ImportError:
        rows.append(("-", "statsforecast not installed (pip install -e .[bench])", 0, float("nan")))

    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    def hw(y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ExponentialSmoothing(y, trend="add", seasonal="add", seasonal_periods=SEASON).fit().forecast(12)
    rows.append(("one history of 10,000 cells", "statsmodels Holt-Winters", 1, timed(lambda: hw(long))[0]))
    rows.append((f"{len(block)} rows x 12 months", "statsmodels Holt-Winters (12 points: one season, no trend fit)",
                 len(block), timed(lambda: [ExponentialSmoothing(r, trend="add").fit().forecast(12) for r in block])[0]))

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        "# =SOP_FORECAST on 10,000 cells",
        "",
        f"Made by `python benchmarks/forecast_cells.py` on {dt.date.today().isoformat()}, {platform.machine()}, "
        f"Python {platform.python_version()}, one process (peak RSS {peak:.0f} MB). Excel's COM round trip is not "
        "included (no Excel here); Excel recalculates cell functions one after another.",
        "",
        "| layout | what | calls | seconds | ms per call |",
        "|---|---|---:|---:|---:|",
        *[f"| {layout} | {what} | {calls} | {s:.2f} | {1000 * s / max(calls, 1):.1f} |" for layout, what, calls, s in rows],
    ]
    Path(__file__).with_name("RESULTS_forecast_cells.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
