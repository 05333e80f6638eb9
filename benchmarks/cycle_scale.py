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
  (the test of "the template with N items opened by LibreOffice"); pages = PDF pages;
- run all: schema.RUN_ALL as the Run All command runs it (one read of the inputs), on another copy;
- floors, in the same process (--floors): read inputs = FileBook reading every input table of the
  filled file vs calamine = python-calamine reading the same sheets' values; write plans = FileBook
  writing tblDemandPlan and tblSupplyPlan vs xlsxwriter = XlsxWriter (constant_memory) writing the
  same rows to a new file; forecast = forecast_many alone on the history the Demand step forecasts;
- load: the machine's 1-minute load average at the start and the end (other work slows a run);
- "MB <phase>": the process's peak resident memory during that phase (the kernel's high-water mark, reset before
  each phase through /proc/self/clear_refs), so the phase that needs the memory is named; each book is released when
  its phase is done, as a button's process would.

--keep DIR keeps the filled and cycled workbooks (to publish them again with --publish-only BOOK). Each phase's figures
are printed to stderr as it ends, so a run that fails (out of memory, a limit of the file) still says how far it got.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def floors(path: Path, book_after, times: dict[str, float], tmp: Path) -> None:
    """The floors the issue compares with: python-calamine reading, XlsxWriter writing, forecast_many alone."""
    import python_calamine
    import xlsxwriter

    from xl_sop.cycle.inputs import DATA_TABLES, history_before_cycle, load_inputs
    from xl_sop.forecast.batch import forecast_many
    from xl_sop.workbook.filebook import FileBook
    from xl_sop.workbook.schema import TableName as T

    names = (*DATA_TABLES, T.SETTINGS, T.TARGETS)
    start = time.perf_counter()
    book = FileBook(path)
    for name in names:
        book.read_table(name)
    times["read inputs"] = time.perf_counter() - start
    sheets = sorted({book._sheets[book._table(name)[1]] for name in names})
    start = time.perf_counter()
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    for sheet in sheets:
        workbook.get_sheet_by_name(sheet).to_python()
    times["calamine"] = time.perf_counter() - start
    plans = {name: book_after.read_table(name) for name in (T.DEMAND_PLAN, T.SUPPLY_PLAN)}
    start = time.perf_counter()
    for name, frame in plans.items():
        book.write_table(name, frame)
    times["write plans"] = time.perf_counter() - start
    start = time.perf_counter()
    out = xlsxwriter.Workbook(str(tmp / "floor.xlsx"), {"constant_memory": True})
    for name, frame in plans.items():
        ws = out.add_worksheet(name[:31])
        ws.write_row(0, 0, list(frame.columns))
        for r, row in enumerate(frame.itertuples(index=False), start=1):
            ws.write_row(r, 0, [None if v is None or v != v else v for v in row])
    out.close()
    times["xlsxwriter"] = time.perf_counter() - start
    inputs = load_inputs(FileBook(path))
    history = history_before_cycle(inputs)
    items = inputs[T.ITEMS].dropna(subset=["Item"])
    start = time.perf_counter()
    forecast_many(history, inputs.settings.horizon, season_length=inputs.settings.season_length, level=(80,),
                  families=items)
    times["forecast"] = time.perf_counter() - start


