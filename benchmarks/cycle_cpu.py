"""CPU seconds of Run Forecast, forecast_many alone, run all, its save and validate on one filled workbook.

    python benchmarks/cycle_cpu.py --items 1000 [--book FILLED.xlsm] [--no-run-all]
    python benchmarks/cycle_cpu.py --items 5000 --fill-only FILLED.xlsm

CPU seconds (time.process_time: this process only) move much less than wall seconds when other work shares the
machine, so two versions of the code can be compared on a loaded machine: run the script with each version on the
same filled book (``--book``; without it a book is filled first, as cycle_scale.py fills it). Wall seconds are
printed beside them, and the 1-minute load average at the start and the end; "peak MB" is the process's peak
resident memory during the phase (the mark reset before each phase, as cycle_scale.py does).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cycle_scale import _peak_mb, _reset_peak  # the process's resident high-water mark per phase


def measure(filled: Path, folder: Path, with_run_all: bool = True) -> dict[str, object]:
    from xl_sop.cycle import run_all, run_step, validate
    from xl_sop.cycle.inputs import history_before_cycle, load_inputs
    from xl_sop.forecast.batch import forecast_many
    from xl_sop.workbook.filebook import FileBook
    from xl_sop.workbook.schema import TableName as T

    out: dict[str, object] = {"load start": os.getloadavg()[0]}

    def phase(name: str, func: Callable[[], object]) -> None:
        _reset_peak()
        cpu, wall = time.process_time(), time.perf_counter()
        func()
        out[name] = {"cpu": round(time.process_time() - cpu, 2), "wall": round(time.perf_counter() - wall, 2),
                     "peak MB": round(_peak_mb())}

    work = folder / "Work.xlsm"
    shutil.copyfile(filled, work)
    book = FileBook(work)
    phase("demand", lambda: run_step(book, "demand"))
    book.save()  # without run all, validate reads the book Run Forecast left (unsaved, it read the filled one)
    inputs = load_inputs(FileBook(filled))
    history = history_before_cycle(inputs)
    items = inputs[T.ITEMS].dropna(subset=["Item"])
    phase("forecast_many", lambda: forecast_many(history, inputs.settings.horizon,
                                                 season_length=inputs.settings.season_length, level=(80,),
                                                 families=items))
    if with_run_all:
        shutil.copyfile(filled, work)
        book = FileBook(work)
        phase("run all", lambda: run_all(book))
        phase("save", book.save)  # stores every formula's result (formula_results): timed apart from the steps
    phase("validate", lambda: validate(FileBook(work)))  # on the book run all (or, without it, Run Forecast) left
    out["load end"] = os.getloadavg()[0]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--book", type=Path, help="a book filled before (the same one for both versions)")
    parser.add_argument("--fill-only", type=Path, help="fill a book for --book at this path and stop")
    parser.add_argument("--no-run-all", action="store_true", help="skip run all (large books on a busy machine)")
    args = parser.parse_args()
    if args.fill_only:
        from xl_sop.cycle.demo import fill_demo_book

        fill_demo_book(args.fill_only, items=args.items).save()
        return
    with tempfile.TemporaryDirectory() as tmp:
        filled = args.book
        if filled is None:
            from xl_sop.cycle.demo import fill_demo_book

            filled = Path(tmp) / "Filled.xlsm"
            fill_demo_book(filled, items=args.items).save()
        print(json.dumps(measure(filled, Path(tmp), not args.no_run_all)))


if __name__ == "__main__":
    main()
