"""Statistical forecasting: one series with forecast(), many with forecast_many().

See docs/forecasting.md for the methods, the auto selection and the rules
applied to the history (gaps, leading zeros, returns, non-negative forecasts).

forecast_many (and with it pandas) is imported on first use, so that the
first =SOP_FORECAST after a workbook opens does not wait for pandas.
"""

from typing import TYPE_CHECKING

from xl_sop.forecast.api import Forecast, forecast
from xl_sop.forecast.registry import METHODS, method_key

if TYPE_CHECKING:
    from xl_sop.forecast.batch import forecast_many

__all__ = ["METHODS", "Forecast", "forecast", "forecast_many", "method_key"]


def __getattr__(name: str) -> object:
    if name == "forecast_many":
        from xl_sop.forecast.batch import forecast_many

        return forecast_many
    raise AttributeError(f"module 'xl_sop.forecast' has no attribute {name!r}")
