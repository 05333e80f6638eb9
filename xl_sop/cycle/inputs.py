"""Reading and checking the input tables before a step runs: one report of every problem.

A month-end workbook is messy: text in a number column, "Jan-26" typed for a
month, a duplicated item, an item in History that Items does not know. Each
problem becomes one line naming its sheet, table, row and column, in plain
words; a step that finds problems in the tables it needs stops before it
writes anything. The cleaned tables (numbers as floats, dates as timestamps)
are what the steps compute with.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xl_sop import cells
from xl_sop.cycle.demand_view import contributors_from, typed_in, typed_in_history, typed_over_computed
from xl_sop.cycle.scenario_inputs import ScenarioChange, scenario_changes
from xl_sop.errors import Problem
from xl_sop.forecast.events import event_problems
from xl_sop.settings import Settings, read_settings
from xl_sop.workbook import schema
from xl_sop.workbook.book import Book
from xl_sop.workbook.schema import TableName as T

NUMBER_FORMATS = {schema.UNITS, schema.MONEY, schema.PRICE, schema.SHARE, schema.HOURS, schema.FACTOR, schema.DAYS,
                  "0", "0.0", "0.00", "0.000"}
DATE_FORMATS = {schema.MONTH, schema.DATE}

# Columns where a negative number is real: net returns booked as negative shipments, an event that lowers demand.
NEGATIVE_ALLOWED = {(T.HISTORY, "Quantity"), (T.EVENTS, "UpliftPct"), (T.EVENTS, "UpliftUnits")}
# Tables whose rows with the same key are added up (an ERP extract split by warehouse or customer), not refused.
SUMMED_KEYS = {T.HISTORY}
LARGEST_NUMBER = 1e12
"""Past this a quantity or amount is taken for a typing or export error (a date pasted as a number, 1e15)."""

# Values that must be filled in (the header must exist for every schema column).
REQUIRED_VALUES = {
    T.ITEMS: ("Item", "Family", "UnitPrice", "UnitCost", "LeadTimeMonths"),
    T.HISTORY: ("Item", "Month", "Quantity"),
    T.INVENTORY: ("Item", "ReceiptDate", "Quantity"),
    T.ORDERS: ("Item", "PromisedDate", "QtyOrdered"),
    T.CAPACITY: ("Resource", "Month", "Hours"),
    T.PRODUCTION: ("Item", "Month"),
    T.BUDGET: ("Family", "Month"),
    T.EVENTS: ("Kind", "FromMonth"),
}
DATA_TABLES = tuple(REQUIRED_VALUES)
INPUT_TABLES = (*DATA_TABLES, T.SETTINGS, T.TARGETS)
ALWAYS_READ = (T.HISTORY, T.SETTINGS)
"""Read for every command: the cycle month is a setting or, when it is blank, the month after the last history."""
ITEM_TABLES = (T.HISTORY, T.INVENTORY, T.ORDERS, T.PRODUCTION)
MUST_HAVE_ROWS = (T.ITEMS, T.HISTORY)
OPTIONAL_TABLES = (T.EVENTS,)
"""Input tables a workbook made before they existed does not have: read as empty, not reported missing."""




@dataclass
class Inputs:
    """The input tables of a book, cleaned, the typed settings, and the problems found in them."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    raw: dict[str, pd.DataFrame] = field(default_factory=dict)
    """The tables as the book gave them (those it has), before cleaning: what freshness fingerprints."""

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def problems_in(self, *names: str) -> list[Problem]:
        wanted = set(names)
        return [p for p in self.problems if p.table in wanted]


