"""One worked example per cell function, for the Functions sheet.

The sheet shows each example's result as text, so it is readable where cell
functions cannot run (macOS, LibreOffice, a circulated copy). The text is
written here, not computed when the template is built, so that building needs
neither the cell functions nor xlwings and gives the same file whatever the
numeric libraries' last digits; tests/test_cell_functions.py calls every cell
function on its example and fails, showing the text to write, when they differ.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    name: str
    inputs: tuple[tuple[float | None, ...], ...]
    """Each input is a row of cells on the sheet (a single value is one cell)."""
    extra: str
    """Literal arguments after the ranges, e.g. ', 6, 12'."""
    description: str
    result: str
    """What the function returns, as the sheet shows it (rows separated by " / ")."""
    spill: tuple[int, int] | None = None
    """(rows, columns) of a spilled result, written as an array formula over that block."""

    def formula(self, refs: Iterable[str]) -> str:
        return f"={self.name}({', '.join(refs)}{self.extra})"

    @property
    def inputs_text(self) -> str:
        return "; ".join(", ".join("" if v is None else f"{v:g}" if isinstance(v, float) else str(v) for v in values)
                         for values in self.inputs)


HISTORY = (120.0, 135, 128, 150, 160, 155, 170, 165, 180, 175, 190, 200)
TWO_SEASONS = (100.0, 95, 110, 125, 140, 160, 175, 170, 150, 130, 115, 105,
               110, 104, 121, 138, 154, 176, 193, 187, 165, 143, 126, 116)
"""Two years of monthly demand with a summer peak, growing: enough for the forecast to see the season."""
ACTUAL, FORECAST = (100.0, 120, 90, 110), (95.0, 125, 100, 100)

FUNCTION_EXAMPLES = (
    Example("SOP_FORECAST", (TWO_SEASONS,), ", 6", "Statistical forecast; spills one value per period.",
            "115.5, 109.3, 127, 144.7, 161.6, 184.7", spill=(1, 6)),
    Example("SOP_FORECAST_METHOD", (TWO_SEASONS,), "", "The model SOP_FORECAST picks, and why.",
            "Holt linear trend, seasonally adjusted (multiplicative, m=12), averaged with seasonal naive: lowest mean "
            "absolute error on the last 6 periods held out; seasonal with period 12; under 6 seasons of history, so "
            "half of it is last season's actuals"),
    Example("SOP_ACCURACY", (ACTUAL, FORECAST), "", "Forecast accuracy = 1 - sum|A-F| / sum|A|.", "0.9286"),
    Example("SOP_MASE", (ACTUAL, FORECAST, HISTORY), "",
            "Mean absolute error scaled by the naive forecast's in-sample error.", "0.6653"),
    Example("SOP_FVA", (ACTUAL, FORECAST, (100.0, 118, 95, 108)), "", "Forecast value added: WMAPE before - WMAPE after.",
            "0.05"),
    Example("SOP_INVENTORY_TURNS", ((1200.0,), (100.0, 140, 120)), "", "Inventory turns = COGS / average inventory.", "10"),
    Example("SOP_SERVICE_LEVEL", ((10.0, 20, 5), (10.0, 15, 5)), "",
            "Fill rate = shipped / ordered (basis units, lines or orders).", "0.8571"),
    Example("SOP_REVENUE_ACCURACY", (ACTUAL, FORECAST, (10.0, 10, 20, 20)), "",
            "Accuracy weighted by revenue (units x price).", "0.9194"),
    Example("SOP_ON_TIME_DELIVERY", ((46300.0, 46301, 46302), (46300.0, 46303, 46302)), "",
            "Share of lines delivered by the promised date.", "0.6667"),
    Example("SOP_OTIF", ((46300.0, 46301), (46300.0, 46301), (10.0, 10), (10.0, 8)), "", "On time and in full.", "0.5"),
    Example("SOP_SCHEDULE_ATTAINMENT", ((100.0, 100, 100), (95.0, 100, 110)), "",
            "Production made as planned (capped per period).", "0.9833"),
    Example("SOP_BACKORDER_RATE", ((10.0, 20, 5), (0.0, 5, 0)), "", "Share of order lines (or units) backordered.", "0.3333"),
    Example("SOP_INVENTORY_AGING", ((46300.0, 46270, 46100), (100.0, 50, 25), (46310.0,)), "",
            "Stock by age bucket: quantity and share per bucket (receipt dates against as_of).",
            "Bucket, Quantity, Share / 0-30, 100, 0.5714 / 31-60, 50, 0.2857 / 61-90, 0, 0 / 91-180, 0, 0 / "
            "over 180, 25, 0.1429",
            spill=(6, 3)),
    Example("SOP_DAYS_OF_SUPPLY", ((250.0,), (100.0, 100, 100)), "", "Days the stock lasts against the forecast.", "75"),
    Example("SOP_PRODUCTION_PLAN", ((100.0, 200, 300, 100), (150.0,)), ", 0, \"optimal\", 1, 5, 50, 2",
            "Least-cost plan: production, overtime, subcontract, inventory, backlog per period.",
            "150, 150, 150, 100 / 50, 50, 50, 0 / 0, 0, 0, 0 / 100, 100, 0, 0 / 0, 0, 0, 0", spill=(5, 4)),
    Example("SOP_SAFETY_STOCK", ((10.0, 12, 8, 11, 9), (2.0,)), ", 0.95, 0.5", "z x sqrt(L x sd_d^2 + d^2 x sd_L^2).",
            "9.009"),
    Example("SOP_GAP", ((10.0, 20, 30), (15.0, 15, 15)), ", 5", "Gap and cumulative gap per period (positive = shortage).",
            "-5, 5, 15 / -10, -5, 10", spill=(2, 3)),
    Example("SOP_PROJECTED_INVENTORY", ((5.0,), (15.0, 15, 15), (10.0, 20, 30)), "",
            "Stock balance per period (negative = backlog).", "10, 5, -10", spill=(1, 3)),
    Example("SOP_SPREAD", ((1000.0,), (300.0, 200, 500), (None, 250.0, None)), ", 0",
            "1,000 over three items by statistical forecast, the second locked at 250; whole units.",
            "281, 250, 469", spill=(1, 3)),
)
