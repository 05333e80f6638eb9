"""The demand planning grid (sheet 1 Demand): the one place where the plan people read and type is converted
to and from the long table the code works on (tblDemandPlan).

The grid has, per family and then per item of the family, one row per measure and one column per month: the
last HISTORY_MONTHS months before the cycle month, then the plan months. People type in the contributor rows
(one per person or team that adjusts the forecast: Sales North, Marketing...; listed in tblContributors) and in
the Lock column; every other row is computed. A figure typed on a family row is spread over the family's items
that are not locked, in proportion to their statistical forecast for that month (or, as the Settings say, their
last 12 months of history, or equally), whole units summing to the figure typed; the item rows show their share
in "From family". Removing the family figure takes the shares back out. Where History has regions (or segments),
each item's rows are followed by a block per region (the rules: xl_sop.cycle.regions).

Typed values are kept by (Family, Item, Measure, Month): a rerun, a new forecast or a cycle month that moves puts
each one back in its month's column. A typed row whose item, family or contributor is gone is kept at the bottom,
marked, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xl_sop import cells
from xl_sop.cycle.grids import KEPT, TOTAL, header_month, month_header
from xl_sop.cycle.regions import RegionBasis, RegionPlan, plan_regions
from xl_sop.errors import InputError, Problem
from xl_sop.hierarchy import spread
from xl_sop.workbook import schema
from xl_sop.workbook.schema import TableName as T

HISTORY_MONTHS = schema.DEMAND_VIEW_HISTORY_MONTHS
HISTORY, STATISTICAL, FROM_FAMILY, CONSENSUS, LAST_CYCLE, BUDGET, FROM_ITEM, EVENTS = schema.COMPUTED_MEASURES
COMPUTED = (HISTORY, STATISTICAL, FROM_FAMILY, CONSENSUS, LAST_CYCLE, BUDGET, FROM_ITEM, EVENTS)
STAGES = ("Sales", "Marketing")
"""What each contributor's adjustments count as in the plan (and in forecast value added)."""
LOCK_WORDS_OFF = {"", "no", "n", "0", "false", "-"}
LABELS = ("Family", "Item", "Measure", "Lock")


@dataclass(frozen=True)
class Contributor:
    name: str
    """The row's Measure in the grid: Sales North, Marketing..."""
    stage: str
    """Sales or Marketing: which adjustment of the plan its figures count as."""


DEFAULT_CONTRIBUTORS = (Contributor("Sales adj.", "Sales"), Contributor("Marketing adj.", "Marketing"))


def contributors_from(table: pd.DataFrame | None) -> tuple[tuple[Contributor, ...], list[Problem]]:
    """The contributor rows of tblContributors (Contributor, Stage), in order; the defaults when it is empty."""
    spec = schema.table(T.CONTRIBUTORS)
    if table is None or table.empty:
        return DEFAULT_CONTRIBUTORS, []
    found: list[Contributor] = []
    problems: list[Problem] = []
    for row, record in table.iterrows():
        name, stage = cells.text(record.get("Contributor")), cells.text(record.get("Stage"))
        if name is None and stage is None:
            continue
        where = (spec.sheet, spec.name, int(str(row)))
        if name is None:
            problems.append(Problem(*where, "Contributor", "give the contributor a name (it becomes a row of 1 Demand)"))
            continue
        if name in COMPUTED or name.endswith(KEPT):
            problems.append(Problem(*where, "Contributor", f"'{name}' is the name of a computed row: choose another"))
            continue
        if any(c.name.lower() == name.lower() for c in found):
            problems.append(Problem(*where, "Contributor", f"'{name}' is listed twice"))
            continue
        match = next((s for s in STAGES if stage is not None and s.lower() == stage.lower()), None)
        if match is None:
            problems.append(Problem(*where, "Stage", f"'{stage or ''}' is not a stage: type Sales or Marketing"))
            continue
        found.append(Contributor(name, match))
    return (tuple(found) or DEFAULT_CONTRIBUTORS), problems


@dataclass
class Typed:
    """What people typed in the grid."""

    values: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["Family", "Item", "Measure", "Month",
                                                                            "Value"]))
    """One row per typed number: Family, Item (TOTAL on a family row), Measure (a contributor), Month, Value."""
    locks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["Family", "Item", "Measure", "Lock"]))
    """One row per typed Lock cell, by the row's labels."""

    @property
    def locked_items(self) -> set[str]:
        return {str(item) for item, lock in zip(self.locks["Item"], self.locks["Lock"], strict=True)
                if item != TOTAL and str(lock).strip().lower() not in LOCK_WORDS_OFF}