def _clean(spec: schema.Table, raw: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """The table with contract spelling, numbers as floats and dates as timestamps; bad cells blank and reported."""
    lookup = {str(c).strip().lower(): c for c in raw.columns}
    missing = [c.name for c in spec.columns if c.name.lower() not in lookup and not c.optional]
    for name in missing:
        problems.append(Problem(spec.sheet, spec.name, None, name,
                                f"the column {name} is missing (the table has {', '.join(map(str, raw.columns))})"))
    frame = raw.rename(columns={lookup[c.name.lower()]: c.name for c in spec.columns if c.name.lower() in lookup})
    required = REQUIRED_VALUES.get(spec.name, ())
    for column in spec.columns:
        if column.name not in frame:
            frame[column.name] = np.nan
            continue
        values = frame[column.name]
        kind = "a date" if column.format in DATE_FORMATS else "a number" if column.format in NUMBER_FORMATS else ""
        if kind == "a date":
            parsed, bad = cells.date_column(values)
            blank = parsed.isna().to_numpy()
            example = cells.DATE_EXAMPLE
        elif kind == "a number":
            parsed, bad = cells.number_column(values)
            blank = np.isnan(parsed)
            example = cells.NUMBER_EXAMPLE
        else:
            parsed, blank = cells.text_column(values)
            bad, example = {}, ""
        problems.extend(_cell_problems(spec, column.name, frame.index, parsed if kind == "a number" else None,
                                       bad, blank & (column.name in required), example))
        if kind == "a number":
            frame[column.name] = pd.array(parsed, dtype=float)
        elif kind == "a date":
            frame[column.name] = pd.Series(parsed.to_numpy(), index=frame.index)
        else:
            frame[column.name] = pd.Series(parsed, index=frame.index)
    for column in spec.columns:
        if column.format == schema.MONTH and column.name in frame:
            frame[column.name] = frame[column.name].dt.to_period("M").dt.to_timestamp()
    if spec.key and spec.name not in SUMMED_KEYS and all(k in frame for k in spec.key):
        keyed = frame.dropna(subset=list(spec.key))
        dup = keyed.duplicated(list(spec.key), keep="first")
        # the first row of each key, by one grouping (only when some key is listed twice)
        firsts = (keyed.index.to_series().groupby([keyed[k] for k in spec.key], sort=False).transform("first")
                  if dup.any() else pd.Series(dtype=object))
        for row in keyed.index[dup]:
            first = firsts[row]
            what = ", ".join(f"{k} {_show(keyed.loc[row, k])}" for k in spec.key)
            problems.append(Problem(spec.sheet, spec.name, int(row), spec.key[-1],
                                    f"{what} is listed twice (rows {first} and {row})"))
    return frame


def _cell_problems(spec: schema.Table, column: str, rows: pd.Index, numbers: np.ndarray | None,
                   bad: dict[int, cells.CellError], blank_required: np.ndarray, example: str) -> list[Problem]:
    """The problems of one column, row by row, found over the whole column at once: a cell that is not what the
    column holds, else a required cell left blank, else (``numbers``: a number column) a number too large or
    negative where it cannot be."""
    flagged = np.zeros(len(rows), dtype=bool)
    flagged[list(bad)] = True
    flagged |= blank_required
    figures = np.zeros(len(rows)) if numbers is None else numbers  # a column of text or dates: never large or negative
    large = np.abs(figures) > LARGEST_NUMBER
    negative = (figures < 0) & ((spec.name, column) not in NEGATIVE_ALLOWED)
    flagged |= large | negative
    found = []
    for position in np.flatnonzero(flagged).tolist():
        row = int(rows[position])
        if position in bad:
            text = bad[position].table_text(example)
        elif blank_required[position]:
            text = "is blank; it must be filled in"
        elif large[position]:
            text = f"{figures[position]:g} is too large to plan with (more than {LARGEST_NUMBER:,.0f})"
        else:
            text = f"{figures[position]:g} is negative"
        found.append(Problem(spec.sheet, spec.name, row, column, text))
    return found


def _show(value: object) -> str:
    return f"{value:%b %Y}" if isinstance(value, pd.Timestamp) else str(value)


def _references(inputs: Inputs) -> None:
    """Items every table uses must be in Items; made items need hours and a resource with capacity. (Each check
    whose tables were read.)"""
    problems, read = inputs.problems, inputs.tables
    if T.ITEMS not in read:
        return
    items = inputs[T.ITEMS]
    known = set(items["Item"].dropna())
    for name in (name for name in ITEM_TABLES if name in read):
        spec = schema.table(name)
        t = inputs[name]
        unknown = t["Item"].notna() & ~t["Item"].isin(known)
        for row in t.index[unknown][:20]:
            problems.append(Problem(spec.sheet, name, int(row), "Item", f"item '{t.loc[row, 'Item']}' is not in table Items"))
        if unknown.sum() > 20:
            problems.append(Problem(spec.sheet, name, None, "Item",
                                    f"... {int(unknown.sum()) - 20} more rows with unknown items"))
    spec = schema.table(T.ITEMS)
    made = items["Resource"].notna()
    for row in items.index[made & items["HoursPerUnit"].isna()]:
        problems.append(Problem(spec.sheet, spec.name, int(row), "HoursPerUnit",
                                f"item '{items.loc[row, 'Item']}' is made on '{items.loc[row, 'Resource']}' "
                                "but has no hours per unit"))
    if T.CAPACITY in read:
        resources = set(inputs[T.CAPACITY]["Resource"].dropna())
        for row in items.index[made & ~items["Resource"].isin(resources)]:
            problems.append(Problem(spec.sheet, spec.name, int(row), "Resource",
                                    f"resource '{items.loc[row, 'Resource']}' has no rows in table Capacity"))
    if T.BUDGET not in read:
        return
    budget, families = inputs[T.BUDGET], set(items["Family"].dropna())
    spec = schema.table(T.BUDGET)
    for row in budget.index[budget["Family"].notna() & ~budget["Family"].isin(families)][:20]:
        problems.append(Problem(spec.sheet, spec.name, int(row), "Family",
                                f"family '{budget.loc[row, 'Family']}' has no items in table Items"))


def cycle_month(inputs: Inputs) -> pd.Timestamp:
    """The first plan month: the Cycle month setting, or the month after the last history month."""
    if inputs.settings.cycle_month is not None:
        return inputs.settings.cycle_month
    last: pd.Timestamp = inputs[T.HISTORY]["Month"].max()
    return last + pd.DateOffset(months=1)


def history_before_cycle(inputs: Inputs) -> pd.DataFrame:
    """The complete History rows (item, month and quantity filled) of the months before the cycle month:
    what every step measures and forecasts from."""
    history = inputs[T.HISTORY].dropna(subset=["Item", "Month", "Quantity"])
    return history[history["Month"] < cycle_month(inputs)]


def plan_months(inputs: Inputs) -> pd.DatetimeIndex:
    """The months of the plan: Horizon months from the cycle month."""
    return pd.date_range(cycle_month(inputs), periods=inputs.settings.horizon, freq="MS")


def scenarios_of(inputs: Inputs, table: pd.DataFrame) -> tuple[list[ScenarioChange], list[Problem]]:
    """The changes of tblScenarioInputs (as read from the book) and the problems in its rows, against the items,
    the resources with capacity and the plan months of the inputs."""
    return scenario_changes(table, inputs[T.ITEMS], inputs[T.CAPACITY]["Resource"].dropna().unique(), plan_months(inputs))


def scenario_problems(book: Book, inputs: Inputs) -> list[Problem]:
    """The problems in the rows of tblScenarioInputs; none while the table is missing or the tables it is checked
    against have problems of their own (those are reported, and stop the step, already)."""
    if T.SCENARIO_INPUTS.lower() not in {n.lower() for n in book.table_names()}:
        return []
    if inputs.problems_in(T.SETTINGS, T.ITEMS, T.HISTORY, T.CAPACITY):
        return []
    return scenarios_of(inputs, book.read_table(T.SCENARIO_INPUTS))[1]


def _months_text(months: Iterable[pd.Timestamp]) -> str:
    shown = [f"{m:%b %Y}" for m in sorted(months)]
    return ", ".join(shown[:4]) + (f" and {len(shown) - 4} more" if len(shown) > 4 else "")


def _calendar(inputs: Inputs) -> None:
    """History in step with the cycle month, and capacity for every plan month of each resource items are made on."""
    problems, history = inputs.problems, inputs[T.HISTORY]
    months = history["Month"].dropna()
    start = inputs.settings.cycle_month
    if start is not None and not months.empty:
        spec = schema.table(T.HISTORY)
        late = history.index[history["Month"] >= start]
        if len(late):
            problems.append(Problem(spec.sheet, spec.name, int(late[0]), "Month",
                                    f"{len(late)} rows are for the cycle month {start:%b %Y} or later, which no step "
                                    f"reads: set Cycle month on Settings to {months.max() + pd.DateOffset(months=1):%b %Y} "
                                    "or remove those rows"))
        last = months[months < start].max()
        missing = (start.year - last.year) * 12 + start.month - last.month - 1 if pd.notna(last) else 0
        if missing >= 2:
            spec = schema.table(T.SETTINGS)
            problems.append(Problem(spec.sheet, spec.name, None, "Value",
                                    f"Cycle month: {start:%b %Y} is {missing + 1} months after the last history month "
                                    f"({last:%b %Y}): paste the {missing} missing months into History or set the cycle "
                                    f"month to {last + pd.DateOffset(months=1):%b %Y}"))
    if (months.empty and start is None) or T.CAPACITY not in inputs.tables or T.ITEMS not in inputs.tables:
        return
    wanted = set(plan_months(inputs))
    capacity, items = inputs[T.CAPACITY], inputs[T.ITEMS]
    spec = schema.table(T.CAPACITY)
    for resource in sorted(set(items["Resource"].dropna()) & set(capacity["Resource"].dropna()), key=str):
        months_of = capacity.loc[capacity["Resource"] == resource, "Month"]
        missing_months = wanted - set(months_of.dropna())
        if missing_months and not months_of.isna().any():  # an unreadable month is reported as such already
            problems.append(Problem(spec.sheet, spec.name, None, "Month",
                                    f"resource '{resource}' has no rows for {_months_text(missing_months)} (plan months): "
                                    "the plan would count 0 hours there; add the rows (0 hours where it is really closed)"))


def _settings(inputs: Inputs, raw: pd.DataFrame) -> None:
    spec = schema.table(T.SETTINGS)
    inputs.settings = read_settings(raw)
    inputs.problems.extend(Problem(spec.sheet, spec.name, p.row, p.column, p.text) for p in inputs.settings.problems)


def on_sheet_rows(book: Book, name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The table with its index turned from data rows (1 = first row under the header) into the worksheet's row
    numbers, so that every problem names the row Excel shows."""
    return frame.set_axis(frame.index + book.first_row(name) - 1)


def load_inputs(book: Book, names: Iterable[str] | None = None) -> Inputs:
    """The input tables ``names`` of the book (None: every one; History and Settings always), each read once and
    cleaned, with every problem found in them and between them (nothing raises for bad data): a check across
    tables runs when its tables were read."""
    inputs = Inputs()
    wanted = set(INPUT_TABLES if names is None else (*names, *ALWAYS_READ))
    have = {n.lower() for n in book.table_names()}
    for name in (name for name in INPUT_TABLES if name in wanted):
        spec = schema.table(name)
        if name.lower() not in have and name in OPTIONAL_TABLES:
            raw = pd.DataFrame(columns=spec.column_names)
        elif name.lower() not in have:
            inputs.problems.append(Problem(spec.sheet, name, None, "", missing_table_text(name)))
            raw = pd.DataFrame(columns=spec.column_names)
        else:
            raw = inputs.raw[name] = on_sheet_rows(book, name, book.read_table(name))
        if name == T.SETTINGS:
            _settings(inputs, raw)
            continue
        inputs.tables[name] = _clean(spec, raw, inputs.problems)
    for name in MUST_HAVE_ROWS:
        if name in inputs.tables and inputs[name].empty:
            spec = schema.table(name)
            inputs.problems.append(Problem(spec.sheet, name, None, "", "the table has no rows; paste the data first"))
    _references(inputs)
    _calendar(inputs)
    if T.EVENTS in inputs.tables and T.ITEMS in inputs.tables:
        spec = schema.table(T.EVENTS)
        history = inputs[T.HISTORY]
        regions = frozenset(r for r in history["Region"].map(cells.text) if r) if "Region" in history else frozenset()
        inputs.problems += event_problems(inputs[T.EVENTS], inputs[T.ITEMS], spec.sheet, spec.name, regions)
    return inputs


# Typed columns of output tables that feed a computation: a word there would silently count as 0.
TYPED_NUMBERS: dict[str, tuple[str, ...]] = {}
"""(None today: the adjustments are typed in the demand grid, whose cells Run Forecast checks, demand_view.typed_in.)"""
UPGRADE_HINT = "made by an older xl-sop: run `xl-sop upgrade BOOK` (or the Upgrade button)"
"""Said where a table or column of this version is missing (xl_sop.cycle.upgrade)."""


def missing_table_text(name: str) -> str:
    """What a step says of a schema table the workbook lacks: most often it was made by an older xl-sop (upgrade adds
    the table and keeps every typed input); upgrade also puts back one whose sheet was deleted."""
    return (f"the table {name} is missing: the workbook was {UPGRADE_HINT}, which adds it and keeps every typed "
            f"input (it also puts back the sheet {schema.table(name).sheet} if it was deleted)")


def book_problems(book: Book, names: Iterable[str]) -> list[Problem]:
    """Problems in the book's output and system tables ``names``: a table missing (its sheet deleted),
    a schema column missing or renamed, a word typed where a step needs a number."""
    problems: list[Problem] = []
    have = {n.lower() for n in book.table_names()}
    for name in dict.fromkeys(names):
        spec = schema.table(name)
        if name.lower() not in have:
            problems.append(Problem(spec.sheet, name, None, "", missing_table_text(name)))
            continue
        columns = book.table_headers(name)
        headers = {str(c).strip().lower(): c for c in columns}
        for column in spec.columns:
            if column.name.lower() not in headers:
                problems.append(Problem(spec.sheet, name, None, column.name,
                                        f"the column {column.name} is missing (the table has {', '.join(map(str, columns))}); "
                                        f"give the header back its name; in a workbook {UPGRADE_HINT}"))
        typed = [c for c in TYPED_NUMBERS.get(name, ()) if c.lower() in headers]
        if not typed:
            continue
        frame = on_sheet_rows(book, name, book.read_table(name))
        for typed_column in typed:
            for row, value in frame[headers[typed_column.lower()]].items():
                problem = _typed_number_problem(value)
                if problem:
                    problems.append(Problem(spec.sheet, name, int(row), typed_column, problem))
    return problems


def _typed_number_problem(value: object) -> str | None:
    """Why a typed adjustment cannot be used, or None. Text is refused even when it reads as a number:
    the native Consensus formula counts text as 0 (Excel's N()), so Excel and Python would disagree."""
    try:
        number = cells.number(value)
    except cells.CellError as exc:
        return exc.table_text("1250 or -300")
    if isinstance(value, str) and number is not None:
        return f"'{value}' is stored as text, which the Consensus formula counts as 0: type it as a number"
    return None


def output_tables() -> tuple[str, ...]:
    """Every table of the schema that is not an input table: what steps write, read back and keep."""
    inputs = set(INPUT_TABLES)
    return tuple(t.name for t in schema.TABLES if t.name not in inputs)


def validate(book: Book) -> list[Problem]:
    """Every problem in the workbook: the input tables' contents, then missing or renamed output tables and columns,
    and a workbook that lost its macros."""
    inputs = load_inputs(book)
    problems = (inputs.problems + book_problems(book, output_tables())
                + _demand_grid_problems(book, inputs.settings.cycle_month)
                + scenario_problems(book, inputs))
    if not book.has_macros():  # saved as .xlsx by some program and renamed: the headless steps still run
        problems.append(Problem("Home", "(VBA project)", None, "",
                                "the workbook has lost its macros (was it saved as .xlsx?): the ribbon buttons and the "
                                "=SOP_ cell functions are gone; make a working copy with xl-sop new and paste the data "
                                "into it"))
    return problems


def _demand_grid_problems(book: Book, cycle: pd.Timestamp | None) -> list[Problem]:
    """A word typed in the demand grid, or a contributor row Run Forecast cannot use: Run Forecast stops on them
    (demand_step), so Validate names them too. (The adjustments used to be columns of tblDemandPlan, checked by
    book_problems through TYPED_NUMBERS; they are now typed in the grid.)"""
    have = {n.lower() for n in book.table_names()}
    if T.DEMAND_VIEW.lower() not in have or T.CONTRIBUTORS.lower() not in have:
        return []  # a missing table is said by book_problems
    contributors, problems = contributors_from(book.read_table(T.CONTRIBUTORS))
    grid = book.read_table(T.DEMAND_VIEW)
    _typed, typed_problems = typed_in(grid, contributors)
    over = typed_over_computed(grid, book.read_table(T.DEMAND_PLAN)) if T.DEMAND_PLAN.lower() in have else []
    past = typed_in_history(grid, contributors, cycle) if cycle is not None else []
    return problems + typed_problems + over + past


def problems_table(problems: list[Problem]) -> pd.DataFrame:
    """The report as the Checks sheet shows it (tblProblems)."""
    return pd.DataFrame([(p.sheet, p.table, p.row, p.column, p.problem) for p in problems],
                        columns=schema.table(T.PROBLEMS).column_names)
