"""What demand events buy, on the bundled sample where the truth is known (xl_sop/sample_data.py).

1. Cleansing. The sample's promotion items carry three spikes each (x1.8, then x0.7 the month after as customers
   stocked up; sample_history records where). The statistical baseline (forecast_many, automatic method) is fitted
   on the history as shipped and on the history with each spike and its dip marked as a promotion in Events and
   cleansed (xl_sop.forecast.events.cleanse). Holdout: the last 12 months of a 48-month history, 12 months ahead.
   The baseline is scored on the holdout months that are not promotion or dip months (the baseline's job; the
   events of those months are planned on top of it), and on all holdout months.
2. Launches. The sample's "new" items start selling part-way through the history and ramp up over 4 months.
   At their first month (no history) and 3 months later, their next 12 months (as many as the data holds) are
   forecast by xl_sop.forecast.events.launch_forecast from a like item (the sample's first seasonal item) or from
   the family's profile, scaled to a launch volume, against a naive start: the launch volume flat, every month;
   3 months in, also the statistical forecast of the 3 months sold. The launch volume is the item's true mature
   level (its mean from the 5th month on), or that times a planner's error drawn in 0.7-1.3.

Draws: seeds 1-8 of 240 items each (40 promotion items and 40 new items per draw).
Metric, pooled over items, months and draws: WMAPE = sum|A - F| / sum|A|; bias = sum(F - A) / sum|A|.
Writes benchmarks/RESULTS_events.md with the command that made it.

    python benchmarks/events_accuracy.py            # 8 draws (a few minutes here)
    python benchmarks/events_accuracy.py --quick    # 2 draws
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from xl_sop import sample_data
from xl_sop.forecast import forecast_many
from xl_sop.forecast.events import cleanse, launch_forecast

MONTHS, HOLDOUT, ITEMS = 48, 12, 240
END = "2026-10-01"


def _score(actual: np.ndarray, forecast: np.ndarray) -> tuple[float, float]:
    total = float(np.abs(actual).sum())
    return float(np.abs(actual - forecast).sum()) / total, float((forecast - actual).sum()) / total


def _cleansing(seed: int) -> dict[str, list[np.ndarray]]:
    items = sample_data.sample_items(ITEMS, seed=seed)
    history, promotions = sample_data.sample_history_and_promotions(items, months=MONTHS, end=END, seed=seed)
    promoted = set(items.loc[items["Pattern"] == "promotion", "Item"])
    spikes = [(i, m) for i, m in promotions if i in promoted]
    history = history[history["Item"].isin(promoted)]
    cutoff = pd.Timestamp(END) - pd.DateOffset(months=HOLDOUT - 1)
    train, test = history[history["Month"] < cutoff], history[history["Month"] >= cutoff]
    events = pd.DataFrame({"Item": [i for i, _ in spikes], "Family": None, "Kind": "promotion",
                           "FromMonth": [m for _, m in spikes],
                           "ToMonth": [m + pd.DateOffset(months=1) for _, m in spikes],
                           "UpliftPct": np.nan, "UpliftUnits": np.nan})
    families = items.set_index("Item")["Family"]
    cleansed, _effects = cleanse(train, events, families, cutoff)
    event_months = {(i, m) for i, m in spikes} | {(i, m + pd.DateOffset(months=1)) for i, m in spikes}
    out: dict[str, list[np.ndarray]] = {}
    for name, fitted_on in (("as shipped", train), ("cleansed", cleansed)):
        fc = forecast_many(fitted_on, HOLDOUT, season_length=12, families=items)
        pairs = test.merge(fc[["Item", "Month", "Forecast"]], on=["Item", "Month"], how="right").fillna({"Quantity": 0})
        clean = ~pd.Series(list(zip(pairs["Item"], pairs["Month"], strict=True))).isin(event_months).to_numpy()
        out[f"{name}|clean"] = [pairs["Quantity"].to_numpy()[clean], pairs["Forecast"].to_numpy()[clean]]
        out[f"{name}|all"] = [pairs["Quantity"].to_numpy(), pairs["Forecast"].to_numpy()]
    return out


def _launches(seed: int) -> dict[str, list[np.ndarray]]:
    items = sample_data.sample_items(ITEMS, seed=seed)
    history = sample_data.sample_history(items, months=MONTHS, end=END, seed=seed)
    rng = np.random.default_rng(seed + 50)
    families = items.set_index("Item")["Family"]
    like = items.loc[items["Pattern"] == "seasonal", "Item"].iloc[0]
    series = history.pivot_table(index="Month", columns="Item", values="Quantity", aggfunc="sum").fillna(0.0)
    out: dict[str, list[np.ndarray]] = {}

    def add(key: str, actual: np.ndarray, forecast: np.ndarray) -> None:
        pair = out.setdefault(key, [np.empty(0), np.empty(0)])
        pair[0], pair[1] = np.concatenate([pair[0], actual]), np.concatenate([pair[1], forecast])

    for item in items.loc[items["Pattern"] == "new", "Item"]:
        sold = series[item]
        launch = sold.index[sold > 0][0]
        mature = float(sold[launch + pd.DateOffset(months=4):].mean())
        guess = mature * rng.uniform(0.7, 1.3)
        for months_in in (0, 3):
            origin = launch + pd.DateOffset(months=months_in)
            ahead = pd.date_range(origin, periods=HOLDOUT, freq="MS")
            ahead = ahead[ahead <= pd.Timestamp(END)]
            if len(ahead) < 6:
                continue
            actual = sold.reindex(ahead).fillna(0.0).to_numpy()
            known = history[(history["Month"] < origin) & (history["Item"] != item)]
            stat = forecast_many(known[known["Item"].isin([like, *families.index[families == families[item]]])],
                                 len(ahead), season_length=12, level=(80,))
            stat = stat.rename(columns={"Forecast": "Statistical"})
            for volume_name, volume in (("volume known", mature), ("volume +-30%", guess)):
                for basis, like_item in (("like item", like), ("family profile", None)):
                    events = pd.DataFrame([{"Item": item, "Family": None, "Kind": "launch", "FromMonth": origin,
                                            "ToMonth": pd.NaT, "LikeItem": like_item, "LaunchUnits": volume}])
                    fc = launch_forecast(stat, known, events, families, ahead)
                    add(f"{months_in}|{volume_name}|{basis}", actual, fc["Statistical"].to_numpy())
                add(f"{months_in}|{volume_name}|naive: volume flat", actual, np.full(len(ahead), volume))
            if months_in:
                own = history[(history["Item"] == item) & (history["Month"] < origin)]
                fc = forecast_many(own, len(ahead), season_length=12)
                add(f"{months_in}|-|statistical on its {months_in} months", actual, fc["Forecast"].to_numpy())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 draws instead of 8")
    args = parser.parse_args()
    seeds = range(1, 3 if args.quick else 9)
    started = time.perf_counter()
    pooled: dict[str, list[np.ndarray]] = {}
    for seed in seeds:
        for key, (actual, forecast) in {**{"C|" + k: v for k, v in _cleansing(seed).items()},
                                        **{"L|" + k: v for k, v in _launches(seed).items()}}.items():
            pair = pooled.setdefault(key, [np.empty(0), np.empty(0)])
            pair[0], pair[1] = np.concatenate([pair[0], actual]), np.concatenate([pair[1], forecast])
        print(f"draw {seed} done", file=sys.stderr)
    command = "python benchmarks/events_accuracy.py" + (" --quick" if args.quick else "")
    lines = ["# Demand events: what cleansing and launch forecasts buy", "",
             f"Made by `{command}` on {dt.date.today()}, {platform.machine()}, Python {platform.python_version()}, "
             f"{len(seeds)} draws of {ITEMS} sample items, {time.perf_counter() - started:.0f} s. "
             "How: the docstring of benchmarks/events_accuracy.py. Lower WMAPE is better; bias > 0 = over-forecast.",
             "", "## Baseline fitted on cleansed against as-shipped history (promotion items, 12 months ahead)", "",
             "| history fitted on | scored on | points | WMAPE | bias |", "|---|---|---:|---:|---:|"]
    for key, (actual, forecast) in pooled.items():
        if key.startswith("C|"):
            _c, name, scope = key.split("|")
            wmape, bias = _score(actual, forecast)
            what = "months without an event" if scope == "clean" else "all months"
            lines.append(f"| {name} | {what} | {len(actual)} | {wmape:.3f} | {bias:+.3f} |")
    lines += ["", "## Launch forecasts (new items, up to 12 months ahead)", "",
              "| origin | launch volume | forecast | points | WMAPE | bias |", "|---|---|---|---:|---:|---:|"]
    for key, (actual, forecast) in pooled.items():
        if key.startswith("L|"):
            _l, months_in, volume, method = key.split("|")
            wmape, bias = _score(actual, forecast)
            origin = "first month" if months_in == "0" else f"{months_in} months in"
            lines.append(f"| {origin} | {volume} | {method} | {len(actual)} | {wmape:.3f} | {bias:+.3f} |")
    text = "\n".join(lines) + "\n"
    Path(__file__).with_name("RESULTS_events.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
