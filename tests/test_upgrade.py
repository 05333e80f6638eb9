"""`xl-sop upgrade` on real older workbooks: templates built by earlier commits of this repository (tests/data/
old_templates: 887ec10, the last before events, scenarios and versions; 5def137, before the demand grid), filled
with the sample data as a team would have typed it, upgraded, then run through every step headless."""

import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pandas as pd
import pytest

from xl_sop import sample_data
from xl_sop.cli import main
from xl_sop.cycle import run_all
from xl_sop.cycle.demand_view import contributors_from, typed_in
from xl_sop.cycle.reconcile_step import SEEDED
from xl_sop.cycle.upgrade import schema_version, upgrade
from xl_sop.errors import WorkbookError
from xl_sop.workbook import identity, schema
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.template import new_workbook, template_path

T = schema.TableName
OLD = Path(__file__).parent / "data" / "old_templates"
BEFORE_EVENTS, BEFORE_GRID = OLD / "SOP_Template_887ec10.xlsm", OLD / "SOP_Template_5def137.xlsm"
INPUTS = (T.ITEMS, T.HISTORY, T.INVENTORY, T.ORDERS, T.CAPACITY, T.PRODUCTION, T.BUDGET, T.OPEN_ISSUES,
          T.DECISIONS, T.APPROVAL, T.CONTRIBUTORS, T.TARGETS, T.PLAN_ARCHIVE)
"""What a team typed or pasted (and the archived plans): carried cell for cell."""
NOW = pd.Timestamp("2026-11-20 09:00")


def _settings(book: FileBook, **values: object) -> None:
    frame = book.read_table(T.SETTINGS)
    for setting, value in values.items():
        frame.loc[frame["Setting"] == setting, "Value"] = value
    book.write_table(T.SETTINGS, frame)


def filled(template: Path, folder: Path, items: int = 8) -> Path:
    """An older template with the sample data pasted into the input tables it has, typed settings, issues and
    decisions, an item column of the team's own, and the workbook id `xl-sop new` gave it."""
    path = folder / f"Old_{template.stem[-7:]}.xlsm"
    shutil.copyfile(template, path)
    identity.stamp(path, "0123456789abcdef")
    book = FileBook(path)
    have = {n.lower() for n in book.table_names()}
    item_table = sample_data.sample_items(items, seed=7)
    history, _promotions = sample_data.sample_history_and_promotions(item_table, months=36, seed=7)
    item_rows = item_table.drop(columns="Pattern").assign(Buyer=[f"buyer {k % 3}" for k in range(len(item_table))])
    book.write_table(T.ITEMS, item_rows, [*book.table_headers(T.ITEMS), "Buyer"])
    book.write_table(T.HISTORY, history)
    book.write_table(T.INVENTORY, sample_data.sample_inventory(item_table, history, seed=7))
    book.write_table(T.ORDERS, sample_data.sample_orders(item_table, history, seed=7))
    book.write_table(T.CAPACITY, sample_data.sample_capacity(item_table, history, seed=7))
    book.write_table(T.PRODUCTION, sample_data.sample_production(item_table, history, seed=7))
    book.write_table(T.BUDGET, sample_data.sample_budget(item_table, history, seed=7))
    archive = sample_data.sample_archive(item_table, history, seed=7)
    book.write_table(T.PLAN_ARCHIVE, archive[[c for c in archive.columns if c.lower() in
                                              {h.lower() for h in book.table_headers(T.PLAN_ARCHIVE)}]])
    book.write_table(T.OPEN_ISSUES, pd.DataFrame({"Issue": ["Co-packer for the summer?"], "Owner": ["Operations"],
                                                  "Due": [pd.Timestamp("2026-11-24")], "Status": ["Open"]}))
    book.write_table(T.DECISIONS, pd.DataFrame({"Date": [pd.Timestamp("2026-10-21")], "Topic": ["Pricing"],
                                                "Decision": ["Snacks +3% from Jan"], "Owner": ["Sales"],
                                                "Due": [pd.Timestamp("2026-11-15")], "Status": ["Done"]}))
    approval = book.read_table(T.APPROVAL)
    approval.loc[approval.index[0], "Name"] = "A. Planner"
    book.write_table(T.APPROVAL, approval)
    _settings(book, **{"Holding cost": 0.03, "Upside demand factor": 1.2, "Downside capacity factor": 0.8})
    if T.DEMAND_VIEW.lower() in have:  # the family the demand chart shows, chosen (the chart came with the grid)
        book.write_cells("1 Demand", {"B4": "Snacks"})
    if T.DEMAND_VIEW.lower() in have:  # a figure typed in the grid
        first = item_table.iloc[0]
        book.write_table(T.DEMAND_VIEW, pd.DataFrame({"Family": [first["Family"]], "Item": [first["Item"]],
                                                      "Measure": ["Sales adj."], "Jan 2027": [150]}),
                         [*schema.table(T.DEMAND_VIEW).column_names, "Jan 2027"])
    else:  # before the grid, adjustments were typed in tblDemandPlan
        first = item_table.iloc[0]
        book.write_table(T.DEMAND_PLAN, pd.DataFrame({
            "Item": [first["Item"]] * 2, "Family": [first["Family"]] * 2,
            "Month": [pd.Timestamp("2027-01-01"), pd.Timestamp("2027-02-01")], "SalesAdj": [150, None],
            "MarketingAdj": [None, -40]}))
    book.save()
    return path


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """{name: (the filled old workbook, its upgrade with every step run)}."""
    folder = tmp_path_factory.mktemp("upgrade")
    made = {}
    for template in (BEFORE_EVENTS, BEFORE_GRID):
        old = filled(template, folder)
        result = upgrade(old)
        assert result.written == old.with_name(f"{old.stem} (upgraded).xlsm")
        book = FileBook(result.written)
        run_all(book, now=NOW)
        book.save()
        made[template.stem] = (old, result.written)
    return made


