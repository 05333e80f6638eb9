"""The S&OP metrics: one routine per metric, with its formula in the docstring.

Each metric is a grouped routine (``*_grouped``: arrays of rows and a Groups,
one result row per group; metrics.groups). The =SOP_* cell functions call the
scalar functions exported here, each that routine on one group; the tables by
item, family and month (metrics.tables, the Follow-up step) call the same
routines on their groups. A blank (NaN) in a table is where a cell function
says why there is no value (nothing to measure, or undefined).
"""

from xl_sop.metrics.accuracy import (
    ACCURACY_METRICS,
    forecast_accuracy,
    forecast_accuracy_grouped,
    mase,
    mase_grouped,
    revenue_accuracy,
)
from xl_sop.metrics.fulfilment import (
    backorder_rate,
    backorder_rate_grouped,
    on_time_delivery,
    on_time_delivery_grouped,
    otif,
    otif_grouped,
    service_level,
    service_level_grouped,
)
from xl_sop.metrics.groups import Groups
from xl_sop.metrics.inventory import (
    days_of_supply,
    days_of_supply_grouped,
    inventory_aging,
    inventory_aging_grouped,
    inventory_turns,
    inventory_turns_grouped,
)
from xl_sop.metrics.production import schedule_attainment, schedule_attainment_grouped
from xl_sop.metrics.value_added import (
    forecast_value_added,
    forecast_value_added_by_stage,
    forecast_value_added_grouped,
)

__all__ = [
    "ACCURACY_METRICS", "Groups", "backorder_rate", "backorder_rate_grouped", "days_of_supply",
    "days_of_supply_grouped", "forecast_accuracy", "forecast_accuracy_grouped", "forecast_value_added",
    "forecast_value_added_by_stage", "forecast_value_added_grouped", "inventory_aging", "inventory_aging_grouped",
    "inventory_turns", "inventory_turns_grouped", "mase", "mase_grouped", "on_time_delivery",
    "on_time_delivery_grouped", "otif", "otif_grouped", "revenue_accuracy", "schedule_attainment",
    "schedule_attainment_grouped", "service_level", "service_level_grouped",
]