def following_items(typed: Typed, families: pd.Series) -> Typed:
    """What was typed on an item's rows (figures, Lock), moved to the family the item has now (``families``: item
    -> family) where Items moved it since: the rows were labelled with the family it had, and would otherwise stay
    under it as a row no item adds up to. A figure the item's row under its new family already holds for the same
    contributor and month is the one kept."""

    def moved(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
        if frame.empty:
            return frame
        now = frame["Item"].map(lambda i: families.get(i) if i != TOTAL else None)
        move = now.notna() & (now.astype(object) != frame["Family"])
        if not move.any():
            return frame
        relabelled = frame.assign(Family=frame["Family"].where(~move, now))
        # the rows typed under the new family first: drop_duplicates keeps them over the moved ones
        ordered = pd.concat([relabelled[~move], relabelled[move]])
        return ordered[~ordered.duplicated(key, keep="first")].sort_index()

    return Typed(moved(typed.values, ["Family", "Item", "Measure", "Month"]),
                 moved(typed.locks, ["Family", "Item", "Measure"]))


def typed_in(grid: pd.DataFrame, contributors: Sequence[Contributor]) -> tuple[Typed, list[Problem]]:
    """The typed values of a grid as read from the book (index = data row numbers), and a problem for every
    typed cell that is not a number, naming its worksheet row (the grid where the template puts it) and month.
    Rows kept at the bottom (KEPT) count as typed rows of their measure."""
    spec = schema.table(T.DEMAND_VIEW)
    header_row = schema.table_origin(spec)[0]
    if grid.empty or "Measure" not in grid:
        return Typed(), []
    names = {c.name.lower(): c.name for c in contributors}
    months = {col: header_month(col) for col in grid.columns}
    month_cols = [c for c, m in months.items() if m is not None and c not in LABELS]
    # Columns read at once: a grid with region rows has 25,000 rows at 1,000 items (iterrows took seconds).
    labels = {name: cells.text_column(grid[name] if name in grid else [None] * len(grid))[0] for name in LABELS}
    measures = np.array([m or "" for m in labels["Measure"]], dtype=object)
    bases = np.array([m[: -len(KEPT)] if m.endswith(KEPT) else m for m in measures], dtype=object)
    lock_cells = grid["Lock"].tolist() if "Lock" in grid else [None] * len(grid)
    locks = [(labels["Family"][k], labels["Item"][k], bases[k], str(lock).strip())
             for k, lock in enumerate(lock_cells) if not cells.is_blank(lock)]
    typed_rows = np.flatnonzero([_typed_row(measure, names) for measure in measures])
    found: list[tuple[int, int, float]] = []  # (row position, month column position, value)
    bad_cells: list[tuple[int, int, cells.CellError]] = []
    for c, col in enumerate(month_cols):
        numbers, bad = cells.number_column(grid[col].iloc[typed_rows])
        bad_cells += [(int(typed_rows[i]), c, exc) for i, exc in bad.items()]
        kept = np.flatnonzero(~np.isnan(numbers) & (numbers != 0))
        found += zip(typed_rows[kept].tolist(), [c] * len(kept), numbers[kept].tolist(), strict=True)
    problems = []
    for k, c, exc in sorted(bad_cells, key=lambda b: (b[0], b[1])):  # row by row, as the grid reads
        # a family's own rows have Item "Total": name the family ("Snacks Sales adj.", not "Total Sales adj.")
        family, item = labels["Family"][k], labels["Item"][k]
        who = family if item in (None, TOTAL) else item
        problems.append(Problem(spec.sheet, spec.name, header_row + int(str(grid.index[k])), str(month_cols[c]),
                                f"{who} {bases[k]}: {exc.table_text('1250 or -300')}"))
    values = [(labels["Family"][k], labels["Item"][k], names.get(bases[k].lower(), bases[k]), months[month_cols[c]], v)
              for k, c, v in sorted(found, key=lambda f: (f[0], f[1]))]
    return Typed(pd.DataFrame(values, columns=["Family", "Item", "Measure", "Month", "Value"]),
                 pd.DataFrame(locks, columns=["Family", "Item", "Measure", "Lock"])), problems


def _typed_row(measure: str, names: dict[str, str]) -> bool:
    """Whether a grid row of ``measure`` is typed: a contributor's row (``names``: their names, lower case), or one of
    a contributor renamed or removed since (its figures are kept, not counted)."""
    base = measure[: -len(KEPT)] if measure.endswith(KEPT) else measure
    return base.lower() in names or measure.endswith(KEPT) or (bool(base) and base not in COMPUTED)


def typed_in_history(grid: pd.DataFrame, contributors: Sequence[Contributor], cycle: pd.Timestamp) -> list[Problem]:
    """A note for every figure typed in a contributor row in a month before the cycle month: the grid keeps it, the
    plan does not count it (the plan starts at the cycle month). Not a stop: Run Forecast says so in its note and
    Validate lists them, by cell."""
    spec = schema.table(T.DEMAND_VIEW)
    header_row = schema.table_origin(spec)[0]
    if grid.empty or "Measure" not in grid:
        return []
    names = {c.name.lower(): c.name for c in contributors}
    past = {col: m for col in grid.columns if col not in LABELS and (m := header_month(col)) is not None and m < cycle}
    measures = [m or "" for m in cells.text_column(grid["Measure"])[0]]
    rows = np.flatnonzero([_typed_row(measure, names) for measure in measures])  # only typed rows are looked at
    if not past or not len(rows):
        return []
    items, families = grid["Item"].iloc[rows].tolist(), grid["Family"].iloc[rows].tolist()
    row_numbers = grid.index[rows]
    notes = []
    for col, month in past.items():
        column = grid[col].iloc[rows]
        if pd.api.types.is_float_dtype(column.dtype):
            filled = np.flatnonzero(column.notna().to_numpy())
        else:
            filled = np.flatnonzero([not cells.is_blank(value) for value in column.tolist()])
        for k in filled.tolist():
            value = column.iat[k]
            item = cells.text(items[k])
            who = cells.text(families[k]) if item in (None, TOTAL) else item
            shown = f"{value:,.10g}" if isinstance(value, int | float) else value
            notes.append(Problem(spec.sheet, spec.name, header_row + int(str(row_numbers[k])), str(col),
                                 f"{who} {measures[rows[k]]}: {shown} is typed in a history month ({month:%b %Y}, "
                                 f"before the cycle month {cycle:%b %Y}): kept, but not counted in the plan; move it "
                                 "to a plan month or clear it (a note, not a stop)"))
    return notes


def family_lock_note(grid: pd.DataFrame) -> str:
    """Run Forecast's note on a Lock typed on a family's row, which keeps nothing (a family's figure is spread over
    its items; Lock on an item's row keeps that item out of the spreading); empty when there is none."""
    if grid.empty or not {"Item", "Lock", "Family"} <= set(grid.columns):
        return ""
    locks = grid["Lock"].map(lambda v: str(v).strip().lower() if v is not None and v == v else "")
    families = list(dict.fromkeys(grid.loc[(grid["Item"] == TOTAL) & ~locks.isin(LOCK_WORDS_OFF), "Family"]))
    if not families:
        return ""
    return (f"Lock on the family row of {', '.join(map(str, families))} does nothing: type it on the item rows to "
            "keep those items out of the family's figures")


def history_typed_note(grid: pd.DataFrame, contributors_table: pd.DataFrame | None, cycle: pd.Timestamp | None) -> str:
    """Run Forecast's note on figures typed in history months (typed_in_history); empty when there is none."""
    if cycle is None:
        return ""
    contributors, _problems = contributors_from(contributors_table)
    # the grid as the step wrote it, numbered as the book numbers its rows (1 = the first under the header)
    notes = typed_in_history(grid.set_axis(pd.RangeIndex(1, len(grid) + 1)), contributors, cycle)
    if not notes:
        return ""
    first = notes[0]
    return (f"{len(notes)} figure(s) typed in history months of {first.sheet} are kept but not counted (first: row "
            f"{first.row}, {first.column}); Validate lists them")


def typed_over_computed(grid: pd.DataFrame, plan: pd.DataFrame) -> list[Problem]:
    """A problem for every item Statistical or Consensus cell of the grid that no longer holds what the last run
    wrote there (``plan``: tblDemandPlan of that run): a figure typed over a computed row, which the next run
    would overwrite. Family and region rows are sums, so only item rows are compared; a blank cell is not."""
    spec = schema.table(T.DEMAND_VIEW)
    header_row = schema.table_origin(spec)[0]
    if grid.empty or plan.empty or "Measure" not in grid or not {"Item", "Month"} <= set(plan.columns):
        return []
    month_of = {col: header_month(col) for col in grid.columns if col not in LABELS}
    month_cols = [col for col, month in month_of.items() if month is not None]
    measures, items = cells.text_column(grid["Measure"])[0], cells.text_column(grid["Item"])[0]
    rows = np.flatnonzero([m in (STATISTICAL, CONSENSUS) and i is not None and i != TOTAL
                           for m, i in zip(measures, items, strict=True)])
    if not len(rows) or not month_cols:
        return []
    # what the last run wrote, as rows x month columns aligned with the grid's item rows (NaN: nothing written)
    plan_items = [str(i) if cells.text(i) is not None else None for i in plan["Item"].tolist()]
    plan_months = pd.to_datetime(plan["Month"], errors="coerce")
    written = np.full((len(rows), len(month_cols)), np.nan)
    for measure in (STATISTICAL, CONSENSUS):
        if measure not in plan:
            continue
        figures = plan[measure]
        numeric = np.array([isinstance(v, int | float) for v in figures.tolist()], dtype=bool)
        values = np.where(numeric, pd.to_numeric(figures.where(numeric), errors="coerce"), np.nan).astype(float)
        keep = np.isfinite(values) & plan_months.notna().to_numpy() & np.array([i is not None for i in plan_items])
        table = pd.Series(values[keep], index=pd.MultiIndex.from_arrays(
            [np.array(plan_items, dtype=object)[keep], plan_months.to_numpy()[keep]]))
        table = table[~table.index.duplicated(keep="last")]  # the last row of a key, as a dict keeps it
        of_rows = np.flatnonzero(measures[rows] == measure)
        wanted = pd.MultiIndex.from_product([items[rows[of_rows]], [month_of[c] for c in month_cols]])
        written[of_rows] = table.reindex(wanted).to_numpy(dtype=float).reshape(len(of_rows), len(month_cols))
    found: list[tuple[int, int, object, float]] = []
    for c, col in enumerate(month_cols):
        raw = grid[col].iloc[rows]
        now, bad, listed = *cells.number_column(raw), raw.tolist()
        bad_mask = np.zeros(len(rows), dtype=bool)
        bad_mask[list(bad)] = True
        compared = ~np.isnan(written[:, c]) & (~np.isnan(now) | bad_mask)
        with np.errstate(invalid="ignore"):
            off = compared & (bad_mask | (np.abs(now - written[:, c]) > 0.011))
        found += [(int(k), c, listed[k], float(written[k, c])) for k in np.flatnonzero(off)]
    problems = []
    for k, c, value, was in sorted(found, key=lambda f: (f[0], f[1])):
        item, measure, col = items[rows[k]], measures[rows[k]], month_cols[c]
        problems.append(Problem(spec.sheet, spec.name, header_row + int(str(grid.index[rows[k]])), str(col),
                                f"{item} {measure} holds {value}, not the {was:,.2f} Run Forecast wrote: the "
                                f"{measure} row is computed and the next run would overwrite it; type the "
                                "change in a contributor row (e.g. Sales adj.) and clear this cell"))
    return problems


@dataclass(frozen=True)
class PlanBasis:
    """What the plan is made of, besides what people typed."""

    families: pd.Series
    """Item -> Family, items in the order the grid lists them."""
    statistical: pd.DataFrame
    """Item, Month, Statistical for the plan months."""
    history: pd.DataFrame
    """Item, Month, Quantity (months before the cycle month)."""
    last_cycle: pd.DataFrame
    """Item, Month, Consensus of the last frozen plan."""
    budget: pd.DataFrame
    """Family, Month, Units."""
    history_months: pd.DatetimeIndex
    plan_months: pd.DatetimeIndex
    spread_by: str = "forecast"
    """forecast (statistical forecast of the month), history (last 12 months) or equal."""
    regions: RegionBasis | None = None
    """The items' regions and segments, when History has them (xl_sop.cycle.regions); None: items only."""
    events: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["Item", "Month", "Events"]))
    """Item, Month, Events: what future events add (xl_sop.forecast.events); empty without events."""


