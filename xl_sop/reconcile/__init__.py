"""Reconciliation (pre-S&OP): the demand-supply gap, constrained allocation, the financial view.

Pure functions on arrays and on the data-contract tables; formulas in the
docstrings and in docs/supply.md.
"""

from xl_sop.reconcile.allocation import allocate, allocate_supply
from xl_sop.reconcile.finance import financial_view
from xl_sop.reconcile.gap import demand_supply_gap, gap_by

__all__ = [
    "allocate", "allocate_supply", "demand_supply_gap", "financial_view", "gap_by",
]
