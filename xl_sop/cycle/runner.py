"""Running a step on a book: check the inputs, compute, keep what was replaced, write, record the status.

The same function serves the ribbon (an XlwingsBook) and the command line (a
FileBook): what is tested headless is what runs in Excel. Nothing is written
unless the inputs are clean and the step has computed every table, so a step that
fails leaves the book as it was; FileBook.save replaces the file in one move.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from xl_sop.cycle.demand_view import carry_typed, contributors_from, family_lock_note, history_typed_note
from xl_sop.cycle.freshness import TRACKED, Memo, mark_stale, record_inputs, remember, watched
from xl_sop.cycle.grids import outline_levels
from xl_sop.cycle.inputs import Inputs, book_problems, load_inputs, scenario_problems
from xl_sop.cycle.keep import carry_inputs, kept_columns, merge_rows
from xl_sop.cycle.plan import Progress, consensus, consensus_cut_note
from xl_sop.cycle.review import approved_by, missing_approvals
from xl_sop.cycle.steps import inputs_of, step_record
from xl_sop.cycle.undo import UNDO_TABLE, grid_headers, stored_tables, undo_rows
from xl_sop.errors import InputError, ValidationError
from xl_sop.workbook import schema
from xl_sop.workbook.book import Book
from xl_sop.workbook.schema import TableName as T

STATUS_TABLE = schema.TableName.STEP_STATUS
ProgressFor = Callable[[schema.Step], Progress]
"""The progress callback for a step (the command line draws a bar per step)."""


@dataclass
class StepResult:
    step: schema.Step
    rows: dict[str, int] = field(default_factory=dict)
    """Rows written per table."""
    note: str = ""

    def summary(self) -> str:
        written = ", ".join(f"{name} ({n} rows)" for name, n in self.rows.items())
        return f"{self.step.label}: wrote {written}" + (f". {self.note}" if self.note else "")


def run_step(book: Book, step_id: str, progress: Progress | None = None, now: pd.Timestamp | None = None,
             inputs: Inputs | None = None, *, force: bool = False) -> StepResult:
    """Run one step of the cycle on the book; raises (writing nothing) when inputs have problems.

    ``inputs``: the book's checked input tables, when the caller has them already (no step writes them); otherwise
    the input tables the step reads are read and checked, and only those.
    ``force``: Freeze Plan without the approvals Settings require (the archive says whose were missing).
    """
    inputs = inputs if inputs is not None else load_inputs(book, inputs_of([step_id]))
    check_steps(book, [step_id], inputs)
    return _run_checked(book, step_id, progress, now, inputs, force)


def _run_checked(book: Book, step_id: str, progress: Progress | None, now: pd.Timestamp | None,
                 inputs: Inputs, force: bool = False, fingerprints: Memo | None = None) -> StepResult:
    """``fingerprints``: those of the tables the command has taken already (a step of run all), kept up to date."""
    fingerprints = {} if fingerprints is None else fingerprints
    record = step_record(step_id)
    step = record.face
    now = now or pd.Timestamp.now().floor("min")
    current = {name: book.read_table(name) for name in dict.fromkeys((*record.reads, *record.writes))}
    if step.id in TRACKED:  # what the step reads and does not write, fingerprinted from what was just read
        read = {**inputs.raw, **current}
        remember(fingerprints, book, {name: read[name] for name in watched(step.id)
                                      if name in read and name not in record.writes})
    missing = missing_approvals(inputs.settings.approvals_required, current) if step.id == "freeze" else []
    if missing and not force:
        raise InputError(f"{step.label}: the approval of {', '.join(missing)} is missing (Settings: Approvals required). "
                         f"Record it on {schema.table(T.APPROVAL).sheet}, table {T.APPROVAL}: Name, Approved = Yes, "
                         "Date; or freeze without it from the command line: xl-sop freeze BOOK --force. "
                         "Nothing was frozen")
    new = record.compute(inputs, current, progress, now)
    note = ""
    if step.id == "freeze":
        approvers = approved_by(current)
        note = (f"approved by {', '.join(approvers)}" if approvers
                else "frozen without a recorded approval (5 Executive, tblApproval)")
        if missing:
            note += f"; forced without the approval of {', '.join(missing)}"
    if step.id == "demand":
        note = consensus_cut_note(new[T.DEMAND_PLAN])
        typed_past = history_typed_note(new[T.DEMAND_VIEW], current.get(T.CONTRIBUTORS), inputs.settings.cycle_month)
        note = "; ".join(n for n in (note, typed_past, family_lock_note(new[T.DEMAND_VIEW])) if n)
    written = {UNDO_TABLE: undo_rows(step.id, {name: current[name] for name in record.writes}), **new}
    for name in (*written, STATUS_TABLE, T.STEP_INPUTS):  # what this step writes is fingerprinted again when asked
        fingerprints.pop(name, None)
    _write_all(book, written)
    result = StepResult(step, {name: len(frame) for name, frame in new.items()}, note)
    _status(book, step, now, "done" + (f": {note}" if note else ""))
    record_inputs(book, step.id, fingerprints, written=new)  # the grid Run Forecast rewrote is not read back
    mark_stale(book, fingerprints)
    return result


def _write_all(book: Book, tables: dict[str, pd.DataFrame]) -> None:
    """Write the tables in order, once every one of them is known to fit: a table that would grow over someone's
    cells stops the step before its first write, in Excel as on a file. A grid table takes the frame's columns."""
    headers = {name: grid_headers(name, frame) for name, frame in tables.items()}
    for name, frame in tables.items():
        if headers[name] is None:
            book.check_room(name, len(frame))
        else:
            book.check_room(name, len(frame), headers[name])
    for name, frame in tables.items():
        if headers[name] is None:
            book.write_table(name, frame)
        else:
            book.write_table(name, frame, headers[name])
            book.group_rows(name, outline_levels(frame))


