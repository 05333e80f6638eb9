"""The workbook schema: every sheet, table, column, named cell and ribbon button, in one place.

Nothing else in xl-sop hard-codes a sheet name, a table name or a cell address:
the builder lays the workbook out from this module, the book implementations
find tables by these names, and the cycle steps read and write through them.

Layout rules: each sheet has its title in A1, "what to do here" in A2 and the
input legend in A3; its tables stand side by side from row 5 (TABLE_ROW), one
blank column apart, so a table can grow downwards without running into another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter

from xl_sop.errors import UnknownNameError

TABLE_ROW = 5
GAP_COLUMNS = 1

# Number formats (Excel codes), one per kind of quantity. Money has no currency sign (the workbook has no currency
# setting): totals in whole units with thousands separators, prices and costs per unit with cents.
UNITS, MONEY, PRICE, SHARE, HOURS, MONTH, DATE, TEXT, FACTOR, DAYS = (
    "#,##0", "#,##0", "#,##0.00", "0.0%", "#,##0.0", "mmm yyyy", "yyyy-mm-dd", "@", "0.00", "#,##0")
CHANGE, CHANGE_SHARE = "+#,##0;[Red]-#,##0;0", "+0.0%;[Red]-0.0%;0.0%"
"""A change between two figures (plan versions, plan against budget): signed, a fall in red."""
LABEL_FORMATS = ("General", MONTH)
"""Formats of the columns that name a row (Item, Family, Resource, Month): a table's leading run of them stays in
sight (frozen) while the measures scroll."""
HEADER_PADDING = 3
"""Characters a header needs beyond its name: the filter button of the table header and the bold font."""


@dataclass(frozen=True)
class Column:
    name: str
    format: str = "General"
    width: float = 12
    input: bool = False
    """Typed by people: styled as input, never overwritten by a step."""
    formula: str | None = None
    """A native Excel formula per row; {Column} stands for that column's cell in the same row."""
    doc: str = ""
    shrink: bool = False
    """Long text shrinks to fit the cell instead of spilling over the (empty) cells to its right."""
    wrap: bool = False
    """Long text wraps onto more lines in the cell (the published copy sets the rows' heights to show them all)."""
    optional: bool = False
    """An input column a table may do without: no problem when a pasted table lacks it (read as blank)."""
    choices: tuple[str, ...] = ()
    """The words a typed text column takes (a drop-down list in the template); () = free text."""

    @property
    def fit_width(self) -> float:
        """The column's width: its schema width, or wider when the header would not fit."""
        return max(self.width, round(len(self.name) * 1.1) + HEADER_PADDING)


@dataclass(frozen=True)
class Table:
    name: str
    sheet: str
    columns: tuple[Column, ...]
    doc: str = ""
    output: bool = True
    """Written by a step (False: a data or input table that people fill)."""
    key: tuple[str, ...] = ()
    """Columns that identify a row: input columns are kept across runs by this key."""
    examples: tuple[tuple[object, ...], ...] = ()
    at: tuple[int, int] | None = None
    """(row, column) of its header cell where it does not stand in line with the sheet's other tables."""
    grid: bool = False
    """A time-phased grid: the schema's columns, then one column per month, set by each write (headers 'Jan 2027')."""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def label_columns(self) -> int:
        """How many leading columns name a row (text or month, not typed): the ones to keep in sight."""
        count = 0
        for c in self.columns:
            if c.input or c.format not in LABEL_FORMATS:
                break
            count += 1
        return count

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name.lower() == name.lower():
                return c
        raise UnknownNameError(f"table {self.name} has no column '{name}' (columns: {', '.join(self.column_names)})")


@dataclass(frozen=True)
class Sheet:
    name: str
    code_name: str
    title: str
    instruction: str
    tab_color: str = "1F4E78"
    hidden: bool = False
    table_row: int = TABLE_ROW
    """The row of its tables' headers: lower on a sheet with a chart above its table."""


@dataclass(frozen=True)
class Button:
    id: str
    label: str
    macro: str | None
    """The function in sop_macros that RunPython calls; None for a button that runs VBA only (Function Help)."""
    image: str
    """Its picture (imageMso): one of Excel's own control ids, which Microsoft publishes (tests/data/excel_control_ids.txt)."""
    group: str
    screentip: str


def col(name: str, fmt: str = "General", width: float = 12, **kw: Any) -> Column:
    return Column(name, fmt, width, **kw)


WORKBOOK_ID_NAME = "SOP_WorkbookId"
"""The hidden workbook-level defined name holding a workbook's id (its value a text constant, ="<hex>"): written by
`xl-sop new` and the demo, carried by publish into the values-only copy; Collect Inputs takes only copies that carry
the master's id (xl_sop.workbook.identity)."""

SCHEMA_VERSION_NAME = "SOP_SchemaVersion"
"""The hidden workbook-level defined name holding the schema version a workbook was built (or upgraded) to, its value
a number constant (=1): `xl-sop upgrade` reads it to know where it starts (xl_sop.cycle.upgrade)."""
SCHEMA_VERSION = 1
"""This schema's version: raise it with any change an older workbook needs upgrading for. A workbook without
SCHEMA_VERSION_NAME was built before versions were recorded (version 0)."""

XLWINGS_CONF_SHEET = "xlwings.conf"
"""The sheet xlwings reads its settings from (keys in column A from A1 down to the first blank, values in B)."""

DEMAND_VIEW_ROW = 18
"""Header row of the demand grid on 1 Demand: the chart and its chooser stand above it."""
DEMAND_VIEW_HISTORY_MONTHS = 24
"""Months of history the demand grid shows left of the cycle month (the older half is grouped, to fold away)."""
SUPPLY_VIEW_ROW = 18
"""Header row of the resource grid on 2 Supply (the load chart above it)."""
GAP_VIEW_ROW = 13
"""Header row of the family grid on 3 Pre-S&OP (the gap chart above it)."""
SCENARIO_CHANGES = ("demand", "capacity", "price", "order")
"""The kinds of change a row of tblScenarioInputs makes (its Change column); xl_sop.cycle.scenario_inputs."""
EXECUTIVE_ROW = 24
"""Header row of the month-by-month table on 5 Executive: the tiles, the charts, the top gaps and the decisions needed
stand above it, so the summary reads on one page."""
EXECUTIVE_SIDE = (8, 11)
"""(row, column) of the top gaps on 5 Executive, right of the charts; the decisions needed stand under them (from
column M, so their Issue is the wide last column O, which the approval's Comment shares)."""
TOP_GAPS = 5
"""Shortages (family and month) the executive summary lists, largest in money first."""
DECISIONS_SHOWN = 6
"""Open issues the executive summary lists as decisions needed (the rest are on 4 S&OP Meeting)."""
MEETING_ROW = 19
"""Header row of the tables on 4 S&OP Meeting (the chart of the families against budget above them)."""
SCENARIO_ROOM = 10
"""Rows tblScenarios has on Scenarios (Base and 9 scenarios; a 10th takes the blank row under them):
tblScenarioShortage stands under it, so one page prints both."""
FOLLOW_UP_ROW = 20
"""Header row of the tables on 6 Follow-up (the KPI and accuracy charts above them)."""
RESOURCE_CHOICE_NAME = "SopResourceChoice"
RESOURCE_CHOICES_NAME = "SopResourceChoices"
COMPUTED_MEASURES = ("History", "Statistical", "From family", "Consensus", "Last cycle", "Budget", "From item",
                     "Events")
