"""Regions and segments (History's optional Region and Segment columns) in real workbook files.

With regions the statistical forecast is made per item and region, and the item and family rows are the sums of
their regions'; a figure typed on an item spreads down to its regions and one typed on a region adds up; Settings /
Show regions picks which region rows show. Without the columns (or with them blank) the plan is the one made before.
"""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest
from grid_typing import type_in_grid

from xl_sop.cycle import run_step
from xl_sop.cycle.demo import fill_demo_book
from xl_sop.cycle.grids import PART, TOTAL, month_header
from xl_sop.cycle.inputs import load_inputs
from xl_sop.forecast import forecast_many
from xl_sop.sample_data import REGIONS, sample_history, sample_items, split_by_region
from xl_sop.workbook.filebook import FileBook

NOW = pd.Timestamp("2026-11-20 09:00")
JAN = pd.Timestamp("2027-01-01")
SALES, MARKETING = "Sales adj.", "Marketing adj."
PLAN_MONTHS = [month_header(m) for m in pd.date_range("2026-11-01", periods=12, freq="MS")]


def _demand(book: FileBook) -> FileBook:
    book.save()
    run_step(book, "demand", now=NOW)
    book.save()
    return FileBook(book.path)


def _set(book: FileBook, setting: str, value: object) -> None:
    settings = book.read_table("tblSettings")
    settings.loc[settings["Setting"] == setting, "Value"] = value
    book.write_table("tblSettings", settings)


@pytest.fixture
def regional(tmp_path):
    """A demo workbook (12 items) whose history is split over North, South and Export, Run Forecast pressed."""
    return _demand(fill_demo_book(tmp_path / "Regions.xlsm", items=12, regions=REGIONS, events=False))


def _rows(grid: pd.DataFrame, item: str, measure: str) -> pd.DataFrame:
    return grid[(grid["Item"] == item) & (grid["Measure"] == measure)]


def _regions_of(grid: pd.DataFrame, item: str, measure: str) -> pd.DataFrame:
    return grid[grid["Item"].str.startswith(item + PART) & (grid["Measure"] == measure)]


def test_the_forecast_is_made_per_item_and_region_and_adds_up_to_items_and_families(regional):
    grid = regional.read_table("tblDemandView")
    plan = regional.read_table("tblDemandPlan")
    history = regional.read_table("tblHistory")
    items = regional.read_table("tblItems")
    assert set(history["Region"]) == set(REGIONS)
    for item in items["Item"]:
        regions = _regions_of(grid, item, "Statistical")
        assert [label.split(PART)[1] for label in regions["Item"]] == list(REGIONS)
        own = _rows(grid, item, "Statistical")[PLAN_MONTHS].iloc[0].to_numpy(float)
        np.testing.assert_allclose(regions[PLAN_MONTHS].sum().to_numpy(float), own, atol=1e-6)
        detail = plan[plan["Item"] == item].sort_values("Month")["Statistical"].to_numpy(float)
        np.testing.assert_allclose(detail, own, atol=1e-6)
        for measure in ("History", "Consensus"):  # history and (nothing typed) consensus add up alike
            columns = [c for c in grid.columns[4:] if grid[c].notna().any()]
            sums = _regions_of(grid, item, measure)[columns].fillna(0).sum().to_numpy(float)
            np.testing.assert_allclose(sums, _rows(grid, item, measure)[columns].fillna(0).iloc[0].to_numpy(float))
    for family, part in items.groupby("Family"):
        rows = grid[grid["Item"].isin(part["Item"]) & (grid["Measure"] == "Statistical")]
        total = grid[(grid["Family"] == family) & (grid["Item"] == TOTAL) & (grid["Measure"] == "Statistical")]
        np.testing.assert_allclose(rows[PLAN_MONTHS].sum().to_numpy(float), total[PLAN_MONTHS].iloc[0].to_numpy(float),
                                   atol=1e-6)
    # Each region's figure is the forecast of that region's own history (not a share of the item's forecast).
    keyed = history.assign(Item=history["Item"] + PART + history["Region"])
    family = items.set_index("Item")["Family"]
    expected = forecast_many(keyed, 12, season_length=12, families=keyed["Item"].str.split(PART).str[0].map(family)
                             .set_axis(keyed["Item"]).groupby(level=0).first())
    label = items["Item"].iloc[0] + PART + "Export"
    np.testing.assert_allclose(_rows(grid, label, "Statistical")[PLAN_MONTHS].iloc[0].to_numpy(float),
                               expected[expected["Item"] == label]["Forecast"].round(2).to_numpy(), atol=1e-6)
    sheet = openpyxl.load_workbook(regional.path)["1 Demand"]
    first = regional.first_row("tblDemandView")
    levels = [sheet.row_dimensions[first + i - 1].outline_level for i in grid.index]
    assert levels == [0 if i == TOTAL else 2 if PART in i else 1 for i in grid["Item"]]


