"""Regions and segments below items: History's optional Region and Segment columns.

When some History rows have a Region (or a Segment) filled, the statistical forecast is made per item, region and
segment (a "series": one per combination an item sells in), and an item's forecast is the sum of its series' (so an
item's and a family's figures are the sums of their regions', whatever the Family forecast setting: top-down and
min-trace reconcile the family with its series directly). An item none of whose rows has a region or segment is one
series, as before; an item that has some rows without one keeps them as its "(none)" region.

In the demand grid each split item has, under its own rows, a block of rows per series (outline level 2), labelled in
the Item column "ITEM · Region · Segment". A figure typed on an item's row (or reaching it from its family) is spread
over the item's series in proportion to their statistical forecast for that month (their last 12 months of history
when that is zero, equally when that is zero too), whole units summing to the figure, a series locked (x in Lock)
kept out; the series rows show their share in "From item". A figure typed on a series row adds to its item. So:
    item adjustment  = item's typed + its share of family figures + sum of its series' typed
    series consensus = max(0, series statistical + series typed + its share of the item's typed and family share)
and the item's consensus is the sum of its series' consensus unless a series' adjustments take it below zero
(then the series shows 0 and the item the sum before flooring).

The other steps (supply, reconcile, KPIs) read items: tblDemandPlan stays one row per item and month.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xl_sop import cells
from xl_sop.cycle.grids import PART
from xl_sop.errors import InputError
from xl_sop.hierarchy import spread

DIMENSIONS = ("Region", "Segment")
"""History's optional columns, outermost first: a series is an item in one region and segment."""
NONE = "(none)"
"""The region (or segment) of the rows of a split item that have none filled."""
SHOW_NONE = "none"
"""Settings / Show regions: no series rows in the grid (items only)."""
RECENT_MONTHS = 12


def series_label(item: str, parts: Sequence[str | None]) -> str:
    """The Item column of a series' rows: 'BEV-1000 · North · Retail' (dimensions no row of the table fills left
    out)."""
    return PART.join([item, *(p or NONE for p in parts)])


def keyed_history(history: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series] | None:
    """History with Item replaced by the series label, and label -> item (labels in order of first appearance);
    None when no row has a Region or Segment (the plan is then made per item, exactly as without the columns)."""
    texts = {d: cells.text_column(history[d])[0] for d in DIMENSIONS if d in history}  # each column read once
    used = [d for d, text in texts.items() if any(t is not None for t in text)]
    if not used:
        return None
    item = history["Item"].astype(str)
    filled = np.zeros(len(history), dtype=bool)
    for d in used:
        filled |= np.array([t is not None for t in texts[d]], dtype=bool)
    split = set(item[filled])
    # the label of each distinct item and parts once (a history has a row per series and month)
    keys = list(zip(item.tolist(), *(texts[d].tolist() for d in used), strict=True))
    known: dict[tuple[object, ...], str] = {}
    label = [known[key] if key in known else known.setdefault(
        key, series_label(key[0], list(key[1:])) if key[0] in split else key[0]) for key in keys]
    keyed = history.assign(Item=label)
    item_of = pd.Series(item.to_numpy(), index=label).groupby(level=0, sort=False).first()
    return keyed, item_of


def rolled_up(series_fc: pd.DataFrame, item_of: pd.Series, level_columns: Sequence[str]) -> pd.DataFrame:
    """forecast_many's table per series turned into one per item: Forecast and the interval bounds added up (each
    series' rounded to 2 decimals first, so that the item's figure is exactly the sum the grid shows), Method saying
    how many series and by which methods."""
    frame = series_fc.assign(Series=series_fc["Item"], Item=series_fc["Item"].map(item_of))
    numbers = ["Forecast", *level_columns]
    frame[numbers] = frame[numbers].round(2)
    lower = [c for c in level_columns if c.startswith("Lower")]
    frame[lower] = frame[lower].clip(lower=0)  # as the item's own lower bound is shown: never below zero
    grouped = frame.groupby(["Item", "Month"], sort=False)
    out = grouped[numbers].sum(min_count=1).round(2).reset_index()
    count = frame.groupby("Item", sort=False)["Series"].nunique()
    methods = frame.groupby("Item", sort=False)["Method"].agg(lambda m: ", ".join(dict.fromkeys(map(str, m))))
    how = {i: (str(methods[i]) if count[i] == 1 else f"sum of {count[i]} series: {methods[i]}") for i in count.index}
    out["Method"] = out["Item"].map(how)
    return out


def statistical_of(series_fc: pd.DataFrame, item_of: pd.Series, start: pd.Timestamp) -> pd.DataFrame:
    """Item (the series label), Month, Statistical of the split items' series from the cycle month."""
    fc = series_fc[(series_fc["Month"] >= start) & series_fc["Item"].isin(split_labels(item_of))]
    return pd.DataFrame({"Item": fc["Item"], "Month": fc["Month"], "Statistical": fc["Forecast"].round(2)})