"""The rows of the demand grid that Run Forecast computes; every other row is typed (a contributor's)."""
FAMILY_ROW_ITEM = "Total"
"""The Item column of a family's rows in the demand grid."""
DEMAND_CHOICE_NAME = "SopDemandChoice"
"""The defined name of the cell on 1 Demand that says which family or item the chart shows."""
DEMAND_CHOICES_NAME = "SopDemandChoices"
"""The defined name of the list that cell chooses from (tblDemandChoices[Show])."""

SHEETS = (
    Sheet("Home", "shHome", "S&OP cycle workbook",
          "Start here: set the cycle month on Settings, paste the data, then run the steps left to right "
          "on the S&OP ribbon tab."),
    Sheet("Settings", "shSettings", "Settings",
          "Type the values in the yellow column. Each setting says what it changes.", "7F6000"),
    Sheet("Items", "shItems", "Items", "Paste the item master: one row per item.", "595959"),
    Sheet("History", "shHistory", "Demand history",
          "Paste monthly shipments (or orders): one row per item and month (and region and segment, if you plan by them).",
          "595959"),
    Sheet("Inventory", "shInventory", "Inventory", "Paste on-hand stock by receipt layer (for aging and projection).", "595959"),
    Sheet("Orders", "shOrders", "Customer orders", "Paste order lines with promised and delivered dates.", "595959"),
    Sheet("Capacity", "shCapacity", "Capacity", "Type available regular and overtime hours per resource and month.", "595959"),
    Sheet("Production", "shProduction", "Production", "Paste planned and actual production per item and month.", "595959"),
    Sheet("Budget", "shBudget", "Budget", "Paste the budget by family and month (units and revenue).", "595959"),
    Sheet("Events", "shEvents", "Demand events",
          "Type promotions, one-offs, launches and phase-outs: Run Forecast takes past ones out of the baseline and adds "
          "future ones as the Events row of 1 Demand.", "595959"),
    Sheet("Plan Archive", "shArchive", "Plan archive",
          "Freeze Plan adds the approved consensus of each cycle here; Follow-up measures accuracy by lag against it.", "595959"),
    Sheet("1 Demand", "shDemand", "1 Demand planning",
          "Press Run Forecast; type in the yellow rows (a family's figures spread to its items) and run it again.",
          table_row=DEMAND_VIEW_ROW),
    Sheet("Demand Detail", "shDemandDetail", "Demand detail",
          "What Run Forecast made of 1 Demand, one row per item and month, as the other steps read it; accuracy and "
          "forecast value added of past cycles. Type on 1 Demand, not here.", "595959"),
    Sheet("2 Supply", "shSupply", "2 Supply planning",
          "Press Balance Supply. Per resource: hours the consensus needs against capacity (utilisation red above 100%); "
          "its items' demand, production and stock below it.", table_row=SUPPLY_VIEW_ROW),
    Sheet("Supply Detail", "shSupplyDetail", "Supply detail",
          "What Balance Supply and Reconcile computed, one row per resource, item or family and month, as the other "
          "steps read it.", "595959"),
    Sheet("3 Pre-S&OP", "shPreSOP", "3 Pre-S&OP",
          "Press Reconcile. Demand against supply by family (a shortage in red); the scenarios are on the next sheet."),
    Sheet("Scenarios", "shScenarios", "3 Scenarios",
          "One change a row in the yellow table (one Scenario name = one scenario); Reconcile plans each like Base."),
    Sheet("4 S&OP Meeting", "shMeeting", "4 S&OP meeting",
          "Review the families against budget and the last frozen plan, and the open issues; record every decision, "
          "owner and due date in the yellow tables.", table_row=MEETING_ROW),
    Sheet("5 Executive", "shExecutive", "5 Executive S&OP",
          "Press Refresh Executive. The plan against budget, the largest shortages and the decisions needed; record the "
          "approval in the yellow table.", table_row=EXECUTIVE_ROW),
    Sheet("6 Follow-up", "shFollowUp", "6 Post-S&OP follow-up",
          "Press Refresh KPIs. Each metric against its target: green met, amber within 5%, red missed.",
          table_row=FOLLOW_UP_ROW),
    Sheet("Checks", "shChecks", "Checks",
          "Press Validate: every problem in the workbook (input tables, missing sheets, tables or columns), "
          "with its sheet, table, row and column. Empty = all good.", "7F6000"),
    Sheet("Functions", "shFunctions", "Cell functions",
          "Every =SOP_ function with a worked example. Change the blue numbers to see the results move (Windows Excel). "
          "Insert Function (Shift+F3) describes them once an S&OP button has been pressed (Function Help does only that)."),
    Sheet(XLWINGS_CONF_SHEET, "shXlwingsConf", "", ""),
    Sheet("Undo", "shUndo", "Undo store", "What the last step replaced, for Undo Last Run. Do not edit.", "595959", hidden=True),
)

