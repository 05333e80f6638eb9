"""`xl-sop`: the S&OP steps from the command line, without Excel (the same code as the ribbon buttons).

    xl-sop demo [--items N] [--regions R,..] [--out DIR]
                                             a filled demo workbook, all steps run, and its published pack
    xl-sop new BOOK [--force] [--onedrive DIR] [--onedrive-business DIR] [--sharepoint DIR]
                                             a working copy of the template, wired to this Python for Excel
    xl-sop run BOOK [--step STEP]            run one step (demand, supply, reconcile, freeze, executive, kpis) or all
    xl-sop publish BOOK [--out DIR] [--draft] values-only .xlsx and PDF pack (refused while a step is stale)
    xl-sop collect MASTER COPY...            merge inputs from returned copies; conflicts listed
    xl-sop validate BOOK                     every problem in the workbook
    xl-sop freeze BOOK [--force]             archive the approved consensus (refused without required approvals)
    xl-sop undo BOOK                         restore the tables the last step replaced
    xl-sop compare BOOK [--from MONTH] [--to MONTH|current] [--csv DIR]
                                             two plan versions by family and month, and what moved
    xl-sop forecast HISTORY.csv|.parquet [--horizon 12] [--level 80 95] [--id Item ...] [--out FILE.csv|.parquet]
                   [--scheduler ADDRESS | --workers N]   on a Dask cluster (docs/distributed.md)
    xl-sop aggregate TABLE [--by Item ...] [--out FILE]  detail series (history or forecast) added up to items
    xl-sop upgrade BOOK [--out NEW | --in-place]
                                             a workbook from an older xl-sop brought up to this version, inputs kept
    xl-sop build-template [--out workbook/SOP_Template.xlsm] [--snapshot FILE]

Any command also takes --debug (show the traceback of a failure). Exit codes: see EXIT_CODES_HELP.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from xl_sop.errors import (
    ExternalToolError,
    FileAccessError,
    InputError,
    Interrupted,
    SopError,
    UnexpectedError,
    WorkbookBusyError,
    translate,
)

if TYPE_CHECKING:  # imported for annotations only: the commands import what they use when they run
    import pandas as pd

    from xl_sop.cycle.runner import StepResult
    from xl_sop.workbook.book import Book
    from xl_sop.workbook.filebook import FileBook
    from xl_sop.workbook.schema import Step

EXIT_OK, EXIT_PROBLEMS_FOUND, EXIT_CANNOT_RUN, EXIT_FILE_ACCESS, EXIT_BUG, EXIT_BUSY, EXIT_INTERRUPTED = (
    0, 1, 2, 3, 4, 5, 130)
EXIT_CODES = ((Interrupted, EXIT_INTERRUPTED), (UnexpectedError, EXIT_BUG), (FileAccessError, EXIT_FILE_ACCESS),
              (WorkbookBusyError, EXIT_BUSY), (SopError, EXIT_CANNOT_RUN))
"""The exit code of a failure, by the kind of error it translates to (the first match counts)."""
EXIT_CODES_HELP = """\
exit codes:
  0    done
  1    validate found problems in the workbook
  2    xl-sop cannot run on what it was given: wrong arguments, bad input data, a workbook missing a
       sheet, table or column, a step run before the one it needs, no feasible plan, LibreOffice failed
  3    a file or folder cannot be found, read or written
  4    unexpected internal error: rerun with --debug and report it
  5    the workbook is busy: another xl-sop command is working on it (try again when it has finished)
  130  stopped with Ctrl+C