@pytest.mark.parametrize("template", [BEFORE_EVENTS, BEFORE_GRID], ids=["before-events", "before-grid"])
def test_every_typed_input_and_the_archive_survive_cell_for_cell(upgraded, template):
    old_path, new_path = upgraded[template.stem]
    old, new = FileBook(old_path), FileBook(new_path)
    for name in INPUTS:
        if name.lower() not in {n.lower() for n in old.table_names()}:
            continue
        before = old.read_table(name)
        after = new.read_table(name)[list(before.columns)]
        if name == T.OPEN_ISSUES:  # Reconcile adds the issues it seeds from the plan below the typed ones
            after = after[~after["Issue"].astype(str).str.startswith(SEEDED)]
        pd.testing.assert_frame_equal(after, before, check_dtype=False, obj=name)
    assert new.read_table(T.ITEMS)["Buyer"].tolist()[:3] == ["buyer 0", "buyer 1", "buyer 2"]
    settings = new.read_table(T.SETTINGS).set_index("Setting")["Value"]
    assert settings["Holding cost"] == 0.03
    assert settings["Company"] == "Example Foods Co."  # a setting new since: the template's default
    assert identity.workbook_id(new_path) == "0123456789abcdef"
    assert new.read_cells("1 Demand", "B4") == {(4, 2): "Snacks" if template == BEFORE_EVENTS else "Beverages"}
    assert schema_version(old_path) == 0 and schema_version(new_path) == schema.SCHEMA_VERSION


@pytest.mark.parametrize("template", [BEFORE_EVENTS, BEFORE_GRID], ids=["before-events", "before-grid"])
def test_the_upgraded_workbook_runs_every_step_with_the_typed_figures(upgraded, template):
    _old, new_path = upgraded[template.stem]
    book = FileBook(new_path)
    status = book.read_table(T.STEP_STATUS)
    assert not status["Status"].astype(str).str.startswith(schema.STALE).any(), status
    contributors, _ = contributors_from(book.read_table(T.CONTRIBUTORS))
    typed, problems = typed_in(book.read_table(T.DEMAND_VIEW), contributors)
    assert not problems
    item = sample_data.sample_items(8, seed=7).iloc[0]["Item"]
    values = typed.values.set_index(["Item", "Measure", "Month"])["Value"]
    assert values[(item, "Sales adj.", pd.Timestamp("2027-01-01"))] == 150
    plan = book.read_table(T.DEMAND_PLAN)
    row = plan[(plan["Item"] == item) & (pd.to_datetime(plan["Month"]) == pd.Timestamp("2027-01-01"))]
    assert row["SalesAdj"].tolist() == [150]
    if template == BEFORE_GRID:  # both adjustments typed in the old tblDemandPlan reach the plan
        feb = plan[(plan["Item"] == item) & (pd.to_datetime(plan["Month"]) == pd.Timestamp("2027-02-01"))]
        assert feb["MarketingAdj"].tolist() == [-40]
    # the fixed scenario factors of the old Settings became scenario rows, computed beside Base
    inputs = book.read_table(T.SCENARIO_INPUTS)
    assert inputs[["Scenario", "Change", "Value"]].values.tolist() == [["Upside", "demand", 1.2],
                                                                       ["Downside", "demand", 0.9],
                                                                       ["Downside", "capacity", 0.8]]
    assert set(book.read_table(T.SCENARIOS)["Scenario"]) == {"Base", "Upside", "Downside"}


