"""Collect Inputs: merge what people typed in returned copies of the workbook into the master.

Adjustments (the demand grid's typed rows and locks), approvals, decisions and issues come back in copies of the
published or the master workbook. A value changed in one copy is taken; the same
cell changed differently in two copies is not guessed: every value is listed in
tblConflicts for the meeting and the master keeps its own.

Every copy is read and checked before anything is merged: a copy published for another
cycle month, a copy of another workbook (its workbook id, xl_sop.workbook.identity, is
not the master's) or a copy that cannot be read stops the collect with a message naming
the file, and the master is left as it was. One bad copy stops them all rather than
being skipped: a collect that took some copies and not others would be easy to
mistake for a complete one, and running it again once the copy is removed or replaced
is safe.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from xl_sop import cells
from xl_sop.cycle.demand_view import Typed, contributors_from, typed_in, with_typed
from xl_sop.cycle.keep import key_frame, merge_rows, norm
from xl_sop.errors import FileAccessError, ForeignCopyError, about
from xl_sop.settings import read_settings
from xl_sop.workbook import schema
from xl_sop.workbook.book import Book
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.identity import workbook_id

KEYED_INPUTS = {"tblApproval": ("Name", "Approved", "Date", "Comment")}
GRID = schema.TableName.DEMAND_VIEW
Conflict = tuple[str, str, str, str, str]
"""A row of tblConflicts: Table, Key, Column, Source, Value."""
CellKey = tuple[str, str, str, pd.Timestamp | None]
"""A typed cell of the demand grid: Family, Item, Measure, Month (None for the row's Lock)."""
CONTRIBUTORS = schema.TableName.CONTRIBUTORS
ROW_INPUTS = ("tblDecisions", "tblOpenIssues")
KEYED_ROWS = {schema.TableName.EVENTS: ("Kind", "Item", "Family", "Region", "FromMonth"),
              schema.TableName.SCENARIO_INPUTS: ("Scenario", "Change", "AppliesTo", "FromMonth")}
"""Input tables whose rows are merged by key (an edited row replaces the master's, a new one is added once), and
the columns that say which row it is: an event is its kind, what it applies to and when it starts; a scenario row
is its scenario, its change, what it applies to and when it starts."""
SETTINGS = schema.TableName.SETTINGS


@dataclass(frozen=True)
class Returned:
    """A returned copy: its file name (for messages), its tables, and the workbook id it carries."""

    name: str
    book: Book
    workbook_id: str | None


@dataclass
class Collected:
    applied: int = 0
    added_rows: int = 0
    conflicts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=schema.table("tblConflicts").column_names))

    def summary(self) -> str:
        return (f"Collect Inputs: {self.applied} changed inputs taken, {self.added_rows} new rows added, "
                f"{self.conflicts['Key'].nunique() if len(self.conflicts) else 0} conflicts listed in tblConflicts")


def _key_text(keys: pd.Series) -> str:
    return " / ".join(f"{v:%b %Y}" if isinstance(v, pd.Timestamp) else str(v) for v in keys)


