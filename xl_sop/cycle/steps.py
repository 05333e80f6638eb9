"""The cycle's steps: for each, the function that computes it and the tables it checks, reads and writes.

A step function takes the checked input tables and the current step tables it reads, and returns the
tables it replaces; it touches no workbook. The runner (runner.py) reads the book, checks, calls the
function, keeps what people typed and writes. How a step looks in the workbook (its label, sheet and
ribbon button) is schema.Step; everything the runner needs to run it is here, in one record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from xl_sop.cycle.demand import demand_step
from xl_sop.cycle.inputs import Inputs
from xl_sop.cycle.plan import Progress, Tables
from xl_sop.cycle.reconcile_step import reconcile_step
from xl_sop.cycle.review import executive_step, freeze_step, kpi_step
from xl_sop.cycle.supply_step import supply_step
from xl_sop.errors import UnknownNameError
from xl_sop.workbook import schema
from xl_sop.workbook.schema import TableName as T

StepFunction = Callable[[Inputs, Tables, Progress | None, pd.Timestamp | None], Tables]
"""(checked inputs, the tables it reads, a progress callback, the time of the run) -> the tables it replaces."""


@dataclass(frozen=True)
class StepRecord:
    id: str
    compute: StepFunction
    checks: tuple[str, ...]
    """Input tables that must be clean (a problem in another table does not stop the step)."""
    reads: tuple[str, ...]
    """Step tables it reads: earlier steps' results and what people typed."""
    writes: tuple[str, ...]
    """Tables it replaces (Undo Last Run restores them)."""
    kept_only: tuple[str, ...] = ()
    """Tables it reads only to keep what people typed in them: typing there leaves it current (freshness)."""
    uses: tuple[str, ...] = ()
    """Input tables it reads besides those it checks (History and Settings are read for every step: inputs.ALWAYS_READ)."""

    @property
    def inputs(self) -> tuple[str, ...]:
        """The input tables the step reads: the only ones read and checked when it runs."""
        return (*self.checks, *self.uses)

    @property
    def face(self) -> schema.Step:
        """Label, sheet and ribbon button."""
        return schema.step(self.id)


STEPS = {s.id: s for s in (
    StepRecord("demand", demand_step, (T.ITEMS, T.HISTORY, T.EVENTS), (T.DEMAND_VIEW, T.CONTRIBUTORS, T.PLAN_ARCHIVE),
               (T.DEMAND_VIEW, T.DEMAND_PLAN, T.DEMAND_HISTORY_CHART, T.DEMAND_CHART, T.DEMAND_CHOICES, T.ACCURACY,
                T.FVA, T.EVENT_EFFECTS), uses=(T.BUDGET,)),
    StepRecord("supply", supply_step, (T.ITEMS, T.HISTORY, T.INVENTORY, T.CAPACITY), (T.DEMAND_PLAN,),
               (T.CAPACITY_LOAD, T.SUPPLY_PLAN, T.SUPPLY_VIEW, T.LOAD_CHART, T.RESOURCE_CHOICES)),
    StepRecord("reconcile", reconcile_step, (T.ITEMS, T.INVENTORY, T.CAPACITY, T.BUDGET),
               (T.DEMAND_PLAN, T.SUPPLY_PLAN, T.CAPACITY_LOAD, T.OPEN_ISSUES, T.PLAN_ARCHIVE, T.SCENARIO_INPUTS),
               (T.GAP, T.SCENARIOS, T.SCENARIO_SHORTAGE, T.OPEN_ISSUES, T.CONSENSUS_BY_FAMILY, T.GAP_VIEW, T.GAP_BY_FAMILY,
                T.VERSION_COMPARE, T.WHAT_MOVED), (T.OPEN_ISSUES,)),
    StepRecord("freeze", freeze_step, (), (T.DEMAND_PLAN, T.PLAN_ARCHIVE, T.APPROVAL), (T.PLAN_ARCHIVE,)),
    StepRecord("executive", executive_step, (T.ITEMS, T.BUDGET), (T.DEMAND_PLAN, T.SUPPLY_PLAN, T.OPEN_ISSUES),
               (T.EXECUTIVE, T.TOP_GAPS, T.DECISIONS_NEEDED)),
    StepRecord("kpis", kpi_step, (T.ITEMS, T.HISTORY, T.INVENTORY, T.ORDERS, T.PRODUCTION), (T.PLAN_ARCHIVE,),
               (T.KPIS, T.ACCURACY_BY_LAG, T.LAG_ACCURACY, T.KPI_TREND)),
)}


def inputs_of(step_ids: Iterable[str]) -> tuple[str, ...]:
    """The input tables the steps read, each once."""
    return tuple(dict.fromkeys(name for step_id in step_ids for name in step_record(step_id).inputs))


def step_record(step_id: str) -> StepRecord:
    """The step with this id (as on the command line: demand, supply, reconcile, freeze, executive, kpis)."""
    try:
        return STEPS[step_id.strip().lower()]
    except KeyError:
        raise UnknownNameError(f"there is no step '{step_id}' (steps: {', '.join(STEPS)})") from None