SETTINGS = (
    # (Setting, example value, number format, low, high, meaning)
    ("Cycle month", "2026-11-01", MONTH, None, None, "First month of the plan (the month after the last history month)."),
    ("Horizon", 12, "0", 1, 36, "Months to forecast and plan."),
    ("Season length", 12, "0", 1, 24, "Months per season; 1 = no seasonality."),
    ("Service level", 0.95, SHARE, 0.5, 0.999, "Cycle service level for safety stock (95% -> z = 1.645)."),
    ("Holding cost", 0.02, SHARE, 0, 1, "Cost of holding stock per month, as a share of unit cost."),
    ("Backlog cost", 0.10, SHARE, 0, 5, "Cost of a unit one month late, as a share of unit price."),
    ("Overtime cost", 1.5, FACTOR, 1, 5, "Overtime hour cost relative to a regular hour."),
    ("Production strategy", "optimal", TEXT, None, None,
     "optimal (least cost), level (same hours every month) or chase (make what each month needs)."),
    ("Regular hour cost", 40, PRICE, 0, 100000, "Cost of a regular resource hour; overtime costs this x Overtime cost."),
    ("Family forecast", "bottom-up", TEXT, None, None,
     "bottom-up (family = sum of its items' forecasts), top-down (family forecast split by its items' forecasts) "
     "or min-trace (both, reconciled by MinT)."),
    ("Spread family figures by", "forecast", TEXT, None, None,
     "How a figure typed on a family's row of 1 Demand is shared by its items: forecast (each item's statistical "
     "forecast for that month), history (last 12 months) or equal."),
    ("Scheduler address", None, TEXT, None, None,
     "Dask scheduler that Run Forecast uses, e.g. tcp://10.0.0.5:8786 (needs xl-sop[dask]); blank = this computer."),
    ("Approvals required", None, TEXT, None, None,
     "Roles whose approval Freeze Plan needs (tblApproval on 5 Executive: Name given, Approved = Yes), e.g. CFO, COO; "
     "blank = none."),
    ("Show regions", None, TEXT, None, None,
     "Which region rows 1 Demand shows under each item when History has Region (or Segment) filled: blank or all = "
     "every region, none = items only, or a region's or segment's name; rows holding typed figures always show."),
    ("Company", "Example Foods Co.", TEXT, None, None, "Printed at the top left of every page of the PDF pack."),
)
NOT_PLAN_SETTINGS = ("Scheduler address", "Approvals required", "Show regions", "Company")
"""Settings that change no figure of the plan: changing one leaves the steps current (xl_sop.cycle.freshness)."""
PACK_SHEETS = ("5 Executive", "1 Demand", "2 Supply", "3 Pre-S&OP", "Scenarios", "4 S&OP Meeting", "6 Follow-up")
"""The sheets of the PDF pack in its order: the executive summary first, then the steps of the cycle."""
PUBLISH_STAMP_CELL = "A4"
"""The cell on Home where a published copy says what it is: DRAFT, FOR REVIEW or APPROVED, and the cycle month."""
STALE = "stale"
"""How the Status of a step whose inputs changed since it ran begins in tblStepStatus ("stale: ... changed")."""
SPREAD_CHOICES = ("forecast", "history", "equal")

STRATEGY_CHOICES = ("optimal", "level", "chase")
FAMILY_FORECAST_CHOICES = ("bottom-up", "top-down", "min-trace")  # xl_sop.forecast.hierarchical.FAMILY_METHODS
TEXT_CHOICES = {"Production strategy": STRATEGY_CHOICES, "Family forecast": FAMILY_FORECAST_CHOICES,
                "Spread family figures by": SPREAD_CHOICES}
"""The choices of each text setting of SETTINGS (format TEXT), first the default; the template's drop-down lists them."""


EVENT_KINDS = ("promotion", "one-off", "launch", "phase-out")
"""The kinds of tblEvents (xl_sop.forecast.events.KINDS)."""


def choices(setting: str) -> tuple[str, ...]:
    """The choices of a text setting of SETTINGS, by its name as SETTINGS spells it; () for free text (an address)."""
    return TEXT_CHOICES.get(setting, ())


class TableName:
    """Every table's name, for code that refers to a table (the tables themselves are TABLES below)."""

    SETTINGS = "tblSettings"
    ITEMS = "tblItems"
    HISTORY = "tblHistory"
    INVENTORY = "tblInventory"
    ORDERS = "tblOrders"
    CAPACITY = "tblCapacity"
    PRODUCTION = "tblProduction"
    BUDGET = "tblBudget"
    EVENTS = "tblEvents"
    EVENT_EFFECTS = "tblEventEffects"
    DEMAND_PLAN = "tblDemandPlan"
    DEMAND_VIEW = "tblDemandView"
    DEMAND_CHART = "tblDemandChart"
    DEMAND_HISTORY_CHART = "tblDemandHistoryChart"
    DEMAND_CHOICES = "tblDemandChoices"
    CONTRIBUTORS = "tblContributors"
    ACCURACY = "tblAccuracy"
    FVA = "tblFVA"
    CAPACITY_LOAD = "tblCapacityLoad"
    SUPPLY_VIEW = "tblSupplyView"
    LOAD_CHART = "tblLoadChart"
    RESOURCE_CHOICES = "tblResourceChoices"
    GAP_VIEW = "tblGapView"
    GAP_BY_FAMILY = "tblGapByFamily"
    LAG_ACCURACY = "tblLagAccuracy"
    KPI_TREND = "tblKPITrend"
    SUPPLY_PLAN = "tblSupplyPlan"
    GAP = "tblGap"
    SCENARIOS = "tblScenarios"
    SCENARIO_INPUTS = "tblScenarioInputs"
    SCENARIO_SHORTAGE = "tblScenarioShortage"
    OPEN_ISSUES = "tblOpenIssues"
    MEETING_SUMMARY = "tblMeetingSummary"
    CONSENSUS_BY_FAMILY = "tblConsensusByFamily"
    DECISIONS = "tblDecisions"
    CONFLICTS = "tblConflicts"
    VERSION_COMPARE = "tblVersionCompare"
    WHAT_MOVED = "tblWhatMoved"
    EXECUTIVE = "tblExecutive"
    TOP_GAPS = "tblTopGaps"
    DECISIONS_NEEDED = "tblDecisionsNeeded"
    APPROVAL = "tblApproval"
    KPIS = "tblKPIs"
    KPI_SUMMARY = "tblKPISummary"
    TARGETS = "tblTargets"
    ACCURACY_BY_LAG = "tblAccuracyByLag"
    PLAN_ARCHIVE = "tblPlanArchive"
    PROBLEMS = "tblProblems"
    UNDO = "tblUndo"
    STEP_INPUTS = "tblStepInputs"
    STEP_STATUS = "tblStepStatus"
    DATA_CONTRACT = "tblDataContract"


