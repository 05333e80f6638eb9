"""How the headless cycle scales: fill a copy of the template, run every step, save, publish.

    python benchmarks/cycle_scale.py --items 24 200 1000 [--no-publish]

Prints one row per size: seconds per phase and the process's peak resident memory so far
(sizes run in the order given, smallest first; LibreOffice runs as its own process and is
not counted). "fill" includes generating the sample data and backtesting six archived plans.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import resource
from pathlib import Path

from xl_sop.cycle import run_step
from xl_sop.cycle.demo import fill_demo_book
from xl_sop.cycle.share import publish
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import FileBook


def measure(items: int, months: int, do_publish: bool) -> dict[str, float]:
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "Scale.xlsm"
        start = time.perf_counter()
        fill_demo_book(path, items=items, months=months).save()
        times["fill"] = time.perf_counter() - start
        book = FileBook(path)
        for step_id in schema.RUN_ALL:
            t = time.perf_counter()
            run_step(book, step_id)
            times[step_id] = time.perf_counter() - t
        t = time.perf_counter()
        book.save()
        times["save"] = time.perf_counter() - t
        if do_publish:
            t = time.perf_counter()
            publish(path, Path(tmp) / "published")
            times["publish"] = time.perf_counter() - t
        times["total"] = time.perf_counter() - start
        times["file MB"] = path.stat().st_size / 1e6
    times["peak RSS MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, nargs="+", default=[24, 200])
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--no-publish", action="store_true")
    args = parser.parse_args()
    rows = [(n, measure(n, args.months, not args.no_publish)) for n in args.items]
    keys = list(rows[0][1])
    print("| items | " + " | ".join(keys) + " |")
    print("|---:|" + "---:|" * len(keys))
    for n, times in rows:
        print(f"| {n} | " + " | ".join(f"{times[k]:.1f}" for k in keys) + " |")


if __name__ == "__main__":
    main()
