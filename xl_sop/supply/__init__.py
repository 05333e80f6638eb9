"""Supply planning: production plans, rough-cut capacity, projected inventory, safety stock.

Pure functions on arrays and on the data-contract tables; formulas in the
docstrings and in docs/supply.md.
"""

from xl_sop.supply.capacity import rough_cut_capacity
from xl_sop.supply.inventory import (
    projected_inventory,
    projected_inventory_by,
    safety_stock,
    safety_stock_by,
)
from xl_sop.supply.planning import (
    STRATEGIES,
    ProductionPlan,
    aggregate_plan,
    capacity_plan,
)

__all__ = [
    "STRATEGIES", "ProductionPlan", "aggregate_plan", "capacity_plan", "projected_inventory",
    "projected_inventory_by", "rough_cut_capacity", "safety_stock", "safety_stock_by",
]