def _in_grid(measure: str) -> str:
    """The chosen family's or item's row of ``measure`` in tblDemandView, in the month column {Offset} columns right
    of Family. OFFSET, not INDEX(table, 0, n): LibreOffice reads only the first in a SUMIFS over a table."""
    column = "OFFSET(tblDemandView[[#Data],[Family]],0,{Offset})"
    return (f'SUMIFS({column},tblDemandView[Family],{DEMAND_CHOICE_NAME},tblDemandView[Item],"{FAMILY_ROW_ITEM}",'
            f'tblDemandView[Measure],"{measure}")+SUMIFS({column},tblDemandView[Item],{DEMAND_CHOICE_NAME},'
            f'tblDemandView[Measure],"{measure}")')


def _in_plan(column: str) -> str:
    """``column`` of tblDemandPlan for the chosen family (its items added up) or item, in the month {Month}."""
    return (f"SUMIFS(tblDemandPlan[{column}],tblDemandPlan[Family],{DEMAND_CHOICE_NAME},tblDemandPlan[Month],{{Month}})"
            f"+SUMIFS(tblDemandPlan[{column}],tblDemandPlan[Item],{DEMAND_CHOICE_NAME},tblDemandPlan[Month],{{Month}})")


def _load_formula(*columns: str) -> str:
    """Hours of the chosen resource in the month {Month}: the sum of ``columns`` of tblCapacityLoad."""
    return "=" + "+".join(f"SUMIFS(tblCapacityLoad[{c}],tblCapacityLoad[Resource],{RESOURCE_CHOICE_NAME},"
                          "tblCapacityLoad[Month],{Month})" for c in columns)


def _target(metric: str) -> str:
    """The metric's target as typed in tblTargets."""
    return f'=INDEX(tblTargets[Target],MATCH("{metric}",tblTargets[Metric],0))'


