"""forecast_many(): forecasts for every item of a long history table.

The long table (item, month, quantity) is converted once into one numpy array
per item; the per-item loop never touches pandas.

With ``families`` (item -> family), each family's seasonal profile is pooled
from its items (each divided by its own level) and lent to the items with less than two seasons
of their own history (new items): see ``family_profiles``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TypeAlias

import numpy as np
import pandas as pd

from xl_sop.errors import InputError, SopError
from xl_sop.forecast.api import forecast, normalize_levels
from xl_sop.forecast.base import FloatArray
from xl_sop.forecast.seasonality import decompose, is_seasonal
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
    period. Several rows for the same item and month are added up. The history
    ends at the latest month with a number: rows after it whose quantities are
    all blank are months that have not happened (a table laid out ahead).
    """
    item_c, date_c, qty_c = (_column(table, n, w) for n, w in ((id_col, "item"), (date_col, "month"), (value_col, "quantity")))
    months = month_values(table, "history", date_c)
    qty = number_values(table, "history", qty_c).to_numpy(dtype=float)
    keep = (table[item_c].notna() & months.notna()).to_numpy()
    if not keep.any():
        raise InputError("history table has no rows with an item and a month")
    if np.isnan(qty[keep]).all():
        raise InputError("history table has no quantities")
    # months as whole-month numbers (the ordinals of Period('M')): each item's series is laid out by integer arithmetic
    stamps = months[keep]
    ordinal = ((stamps.dt.year - 1970) * 12 + stamps.dt.month - 1).to_numpy(dtype=np.int64)
    qty = qty[keep]
    last_ordinal = int(ordinal[~np.isnan(qty)].max())
    later = ordinal <= last_ordinal
    codes, items = pd.factorize(table[item_c].to_numpy()[keep][later], sort=False)  # items in order of first row
    # min_count=1: a month whose only rows are blank stays missing, not zero.
    grouped = pd.Series(qty[later]).groupby([codes, ordinal[later]]).sum(min_count=1)
    owner = grouped.index.get_level_values(0).to_numpy()
    month = grouped.index.get_level_values(1).to_numpy()
    sums = grouped.to_numpy(dtype=float)
    series: dict[Hashable, tuple[pd.Period, FloatArray]] = {}
    # one slice per item, in the order of the items' first rows (their codes)
    for part in np.split(np.arange(sums.size), np.flatnonzero(np.diff(owner)) + 1):
        start = int(month[part[0]])  # the months of an item come sorted
        values = np.zeros(last_ordinal - start + 1)
        values[month[part] - start] = sums[part]
        series[items[owner[part[0]]]] = (pd.Period(ordinal=start, freq="M"), values)
    return series, pd.Period(ordinal=last_ordinal, freq="M")


Families: TypeAlias = Mapping[Hashable, Hashable] | pd.Series | pd.DataFrame | str


def family_of(table: pd.DataFrame, families: Families | None, id_col: str) -> dict[Hashable, Hashable]:
    """{item: family} from a mapping, a Series (index item), a table with the item column and Family, or a column name."""
    if families is None:
        return {}
    if isinstance(families, str):
        col, item_c = _column(table, families, "family"), _column(table, id_col, "item")
        pairs = table[[item_c, col]].dropna().drop_duplicates(item_c)
        return dict(zip(pairs[item_c], pairs[col], strict=True))
    if isinstance(families, pd.DataFrame):
        item_c, col = _column(families, id_col, "item"), _column(families, "Family", "family")
        pairs = families[[item_c, col]].dropna().drop_duplicates(item_c)
        return dict(zip(pairs[item_c], pairs[col], strict=True))
    if isinstance(families, pd.Series):
        return {k: v for k, v in families.dropna().items()}
    return {k: v for k, v in families.items() if v is not None and v == v}


