"""The scenarios planners author: the rows of tblScenarioInputs read into changes, with every problem found.

One row is one change of one scenario; the rows with the same Scenario name make that scenario:

- demand: the consensus of a family or item (AppliesTo; blank = every item) x Value, a factor (1.2 = +20%);
- capacity: the regular and overtime hours of a resource (blank = every resource) x Value;
- price: the unit price of a family or item (blank = every item) x Value (revenue and margin of what ships);
- order: Value extra units of an item (AppliesTo, required), due in FromMonth (blank = the cycle month), or spread
  evenly over FromMonth to ToMonth.

FromMonth and ToMonth bound the months a change applies to (blank: the cycle month, the end of the horizon); a
range partly outside the plan is cut to the plan months. Below the step modules and inputs.py (which calls
scenario_problems for Validate and before a step runs): it imports neither.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from xl_sop import cells
from xl_sop.errors import Problem
from xl_sop.workbook import schema
from xl_sop.workbook.schema import TableName as T

BASE = "Base"
"""The plan itself: the first row of tblScenarios, not a name a planner can give a scenario."""
FACTOR_LIMIT = 10.0
"""A factor above this is taken for a typing error (12 typed for 1.2)."""
FACTOR_KINDS = ("demand", "capacity", "price")


@dataclass(frozen=True)
class ScenarioChange:
    """One row of tblScenarioInputs, checked: which items or resources and which plan months it changes."""

    scenario: str
    change: str
    """One of schema.SCENARIO_CHANGES."""
    applies_to: str | None
    """As typed (for the Changes text); None = all."""
    targets: tuple[object, ...]
    """The items (demand, price, order) or resources (capacity) it changes, as the tables spell them."""
    months: tuple[pd.Timestamp, ...]
    """The plan months it changes (an order: the months its units are due in)."""
    value: float
    """A factor (demand, capacity, price) or units (order)."""

    def describe(self, months: pd.DatetimeIndex) -> str:
        """'demand x1.20 Snacks Dec 26-Jan 27', 'capacity x0.80 Packing' (the whole horizon, of ``months``), 'order
        2,000 BEV-1000 Feb 27': the change in words, short, for tblScenarios."""
        what = f"order {self.value:,.0f}" if self.change == "order" else f"{self.change} x{self.value:.2f}"
        where = f" {self.applies_to}" if self.applies_to else ""
        first, last = self.months[0], self.months[-1]
        if self.change != "order" and first == months[0] and last == months[-1]:
            return what + where
        return what + where + f" {first:%b %y}" + (f"-{last:%b %y}" if last != first else "")


