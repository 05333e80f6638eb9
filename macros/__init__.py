"""sop_macros: the ribbon buttons' Python side (the RunPython targets).

Each macro hands ``xlwings.Book.caller()`` (wrapped as an XlwingsBook) to the
same step code that the ``xl-sop`` command line runs on a workbook file; only
the book differs. Progress shows in Excel's status bar; a problem shows as a
message box naming the sheet, table, row and column, and nothing is written.
Every failure ends in a message box (``_busy``), never in a traceback dialog: an
unexpected one says where its full report was written.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import xlwings as xw

from xl_sop.cycle import runner
from xl_sop.cycle.collect import collect, open_copies
from xl_sop.cycle.inputs import problems_table
from xl_sop.cycle.inputs import validate as validate_book
from xl_sop.cycle.publish import PACK_SHEETS
from xl_sop.cycle.publish import publish as publish_copy
from xl_sop.cycle.upgrade import upgrade
from xl_sop.errors import FileAccessError, UnexpectedError, ValidationError, translate, write_report
from xl_sop.workbook import schema
from xl_sop.workbook.identity import workbook_id
from xl_sop.workbook.template import refuse_template
from xl_sop.workbook.xlbook import XlwingsBook

RETURNED_FOLDER = "returned"
"""Collect Inputs reads the copies people sent back from this folder beside the workbook."""


@contextlib.contextmanager
def _busy(book, label: str):
    app = book.app
    app.status_bar = f"xl-sop: {label}..."
    app.screen_updating = False
    try:
        yield
    except (Exception, KeyboardInterrupt) as exc:  # every failure, expected or not, ends in a message box
        app.status_bar = f"xl-sop: {label} stopped"
        app.alert(alert_text(exc, label), title=f"xl-sop: {label}", mode="critical")
    finally:
        app.screen_updating = True


def alert_text(exc: BaseException, label: str) -> str:
    """The message box's text for a failure: what went wrong; for an unexpected one, where its full report is."""
    error = translate(exc)
    if not isinstance(error, UnexpectedError):
        return str(error)
    try:
        where = f"The details are in {write_report(exc, label)}: please send that file to whoever looks after xl-sop."
    except OSError as unwritten:
        where = f"The details could not be written down ({translate(unwritten)})."
    return f"{label} stopped: {error}.\n\n{where}"


def _progress(app, label: str):
    def show(done: int, total: int) -> None:
        app.status_bar = f"xl-sop: {label} {int(100 * done / max(total, 1))}% ({done}/{total})"
    return show


def _live(book) -> XlwingsBook:
    """The open workbook as a book, unless it is the shipped template: it stays as it is, xl-sop new makes copies."""
    refuse_template(Path(book.fullname))
    return XlwingsBook(book)


def _step(step_id: str) -> None:
    book = xw.Book.caller()
    step = schema.step(step_id)
    with _busy(book, step.label):
        result = runner.run_step(_live(book), step_id, _progress(book.app, step.label))
        book.sheets[step.sheet].activate()
        book.app.status_bar = f"xl-sop: {result.summary()}"


def run_forecast() -> None:
    _step("demand")


def balance_supply() -> None:
    _step("supply")


def reconcile() -> None:
    _step("reconcile")


def freeze_plan() -> None:
    _step("freeze")


def refresh_executive() -> None:
    _step("executive")


def refresh_kpis() -> None:
    _step("kpis")


def validate() -> None:
    book = xw.Book.caller()
    with _busy(book, "Validate"):
        live = _live(book)
        problems = validate_book(live)
        if "tblproblems" not in {name.lower() for name in live.table_names()}:
            raise ValidationError(problems)  # the Checks sheet itself is gone: say so in a message box
        live.write_table("tblProblems", problems_table(problems))
        book.sheets[schema.table("tblProblems").sheet].activate()
        book.app.status_bar = f"xl-sop: {len(problems)} problems found" if problems else "xl-sop: no problems found"


def undo_last_run() -> None:
    book = xw.Book.caller()
    with _busy(book, "Undo Last Run"):
        result = runner.undo_last_run(_live(book))
        book.app.status_bar = f"xl-sop: undid {result.step.label}"


def publish() -> None:
    """Save, then write the values-only copy (from the saved file) and Excel's own PDF of its pack sheets."""
    book = xw.Book.caller()
    with _busy(book, "Publish"):
        path = refuse_template(Path(book.fullname))
        book.save()
        published = publish_copy(path, path.parent / "published", pdf=False)
        pdf = published.workbook.with_suffix(".pdf")
        # Printed from the copy, as LibreOffice prints it: its stamp, the pack's order, the folded grids, the print areas.
        copy = book.app.books.open(str(published.workbook))
        try:
            copy.to_pdf(str(pdf), include=[name for name in PACK_SHEETS if name in [s.name for s in copy.sheets]])
        finally:
            copy.close()
        book.app.alert(f"Published {published.workbook.name} and {pdf.name} in {published.workbook.parent}",
                       title="xl-sop: Publish")


def collect_inputs() -> None:
    book = xw.Book.caller()
    with _busy(book, "Collect Inputs"):
        folder = Path(book.fullname).parent / RETURNED_FOLDER
        copies = sorted(p for p in folder.glob("*.xls[xm]") if not p.name.startswith("~$")) if folder.exists() else []
        if not copies:
            raise FileAccessError(f"no returned copies in {folder}: save the copies people sent back there")
        result = collect(_live(book), open_copies(copies), master_id=workbook_id(Path(book.fullname)))
        book.app.alert(result.summary(), title="xl-sop: Collect Inputs")


def upgrade_workbook() -> None:
    """Save, write "BOOK (upgraded).xlsm" beside the workbook (xl_sop.cycle.upgrade: the same as `xl-sop upgrade`)
    and open it; the workbook itself stays as it was."""
    book = xw.Book.caller()
    with _busy(book, "Upgrade"):
        path = refuse_template(Path(book.fullname))
        book.save()
        result = upgrade(path)
        if result.written is not None:
            book.app.books.open(str(result.written))
        book.app.alert(result.summary(), title="xl-sop: Upgrade")