def test_an_item_figure_spreads_to_its_regions_and_a_region_figure_adds_up(regional):
    item = regional.read_table("tblItems")["Item"].iloc[0]
    north = item + PART + "North"
    type_in_grid(regional, {("Beverages", item, SALES, JAN): 301, ("Beverages", north, MARKETING, JAN): 40,
                            ("Beverages", None, SALES, JAN): 1000})
    book = _demand(regional)
    grid = book.read_table("tblDemandView")
    jan = month_header(JAN)
    plan = book.read_table("tblDemandPlan")
    row = plan[(plan["Item"] == item) & (pd.to_datetime(plan["Month"]) == JAN)].iloc[0]
    from_family = _rows(grid, item, "From family")[jan].iloc[0]
    assert row["SalesAdj"] == 301 + from_family and row["MarketingAdj"] == 40
    shares = _regions_of(grid, item, "From item")[jan].fillna(0)
    assert shares.sum() == 301 + from_family and (shares == shares.round()).all()  # whole units
    stat = _regions_of(grid, item, "Statistical")[jan]
    np.testing.assert_allclose(shares.to_numpy(float), (301 + from_family) * stat.to_numpy(float) / stat.sum(), atol=1)
    consensus = _regions_of(grid, item, "Consensus")[jan]
    assert consensus.sum() == pytest.approx(row["Consensus"]) == pytest.approx(_rows(grid, item, "Consensus")[jan].iloc[0])
    assert _rows(grid, north, "Consensus")[jan].iloc[0] == pytest.approx(
        _rows(grid, north, "Statistical")[jan].iloc[0] + 40 + _rows(grid, north, "From item")[jan].iloc[0])
    family_total = grid[(grid["Family"] == "Beverages") & (grid["Item"] == TOTAL) & (grid["Measure"] == "Consensus")]
    assert family_total[jan].iloc[0] == pytest.approx(plan[(plan["Family"] == "Beverages") & (
        pd.to_datetime(plan["Month"]) == JAN)]["Consensus"].sum())
    assert _rows(grid, north, MARKETING)[jan].iloc[0] == 40  # what was typed stays where it was typed


def test_a_locked_region_takes_no_share_of_its_item(regional):
    item = regional.read_table("tblItems")["Item"].iloc[0]
    export = item + PART + "Export"
    type_in_grid(regional, {("Beverages", item, SALES, JAN): 200, ("Beverages", export, SALES, None): "x"})
    grid = _demand(regional).read_table("tblDemandView")
    shares = _regions_of(grid, item, "From item").set_index("Item")[month_header(JAN)].fillna(0)
    assert shares[export] == 0 and shares.sum() == 200


def test_show_regions_picks_the_rows_and_rows_with_typed_figures_stay(regional):
    item, family = regional.read_table("tblItems")[["Item", "Family"]].iloc[1]
    _set(regional, "Show regions", "South")
    grid = _demand(regional).read_table("tblDemandView")
    shown = {label.split(PART)[1] for label in grid["Item"] if PART in label}
    assert shown == {"South"}
    book = FileBook(regional.path)
    type_in_grid(book, {(family, item + PART + "South", SALES, JAN): 25})
    _set(book, "Show regions", "none")
    book = _demand(book)
    grid = book.read_table("tblDemandView")
    assert sorted({label for label in grid["Item"] if PART in label}) == [item + PART + "South"]
    plan = book.read_table("tblDemandPlan")
    assert plan[(plan["Item"] == item) & (pd.to_datetime(plan["Month"]) == JAN)]["SalesAdj"].iloc[0] == 25


