"""Upgrade: a workbook made by an older xl-sop brought up to this version's template, every typed input kept.

`xl-sop upgrade BOOK [--out NEW | --in-place]` and the ribbon's Upgrade button run ``upgrade``. The upgraded file
starts as this version's template (its sheets, tables, columns, Settings rows, defined names, validation, formats,
VBA project and ribbon) and the old workbook's tables are written into it by name: every row of every input table
(with any columns people added), the plan archive, the demand grid's typed rows, approvals, decisions and issues,
and the steps' last outputs (columns new in this version blank until the step runs again). Settings keep their
typed values; the workbook keeps its id, so copies already in circulation still collect into it.

What has no place in the new layout stops the upgrade before anything is written, named by sheet, table and
column: a sheet or table xl-sop does not know (someone's own), a table whose schema columns were renamed, comments
typed beside the plan in a workbook from before the demand grid. Older inputs that moved are carried to where
they live now: the scenario factors of Settings become rows of tblScenarioInputs, the Sales/Marketing adjustments
typed in tblDemandPlan become the contributors' rows of the demand grid.

The schema version (``schema.SCHEMA_VERSION``, a hidden defined name the template carries) says where a workbook
starts; a workbook without it was made before versions were recorded. Upgrading a current workbook writes
nothing and says so. Undo Last Run cannot reach back across an upgrade (tblUndo starts empty).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.utils import coordinate_to_tuple

from xl_sop import cells
from xl_sop.cycle.demand_view import contributors_from
from xl_sop.cycle.grids import header_month, month_header
from xl_sop.errors import FileAccessError, InputError, WorkbookError
from xl_sop.workbook import identity, schema, xlwings_conf
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.lock import workbook_lock
from xl_sop.workbook.template import refuse_template, template_path

T = schema.TableName
SCENARIO_SETTINGS = {
    "upside demand factor": ("Upside", "demand"), "upside capacity factor": ("Upside", "capacity"),
    "downside demand factor": ("Downside", "demand"), "downside capacity factor": ("Downside", "capacity")}
"""Settings of workbooks before tblScenarioInputs (scenarios were two fixed pairs of factors): each becomes a row."""
PLAN_ADJUSTMENTS = {"SalesAdj": "Sales", "MarketingAdj": "Marketing"}
"""tblDemandPlan's typed columns before the demand grid, and the contributor Stage whose grid row takes them."""
UPGRADED_STATUS = f"upgraded to schema version {schema.SCHEMA_VERSION}: run it again"
"""The Status of every step that had run, after an upgrade (tblStepStatus on Home)."""
NOT_CARRIED = (T.UNDO, T.DATA_CONTRACT)
"""What the last run replaced, in an older layout (Undo Last Run starts afresh after an upgrade), and the data
contract on Home, which the template documents for this version."""


@dataclass
class Upgraded:
    """What an upgrade did: the file written (None when the workbook was current), the backup of an in-place
    upgrade, the version it started from, what was added and what was carried."""

    source: Path
    written: Path | None = None
    backup: Path | None = None
    from_version: int = 0
    added: list[str] = field(default_factory=list)
    carried: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.written is None:
            return f"{self.source.name} is current (schema version {schema.SCHEMA_VERSION}): nothing changed"
        lines = [f"Upgraded {self.source.name} from schema version {self.from_version} to {schema.SCHEMA_VERSION}: "
                 f"wrote {self.written}"]
        if self.backup is not None:
            lines.append(f"the workbook as it was: {self.backup}")
        lines += [f"  added {what}" for what in self.added]
        lines += [f"  kept {what}" for what in self.carried]
        lines.append("Run all steps (xl-sop run BOOK, or each button): tables new in this version are empty until "
                     "their step runs, and Publish waits for them.")
        return "\n".join(lines)


def schema_version(path: Path) -> int:
    """The schema version the workbook file at ``path`` records; 0 for one made before versions were recorded."""
    text = identity.constant(path, schema.SCHEMA_VERSION_NAME)
    try:
        return int(float(text)) if text else 0
    except ValueError:
        return 0