def conformed(series_statistical: pd.DataFrame, item_of: pd.Series, statistical: pd.DataFrame) -> pd.DataFrame:
    """The series' Statistical scaled so that each item's series add up to the item's Statistical where that moved
    after the forecast (a phase-out ends the item's series too); elsewhere as forecast."""
    item = series_statistical["Item"].map(item_of)
    total = series_statistical.groupby([item, series_statistical["Month"]])["Statistical"].transform("sum")
    target = pd.MultiIndex.from_arrays([item, series_statistical["Month"]]).map(
        statistical.set_index(["Item", "Month"])["Statistical"].to_dict().get)
    target = pd.Series(target, index=series_statistical.index, dtype=float)
    moved = (total > 0) & target.notna() & ((target - total).abs() > 0.01)
    ratio = (target / total).where(moved, 1.0)
    return series_statistical.assign(Statistical=(series_statistical["Statistical"] * ratio).round(2))


def split_labels(item_of: pd.Series) -> list[str]:
    """The labels of the series of items split by region or segment (an unsplit item is its own series)."""
    return [str(label) for label, item in item_of.items() if label != item]


@dataclass(frozen=True)
class RegionBasis:
    """The series below the items, for the plan and the grid."""

    item_of: pd.Series
    """Series label -> item, of the split items only, in the order the grid lists them under each item."""
    statistical: pd.DataFrame
    """Item (label), Month, Statistical for the plan months."""
    history: pd.DataFrame
    """Item (label), Month, Quantity (months before the cycle month)."""
    show: str | None = None
    """Settings / Show regions: None every series, SHOW_NONE none, or a region's or segment's name."""
    events: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["Item", "Month", "Events"]))
    """Item (label), Month, Events: what the future events of one region add to its series (Events, Region)."""

    def labels_by_item(self) -> dict[str, list[str]]:
        """Item -> the labels of its series, in order."""
        out: dict[str, list[str]] = {}
        for label, item in zip(self.item_of.index, self.item_of, strict=True):
            out.setdefault(str(item), []).append(str(label))
        return out


def region_basis(keyed: pd.DataFrame, item_of: pd.Series, statistical: pd.DataFrame, show: str | None,
                 events: pd.DataFrame) -> RegionBasis:
    labels = split_labels(item_of)
    order = sorted(labels, key=lambda label: str(item_of[label]))  # stable: regions in the order History lists them
    return RegionBasis(item_of[order], statistical, keyed[keyed["Item"].isin(labels)][["Item", "Month", "Quantity"]],
                       show, events)


def regions_of(keyed: pd.DataFrame) -> pd.Series:
    """Series label -> its region (None where History has no Region for it)."""
    if "Region" not in keyed:
        return pd.Series(dtype=object)
    return keyed.groupby("Item", sort=False)["Region"].first().map(cells.text)


def until_ended(series_events: pd.DataFrame, item_of: pd.Series, ends: dict[str, pd.Timestamp]) -> pd.DataFrame:
    """The series' events without the months from their item's phase-out on (the item is no longer sold)."""
    end = pd.to_datetime(series_events["Item"].map(item_of).map(ends))
    return series_events[end.isna() | (series_events["Month"] < end)].reset_index(drop=True)


def with_series_events(item_events: pd.DataFrame, series_events: pd.DataFrame, item_of: pd.Series) -> pd.DataFrame:
    """Item, Month, Events of the items with what their series' own events add (the item row shows the total)."""
    if series_events.empty:
        return item_events
    added = series_events.assign(Item=series_events["Item"].map(item_of))
    both = pd.concat([item_events, added], ignore_index=True) if len(item_events) else added
    return both.groupby(["Item", "Month"], as_index=False)["Events"].sum().round({"Events": 2})


@dataclass
class RegionPlan:
    """What the series add to their items, and the series' figures for the grid."""

    typed_by_item: dict[str, np.ndarray] = field(default_factory=dict)
    """Contributor -> items x months: what was typed on the series rows, added up per item."""
    figures: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    """Series label -> {measure key: values}: history, statistical, from_item, consensus."""
    shown: dict[str, list[str]] = field(default_factory=dict)
    """Item -> the labels of its series the grid shows."""

    def rows_of(self, item: str) -> list[tuple[str, dict[str, np.ndarray]]]:
        """(label, figures) of each series of ``item`` the grid shows, in order."""
        return [(label, self.figures[label]) for label in self.shown.get(item, [])]