def _plan_tables(book: FileBook) -> dict[str, pd.DataFrame]:
    return {name: book.read_table(name) for name in ("tblDemandView", "tblDemandPlan", "tblDemandChoices")}


def test_without_the_columns_or_with_them_blank_the_plan_is_the_same(tmp_path):
    blank = _demand(fill_demo_book(tmp_path / "Blank.xlsm", items=12))  # the template's Region and Segment, empty
    assert load_inputs(blank).problems == []
    assert blank.read_table("tblHistory")["Region"].isna().all()
    old = fill_demo_book(tmp_path / "Old.xlsm", items=12)
    history = old.read_table("tblHistory")[["Item", "Month", "Quantity"]]
    old.write_table("tblHistory", history, ["Item", "Month", "Quantity"])  # a History laid out before the columns
    old = _demand(old)
    assert old.table_headers("tblHistory") == ["Item", "Month", "Quantity"]
    assert load_inputs(old).problems == []
    for name, frame in _plan_tables(blank).items():
        pd.testing.assert_frame_equal(frame, _plan_tables(old)[name], obj=name)
    assert not any(PART in str(i) for i in blank.read_table("tblDemandView")["Item"])


def test_one_region_per_item_gives_the_items_own_forecast(tmp_path):
    plain = _demand(fill_demo_book(tmp_path / "Plain.xlsm", items=12))
    book = fill_demo_book(tmp_path / "OneRegion.xlsm", items=12)
    history = book.read_table("tblHistory")
    history["Region"] = "North"
    book.write_table("tblHistory", history)
    book = _demand(book)
    columns = ["Item", "Month", "Statistical", "Lower80", "Upper80", "Consensus"]
    pd.testing.assert_frame_equal(book.read_table("tblDemandPlan")[columns], plain.read_table("tblDemandPlan")[columns])


def test_rows_left_blank_in_region_are_the_items_region_none(tmp_path):
    """docs/forecasting.md: an item with some rows filled and some blank keeps the blank ones as its region "(none)"
    (under pandas 3 the blank cells read as NaN and the label stopped Run Forecast with a TypeError)."""
    book = fill_demo_book(tmp_path / "Blank.xlsm", items=6, regions=("North", "South"))
    history = book.read_table("tblHistory").astype({"Region": object})
    item = history["Item"].iloc[0]
    history.loc[(history["Item"] == item) & (history["Region"] == "South"), "Region"] = None
    book.write_table("tblHistory", history)
    grid = _demand(book).read_table("tblDemandView")
    assert set(_regions_of(grid, item, "Statistical")["Item"]) == {PART.join([item, "North"]),
                                                                  PART.join([item, "(none)"])}
    own = _rows(grid, item, "Statistical")[PLAN_MONTHS].iloc[0].to_numpy(float)
    np.testing.assert_allclose(_regions_of(grid, item, "Statistical")[PLAN_MONTHS].sum().to_numpy(float), own,
                               atol=1e-6)


def test_segments_split_regions_further(tmp_path):
    book = fill_demo_book(tmp_path / "Segments.xlsm", items=6, regions=("North", "South"))
    history = book.read_table("tblHistory")
    history["Segment"] = np.where(history.index % 2 == 0, "Retail", "Online")  # every row of a month in one segment
    book.write_table("tblHistory", history)
    book = _demand(book)
    grid = book.read_table("tblDemandView")
    item = history["Item"].iloc[0]
    labels = set(_regions_of(grid, item, "Statistical")["Item"])
    mine = history[history["Item"] == item]
    assert labels == {PART.join([item, r, s]) for r, s in zip(mine["Region"], mine["Segment"], strict=True)}
    assert len(labels) >= 2 and all(label.count(PART) == 2 for label in labels)
    own = _rows(grid, item, "Statistical")[PLAN_MONTHS].iloc[0].to_numpy(float)
    np.testing.assert_allclose(_regions_of(grid, item, "Statistical")[PLAN_MONTHS].sum().to_numpy(float), own,
                               atol=1e-6)