def collect(master: Book, copies: Sequence[Returned], *, master_id: str | None) -> Collected:
    """Merge inputs from the returned copies into the master book (written, not saved).

    ``master_id``: the master's workbook id (``identity.workbook_id`` of its file; None for a workbook made before
    ids). Every copy is read and checked first (``_checked``): a copy that does not belong stops the collect
    before the master is written.
    """
    read = _checked(master, copies, master_id)
    result = Collected()
    conflict_rows = []
    for name, columns in KEYED_INPUTS.items():
        spec = schema.table(name)
        key = spec.key or ("Role",)
        mine = master.read_table(name).reset_index(drop=True)
        if mine.empty:
            continue
        spec_keys = schema.Table(spec.name, spec.sheet, spec.columns, key=key)
        my_keys = key_frame(mine, spec_keys)
        position = {tuple(norm(v) for v in row): i for i, row in enumerate(my_keys.itertuples(index=False))}
        proposals: dict[tuple[int, str], dict[str, object]] = {}
        for copy_name, tables in read:
            theirs = tables[name]
            if theirs.empty:
                continue
            their_keys = key_frame(theirs, spec_keys)
            for j, row in enumerate(their_keys.itertuples(index=False)):
                i = position.get(tuple(norm(v) for v in row))
                if i is None:
                    continue
                for column in columns:
                    if column not in theirs or column not in mine:
                        continue
                    value = theirs[column].iloc[j]
                    if norm(value) != norm(mine[column].iloc[i]):
                        proposals.setdefault((i, column), {})[copy_name] = value
        changed = False
        for (i, column), by_copy in proposals.items():
            distinct = {norm(v) for v in by_copy.values()}
            if len(distinct) == 1:
                mine[column] = mine[column].astype(object)
                mine.at[i, column] = next(iter(by_copy.values()))
                result.applied += 1
                changed = True
            else:
                label = _key_text(my_keys.iloc[i])
                conflict_rows.append((name, label, column, "master (kept)", _show(mine[column].iloc[i])))
                conflict_rows += [(name, label, column, copy_name, _show(v)) for copy_name, v in by_copy.items()]
        if changed:
            master.write_table(name, mine)
    conflict_rows += _collect_grid(master, read, result)
    for name, key in KEYED_ROWS.items():
        conflict_rows += _collect_keyed_rows(master, name, key, read, result)
    for name in ROW_INPUTS:
        mine = master.read_table(name).reset_index(drop=True)
        merged = mine
        for _copy_name, tables in read:
            merged = merge_rows(merged, tables[name])
        if len(merged) > len(mine):
            result.added_rows += len(merged) - len(mine)
            master.write_table(name, merged)
    result.conflicts = pd.DataFrame(conflict_rows, columns=schema.table("tblConflicts").column_names)
    master.write_table("tblConflicts", result.conflicts)
    return result


def _collect_grid(master: Book, read: list[tuple[str, dict[str, pd.DataFrame]]], result: Collected) -> list[Conflict]:
    """Merge the typed cells of the copies' demand grids (contributor rows and Lock, by row labels and month) into
    the master's grid; returns the conflict rows. The figures they feed are recomputed by the next Run Forecast."""
    contributors, _problems = contributors_from(master.read_table(CONTRIBUTORS))
    grid = master.read_table(GRID).reset_index(drop=True)
    mine, _bad = typed_in(grid, contributors)
    cells_of = _typed_cells(mine)
    proposals: dict[CellKey, dict[str, object]] = {}
    for copy_name, tables in read:
        theirs, _their_bad = typed_in(tables[GRID], contributors)
        their_cells = _typed_cells(theirs)
        for key in set(cells_of) | set(their_cells):
            if norm(their_cells.get(key)) != norm(cells_of.get(key)):
                proposals.setdefault(key, {})[copy_name] = their_cells.get(key)
    conflicts: list[Conflict] = []
    taken = 0
    for key, by_copy in proposals.items():
        if len({norm(v) for v in by_copy.values()}) == 1:
            cells_of[key] = next(iter(by_copy.values()))
            taken += 1
        else:
            family, item, measure, month = key
            label = " / ".join(str(p) for p in (family, item, measure, f"{month:%b %Y}" if month is not None else None)
                               if p is not None)
            column = "Lock" if month is None else "Value"
            conflicts.append((GRID, label, column, "master (kept)", _show(cells_of.get(key))))
            conflicts += [(GRID, label, column, copy_name, _show(v)) for copy_name, v in by_copy.items()]
    result.applied += taken
    if taken:
        values = [(f, i, m, month, v) for (f, i, m, month), v in cells_of.items() if month is not None and v is not None]
        locks = [(f, i, m, v) for (f, i, m, month), v in cells_of.items() if month is None and v is not None]
        merged = Typed(pd.DataFrame(values, columns=["Family", "Item", "Measure", "Month", "Value"]),
                       pd.DataFrame(locks, columns=["Family", "Item", "Measure", "Lock"]))
        master.write_table(GRID, with_typed(grid, merged, contributors), headers=list(grid.columns))
    return conflicts