@dataclass
class Plan:
    """The demand plan: per item and plan month, the adjustments by stage and the consensus; and the grid."""

    long: pd.DataFrame
    """Item, Family, Month, Statistical, Events, SalesAdj, MarketingAdj, FromFamily, Consensus."""
    grid: pd.DataFrame


def _matrix(long: pd.DataFrame, key: str, value: str, rows: Sequence[str], months: pd.DatetimeIndex,
            blank: float = 0.0) -> np.ndarray:
    """rows x months of ``value`` (summed); ``blank`` where ``long`` has nothing (NaN: shown blank, not 0)."""
    if long.empty:
        return np.full((len(rows), len(months)), blank)
    table = long.pivot_table(index=key, columns="Month", values=value, aggfunc="sum")
    matrix: np.ndarray = table.reindex(index=list(rows), columns=months).fillna(blank).to_numpy(dtype=float)
    return matrix


def plan(basis: PlanBasis, typed: Typed, contributors: Sequence[Contributor]) -> Plan:
    """The plan and the grid: family figures spread to items, item adjustments added, consensus per item."""
    items = [str(i) for i in basis.families.index]
    family_list = basis.families.tolist()  # the family of each of the items, by position
    families = list(dict.fromkeys(str(f) for f in basis.families))
    months = basis.plan_months
    stat = _matrix(basis.statistical, "Item", "Statistical", items, months)
    history = _matrix(basis.history, "Item", "Quantity", items, basis.history_months)
    item_pos = {item: i for i, item in enumerate(items)}
    month_pos = {m: j for j, m in enumerate(months)}
    locked = typed.locked_items
    values = typed.values
    in_family = values["Item"].map(lambda i: basis.families.get(i)) == values["Family"]
    on_items = values[in_family & values["Month"].isin(months)]
    on_families = values[(values["Item"] == TOTAL) & values["Family"].isin(families) & values["Month"].isin(months)]
    own = {c.name: np.zeros((len(items), len(months))) for c in contributors}
    shares = {c.name: np.zeros((len(items), len(months))) for c in contributors}
    for record in on_items.itertuples(index=False):
        if record.Measure in own:
            own[record.Measure][item_pos[record.Item], month_pos[record.Month]] += record.Value
    recent = _recent_history(basis)
    for record in on_families.itertuples(index=False):
        if record.Measure not in shares:
            continue
        members = [k for k, f in enumerate(family_list) if f == record.Family]
        j = month_pos[record.Month]
        if basis.spread_by == "history":
            weights = np.array([recent.get(items[i], 0.0) for i in members])
        elif basis.spread_by == "equal":
            weights = np.ones(len(members))
        else:
            weights = np.clip(stat[members, j], 0.0, None)
        lock = np.array([0.0 if items[i] in locked else np.nan for i in members])
        try:
            split = spread(record.Value, weights, lock, decimals=0)
        except InputError as exc:
            why = ("every item of the family is locked: unlock one (Lock column)" if np.all(~np.isnan(lock))
                   else _why_no_weight(basis.spread_by))
            raise InputError(f"1 Demand: {record.Family} {record.Measure} {record.Month:%b %Y} ({record.Value:,.0f}) "
                             f"cannot be spread: {exc} ({why}); nothing was written") from exc
        shares[record.Measure][members, j] += split
    events = _matrix(basis.events, "Item", "Events", items, months)
    below = None
    if basis.regions is not None:
        # an item's events are spread over its regions like its typed figures, but for those of one region (that
        # region's own), so the regions add up to the item
        of_one_region = basis.regions.events.assign(Item=basis.regions.events["Item"].map(basis.regions.item_of))
        spread_down = events - _matrix(of_one_region, "Item", "Events", items, months)
        below = plan_regions(basis.regions, values, locked, basis.families,
                             {**{c.name: own[c.name] + shares[c.name] for c in contributors}, EVENTS: spread_down},
                             months, basis.history_months, {str(i) for i in (*values["Item"], *typed.locks["Item"])})
    by_stage = {s: np.zeros((len(items), len(months))) for s in STAGES}
    for c in contributors:
        by_stage[c.stage] += own[c.name] + shares[c.name] + (0.0 if below is None else below.typed_by_item[c.name])
    from_family = sum((shares[c.name] for c in contributors), np.zeros((len(items), len(months))))
    consensus = np.maximum(0.0, stat + events + by_stage["Sales"] + by_stage["Marketing"])
    long = pd.DataFrame({
        "Item": np.repeat(items, len(months)),
        "Family": np.repeat(family_list, len(months)),
        "Month": np.tile(months, len(items)),
        "Statistical": stat.ravel(), "Events": events.ravel(), "SalesAdj": by_stage["Sales"].ravel(),
        "MarketingAdj": by_stage["Marketing"].ravel(), "FromFamily": from_family.ravel(),
        "Consensus": consensus.ravel(),
    })
    last = _matrix(basis.last_cycle, "Item", "Consensus", items, months, blank=np.nan)
    has_last = not basis.last_cycle.empty
    grid = _grid(basis, typed, contributors, items, families, {
        HISTORY: history, STATISTICAL: stat, EVENTS: events, FROM_FAMILY: from_family, CONSENSUS: consensus,
        LAST_CYCLE: last if has_last else None}, below)
    return Plan(long, grid)


