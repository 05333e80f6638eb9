"""One worked example per cell function, for the Functions sheet.

The result column is computed by calling the sop_udfs function itself on the
example's numbers at build time, so the sheet shows true results even where
cell functions cannot run (macOS, LibreOffice, a circulated copy).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    name: str
    inputs: tuple[tuple, ...]
    """Each input is a row of cells on the sheet (a single value is one cell)."""
    extra: str
    """Literal arguments after the ranges, e.g. ', 6, 12'."""
    description: str
    spill: tuple[int, int] | None = None
    """(rows, columns) of a spilled result, written as an array formula over that block."""

    def formula(self, refs) -> str:
        return f"={self.name}({', '.join(refs)}{self.extra})"

    @property
    def inputs_text(self) -> str:
        return "; ".join(", ".join("" if v is None else f"{v:g}" if isinstance(v, float) else str(v) for v in values)
                         for values in self.inputs)

    def result(self):
        import sop_udfs

        args = [[list(values)] if len(values) > 1 else values[0] for values in self.inputs]
        extra = [_literal(a) for a in self.extra.split(",")[1:]] if self.extra else []
        return getattr(sop_udfs, self.name)(*args, *extra)

    def result_text(self) -> str:
        value = self.result()
        if isinstance(value, list):
            return " / ".join(", ".join(_fmt(v) for v in row) for row in value)
        return _fmt(value)


def _literal(text: str):
    text = text.strip()
    if not text:
        return None
    if text.startswith('"'):
        return text.strip('"')
    return float(text)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return "" if v is None else str(v)


HISTORY = (120.0, 135, 128, 150, 160, 155, 170, 165, 180, 175, 190, 200)
ACTUAL, FORECAST = (100.0, 120, 90, 110), (95.0, 125, 100, 100)

FUNCTION_EXAMPLES = (
    Example("SOP_FORECAST", (HISTORY,), ", 6", "Statistical forecast; spills one value per period.", spill=(1, 6)),
    Example("SOP_FORECAST_METHOD", (HISTORY,), "", "The model SOP_FORECAST picks, and why."),
    Example("SOP_ACCURACY", (ACTUAL, FORECAST), "", "Forecast accuracy = 1 - sum|A-F| / sum|A|."),
    Example("SOP_MASE", (ACTUAL, FORECAST, HISTORY), "", "Mean absolute error scaled by the naive forecast's in-sample error."),
    Example("SOP_FVA", (ACTUAL, FORECAST, (100.0, 118, 95, 108)), "", "Forecast value added: WMAPE before - WMAPE after."),
    Example("SOP_INVENTORY_TURNS", ((1200.0,), (100.0, 140, 120)), "", "Inventory turns = COGS / average inventory."),
    Example("SOP_SERVICE_LEVEL", ((10.0, 20, 5), (10.0, 15, 5)), "", "Fill rate = shipped / ordered (basis units, lines or orders)."),
    Example("SOP_REVENUE_ACCURACY", (ACTUAL, FORECAST, (10.0, 10, 20, 20)), "", "Accuracy weighted by revenue (units x price)."),
    Example("SOP_ON_TIME_DELIVERY", ((46300.0, 46301, 46302), (46300.0, 46303, 46302)), "", "Share of lines delivered by the promised date."),
    Example("SOP_OTIF", ((46300.0, 46301), (46300.0, 46301), (10.0, 10), (10.0, 8)), "", "On time and in full."),
    Example("SOP_SCHEDULE_ATTAINMENT", ((100.0, 100, 100), (95.0, 100, 110)), "", "Production made as planned (capped per period)."),
    Example("SOP_BACKORDER_RATE", ((10.0, 20, 5), (0.0, 5, 0)), "", "Share of order lines (or units) backordered."),
    Example("SOP_INVENTORY_AGING", ((46300.0, 46270, 46100), (100.0, 50, 25), (46310.0,)), "",
            "Stock by age bucket: quantity and share per bucket (receipt dates against as_of).", spill=(6, 3)),
    Example("SOP_DAYS_OF_SUPPLY", ((250.0,), (100.0, 100, 100)), "", "Days the stock lasts against the forecast."),
    Example("SOP_PRODUCTION_PLAN", ((100.0, 200, 300, 100), (150.0,)), ", 0, \"optimal\", 1, 5, 50, 2",
            "Least-cost plan: production, overtime, subcontract, inventory, backlog per period.", spill=(5, 4)),
    Example("SOP_SAFETY_STOCK", ((10.0, 12, 8, 11, 9), (2.0,)), ", 0.95, 0.5", "z x sqrt(L x sd_d^2 + d^2 x sd_L^2)."),
    Example("SOP_GAP", ((10.0, 20, 30), (15.0, 15, 15)), ", 5", "Gap and cumulative gap per period (positive = shortage).", spill=(2, 3)),
    Example("SOP_PROJECTED_INVENTORY", ((5.0,), (15.0, 15, 15), (10.0, 20, 30)), "", "Stock balance per period (negative = backlog).", spill=(1, 3)),
)