TABLES = (
    Table("tblSettings", "Settings", (col("Setting", width=26), col("Value", width=14, input=True), col("Meaning", width=70)),
          "Cycle settings read by every step.", output=False, key=("Setting",)),
    Table("tblContributors", "Settings", (
        col("Contributor", width=18, input=True, doc="Who adjusts the forecast: a typed row of 1 Demand each"),
        col("Stage", width=10, input=True, doc="Sales or Marketing: which adjustment their figures count as")),
          "Who adjusts the forecast on 1 Demand: one typed row per contributor for every item and family (their figures "
          "add up); Stage Sales or Marketing says which adjustment they count as.", output=False, key=("Contributor",),
          examples=(("Sales adj.", "Sales"), ("Marketing adj.", "Marketing"))),
    Table("tblItems", "Items", (
        col("Item", width=12), col("Description", width=30), col("Family", width=14), col("UnitPrice", PRICE),
        col("UnitCost", PRICE), col("LeadTimeMonths", "0.0", 15), col("Resource", width=12), col("HoursPerUnit", "0.000", 13)),
        "Item master. Resource blank = bought in.", output=False, key=("Item",),
        examples=(("BEV-1000", "Cola 12-pack", "Beverages", 39.01, 28.05, 1, "Bottling", 0.049),
                  ("SNA-1001", "Crisps 6-pack", "Snacks", 47.44, 24.55, 2, "Packing", 0.05))),
    Table("tblHistory", "History", (
        col("Item"), col("Month", MONTH), col("Quantity", UNITS),
        col("Region", width=12, optional=True, doc="Sales region (optional; blank = no region): forecast per item "
                                                  "and region"),
        col("Segment", width=12, optional=True, doc="Market segment or channel (optional; blank = none): forecast "
                                                   "per item, region and segment")),
          "Monthly demand per item (and, optionally, per region and segment).", output=False, key=("Item", "Month"),
          examples=(("BEV-1000", "2026-09-01", 310, None, None), ("BEV-1000", "2026-10-01", 295, None, None),
                    ("SNA-1001", "2026-10-01", 512, None, None))),
    Table("tblInventory", "Inventory", (col("Item"), col("ReceiptDate", DATE), col("Quantity", UNITS)),
          "On-hand stock by receipt layer.", output=False,
          examples=(("BEV-1000", "2026-10-11", 301), ("SNA-1001", "2026-06-23", 239))),
    Table("tblOrders", "Orders", (
        col("Order"), col("Line", "0", 6), col("Item"), col("Customer", width=16), col("PromisedDate", DATE),
        col("DeliveredDate", DATE, 14), col("QtyOrdered", UNITS), col("QtyShipped", UNITS)),
        "Customer order lines.", output=False,
        examples=(("SO-1", 1, "BEV-1000", "Northmart", "2026-10-05", "2026-10-04", 120, 120),)),
    Table("tblCapacity", "Capacity", (
        col("Resource"), col("Month", MONTH), col("Hours", HOURS), col("OvertimeHours", HOURS, 14)),
        "Available hours per resource and month.", output=False, key=("Resource", "Month"),
        examples=(("Bottling", "2026-11-01", 122, 18), ("Packing", "2026-11-01", 160, 24))),
    Table("tblProduction", "Production", (col("Item"), col("Month", MONTH), col("Planned", UNITS), col("Actual", UNITS)),
          "Planned and actual production.", output=False,
          examples=(("BEV-1000", "2026-10-01", 300, 288),)),
    Table("tblBudget", "Budget", (col("Family", width=14), col("Month", MONTH), col("Units", UNITS), col("Revenue", MONEY, 14)),
          "Budget by family and month.", output=False, key=("Family", "Month"),
          examples=(("Beverages", "2026-11-01", 1897, 39653.07),)),
    Table("tblEvents", "Events", (
        col("Item", input=True, doc="The item; blank = every item of the Family"),
        col("Family", width=14, input=True, doc="The family, for an event of all its items (Item blank)"),
        col("Region", input=True, doc="The region; blank = all regions"),
        col("Kind", width=11, input=True, doc="promotion, one-off, launch or phase-out", choices=EVENT_KINDS),
        col("FromMonth", MONTH, input=True, doc="First month of the event (launch: first month sold; phase-out: first "
                                                 "month no longer sold)"),
        col("ToMonth", MONTH, input=True, doc="Last month of a promotion or one-off; blank = FromMonth"),
        col("UpliftPct", SHARE, input=True, doc="Promotion or one-off: uplift on the statistical forecast (20% or -10%)"),
        col("UpliftUnits", UNITS, 13, input=True, doc="Promotion or one-off: uplift in units per month (+/-)"),
        col("LikeItem", input=True, doc="Launch: the item whose forecast shape it follows; blank = its family's"),
        col("LaunchUnits", UNITS, 13, input=True, doc="Launch: units per month once launched (the like item's "
                                                      "level scaled to it); blank = as the like item"),
        col("Successor", input=True, doc="Phase-out: the item that takes over its demand; blank = none"),
        col("Note", width=30, input=True, doc="Anything to remember about the event")),
        "Demand events. Past promotions and one-offs are taken out of the history the statistical forecast is fitted "
        "on; future ones add the Events row of 1 Demand; a launch is forecast from a like item; a phase-out ends the "
        "item's plan.", output=False),
    Table("tblEventEffects", "Events", (
        col("Item"), col("Family", width=14), col("Kind", width=11), col("FromMonth", MONTH), col("ToMonth", MONTH),
        col("Actual", UNITS), col("Baseline", UNITS), col("UpliftUnits", UNITS, 13), col("UpliftPct", SHARE)),
        "What each past promotion or one-off did (Run Forecast): actual demand in its months against the baseline "
        "taken in its place (the straight line between the months around it)."),
    Table("tblDemandView", "1 Demand", (
        col("Family", width=14), col("Item", width=18), col("Measure", width=16), col("Lock", width=6, input=True,
        doc="x keeps the item out of its family's spreads")),
        "The demand plan as planners read and type it: per family, then per item, a row per measure and a column per "
        "month (history left of the cycle month, the plan right of it). Contributor rows are typed; Run Forecast "
        "computes the others.", grid=True),
    Table("tblDemandPlan", "Demand Detail", (
        col("Item"), col("Family", width=14), col("Month", MONTH), col("Statistical", UNITS), col("Lower80", UNITS),
        col("Upper80", UNITS),
        col("Method", width=44, shrink=True),
        col("Events", UNITS, doc="Future promotions, one-offs and successors' take-over (tblEvents), in units"),
        col("SalesAdj", UNITS, doc="Sales adjustments in units (+/-), from 1 Demand"),
        col("MarketingAdj", UNITS, 13, doc="Marketing adjustments in units (+/-), from 1 Demand"),
        col("Consensus", UNITS, formula="=MAX(0,{Statistical}+N({Events})+N({SalesAdj})+N({MarketingAdj}))")),
        "Statistical forecast, adjustments (typed on 1 Demand, family figures spread) and consensus per item and month.",
        key=("Item", "Month")),
    Table("tblDemandHistoryChart", "Demand Detail", (
        col("Month", MONTH), col("Offset", "0", 8, doc="columns from Family to the month's column in tblDemandView"),
        col("History", UNITS, formula="=" + _in_grid("History"))),
        "The history the chart on 1 Demand draws for the family or item chosen above it (formulas over tblDemandView)."),
    Table("tblDemandChart", "Demand Detail", (
        col("Month", MONTH), col("Offset", "0", 8, doc="columns from Family to the month's column in tblDemandView"),
        col("Statistical", UNITS, formula="=" + _in_grid("Statistical")),
        col("Consensus", UNITS, formula="=" + _in_grid("Consensus")),
        col("Lower80", UNITS, formula="=" + _in_plan("Lower80")),
        col("Upper80", UNITS, formula="=" + _in_plan("Upper80"))),
        "The plan the chart on 1 Demand draws for the family or item chosen above it (formulas over tblDemandView and "
        "tblDemandPlan; a family's 80% range adds up its items' ranges)."),
    Table("tblDemandChoices", "Demand Detail", (col("Show", width=16),),
          "What the chart on 1 Demand can show: every family, then every item."),
    Table("tblAccuracy", "Demand Detail", (col("Family", width=14), col("Month", MONTH), col("Actual", UNITS),
                                           col("Accuracy", SHARE), col("Bias", SHARE), col("WMAPE", SHARE)),
          "Accuracy of the consensus frozen in each month's own cycle (lag 0), by family and month."),
    Table("tblFVA", "Demand Detail", (col("Stage", width=22), col("Accuracy", SHARE), col("WMAPE", SHARE),
                                      col("ValueAdded", SHARE, 11),
                                      col("Months", "0", 8)),
          "Forecast value added: did each override stage improve on the statistical forecast (lag 0, archived plans)?"),
    Table("tblSupplyView", "2 Supply", (col("Resource", width=14), col("Item", width=12), col("Measure", width=18)),
          "The supply plan as planners read it: per resource its hours against capacity, then its items' demand, "
          "production and projected stock, a column per plan month.", grid=True),
    Table("tblCapacityLoad", "Supply Detail", (
        col("Resource"), col("Month", MONTH), col("RequiredHours", HOURS, 14), col("PlannedHours", HOURS, 13),
        col("CapacityHours", HOURS, 14), col("OvertimeHours", HOURS, 14), col("Utilisation", SHARE),
        col("OverloadHours", HOURS, 14), col("ShortHours", HOURS, 11)),
        "Rough-cut load of the consensus (RequiredHours) and of the plan against capacity."),
    Table("tblSupplyPlan", "Supply Detail", (
        col("Item"), col("Month", MONTH), col("Demand", UNITS), col("Production", UNITS), col("OnHand", UNITS),
        col("Backlog", UNITS),
        col("DaysOfSupply", DAYS, 13), col("SafetyStock", UNITS)),
        "Production plan and projected inventory per item and month."),
    Table("tblGap", "Supply Detail", (
        col("Family", width=14), col("Month", MONTH), col("Demand", UNITS), col("Supply", UNITS), col("Gap", UNITS),
        col("CumulativeGap", UNITS, 14), col("ShortageRevenue", MONEY, 16), col("ExcessValue", MONEY, 14)),
        "Demand-supply gap by family and month (positive = shortage)."),
    Table("tblScenarios", "Scenarios", (
        col("Scenario", width=18), col("Changes", width=34, shrink=True), col("Revenue", MONEY, 14),
        col("Margin", MONEY, 14), col("FillRate", SHARE), col("ClosingInventoryValue", MONEY, 20), col("CapacityUse", SHARE)),
        "Base and each scenario of tblScenarioInputs side by side, each planned by the Supply step's own logic; Base "
        "is the plan on 2 Supply and 5 Executive.", at=(TABLE_ROW, 1)),
    Table("tblScenarioShortage", "Scenarios", (
        col("Scenario", width=18), col("Family", width=14), col("Demand", UNITS), col("Short", UNITS),
        col("ShortRevenue", MONEY, 14), col("FillRate", SHARE), col("PeakBacklog", UNITS, 13), col("PeakMonth", MONTH)),
        "What each scenario leaves unshipped by family: Short = backlog at the end of the horizon, PeakBacklog its "
        "largest month.", at=(TABLE_ROW + SCENARIO_ROOM + 2, 1)),
    Table("tblScenarioInputs", "Scenarios", (
        col("Scenario", width=18, input=True), col("Change", width=10, input=True), col("AppliesTo", width=14, input=True),
        col("FromMonth", MONTH, input=True), col("ToMonth", MONTH, input=True),
        col("Value", "#,##0.00", input=True,
            doc="demand, capacity or price: a factor (1.2 = +20%, 0.8 = -20%); order: units"),
        col("Note", width=30, input=True, doc="Why (for the meeting); not read")),
        "The scenarios planners author: one change per row, rows with the same Scenario make one scenario.",
        output=False,
        examples=(("Upside", "demand", None, None, None, 1.10, "Demand 10% above the consensus"),
                  ("Downside", "demand", None, None, None, 0.90, "Demand 10% below the consensus")),
        at=(TABLE_ROW, 10)),
    Table("tblMeetingSummary", "4 S&OP Meeting", (
        col("Family", width=12), col("Units", UNITS, 11), col("VsBudgetPct", CHANGE_SHARE),
        col("Revenue", MONEY, 12), col("VsBudgetRevenue", CHANGE), col("VsLastFrozenPct", CHANGE_SHARE)),
        "Each family over the plan months (Reconcile, from tblVersionCompare): consensus units and revenue, against "
        "budget (units %, revenue) and against the last frozen plan (units %, over the months both cover); All last. "
        "What 4 S&OP Meeting prints, with the open issues."),
    Table("tblOpenIssues", "4 S&OP Meeting", (
        col("Issue", width=44, input=True, wrap=True), col("Owner", width=14, input=True), col("Due", DATE, input=True),
        col("Status", width=12, input=True)),
        "Open issues for the S&OP meeting: Reconcile seeds one per shortage and overload; typed rows are kept."),
    Table("tblLoadChart", "Supply Detail", (
        col("Month", MONTH),
        col("Required", HOURS, formula=_load_formula("RequiredHours")),
        col("Planned", HOURS, formula=_load_formula("PlannedHours")),
        col("Capacity", HOURS, formula=_load_formula("CapacityHours")),
        col("WithOvertime", HOURS, 13, formula=_load_formula("CapacityHours", "OvertimeHours"))),
        "What the chart on 2 Supply draws for the resource chosen above it (formulas over tblCapacityLoad)."),
    Table("tblResourceChoices", "Supply Detail", (col("Resource", width=14),),
          "What the chart on 2 Supply can show: every resource."),
    Table("tblGapByFamily", "Supply Detail", (
        col("Family", width=14), col("Demand", UNITS), col("Supply", UNITS), col("Gap", UNITS),
        col("ShortageRevenue", MONEY, 16)),
        "The gap of the whole plan by family (the chart on 3 Pre-S&OP): positive = short."),
    Table("tblGapView", "3 Pre-S&OP", (col("Family", width=14), col("Measure", width=18)),
          "Demand against supply by family, a column per plan month: the gap in units and in money.", grid=True,
          at=(GAP_VIEW_ROW, 1)),
    Table("tblDecisions", "4 S&OP Meeting", (
        col("Date", DATE, input=True), col("Topic", width=18, input=True), col("Decision", width=44, input=True),
        col("Owner", width=14, input=True), col("Due", DATE, input=True), col("Status", width=12, input=True)),
        "Decisions log.", output=False),
    Table("tblConflicts", "4 S&OP Meeting", (
        col("Table", width=14), col("Key", width=24), col("Column", width=14), col("Source", width=22), col("Value", width=18)),
        "Inputs that returned copies changed differently (Collect Inputs): the master keeps its value until you decide."),
    Table("tblVersionCompare", "4 S&OP Meeting", (
        col("Family", width=14), col("Month", MONTH), col("ThisCycle", UNITS), col("LastFrozen", UNITS),
        col("Change", CHANGE), col("ChangePct", CHANGE_SHARE), col("ChangeRevenue", CHANGE, 15), col("Budget", UNITS),
        col("VsBudget", CHANGE), col("VsBudgetPct", CHANGE_SHARE), col("VsBudgetRevenue", CHANGE, 16)),
        "This cycle's consensus against the last frozen plan and the budget (Reconcile; xl_sop.cycle.versions): units, "
        "and money at today's unit prices. LastFrozen blank = a month the last plan did not cover."),
    Table("tblWhatMoved", "4 S&OP Meeting", (
        col("Family", width=14), col("Item", width=12), col("Change", CHANGE), col("ChangeRevenue", CHANGE, 15),
        col("Why", width=80)),
        "What moved since the last frozen plan: the total, months entering or leaving the horizon, each family's "
        "change and the items that moved it most (new, dropped, up, down)."),
    Table("tblConsensusByFamily", "4 S&OP Meeting", (
        col("Family", width=14), col("Month", MONTH), col("Units", UNITS), col("Revenue", MONEY, 14),
        col("BudgetRevenue", MONEY, 15),
        col("RevenueGap", MONEY, 14)), "Consensus plan by family and month against budget."),
    Table("tblExecutive", "5 Executive", (
        col("Month", MONTH), col("Revenue", MONEY, 14), col("BudgetRevenue", MONEY, 15), col("Margin", MONEY, 14),
        col("MarginPct", SHARE), col("InventoryValue", MONEY, 15), col("DemandUnits", UNITS, 13),
        col("ShippedUnits", UNITS, 13), col("FillRate", SHARE)),
        "The supply plan in money against budget, month by month (the Base scenario on 3 Pre-S&OP)."),
    Table("tblTopGaps", "5 Executive", (
        col("Family", width=14), col("Month", MONTH, 10), col("ShortUnits", UNITS, 11),
        col("ShortRevenue", MONEY, 13)),
        f"The {TOP_GAPS} largest shortages of the plan (demand it does not ship), by family and month, in money first.",
        at=EXECUTIVE_SIDE),
    Table("tblDecisionsNeeded", "5 Executive", (
        col("Due", DATE, 10), col("Owner", width=11), col("Issue", width=30, wrap=True)),
        f"The first {DECISIONS_SHOWN} open issues of 4 S&OP Meeting (Status not closed or done): the decisions needed.",
        at=(EXECUTIVE_SIDE[0] + TOP_GAPS + 3, EXECUTIVE_SIDE[1] + 2)),
    Table("tblApproval", "5 Executive", (
        col("Role", width=16, input=True), col("Name", width=18, input=True), col("Approved", width=10, input=True),
        col("Date", DATE, input=True), col("Comment", width=30, input=True)), "Sign-off of the plan.", output=False,
        examples=(("CEO", None, None, None, None), ("CFO", None, None, None, None), ("COO", None, None, None, None))),
    Table("tblKPISummary", "6 Follow-up", (
        col("Family", width=12), col("Period", TEXT, 12), col("ForecastAccuracy", SHARE, 16),
        col("RevenueAccuracy", SHARE, 16), col("Bias", SHARE), col("ServiceLevel", SHARE, 13),
        col("OnTimeDelivery", SHARE, 15), col("ScheduleAttainment", SHARE, 18), col("BackorderRate", SHARE, 14),
        col("InventoryTurns", "0.0", 14), col("AgedStockShare", SHARE, 15)),
        "The metrics of tblKPIs in short, what 6 Follow-up prints: the targets, then per family (All first) the latest "
        "month and the average of the last three months' figures (turns and aged stock: the current stock)."),
    Table("tblKPIs", "6 Follow-up", (
        col("Month", MONTH), col("Family", width=14), col("ForecastAccuracy", SHARE, 16), col("RevenueAccuracy", SHARE, 16),
        col("Bias", SHARE), col("ServiceLevel", SHARE, 13), col("OnTimeDelivery", SHARE, 15),
        col("ScheduleAttainment", SHARE, 18), col("BackorderRate", SHARE, 14), col("InventoryTurns", "0.0", 14),
        col("AgedStockShare", SHARE, 15)),
        "The S&OP metrics month by month, all families first, then by family. Turns and aged stock are "
        "measured on the current stock (latest month)."),
    Table("tblTargets", "6 Follow-up", (
        col("Metric", width=18), col("Target", "0.00", input=True), col("Better", width=8)),
        "Targets for the traffic lights; Better says whether higher or lower is better.", output=False, key=("Metric",),
        examples=(("ForecastAccuracy", 0.75, "higher"), ("Bias", 0.05, "lower"), ("ServiceLevel", 0.95, "higher"),
                  ("OnTimeDelivery", 0.95, "higher"), ("ScheduleAttainment", 0.9, "higher"),
                  ("BackorderRate", 0.05, "lower"), ("InventoryTurns", 6, "higher"), ("RevenueAccuracy", 0.8, "higher"),
                  ("AgedStockShare", 0.1, "lower"))),
    Table("tblAccuracyByLag", "6 Follow-up", (
        col("Lag", "0", 6), col("Month", MONTH), col("Actual", UNITS), col("Consensus", UNITS), col("Accuracy", SHARE)),
        "Accuracy of the archived consensus by lag (months between freezing and the month); blank Month = all months."),
    Table("tblLagAccuracy", "6 Follow-up", (col("Lag", "0", 6), col("Accuracy", SHARE), col("Months", "0", 8)),
          "Accuracy of the archived consensus by lag over all months (the chart above): how far ahead the plan holds."),
    Table("tblKPITrend", "6 Follow-up", (
        col("Month", MONTH), col("ForecastAccuracy", SHARE, 16),
        col("AccuracyTarget", SHARE, 15, formula=_target("ForecastAccuracy")),
        col("ServiceLevel", SHARE, 13), col("ServiceTarget", SHARE, 14, formula=_target("ServiceLevel")),
        col("OnTimeDelivery", SHARE, 15), col("OnTimeTarget", SHARE, 14, formula=_target("OnTimeDelivery"))),
        "The three headline KPIs of all families month by month with their targets (the chart above)."),
    Table("tblPlanArchive", "Plan Archive", (
        col("PlanMonth", MONTH), col("Item"), col("Family", width=14), col("Month", MONTH), col("Statistical", UNITS),
        col("Events", UNITS), col("SalesAdj", UNITS), col("MarketingAdj", UNITS, 13), col("Consensus", UNITS),
        col("FrozenOn", DATE), col("ApprovedBy", width=30)),
        "Approved consensus of each cycle (PlanMonth), as frozen, and who approved it (tblApproval when frozen).",
        key=("PlanMonth", "Item", "Month")),
    Table("tblProblems", "Checks", (
        col("Sheet", width=14), col("Table", width=14), col("Row", "0", 6), col("Column", width=16), col("Problem", width=80)),
        "Problems found by Validate (row = data row of the table, 1 = first row under the header)."),
    Table("tblUndo", "Undo", (col("Step", width=16), col("Table", width=18), col("Part", "0", 6), col("Payload", width=60)),
          "The tables the last step replaced (JSON, split in parts)."),
    Table("tblStepInputs", "Undo", (col("Step", width=16), col("Table", width=18), col("Fingerprint", width=20)),
          "What each step was computed from: a fingerprint of every table it read, as it ran (xl_sop.cycle.freshness)."),
    Table("tblStepStatus", "Home", (
        col("Step", width=22), col("Sheet", width=16), col("Button", width=18), col("LastRun", "yyyy-mm-dd hh:mm", 17),
        col("Status", width=40)), "Status of each step of the cycle."),
    Table("tblDataContract", "Home", (col("Table", width=14), col("Column", width=16), col("Meaning", width=60)),
          "Every input table and column.", output=False),
)