def family_profiles(
    series: dict[Hashable, tuple[pd.Period, FloatArray]], family: dict[Hashable, Hashable], m: int,
) -> dict[Hashable, tuple[FloatArray, int]]:
    """{family: (calendar profile, items pooled)}: profile[p.ordinal % m] applies to month p.

    Each item with at least one whole season is divided by its own level (its
    mean over its last whole seasons), and the family's series is the mean of
    these normalised items month by month (blank months left out). So an item
    that starts mid-history adds no step to the family's series, as it would
    to the family's total. That series is tested for seasonality like any
    series (seasonality.py) and, when seasonal, its multiplicative indices
    become the profile. Items under one season have no level of their own
    yet: they borrow the profile without shaping it.
    """
    members: dict[Hashable, list[Hashable]] = {}
    for item, fam in family.items():
        if item in series:
            members.setdefault(fam, []).append(item)
    out: dict[Hashable, tuple[FloatArray, int]] = {}
    if m < 2:
        return out
    for fam, items in members.items():
        start = min(series[i][0] for i in items)
        length = max((series[i][0] - start).n + series[i][1].size for i in items)
        sums, counts = np.zeros(length), np.zeros(length)
        pooled = 0
        for i in sorted(items, key=str):  # one order everywhere: a Dask partition pools exactly as one process
            first, values = series[i]
            started = np.flatnonzero(np.nan_to_num(values))
            if started.size == 0:
                continue
            own = values[started[0] :]
            whole = own.size // m * m
            level = float(np.nanmean(own[-whole:])) if whole else 0.0
            if not level > 0:
                continue
            offset = (first - start).n + int(started[0])
            valid = ~np.isnan(own)
            sums[offset : offset + own.size] += np.where(valid, own, 0.0) / level
            counts[offset : offset + own.size] += valid
            pooled += 1
        active = np.flatnonzero(counts)
        if active.size == 0:
            continue
        mean = sums[active[0] :] / np.maximum(counts[active[0] :], 1)
        begin = start + int(active[0])
        if mean.size < 2 * m or np.any(mean <= 0) or not is_seasonal(mean, m):
            continue
        seasonal = decompose(mean, m)
        out[fam] = (np.roll(seasonal.index, begin.ordinal % m), pooled)
    return out


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
    families: Families | None = None,
    engine: object = None,
) -> pd.DataFrame:
    """Forecast every item of a long history table.

    Returns a long DataFrame with one row per item and future month:
    ``id_col``, ``date_col`` (month start), Step (1..h), Forecast, then
    Lower<level>/Upper<level> for each level, Method and Explanation. An item
    whose history cannot be forecast keeps its rows with blank numbers and the
    reason in Method, so one bad item never stops the batch.
    ``progress(done, total)`` is called after each item.

    ``families``: the family of each item, as a column name of ``table``, a
    mapping or Series item -> family, or a table with ``id_col`` and Family
    (the Items table). Items with less than two seasons of history then borrow
    their family's pooled seasonal profile, and their Method and Explanation
    say so. An item whose last months are blank while other items have
    numbers there is forecast across those months, so that every item's
    forecast starts in the same month.
    ``engine``: None runs here; "dask", a scheduler address or a dask.distributed Client runs the same
    forecast on a Dask cluster, the same result (xl_sop.forecast.distributed, docs/distributed.md).
    """
    levels = normalize_levels(level)
    if engine is not None:
        from xl_sop.forecast.distributed import forecast_on_cluster

        return forecast_on_cluster(table, h, engine, season_length, method, levels, id_col, date_col, value_col, progress,
                                   family=family_of(table, families, id_col) or None)
    series, last = to_month_series(table, id_col, date_col, value_col)
    family = family_of(table, families, id_col)
    m_pool = 12 if season_length is None else int(season_length)
    profiles = family_profiles(series, family, m_pool) if family else {}
    future = pd.period_range(last + 1, periods=int(h), freq="M").to_timestamp()
    steps = int(h)
    total = len(series)
    names = [name for lv in levels for name in level_columns(lv)]
    # One array per output column, filled series by series; the frame is built once at the end (a frame per series
    # and their concat took as long as forecasting them).
    numbers = {name: np.full((total, steps), np.nan) for name in ("Forecast", *names)}
    methods: list[str] = []
    explanations: list[str] = []
    for done, (item, (first, values)) in enumerate(series.items(), start=1):
        row = done - 1
        try:
            found = np.flatnonzero(~np.isnan(values))
            gap = values.size - 1 - int(found[-1]) if found.size else 0
            fam = family.get(item)
            profile = None
            if fam in profiles:
                profile = np.roll(profiles[fam][0], -(first.ordinal % m_pool))
            fc = forecast(values[: values.size - gap], steps + gap, season_length=season_length, method=method,
                          level=levels or None, season_profile=profile if method in (None, "auto") else None)
            numbers["Forecast"][row] = fc.mean[gap:]
            for lv in levels:
                lo, up = level_columns(lv)
                numbers[lo][row], numbers[up][row] = fc.lower[lv][gap:], fc.upper[lv][gap:]
            explanation = fc.explanation
            if "borrowed profile" in fc.method:
                explanation += f" (family {fam}, pooled from {profiles[fam][1]} items)"
            if gap:
                explanation += f"; last {gap} month(s) blank: forecast across them"
            methods.append(fc.method)
            explanations.append(explanation)
        except SopError as exc:  # the row stays blank, the reason in Method
            methods.append("not forecast")
            explanations.append(str(exc))
        if progress is not None:
            progress(done, total)
    columns: dict[str, object] = {
        id_col: pd.Series(list(series)).repeat(steps).to_numpy(),
        date_col: np.tile(future.to_numpy(), total),
        "Step": np.tile(np.arange(1, steps + 1), total),
        **{name: block.ravel() for name, block in numbers.items()},
        "Method": np.repeat(np.array(methods, dtype=object), steps),
        "Explanation": np.repeat(np.array(explanations, dtype=object), steps),
    }
    return pd.DataFrame(columns)
