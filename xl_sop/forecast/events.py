"""Demand events: promotions and one-offs, launches and phase-outs (the Events table), as rules on long tables.

The rules (docs/forecasting.md, "Events"):

* **Cleansing** a past promotion or one-off: in the months it covers, the history the statistical baseline is
  fitted on is replaced by the straight line between the nearest months outside any event of the item (the nearer
  one alone at either end of the history; a month without a History row counts as 0). The uplift it had is
  measured on the actual history: ``Uplift = sum(actual) - sum(baseline)`` over its months and items,
  ``UpliftPct = Uplift / sum(baseline)``.
* **Future** promotions and one-offs are added on top of the statistical baseline, as their own row (Events) of
  the plan: ``Events[i, m] = Statistical[i, m] * UpliftPct + UpliftUnits`` in each of their months; on a family
  (Item blank), UpliftPct applies to each item and UpliftUnits (per month) are shared by the items in proportion to
  their statistical forecast of the month (equally where all are 0).
* **Launch**: the item's statistical forecast is its like item's (or, without one, its family's) forecast shape
  scaled to LaunchUnits per month: ``F[m] = LaunchUnits * S[m] / level(S)`` from FromMonth on and 0 before, where
  S is the like item's (family's) statistical forecast and level(S) its mean monthly history over the last 12
  months. Without LaunchUnits the like item's forecast is taken as it is.
* **Phase-out**: the item's statistical forecast and events end at FromMonth (0 from that month on); a Successor
  gets the item's statistical forecast of those months added to its Events row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xl_sop import cells
from xl_sop.errors import Problem

PROMOTION, ONE_OFF, LAUNCH, PHASE_OUT = "promotion", "one-off", "launch", "phase-out"
KINDS = (PROMOTION, ONE_OFF, LAUNCH, PHASE_OUT)
UPLIFTS = (PROMOTION, ONE_OFF)
"""Kinds that add to (or, negative, take from) demand in their months."""
LEVEL_MONTHS = 12
"""Months of history whose mean is an item's level (the scale of its forecast shape, for launches)."""
EFFECT_COLUMNS = ["Item", "Family", "Kind", "FromMonth", "ToMonth", "Actual", "Baseline", "UpliftUnits", "UpliftPct"]


def normalized(events: pd.DataFrame) -> pd.DataFrame:
    """The events as read and cleaned (inputs.py), kinds in lower case, ToMonth filled from FromMonth, rows without
    a Kind left out; the index (worksheet rows) kept."""
    if events.empty:
        return events.assign(Kind=pd.Series(dtype=object))
    out = events.copy()
    out["Kind"] = [(cells.text(k) or "").lower().replace("phase out", PHASE_OUT).replace("one off", ONE_OFF)
                   for k in out["Kind"]]
    out["ToMonth"] = out["ToMonth"].fillna(out["FromMonth"])
    return out[out["Kind"] != ""]


def event_problems(events: pd.DataFrame, items: pd.DataFrame, sheet: str, table: str,
                   regions: frozenset[str] = frozenset()) -> list[Problem]:
    """A problem for every Events row the rules cannot use, naming its row and column; ``regions``: the regions
    History has (an event of one region is a promotion or one-off of one of them)."""
    problems: list[Problem] = []
    known = set(items["Item"].dropna())
    families = set(items["Family"].dropna())
    for row, e in normalized(events).iterrows():
        def bad(column: str, why: str, row: object = row) -> None:
            problems.append(Problem(sheet, table, int(str(row)), column, why))
        item, family = cells.text(e["Item"]), cells.text(e["Family"])
        if e["Kind"] not in KINDS:
            bad("Kind", f"'{e['Kind']}' is not a kind of event: type {', '.join(KINDS)}")
            continue
        if item is None and family is None:
            bad("Item", "give the Item (or, for the whole family, the Family)")
        elif item is not None and item not in known:
            bad("Item", f"item '{item}' is not in table Items")
        elif item is None and family not in families:
            bad("Family", f"family '{family}' has no items in table Items")
        if e["Kind"] in (LAUNCH, PHASE_OUT) and item is None:
            bad("Item", f"a {e['Kind']} is of one item: give its Item")
        region = cells.text(e.get("Region"))
        if region is not None and not regions:
            bad("Region", "History has no Region column filled: leave Region blank (the event is for all regions)")
        elif region is not None and region not in regions:
            bad("Region", f"region '{region}' is not in table History (it has {', '.join(sorted(regions))})")
        elif region is not None and e["Kind"] in (LAUNCH, PHASE_OUT):
            bad("Region", f"a {e['Kind']} is of the item in every region: leave Region blank")
        pct = e["UpliftPct"]
        if pd.notna(pct) and not -1 <= pct <= 10:
            bad("UpliftPct", f"{pct:.0%} is not an uplift to plan with: type it as a percent, 20% or -10% "
                             "(-100% at the least)")
        if pd.notna(e["FromMonth"]) and e["ToMonth"] < e["FromMonth"]:
            bad("ToMonth", f"{e['ToMonth']:%b %Y} is before FromMonth {e['FromMonth']:%b %Y}")
        if e["Kind"] == LAUNCH and pd.isna(e["LaunchUnits"]) and cells.text(e.get("LikeItem")) is None:
            bad("LikeItem", "give the launch a like item (LikeItem) or a volume (LaunchUnits), or both")
        for column in ("LikeItem", "Successor"):
            other = cells.text(e.get(column))
            if other is not None and other not in known:
                bad(column, f"item '{other}' is not in table Items")
            elif other is not None and other == item:
                bad(column, f"'{other}' is the event's own item")
    return problems


