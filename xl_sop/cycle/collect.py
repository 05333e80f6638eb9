"""Collect Inputs: merge what people typed in returned copies of the workbook into the master.

Adjustments, comments, approvals, decisions and issues come back in copies of the
published or the master workbook. A value changed in one copy is taken; the same
cell changed differently in two copies is not guessed: every value is listed in
tblConflicts for the meeting and the master keeps its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from xl_sop.cycle.keep import key_frame, merge_rows, norm
from xl_sop.cycle.plan import consensus
from xl_sop.errors import FileAccessError
from xl_sop.workbook import schema
from xl_sop.workbook.book import Book
from xl_sop.workbook.filebook import FileBook

KEYED_INPUTS = {"tblDemandPlan": ("SalesAdj", "MarketingAdj", "Comment"),
                "tblApproval": ("Name", "Approved", "Date", "Comment")}
ROW_INPUTS = ("tblDecisions", "tblOpenIssues")


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


def collect(master: Book, copies: Sequence[tuple[str, Book]]) -> Collected:
    """Merge inputs from copies [(name, book)] into the master book (written, not saved)."""
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
        for copy_name, book in copies:
            theirs = book.read_table(name).reset_index(drop=True)
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
            if name == "tblDemandPlan":
                mine["Consensus"] = consensus(mine)
            master.write_table(name, mine)
    for name in ROW_INPUTS:
        mine = master.read_table(name).reset_index(drop=True)
        merged = mine
        for _copy_name, book in copies:
            merged = merge_rows(merged, book.read_table(name).reset_index(drop=True))
        if len(merged) > len(mine):
            result.added_rows += len(merged) - len(mine)
            master.write_table(name, merged)
    result.conflicts = pd.DataFrame(conflict_rows, columns=schema.table("tblConflicts").column_names)
    master.write_table("tblConflicts", result.conflicts)
    return result


def _show(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return "(blank)"
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def open_copies(paths: Iterable[str | Path]) -> list[tuple[str, FileBook]]:
    books: list[tuple[str, FileBook]] = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise FileAccessError(f"no returned copy at {path}")
        books.append((path.name, FileBook(path)))
    return books