A failure prints one line on stderr ("xl-sop: what went wrong"); --debug prints the traceback too."""


class ProgressBar:
    """A one-line progress bar on stderr (what the ribbon shows in the status bar)."""

    def __init__(self, label: str, stream: TextIO = sys.stderr):
        self.label, self.stream, self.last = label, stream, -1
        self.live = hasattr(stream, "isatty") and stream.isatty()

    def __call__(self, done: int, total: int) -> None:
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


def _forecast_table(history: pd.DataFrame, horizon: int, level: tuple[float, ...] | None, label: str,
                    ids: Sequence[str] = ("Item",), engine: object = None) -> pd.DataFrame:
    """forecast_many on the history, on ``engine`` (a cluster) when given; several id columns name one series."""
    from xl_sop.forecast import forecast_many
    from xl_sop.forecast.detail import KEY, one_key, with_key_columns

    if len(ids) == 1:
        return forecast_many(history, horizon, level=level, id_col=ids[0], progress=ProgressBar(label), engine=engine)
    keyed, combos = one_key(history, ids)
    result = forecast_many(keyed, horizon, level=level, id_col=KEY, progress=ProgressBar(label), engine=engine)
    return with_key_columns(result, combos)


@contextlib.contextmanager
def _engine(args: argparse.Namespace) -> Iterator[object]:
    """What forecast_many runs on: None (here), a scheduler address, or a local cluster of --workers processes."""
    if args.workers is None:
        yield args.scheduler
        return
    if args.workers < 1:
        raise InputError(f"--workers must be 1 or more, not {args.workers}")
    from xl_sop.forecast.distributed import local_client

    with local_client(args.workers) as client:
        yield client


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a CSV cell as a formula (OWASP's CSV injection list)."""


def _inert_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula (an item named =HYPERLINK(...)) with a leading apostrophe,
    which Excel and LibreOffice show as text; numbers and other text as they are."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype.kind in "OT":  # text columns (object, or pandas 3's string)
            out[column] = out[column].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v)
    return out


def _progress_for(step: Step) -> ProgressBar:
    return ProgressBar(step.label)


def _book_path(arg: str) -> Path:
    """The workbook a command works on; never the template xl-sop ships (steps run on a copy from `xl-sop new`)."""
    from xl_sop.workbook.template import refuse_template

    return refuse_template(Path(arg))


@contextlib.contextmanager
def _changing(path: Path, command: str) -> Iterator[FileBook]:
    """The workbook at ``path``, under its lock from before it is read until it is saved (when the block succeeds).

    Every command that writes a workbook goes through here, so two of them never interleave. Validate and
    publish only read it: a save replaces the file in one move, so they read the old or the new one whole.
    """
    from xl_sop.workbook.filebook import FileBook
    from xl_sop.workbook.lock import workbook_lock

    with workbook_lock(path, command):
        book = FileBook(path)
        yield book
        book.save()


def _run_book(path: Path, steps: list[str], command: str) -> tuple[FileBook, list[StepResult]]:
    from xl_sop.cycle.runner import run_steps

    with _changing(path, command) as book:
        results = run_steps(book, steps, _progress_for)
    return book, results


def cmd_demo(args: argparse.Namespace) -> int:
    from xl_sop.cycle.demo import fill_demo_book, owners_for_seeded_issues
    from xl_sop.cycle.publish import publish
    from xl_sop.workbook import schema

    started = time.perf_counter()
    out = Path(args.out)
    path = out / "SOP_Demo.xlsm"
    regions = tuple(r.strip() for r in args.regions.split(",") if r.strip())
    fill_demo_book(path, items=args.items, months=args.months, seed=args.seed, regions=regions).save()
    _ran, results = _run_book(path, list(schema.RUN_ALL), "demo")
    with _changing(path, "demo") as book:  # the issues Reconcile seeded get owners, as a team gives them
        owners_for_seeded_issues(book)
    published = publish(path, out / "published")
    elapsed = time.perf_counter() - started
    _demo_summary(book, args)
    print()
    for result in results:
        print(f"  {result.summary()}")
    print(f"\nWrote {path}")
    print(f"      {published.workbook}  (values only, for circulation)")
    if published.pdf:
        print(f"      {published.pdf}  (PDF pack of the step sheets)")
    for note in published.notes:
        print(f"  note: {note}")
    print(f"in {elapsed:.1f} s")
    return EXIT_OK