def _why_no_weight(spread_by: str) -> str:
    return {"history": "no unlocked item of the family has history in the last 12 months",
            "equal": "every item of the family is locked"}.get(
        spread_by, "no unlocked item of the family has a statistical forecast for that month; "
                   "set Settings / Spread family figures by to history or equal, or type it on the items")


def _recent_history(basis: PlanBasis) -> dict[str, float]:
    if basis.history.empty:
        return {}
    last = basis.plan_months[0] - pd.DateOffset(months=12)
    recent = basis.history[basis.history["Month"] >= last]
    return {str(k): float(v) for k, v in recent.groupby("Item")["Quantity"].sum().clip(lower=0).items()}


def _grid(basis: PlanBasis, typed: Typed, contributors: Sequence[Contributor], items: list[str], families: list[str],
          figures: dict[str, np.ndarray | None], below: RegionPlan | None = None) -> pd.DataFrame:
    """The grid frame: labels, then one column per month."""
    hist_months, plan_months = basis.history_months, basis.plan_months
    family_list = basis.families.tolist()  # the family of each of the items, by position
    later = _later_typed_months(typed, plan_months)
    headers = [month_header(m) for m in (*hist_months, *plan_months, *later)]
    nh, npl = len(hist_months), len(plan_months) + len(later)
    rows: list[list[object]] = []
    lock_of = {(f, i, m): v for f, i, m, v in typed.locks.itertuples(index=False)}
    typed_by_row: dict[tuple[str, str, str], dict[pd.Timestamp, float]] = {}
    for f, i, m, month, value in typed.values.itertuples(index=False):
        cell = typed_by_row.setdefault((f, i, m), {})
        cell[month] = cell.get(month, 0.0) + value
    all_months = (*hist_months, *plan_months, *later)
    blank_months = [None] * len(all_months)  # a contributor row nobody typed in (most of them)
    budget = basis.budget
    used: set[tuple[str, str, str]] = set()

    def row(family: str, item: str, measure: str, history: np.ndarray | None, planned: np.ndarray | None,
            _level: int) -> None:
        cells_ = [None] * nh if history is None else _shown_row(history)
        cells_ += [None] * npl if planned is None else [*_shown_row(planned), *[None] * len(later)]
        rows.append([family, item, measure, lock_of.get((family, item, measure)), *cells_])
        used.add((family, item, measure))

    def typed_row(family: str, item: str, measure: str, _level: int) -> None:
        """A contributor's row: what was typed, in its month's column (past months included), blank elsewhere."""
        by_month = typed_by_row.get((family, item, measure), {})
        shown = [_shown(by_month[m]) if m in by_month else None for m in all_months] if by_month else blank_months
        rows.append([family, item, measure, lock_of.get((family, item, measure)), *shown])
        used.add((family, item, measure))

    for family in families:
        members = [k for k, f in enumerate(family_list) if f == family]
        total = {name: (None if m is None else _column_sums(m[members])) for name, m in figures.items()}
        row(family, TOTAL, HISTORY, total[HISTORY], None, 0)
        row(family, TOTAL, STATISTICAL, None, total[STATISTICAL], 0)
        if _has_events(figures[EVENTS], members):  # only where an event applies
            row(family, TOTAL, EVENTS, None, _zero_blank(total[EVENTS]), 0)
        for c in contributors:
            typed_row(family, TOTAL, c.name, 0)
        row(family, TOTAL, CONSENSUS, None, total[CONSENSUS], 0)
        if total[LAST_CYCLE] is not None:
            row(family, TOTAL, LAST_CYCLE, None, total[LAST_CYCLE], 0)
        units = budget[budget["Family"] == family] if not budget.empty else budget
        if len(units):
            series = units.groupby("Month")["Units"].sum().reindex(plan_months)
            row(family, TOTAL, BUDGET, None, series.to_numpy(dtype=float), 0)
        for k in members:
            item = items[k]
            row(family, item, HISTORY, _at(figures[HISTORY], k), None, 1)
            row(family, item, STATISTICAL, None, _at(figures[STATISTICAL], k), 1)
            if _has_events(figures[EVENTS], [k]):
                row(family, item, EVENTS, None, _zero_blank(_at(figures[EVENTS], k)), 1)
            for c in contributors:
                typed_row(family, item, c.name, 1)
            row(family, item, FROM_FAMILY, None, _zero_blank(_at(figures[FROM_FAMILY], k)), 1)
            row(family, item, CONSENSUS, None, _at(figures[CONSENSUS], k), 1)
            if figures[LAST_CYCLE] is not None:
                row(family, item, LAST_CYCLE, None, _at(figures[LAST_CYCLE], k), 1)
            for label, shown in [] if below is None else below.rows_of(item):  # its regions (xl_sop.cycle.regions)
                row(family, label, HISTORY, shown["history"], None, 2)
                row(family, label, STATISTICAL, None, shown["statistical"], 2)
                if shown["events"].any():  # an event of this region
                    row(family, label, EVENTS, None, _zero_blank(shown["events"]), 2)
                for c in contributors:
                    typed_row(family, label, c.name, 2)
                row(family, label, FROM_ITEM, None, _zero_blank(shown["from_item"]), 2)
                row(family, label, CONSENSUS, None, shown["consensus"], 2)
    kept = _kept_rows(typed, used, hist_months, pd.DatetimeIndex([*plan_months, *later]))
    for family, item, measure, by_month in kept:
        rows.append([family, item, measure + KEPT, lock_of.get((family, item, measure)),
                     *[by_month.get(m) for m in all_months]])
    return pd.DataFrame(rows, columns=[*LABELS, *headers])


