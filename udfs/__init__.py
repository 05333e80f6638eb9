"""sop_udfs: the =SOP_* cell functions, named in xlwings.conf as the UDF module.

Each function converts what xlwings passes, calls one core function of xl_sop
and turns bad input into a short text (see shim.py). Logic lives in the core.
"""

from sop_udfs.forecasting import SOP_FORECAST, SOP_FORECAST_METHOD

__all__ = ["SOP_FORECAST", "SOP_FORECAST_METHOD"]