def plan_regions(basis: RegionBasis, values: pd.DataFrame, locked: set[str], families: pd.Series,
                 item_adjustments: dict[str, np.ndarray], months: pd.DatetimeIndex,
                 history_months: pd.DatetimeIndex, typed_labels: set[str]) -> RegionPlan:
    """The series' plan under ``families`` (item -> family, grid order).

    ``values``: the grid's typed values (Family, Item, Measure, Month, Value); those on a series' rows count.
    ``item_adjustments``: contributor -> items x months, what each contributor's figures on the item's and its
    family's rows give the item (spread to the series here). ``locked``: labels with x in Lock.
    ``typed_labels``: labels holding a typed figure or Lock (their rows show whatever Show regions says).
    """
    items = [str(i) for i in families.index]
    item_pos = {item: k for k, item in enumerate(items)}
    month_pos = {m: j for j, m in enumerate(months)}
    out = RegionPlan({c: np.zeros((len(items), len(months))) for c in item_adjustments})
    labels = [str(label) for label in basis.item_of.index]
    if not labels:
        return out
    stat = _by_label(basis.statistical, "Statistical", labels, months)
    history = _by_label(basis.history, "Quantity", labels, history_months)
    recent = _by_label(basis.history, "Quantity", labels,
                       pd.date_range(end=months[0] - pd.DateOffset(months=1), periods=RECENT_MONTHS, freq="MS")).sum(1)
    pos = {label: k for k, label in enumerate(labels)}
    own = {c: np.zeros((len(labels), len(months))) for c in item_adjustments}
    family_of_label = {label: families.get(item) for label, item in zip(labels, basis.item_of, strict=True)}
    for record in values.itertuples(index=False):
        k = pos.get(str(record.Item))
        if k is None or record.Measure not in own or record.Month not in month_pos \
                or family_of_label[labels[k]] != record.Family:
            continue
        own[record.Measure][k, month_pos[record.Month]] += record.Value
    from_item = np.zeros((len(labels), len(months)))
    adjusted = stat.copy()
    for item, series in basis.labels_by_item().items():
        if item not in item_pos:
            continue
        members = [pos[label] for label in series]
        lock = np.array([0.0 if labels[k] in locked else np.nan for k in members])
        for contributor, matrix in item_adjustments.items():
            out.typed_by_item[contributor][item_pos[item]] += own[contributor][members].sum(axis=0)
            adjusted[members] += own[contributor][members]
            for j in np.flatnonzero(matrix[item_pos[item]]):
                share = _spread_to_series(float(matrix[item_pos[item], j]), stat[members, j], recent[members], lock,
                                          item, contributor, months[j])
                from_item[members, j] += share
                adjusted[members, j] += share
    own_events = _by_label(basis.events, "Events", labels, months)  # events of one region, on its series only
    adjusted += own_events
    consensus = np.maximum(0.0, adjusted)
    for (label, k), item in zip(pos.items(), basis.item_of, strict=True):
        out.figures[label] = {"history": history[k], "statistical": stat[k], "from_item": from_item[k],
                              "events": own_events[k], "consensus": consensus[k]}
        item = str(item)
        if _shown(label, basis.show) or label in typed_labels:
            out.shown.setdefault(item, []).append(label)
    return out


def _spread_to_series(total: float, forecast: np.ndarray, recent: np.ndarray, lock: np.ndarray, item: str,
                      contributor: str, month: pd.Timestamp) -> np.ndarray:
    """An item's figure over its series: by statistical forecast, else recent history, else equally."""
    free = np.isnan(lock)
    for weights in (np.clip(forecast, 0.0, None), np.clip(recent, 0.0, None), np.ones(len(forecast))):
        if weights[free].sum() > 0:
            try:
                # whole units for typed figures; an event's uplift (a share of a forecast) keeps its cents
                return spread(total, weights, lock, decimals=0 if float(total).is_integer() else 2)
            except InputError as exc:  # pragma: no cover - a positive free weight always takes the figure
                raise InputError(f"1 Demand: {item} {contributor} {month:%b %Y}: {exc}") from exc
    raise InputError(f"1 Demand: {item} {contributor} {month:%b %Y} ({total:,.0f}) cannot be spread over its regions: "
                     "every region of the item is locked; unlock one (Lock column); nothing was written")


def _by_label(long: pd.DataFrame, value: str, labels: list[str], months: pd.DatetimeIndex) -> np.ndarray:
    if long.empty:
        return np.zeros((len(labels), len(months)))
    table = long.pivot_table(index="Item", columns="Month", values=value, aggfunc="sum")
    matrix: np.ndarray = table.reindex(index=labels, columns=months).fillna(0.0).to_numpy(dtype=float)
    return matrix


def _shown(label: str, show: str | None) -> bool:
    """Whether Settings / Show regions lets the series' rows show."""
    if show is None:
        return True
    if show.lower() == SHOW_NONE:
        return False
    return show.strip().lower() in [p.lower() for p in label.split(PART)[1:]]