def _peak_mb() -> float:
    """The process's resident high-water mark since the last reset, in MB (Linux; the lifetime peak elsewhere)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024


def _reset_peak() -> None:
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # hand freed memory back, so the mark starts from what is live
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with contextlib.suppress(OSError):  # "5" resets the high-water mark of resident memory (Linux 4.0+)
        Path("/proc/self/clear_refs").write_text("5")


def measure(items: int, months: int, do_publish: bool, do_render: bool, do_floors: bool = False,
            keep: Path | None = None, do_run_all: bool = True) -> dict[str, float]:
    from xl_sop.cycle import run_step, undo_last_run, validate
    from xl_sop.cycle.demo import fill_demo_book
    from xl_sop.cycle.publish import publish
    from xl_sop.workbook import schema
    from xl_sop.workbook.filebook import FileBook

    times: dict[str, float] = {"load start": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = keep or Path(tmp_name)
        tmp.mkdir(parents=True, exist_ok=True)
        path = tmp / "Scale.xlsm"

        def phase(name, func):
            _reset_peak()
            t = time.perf_counter()
            out = func()
            times[name] = time.perf_counter() - t
            times[f"MB {name}"] = _peak_mb()
            print(json.dumps({name: round(times[name], 1), f"MB {name}": round(times[f"MB {name}"])}), file=sys.stderr,
                  flush=True)
            return out

        start = time.perf_counter()
        phase("fill", lambda: fill_demo_book(path, items=items, months=months).save())
        if do_run_all or do_floors:
            shutil.copyfile(path, tmp / "All.xlsm")
        book = phase("open", lambda: FileBook(path))
        for step_id in schema.RUN_ALL:
            phase(step_id, lambda step_id=step_id, book=book: run_step(book, step_id))
        phase("save", book.save)
        if do_floors:
            floors(tmp / "All.xlsm", book, times, tmp)
        del book
        if do_run_all:
            phase("run all", lambda: _run_all_and_save(tmp / "All.xlsm"))
        problems = phase("validate", lambda: validate(FileBook(path)))
        assert not problems, problems[:3]
        phase("undo", lambda: undo_last_run(FileBook(path)))  # not saved: publish takes the cycled file
        times["file MB"] = path.stat().st_size / 1e6
        if do_publish:
            published = phase("publish", lambda: publish(path, tmp / "published"))
            times["pack pages"] = _pages(published.pdf) if published.pdf else float("nan")
        if do_render:
            from xl_sop.workbook.render import to_pdf

            pdf = phase("render", lambda: to_pdf(path, tmp / "render"))
            times["pages"] = _pages(pdf)
        times["total"] = time.perf_counter() - start
    times["load end"] = os.getloadavg()[0]
    times["peak RSS MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return times


def _run_all_and_save(path: Path) -> None:
    from xl_sop.cycle import run_all
    from xl_sop.workbook.filebook import FileBook

    book = FileBook(path)
    run_all(book)
    book.save()


def publish_only(path: Path) -> dict[str, float]:
    """Publish a workbook cycled before (--keep), timed and measured as in measure()."""
    from xl_sop.cycle.publish import publish

    load = os.getloadavg()[0]
    _reset_peak()
    start, cpu, children = time.perf_counter(), time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    published = publish(path, path.parent / "published")
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds as well as wall: the 2-core machine is shared, and other load moves CPU time little.
    times = {"load start": load, "publish": time.perf_counter() - start, "publish CPU s": time.process_time() - cpu,
             "LibreOffice CPU s": done.ru_utime + done.ru_stime - children.ru_utime - children.ru_stime,
             "MB publish": _peak_mb(),
             "file MB": path.stat().st_size / 1e6, "copy MB": published.workbook.stat().st_size / 1e6,
             "pack pages": _pages(published.pdf) if published.pdf else float("nan"), "load end": os.getloadavg()[0]}
    print("\n".join(published.notes), file=sys.stderr)
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
    parser.add_argument("--floors", action="store_true")
    parser.add_argument("--no-run-all", action="store_true", help="leave out run all (a second cycle on a copy)")
    parser.add_argument("--keep", type=Path, help="keep the workbooks in this folder (one size)")
    parser.add_argument("--publish-only", type=Path, metavar="BOOK", help="publish a workbook kept by --keep")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # the child process for one size
    args = parser.parse_args()
    if args.publish_only:
        print(json.dumps(publish_only(args.publish_only)))
        return
    if args.one:
        print(json.dumps(measure(args.items[0], args.months, args.publish, args.render, args.floors, args.keep,
                                 not args.no_run_all)))
        return
    rows = []
    for n in args.items:
        child = [sys.executable, __file__, "--one", "--items", str(n), "--months", str(args.months)]
        child += ["--publish"] * args.publish + ["--render"] * args.render + ["--floors"] * args.floors
        child += ["--keep", str(args.keep / str(n))] if args.keep else []
        child += ["--no-run-all"] * args.no_run_all
        # stderr passes through: each phase's figures as it ends
        rows.append((n, json.loads(subprocess.run(child, stdout=subprocess.PIPE, text=True, check=True).stdout.splitlines()[-1])))
    keys = list(rows[0][1])
    print(f"| items x {args.months} months | " + " | ".join(keys) + " |")
    print("|---:|" + "---:|" * len(keys))
    for n, times in rows:
        print(f"| {n} | " + " | ".join(f"{times[k]:.1f}" for k in keys) + " |")


if __name__ == "__main__":
    main()
