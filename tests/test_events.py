"""Demand events on real workbook files: promotions and one-offs cleansed from the baseline and added as their own
row, launches forecast from a like item, phase-outs ended with their demand moved to a successor."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import TEMPLATE

from xl_sop.cycle import run_step
from xl_sop.cycle.grids import TOTAL, month_header
from xl_sop.errors import ValidationError
from xl_sop.forecast import forecast_many
from xl_sop.forecast.events import KINDS, cleanse
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.schema import TableName as T

NOW = pd.Timestamp("2026-11-20 09:00")
CYCLE = pd.Timestamp("2026-11-01")
MONTHS = pd.date_range(end="2026-10-01", periods=36, freq="MS")
SPIKES = (pd.Timestamp("2024-06-01"), pd.Timestamp("2025-03-01"), pd.Timestamp("2026-08-01"))
EVENT_COLUMNS = ["Item", "Family", "Kind", "FromMonth", "ToMonth", "UpliftPct", "UpliftUnits", "LikeItem",
                 "LaunchUnits", "Successor", "Note"]


def _history() -> pd.DataFrame:
    """PROMO: 100 a month with a small fixed wobble, +80 in each SPIKES month; SEAS: seasonal around 200 (the like
    item of launches and the item phased out); STEADY: 50 a month (the successor)."""
    wobble = np.tile([0.0, 2.0, -2.0, 1.0, -1.0, 0.0], 6)
    promo = 100 + wobble + np.array([80.0 if m in SPIKES else 0.0 for m in MONTHS])
    seasonal = 200 * (1 + 0.3 * np.sin(2 * np.pi * (MONTHS.month.to_numpy() - 3) / 12))
    steady = 50 + wobble
    return pd.concat([pd.DataFrame({"Item": name, "Month": MONTHS, "Quantity": np.round(q)})
                      for name, q in (("PROMO", promo), ("SEAS", seasonal), ("STEADY", steady))], ignore_index=True)


def _items(*extra: str) -> pd.DataFrame:
    names = ["PROMO", "SEAS", "STEADY", *extra]
    return pd.DataFrame({"Item": names, "Description": names, "Family": "Drinks", "UnitPrice": 10.0, "UnitCost": 6.0,
                         "LeadTimeMonths": 1.0, "Resource": None, "HoursPerUnit": None})


def _events(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame([{c: r.get(c) for c in EVENT_COLUMNS} for r in rows], columns=EVENT_COLUMNS)


def _filled(tmp_path, name: str, events: pd.DataFrame, items: pd.DataFrame | None = None) -> FileBook:
    """A copy of the template with the constructed items, history and events written (not saved)."""
    path = tmp_path / name
    path.write_bytes(TEMPLATE.read_bytes())
    book = FileBook(path)
    book.write_table(T.ITEMS, _items() if items is None else items)
    book.write_table(T.HISTORY, _history())
    book.write_table(T.EVENTS, events)
    return book


def _book(tmp_path, name: str, events: pd.DataFrame, items: pd.DataFrame | None = None) -> FileBook:
    """_filled, then Run Forecast pressed, saved and opened again."""
    book = _filled(tmp_path, name, events, items)
    run_step(book, "demand", now=NOW)
    book.save()
    return FileBook(book.path)


def _plan(book: FileBook) -> pd.DataFrame:
    plan = book.read_table(T.DEMAND_PLAN)
    plan["Month"] = pd.to_datetime(plan["Month"])
    return plan.set_index(["Item", "Month"]).sort_index()


def _grid_row(book: FileBook, item: str, measure: str) -> pd.Series:
    grid = book.read_table(T.DEMAND_VIEW)
    match = grid[(grid["Item"] == item) & (grid["Measure"] == measure)]
    assert len(match) == 1, f"no single grid row {item} / {measure}"
    return match.iloc[0]


PAST_PROMOTIONS = [{"Item": "PROMO", "Kind": "promotion", "FromMonth": m, "Note": "spike"} for m in SPIKES]


def test_cleansing_replaces_the_event_months_by_the_line_between_their_neighbours_and_measures_the_uplift():
    # 100 + 10 t, with a promotion in t = 10 and 11 (+60 and -20): the baseline there is the line itself.
    months = pd.date_range("2025-01-01", periods=16, freq="MS")
    quantity = 100 + 10 * np.arange(16.0)
    quantity[10] += 60
    quantity[11] -= 20
    history = pd.DataFrame({"Item": "A", "Month": months, "Quantity": quantity})
    events = _events({"Item": "A", "Kind": "Promotion", "FromMonth": months[10], "ToMonth": months[11]})
    cleansed, effects = cleanse(history, events, pd.Series({"A": "F"}), pd.Timestamp("2026-05-01"))
    assert cleansed["Quantity"].tolist() == pytest.approx(100 + 10 * np.arange(16.0))
    effect = effects.iloc[0]
    # actual 200 + 60 + 210 - 20 = 450; baseline 200 + 210 = 410; uplift 40 = 9.76%
    assert (effect["Actual"], effect["Baseline"], effect["UpliftUnits"]) == (450, 410, 40)
    assert effect["UpliftPct"] == pytest.approx(40 / 410)


def test_a_past_promotion_marked_in_events_no_longer_raises_the_baseline(tmp_path):
    plain = _plan(_book(tmp_path, "Plain.xlsm", _events()))
    marked_book = _book(tmp_path, "Marked.xlsm", _events(*PAST_PROMOTIONS))
    marked = _plan(marked_book)
    # Without the spikes PROMO is 100 with a wobble of at most 2: so is its baseline once they are marked ...
    assert marked.loc["PROMO", "Statistical"].to_numpy() == pytest.approx(100, abs=3)
    # ... while the unmarked spikes (3 x 80, the last one in Aug, 2 months before the cycle) lift it, by about 10.
    assert plain.loc["PROMO", "Statistical"].mean() > marked.loc["PROMO", "Statistical"].mean() + 4
    # The other items are forecast as before; the history the grid shows is still what was shipped.
    assert marked.loc["SEAS", "Statistical"].tolist() == plain.loc["SEAS", "Statistical"].tolist()
    shipped = _history().set_index(["Item", "Month"]).loc[("PROMO", SPIKES[-1]), "Quantity"]
    assert shipped > 170 and _grid_row(marked_book, "PROMO", "History")[month_header(SPIKES[-1])] == shipped
    effects = marked_book.read_table(T.EVENT_EFFECTS)
    assert len(effects) == 3
    # each spike month measured against the line between its neighbours (about 100): about +80 each, 80%
    assert effects["UpliftUnits"].to_numpy() == pytest.approx(80, abs=4)
    assert effects["UpliftPct"].to_numpy() == pytest.approx(0.8, abs=0.05)


def test_a_future_promotion_is_its_own_row_and_in_the_consensus(tmp_path):
    dec, jan = pd.Timestamp("2026-12-01"), pd.Timestamp("2027-01-01")
    book = _book(tmp_path, "Future.xlsm", _events(
        {"Item": "PROMO", "Kind": "promotion", "FromMonth": dec, "ToMonth": jan, "UpliftPct": 0.25},
        {"Family": "Drinks", "Kind": "one-off", "FromMonth": jan, "UpliftUnits": 90}))
    plan = _plan(book)
    promo, seas = plan.loc["PROMO"], plan.loc["SEAS"]
    assert promo.loc[dec, "Events"] == pytest.approx(0.25 * promo.loc[dec, "Statistical"], abs=0.01)
    # Jan: the 25% and PROMO's share of the family's 90 units (shared by statistical forecast)
    total = plan.xs(jan, level="Month")["Statistical"].sum()
    share = 90 * promo.loc[jan, "Statistical"] / total
    assert promo.loc[jan, "Events"] == pytest.approx(0.25 * promo.loc[jan, "Statistical"] + share, abs=0.01)
    assert seas.loc[jan, "Events"] == pytest.approx(90 * seas.loc[jan, "Statistical"] / total, abs=0.01)
    assert pd.isna(promo.loc[pd.Timestamp("2027-02-01"), "Events"])  # blank outside the event
    assert (plan["Consensus"] == plan["Statistical"] + plan["Events"].fillna(0)).all()
    # the grid: an Events row for PROMO and the family, none for an item without events in the plan months
    events_row = _grid_row(book, "PROMO", "Events")
    assert events_row[month_header(dec)] == pytest.approx(promo.loc[dec, "Events"], abs=0.01)
    consensus_row = _grid_row(book, "PROMO", "Consensus")
    assert consensus_row[month_header(dec)] == pytest.approx(promo.loc[dec, "Consensus"], abs=0.01)
    family = book.read_table(T.DEMAND_VIEW)
    family_events = family[(family["Item"] == TOTAL) & (family["Measure"] == "Events")]
    assert family_events[month_header(jan)].iloc[0] == pytest.approx(plan.xs(jan, level="Month")["Events"].sum(),
                                                                       abs=0.05)


def test_a_launch_item_without_history_gets_a_forecast_shaped_like_its_like_item(tmp_path):
    jan = pd.Timestamp("2027-01-01")
    book = _book(tmp_path, "Launch.xlsm", _events(
        {"Item": "NEW", "Kind": "launch", "FromMonth": jan, "LikeItem": "SEAS", "LaunchUnits": 50}),
        items=_items("NEW"))
    plan = _plan(book)
    new, like = plan.loc["NEW"], plan.loc["SEAS"]
    assert new.loc[CYCLE:jan - pd.DateOffset(months=1), "Statistical"].eq(0).all()  # nothing before the launch
    launched = new.loc[jan:, "Statistical"]
    ratio = launched / like.loc[jan:, "Statistical"]
    # SEAS's last 12 months average 200: NEW is SEAS's forecast scaled to 50 a month, month by month
    level = _history().query("Item == 'SEAS'")["Quantity"].tail(12).mean()
    assert ratio.to_numpy() == pytest.approx(50 / level, rel=1e-3)
    assert launched.max() > 1.3 * launched.min()  # the season came along
    assert new["Method"].iloc[-1].startswith("launch: 50/month shaped like SEAS")
    assert _grid_row(book, "NEW", "Statistical")[month_header(jan)] == pytest.approx(launched.loc[jan], abs=0.01)


def test_a_phase_out_stops_at_its_month_and_the_successor_takes_its_demand(tmp_path):
    mar = pd.Timestamp("2027-03-01")
    plain = _plan(_book(tmp_path, "Plain.xlsm", _events()))
    book = _book(tmp_path, "PhaseOut.xlsm", _events(
        {"Item": "SEAS", "Kind": "phase-out", "FromMonth": mar, "Successor": "STEADY"}))
    plan = _plan(book)
    seas, steady = plan.loc["SEAS"], plan.loc["STEADY"]
    assert seas.loc[:mar - pd.DateOffset(months=1), "Consensus"].tolist() == \
        plain.loc["SEAS"].loc[:mar - pd.DateOffset(months=1), "Consensus"].tolist()
    assert seas.loc[mar:, "Consensus"].eq(0).all()
    moved = plain.loc["SEAS"].loc[mar:, "Statistical"]
    assert steady.loc[mar:, "Events"].to_numpy() == pytest.approx(moved.to_numpy(), abs=0.01)
    assert steady.loc[mar:, "Consensus"].to_numpy() == pytest.approx(
        (plain.loc["STEADY"].loc[mar:, "Statistical"] + moved).to_numpy(), abs=0.02)
    assert seas["Method"].iloc[-1] == "phased out from Mar 2027 (to STEADY)"


def test_a_workbook_without_events_gives_the_numbers_it_gave_before(tmp_path):
    book = _book(tmp_path, "NoEvents.xlsm", _events())
    plan = _plan(book)
    # what Run Forecast made before events existed: forecast_many on the history as shipped, consensus = statistical
    before = forecast_many(_history(), 12, season_length=12, level=(80,), families=_items()) \
        .set_index(["Item", "Month"]).sort_index()
    assert plan["Statistical"].tolist() == before["Forecast"].round(2).tolist()
    assert plan["Events"].isna().all()
    assert (plan["Consensus"] == plan["Statistical"]).all()
    assert "Events" not in set(book.read_table(T.DEMAND_VIEW)["Measure"])
    assert book.read_table(T.EVENT_EFFECTS).empty


def test_a_bad_events_row_stops_run_forecast_naming_its_cell_and_changes_nothing(tmp_path):
    book = _filled(tmp_path, "Bad.xlsm", _events(
        {"Item": "PROMO", "Kind": "discount", "FromMonth": CYCLE},
        {"Item": "GONE", "Kind": "promotion", "FromMonth": CYCLE, "UpliftPct": 0.1},
        {"Item": "SEAS", "Kind": "phase-out", "FromMonth": CYCLE, "Successor": "SEAS"},
        {"Item": "PROMO", "Kind": "promotion", "FromMonth": CYCLE, "UpliftPct": 30}))
    book.save()
    path = book.path
    before = path.read_bytes()
    with pytest.raises(ValidationError) as caught:
        run_step(FileBook(path), "demand", now=NOW)
    first = FileBook(path).first_row(T.EVENTS)
    said = {(p.sheet, p.table, p.row, p.column) for p in caught.value.problems}
    assert {("Events", T.EVENTS, first, "Kind"), ("Events", T.EVENTS, first + 1, "Item"),
            ("Events", T.EVENTS, first + 2, "Successor"), ("Events", T.EVENTS, first + 3, "UpliftPct")} <= said
    assert "'discount' is not a kind of event" in str(caught.value)
    assert "3000% is not an uplift to plan with" in str(caught.value)
    assert path.read_bytes() == before


def test_a_region_on_an_event_is_refused_while_history_has_no_regions(tmp_path):
    events = _events({"Item": "PROMO", "Kind": "promotion", "FromMonth": CYCLE, "UpliftPct": 0.1})
    events.insert(2, "Region", ["North"])
    book = _filled(tmp_path, "Region.xlsm", events)
    with pytest.raises(ValidationError, match="History has no Region column filled: leave Region blank"):
        run_step(book, "demand", now=NOW)


def test_the_demo_shows_every_kind_of_event(tmp_path):
    from xl_sop.cycle.demo import fill_demo_book
    from xl_sop.sample_data import LAUNCH_ITEM

    book = fill_demo_book(tmp_path / "Demo.xlsm", items=12)
    run_step(book, "demand", now=NOW)
    book.save()
    book = FileBook(book.path)
    events = book.read_table(T.EVENTS)
    assert set(events["Kind"]) == {"promotion", "one-off", "launch", "phase-out"}
    effects = book.read_table(T.EVENT_EFFECTS)
    assert len(effects) == (events["FromMonth"] < CYCLE).sum() and (effects["UpliftUnits"] > 0).mean() > 0.8
    plan = _plan(book)
    assert plan.loc[LAUNCH_ITEM, "Method"].iloc[-1].startswith("launch: 250/month shaped like BEV-1000")
    ended = events[events["Kind"] == "phase-out"].iloc[0]
    assert plan.loc[ended["Item"]].loc[ended["FromMonth"]:, "Consensus"].eq(0).all()
    assert plan.loc[ended["Successor"]].loc[ended["FromMonth"]:, "Events"].gt(0).all()
    grid = book.read_table(T.DEMAND_VIEW)
    assert {"Beverages", "Snacks", "Household"} <= set(grid.loc[grid["Measure"] == "Events", "Family"])
    assert "+ Events" in set(book.read_table(T.FVA)["Stage"])  # the sample archive planned its promotions


def test_the_templates_kind_list_is_the_rules_kinds():
    assert schema.EVENT_KINDS == KINDS
    assert schema.table(T.EVENTS).column("Kind").choices == KINDS
