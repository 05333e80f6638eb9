"""The undo store: what the last step replaced, kept inside the workbook (table tblUndo).

Stored in the workbook itself so Undo Last Run works the same in Excel and
headless, on any copy. Each replaced table is JSON (pandas "split" layout),
cut into parts that fit a cell (Excel holds at most 32,767 characters per cell).
"""

from __future__ import annotations

import json

import pandas as pd

from xl_sop.errors import StepOrderError
from xl_sop.workbook import schema
from xl_sop.workbook.schema import TableName as T

UNDO_TABLE = T.UNDO
PART_SIZE = 32_000


def grid_headers(name: str, frame: pd.DataFrame) -> list[str] | None:
    """The columns a grid table is written with (its own: the months move with the cycle); None for any other."""
    try:
        spec = schema.table(name)
    except KeyError:
        return None
    return [str(c) for c in frame.columns] if spec.grid else None


def undo_rows(step_id: str, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    rows = []
    for name, frame in tables.items():
        text = frame.reset_index(drop=True).to_json(orient="split", date_format="iso", index=False)
        for part in range(0, max(len(text), 1), PART_SIZE):
            rows.append((step_id, name, part // PART_SIZE + 1, text[part:part + PART_SIZE]))
    return pd.DataFrame(rows, columns=schema.table(UNDO_TABLE).column_names)


def stored_tables(store: pd.DataFrame) -> tuple[str, dict[str, pd.DataFrame]]:
    """(step id, {table: frame}) from the undo table; an empty store is an error saying so."""
    if store.empty:
        raise StepOrderError("there is nothing to undo: no step has run since the last undo")
    store = store.sort_values(["Table", "Part"])
    out = {}
    for name, parts in store.groupby("Table", sort=False):
        text = "".join(str(p) for p in parts["Payload"] if p is not None)
        layout = json.loads(text)  # plain json: read_json's date guessing differs across pandas versions
        frame = pd.DataFrame(layout["data"], columns=layout["columns"])
        try:
            spec = schema.table(name)
            for column in spec.columns:
                if column.format in (schema.MONTH, schema.DATE) and column.name in frame:
                    frame[column.name] = pd.to_datetime(frame[column.name], errors="coerce")
        except KeyError:
            pass
        out[str(name)] = frame
    return str(store["Step"].iloc[0]), out