def _has_events(events: np.ndarray | None, rows: list[int]) -> bool:
    return events is not None and bool(np.any(events[rows] != 0))


def _column_sums(block: np.ndarray) -> np.ndarray:
    """Month by month sums of some items' rows: blank where all of them are blank (Last cycle before any freeze)."""
    sums: np.ndarray = np.where(np.isnan(block).all(axis=0), np.nan, np.nansum(block, axis=0)) if block.size else \
        np.zeros(block.shape[1])
    return sums


def _at(matrix: np.ndarray | None, k: int) -> np.ndarray | None:
    return None if matrix is None else matrix[k]


def _zero_blank(values: np.ndarray | None) -> np.ndarray | None:
    """Adjustment rows show blank cells where nothing is added (a 0 would look typed)."""
    return None if values is None else np.where(values == 0, np.nan, values)


def _shown_row(values: np.ndarray) -> list[float | None]:
    """_shown of every figure of a row (the finite ones found at once)."""
    finite = np.isfinite(values).tolist()
    return [round(v, 2) if ok else None for v, ok in zip(values.astype(float).tolist(), finite, strict=True)]


def _shown(value: float) -> float | None:
    """A figure as the grid shows it: blank for NaN, whole units rounded to 2 decimals otherwise."""
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), 2)


