"""A small linear-program builder for plans over periods, solved by HiGHS (scipy.optimize.milp).

Variables come in blocks with one column per period; a constraint family adds
one row per period, and a term may refer to the previous period (lag 1), which
is how balances such as inventory_t = inventory_{t-1} + supply_t - demand_t are
written. The matrix is sparse, so long horizons stay cheap.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeAlias

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from xl_sop.errors import SolverError
from xl_sop.forecast.base import FloatArray

TIME_LIMIT_SECONDS = 60.0
# HiGHS's dual feasibility tolerance (its default; scipy's milp offers no option to change it): a basis counts as
# optimal while no reduced cost is below -1e-7. On costs scaled to a largest of 1 (see solve), a plan is therefore
# optimal to within OPTIMALITY_TOLERANCE x the largest cost per unit (or hour) of each quantity, in any currency unit.
OPTIMALITY_TOLERANCE = 1e-7
NEGLIGIBLE_COST = 1e-12
"""A cost this small against the largest of the model is priced 0 for the solver (far inside its tolerance)."""

PerPeriod: TypeAlias = float | FloatArray
"""A scalar for every period, or one value per period."""
Term: TypeAlias = tuple[str, PerPeriod, int]
"""(variable name, coefficient, lag) in a constraint row; see PeriodProgram.constrain."""


class PeriodProgram:
    def __init__(self, periods: int):
        self.periods = periods
        self._blocks: dict[str, int] = {}
        self._cost: list[np.ndarray] = []
        self._lower: list[np.ndarray] = []
        self._upper: list[np.ndarray] = []
        self._integer: list[np.ndarray] = []
        self._rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._row_lower: list[np.ndarray] = []
        self._row_upper: list[np.ndarray] = []
        self._n_rows = 0

    def variable(self, name: str, cost: PerPeriod = 0.0, lower: PerPeriod = 0.0, upper: PerPeriod = np.inf,
                 integer: bool = False) -> None:
        """A block of one variable per period, with per-period cost and bounds (scalars broadcast)."""
        t = self.periods
        self._blocks[name] = len(self._blocks) * t
        self._cost.append(np.broadcast_to(np.asarray(cost, float), t).copy())
        self._lower.append(np.broadcast_to(np.asarray(lower, float), t).copy())
        self._upper.append(np.broadcast_to(np.asarray(upper, float), t).copy())
        self._integer.append(np.full(t, 1 if integer else 0))

    def constrain(self, terms: Iterable[Term], lower: PerPeriod, upper: PerPeriod) -> None:
        """Rows lower_t <= sum(coef * var[t - lag]) <= upper_t for every period t.

        terms: (name, coef, lag) triples; coef may be a per-period array; a
        lagged term is left out in the first period (put its initial value into
        the bounds instead).
        """
        t = self.periods
        periods = np.arange(t)
        for name, coef, lag in terms:
            coef = np.broadcast_to(np.asarray(coef, float), t)
            keep = periods >= lag
            rows = self._n_rows + periods[keep]
            cols = self._blocks[name] + periods[keep] - lag
            self._rows.append((rows, cols, coef[keep]))
        self._row_lower.append(np.broadcast_to(np.asarray(lower, float), t).copy())
        self._row_upper.append(np.broadcast_to(np.asarray(upper, float), t).copy())
        self._n_rows += t

    def solve(self, what: str) -> dict[str, FloatArray]:
        """Minimise the cost; the solution per block, or SolverError saying why not."""
        n = len(self._blocks) * self.periods
        rows, cols, vals = (np.concatenate(parts) for parts in zip(*self._rows, strict=True))
        matrix = sparse.csr_array((vals, (rows, cols)), shape=(self._n_rows, n))
        cost = np.concatenate(self._cost)
        # HiGHS's tolerances are absolute: with every cost near 1e-7 (or a plan priced in millions) any plan passed as
        # optimal. Scaled to a largest cost of 1, the choice no longer depends on the currency unit.
        largest = float(np.max(np.abs(cost), initial=0.0))
        scaled = cost / largest if largest > 0 else cost
        # A cost below NEGLIGIBLE_COST of the largest cannot move the optimum past OPTIMALITY_TOLERANCE, and a
        # subnormal one (2.2e-311) derails HiGHS: a plan 3,000 times dearer than level came back as optimal.
        scaled = np.where(np.abs(scaled) < NEGLIGIBLE_COST, 0.0, scaled)
        result = milp(
            scaled,
            constraints=LinearConstraint(matrix, np.concatenate(self._row_lower), np.concatenate(self._row_upper)),
            bounds=Bounds(np.concatenate(self._lower), np.concatenate(self._upper)),
            integrality=np.concatenate(self._integer),
            # HiGHS stops a mixed-integer search within 0.01% of the optimum by default; plans must be exact.
            options={"time_limit": TIME_LIMIT_SECONDS, "mip_rel_gap": 0.0},
        )
        if result.x is None:
            reason = {2: "it has no feasible solution", 3: "its cost is unbounded below"}.get(
                result.status, f"the solver stopped: {result.message}")
            raise SolverError(f"{what} cannot be planned: {reason}")
        x = np.where(np.abs(result.x) < 1e-9, 0.0, result.x)
        return {name: x[start:start + self.periods] for name, start in self._blocks.items()}