def _demo_summary(book: Book, args: argparse.Namespace) -> None:
    import pandas as pd

    from xl_sop.cycle.demo import meeting_summary

    plan = book.read_table("tblConsensusByFamily")
    kpis = book.read_table("tblKPIs")
    scen = book.read_table("tblScenarios")
    issues = book.read_table("tblOpenIssues")
    first = plan["Month"].min()
    print(f"xl-sop demo: {args.items} items, {args.months} months of history, plan from {first:%b %Y}")
    print("\nConsensus, next 3 months, by family:            units        revenue   vs budget")
    soon = plan[plan["Month"] < first + pd.DateOffset(months=3)].groupby("Family")[["Units", "Revenue", "BudgetRevenue"]].sum()
    for family, r in soon.iterrows():
        gap = r["Revenue"] / r["BudgetRevenue"] - 1 if r["BudgetRevenue"] else float("nan")
        print(f"  {family:<40}{r['Units']:>11,.0f}{r['Revenue']:>15,.0f}{gap:>+11.1%}")
    print("\nScenarios over the horizon:        revenue    fill rate")
    for r in scen.itertuples():
        print(f"  {r.Scenario:<24}{r.Revenue:>15,.0f}{r.FillRate:>12.1%}")
    print()
    for line in meeting_summary(book):
        print(line)
    latest = kpis[kpis["Family"] == "All"].sort_values("Month").iloc[-1]
    print(f"\nKPIs, {latest['Month']:%b %Y}, all families:")
    for name in ("ForecastAccuracy", "ServiceLevel", "OnTimeDelivery", "ScheduleAttainment", "BackorderRate", "AgedStockShare"):
        print(f"  {name:<22}{latest[name]:>8.1%}")
    print(f"  {'InventoryTurns':<22}{latest['InventoryTurns']:>8.1f}")
    if len(issues):
        print(f"\nOpen issues for the meeting ({len(issues)}):")
        for text in issues["Issue"].head(5):
            print(f"  - {text}")


def cmd_new(args: argparse.Namespace) -> int:
    from xl_sop.workbook.template import new_workbook
    from xl_sop.workbook.xlwings_conf import CloudFolders, for_this_python

    wiring = for_this_python(CloudFolders(args.onedrive, args.onedrive_business, args.sharepoint))
    path = new_workbook(Path(args.book), wiring.settings, force=args.force)
    print(f"Wrote {path}, its xlwings.conf sheet saying:")
    for key, value in wiring.settings.items():
        print(f"  {key:<28}{value}")
    for note in wiring.notes:
        print(f"note: {note}")
    print("Open it in Excel and click Enable Content (docs/install.md), or run the steps here: xl-sop run", path)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from xl_sop.workbook import schema

    steps = [args.step] if args.step else list(schema.RUN_ALL)
    _book, results = _run_book(_book_path(args.book), steps, args.command)
    for result in results:
        print(result.summary())
    print(f"Saved {args.book}")
    return EXIT_OK


def cmd_freeze(args: argparse.Namespace) -> int:
    from xl_sop.cycle.runner import run_step
    from xl_sop.workbook import schema

    with _changing(_book_path(args.book), args.command) as book:
        result = run_step(book, "freeze", _progress_for(schema.step("freeze")), force=args.force)
    print(result.summary())
    print(f"Saved {args.book}")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from xl_sop.cycle.versions import compare_in_book
    from xl_sop.workbook.filebook import FileBook

    result, to, since = compare_in_book(FileBook(_book_path(args.book)), args.since, args.to)
    print(f"{to.label[:1].upper()}{to.label[1:]} against the {since.label}" + (f" ({since.note})" if since.note else "")
          + "; money at today's unit prices")
    print(f"\n{'Family':<16}{'Month':<10}{'from':>11}{'to':>11}{'change':>10}{'%':>8}{'money':>12}"
          f"{'budget':>11}{'vs budget':>11}")
    for r in result.by_family.itertuples():
        print(f"{r.Family:<16.16}{r.Month:%b %Y}  {_shown(r.LastFrozen):>11}{_shown(r.ThisCycle):>11}"
              f"{_shown(r.Change, '+,.0f'):>10}{_shown(r.ChangePct, '+.1%'):>8}{_shown(r.ChangeRevenue, '+,.0f'):>12}"
              f"{_shown(r.Budget):>11}{_shown(r.VsBudget, '+,.0f'):>11}")
    print("\nWhat moved (units, money):")
    for r in result.moved.itertuples():
        item = "" if not isinstance(r.Item, str) else r.Item
        print(f"  {r.Family:<16.16}{item:<12.12}{_shown(r.Change, '+,.0f'):>10}{_shown(r.ChangeRevenue, '+,.0f'):>12}"
              f"  {r.Why}")
    if args.csv:
        folder = Path(args.csv)
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in (("versions_by_family.csv", result.by_family), ("what_moved.csv", result.moved)):
            _write_table(frame.rename(columns={"ThisCycle": "To", "LastFrozen": "From"}), str(folder / name))
    return EXIT_OK