def _later_typed_months(typed: Typed, plan_months: pd.DatetimeIndex) -> list[pd.Timestamp]:
    """The months after the plan's last one up to the last month holding a typed figure (the horizon was shortened):
    the grid shows them, so the figures stay where they were typed, and plans them again when the horizon grows.
    Figures typed for months older than the history the grid shows are not kept (the plan archive holds the plans
    frozen then)."""
    if typed.values.empty:
        return []
    last = max(typed.values["Month"])
    if last <= plan_months[-1]:
        return []
    return list(pd.date_range(plan_months[-1] + pd.DateOffset(months=1), last, freq="MS"))


def _kept_rows(typed: Typed, used: set[tuple[str, str, str]], hist_months: pd.DatetimeIndex,
               plan_months: pd.DatetimeIndex) -> list[tuple[str, str, str, dict[pd.Timestamp, float]]]:
    """Typed rows whose labels the new grid has no row for (an item, family or contributor gone)."""
    shown = set(hist_months) | set(plan_months)
    out: dict[tuple[str, str, str], dict[pd.Timestamp, float]] = {}
    for family, item, measure, month, value in typed.values.itertuples(index=False):
        key = (family, item, measure)
        if key in used or month not in shown:
            continue
        out.setdefault(key, {})[month] = value
    return [(f, i, m, by_month) for (f, i, m), by_month in out.items()]