def upgrade(path: Path, out: Path | None = None, *, in_place: bool = False) -> Upgraded:
    """Bring the workbook at ``path`` up to this version's schema (see the module's docstring).

    Written to ``out`` (default: "BOOK (upgraded).xlsm" beside it; never over an existing file), or with
    ``in_place`` over ``path`` after copying it to "BOOK (before upgrade).xlsm". Raises WorkbookError naming
    what cannot be carried, before anything is written.
    """
    path = refuse_template(Path(path))
    if path.suffix.lower() != ".xlsm" or (out is not None and Path(out).suffix.lower() != ".xlsm"):
        raise InputError(f"upgrade works on a master workbook and writes one (.xlsm, with its macros): "
                         f"{path.name if path.suffix.lower() != '.xlsm' else Path(str(out)).name} is not one "
                         "(a published .xlsx copy is not upgraded: publish again from the upgraded master)")
    if in_place and out is not None:
        raise InputError("upgrade writes either a new file (--out) or the workbook itself (--in-place), not both")
    with workbook_lock(path, "upgrade"):
        old = FileBook(path)
        result = Upgraded(path, from_version=schema_version(path))
        if result.from_version > schema.SCHEMA_VERSION:
            raise WorkbookError(f"{path.name} was made by a newer xl-sop (schema version {result.from_version}; this "
                                f"one knows {schema.SCHEMA_VERSION}): install that version instead of upgrading")
        refusals = list(_unmappable(old))
        if refusals:
            raise WorkbookError(f"cannot upgrade {path.name}, nothing was written: " + "; ".join(refusals))
        result.added = list(_additions(old, result.from_version))
        if not result.added:
            return result
        old_id = identity.workbook_id(path)
        new = FileBook(template_path())
        result.carried = _carry(old, new)
        target = path if in_place else _free(out or path.with_name(f"{path.stem} (upgraded){path.suffix}"))
        if in_place:
            result.backup = _free(path.with_name(f"{path.stem} (before upgrade){path.suffix}"), numbered=True)
            shutil.copy2(path, result.backup)
        new.save(target)
        if old_id is not None:  # the same workbook: its copies in circulation still collect into it
            identity.stamp(target, old_id)
        result.written = target
    return result


def _free(path: Path, *, numbered: bool = False) -> Path:
    """``path`` if nothing is there; else, for a backup, the first "NAME 2", "NAME 3" ... that is free."""
    if not path.exists():
        return path
    if not numbered:
        raise FileAccessError(f"{path} already exists: choose another name with --out, or upgrade with --in-place")
    n = 2
    while path.with_name(f"{path.stem} {n}{path.suffix}").exists():
        n += 1
    return path.with_name(f"{path.stem} {n}{path.suffix}")


# --- what the old workbook lacks, and what cannot be carried --------------------------------------------------------

def _additions(old: FileBook, version: int) -> Iterator[str]:
    """What the old workbook lacks of this version's schema, one line each; nothing for a current workbook."""
    sheets = set(old.sheet_names())
    tables = {name.lower() for name in old.table_names()}
    for sheet in schema.SHEETS:
        if sheet.name not in sheets:
            yield f"sheet {sheet.name}"
    for table in schema.TABLES:
        if table.name.lower() not in tables:
            yield f"table {table.name} on {table.sheet}"
            continue
        have = {h.lower() for h in old.table_headers(table.name)}
        for column in table.columns:
            if column.name.lower() not in have:
                yield f"column {column.name} to {table.name} on {table.sheet}"
    if T.SETTINGS.lower() in tables:
        typed = {str(s).strip().lower() for s in old.read_table(T.SETTINGS)["Setting"].dropna()}
        for setting, *_rest in schema.SETTINGS:
            if setting.lower() not in typed:
                yield f"setting {setting} (Settings, its default)"
    if version < schema.SCHEMA_VERSION:
        yield f"this version's macros, ribbon (the Upgrade button) and schema version {schema.SCHEMA_VERSION}"


def _unmappable(old: FileBook) -> Iterator[str]:
    """Why part of the old workbook has no place in the new one, named by sheet, table and column."""
    known_sheets = {s.name for s in schema.SHEETS}
    for sheet in old.sheet_names():
        if sheet in known_sheets:
            continue
        ours = [t.name for t in schema.TABLES if t.name in old.table_names() and old.table_sheet(t.name) == sheet]
        if ours:
            yield (f"the sheet '{sheet}' holds {', '.join(ours)}, which stand{'s' * (len(ours) == 1)} on "
                   f"'{schema.table(ours[0]).sheet}': give the sheet its name back")
        else:
            yield f"the sheet '{sheet}' is not one of xl-sop's: move it to another workbook first"
    known = {t.name.lower() for t in schema.TABLES}
    for name in old.table_names():
        if name.lower() not in known:
            yield f"the table {name} is not one of xl-sop's: move it (or its sheet) to another workbook first"
            continue
        spec = schema.table(name)
        headers = old.table_headers(name)
        have = {h.lower() for h in headers}
        extra = [h for h in headers if h.lower() not in {c.name.lower() for c in spec.columns}
                 and not (spec.grid and header_month(h) is not None)]
        # A typed column missing while an unknown one stands in the table: renamed by hand (or by a version
        # upgrade cannot follow). Output columns come back with their step; a typed one would be lost.
        missing = [c.name for c in spec.columns if c.name.lower() not in have and not c.optional
                   and (not spec.output or c.input)]
        if missing and extra and name != T.DEMAND_PLAN:
            yield (f"{spec.sheet}, table {name}: the column{'s' * (len(missing) > 1)} {', '.join(missing)} "
                   f"{'are' if len(missing) > 1 else 'is'} missing and {', '.join(extra)} is not one of its columns "
                   "(renamed?): give the header its name back and upgrade again")
    if T.DEMAND_PLAN.lower() in {n.lower() for n in old.table_names()} and "comment" in {
            h.lower() for h in old.table_headers(T.DEMAND_PLAN)}:
        plan = old.read_table(T.DEMAND_PLAN)
        column = next(c for c in plan.columns if str(c).lower() == "comment")
        rows = [int(r) for r, v in plan[column].items() if not cells.is_blank(v)]
        if rows:
            shown = ", ".join(map(str, rows[:10])) + (" ..." if len(rows) > 10 else "")
            yield (f"{schema.table(T.DEMAND_PLAN).sheet}, table {T.DEMAND_PLAN}, column {column}, rows {shown}: "
                   "comments typed beside the plan have no place in this version (1 Demand has no comment column); "
                   f"copy them to {T.OPEN_ISSUES} on 4 S&OP Meeting (or clear them) and upgrade again")