def test_split_by_region_keeps_every_item_month_and_gives_regions_their_own_pattern():
    items = sample_items(6)
    history = sample_history(items)
    split = split_by_region(history)
    assert list(split.columns) == ["Item", "Month", "Quantity", "Region"]
    totals = split.groupby(["Item", "Month"])["Quantity"].sum()
    pd.testing.assert_series_equal(totals, history.set_index(["Item", "Month"])["Quantity"].sort_index(),
                                   check_names=False)
    assert (split["Quantity"] == split["Quantity"].round()).all() and (split["Quantity"] > 0).all()
    share = split.pivot_table(index="Month", columns="Region", values="Quantity", aggfunc="sum")
    share = share.div(share.sum(axis=1), axis=0)
    assert share["North"].mean() > share["South"].mean() > share["Export"].mean()
    assert share["Export"].iloc[-6:].mean() > share["Export"].iloc[:6].mean()  # Export grows
    pd.testing.assert_frame_equal(split_by_region(history), split)  # seeded: the same every time
    assert list(sample_history(items).columns) == ["Item", "Month", "Quantity"]  # the plain sample is unchanged


def test_top_down_splits_each_familys_own_forecast_over_its_regions(regional):
    from xl_sop.forecast import forecast

    _set(regional, "Family forecast", "top-down")
    book = _demand(regional)
    grid = book.read_table("tblDemandView")
    history = book.read_table("tblHistory")
    items = book.read_table("tblItems").set_index("Item")["Family"]
    calendar = pd.date_range(history["Month"].min(), history["Month"].max(), freq="MS")
    monthly = history.assign(Family=history["Item"].map(items)).groupby(["Family", "Month"])["Quantity"].sum()
    family_of_row = grid["Item"].map(lambda i: items.get(i.split(PART)[0]) if PART in i else None)
    for family in items.unique():
        own = forecast(monthly[family].reindex(calendar, fill_value=0).to_numpy(float), 12, season_length=12).mean
        regions = grid[(family_of_row == family) & (grid["Measure"] == "Statistical")]
        # the family's own forecast, split over its items' regions (each rounded to cents)
        np.testing.assert_allclose(regions[PLAN_MONTHS].sum().to_numpy(float), own, atol=0.005 * len(regions) + 1e-9)
    plan = book.read_table("tblDemandPlan")
    assert plan["Method"].str.contains("top-down from the family").all()


def test_a_figure_typed_on_a_region_that_is_gone_is_kept(regional):
    item = regional.read_table("tblItems")["Item"].iloc[0]
    north = item + PART + "North"
    type_in_grid(regional, {("Beverages", north, SALES, JAN): 70})
    history = regional.read_table("tblHistory")
    regional.write_table("tblHistory", history.assign(Region=None))
    grid = _demand(regional).read_table("tblDemandView")
    kept = grid[grid["Measure"].str.endswith("(kept: not in this plan)")]
    assert kept[["Item", month_header(JAN)]].values.tolist() == [[north, 70]]
    assert not any(PART in str(i) for i in grid.loc[grid.index.difference(kept.index), "Item"])


