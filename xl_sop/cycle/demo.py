"""The demo workbook: a copy of the template filled with the bundled sample data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from xl_sop import sample_data
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.schema import TableName as T
from xl_sop.workbook.template import new_workbook
from xl_sop.workbook.xlwings_conf import for_this_python


def fill_demo_book(path: Path, items: int = 24, months: int = 36, seed: int = 7,
                   template: Path | None = None, regions: tuple[str, ...] = (), events: bool = True) -> FileBook:
    """A new workbook at ``path`` (replaced if there), wired to this Python like ``xl-sop new`` makes it, with the
    sample data pasted into its input tables (cycle month Nov 2026); ``template``: start from another file.
    ``regions``: History split over these regions (sample_data.split_by_region; every other table is the same).
    ``events``: with the sample's events (sample_events) and the item it launches; False: no Events rows, no launch
    item and no events in the archived plans (the demo as it was before events existed)."""
    path = new_workbook(Path(path), for_this_python().settings, force=True, template=template)
    item_table = sample_data.sample_items(items, seed=seed)
    history, promotions = sample_data.sample_history_and_promotions(item_table, months=months, seed=seed)
    book = FileBook(path)
    launch = sample_data.sample_launch_item(item_table) if events else item_table.iloc[:0]
    book.write_table(T.ITEMS, pd.concat([item_table, launch], ignore_index=True).drop(columns="Pattern"))
    book.write_table(T.HISTORY, sample_data.split_by_region(history, regions, seed) if regions else history)
    book.write_table(T.INVENTORY, sample_data.sample_inventory(item_table, history, seed=seed))
    book.write_table(T.ORDERS, sample_data.sample_orders(item_table, history, seed=seed))
    book.write_table(T.CAPACITY, sample_data.sample_capacity(item_table, history, seed=seed))
    book.write_table(T.PRODUCTION, sample_data.sample_production(item_table, history, seed=seed))
    book.write_table(T.BUDGET, sample_data.sample_budget(item_table, history))
    book.write_table(T.PLAN_ARCHIVE, sample_data.sample_archive(item_table, history, seed=seed,
                                                                promotions=promotions if events else None))
    if events:
        book.write_table(T.EVENTS, sample_data.sample_events(item_table, promotions))
    return book