TARGETS_TABLE, KPI_TABLE = "tblTargets", "tblKPIs"
KPI_MONTHS = 12
"""Months of KPIs measured; the first KPI_MONTHS rows of tblKPIs are all families (the KPI trend chart)."""
ALL_FAMILIES = "All"
TARGET_ROW = "Target"
"""The Family of tblKPISummary's first row: the targets of tblTargets, beside the figures held to them."""

BUTTONS = (
    Button("RunForecast", "Run Forecast", "run_forecast", "ChartTrendline", "Plan",
           "Statistical forecast of every item (1 Demand)"),
    Button("BalanceSupply", "Balance Supply", "balance_supply", "ChartTypeComboInsertGallery", "Plan",
           "Load, production plan and projected stock (2 Supply)"),
    Button("Reconcile", "Reconcile", "reconcile", "ScenarioManager", "Plan",
           "Gap, scenarios and consensus by family (3 and 4)"),
    Button("RefreshExecutive", "Refresh Executive", "refresh_executive", "ChartInsert", "Review",
           "Revenue, margin and inventory against budget (5)"),
    Button("FreezePlan", "Freeze Plan", "freeze_plan", "Lock", "Review",
           "Archive the approved consensus for follow-up (needs the approvals Settings require)"),
    Button("RefreshKPIs", "Refresh KPIs", "refresh_kpis", "Refresh", "Review", "The S&OP metrics against targets (6)"),
    Button("Publish", "Publish", "publish", "FileSaveAsPdfOrXps", "Share", "Values-only copy and PDF pack for circulation"),
    Button("CollectInputs", "Collect Inputs", "collect_inputs", "MergeCells", "Share",
           "Merge overrides and comments from returned copies"),
    Button("Validate", "Validate", "validate", "DataValidation", "Share", "Check every input table and list the problems"),
    Button("UndoLastRun", "Undo Last Run", "undo_last_run", "Undo", "Share", "Restore the tables the last step replaced"),
    Button("Upgrade", "Upgrade", "upgrade_workbook", "FileSaveAs", "Share",
           "A copy of this workbook brought up to this xl-sop's template, every typed input kept"),
)
"""The buttons that run a step or a sharing command in Python."""
FUNCTION_HELP = Button("FunctionHelp", "Function Help", None, "FunctionWizard", "Help",
                       "Describe the SOP_ cell functions in Insert Function (Shift+F3) and show their examples")
