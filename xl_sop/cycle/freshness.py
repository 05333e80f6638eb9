"""What each step was computed from, and which steps are stale.

When a step of "run all" runs, the runner records a fingerprint of every table it read (its input tables, the
earlier steps' tables and Settings) in tblStepInputs (the hidden Undo sheet). A step is stale when

- a table it read no longer has the fingerprint it had when the step ran (an input changed, an earlier step was
  run again or undone with other results), or
- a step that writes a table it reads ran after it (Run Forecast run again after Balance Supply).

mark_stale writes "stale: <why>" as the Status of such steps in tblStepStatus (and "done" back when the tables are
as they were); not_current lists every step of "run all" that is stale, undone or never run, for Publish.
Freeze Plan is a snapshot, not a computation: it is never stale, and the plan archive counts, for the steps that
read it, only in the versions of earlier cycles (freezing this cycle leaves them current).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from xl_sop.cycle.steps import step_record
from xl_sop.frames import month_start
from xl_sop.workbook import schema
from xl_sop.workbook.book import Book
from xl_sop.workbook.schema import TableName as T

TRACKED = schema.RUN_ALL
"""The steps whose freshness is kept: those of "run all"."""
DONE = "done"


def watched(step_id: str) -> tuple[str, ...]:
    """The tables whose change makes the step stale: Settings, its input tables and the step tables it reads, but
    not those it reads only to keep what people typed (StepRecord.kept_only)."""
    record = step_record(step_id)
    return tuple(name for name in dict.fromkeys((T.SETTINGS, *record.checks, *record.reads))
                 if name not in record.kept_only)


def fingerprint(frame: pd.DataFrame, cycle: pd.Timestamp | None = None, name: str = "") -> str:
    """A short hash of a table's contents: its columns and cells as read back (numbers to 10 significant digits,
    dates as ISO text, blanks as nothing; rows in any order), so the same table gives the same fingerprint on a file and in Excel.
    Settings: without NOT_PLAN_SETTINGS. Plan archive: only the versions frozen before the cycle month."""
    frame = frame.reset_index(drop=True)
    if name == T.SETTINGS and "Setting" in frame:
        frame = frame[~frame["Setting"].astype(str).str.strip().str.lower().isin(
            [s.lower() for s in schema.NOT_PLAN_SETTINGS])]
    if name == T.PLAN_ARCHIVE and cycle is not None and "PlanMonth" in frame:
        frame = frame[month_start(frame["PlanMonth"]) < cycle]
    digest = hashlib.sha1("\x1f".join(str(c).strip().lower() for c in frame.columns).encode())
    shown = [_cells(frame.iloc[:, k]) for k in range(frame.shape[1])]
    lines = list(map("\x1f".join, zip(*shown, strict=True))) if shown else [""] * len(frame)
    # in any order: a sorted table is the same table
    digest.update("".join("\x1e" + line for line in sorted(lines)).encode())
    return digest.hexdigest()[:16]


def _number_texts(values: np.ndarray) -> list[str]:
    """Each figure as "{:.10g}" shows it ("" for NaN); whole ones of up to 10 digits, most of a plan, converted at
    once (the same text: %.10g prints them as integers), the rest one by one."""
    blank = np.isnan(values)
    with np.errstate(invalid="ignore"):
        whole = (~blank & (values == np.round(values)) & (np.abs(values) < 1e10)
                 & ~((values == 0) & np.signbit(values)))  # -0 prints as "-0"
    shown = np.full(len(values), "", dtype=object)
    shown[whole] = values[whole].astype(np.int64).astype(str).astype(object)
    rest = ~blank & ~whole
    shown[rest] = list(map("{:.10g}".format, values[rest].tolist()))
    return list(shown)


def _cells(column: pd.Series) -> list[str]:
    """_cell of every value of the column, a column of one type at once."""
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) and not column.hasnans:
        return [str(v) for v in column.tolist()]
    if pd.api.types.is_float_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return _number_texts(column.to_numpy(dtype=float, na_value=np.nan))
    if isinstance(dtype, np.dtype) and dtype.kind == "M":  # datetime64 without a time zone
        stamps = column.to_numpy()
        if not (stamps.astype("datetime64[s]") != stamps).any():  # whole seconds, as isoformat shows them
            # each distinct date formatted once (a column of months holds a few dozen)
            codes, distinct = pd.factorize(column)
            texts = np.array([*distinct.strftime("%Y-%m-%dT%H:%M:%S"), ""], dtype=object)
            return list(texts[codes])  # code -1 (a blank) takes the last: ""
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        return list(column.str.strip().to_numpy(dtype=object, na_value=""))
    # a column of mixed cells (a grid's month column: numbers and blanks; its Lock column: text and blanks): numbers,
    # text and blanks each at once, anything else by _cell
    values = column.tolist()
    kinds = list(map(type, values))
    shown = np.empty(len(values), dtype=object)
    numbers = np.array([kind in _NUMBERS for kind in kinds], dtype=bool)
    if numbers.any():
        shown[numbers] = _number_texts(np.array([v for v, n in zip(values, numbers, strict=True) if n], dtype=float))
    for k in np.flatnonzero(~numbers).tolist():
        value = values[k]
        shown[k] = "" if value is None else str(value).strip() if kinds[k] is str else _cell(value)
    return list(shown)


_NUMBERS = frozenset((float, int, np.float64, np.int64))
"""Cell types shown as numbers by _cell (exactly these: a bool is shown as True/False)."""


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return f"{float(value):.10g}"
    if isinstance(value, pd.Timestamp) or hasattr(value, "isoformat"):
        try:
            return str(pd.Timestamp(value).isoformat())
        except (TypeError, ValueError):
            return str(value)
    return str(value).strip()


def _cycle(book: Book) -> pd.Timestamp | None:
    settings = book.read_table(T.SETTINGS)
    if "Setting" not in settings or "Value" not in settings:
        return None
    row = settings[settings["Setting"].astype(str).str.strip().str.lower() == "cycle month"]
    if row.empty:
        return None
    month = month_start(row["Value"]).iloc[0]
    return None if pd.isna(month) else month


Memo = dict[str, str]
"""Fingerprints already taken in one command, by table: whoever writes a table in that command drops its entry
(runner.py does), so a table that did not change is read and fingerprinted once per command, not once per step."""


def remember(memo: Memo, book: Book, frames: dict[str, pd.DataFrame]) -> None:
    """Put the fingerprints of tables just read from the book (``frames``, as read_table gave them) in the memo, so
    that they are not read again: for tables the command does not write."""
    new = {name: frame for name, frame in frames.items() if name not in memo}
    if new:
        cycle = _cycle(book)
        memo.update({name: fingerprint(frame, cycle, name) for name, frame in new.items()})


def current_fingerprints(book: Book, names: list[str] | tuple[str, ...], memo: Memo | None = None) -> dict[str, str]:
    memo = {} if memo is None else memo
    wanted = [name for name in dict.fromkeys(names) if name not in memo]
    if wanted:
        have = {n.lower() for n in book.table_names()}
        cycle = _cycle(book)
        memo.update({name: fingerprint(book.read_table(name), cycle, name) if name.lower() in have else "missing"
                     for name in wanted})
    return {name: memo[name] for name in dict.fromkeys(names)}


def _tracking(book: Book) -> bool:
    """Workbooks made before step inputs were recorded have no tblStepInputs: nothing is tracked in them."""
    return T.STEP_INPUTS.lower() in {n.lower() for n in book.table_names()}


def record_inputs(book: Book, step_id: str, memo: Memo | None = None,
                  written: dict[str, pd.DataFrame] | None = None) -> None:
    """Keep the fingerprints of the tables the step read (after it wrote: a table it rewrites counts as it left it).
    ``written``: the tables the step just wrote, fingerprinted as written instead of read back (the fingerprint is
    of cells as read back: a frame written and the table read back from it give the same one, tested)."""
    if step_id not in TRACKED or not _tracking(book):
        return
    memo = {} if memo is None else memo
    if written:
        rewritten = {name: frame for name, frame in written.items() if name in watched(step_id)}
        if rewritten:
            remember(memo, book, rewritten)
    label = schema.step(step_id).label
    rows = pd.DataFrame([(label, name, print_) for name, print_ in current_fingerprints(book, watched(step_id), memo).items()],
                        columns=schema.table(T.STEP_INPUTS).column_names)
    old = book.read_table(T.STEP_INPUTS)
    if not old.empty and "Step" in old:
        old = old[old["Step"].astype(str) != label].reindex(columns=rows.columns)
        rows = pd.concat([old, rows], ignore_index=True) if len(old) else rows
    book.write_table(T.STEP_INPUTS, rows)


def stale_steps(book: Book, memo: Memo | None = None) -> dict[str, str]:
    """{step id: why} for each step of "run all" that ran ("done" or already stale) and is stale now."""
    if not _tracking(book):
        return {}
    status = book.read_table(T.STEP_STATUS)
    recorded = book.read_table(T.STEP_INPUTS)
    if status.empty or recorded.empty or "Step" not in status:
        return {}
    by_label = status.set_index(status["Step"].astype(str))
    last_run = pd.to_datetime(by_label["LastRun"], errors="coerce")
    text = by_label["Status"].astype(str).str.strip().str.lower()
    ran = [s for s in TRACKED if schema.step(s).label in by_label.index
           and text[schema.step(s).label].startswith((DONE, schema.STALE))]
    now = current_fingerprints(book, [name for s in ran for name in watched(s)], memo)
    stale = {}
    for s in ran:
        label = schema.step(s).label
        before = recorded[recorded["Step"].astype(str) == label].set_index("Table")["Fingerprint"].astype(str)
        changed = [name for name in watched(s) if name in before.index and before[name] != now[name]]
        reasons = [f"{', '.join(changed)} changed since it ran"] if changed else []
        for upstream in TRACKED:
            up = schema.step(upstream).label
            if (upstream != s and up in by_label.index and set(step_record(upstream).writes) & set(watched(s))
                    and pd.notna(last_run[up]) and pd.notna(last_run[label]) and last_run[up] > last_run[label]):
                reasons.append(f"{up} ran after it")
        if reasons:
            stale[s] = "; ".join(reasons)
    return stale


def mark_stale(book: Book, memo: Memo | None = None) -> dict[str, str]:
    """Write "stale: why" as the Status of every stale step (and "done" back on a step no longer stale);
    returns stale_steps."""
    stale = stale_steps(book, memo)
    status = book.read_table(T.STEP_STATUS)
    if status.empty or "Step" not in status:
        return stale
    status = status.reset_index(drop=True)
    changed = False
    for s in TRACKED:
        match = status["Step"].astype(str) == schema.step(s).label
        if not match.any():
            continue
        old = str(status.loc[match, "Status"].iloc[0])
        new = f"{schema.STALE}: {stale[s]}" if s in stale else (DONE if old.startswith(schema.STALE) else old)
        if new != old:
            status.loc[match, "Status"] = new
            changed = True
    if changed:
        status["LastRun"] = pd.to_datetime(status["LastRun"], errors="coerce").astype(object)
        book.write_table(T.STEP_STATUS, status)
    return stale


def not_current(book: Book) -> list[str]:
    """Every step of "run all" a final publish cannot stand on, one line each: never run, undone, or stale."""
    status = book.read_table(T.STEP_STATUS)
    by_label = status.set_index(status["Step"].astype(str)) if "Step" in status else pd.DataFrame()
    stale = stale_steps(book)
    lines = []
    for s in TRACKED:
        label = schema.step(s).label
        text = str(by_label.loc[label, "Status"]).strip() if label in by_label.index else ""
        if s in stale:
            lines.append(f"{label} is stale ({stale[s]})")
        elif not text.lower().startswith(DONE):
            lines.append(f"{label} has not run" if not text or text.lower() in ("not run yet", "nan", "none")
                         else f"{label}: {text}")
    return lines
