"""Step 2 Supply (Balance Supply): each resource planned in hours and shared out to its items; projected
inventory, days of supply and safety stock; the load against capacity."""

from __future__ import annotations

import pandas as pd

from xl_sop.cycle.grids import TOTAL, turned
from xl_sop.cycle.inputs import Inputs
from xl_sop.cycle.plan import Progress, Tables, consensus_demand
from xl_sop.cycle.supply_plan import balance_supply
from xl_sop.workbook.schema import TableName as T


def supply_step(inputs: Inputs, current: Tables, progress: Progress | None = None,
                 now: pd.Timestamp | None = None) -> Tables:
    """Production plan per resource (strategy from Settings) in hours, shared out to items by their
    net requirements; projected inventory, days of supply, safety stock; load against capacity.

    The computation is xl_sop.cycle.supply_plan.balance_supply, which the scenarios of Reconcile run too.
    """
    outcome = balance_supply(inputs, consensus_demand(current, inputs), progress=progress)
    load, plan, months = outcome.load, outcome.plan, outcome.months
    resources = sorted(load["Resource"].dropna().unique(), key=str) if len(load) else []
    return {T.CAPACITY_LOAD: load, T.SUPPLY_PLAN: plan, T.SUPPLY_VIEW: supply_view(load, plan, outcome.route, months),
            T.LOAD_CHART: pd.DataFrame({"Month": months}), T.RESOURCE_CHOICES: pd.DataFrame({"Resource": resources})}


RESOURCE_MEASURES = (("Required hours", "RequiredHours"), ("Planned hours", "PlannedHours"),
                     ("Capacity hours", "CapacityHours"), ("Overtime hours", "OvertimeHours"),
                     ("Utilisation %", "Utilisation"), ("Short hours", "ShortHours"))
ITEM_MEASURES = (("Demand", "Demand"), ("Production", "Production"), ("On hand", "OnHand"))
BOUGHT_IN = "(bought in)"


def supply_view(load: pd.DataFrame, plan: pd.DataFrame, route: pd.DataFrame, months: pd.DatetimeIndex) -> pd.DataFrame:
    """The grid of 2 Supply: per resource its hours (utilisation in %), then its items' demand, production and
    stock (grouped under it); bought-in items last."""
    resource_of = route["Resource"].map(lambda r: BOUGHT_IN if pd.isna(r) or str(r).strip() == "" else str(r))
    blocks = []
    for resource in [*sorted(load["Resource"].dropna().unique(), key=str), BOUGHT_IN] if len(load) else [BOUGHT_IN]:
        own = load[load["Resource"] == resource].assign(Item=TOTAL)
        if len(own):
            blocks.append(turned(own, ("Resource", "Item"), RESOURCE_MEASURES, months, scale={"Utilisation %": 100.0}))
        items = resource_of[resource_of == resource].index
        made = plan[plan["Item"].isin(items)].assign(Resource=resource)
        if len(made):
            blocks.append(turned(made, ("Resource", "Item"), ITEM_MEASURES, months))
    return pd.concat(blocks, ignore_index=True) if blocks else turned(plan.iloc[:0], ("Resource", "Item"), ITEM_MEASURES,
                                                                      months)