def _collect_keyed_rows(master: Book, name: str, key: tuple[str, ...], read: list[tuple[str, dict[str, pd.DataFrame]]],
                        result: Collected) -> list[Conflict]:
    """Merge the rows of the input table ``name`` from the copies into the master's by ``key``; the conflict rows.

    A copy's row with a master row's key is an edit of it: each changed cell is taken when the copies that changed it
    agree, else listed (the master keeps its own). A row whose key is new and that stands where a master row stands
    whose key the copy no longer has is that row with its key edited (an event moved to another month): an edit too,
    not a second event. Any other new row is added once; two copies adding the same key with different cells are
    listed and neither is added. Rows a copy deleted stay in the master."""
    if name.lower() not in {n.lower() for n in master.table_names()}:
        return []  # a master made by an older xl-sop: `xl-sop upgrade` adds the table
    spec = schema.table(name)
    header_row = schema.table_origin(spec)[0]
    mine = master.read_table(name).reset_index(drop=True).astype(object)
    my_keys = [_row_key(mine, i, key) for i in range(len(mine))]
    position: dict[tuple[object, ...], list[int]] = {}
    for i, k in enumerate(my_keys):  # a key typed twice: the copy's first such row is the master's first, and so on
        position.setdefault(k, []).append(i)
    edits: dict[tuple[int, str], dict[str, object]] = {}
    added: dict[tuple[object, ...], dict[str, pd.Series]] = {}
    for copy_name, tables in read:
        theirs = tables.get(name)
        if theirs is None or theirs.empty:
            continue
        their_keys = [_row_key(theirs, j, key) for j in range(len(theirs))]
        kept = set(their_keys)
        seen: dict[tuple[object, ...], int] = {}
        for j, k in enumerate(their_keys):
            if all(v is None for v in k):
                continue
            nth = seen[k] = seen.get(k, -1) + 1
            same = position.get(k, [])
            at = same[nth] if nth < len(same) else None
            if at is None and j < len(mine) and my_keys[j] not in kept:
                at = j  # the same row, its key edited
            if at is None:
                added.setdefault(k, {})[copy_name] = theirs.iloc[j]
                continue
            for column in mine.columns:
                if column in theirs and norm(theirs[column].iloc[j]) != norm(mine[column].iloc[at]):
                    edits.setdefault((at, column), {})[copy_name] = theirs[column].iloc[j]
    conflicts: list[Conflict] = []
    changed = False
    for (i, column), by_copy in edits.items():
        if len({norm(v) for v in by_copy.values()}) == 1:
            mine.at[i, column] = next(iter(by_copy.values()))
            result.applied += 1
            changed = True
            continue
        label = f"{spec.sheet} row {header_row + 1 + i}: {_row_label(mine.iloc[i], key)}"
        conflicts.append((name, label, column, "master (kept)", _show(mine.at[i, column])))
        conflicts += [(name, label, column, copy_name, _show(v)) for copy_name, v in by_copy.items()]
    new_rows: list[pd.Series] = []
    for offers in added.values():
        rows = [r.reindex(mine.columns) for r in offers.values()]
        differ = [c for c in mine.columns if len({norm(r[c]) for r in rows}) > 1]
        if not differ:
            new_rows.append(rows[0])
            continue
        label = f"{spec.sheet} new row: {_row_label(rows[0], key)}"
        for column in differ:
            conflicts.append((name, label, column, "master (not added)", "(no row)"))
            conflicts += [(name, label, column, copy_name, _show(r[column]))
                          for copy_name, r in zip(offers, rows, strict=True)]
    if new_rows:
        mine = pd.concat([mine, pd.DataFrame(new_rows)], ignore_index=True)
        result.added_rows += len(new_rows)
    if changed or new_rows:
        master.write_table(name, mine)
    return conflicts


def _row_key(frame: pd.DataFrame, j: int, key: tuple[str, ...]) -> tuple[object, ...]:
    """The key of a table's row ``j`` in comparable form (blank columns, and columns the table lacks, as None)."""
    lookup = {str(c).lower(): c for c in frame.columns}
    return tuple(norm(frame[lookup[c.lower()]].iloc[j]) if c.lower() in lookup else None for c in key)


