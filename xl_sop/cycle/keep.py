"""Keeping what people typed when a step rewrites a table.

A rewritten table keeps, row by row (matched on the schema key), its input
columns and any column a user added; rows that no longer exist in the new
result but hold something typed are kept at the bottom, so nothing typed is
ever lost. Tables without a key (issue lists) keep every typed row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xl_sop import cells
from xl_sop.workbook import schema


def _filled(frame: pd.DataFrame, cols: list[str]) -> pd.Series:
    if not cols:
        return pd.Series(False, index=frame.index)
    part = frame[cols]
    return ~part.apply(lambda c: c.map(cells.is_blank)).all(axis=1)


def key_frame(frame: pd.DataFrame, spec: schema.Table) -> pd.DataFrame:
    keys = pd.DataFrame(index=frame.index)
    for k in spec.key:
        column = spec.column(k)
        if column.format in (schema.MONTH, schema.DATE):
            keys[k] = cells.date_column(frame[k], to_month=column.format == schema.MONTH)[0]
        else:
            keys[k] = frame[k].map(cells.text)
    return keys


def kept_columns(old: pd.DataFrame, spec: schema.Table) -> list[str]:
    """Columns of the old table that a run must keep: the schema's inputs and any a user added."""
    known = {c.lower() for c in spec.column_names}
    inputs = [c.name for c in spec.columns if c.input]
    added = [c for c in old.columns if str(c).lower() not in known]
    return [c for c in old.columns if c in inputs or c in added]


def carry_inputs(old: pd.DataFrame, new: pd.DataFrame, spec: schema.Table,
                 orphan_note: tuple[str, str] | None = None) -> pd.DataFrame:
    """``new`` with the input and user-added columns of ``old`` carried over by key.

    Old rows whose key is not in ``new`` but that hold typed values are appended
    (with ``orphan_note`` = (column, text) set, to say why they are there).
    """
    keep = kept_columns(old, spec)
    if old.empty or not keep or not spec.key:
        out = new.copy()
        for c in keep:
            if c not in out:
                out[c] = None
        return out
    old_keys, new_keys = key_frame(old, spec), key_frame(new, spec)
    carried = pd.concat([old_keys, old[keep]], axis=1).drop_duplicates(list(spec.key), keep="last")
    base = new.drop(columns=[c for c in keep if c in new], errors="ignore")
    merged = pd.concat([new_keys.reset_index(drop=True), base.drop(columns=list(spec.key)).reset_index(drop=True)], axis=1)
    merged = merged.merge(carried, on=list(spec.key), how="left")
    merged = merged[[*base.columns, *[c for c in keep if c not in base.columns]]]
    presence = old_keys.merge(new_keys.drop_duplicates(), on=list(spec.key), how="left", indicator=True)["_merge"]
    matched = presence.to_numpy() == "both"
    orphans = old[~matched & _filled(old, keep).to_numpy()]
    if len(orphans):
        orphans = orphans.copy()
        if orphan_note is not None:
            orphans[orphan_note[0]] = orphan_note[1]
        merged = pd.concat([merged, orphans[[c for c in merged.columns if c in orphans]]], ignore_index=True)
    return merged


def merge_rows(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``old`` (typed by people) followed by rows of ``new`` that are not already there."""
    if old.empty:
        return new.reset_index(drop=True)
    cols = list(dict.fromkeys([*old.columns, *new.columns]))
    seen = {tuple(norm(v) for v in row) for row in old.reindex(columns=cols).itertuples(index=False)}
    fresh = [i for i, row in enumerate(new.reindex(columns=cols).itertuples(index=False))
             if tuple(norm(v) for v in row) not in seen]
    return pd.concat([old.reindex(columns=cols), new.reindex(columns=cols).iloc[fresh]], ignore_index=True)


def norm(value: object) -> str | float | None:
    """A cell value in a form that compares equal across books (dates as text, numbers rounded)."""
    if cells.is_blank(value):
        return None
    if isinstance(value, pd.Timestamp):
        return str(value.isoformat())
    if isinstance(value, (int, float, np.integer, np.floating)):
        return round(float(value), 9)
    return str(value).strip()