def test_upgrading_a_current_workbook_changes_nothing_and_says_so(upgraded, tmp_path, capsys):
    _old, new_path = upgraded[BEFORE_EVENTS.stem]
    before = new_path.read_bytes()
    assert main(["upgrade", str(new_path)]) == 0
    assert "is current (schema version 1): nothing changed" in capsys.readouterr().out
    assert new_path.read_bytes() == before
    assert not new_path.with_name(f"{new_path.stem} (upgraded).xlsm").exists()
    fresh = new_workbook(tmp_path / "New.xlsm", {})
    assert upgrade(fresh).written is None


def test_in_place_keeps_a_backup_of_the_workbook_as_it_was(tmp_path, capsys):
    old = tmp_path / "Cycle.xlsm"
    shutil.copyfile(BEFORE_EVENTS, old)
    before = old.read_bytes()
    assert main(["upgrade", str(old), "--in-place"]) == 0
    out = capsys.readouterr().out
    backup = tmp_path / "Cycle (before upgrade).xlsm"
    assert backup.read_bytes() == before
    assert f"the workbook as it was: {backup}" in out and "added table tblEvents on Events" in out
    assert schema_version(old) == schema.SCHEMA_VERSION and T.EVENTS in FileBook(old).table_names()


def _refused(path: Path, *expected: str) -> None:
    before = path.read_bytes()
    with pytest.raises(WorkbookError) as caught:
        upgrade(path)
    for text in expected:
        assert text in str(caught.value)
    assert "nothing was written" in str(caught.value)
    assert path.read_bytes() == before and not path.with_name(f"{path.stem} (upgraded).xlsm").exists()


def test_a_renamed_column_is_refused_by_sheet_table_and_column(tmp_path):
    path = tmp_path / "Renamed.xlsm"
    shutil.copyfile(BEFORE_EVENTS, path)
    book = FileBook(path)
    book.write_table(T.HISTORY, book.read_table(T.HISTORY).rename(columns={"Quantity": "Qty"}), ["Item", "Month", "Qty"])
    book.save()
    _refused(path, "History, table tblHistory: the column Quantity is missing and Qty is not one of its columns")


def test_comments_typed_beside_the_old_plan_are_refused_by_row(tmp_path):
    path = tmp_path / "Comments.xlsm"
    shutil.copyfile(BEFORE_GRID, path)
    book = FileBook(path)
    book.write_table(T.DEMAND_PLAN, pd.DataFrame({"Item": ["A", "B"], "Month": [pd.Timestamp("2027-01-01")] * 2,
                                                  "Comment": [None, "promo agreed"]}))
    book.save()
    _refused(path, "Demand Detail, table tblDemandPlan, column Comment, rows 2: comments typed beside the plan")


