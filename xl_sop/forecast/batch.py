"""forecast_many(): forecasts for every item of a long history table.

The long table (item, month, quantity) is converted once into one numpy array
per item; the per-item loop never touches pandas.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

import numpy as np
import pandas as pd

from xl_sop.errors import InputError, SopError
from xl_sop.forecast.api import forecast, normalize_levels
from xl_sop.forecast.base import FloatArray
from xl_sop.frames import month_values, number_values


def _column(table: pd.DataFrame, name: str, what: str) -> str:
    lookup: dict[str, str] = {str(c).strip().lower(): c for c in table.columns}
    if name.lower() not in lookup:
        cols = ", ".join(str(c) for c in table.columns)
        raise InputError(f"history table has no {what} column '{name}' (columns: {cols})")
    return lookup[name.lower()]


def level_columns(lv: float) -> tuple[str, str]:
    text = f"{lv:g}"
    return f"Lower{text}", f"Upper{text}"


def to_month_series(
    table: pd.DataFrame, id_col: str = "Item", date_col: str = "Month", value_col: str = "Quantity",
) -> tuple[dict[Hashable, tuple[pd.Period, FloatArray]], pd.Period]:
    """{item: (first month, quantities)} on one monthly calendar ending at the latest month.

    A month with no row for an item counts as zero demand (an ERP extract lists
    only months with shipments); a row whose quantity is blank is a missing
    period. Several rows for the same item and month are added up.
    """
    item_c, date_c, qty_c = (_column(table, n, w) for n, w in ((id_col, "item"), (date_col, "month"), (value_col, "quantity")))
    months = month_values(table, "history", date_c)
    qty = number_values(table, "history", qty_c)
    frame = pd.DataFrame({"item": table[item_c], "period": months.dt.to_period("M"), "qty": qty})
    frame = frame[frame["item"].notna() & frame["period"].notna()]
    if frame.empty:
        raise InputError("history table has no rows with an item and a month")
    last = frame["period"].max()
    series: dict[Hashable, tuple[pd.Period, FloatArray]] = {}
    # min_count=1: a month whose only rows are blank stays missing, not zero.
    grouped = frame.groupby(["item", "period"], sort=False)["qty"].sum(min_count=1)
    for item, part in grouped.groupby(level=0, sort=False):
        periods = part.index.get_level_values(1)
        start = periods.min()
        length = (last - start).n + 1
        values = np.zeros(length)
        values[[(p - start).n for p in periods]] = part.to_numpy(dtype=float)
        series[item] = (start, values)
    return series, last


def forecast_many(
    table: pd.DataFrame,
    h: int,
    season_length: int | None = None,
    method: str = "auto",
    level: float | Iterable[float] | None = None,
    id_col: str = "Item",
    date_col: str = "Month",
    value_col: str = "Quantity",
    progress: Callable[[int, int], None] | None = None,
    engine: object = None,
) -> pd.DataFrame:
    """Forecast every item of a long history table.

    Returns a long DataFrame with one row per item and future month:
    ``id_col``, ``date_col`` (month start), Step (1..h), Forecast, then
    Lower<level>/Upper<level> for each level, Method and Explanation. An item
    whose history cannot be forecast keeps its rows with blank numbers and the
    reason in Method, so one bad item never stops the batch.
    ``progress(done, total)`` is called after each item.
    ``engine``: None runs here; "dask", a scheduler address or a dask.distributed Client runs the same
    forecast on a Dask cluster, the same result (xl_sop.forecast.distributed, docs/distributed.md).
    """
    levels = normalize_levels(level)
    if engine is not None:
        from xl_sop.forecast.distributed import forecast_on_cluster

        return forecast_on_cluster(table, h, engine, season_length, method, levels, id_col, date_col, value_col, progress)
    series, last = to_month_series(table, id_col, date_col, value_col)
    future = pd.period_range(last + 1, periods=int(h), freq="M").to_timestamp()
    total = len(series)
    blocks: list[pd.DataFrame] = []
    for done, (item, (_, values)) in enumerate(series.items(), start=1):
        block: dict[str, np.ndarray | str] = {"Step": np.arange(1, int(h) + 1)}
        try:
            fc = forecast(values, h, season_length=season_length, method=method, level=levels or None)
            block["Forecast"] = fc.mean
            for lv in levels:
                lo, up = level_columns(lv)
                block[lo], block[up] = fc.lower[lv], fc.upper[lv]
            block["Method"], block["Explanation"] = fc.method, fc.explanation
        except SopError as exc:
            block["Forecast"] = np.full(int(h), np.nan)
            for lv in levels:
                lo, up = level_columns(lv)
                block[lo] = block[up] = np.full(int(h), np.nan)
            block["Method"], block["Explanation"] = "not forecast", str(exc)
        frame = pd.DataFrame(block)
        frame.insert(0, date_col, future)
        frame.insert(0, id_col, item)
        blocks.append(frame)
        if progress is not None:
            progress(done, total)
    return pd.concat(blocks, ignore_index=True)