"""Registers the cell functions' help (any other button does too, on its first press) and shows the Functions sheet."""
RIBBON_BUTTONS = (*BUTTONS, FUNCTION_HELP)

UNCALCULATED_ENGINE = "124519"
"""The calculation engine id (calcPr calcId) the template is written with: openpyxl's, older than any Excel that
runs xlwings. Excel calculates every formula of a workbook last calculated by an older engine when it opens it, which
a workbook only xl-sop has written needs (its formulas hold no results); once Excel has saved it, it carries Excel's
own id and opens without a full calculation."""

XLWINGS_CONF = (
    ("UDF Modules", "sop_udfs"),
    ("Interpreter_Win", r"%USERPROFILE%\xl-sop\.venv\Scripts\pythonw.exe"),
    ("Interpreter_Mac", "$HOME/xl-sop/.venv/bin/python"),
    ("Show Console", "False"),
)

DATA_CONTRACT_DOCS = {
    "Item": "Item code, as in the ERP", "Description": "Item name", "Family": "Product family (S&OP decides by family)",
    "UnitPrice": "Selling price per unit", "UnitCost": "Standard cost per unit", "LeadTimeMonths": "Months from order to stock",
    "Resource": "Line or cell that makes the item; blank = bought in", "HoursPerUnit": "Resource hours per unit made",
    "Month": "First day of the month", "Quantity": "Units", "ReceiptDate": "Date the stock layer was received",
    "Order": "Order number", "Line": "Order line", "Customer": "Customer name", "PromisedDate": "Date promised",
    "DeliveredDate": "Date delivered (blank = open)", "QtyOrdered": "Units ordered", "QtyShipped": "Units shipped",
    "Hours": "Regular hours available", "OvertimeHours": "Overtime hours available", "Planned": "Units planned",
    "Actual": "Units produced", "Units": "Budget units", "Revenue": "Budget revenue",
    "Scenario": "Name of a scenario (not Base); its rows together make it", "Change": "demand, capacity, price or order",
    "AppliesTo": "demand, price: a family or item (blank = all); capacity: a resource (blank = all); order: an item",
    "FromMonth": "First month the change applies to (blank = the cycle month)",
    "ToMonth": "Last month (blank = the end of the horizon; an order: blank = FromMonth only)",
}