def check_steps(book: Book, step_ids: Iterable[str], inputs: Inputs) -> None:
    """Raise ValidationError when any of the steps would meet a problem: bad input, a missing
    table or column, a word in a typed number column. Called before anything is written."""
    steps = [step_record(s) for s in step_ids]
    problems = inputs.problems_in(schema.TableName.SETTINGS, *(name for s in steps for name in s.checks))
    problems += book_problems(book, [name for s in steps for name in (*s.writes, *s.reads, UNDO_TABLE, STATUS_TABLE)])
    if any(T.SCENARIO_INPUTS in s.reads for s in steps):  # typed rows a late step computes: checked before any writes
        problems += scenario_problems(book, inputs)
    if problems:
        raise ValidationError(problems, steps[0].face.label if len(steps) == 1 else "The cycle")


def run_steps(book: Book, step_ids: Sequence[str], progress_for: ProgressFor | None = None,
              now: pd.Timestamp | None = None) -> list[StepResult]:
    """Several steps in order; progress_for(step) gives a progress callback. Every step's tables are
    checked first, so a problem for a late step stops the run before an early step writes. The input
    tables the steps read are read and checked once (steps write only output tables), and a table's fingerprint
    (freshness) is taken once until a step writes it."""
    inputs = load_inputs(book, inputs_of(step_ids))
    check_steps(book, step_ids, inputs)
    fingerprints: Memo = {}
    return [_run_checked(book, step_id, progress_for(schema.step(step_id)) if progress_for else None, now, inputs,
                         fingerprints=fingerprints) for step_id in step_ids]


def run_all(book: Book, progress_for: ProgressFor | None = None, now: pd.Timestamp | None = None) -> list[StepResult]:
    """Every step but Freeze Plan, in order (schema.RUN_ALL)."""
    return run_steps(book, schema.RUN_ALL, progress_for, now)


def undo_last_run(book: Book, now: pd.Timestamp | None = None) -> StepResult:
    """Put back the output tables the last step replaced; what people typed since stays."""
    step_id, tables = stored_tables(book.read_table(UNDO_TABLE))
    step = schema.step(step_id)
    restored_tables = {}
    for name, old in tables.items():
        current = book.read_table(name)
        spec = schema.table(name)
        if name == T.DEMAND_VIEW:  # the grid: what was typed since goes back into its cells
            contributors, _problems = contributors_from(book.read_table(T.CONTRIBUTORS))
            restored = carry_typed(old, current, contributors)
        elif spec.key and (any(c.input for c in spec.columns) or (not spec.grid and kept_columns(current, spec))):
            # typed columns, and a column a user added (a note beside tblDemandPlan, which has no typed column);
            # a grid's month columns are its own, not a user's
            restored = carry_inputs(current, old, spec)
        elif any(c.input for c in spec.columns):
            restored = merge_rows(old, current)
        else:
            restored = old
        if name == T.DEMAND_PLAN and len(restored):
            restored["Consensus"] = consensus(restored)
        if spec.grid:  # the months it had: its columns go back with its rows
            restored = restored.reindex(columns=old.columns)
        restored_tables[name] = restored
    _write_all(book, {**restored_tables, UNDO_TABLE: pd.DataFrame(columns=schema.table(UNDO_TABLE).column_names)})
    rows = {name: len(frame) for name, frame in restored_tables.items()}
    _status(book, step, now or pd.Timestamp.now().floor("min"), "undone: the tables are as before the last run")
    mark_stale(book)
    return StepResult(step, rows, "undone")


def _status(book: Book, step: schema.Step, when: pd.Timestamp, text: str) -> None:
    status = book.read_table(STATUS_TABLE)
    if status.empty or "Step" not in status:
        status = pd.DataFrame([(s.label, s.sheet, s.label, None, "not run yet") for s in schema.STEPS],
                              columns=schema.table(STATUS_TABLE).column_names)
    status = status.reset_index(drop=True)
    match = status["Step"] == step.label
    if not match.any():
        status.loc[len(status)] = [step.label, step.sheet, step.label, None, None]
        match = status["Step"] == step.label
    status["LastRun"] = pd.to_datetime(status["LastRun"], errors="coerce").astype(object)
    status.loc[match, "LastRun"] = when
    status.loc[match, "Status"] = text
    book.write_table(STATUS_TABLE, status)