def by_region(events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The events of every region (Region blank) and those of one region."""
    if events.empty or "Region" not in events:
        return events, events.iloc[:0]
    one = events["Region"].map(cells.text).notna()
    return events[~one], events[one]


def per_series(events: pd.DataFrame, item_of: pd.Series, region_of: pd.Series, families: pd.Series) -> pd.DataFrame:
    """The events written once for each series they are about (``item_of``: series label -> item; ``region_of``:
    label -> region; ``families``: item -> family), so that cleanse and future_uplift can work on series: an item's
    event for each series of the item, an event of one region for that region's series only (of its item, or of
    every item of its family); a family event of every region stays as it is (its members are the series)."""
    if events.empty or "Item" not in events:
        return events
    # each item's series in the order of item_of, found once (scanning every series for every event was quadratic)
    labels_of: dict[object, list[object]] = {}
    for label, owner in item_of.items():
        labels_of.setdefault(owner, []).append(label)
    position = {label: k for k, label in enumerate(item_of.index)}
    of_family: dict[str | None, set[object]] = {}
    rows = []
    for _, event in events.iterrows():
        item, region = cells.text(event["Item"]), cells.text(event.get("Region"))
        if item is None and region is None:
            rows.append(event)
            continue
        if item is not None:
            labels = labels_of.get(item, [])
        else:
            family = cells.text(event["Family"])
            if family not in of_family:
                of_family[family] = set(families.index[families == family])
            labels = sorted((label for owner in of_family[family] for label in labels_of.get(owner, [])),
                            key=position.__getitem__)
        for label in labels:
            if region is None or region_of.get(label) == region:
                copy = event.copy()
                copy["Item"] = label
                rows.append(copy)
    return pd.DataFrame(rows, columns=events.columns).reset_index(drop=True)


def _members(event: pd.Series | dict[str, object], families: pd.Series,
             of_family: dict[str, list[str]] | None = None) -> list[str]:
    """The items an event is about: its Item, or every item of its Family (``of_family``: those found so far, by
    family, filled as they are found)."""
    item = cells.text(event["Item"])
    if item is not None:
        return [item]
    family = cells.text(event["Family"])
    if of_family is None:
        return [str(i) for i in families.index[families == family]]
    if family not in of_family:
        of_family[str(family)] = [str(i) for i in families.index[families == family]]
    return of_family[str(family)]


def _month_number(stamp: pd.Timestamp) -> int:
    """The month as a whole number (Period('M')'s ordinal): months are counted with integers."""
    return int((stamp.year - 1970) * 12 + stamp.month - 1)


def _month_numbers(first: pd.Timestamp, last: pd.Timestamp) -> np.ndarray:
    """The numbers of the month starts from ``first`` to ``last`` (those of pd.date_range(first, last, freq="MS"))."""
    begin = _month_number(first) + int(first != first.to_period("M").to_timestamp())
    return np.arange(begin, _month_number(last) + 1, dtype=np.int64)


def cleanse(history: pd.DataFrame, events: pd.DataFrame, families: pd.Series,
            start: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The history with the months of past promotions and one-offs replaced by the baseline (module rule), and the
    effect measured of each such event (EFFECT_COLUMNS). ``history``: Item, Month (month starts), Quantity (before
    ``start``); ``families``: Item -> Family."""
    past = normalized(events)
    past = past[past["Kind"].isin(UPLIFTS) & (past["FromMonth"] < start)]
    if past.empty or history.empty:
        return history, pd.DataFrame(columns=EFFECT_COLUMNS)
    # months as whole numbers (integer arithmetic, no calendar per item); each event's members and months before the
    # cycle found once (its effect below uses them again)
    before = _month_numbers(start, start)
    cycle = int(before[0]) if len(before) else _month_number(start) + 1  # the first month start not before start
    of_family: dict[str, list[str]] = {}
    each = []
    for e in past.to_dict("records"):
        within = _month_numbers(e["FromMonth"], e["ToMonth"])
        each.append((e, _members(e, families, of_family), within[within < cycle]))
    flagged: dict[str, set[int]] = {}
    for _e, members, within in each:
        for item in members:
            flagged.setdefault(item, set()).update(within.tolist())
    series = history.groupby(["Item", "Month"])["Quantity"].sum()
    baseline: dict[str, np.ndarray] = {}
    actual: dict[str, np.ndarray] = {}
    first_month: dict[str, int] = {}
    # each item's rows of the sums, found once (a look-up per item took most of the time)
    codes = series.index.codes[0]
    cut = np.flatnonzero(np.diff(codes)) + 1
    where = {series.index.levels[0][codes[a]]: (a, b) for a, b in zip(np.r_[0, cut], np.r_[cut, len(codes)],
                                                                    strict=True)} if len(codes) else {}
    stamps = series.index.get_level_values(1)
    month_of, sums = np.asarray(stamps.year * 12 + stamps.month - 1 - 1970 * 12, dtype=np.int64), series.to_numpy(float)
    # the calendar of every item is a stretch of this one (pd.date_range of an item's months, as cleansed rows show)
    calendar = pd.date_range(stamps.min(), stamps.max(), freq="MS") if len(stamps) else pd.DatetimeIndex([])
    origin = int(month_of.min()) if len(month_of) else 0
    items_out: list[str] = []
    months_out: list[np.ndarray] = []
    figures_out: list[np.ndarray] = []
    for item, months in flagged.items():
        if item not in where:
            continue
        first, last = where[item]
        own = month_of[first:last]  # sorted: the sums are by item and month
        full = np.zeros(int(own[-1] - own[0]) + 1)
        full[own - own[0]] = sums[first:last]
        flagged_months = np.isin(np.arange(own[0], own[-1] + 1), np.fromiter(months, dtype=np.int64, count=len(months)))
        base = full.copy()
        if not flagged_months.all():  # every month in an event: nothing to draw a baseline from
            # linear between the months around, the nearest month's figure before the first and after the last
            # (what pandas' interpolate(limit_area="inside").ffill().bfill() gives)
            base[flagged_months] = np.interp(np.flatnonzero(flagged_months), np.flatnonzero(~flagged_months),
                                             full[~flagged_months])
        baseline[item], actual[item], first_month[item] = base, full, int(own[0])
        items_out += [item] * len(full)
        months_out.append(np.arange(own[0] - origin, own[-1] - origin + 1))
        figures_out.append(base.round(2))
    rows = [history[~history["Item"].isin(flagged.keys())]]
    if items_out:
        rows.append(pd.DataFrame({"Item": np.array(items_out, dtype=object),
                                  "Month": calendar[np.concatenate(months_out)],
                                  "Quantity": np.concatenate(figures_out)}))
    cleansed = pd.concat(rows, ignore_index=True).sort_values(["Item", "Month"], ignore_index=True)
    effects = []

    def total(months: dict[str, np.ndarray], item: str, within: np.ndarray) -> float:
        """The item's figures summed over the months ``within`` (0 for a month outside its calendar)."""
        figures = months[item]
        at = within - first_month[item]
        inside = (at >= 0) & (at < len(figures))
        return float(np.where(inside, figures[np.where(inside, at, 0)] if len(figures) else 0.0, 0.0).sum())

    for e, members, within in each:
        members = [i for i in members if i in actual]
        a = sum(total(actual, i, within) for i in members)
        b = sum(total(baseline, i, within) for i in members)
        effects.append((cells.text(e["Item"]), cells.text(e["Family"]) or families.get(cells.text(e["Item"])),
                        e["Kind"], e["FromMonth"], e["ToMonth"], round(a, 2), round(b, 2), round(a - b, 2),
                        (a - b) / b if b > 0 else np.nan))
    return cleansed, pd.DataFrame(effects, columns=EFFECT_COLUMNS)


def future_uplift(statistical: pd.DataFrame, events: pd.DataFrame, families: pd.Series,
                  months: pd.DatetimeIndex) -> pd.DataFrame:
    """Item, Month, Events: what future promotions and one-offs add to the statistical forecast (module rule).
    ``statistical``: Item, Month, Statistical of the plan months (one row per item and month)."""
    future = normalized(events)
    future = future[future["Kind"].isin(UPLIFTS)]
    # the statistical forecast as items x months, a last row and column of zeros for an item or month it lacks
    item_codes, item_names = pd.factorize(statistical["Item"])
    month_codes, month_names = pd.factorize(statistical["Month"])
    stat = np.zeros((len(item_names) + 1, len(month_names) + 1))
    stat[item_codes, month_codes] = statistical["Statistical"].fillna(0.0).to_numpy(dtype=float)
    row_of = {item: k for k, item in enumerate(item_names)}
    column_of = {month: k for k, month in enumerate(month_names)}
    planned = set(months)
    of_family: dict[str, list[str]] = {}
    names: list[np.ndarray] = []
    stamps: list[np.ndarray] = []
    added: list[np.ndarray] = []
    for e in future.to_dict("records"):
        members = _members(e, families, of_family)
        pct = 0.0 if pd.isna(e["UpliftPct"]) else float(e["UpliftPct"])
        units = 0.0 if pd.isna(e["UpliftUnits"]) else float(e["UpliftUnits"])
        within = [m for m in pd.date_range(e["FromMonth"], e["ToMonth"], freq="MS") if m in planned]
        if not within:
            continue
        rows = [row_of.get(i, -1) for i in members]
        # a row per month (the month's members side by side, contiguous: each sum as over that month's own array)
        figures = np.ascontiguousarray(stat[np.ix_(rows, [column_of.get(m, -1) for m in within])].T)
        for month, base in zip(within, figures, strict=True):
            weights = base / base.sum() if base.sum() > 0 else np.full(len(members), 1 / max(len(members), 1))
            names.append(np.array(members, dtype=object))
            stamps.append(np.full(len(members), month, dtype=object))
            added.append(base * pct + units * weights)
    if not added:
        frame = pd.DataFrame([], columns=["Item", "Month", "Events"])
    else:
        frame = pd.DataFrame({"Item": np.concatenate(names), "Month": list(np.concatenate(stamps)),
                              "Events": np.concatenate(added)})
    return frame.groupby(["Item", "Month"], as_index=False)["Events"].sum()


def _level(history: pd.DataFrame, items: list[str], before: pd.Timestamp) -> float:
    """Mean monthly demand of ``items`` together over the LEVEL_MONTHS months before ``before``."""
    recent = history[history["Item"].isin(items) & (history["Month"] >= before - pd.DateOffset(months=LEVEL_MONTHS))]
    return float(recent["Quantity"].sum()) / LEVEL_MONTHS


def launch_forecast(statistical: pd.DataFrame, history: pd.DataFrame, events: pd.DataFrame, families: pd.Series,
                    months: pd.DatetimeIndex) -> pd.DataFrame:
    """Item, Month, Statistical, Lower80, Upper80, Method of each launched item over ``months`` (module rule).
    ``statistical``: the other items' forecasts (Item, Month, Statistical, Lower80, Upper80)."""
    launches = normalized(events)
    launches = launches[launches["Kind"] == LAUNCH]
    launched = {cells.text(i) for i in launches["Item"]}
    frames = []
    for _, e in launches.iterrows():
        item, like = str(cells.text(e["Item"])), cells.text(e.get("LikeItem"))
        basis = [like] if like is not None else [i for i in _members(pd.Series({"Item": None, "Family": families.get(
            item)}), families) if i not in launched]
        shape = statistical[statistical["Item"].isin(basis)].groupby("Month")[["Statistical", "Lower80", "Upper80"]] \
            .sum().reindex(months).fillna(0.0)
        level = _level(history, basis, months[0])
        volume = None if pd.isna(e["LaunchUnits"]) else float(e["LaunchUnits"])
        if volume is None:
            factor, how = 1.0, f"launch: as like item {like}" if like else "launch: as its family"
        elif level > 0:
            factor = volume / level
            how = f"launch: {volume:,.0f}/month shaped like {like or 'its family'}"
        else:  # nothing to take a shape from: the launch volume, flat
            shape[:] = 1.0
            factor, how = volume, f"launch: {volume:,.0f}/month (no like item or family history to shape it)"
        on = (months >= e["FromMonth"]).astype(float)
        frames.append(pd.DataFrame({
            "Item": item, "Month": months, "Statistical": shape["Statistical"].to_numpy() * factor * on,
            "Lower80": shape["Lower80"].to_numpy() * factor * on, "Upper80": shape["Upper80"].to_numpy() * factor * on,
            "Method": f"{how} from {e['FromMonth']:%b %Y}"}))
    columns = ["Item", "Month", "Statistical", "Lower80", "Upper80", "Method"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def phase_out(statistical: pd.DataFrame, events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The forecast (Item, Month, Statistical, Lower80, Upper80, Method) with each phased-out item at 0 from its
    FromMonth on, and Item, Month, Events: the demand each Successor takes over (module rule)."""
    ends = normalized(events)
    ends = ends[ends["Kind"] == PHASE_OUT]
    out = statistical.copy()
    transfers = []
    for _, e in ends.iterrows():
        item = cells.text(e["Item"])
        gone = (out["Item"] == item) & (out["Month"] >= e["FromMonth"])
        successor = cells.text(e.get("Successor"))
        if successor is not None:
            transfers.append(pd.DataFrame({"Item": successor, "Month": out.loc[gone, "Month"],
                                           "Events": out.loc[gone, "Statistical"].fillna(0.0)}))
        out.loc[gone, ["Statistical", "Lower80", "Upper80"]] = 0.0
        out.loc[gone, "Method"] = f"phased out from {e['FromMonth']:%b %Y}" + (f" (to {successor})" if successor else "")
    moved = pd.concat(transfers, ignore_index=True) if transfers else pd.DataFrame(columns=["Item", "Month", "Events"])
    return out, moved


def ended(events: pd.DataFrame) -> dict[str, pd.Timestamp]:
    """Item -> the first month it no longer sells (phase-outs)."""
    ends = normalized(events)
    ends = ends[ends["Kind"] == PHASE_OUT]
    return {str(cells.text(i)): m for i, m in zip(ends["Item"], ends["FromMonth"], strict=True)}


def apply_events(statistical: pd.DataFrame, history: pd.DataFrame, events: pd.DataFrame, families: pd.Series,
                 months: pd.DatetimeIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The statistical forecast with launches forecast and phase-outs ended, and Item, Month, Events (future
    promotions and one-offs, successors' take-over; 0 after an item's phase-out). ``statistical``: Item, Month,
    Statistical, Lower80, Upper80, Method of the plan ``months``; ``history``: as the baseline was fitted on."""
    if normalized(events).empty:
        return statistical, pd.DataFrame(columns=["Item", "Month", "Events"])
    launches = launch_forecast(statistical, history, events, families, months)
    kept = statistical[~statistical["Item"].isin(set(launches["Item"]))]
    forecast = pd.concat([kept, launches], ignore_index=True) if len(launches) else kept
    forecast, moved = phase_out(forecast, events)
    uplift = future_uplift(forecast, events, families, months)
    added = pd.concat([uplift, moved], ignore_index=True) if len(moved) else uplift
    for item, end in ended(events).items():
        added = added[(added["Item"] != item) | (added["Month"] < end)]
    added = added.groupby(["Item", "Month"], as_index=False)["Events"].sum()
    figures = ["Statistical", "Lower80", "Upper80"]
    forecast[figures] = forecast[figures].astype(float).round(2)
    added["Events"] = added["Events"].astype(float).round(2)  # float also when empty (pandas 2 keeps object)
    return forecast.reset_index(drop=True), added[added["Events"] != 0].reset_index(drop=True)