def sheet(name: str) -> Sheet:
    for s in SHEETS:
        if s.name == name:
            return s
    raise UnknownNameError(f"no sheet '{name}' in the workbook schema (sheets: {', '.join(s.name for s in SHEETS)})")


def table(name: str) -> Table:
    for t in TABLES:
        if t.name.lower() == name.lower():
            return t
    raise UnknownNameError(f"no table '{name}' in the workbook schema (tables: {', '.join(t.name for t in TABLES)})")


def tables_on(sheet_name: str) -> list[Table]:
    return [t for t in TABLES if t.sheet == sheet_name]


def table_origin(t: Table) -> tuple[int, int]:
    """(row, column) of the table's header cell, 1-based: tables stand side by side from the sheet's table row."""
    column = 1
    if t.at is not None:
        return t.at
    for other in tables_on(t.sheet):
        if other.at is not None:
            continue
        if other.name == t.name:
            return sheet(t.sheet).table_row, column
        column += len(other.columns) + GAP_COLUMNS
    raise UnknownNameError(f"table {t.name} is not on sheet '{t.sheet}' in the workbook schema")


def formula_for(t: Table, column: Column, row: int) -> str:
    """The column's native formula for one row: {Name} becomes that column's cell in the row."""
    _, first = table_origin(t)
    text = column.formula
    if text is None:
        raise UnknownNameError(f"column {column.name} of table {t.name} has no formula")
    for j, name in enumerate(t.column_names):
        text = text.replace("{" + name + "}", f"{get_column_letter(first + j)}{row}")
    return text


@dataclass(frozen=True)
class Step:
    """How a step of the cycle looks in the workbook; what it computes, checks, reads and writes is
    xl_sop.cycle.steps.StepRecord."""

    id: str
    """The name on the command line (xl-sop run BOOK --step ID)."""
    label: str
    sheet: str
    button: str


# The cycle's steps in its order (Home lists them so). "Run all" runs every step but Freeze Plan, which waits for the
# executive meeting's approval.
STEPS = (
    Step("demand", "Run Forecast", "1 Demand", "RunForecast"),
    Step("supply", "Balance Supply", "2 Supply", "BalanceSupply"),
    Step("reconcile", "Reconcile", "3 Pre-S&OP", "Reconcile"),
    Step("executive", "Refresh Executive", "5 Executive", "RefreshExecutive"),
    Step("freeze", "Freeze Plan", "Plan Archive", "FreezePlan"),
    Step("kpis", "Refresh KPIs", "6 Follow-up", "RefreshKPIs"),
)
RUN_ALL = ("demand", "supply", "reconcile", "executive", "kpis")


def step(step_id: str) -> Step:
    for s in STEPS:
        if s.id == step_id.lower():
            return s
    raise UnknownNameError(f"no step '{step_id}' (steps: {', '.join(s.id for s in STEPS)})")