def test_events_and_regions_together_add_up_and_a_phase_out_ends_every_region(tmp_path):
    """The demo as shipped: regions and events. An item's events are spread over its regions with the item's own
    figures, so its regions still add up to it; a phased-out item's regions end with it; the baseline of each region
    is fitted on its history without the promotions marked for the item."""
    book = _demand(fill_demo_book(tmp_path / "Both.xlsm", items=12, regions=REGIONS))
    grid, events = book.read_table("tblDemandView"), book.read_table("tblEvents")
    with_events = set(grid.loc[grid["Measure"] == "Events", "Item"]) - {TOTAL}
    assert with_events, "the demo's events show in the grid"
    for item in with_events:
        regions = _regions_of(grid, item, "Consensus")
        if regions.empty:  # the launch item has no history, hence no regions
            continue
        np.testing.assert_allclose(regions[PLAN_MONTHS].fillna(0).sum().to_numpy(float),
                                   _rows(grid, item, "Consensus")[PLAN_MONTHS].fillna(0).iloc[0].to_numpy(float),
                                   atol=0.011 * len(regions))
    out = events[events["Kind"] == "phase-out"].iloc[0]
    ended = [month_header(m) for m in pd.date_range(out["FromMonth"], "2027-10-01", freq="MS")]
    regions = _regions_of(grid, out["Item"], "Statistical")
    assert len(regions) == len(REGIONS)
    assert (regions[ended].fillna(0).to_numpy(float) == 0).all()
    assert (regions[PLAN_MONTHS[0]].fillna(0).to_numpy(float) > 0).all()


def test_an_event_of_one_region_is_that_regions_own(tmp_path):
    """A future promotion typed for one region adds to that region's series only (its Events row), and through it to
    the item; a past one is taken out of that region's history (its effect is measured on that series); a region
    History does not have, or a launch of one region, is refused by cell."""
    book = fill_demo_book(tmp_path / "RegionEvent.xlsm", items=12, regions=REGIONS, events=False)
    item = book.read_table("tblItems")["Item"].iloc[0]
    events = pd.DataFrame([
        {"Item": item, "Region": "North", "Kind": "promotion", "FromMonth": JAN, "ToMonth": JAN, "UpliftPct": 0.5},
        {"Item": item, "Region": "North", "Kind": "promotion", "FromMonth": pd.Timestamp("2026-03-01"),
         "ToMonth": pd.Timestamp("2026-03-01")}], columns=book.read_table("tblEvents").columns)
    book.write_table("tblEvents", events)
    book = _demand(book)
    grid = book.read_table("tblDemandView")
    jan = month_header(JAN)
    north = item + PART + "North"
    region_events = grid[(grid["Measure"] == "Events") & grid["Item"].str.startswith(item + PART)]
    assert list(region_events["Item"]) == [north]
    north_statistical = float(_rows(grid, north, "Statistical")[jan].iloc[0])
    assert float(region_events[jan].iloc[0]) == pytest.approx(0.5 * north_statistical, abs=0.011)
    assert float(_rows(grid, item, "Events")[jan].iloc[0]) == pytest.approx(0.5 * north_statistical, abs=0.011)
    for measure in ("Consensus",):
        regions = _regions_of(grid, item, measure)[PLAN_MONTHS].fillna(0).sum().to_numpy(float)
        np.testing.assert_allclose(regions, _rows(grid, item, measure)[PLAN_MONTHS].fillna(0).iloc[0].to_numpy(float),
                                   atol=0.011 * len(REGIONS))
    effects = book.read_table("tblEventEffects")
    assert list(effects["Item"]) == [north]  # measured on the North series, against its own baseline
    history = book.read_table("tblHistory")
    march = history[(history["Item"] == item) & (history["Region"] == "North")
                    & (history["Month"] == pd.Timestamp("2026-03-01"))]["Quantity"].sum()
    assert float(effects["Actual"].iloc[0]) == pytest.approx(march)

    bad = events.iloc[:1].copy()
    bad = pd.concat([bad.assign(Region="Mars"), bad.assign(Kind="launch", LaunchUnits=10.0)], ignore_index=True)
    book.write_table("tblEvents", bad)
    book.save()
    problems = load_inputs(FileBook(book.path)).problems
    regions = [p for p in problems if p.table == "tblEvents" and p.column == "Region"]
    assert len(regions) == 2
    assert "region 'Mars' is not in table History" in regions[0].problem
    assert "a launch is of the item in every region" in regions[1].problem