def family_of(items: pd.DataFrame, plan_items: Sequence[str]) -> pd.Series:
    """Item -> Family for the plan's items, ordered family by family (families in the order Items lists them)."""
    table = items.dropna(subset=["Item"]).drop_duplicates("Item")
    family = table.set_index("Item")["Family"].map(lambda v: cells.text(v) or "(no family)")
    order = {f: k for k, f in enumerate(dict.fromkeys(family))}
    planned = set(plan_items)  # once: a set per item made this quadratic (0.4 s at 5,000 items)
    known = [i for i in table["Item"] if i in planned]
    extra = [i for i in plan_items if i not in family.index]
    out = pd.concat([family[known], pd.Series("(no family)", index=extra, dtype=object)])
    rank = out.map(lambda f: order.get(f, len(order)))
    position = pd.Series(range(len(out)), index=out.index)
    return out.iloc[np.lexsort((position.to_numpy(), rank.to_numpy()))]



def chart_rows(basis: PlanBasis) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of tblDemandHistoryChart and tblDemandChart: one per history and per plan month of the grid, with
    the column of the grid each reads; the figures are the tables' own formulas (the chart follows the chooser)."""
    history, planned = len(basis.history_months), len(basis.plan_months)
    first = len(LABELS)
    return (pd.DataFrame({"Month": basis.history_months, "Offset": range(first, first + history)}),
            pd.DataFrame({"Month": basis.plan_months, "Offset": range(first + history, first + history + planned)}))


