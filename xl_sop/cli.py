"""`xl-sop`: the S&OP steps from the command line, without Excel.

    xl-sop demo [--items N] [--out DIR]      sample data -> forecasts (the README's main job)
    xl-sop forecast HISTORY.csv [--horizon 12] [--level 80 95] [--out FILE]
    xl-sop build-template [--out workbook/SOP_Template.xlsm] [--snapshot FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from xl_sop.errors import SopError


class ProgressBar:
    """A one-line progress bar on stderr (what the ribbon shows in the status bar)."""

    def __init__(self, label: str, stream=sys.stderr):
        self.label, self.stream, self.last = label, stream, -1
        self.live = hasattr(stream, "isatty") and stream.isatty()

    def __call__(self, done: int, total: int):
        pct = int(100 * done / max(total, 1))
        if not self.live:  # a log file gets a line every quarter, not a redrawn bar
            if pct // 25 != self.last // 25 or done >= total:
                self.stream.write(f"{self.label}: {pct}% ({done}/{total})\n")
                self.last = pct
            return
        if pct != self.last:
            bar = "#" * (pct // 4)
            self.stream.write(f"\r{self.label} [{bar:<25}] {pct:3d}% ({done}/{total})")
            self.last = pct
            if done >= total:
                self.stream.write("\n")
            self.stream.flush()


def _forecast_table(history, horizon, level, label):
    from xl_sop.forecast import forecast_many

    return forecast_many(history, horizon, level=level, progress=ProgressBar(label))


def cmd_demo(args) -> int:
    import pandas as pd

    from xl_sop.sample_data import sample_history, sample_items

    started = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    items = sample_items(args.items)
    history = sample_history(items, months=args.months)
    result = _forecast_table(history, args.horizon, (80, 95), "Forecasting")
    items.to_csv(out / "items.csv", index=False)
    history.to_csv(out / "history.csv", index=False)
    result.to_csv(out / "forecast.csv", index=False)
    elapsed = time.perf_counter() - started

    merged = result.merge(items[["Item", "Family"]], on="Item")
    first = merged["Month"].min()
    by_family = merged[merged["Month"] < first + pd.DateOffset(months=3)].groupby("Family")["Forecast"].sum()
    print(f"xl-sop demo: {len(items)} items, {history['Month'].nunique()} months of history, "
          f"horizon {args.horizon} months from {first:%b %Y}")
    print("\nForecast, next 3 months, units by family:")
    for family, units in by_family.items():
        print(f"  {family:<14}{units:>12,.0f}")
    seasonal = merged.drop_duplicates("Item")["Method"].str.contains("seasonally").sum()
    print(f"\nModels chosen by method=auto ({seasonal} of {len(items)} items seasonally adjusted):")
    for method, count in merged.drop_duplicates("Item")["Method"].str.split(", seasonally").str[0].value_counts().items():
        print(f"  {count:>3}  {method}")
    print(f"\nWrote {out / 'items.csv'}, {out / 'history.csv'} and {out / 'forecast.csv'} in {elapsed:.1f} s")
    return 0


def cmd_forecast(args) -> int:
    import pandas as pd

    history = pd.read_csv(args.history)
    result = _forecast_table(history, args.horizon, tuple(args.level) or None, "Forecasting")
    if args.out:
        result.to_csv(args.out, index=False)
        print(f"Wrote {len(result)} rows to {args.out}")
    else:
        result.to_csv(sys.stdout, index=False)
    return 0


def cmd_build_template(args) -> int:
    from xl_sop.workbook.build import save
    from xl_sop.workbook.snapshot import snapshot

    path = save(Path(args.out))
    print(f"Wrote {path} ({path.stat().st_size / 1024:.0f} KB)")
    if args.snapshot:
        Path(args.snapshot).write_text(snapshot(path), encoding="utf-8")
        print(f"Wrote {args.snapshot}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xl-sop", description="S&OP planning steps, headless.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="forecast bundled sample data and summarise the plan")
    demo.add_argument("--items", type=int, default=24, help="number of sample items (default 24)")
    demo.add_argument("--months", type=int, default=36, help="months of history (default 36)")
    demo.add_argument("--horizon", type=int, default=12, help="months to forecast (default 12)")
    demo.add_argument("--out", default="out", help="output folder (default ./out)")
    demo.set_defaults(run=cmd_demo)
    fc = sub.add_parser("forecast", help="forecast a CSV history table (columns Item, Month, Quantity)")
    fc.add_argument("history")
    fc.add_argument("--horizon", type=int, default=12)
    fc.add_argument("--level", type=float, nargs="*", default=[80, 95])
    fc.add_argument("--out")
    fc.set_defaults(run=cmd_forecast)
    bt = sub.add_parser("build-template", help="build the S&OP workbook template (.xlsm with VBA and ribbon)")
    bt.add_argument("--out", default="workbook/SOP_Template.xlsm")
    bt.add_argument("--snapshot", help="also write a text snapshot of the built file (for review diffs)")
    bt.set_defaults(run=cmd_build_template)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except SopError as exc:
        print(f"xl-sop: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
