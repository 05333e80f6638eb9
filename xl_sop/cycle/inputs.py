"""Reading and checking the input tables before a step runs: one report of every problem.

A month-end workbook is messy: text in a number column, "Jan-26" typed for a
month, a duplicated item, an item in History that Items does not know. Each
problem becomes one line naming its sheet, table, row and column, in plain
words; a step that finds problems in the tables it needs stops before it
writes anything. The cleaned tables (numbers as floats, dates as timestamps)
are what the steps compute with.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xl_sop.errors import SopError
from xl_sop.settings import _key
from xl_sop.workbook import schema
from xl_sop.workbook.book import Book

NUMBER_FORMATS = {schema.UNITS, schema.MONEY, schema.SHARE, schema.HOURS, schema.FACTOR, schema.DAYS, "0", "0.0", "0.00", "0.000"}
DATE_FORMATS = {schema.MONTH, schema.DATE}
EXCEL_EPOCH = pd.Timestamp("1899-12-30")

# Values that must be filled in (the header must exist for every schema column).
REQUIRED_VALUES = {
    "tblItems": ("Item", "Family", "UnitPrice", "UnitCost", "LeadTimeMonths"),
    "tblHistory": ("Item", "Month", "Quantity"),
    "tblInventory": ("Item", "ReceiptDate", "Quantity"),
    "tblOrders": ("Item", "PromisedDate", "QtyOrdered"),
    "tblCapacity": ("Resource", "Month", "Hours"),
    "tblProduction": ("Item", "Month"),
    "tblBudget": ("Family", "Month"),
}
DATA_TABLES = tuple(REQUIRED_VALUES)
ITEM_TABLES = ("tblHistory", "tblInventory", "tblOrders", "tblProduction")
MUST_HAVE_ROWS = ("tblItems", "tblHistory")

# Text a planner may type for a month or date, tried in order (day-first or month-first
# numeric dates such as 03/04/2026 are ambiguous and are not guessed).
_DATE_TEXT = ("%Y-%m-%d", "%Y-%m", "%Y/%m/%d", "%Y/%m", "%b-%y", "%b %y", "%b-%Y", "%b %Y", "%B %Y", "%B-%Y",
              "%m/%Y", "%Y-%m-%d %H:%M:%S", "%d-%b-%Y", "%d %b %Y", "%d-%b-%y")


@dataclass(frozen=True)
class Problem:
    sheet: str
    table: str
    row: int | None
    column: str
    problem: str

    def __str__(self) -> str:
        where = f"{self.sheet} / {self.table}"
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.problem}"


class ValidationError(SopError):
    """The workbook has problems (input tables, missing sheets or columns); the step stopped before writing anything."""

    def __init__(self, problems: list[Problem], step: str = ""):
        self.problems = problems
        head = f"{step} stopped: " if step else ""
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more (press Validate or run xl-sop validate)" if len(problems) > 20 else ""
        super().__init__(f"{head}{len(problems)} problem{'s' * (len(problems) != 1)} in the workbook:\n{shown}{more}")


def parse_date(value) -> pd.Timestamp | None:
    """A date cell as a Timestamp: a real date, an Excel serial number, or text such as 2026-01, Jan-26, Jan 2026."""
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date, np.datetime64)):
        return pd.Timestamp(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        if 1 <= float(value) < 2958466:  # Excel's serial range (1900-01-01 to 9999-12-31)
            return EXCEL_EPOCH + pd.Timedelta(days=float(value))
        return None
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return parse_date(float(text))
    for fmt in _DATE_TEXT:
        try:
            return pd.Timestamp(dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    return None


def parse_number(value) -> float | None:
    """A number cell as a float: numbers, or text such as ' 1,234 ' or '12.5'; None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value) if np.isfinite(value) else None
    text = str(value).strip().replace(",", "").replace("\u00a0", "")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if np.isfinite(number) else None


def _blank(value) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)) or \
        (isinstance(value, str) and not value.strip())