def _row_label(row: pd.Series, key: tuple[str, ...]) -> str:
    """The filled key cells of a row, as tblConflicts names it: "promotion / BEV-1000 / Jun 2027"."""
    lookup = {str(c).lower(): c for c in row.index}
    return _key_text(pd.Series([row[lookup[c.lower()]] for c in key
                                if c.lower() in lookup and not cells.is_blank(row[lookup[c.lower()]])]))


def _typed_cells(typed: Typed) -> dict[CellKey, object]:
    """{(Family, Item, Measure, Month): value} of typed numbers and {(Family, Item, Measure, None): lock}."""
    out: dict[CellKey, object] = {(f, i, m, month): v for f, i, m, month, v in typed.values.itertuples(index=False)}
    out.update({(f, i, m, None): lock for f, i, m, lock in typed.locks.itertuples(index=False)})
    return out


def _checked(master: Book, copies: Sequence[Returned], master_id: str | None,
             ) -> list[tuple[str, dict[str, pd.DataFrame]]]:
    """[(name, {table: frame})] of every copy, read whole before anything is merged.

    A copy that cannot be read stops here with its own error, naming the file; copies of another cycle month or
    another workbook stop here all together, one line each (ForeignCopyError).
    """
    month = read_settings(master.read_table(SETTINGS)).cycle_month
    read, foreign = [], []
    for copy in copies:
        with _reading(copy.name):
            tables = {name: copy.book.read_table(name).reset_index(drop=True)
                      for name in (SETTINGS, *KEYED_INPUTS, *ROW_INPUTS, GRID)}
            have = {n.lower() for n in copy.book.table_names()}
            # Events and scenario rows: absent from a copy made by an older xl-sop, which then changed none of them
            tables |= {name: copy.book.read_table(name).reset_index(drop=True) for name in KEYED_ROWS
                       if name.lower() in have}
        why = _foreign(read_settings(tables[SETTINGS]).cycle_month, month, copy.workbook_id, master_id)
        if why:
            foreign.append(f"{copy.name} {why}")
        read.append((copy.name, tables))
    if len(foreign) == 1:
        raise ForeignCopyError(f"{foreign[0]}; nothing was collected")
    if foreign:
        lines = "\n".join(f"  - {line}" for line in foreign)
        raise ForeignCopyError(f"{len(foreign)} returned copies do not belong to this workbook; nothing was "
                               f"collected:\n{lines}")
    return read


def _foreign(their_month: pd.Timestamp | None, month: pd.Timestamp | None, their_id: str | None,
             master_id: str | None) -> str:
    """Why a copy does not belong to the master (its cycle month, its workbook id), or "" when it does."""
    if master_id is not None and their_id != master_id:
        if their_id is None:
            return ("is not a copy of this workbook: it carries no workbook id (made from another workbook, "
                    "or published by an xl-sop older than this master)")
        return "is a copy of another workbook (its workbook id is not this workbook's)"
    if master_id is None and their_id is not None:
        return "is a copy of another workbook (it carries a workbook id, this workbook has none)"
    if their_month != month:
        return (f"was published for cycle month {_month(their_month)}, this workbook is at {_month(month)}: "
                "its inputs are for another plan (collect copies of the current publish)")
    return ""


def _month(month: pd.Timestamp | None) -> str:
    return f"{month:%b %Y}" if month is not None else "(blank)"


def _show(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return "(blank)"
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def open_copies(paths: Iterable[str | Path]) -> list[Returned]:
    """The returned copies at ``paths``; a file that is missing or no workbook stops here, named."""
    copies: list[Returned] = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise FileAccessError(f"no returned copy at {path}")
        with _reading(path.name):
            copies.append(Returned(path.name, FileBook(path), workbook_id(path)))
    return copies


@contextlib.contextmanager
def _reading(name: str) -> Iterator[None]:
    """Whatever stops the reading of a returned copy (a missing table, a damaged file) is said with its file name."""
    try:
        yield
    except Exception as exc:
        raise about(name, exc) from exc
