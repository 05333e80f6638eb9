"""The S&OP metrics: pure functions with their formulas in the docstrings.

Single-range functions (what the =SOP_* cell functions call) live in
accuracy, fulfilment and operations; the same metrics by item, family and
month from the data tables, and accuracy by lag from archived plans, in tables.
"""

from xl_sop.metrics.accuracy import ACCURACY_METRICS, forecast_accuracy, forecast_value_added, mase
from xl_sop.metrics.fulfilment import backorder_rate, on_time_delivery, otif, service_level
from xl_sop.metrics.operations import (
    days_of_supply,
    inventory_aging,
    inventory_turns,
    revenue_accuracy,
    schedule_attainment,
)

__all__ = [
    "ACCURACY_METRICS", "backorder_rate", "days_of_supply", "forecast_accuracy", "forecast_value_added",
    "inventory_aging", "inventory_turns", "mase", "on_time_delivery", "otif", "revenue_accuracy",
    "schedule_attainment", "service_level",
]