@dataclass
class Inputs:
    """The input tables of a book, cleaned, and the problems found in them."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def problems_in(self, *names: str) -> list[Problem]:
        wanted = set(names)
        return [p for p in self.problems if p.table in wanted]


def _clean(spec: schema.Table, raw: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """The table with contract spelling, numbers as floats and dates as timestamps; bad cells blank and reported."""
    lookup = {str(c).strip().lower(): c for c in raw.columns}
    missing = [c.name for c in spec.columns if c.name.lower() not in lookup]
    for name in missing:
        problems.append(Problem(spec.sheet, spec.name, None, name,
                                f"the column {name} is missing (the table has {', '.join(map(str, raw.columns))})"))
    frame = raw.rename(columns={lookup[c.name.lower()]: c.name for c in spec.columns if c.name.lower() in lookup})
    required = REQUIRED_VALUES.get(spec.name, ())
    for column in spec.columns:
        if column.name not in frame:
            frame[column.name] = np.nan
            continue
        values = frame[column.name].tolist()
        if column.format in DATE_FORMATS:
            parsed = [parse_date(v) for v in values]
            kind, example = "a date", "2026-01-01 or Jan 2026"
        elif column.format in NUMBER_FORMATS:
            parsed = [parse_number(v) for v in values]
            kind, example = "a number", "1250"
        else:
            parsed = [None if _blank(v) else str(v).strip() for v in values]
            kind = example = ""
        for row, raw_value, value in zip(frame.index, values, parsed):
            if value is None and not _blank(raw_value):
                problems.append(Problem(spec.sheet, spec.name, int(row), column.name,
                                        f"'{raw_value}' is not {kind} (type {example})"))
            elif value is None and column.name in required:
                problems.append(Problem(spec.sheet, spec.name, int(row), column.name, "is blank; it must be filled in"))
            elif kind == "a number" and value is not None and value < 0:
                problems.append(Problem(spec.sheet, spec.name, int(row), column.name, f"{value:g} is negative"))
        if kind == "a number":
            frame[column.name] = pd.array([np.nan if v is None else v for v in parsed], dtype=float)
        elif kind == "a date":
            frame[column.name] = pd.to_datetime(pd.Series(parsed, index=frame.index, dtype=object))
        else:
            frame[column.name] = pd.Series(parsed, index=frame.index, dtype=object)
    for column in spec.columns:
        if column.format == schema.MONTH and column.name in frame:
            frame[column.name] = frame[column.name].dt.to_period("M").dt.to_timestamp()
    if spec.key and all(k in frame for k in spec.key):
        keyed = frame.dropna(subset=list(spec.key))
        dup = keyed.duplicated(list(spec.key), keep="first")
        for row in keyed.index[dup]:
            first = keyed.index[(keyed[list(spec.key)] == keyed.loc[row, list(spec.key)]).all(axis=1)][0]
            what = ", ".join(f"{k} {_show(keyed.loc[row, k])}" for k in spec.key)
            problems.append(Problem(spec.sheet, spec.name, int(row), spec.key[-1],
                                    f"{what} is listed twice (rows {first} and {row})"))
    return frame


def _show(value) -> str:
    return f"{value:%b %Y}" if isinstance(value, pd.Timestamp) else str(value)


def _references(inputs: Inputs) -> None:
    """Items every table uses must be in Items; made items need hours and a resource with capacity."""
    problems = inputs.problems
    items = inputs["tblItems"]
    known = set(items["Item"].dropna())
    for name in ITEM_TABLES:
        spec = schema.table(name)
        t = inputs[name]
        unknown = t["Item"].notna() & ~t["Item"].isin(known)
        for row in t.index[unknown][:20]:
            problems.append(Problem(spec.sheet, name, int(row), "Item", f"item '{t.loc[row, 'Item']}' is not in table Items"))
        if unknown.sum() > 20:
            problems.append(Problem(spec.sheet, name, None, "Item", f"... {int(unknown.sum()) - 20} more rows with unknown items"))
    spec = schema.table("tblItems")
    resources = set(inputs["tblCapacity"]["Resource"].dropna())
    made = items["Resource"].notna()
    for row in items.index[made & items["HoursPerUnit"].isna()]:
        problems.append(Problem(spec.sheet, spec.name, int(row), "HoursPerUnit",
                                f"item '{items.loc[row, 'Item']}' is made on '{items.loc[row, 'Resource']}' but has no hours per unit"))
    for row in items.index[made & ~items["Resource"].isin(resources)]:
        problems.append(Problem(spec.sheet, spec.name, int(row), "Resource",
                                f"resource '{items.loc[row, 'Resource']}' has no rows in table Capacity"))
    budget, families = inputs["tblBudget"], set(items["Family"].dropna())
    spec = schema.table("tblBudget")
    for row in budget.index[budget["Family"].notna() & ~budget["Family"].isin(families)][:20]:
        problems.append(Problem(spec.sheet, spec.name, int(row), "Family", f"family '{budget.loc[row, 'Family']}' has no items in table Items"))


def _settings(inputs: Inputs, raw: pd.DataFrame) -> None:
    spec = schema.table("tblSettings")
    values = {}
    lookup = {str(c).strip().lower(): c for c in raw.columns}
    if "setting" not in lookup or "value" not in lookup:
        inputs.problems.append(Problem(spec.sheet, spec.name, None, "Setting", "the table needs the columns Setting and Value"))
        inputs.tables["settings"] = {}
        return
    rows = {}
    for row, name, value in zip(raw.index, raw[lookup["setting"]], raw[lookup["value"]]):
        if _blank(name):
            continue
        key = _key(name)
        if key in rows:
            inputs.problems.append(Problem(spec.sheet, spec.name, int(row), "Setting",
                                           f"setting '{name}' is listed twice (rows {rows[key]} and {row})"))
        rows[key] = row
        values[key] = value
    clean: dict[str, object] = {}
    for name, default, fmt, low, high, _meaning in schema.SETTINGS:
        key = _key(name)
        value = values.get(key)
        row = int(rows[key]) if key in rows else None
        if _blank(value):
            clean[key] = None
            continue
        if fmt == schema.MONTH:
            parsed = parse_date(value)
            if parsed is None:
                inputs.problems.append(Problem(spec.sheet, spec.name, row, "Value", f"{name}: '{value}' is not a date (type 2026-11-01)"))
            clean[key] = parsed.to_period("M").to_timestamp() if parsed is not None else None
        elif fmt == schema.TEXT:
            text = str(value).strip().lower()
            if text not in schema.STRATEGY_CHOICES:
                inputs.problems.append(Problem(spec.sheet, spec.name, row, "Value",
                                               f"{name}: '{value}' is not one of {', '.join(schema.STRATEGY_CHOICES)}"))
            clean[key] = text
        else:
            text = str(value).strip()
            number = parse_number(text.rstrip("%"))
            if number is not None and text.endswith("%"):
                number /= 100
            if number is None:
                inputs.problems.append(Problem(spec.sheet, spec.name, row, "Value", f"{name}: '{value}' is not a number"))
            elif not low <= number <= high:
                inputs.problems.append(Problem(spec.sheet, spec.name, row, "Value", f"{name}: {number:g} is outside {low:g} to {high:g}"))
                number = None
            clean[key] = number
    inputs.tables["settings"] = clean


def load_inputs(book: Book) -> Inputs:
    """Every input table of the book, cleaned, with every problem found (nothing raises for bad data)."""
    inputs = Inputs()
    names = {n.lower() for n in book.table_names()}
    for name in (*DATA_TABLES, "tblSettings", "tblTargets"):
        spec = schema.table(name)
        if name.lower() not in names:
            inputs.problems.append(Problem(spec.sheet, name, None, "", f"the table {name} is missing (was the sheet {spec.sheet} deleted?)"))
            raw = pd.DataFrame(columns=spec.column_names)
        else:
            raw = book.read_table(name)
        if name == "tblSettings":
            _settings(inputs, raw)
            continue
        inputs.tables[name] = _clean(spec, raw, inputs.problems)
    for name in MUST_HAVE_ROWS:
        if inputs[name].empty:
            spec = schema.table(name)
            inputs.problems.append(Problem(spec.sheet, name, None, "", "the table has no rows; paste the data first"))
    _references(inputs)
    return inputs


def setting(inputs: Inputs, name: str):
    """A cleaned setting, or its default from the schema when blank."""
    value = inputs.tables["settings"].get(_key(name))
    if value is None:
        default = next(s[1] for s in schema.SETTINGS if _key(s[0]) == _key(name))
        return pd.Timestamp(default) if isinstance(default, str) and default[:2] == "20" else default
    return value


# Typed columns of output tables that feed a computation: a word there would silently count as 0.
TYPED_NUMBERS = {"tblDemandPlan": ("SalesAdj", "MarketingAdj")}
TEMPLATE_HINT = "copy it back from workbook/SOP_Template.xlsm"


def book_problems(book: Book, names) -> list[Problem]:
    """Problems in the book's output and system tables ``names``: a table missing (its sheet deleted),
    a schema column missing or renamed, a word typed where a step needs a number."""
    problems: list[Problem] = []
    have = {n.lower() for n in book.table_names()}
    for name in dict.fromkeys(names):
        spec = schema.table(name)
        if name.lower() not in have:
            problems.append(Problem(spec.sheet, name, None, "",
                                    f"the table {name} is missing (was the sheet {spec.sheet} deleted? {TEMPLATE_HINT})"))
            continue
        columns = book.table_headers(name)
        headers = {str(c).strip().lower(): c for c in columns}
        for column in spec.columns:
            if column.name.lower() not in headers:
                problems.append(Problem(spec.sheet, name, None, column.name,
                                        f"the column {column.name} is missing (the table has {', '.join(map(str, columns))}); "
                                        "give the header back its name"))
        typed = [c for c in TYPED_NUMBERS.get(name, ()) if c.lower() in headers]
        frame = book.read_table(name) if typed else None
        for column in typed:
            for row, value in frame[headers[column.lower()]].items():
                if not _blank(value) and parse_number(value) is None:
                    problems.append(Problem(spec.sheet, name, int(row), column, f"'{value}' is not a number (type 1250 or -300)"))
    return problems


def output_tables() -> tuple[str, ...]:
    """Every table of the schema that is not an input table: what steps write, read back and keep."""
    inputs = {*DATA_TABLES, "tblSettings", "tblTargets"}
    return tuple(t.name for t in schema.TABLES if t.name not in inputs)


def validate(book: Book) -> list[Problem]:
    """Every problem in the workbook: the input tables' contents, then missing or renamed output tables and columns."""
    return load_inputs(book).problems + book_problems(book, output_tables())


def problems_table(problems: list[Problem]) -> pd.DataFrame:
    """The report as the Checks sheet shows it (tblProblems)."""
    return pd.DataFrame([(p.sheet, p.table, p.row, p.column, p.problem) for p in problems],
                        columns=schema.table("tblProblems").column_names)