def _shown(value: object, fmt: str = ",.0f") -> str:
    """A number as the compare table prints it; blank (a month a version does not plan) as ''."""
    return "" if not isinstance(value, int | float) or value != value else format(value, fmt)


def cmd_undo(args: argparse.Namespace) -> int:
    from xl_sop.cycle import undo_last_run

    with _changing(_book_path(args.book), "undo") as book:
        result = undo_last_run(book)
    print(f"Undid {result.step.label}: restored {', '.join(result.rows)}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from xl_sop.cycle import validate
    from xl_sop.workbook.filebook import FileBook

    problems = validate(FileBook(_book_path(args.book)))
    if not problems:
        print(f"{args.book}: no problems found")
        return EXIT_OK
    print(f"{args.book}: {len(problems)} problem{'s' * (len(problems) != 1)}")
    for problem in problems:
        print(f"  - {problem}")
    return EXIT_PROBLEMS_FOUND


def cmd_publish(args: argparse.Namespace) -> int:
    from xl_sop.cycle.publish import publish

    published = publish(_book_path(args.book), Path(args.out), pdf=not args.no_pdf, draft=args.draft)
    print(f"Wrote {published.workbook}")
    if published.pdf:
        print(f"Wrote {published.pdf}")
    for note in published.notes:
        print(f"note: {note}")
    return EXIT_OK


def cmd_collect(args: argparse.Namespace) -> int:
    from xl_sop.cycle.collect import collect, open_copies
    from xl_sop.workbook.identity import workbook_id

    with _changing(_book_path(args.master), "collect") as master:
        result = collect(master, open_copies(args.copies), master_id=workbook_id(master.path))
    print(result.summary())
    for row in result.conflicts.itertuples():
        print(f"  conflict {row.Table} {row.Key} {row.Column}: {row.Source} = {row.Value}")
    return EXIT_OK


def _read_csv(path: str) -> pd.DataFrame:
    import pandas as pd

    try:
        return pd.read_csv(path)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:  # pandas' words for bad text
        reason = " ".join(str(exc).split())  # pandas' parser ends its text with a newline: keep the one line
        raise InputError(f"{path} cannot be read as a CSV table ({reason})") from exc


PARQUET = (".parquet", ".pq")
"""File name endings read and written as Parquet (pyarrow); any other is CSV."""


def _is_parquet(path: str) -> bool:
    return path.lower().endswith(PARQUET)


def _read_table(path: str) -> pd.DataFrame:
    """A CSV or, by its name's ending, a Parquet file as a table."""
    if not _is_parquet(path):
        return _read_csv(path)
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except ImportError as exc:
        raise ExternalToolError(f'reading Parquet needs pyarrow: pip install "xl-sop[dask]" ({exc})') from None
    except (ValueError, TypeError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputError(f"{path} cannot be read as a Parquet table ({' '.join(str(exc).split())})") from exc


def _write_table(frame: pd.DataFrame, out: str | None) -> None:
    """The table to ``out`` as Parquet or CSV by its ending, or as CSV on stdout; CSV text never a formula."""
    if out and _is_parquet(out):
        try:
            frame.to_parquet(out, index=False)
        except ImportError as exc:
            raise ExternalToolError(f'writing Parquet needs pyarrow: pip install "xl-sop[dask]" ({exc})') from None
    elif out:
        _inert_text(frame).to_csv(out, index=False)
    else:
        _inert_text(frame).to_csv(sys.stdout, index=False)
        return
    print(f"Wrote {len(frame)} rows to {out}")


def cmd_forecast(args: argparse.Namespace) -> int:
    history = _read_table(args.history)
    with _engine(args) as engine:
        result = _forecast_table(history, args.horizon, tuple(args.level) or None, "Forecasting", args.id, engine)
    _write_table(result, args.out)
    return EXIT_OK


def cmd_aggregate(args: argparse.Namespace) -> int:
    from xl_sop.forecast.detail import aggregate

    _write_table(aggregate(_read_table(args.table), args.by), args.out)
    return EXIT_OK


def cmd_upgrade(args: argparse.Namespace) -> int:
    from xl_sop.cycle.upgrade import upgrade

    result = upgrade(Path(args.book), Path(args.out) if args.out else None, in_place=args.in_place)
    print(result.summary())
    return EXIT_OK


def cmd_build_template(args: argparse.Namespace) -> int:
    from xl_sop.workbook.build import save
    from xl_sop.workbook.snapshot import snapshot

    path = save(Path(args.out))
    print(f"Wrote {path} ({path.stat().st_size / 1024:.0f} KB)")
    if args.snapshot:
        Path(args.snapshot).write_text(snapshot(path), encoding="utf-8")
        print(f"Wrote {args.snapshot}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xl-sop", description="S&OP planning steps, headless.", epilog=EXIT_CODES_HELP,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="build a demo workbook from the sample data, run the cycle and publish it")
    demo.add_argument("--items", type=int, default=24, help="number of sample items (default 24)")
    demo.add_argument("--months", type=int, default=36, help="months of history (default 36)")
    demo.add_argument("--seed", type=int, default=7, help="random seed of the sample data (default 7)")
    demo.add_argument("--regions", default="North,South,Export",
                      help="regions the sample history is split over, comma separated; '' for none "
                           "(default North,South,Export)")
    demo.add_argument("--out", default="out", help="output folder (default ./out)")
    demo.set_defaults(run=cmd_demo)
    new = sub.add_parser("new", help="a new S&OP workbook: a copy of the template wired to this Python for Excel",
                         description="Write a working copy of the S&OP template whose xlwings.conf sheet names the Python "
                                     "running this command, so the ribbon buttons and =SOP_* cell functions find it. "
                                     "Folder settings for workbooks kept on OneDrive or SharePoint: docs/install.md.")
    new.add_argument("book", help="the workbook to write, e.g. SOP_2026-11.xlsm")
    new.add_argument("--force", action="store_true", help="replace the file if it exists")
    for option, key in (("--onedrive", "ONEDRIVE_CONSUMER"), ("--onedrive-business", "ONEDRIVE_COMMERCIAL"),
                        ("--sharepoint", "SHAREPOINT")):
        new.add_argument(option, metavar="FOLDER", help=f"xlwings' {key}_WIN/_MAC setting (this system's): the local "
                                                        "folder it syncs; environment variables allowed")
    new.set_defaults(run=cmd_new)
    run = sub.add_parser("run", help="run one step or all of them on a workbook file, in place")
    run.add_argument("book")
    run.add_argument("--step", choices=[s.id for s in _steps()], help="one step (default: all but freeze)")
    run.set_defaults(run=cmd_run)
    freeze = sub.add_parser("freeze", help="archive the consensus as this cycle's plan version")
    freeze.add_argument("book")
    freeze.add_argument("--force", action="store_true",
                        help="freeze without the approvals Settings require (the archive records whose were missing)")
    freeze.set_defaults(run=cmd_freeze)
    cmp = sub.add_parser("compare", help="two plan versions by family and month, and what moved between them",
                         description="Compare two plan versions by family and month in units and money (today's unit "
                                     "prices), with the items that moved most; reads the workbook only.")
    cmp.add_argument("book")
    cmp.add_argument("--from", dest="since", metavar="MONTH",
                     help="the earlier version: a PlanMonth of the plan archive, e.g. 2026-10 "
                          "(default: the latest frozen before --to)")
    cmp.add_argument("--to", default="current", metavar="MONTH",
                     help="the later version: a PlanMonth, or current (this cycle's plan, the default)")
    cmp.add_argument("--csv", metavar="DIR", help="also write versions_by_family.csv and what_moved.csv there")
    cmp.set_defaults(run=cmd_compare)
    for name, func, text in (("undo", cmd_undo, "restore the tables the last step replaced"),
                             ("validate", cmd_validate, "list every problem in the workbook (exit 1 if any)")):
        p = sub.add_parser(name, help=text)
        p.add_argument("book")
        p.set_defaults(run=func)
    pub = sub.add_parser("publish", help="values-only .xlsx and PDF pack for circulation")
    pub.add_argument("book")
    pub.add_argument("--out", default="published", help="output folder (default ./published)")
    pub.add_argument("--no-pdf", action="store_true", help="skip the PDF pack")
    pub.add_argument("--draft", action="store_true",
                     help="publish even with steps stale or not run, stamped DRAFT on every page")
    pub.set_defaults(run=cmd_publish)
    col = sub.add_parser("collect", help="merge inputs from returned copies into the master")
    col.add_argument("master")
    col.add_argument("copies", nargs="+")
    col.set_defaults(run=cmd_collect)
    fc = sub.add_parser("forecast", help="forecast a history table, CSV or Parquet (columns Item, Month, Quantity)",
                        description="Forecast every series of a long history table (.csv, or .parquet/.pq), here or on "
                                    "a Dask cluster (docs/distributed.md).")
    fc.add_argument("history", help="the history: .csv, or .parquet/.pq (needs xl-sop[dask])")
    fc.add_argument("--horizon", type=int, default=12)
    fc.add_argument("--level", type=float, nargs="*", default=[80, 95])
    fc.add_argument("--id", nargs="+", default=["Item"], metavar="COLUMN",
                    help="the column(s) naming a series (default Item); several: one series per combination, "
                         "e.g. --id Item Location")
    fc.add_argument("--out", help="write here: .parquet/.pq as Parquet, anything else as CSV (default: CSV on stdout)")
    where = fc.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="forecast on this Dask cluster, e.g. tcp://10.0.0.5:8786")
    where.add_argument("--workers", type=int, metavar="N", help="forecast on a Dask cluster of N processes on this machine")
    fc.set_defaults(run=cmd_forecast)
    agg = sub.add_parser("aggregate", help="add detail-level series (history or forecast) up to items, month by month",
                         description="Sum a long table (.csv or .parquet) of detail series (e.g. Item x Location) to the "
                                     "columns given by --by and Month: quantities, forecasts and interval bounds added up, "
                                     "text columns left out (docs/distributed.md).")
    agg.add_argument("table")
    agg.add_argument("--by", nargs="+", default=["Item"], metavar="COLUMN", help="the columns to sum to (default Item)")
    agg.add_argument("--out", help="write here: .parquet/.pq as Parquet, anything else as CSV (default: CSV on stdout)")
    agg.set_defaults(run=cmd_aggregate)
    upg = sub.add_parser("upgrade", help="bring a workbook made by an older xl-sop up to this version, every typed "
                         "input kept (a new file, or --in-place with a backup)")
    upg.add_argument("book")
    upg.add_argument("--out", help='the upgraded workbook (default: "BOOK (upgraded).xlsm" beside it)')
    upg.add_argument("--in-place", action="store_true",
                     help='upgrade the workbook itself, after copying it to "BOOK (before upgrade).xlsm"')
    upg.set_defaults(run=cmd_upgrade)
    bt = sub.add_parser("build-template", help="build the S&OP workbook template (.xlsm with VBA and ribbon)")
    bt.add_argument("--out", default="workbook/SOP_Template.xlsm")
    bt.add_argument("--snapshot", help="also write a text snapshot of the built file (for review diffs)")
    bt.set_defaults(run=cmd_build_template)
    for command in sub.choices.values():  # --debug also after the command; SUPPRESS keeps a --debug given before it
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    return parser


DEBUG_HELP = "on failure, show the traceback as well as the one-line message"


def _steps() -> tuple[Step, ...]:
    from xl_sop.workbook.schema import STEPS

    return STEPS


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except BrokenPipeError:  # the reader stopped early (xl-sop forecast ... | head): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return EXIT_OK
    except (Exception, KeyboardInterrupt) as exc:  # every failure ends here: one line and a documented exit code
        return report_failure(exc, debug=args.debug)


def report_failure(exc: BaseException, debug: bool = False, stream: TextIO | None = None) -> int:
    """Say what went wrong on one line of stderr (the traceback first with debug) and return the exit code."""
    stream = stream or sys.stderr
    error = translate(exc)
    if debug:
        traceback.print_exception(exc, file=stream)
    elif isinstance(error, UnexpectedError):
        error = UnexpectedError(f"{error}; rerun with --debug to see where, and please report it")
    print(f"xl-sop: {error}", file=stream)
    return next(code for kind, code in EXIT_CODES if isinstance(error, kind))


if __name__ == "__main__":
    sys.exit(main())