def carry_typed(old_grid: pd.DataFrame, current_grid: pd.DataFrame, contributors: Sequence[Contributor]) -> pd.DataFrame:
    """``old_grid`` (what Undo puts back) with what people typed in ``current_grid`` since."""
    typed, _problems = typed_in(current_grid, contributors)
    return with_typed(old_grid, typed, contributors)


def with_typed(grid: pd.DataFrame, typed: Typed, contributors: Sequence[Contributor]) -> pd.DataFrame:
    """``grid`` with its typed cells replaced by ``typed``, by row labels and month; typed rows the grid has no row
    or month for are kept at the bottom. Computed rows stay as they are (Run Forecast recomputes them)."""
    out = grid.copy()
    if out.empty:
        return out
    names = {c.name.lower() for c in contributors}
    month_of = {col: header_month(col) for col in out.columns}
    month_cols = [c for c, m in month_of.items() if m is not None]
    position = {(cells.text(f), cells.text(i), cells.text(m)): k for k, (f, i, m) in
                enumerate(zip(out["Family"], out["Item"], out["Measure"], strict=True))}
    for k, measure in enumerate(out["Measure"]):
        if (cells.text(measure) or "").lower() in names:
            for col in month_cols:
                out.iat[k, out.columns.get_loc(col)] = None
    out["Lock"] = None
    for f, i, m, lock in typed.locks.itertuples(index=False):
        at = position.get((f, i, m))
        if at is not None:
            out.iat[at, out.columns.get_loc("Lock")] = lock
    header_of = {m: c for c, m in month_of.items() if m is not None}
    leftover: dict[tuple[str, str, str], dict[pd.Timestamp, float]] = {}
    for f, i, m, month, value in typed.values.itertuples(index=False):
        at = position.get((f, i, m))
        if at is not None and month in header_of:
            out.iat[at, out.columns.get_loc(header_of[month])] = value
        else:
            leftover.setdefault((f, i, m), {})[month] = value
    extra = [[f, i, m + KEPT, None, *[by_month.get(month_of[c]) for c in month_cols]]
             for (f, i, m), by_month in leftover.items()]
    if extra:
        out = pd.concat([out, pd.DataFrame(extra, columns=[*LABELS, *month_cols])], ignore_index=True)
    return out