# --- carrying the old tables into the new template -------------------------------------------------------------------

def _carry(old: FileBook, new: FileBook) -> list[str]:
    """Write the old workbook's tables into ``new`` (this version's template); what was kept, one line a table."""
    carried: list[str] = []
    outputs = 0
    have = {n.lower() for n in old.table_names()}
    for spec in schema.TABLES:
        if spec.name.lower() not in have or spec.name in NOT_CARRIED:
            continue
        frame = old.read_table(spec.name)
        if spec.name == T.SETTINGS:
            frame, dropped = _settings(frame, new.read_table(T.SETTINGS))
            carried += [f"Settings '{s}' (no longer used: not carried)" for s in dropped]
        if spec.name == T.STEP_STATUS:
            frame = _not_current(frame)
        headers = _headers(spec, old.table_headers(spec.name))
        new.write_table(spec.name, frame, headers)
        typed = not spec.output or spec.name == T.PLAN_ARCHIVE or any(c.input for c in spec.columns)
        if typed and not frame.empty:
            carried.append(f"{len(frame):,} row{'s' * (len(frame) != 1)} of {spec.name}")
        elif not frame.empty:
            outputs += 1
    if T.SCENARIO_INPUTS.lower() not in have and T.SETTINGS.lower() in have:
        rows = _scenario_rows(old.read_table(T.SETTINGS))
        if not rows.empty:
            new.write_table(T.SCENARIO_INPUTS, rows)
            carried.append(f"the scenario factors of Settings as {len(rows)} rows of {T.SCENARIO_INPUTS}")
    if T.DEMAND_VIEW.lower() not in have and T.DEMAND_PLAN.lower() in have:
        grid = _grid_from_plan(old.read_table(T.DEMAND_PLAN), new.read_table(T.CONTRIBUTORS))
        if not grid.empty:
            new.write_table(T.DEMAND_VIEW, grid, list(grid.columns))
            carried.append(f"the adjustments typed in {T.DEMAND_PLAN} as {len(grid)} contributor row(s) of 1 Demand")
    if outputs:
        carried.append(f"the last outputs of the steps ({outputs} tables; columns new in this version blank)")
    for choice in (schema.DEMAND_CHOICE_NAME, schema.RESOURCE_CHOICE_NAME):  # what the charts show, chosen
        was, now = _chooser(old, choice), _chooser(new, choice)
        value = old.read_cells(*was).get(coordinate_to_tuple(was[1])) if was is not None else None
        if now is not None and not cells.is_blank(value):
            new.write_cells(now[0], {now[1]: value})
            carried.append(f"the chart's choice on {now[0]} ({value})")
    if schema.XLWINGS_CONF_SHEET in old.sheet_names():
        xlwings_conf.write(new, xlwings_conf.read(old))  # the Python it was wired to (xl-sop new)
    return carried


def _chooser(book: FileBook, name: str) -> tuple[str, str] | None:
    """(sheet, cell) of a chooser above a chart: the defined name ``name`` (SopDemandChoice = '1 Demand'!$B$4)."""
    target = identity.constant(book.path, name)
    if target is None or "!" not in target:
        return None
    sheet, ref = target.rsplit("!", 1)
    sheet = sheet.strip("'").replace("''", "'")
    return (sheet, ref.replace("$", "")) if sheet in book.sheet_names() else None


