"""Statistical forecasting: one series with forecast(), many with forecast_many().

See docs/forecasting.md for the methods, the auto selection and the rules
applied to the history (gaps, leading zeros, returns, non-negative forecasts).
"""

from xl_sop.forecast.api import Forecast, forecast
from xl_sop.forecast.batch import forecast_many
from xl_sop.forecast.registry import METHODS, method_key

__all__ = ["METHODS", "Forecast", "forecast", "forecast_many", "method_key"]
