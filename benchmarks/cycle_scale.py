"""How the headless cycle scales: fill a copy of the template, run every step, save, check, undo, publish.

    python benchmarks/cycle_scale.py --items 24 200 1000 [--months 36] [--publish] [--render]

Each size runs in its own Python process, so its peak resident memory is its own (LibreOffice runs
as a separate process and is not counted in it). Phases, in seconds:
- fill: sample data for N items x --months of history, six backtested archived plans, pasted into
  a copy of the template and saved;
- open: FileBook reads the package; demand ... kpis: each step including its checks; save;
- validate: every check on the saved file (what `xl-sop validate` does); undo: Undo Last Run;
- publish (--publish): LibreOffice recalculation + values-only copy + PDF pack;
- render (--render): LibreOffice opens the whole cycled workbook and renders every sheet to PDF
  (the test of "the template with N items opened by LibreOffice"); pages = PDF pages.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def measure(items: int, months: int, do_publish: bool, do_render: bool) -> dict[str, float]:
    from xl_sop.cycle import run_step, undo_last_run, validate
    from xl_sop.cycle.demo import fill_demo_book
    from xl_sop.cycle.publish import publish
    from xl_sop.workbook import schema
    from xl_sop.workbook.filebook import FileBook

    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "Scale.xlsm"
        start = time.perf_counter()
        fill_demo_book(path, items=items, months=months).save()
        times["fill"] = time.perf_counter() - start

        def phase(name, func):
            t = time.perf_counter()
            out = func()
            times[name] = time.perf_counter() - t
            return out

        book = phase("open", lambda: FileBook(path))
        for step_id in schema.RUN_ALL:
            phase(step_id, lambda step_id=step_id: run_step(book, step_id))
        phase("save", book.save)
        problems = phase("validate", lambda: validate(FileBook(path)))
        assert not problems, problems[:3]
        undo_book = FileBook(path)
        phase("undo", lambda: undo_last_run(undo_book))
        times["file MB"] = path.stat().st_size / 1e6
        if do_publish:
            published = phase("publish", lambda: publish(path, Path(tmp) / "published"))
            times["pack pages"] = _pages(published.pdf) if published.pdf else float("nan")
        if do_render:
            from xl_sop.workbook.render import to_pdf

            pdf = phase("render", lambda: to_pdf(path, Path(tmp) / "render"))
            times["pages"] = _pages(pdf)
        times["total"] = time.perf_counter() - start
    times["peak RSS MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return times


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, nargs="+", default=[24, 200])
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--publish", action="store_true")
    parser.add_argument("--render", action="store_true")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # the child process for one size
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.items[0], args.months, args.publish, args.render)))
        return
    rows = []
    for n in args.items:
        child = [sys.executable, __file__, "--one", "--items", str(n), "--months", str(args.months)]
        child += ["--publish"] * args.publish + ["--render"] * args.render
        rows.append((n, json.loads(subprocess.run(child, capture_output=True, text=True, check=True).stdout.splitlines()[-1])))
    keys = list(rows[0][1])
    print(f"| items x {args.months} months | " + " | ".join(keys) + " |")
    print("|---:|" + "---:|" * len(keys))
    for n, times in rows:
        print(f"| {n} | " + " | ".join(f"{times[k]:.1f}" for k in keys) + " |")


if __name__ == "__main__":
    main()