def _not_current(status: pd.DataFrame) -> pd.DataFrame:
    """The step status with each step that ran marked to run again: its outputs lack what this version adds (new
    tables empty, new columns blank), so Publish must not take them as current. Not "stale", which a later run
    clears by fingerprints the old workbook may not have recorded: a step is current again once it has run."""
    status = status.copy()
    run_all = {schema.step(s).label for s in schema.RUN_ALL}  # not Freeze Plan: its archive is kept, not redone
    ran = (status["Step"].astype(str).isin(run_all)
           & status["Status"].astype(str).str.strip().str.lower().str.startswith(("done", schema.STALE)))
    status.loc[ran, "Status"] = UPGRADED_STATUS
    return status


def _headers(spec: schema.Table, old_headers: list[str]) -> list[str]:
    """The new table's columns: the schema's, then (an input table) the columns people added, or (a grid) the old
    month columns, so the typed figures keep their months."""
    names = {c.name.lower() for c in spec.columns}
    if spec.grid:
        return [*spec.column_names, *(h for h in old_headers if h.lower() not in names and header_month(h) is not None)]
    if spec.output:
        return spec.column_names
    return [*spec.column_names, *(h for h in old_headers if h.lower() not in names)]


def _settings(old: pd.DataFrame, template: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The template's Settings rows with the old workbook's typed values; settings this version no longer has."""
    typed = {str(s).strip().lower(): v for s, v in zip(old["Setting"], old["Value"], strict=True) if not cells.is_blank(s)}
    merged = template.copy()
    merged["Value"] = [typed.get(str(s).strip().lower(), v) for s, v in zip(template["Setting"], template["Value"],
                                                                               strict=True)]
    current = {str(s).strip().lower() for s in template["Setting"]}
    dropped = [str(s) for s in old["Setting"].dropna() if str(s).strip().lower() not in current
               and str(s).strip().lower() not in SCENARIO_SETTINGS]
    return merged, dropped


def _scenario_rows(settings: pd.DataFrame) -> pd.DataFrame:
    """tblScenarioInputs rows for the fixed scenario factors an older workbook typed in Settings (a factor of 1
    changes nothing and makes no row; a scenario left with none gets a demand row of 1 so it is still shown)."""
    rows: dict[str, list[tuple[object, ...]]] = {}
    for setting, value in zip(settings["Setting"], settings["Value"], strict=True):
        where = SCENARIO_SETTINGS.get(str(setting).strip().lower())
        if where is None or cells.is_blank(value):
            continue
        scenario, change = where
        rows.setdefault(scenario, [])
        factor = cells.number(value)
        if factor is not None and factor != 1:
            rows[scenario].append((scenario, change, None, None, None, factor, f"Settings: {setting}"))
    for scenario, changes in rows.items():
        if not changes:
            changes.append((scenario, "demand", None, None, None, 1.0, "Settings: no change"))
    columns = schema.table(T.SCENARIO_INPUTS).column_names
    return pd.DataFrame([r for changes in rows.values() for r in changes], columns=columns)


def _grid_from_plan(plan: pd.DataFrame, contributors_table: pd.DataFrame) -> pd.DataFrame:
    """The demand grid's contributor rows for adjustments typed in tblDemandPlan before the grid existed: one row per
    item and adjusting stage (the first contributor of that Stage), a column per month. Run Forecast builds the rest
    of the grid around them."""
    contributors, _problems = contributors_from(contributors_table)
    by_stage: dict[str, str] = {}
    for contributor in contributors:
        by_stage.setdefault(contributor.stage.lower(), contributor.name)
    lookup = {str(c).lower(): c for c in plan.columns}
    long = []
    for column, stage in PLAN_ADJUSTMENTS.items():
        if column.lower() not in lookup or stage.lower() not in by_stage:
            continue
        values = pd.to_numeric(plan[lookup[column.lower()]], errors="coerce")
        for k in values.index[values.fillna(0) != 0]:
            month = cells.month(plan.at[k, lookup["month"]])
            long.append((cells.text(plan.at[k, lookup["family"]]), cells.text(plan.at[k, lookup["item"]]),
                         by_stage[stage.lower()], month, float(values[k])))
    labels = schema.table(T.DEMAND_VIEW).column_names
    if not long:
        return pd.DataFrame(columns=labels)
    frame = pd.DataFrame(long, columns=["Family", "Item", "Measure", "Month", "Value"])
    wide = frame.pivot_table(index=["Family", "Item", "Measure"], columns="Month", values="Value", aggfunc="sum")
    wide.columns = [month_header(m) for m in wide.columns]
    wide = wide.reset_index()
    wide.insert(3, "Lock", None)
    return wide[[*labels, *(c for c in wide.columns if c not in labels)]]