def scenario_changes(table: pd.DataFrame, items: pd.DataFrame, resources: Iterable[object],
                     months: pd.DatetimeIndex) -> tuple[list[ScenarioChange], list[Problem]]:
    """The changes of tblScenarioInputs as read from the book (index = data row, 1 = first row under the header) and
    a problem for each bad cell, naming its worksheet row and column; a row with a problem gives no change.

    items: Item, Family (tblItems); resources: the resources with capacity; months: the plan months.
    """
    spec = schema.table(T.SCENARIO_INPUTS)
    header_row = schema.table_origin(spec)[0]
    lookup = {str(c).strip().lower(): c for c in table.columns}
    frame = table.rename(columns={lookup[c.lower()]: c for c in spec.column_names if c.lower() in lookup}).reindex(
        columns=spec.column_names)
    known = items.dropna(subset=["Item"])
    item_names: dict[str, object] = {str(i).strip().lower(): i for i in known["Item"]}
    families: dict[str, list[object]] = {}
    for family, item in zip(known["Family"], known["Item"], strict=True):
        if not cells.is_blank(family):
            families.setdefault(str(family).strip().lower(), []).append(item)
    resource_names: dict[str, object] = {str(r).strip().lower(): r for r in resources}
    changes: list[ScenarioChange] = []
    problems: list[Problem] = []
    for row, record in frame.iterrows():
        typed = {c: record[c] for c in spec.column_names if c != "Note"}
        if all(cells.is_blank(v) for v in typed.values()):
            continue
        found: list[Problem] = []

        def problem(column: str, text: str, found: list[Problem] = found, row: object = row) -> None:
            found.append(Problem(spec.sheet, spec.name, header_row + int(str(row)), column, text))

        name = cells.text(record["Scenario"])
        if name is None:
            problem("Scenario", "is blank; name the scenario this change belongs to")
        elif name.lower() == BASE.lower():
            problem("Scenario", f"'{name}' is the plan itself (the first row of tblScenarios); name the scenario "
                                "something else")
        kind = (cells.text(record["Change"]) or "").lower()
        if kind not in schema.SCENARIO_CHANGES:
            shown = f"'{record['Change']}'" if kind else "is blank"
            problem("Change", f"{shown}{' is not a change' if kind else ''}: type one of "
                              f"{', '.join(schema.SCENARIO_CHANGES)}")
        applies_to = cells.text(record["AppliesTo"])
        targets: tuple[object, ...] = ()
        key = (applies_to or "").lower()
        if kind == "capacity":
            targets = tuple(resource_names.values()) if applies_to is None else (
                (resource_names[key],) if key in resource_names else ())
            if applies_to is not None and not targets:
                problem("AppliesTo", f"'{applies_to}' is not a resource with rows in table Capacity")
        elif kind in ("demand", "price"):
            targets = tuple(item_names.values()) if applies_to is None else (
                tuple(families[key]) if key in families else (item_names[key],) if key in item_names else ())
            if applies_to is not None and not targets:
                problem("AppliesTo", f"'{applies_to}' is neither a family nor an item of table Items")
        elif kind == "order":
            targets = (item_names[key],) if key in item_names else ()
            if not targets:
                problem("AppliesTo", "is blank: an order needs the item ordered" if applies_to is None else
                        f"'{applies_to}' is not an item of table Items")
        first_last = []
        for column in ("FromMonth", "ToMonth"):
            try:
                first_last.append(cells.month(record[column]))
            except cells.CellError as exc:
                problem(column, exc.table_text(cells.DATE_EXAMPLE))
                first_last.append(None)
        start, end = first_last
        backwards = start is not None and end is not None and end < start
        if kind == "order" and end is None:
            end = start if start is not None else months[0]
        start, end = start if start is not None else months[0], end if end is not None else months[-1]
        covered = tuple(m for m in months if start <= m <= end)
        if backwards:
            problem("ToMonth", f"{end:%b %Y} is before FromMonth {start:%b %Y}")
        elif not covered and not any(p.column in ("FromMonth", "ToMonth") for p in found):
            plan = f"the plan months ({months[0]:%b %Y} to {months[-1]:%b %Y})"
            if start > months[-1]:
                problem("FromMonth", f"{start:%b %Y} is after {plan}")
            else:
                problem("ToMonth", f"{end:%b %Y} is before {plan}")
        value = None
        try:
            value = cells.number(record["Value"])
        except cells.CellError as exc:
            problem("Value", exc.table_text("1.2 (a factor) or 500 (order units)"))
        if value is None and not any(p.column == "Value" for p in found):
            problem("Value", "is blank: type a factor (1.2 = +20%) or, for an order, its units")
        elif value is not None and value < 0:
            problem("Value", f"{value:g} is negative: type a factor of 0 or more (0.8 = -20%)" if kind != "order" else
                    f"{value:g} is negative: an order adds units (cut demand with a demand factor)")
        elif value is not None and kind in FACTOR_KINDS and value > FACTOR_LIMIT:
            problem("Value", f"{value:g} is not a factor of {FACTOR_LIMIT:g} or less (type 1.2 for +20%)")
        problems += found
        if not found and name is not None and value is not None:
            changes.append(ScenarioChange(name, kind, applies_to, targets, covered, value))
    return changes, problems