def test_a_sheet_of_the_teams_own_is_refused_by_name(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "Own.xlsm"
    wb = load_workbook(template_path(), keep_vba=True)
    wb.create_sheet("My notes")["A1"] = "call the co-packer"
    wb.save(path)
    _refused(path, "the sheet 'My notes' is not one of xl-sop's")


def test_an_older_workbooks_steps_say_to_upgrade(tmp_path, capsys):
    path = tmp_path / "Old.xlsm"
    shutil.copyfile(BEFORE_EVENTS, path)
    assert main(["run", str(path), "--step", "reconcile"]) != 0
    err = capsys.readouterr().err
    assert ("Scenarios / tblScenarioInputs: the table tblScenarioInputs is missing: the workbook was made by an older "
            "xl-sop: run `xl-sop upgrade BOOK` (or the Upgrade button)") in err


def test_publish_refuses_an_upgraded_workbook_until_its_steps_ran_again(tmp_path):
    from xl_sop.cycle.freshness import not_current

    old = tmp_path / "Ran.xlsm"
    shutil.copyfile(BEFORE_EVENTS, old)
    book = FileBook(old)
    status = book.read_table(T.STEP_STATUS)
    status["Status"] = "done"
    book.write_table(T.STEP_STATUS, status)
    book.save()
    upgraded = FileBook(upgrade(old).written)
    assert not_current(upgraded) == [f"{label}: upgraded to schema version {schema.SCHEMA_VERSION}: run it again"
                                     for label in status["Step"] if label != "Freeze Plan"]


TYPED_LAST_MONTH = {
    # 887ec10: a Sales figure typed in the demand grid
    "887ec10": """
from grid_typing import type_in_grid
grid = book.read_table("tblDemandView")
item = grid[(grid["Measure"] == "Sales adj.") & (grid["Item"] != "Total")].iloc[0]
type_in_grid(book, {(item["Family"], item["Item"], "Sales adj.", pd.Timestamp("2027-02-01")): 77})
item = item["Item"]
freeze = ["--force"]  # no approvals recorded
""",
    # 5def137: before the grid, adjustments were typed in tblDemandPlan's SalesAdj column
    "5def137": """
plan = book.read_table("tblDemandPlan")
k = plan.index[pd.to_datetime(plan["Month"]) == pd.Timestamp("2027-02-01")][0]
plan.loc[k, "SalesAdj"] = 77
book.write_table("tblDemandPlan", plan)
item = plan.loc[k, "Item"]
freeze = []  # before approvals
"""}
"""How last month's team typed a figure, by the commit whose code made the workbook."""
OLD_SESSION = """
import sys
import pandas as pd
sys.path.insert(0, {tests!r})
from xl_sop.cli import main
from xl_sop.workbook.filebook import FileBook
assert main(["demo", "--out", "demo", "--items", "12"]) == 0
book = FileBook("demo/SOP_Demo.xlsm")
assert "tblEvents" not in book.table_names()  # the old code and its template ran, not this checkout's
{typed}
book.save()
assert main(["run", "demo/SOP_Demo.xlsm", "--step", "demand"]) == 0
assert main(["freeze", "demo/SOP_Demo.xlsm", *freeze]) == 0
print(item)
"""
"""Last month with the old code: the demo made, a Sales figure typed, Run Forecast and Freeze Plan pressed."""


@pytest.fixture(scope="module", params=sorted(TYPED_LAST_MONTH))
def made_by_old_code(request, tmp_path_factory) -> tuple[Path, str]:
    """A workbook made and run by xl-sop's own code of an earlier commit (from the git history, run in a subprocess
    of this environment), and the item whose Sales adjustment got a figure."""
    commit, root = request.param, Path(__file__).resolve().parents[1]
    archive = subprocess.run(["git", "-C", str(root), "archive", commit, "xl_sop", "workbook"], capture_output=True)
    if archive.returncode != 0:
        pytest.skip(f"commit {commit} is not in this clone's history (shallow?): {archive.stderr.decode().strip()}")
    folder = tmp_path_factory.mktemp(f"code_{commit}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder / "src", filter="data")
    templates = folder / "src" / "xl_sop" / "templates"  # where the installed package has it (pyproject package-dir)
    templates.mkdir()
    (templates / "__init__.py").touch()
    shutil.copyfile(folder / "src" / "workbook" / "SOP_Template.xlsm", templates / "SOP_Template.xlsm")
    session = OLD_SESSION.format(tests=str(Path(__file__).parent), typed=TYPED_LAST_MONTH[commit])
    ran = subprocess.run([sys.executable, "-c", session], cwd=folder, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(folder / "src")})
    assert ran.returncode == 0, ran.stderr
    return folder / "demo" / "SOP_Demo.xlsm", ran.stdout.split()[-1]


@pytest.mark.slow
def test_a_workbook_made_and_run_by_the_old_code_upgrades_and_runs(made_by_old_code):
    old_path, item = made_by_old_code
    new_path = upgrade(old_path).written
    book = FileBook(new_path)
    run_all(book, now=NOW)
    book.save()
    old, new = FileBook(old_path), FileBook(new_path)
    assert len(old.read_table(T.PLAN_ARCHIVE)) > 0
    for name in (T.ITEMS, T.HISTORY, T.INVENTORY, T.ORDERS, T.CAPACITY, T.PRODUCTION, T.BUDGET, T.DECISIONS,
                 T.APPROVAL, T.CONTRIBUTORS, T.TARGETS, T.PLAN_ARCHIVE):
        if name not in old.table_names():
            continue  # tblContributors: new since 5def137
        before = old.read_table(name)
        pd.testing.assert_frame_equal(new.read_table(name)[list(before.columns)], before, check_dtype=False, obj=name)
    plan = new.read_table(T.DEMAND_PLAN)
    feb = plan[(plan["Item"] == item) & (pd.to_datetime(plan["Month"]) == pd.Timestamp("2027-02-01"))]
    assert feb["SalesAdj"].tolist() == [77]  # the figure typed last month, counted by this version's Run Forecast
    assert len(new.read_table(T.VERSION_COMPARE)) > 0  # this cycle against the plan the old code froze
    status = new.read_table(T.STEP_STATUS).set_index("Step")["Status"].astype(str)
    assert status.drop("Freeze Plan").tolist() == ["done"] * 5 and status["Freeze Plan"].startswith("done")


def test_a_renamed_sheet_is_refused_with_its_name(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "Renamed sheet.xlsm"
    wb = load_workbook(BEFORE_EVENTS, keep_vba=True)
    wb["Capacity"].title = "Hours"
    wb.save(path)
    _refused(path, "the sheet 'Hours' holds tblCapacity, which stands on 'Capacity': give the sheet its name back")
