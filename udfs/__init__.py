"""sop_udfs: the =SOP_* cell functions, named in xlwings.conf as the UDF module.

Each function converts what xlwings passes, calls one core function of xl_sop
and turns bad input into a short text (see shim.py). Logic lives in the core.
Names, arguments and Excel's help texts are described once, in the catalogue
xl_sop/workbook/cell_functions.py, from which the template is built
(tests/test_cell_functions.py holds the two together).
"""

from sop_udfs.forecasting import SOP_FORECAST, SOP_FORECAST_METHOD
from sop_udfs.metrics import (
    SOP_ACCURACY,
    SOP_BACKORDER_RATE,
    SOP_DAYS_OF_SUPPLY,
    SOP_FVA,
    SOP_INVENTORY_AGING,
    SOP_INVENTORY_TURNS,
    SOP_MASE,
    SOP_ON_TIME_DELIVERY,
    SOP_OTIF,
    SOP_REVENUE_ACCURACY,
    SOP_SCHEDULE_ATTAINMENT,
    SOP_SERVICE_LEVEL,
)
from sop_udfs.planning import SOP_SPREAD
from sop_udfs.supply import (
    SOP_GAP,
    SOP_PRODUCTION_PLAN,
    SOP_PROJECTED_INVENTORY,
    SOP_SAFETY_STOCK,
)

__all__ = [
    "SOP_ACCURACY", "SOP_BACKORDER_RATE", "SOP_DAYS_OF_SUPPLY", "SOP_FORECAST", "SOP_FORECAST_METHOD", "SOP_FVA",
    "SOP_GAP", "SOP_INVENTORY_AGING", "SOP_INVENTORY_TURNS", "SOP_MASE", "SOP_ON_TIME_DELIVERY", "SOP_OTIF",
    "SOP_PRODUCTION_PLAN", "SOP_PROJECTED_INVENTORY", "SOP_REVENUE_ACCURACY", "SOP_SAFETY_STOCK",
    "SOP_SCHEDULE_ATTAINMENT", "SOP_SERVICE_LEVEL", "SOP_SPREAD",
]
