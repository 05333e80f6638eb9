"""Production plans over a horizon: the levers that meet demand, and what they cost.

Two models, three strategies each (see docs/supply.md):

- ``aggregate_plan``: the textbook aggregate planning model (Chopra & Meindl,
  Supply Chain Management, ch. 8): a workforce that can be hired and laid off,
  regular and overtime labour hours, subcontracting, inventory and backlog.
- ``capacity_plan``: a plan against given capacity per period (units or hours of
  a resource, e.g. from the Capacity table): regular capacity, overtime
  capacity, subcontracting, inventory and backlog. This is what =SOP_PRODUCTION_PLAN uses.

Strategies:

- ``optimal`` minimises the total cost exactly: a linear program (a mixed-integer
  one when ``whole_workers``), solved by HiGHS through scipy.
- ``level`` produces the same quantity every period, the smallest that meets
  demand: with backlog allowed, total demand + minimum final inventory -
  initial inventory spread evenly; without, also enough that cumulative supply
  never falls behind cumulative demand. No overtime, no subcontracting in the
  workforce model (the workforce is set once, in the first period).
- ``chase`` produces each period's net requirement (demand + backlog - stock on
  hand, and the minimum final inventory in the last period): the workforce
  follows it (hiring and layoffs), or, against fixed capacity, regular
  capacity is used first, then overtime, then subcontracting.

Balance in every period t (units): inventory_t - backlog_t = inventory_{t-1} -
backlog_{t-1} + supply_t - demand_t, with no backlog at the start. Backlog is
cleared by the last period, and final inventory >= min_final_inventory.
Level and chase plans are feasible points of the optimal model, so the optimal
plan is never costlier, to within the solver's tolerance (_program.OPTIMALITY_TOLERANCE;
tests/test_supply_planning.py checks it on random data).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, SupportsFloat, TypeAlias, cast

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from xl_sop.errors import InputError, SolverError
from xl_sop.forecast.base import FloatArray
from xl_sop.forecast.prepare import to_float_array
from xl_sop.supply._program import PeriodProgram, Term

Strategy: TypeAlias = Literal["optimal", "level", "chase"]
STRATEGIES: tuple[Strategy, ...] = ("optimal", "level", "chase")
AGGREGATE_COSTS = ("material", "holding", "backlog", "hiring", "layoff", "regular_hour", "overtime_hour", "subcontract")
CAPACITY_COSTS = ("regular", "overtime", "subcontract", "holding", "backlog")
_TOLERANCE = 1e-6


@dataclass
class ProductionPlan:
    """A plan per period (``plan``), its cost per component (``costs``) and the strategy."""

    plan: pd.DataFrame
    costs: dict[str, float]
    strategy: Strategy

    @property
    def total_cost(self) -> float:
        return float(sum(self.costs.values()))


# --- inputs ---------------------------------------------------------------------------------------

def _demand(demand: Iterable[object]) -> tuple[FloatArray, pd.Index]:
    index = demand.index if isinstance(demand, pd.Series) else None
    d = to_float_array(list(demand) if isinstance(demand, pd.Series) else demand, "demand")
    if d.size == 0:
        raise InputError("demand is empty: give at least one period")
    blank = np.isnan(d)
    if blank.any():
        raise InputError(f"demand period {int(np.argmax(blank)) + 1} is blank: give a number (0 for no demand)")
    if np.any(d < 0):
        raise InputError(f"demand period {int(np.argmax(d < 0)) + 1} is negative ({d[d < 0][0]:g})")
    if not np.all(np.isfinite(d)):
        raise InputError("demand must be finite numbers")
    return d, (index if index is not None else pd.RangeIndex(1, d.size + 1, name="Period"))


def _amount(value: object, name: str, *, positive: bool = False) -> float:
    try:
        v = float(cast(SupportsFloat, value))  # anything a user passed: what float() refuses is an InputError
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, not {value!r}") from None
    if not math.isfinite(v) or v < 0 or (positive and v == 0):
        raise InputError(f"{name} must be {'greater than zero' if positive else 'zero or more'}, not {value!r}")
    return v


def _per_period(value: float | Iterable[object] | None, periods: int, name: str, default: float = np.inf) -> FloatArray:
    """A scalar or one value per period, each zero or more; None means the default."""
    if value is None:
        return np.full(periods, default)
    if np.ndim(cast(ArrayLike, value)) == 0:  # numpy's stub wants ArrayLike; np.ndim reads any object
        return np.full(periods, _amount(value, name))
    arr = to_float_array(value, name)
    if arr.size != periods:
        raise InputError(f"{name} has {arr.size} values but demand has {periods} periods")
    if np.any(np.isnan(arr)) or np.any(arr < 0):
        bad = int(np.argmax(np.isnan(arr) | (arr < 0)))
        raise InputError(f"{name} period {bad + 1} must be a number, zero or more")
    return arr


def _costs(costs: Mapping[str, float] | None, keys: tuple[str, ...]) -> dict[str, float]:
    costs = dict(costs or {})
    unknown = sorted(set(costs) - set(keys))
    if unknown:
        raise InputError(f"unknown cost {', '.join(map(repr, unknown))}: the costs are {', '.join(keys)}")
    return {k: _amount(costs.get(k, 0.0), f"cost {k}") for k in keys}


def _strategy(strategy: str | None) -> Strategy:
    s = str(strategy or "optimal").strip().lower()
    for known in STRATEGIES:
        if s == known:
            return known
    raise InputError(f"strategy must be one of {', '.join(STRATEGIES)}, not '{strategy}'")


# --- pieces both models share ---------------------------------------------------------------------

def _net_position(demand: FloatArray, supply: FloatArray, opening_inventory: float) -> FloatArray:
    """Inventory - backlog at the end of each period."""
    return opening_inventory + np.cumsum(supply - demand)


def _check_balance(net: FloatArray, min_final: float, allow_backlog: bool, strategy: str) -> None:
    if not allow_backlog and np.any(net < -_TOLERANCE):
        t = int(np.argmax(net < -_TOLERANCE)) + 1
        raise SolverError(f"the {strategy} strategy cannot meet demand in period {t} without backlog "
                          f"(short {-net[t - 1]:,.2f} units); allow backlog or choose another strategy")
    if net[-1] < min_final - _TOLERANCE:
        raise SolverError(f"the {strategy} strategy ends with {net[-1]:,.2f} units, short of the "
                          f"minimum final inventory {min_final:,.2f}")


def _level_rate(demand: FloatArray, opening_inventory: float, min_final: float, allow_backlog: bool) -> float:
    """The smallest constant supply per period that meets demand (see the module docstring)."""
    periods = np.arange(1, demand.size + 1)
    need = (demand.sum() + min_final - opening_inventory) / demand.size
    if not allow_backlog:
        need = max(need, float(np.max((np.cumsum(demand) - opening_inventory) / periods)))
    return max(0.0, float(need))


def _chase_requirements(demand: FloatArray, opening_inventory: float, min_final: float) -> FloatArray:
    """Net requirement per period when every period is met exactly (no stock built)."""
    required = np.maximum(0.0, np.cumsum(demand) - opening_inventory)
    required[-1] = max(required[-1], demand.sum() + min_final - opening_inventory)
    return np.diff(required, prepend=0.0)


def _balance(program: PeriodProgram, supply_terms: Sequence[Term], demand: FloatArray, opening_inventory: float,
             min_final: float, allow_backlog: bool, costs: Mapping[str, float]) -> None:
    """Inventory and backlog variables, their costs and the balance rows shared by both models."""
    t = demand.size
    program.variable("inventory", cost=costs["holding"], lower=np.r_[np.zeros(t - 1), min_final])
    program.variable("backlog", cost=costs["backlog"], upper=np.r_[np.full(t - 1, np.inf if allow_backlog else 0.0), 0.0])
    rhs = demand.copy()
    rhs[0] -= opening_inventory
    terms = [*supply_terms, ("inventory", -1, 0), ("backlog", 1, 0), ("inventory", 1, 1), ("backlog", -1, 1)]
    program.constrain(terms, rhs, rhs)


def _stock_columns(demand: FloatArray, supply: FloatArray, opening_inventory: float) -> dict[str, FloatArray]:
    net = _net_position(demand, supply, opening_inventory)
    return {"Inventory": np.maximum(net, 0.0), "Backlog": np.maximum(-net, 0.0)}


def _tidy(columns: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """Solver noise (1e-12 below zero, 2999.9999999) rounded away; plans are read by people."""
    return {k: np.where(np.abs(v) < 1e-7, 0.0, v).round(9) for k, v in columns.items()}


# --- the workforce (aggregate planning) model -----------------------------------------------------

def aggregate_plan(demand: Iterable[object], *, strategy: str | None = "optimal", opening_inventory: float = 0.0,
                   min_final_inventory: float = 0.0, initial_workforce: float, hours_per_unit: float, hours_per_worker: float,
                   max_overtime_hours_per_worker: float, costs: Mapping[str, float], whole_workers: bool = False,
                   allow_backlog: bool = True, max_subcontract: float | Iterable[object] | None = None) -> ProductionPlan:
    """Aggregate production plan with a workforce: hire, lay off, overtime, subcontract, stock, backlog.

    Parameters (units in brackets):
        demand: demand per period [units]; a pandas Series keeps its index as the period labels.
        opening_inventory, min_final_inventory: stock at the start and required at the end [units].
        initial_workforce: workers at the start [workers].
        hours_per_unit: labour to make one unit [hours/unit].
        hours_per_worker: regular hours per worker per period [hours].
        max_overtime_hours_per_worker: overtime limit per worker per period [hours].
        costs: material [per unit made], holding [per unit in stock at the end of a period],
            backlog [per unit per period], hiring and layoff [per worker], regular_hour and
            overtime_hour [per labour hour], subcontract [per unit]. Missing keys cost 0.
        whole_workers: workforce, hiring and layoffs in whole workers (a mixed-integer program).
        allow_backlog: whether demand may be met late (backlog is always cleared by the end).
        max_subcontract: units that can be bought per period (scalar or per period; None = no limit).

    Model, per period t (W workforce, H hired, L laid off, R regular units, O overtime
    hours, C subcontracted units, I inventory, S backlog, D demand):
        W_t = W_{t-1} + H_t - L_t
        hours_per_unit x R_t <= hours_per_worker x W_t;   O_t <= max_overtime_hours_per_worker x W_t
        I_t - S_t = I_{t-1} - S_{t-1} + R_t + O_t / hours_per_unit + C_t - D_t
    Cost = sum of regular_hour x hours_per_worker x W (workers are paid for their regular
    hours), overtime_hour x O, hiring x H, layoff x L, material x (R + O/hours_per_unit),
    subcontract x C, holding x I and backlog x S.

    Returns a ProductionPlan: plan columns Period, Demand, Workforce, Hired, LaidOff,
    RegularUnits, OvertimeHours, OvertimeUnits, SubcontractUnits, Supply, Inventory, Backlog;
    costs per component (regular_labour, overtime_labour, hiring, layoff, material,
    subcontract, holding, backlog); total_cost.

    Reference: S. Chopra, P. Meindl, Supply Chain Management, ch. 8 (the Red Tomato Tools
    example, reproduced in the tests: $422,275, or $422,660 in whole workers).
    """
    d, index = _demand(demand)
    t = d.size
    strategy = _strategy(strategy)
    i0 = _amount(opening_inventory, "opening_inventory")
    final = _amount(min_final_inventory, "min_final_inventory")
    w0 = _amount(initial_workforce, "initial_workforce")
    hpu = _amount(hours_per_unit, "hours_per_unit", positive=True)
    hpw = _amount(hours_per_worker, "hours_per_worker", positive=True)
    max_ot = _amount(max_overtime_hours_per_worker, "max_overtime_hours_per_worker")
    c = _costs(costs, AGGREGATE_COSTS)
    sub_max = _per_period(max_subcontract, t, "max_subcontract")
    if whole_workers and not float(w0).is_integer():
        raise InputError(f"initial_workforce must be a whole number of workers with whole_workers, not {w0:g}")
    units_per_worker = hpw / hpu

    if strategy == "optimal":
        p = PeriodProgram(t)
        p.variable("workforce", cost=c["regular_hour"] * hpw, integer=whole_workers)
        p.variable("hired", cost=c["hiring"], integer=whole_workers)
        p.variable("laid_off", cost=c["layoff"], integer=whole_workers)
        p.variable("regular", cost=c["material"])
        p.variable("overtime_hours", cost=c["overtime_hour"] + c["material"] / hpu)
        p.variable("subcontract", cost=c["subcontract"], upper=sub_max)
        start = np.r_[w0, np.zeros(t - 1)]
        p.constrain([("workforce", 1, 0), ("workforce", -1, 1), ("hired", -1, 0), ("laid_off", 1, 0)], start, start)
        p.constrain([("regular", hpu, 0), ("workforce", -hpw, 0)], -np.inf, 0.0)
        p.constrain([("overtime_hours", 1, 0), ("workforce", -max_ot, 0)], -np.inf, 0.0)
        _balance(p, [("regular", 1, 0), ("overtime_hours", 1 / hpu, 0), ("subcontract", 1, 0)], d, i0, final, allow_backlog, c)
        x = p.solve("the aggregate plan")
        workforce, regular, ot_hours, sub = x["workforce"], x["regular"], x["overtime_hours"], x["subcontract"]
    else:
        regular = (np.full(t, _level_rate(d, i0, final, allow_backlog)) if strategy == "level"
                   else _chase_requirements(d, i0, final))
        workforce = regular / units_per_worker
        if whole_workers:
            workforce = np.ceil(workforce - 1e-9)
        ot_hours = np.zeros(t)
        sub = np.zeros(t)
    change = np.diff(workforce, prepend=w0)
    supply = regular + ot_hours / hpu + sub
    _check_balance(_net_position(d, supply, i0), final, allow_backlog, strategy)
    cols = _tidy({
        "Demand": d, "Workforce": workforce, "Hired": np.maximum(change, 0), "LaidOff": np.maximum(-change, 0),
        "RegularUnits": regular, "OvertimeHours": ot_hours, "OvertimeUnits": ot_hours / hpu,
        "SubcontractUnits": sub, "Supply": supply, **_stock_columns(d, supply, i0),
    })
    cost = {
        "regular_labour": c["regular_hour"] * hpw * cols["Workforce"].sum(),
        "overtime_labour": c["overtime_hour"] * cols["OvertimeHours"].sum(),
        "hiring": c["hiring"] * cols["Hired"].sum(),
        "layoff": c["layoff"] * cols["LaidOff"].sum(),
        "material": c["material"] * (cols["RegularUnits"].sum() + cols["OvertimeUnits"].sum()),
        "subcontract": c["subcontract"] * cols["SubcontractUnits"].sum(),
        "holding": c["holding"] * cols["Inventory"].sum(),
        "backlog": c["backlog"] * cols["Backlog"].sum(),
    }
    return ProductionPlan(_frame(index, cols), {k: float(v) for k, v in cost.items()}, strategy)


# --- the fixed-capacity model ---------------------------------------------------------------------

def capacity_plan(demand: Iterable[object], capacity: float | Iterable[object], *, strategy: str | None = "optimal",
                  opening_inventory: float = 0.0, min_final_inventory: float = 0.0,
                  overtime_capacity: float | Iterable[object] | None = 0.0,
                  max_subcontract: float | Iterable[object] | None = None, costs: Mapping[str, float] | None = None,
                  allow_backlog: bool = True) -> ProductionPlan:
    """Production plan against given capacity per period: regular, overtime, subcontract, stock, backlog.

    Parameters (units in brackets; capacity may be in units, or in hours with demand in hours):
        demand: demand per period [units]; a pandas Series keeps its index as the period labels.
        capacity: regular capacity per period [units] (scalar or one per period).
        overtime_capacity: extra capacity on overtime per period [units] (default 0).
        max_subcontract: units that can be bought per period (None = no limit when a
            subcontract cost is given, none at all when it is not).
        costs: regular, overtime and subcontract [per unit made or bought], holding [per
            unit in stock at the end of a period], backlog [per unit per period]. Missing
            keys cost 0 (regular capacity is usually paid for anyway); leave out
            subcontract to forbid subcontracting.

    Model, per period t (R regular, V overtime, C subcontracted units, I inventory, S backlog):
        R_t <= capacity_t;  V_t <= overtime_capacity_t;  C_t <= max_subcontract_t
        I_t - S_t = I_{t-1} - S_{t-1} + R_t + V_t + C_t - D_t
    Cost = regular x R + overtime x V + subcontract x C + holding x I + backlog x S.

    If capacity can never catch up with demand, the error says by how much and from which
    period, before any solver runs. Returns a ProductionPlan with plan columns Period,
    Demand, Capacity, RegularUnits, OvertimeUnits, SubcontractUnits, Supply, Inventory,
    Backlog, Utilisation (regular units / capacity; blank where capacity is 0).
    """
    d, index = _demand(demand)
    t = d.size
    strategy = _strategy(strategy)
    i0 = _amount(opening_inventory, "opening_inventory")
    final = _amount(min_final_inventory, "min_final_inventory")
    cap = _per_period(capacity, t, "capacity", default=0.0)
    ot_cap = _per_period(overtime_capacity, t, "overtime_capacity", default=0.0)
    subcontracting = costs is not None and "subcontract" in costs
    c = _costs(costs, CAPACITY_COSTS)
    sub_max = _per_period(max_subcontract, t, "max_subcontract") if subcontracting else np.zeros(t)
    _check_capacity(d, cap + ot_cap + sub_max, i0, final, allow_backlog)

    if strategy == "optimal":
        p = PeriodProgram(t)
        p.variable("regular", cost=c["regular"], upper=cap)
        p.variable("overtime", cost=c["overtime"], upper=ot_cap)
        p.variable("subcontract", cost=c["subcontract"], upper=sub_max)
        _balance(p, [("regular", 1, 0), ("overtime", 1, 0), ("subcontract", 1, 0)], d, i0, final, allow_backlog, c)
        x = p.solve("the production plan")
        regular, overtime, sub = x["regular"], x["overtime"], x["subcontract"]
    elif strategy == "level":
        rate = _level_rate(d, i0, final, allow_backlog)
        if np.any(rate > cap + ot_cap + sub_max + _TOLERANCE):
            k = int(np.argmax(rate > cap + ot_cap + sub_max + _TOLERANCE))
            raise SolverError(f"the level rate of {rate:,.2f} units per period is more than period {k + 1} can make "
                              f"({cap[k] + ot_cap[k] + sub_max[k]:,.2f}); choose the optimal or chase strategy")
        regular, overtime, sub = _fill(np.full(t, rate), cap, ot_cap, sub_max)
    else:
        regular, overtime, sub = _chase_capacity(d, cap, ot_cap, sub_max, i0, final)
    supply = regular + overtime + sub
    _check_balance(_net_position(d, supply, i0), final, allow_backlog, strategy)
    cols = _tidy({"Demand": d, "Capacity": cap, "RegularUnits": regular, "OvertimeUnits": overtime,
                  "SubcontractUnits": sub, "Supply": supply, **_stock_columns(d, supply, i0)})
    with np.errstate(divide="ignore", invalid="ignore"):
        cols["Utilisation"] = np.where(cap > 0, cols["RegularUnits"] / np.where(cap > 0, cap, 1), np.nan)
    cost = {
        "regular": c["regular"] * cols["RegularUnits"].sum(),
        "overtime": c["overtime"] * cols["OvertimeUnits"].sum(),
        "subcontract": c["subcontract"] * cols["SubcontractUnits"].sum(),
        "holding": c["holding"] * cols["Inventory"].sum(),
        "backlog": c["backlog"] * cols["Backlog"].sum(),
    }
    return ProductionPlan(_frame(index, cols), {k: float(v) for k, v in cost.items()}, strategy)


def _check_capacity(demand: FloatArray, most: FloatArray, opening_inventory: float, min_final: float,
                    allow_backlog: bool) -> None:
    """Say plainly when no plan can exist: cumulative capacity behind cumulative demand."""
    short = np.cumsum(demand) - opening_inventory - np.cumsum(most)
    short[-1] += min_final
    if short[-1] > _TOLERANCE:
        raise SolverError(f"capacity cannot cover demand by the last period: {short[-1]:,.2f} units short "
                          f"(add capacity or overtime, allow subcontracting, or lower the minimum final inventory)")
    if not allow_backlog and np.any(short > _TOLERANCE):
        k = int(np.argmax(short > _TOLERANCE))
        raise SolverError(f"without backlog, capacity cannot cover demand by period {k + 1}: {short[k]:,.2f} units "
                          f"short (allow backlog, or add capacity before then)")


def _fill(need: FloatArray, *capacities: FloatArray) -> list[FloatArray]:
    """Split each period's need over the sources in order (regular, overtime, subcontract)."""
    parts, rest = [], need.copy()
    for cap in capacities:
        take = np.minimum(rest, cap)
        parts.append(take)
        rest = rest - take
    return parts


def _chase_capacity(demand: FloatArray, cap: FloatArray, ot_cap: FloatArray, sub_max: FloatArray, opening_inventory: float,
                    min_final: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Each period makes what it needs now (demand + backlog - stock), as far as capacity allows."""
    t = demand.size
    regular, overtime, sub = np.zeros(t), np.zeros(t), np.zeros(t)
    net = opening_inventory
    for k in range(t):
        need = max(0.0, demand[k] - net + (min_final if k == t - 1 else 0.0))
        regular[k], overtime[k], sub[k] = (float(v[0]) for v in _fill(np.array([need]), cap[k:k + 1], ot_cap[k:k + 1],
                                                                       sub_max[k:k + 1]))
        net += regular[k] + overtime[k] + sub[k] - demand[k]
    return regular, overtime, sub


def _frame(index: pd.Index, cols: dict[str, FloatArray]) -> pd.DataFrame:
    frame = pd.DataFrame(cols, index=index)
    frame.index.name = frame.index.name or "Period"
    return frame.reset_index()
