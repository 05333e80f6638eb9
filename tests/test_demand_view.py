"""The demand grid's arithmetic (xl_sop.cycle.demand_view), on constructed plans with figures checked by hand.

The same functions run inside Run Forecast on real workbooks: tests/test_demand_grid.py types in real files.
"""

import numpy as np
import pandas as pd
import pytest

from xl_sop.cycle.demand_view import DEFAULT_CONTRIBUTORS, PlanBasis, Typed, contributors_from, plan, typed_in, with_typed
from xl_sop.cycle.grids import KEPT, TOTAL, header_month, month_header, outline_levels
from xl_sop.errors import InputError
from xl_sop.workbook import schema

NOV, DEC, JAN = pd.Timestamp("2026-11-01"), pd.Timestamp("2026-12-01"), pd.Timestamp("2027-01-01")
SALES, MARKETING = (c.name for c in DEFAULT_CONTRIBUTORS)


def basis(start=NOV, stat=None, spread_by="forecast", history=None):
    """Family Drinks: A (forecast 100 a month), B (300), C (0 in Nov, 50 after); family Food: D (200)."""
    months = pd.date_range(start, periods=3, freq="MS")
    stat = stat or {"A": 100, "B": 300, "C": 0, "D": 200}
    rows = [(item, m, float(v if not (item == "C" and m > NOV) else 50)) for item, v in stat.items() for m in months]
    history = history if history is not None else pd.DataFrame(
        [(i, m, q) for i, q in {"A": 10, "B": 10, "C": 20, "D": 5}.items()
         for m in pd.date_range(start - pd.DateOffset(months=12), periods=12, freq="MS")],
        columns=["Item", "Month", "Quantity"])
    return PlanBasis(
        families=pd.Series({"A": "Drinks", "B": "Drinks", "C": "Drinks", "D": "Food"}),
        statistical=pd.DataFrame(rows, columns=["Item", "Month", "Statistical"]),
        history=history, last_cycle=pd.DataFrame(columns=["Item", "Month", "Consensus"]),
        budget=pd.DataFrame({"Family": ["Drinks"], "Month": [start], "Units": [450.0]}),
        history_months=pd.date_range(start - pd.DateOffset(months=3), periods=3, freq="MS"), plan_months=months,
        spread_by=spread_by)


def typed(values=(), locks=()):
    return Typed(pd.DataFrame(list(values), columns=["Family", "Item", "Measure", "Month", "Value"]),
                 pd.DataFrame(list(locks), columns=["Family", "Item", "Measure", "Lock"]))


def cell(result, item, column, month=NOV):
    row = result.long[(result.long["Item"] == item) & (result.long["Month"] == month)]
    return float(row[column].iloc[0])


def grid_value(grid, family, item, measure, month=NOV):
    row = grid[(grid["Family"] == family) & (grid["Item"] == item) & (grid["Measure"] == measure)]
    assert len(row) == 1, (family, item, measure)
    return row[month_header(month)].iloc[0]


def test_a_family_figure_is_spread_by_forecast_in_whole_units_that_add_up():
    result = plan(basis(), typed([("Drinks", TOTAL, SALES, NOV, 401.0)]), DEFAULT_CONTRIBUTORS)
    # 401 over A:B:C = 100:300:0 -> 100.25, 300.75, 0 -> whole units 100 + 301 (largest remainder) + 0
    assert (cell(result, "A", "SalesAdj"), cell(result, "B", "SalesAdj"), cell(result, "C", "SalesAdj")) == (100, 301, 0)
    assert cell(result, "A", "Consensus") == 200 and cell(result, "B", "Consensus") == 601
    assert cell(result, "D", "SalesAdj") == 0  # another family is not touched
    assert cell(result, "A", "SalesAdj", DEC) == 0  # nor another month
    grid = result.grid
    assert grid_value(grid, "Drinks", "B", "From family") == 301
    assert grid_value(grid, "Drinks", TOTAL, SALES) == 401  # the family row shows what was typed
    assert grid_value(grid, "Drinks", TOTAL, "Consensus") == 100 + 300 + 0 + 401
    assert grid_value(grid, "Drinks", TOTAL, "Budget") == 450


def test_a_locked_item_keeps_its_value_and_the_others_absorb_the_change():
    result = plan(basis(), typed([("Drinks", TOTAL, SALES, NOV, 400.0)], [("Drinks", "B", "Consensus", "x")]),
                  DEFAULT_CONTRIBUTORS)
    assert cell(result, "B", "Consensus") == 300  # locked: its statistical forecast, untouched
    assert cell(result, "A", "SalesAdj") == 400  # the only unlocked item with a forecast takes it all
    assert grid_value(result.grid, "Drinks", "B", "Consensus") == 300


def test_item_and_family_figures_and_contributors_add_up_by_stage():
    values = [("Drinks", TOTAL, SALES, NOV, 40.0), ("Drinks", "A", SALES, NOV, 5.0), ("Drinks", "A", MARKETING, NOV, -3.0),
              ("Drinks", TOTAL, MARKETING, NOV, -400.0)]
    result = plan(basis(), typed(values), DEFAULT_CONTRIBUTORS)
    assert cell(result, "A", "SalesAdj") == 5 + 10  # own 5 + a quarter of 40
    assert cell(result, "A", "MarketingAdj") == -3 - 100
    assert cell(result, "B", "Consensus") == 300 + 30 - 300


def test_removing_the_family_figure_takes_the_items_back():
    before = plan(basis(), typed(), DEFAULT_CONTRIBUTORS)
    spread = plan(basis(), typed([("Drinks", TOTAL, SALES, NOV, 250.0)]), DEFAULT_CONTRIBUTORS)
    again = plan(basis(), typed(), DEFAULT_CONTRIBUTORS)
    assert not before.long.equals(spread.long)
    pd.testing.assert_frame_equal(before.long, again.long)


def test_spread_by_history_and_equally():
    by_history = plan(basis(spread_by="history"), typed([("Drinks", TOTAL, SALES, NOV, 400.0)]), DEFAULT_CONTRIBUTORS)
    # last 12 months: A 120, B 120, C 240
    assert [cell(by_history, i, "SalesAdj") for i in "ABC"] == [100, 100, 200]
    equally = plan(basis(spread_by="equal"), typed([("Drinks", TOTAL, SALES, NOV, 300.0)]), DEFAULT_CONTRIBUTORS)
    assert [cell(equally, i, "SalesAdj") for i in "ABC"] == [100, 100, 100]


def test_a_figure_nobody_can_take_is_refused_naming_the_family_and_month():
    stat = {"A": 0, "B": 0, "C": 0, "D": 200}
    with pytest.raises(InputError, match=r"Drinks Sales adj\. Nov 2026 .*cannot be spread"):
        plan(basis(stat=stat), typed([("Drinks", TOTAL, SALES, NOV, 10.0)]), DEFAULT_CONTRIBUTORS)


def test_the_grid_puts_families_on_top_of_their_items_and_groups_the_items():
    result = plan(basis(), typed(), DEFAULT_CONTRIBUTORS)
    grid = result.grid
    assert list(grid.columns[:4]) == ["Family", "Item", "Measure", "Lock"]
    assert [header_month(c) for c in grid.columns[4:]] == list(pd.date_range("2026-08-01", periods=6, freq="MS"))
    assert list(grid["Item"].drop_duplicates()) == [TOTAL, "A", "B", "C", "D"]
    first_food = grid.index[grid["Family"] == "Food"][0]
    assert grid["Item"].iloc[first_food] == TOTAL
    levels = outline_levels(grid)
    assert [lv for lv, i in zip(levels, grid["Item"], strict=True) if i == TOTAL] == [0] * (grid["Item"] == TOTAL).sum()
    assert set(lv for lv, i in zip(levels, grid["Item"], strict=True) if i != TOTAL) == {1}
    # history on the left of the cycle month only, the plan on its right only
    assert grid_value(grid, "Drinks", "A", "History", pd.Timestamp("2026-10-01")) == 10
    assert pd.isna(grid_value(grid, "Drinks", "A", "History", NOV))
    assert pd.isna(grid_value(grid, "Drinks", "A", "Statistical", pd.Timestamp("2026-10-01")))


def test_typed_cells_read_back_from_the_grid_and_survive_a_cycle_month_that_moves():
    first = plan(basis(), typed(), DEFAULT_CONTRIBUTORS).grid
    first.loc[(first["Item"] == TOTAL) & (first["Family"] == "Drinks") & (first["Measure"] == SALES),
              month_header(JAN)] = 80
    first.loc[(first["Item"] == "A") & (first["Measure"] == MARKETING), month_header(NOV)] = 7
    read, problems = typed_in(first.set_axis(range(1, len(first) + 1)), DEFAULT_CONTRIBUTORS)
    assert problems == []
    assert sorted(read.values["Value"]) == [7, 80]
    moved = plan(basis(start=DEC), read, DEFAULT_CONTRIBUTORS)
    # Jan is still planned (spread: A 100, B 300, C 50 -> 80 x 100/450 = 17.8 -> 18), Nov is now history
    assert cell(moved, "A", "SalesAdj", JAN) == 18
    assert grid_value(moved.grid, "Drinks", TOTAL, SALES, JAN) == 80
    assert grid_value(moved.grid, "Drinks", "A", MARKETING, NOV) == 7  # shown in its (past) month's column
    assert (moved.long["Month"] == NOV).sum() == 0


def test_a_typed_row_whose_item_is_gone_is_kept_at_the_bottom_and_read_again():
    values = [("Drinks", "Z", SALES, NOV, 12.0)]
    result = plan(basis(), typed(values), DEFAULT_CONTRIBUTORS)
    last = result.grid.iloc[-1]
    assert (last["Item"], last["Measure"], last[month_header(NOV)]) == ("Z", SALES + KEPT, 12)
    assert outline_levels(result.grid)[-1] == 0
    read, _ = typed_in(result.grid.set_axis(range(1, len(result.grid) + 1)), DEFAULT_CONTRIBUTORS)
    assert read.values.values.tolist() == [["Drinks", "Z", SALES, NOV, 12.0]]


def test_a_word_in_a_typed_row_is_a_problem_naming_row_and_month():
    grid = plan(basis(), typed(), DEFAULT_CONTRIBUTORS).grid
    row = grid.index[(grid["Item"] == "B") & (grid["Measure"] == SALES)][0]
    grid[month_header(DEC)] = grid[month_header(DEC)].astype(object)
    grid.loc[row, month_header(DEC)] = "lots"
    _read, problems = typed_in(grid.set_axis(range(1, len(grid) + 1)), DEFAULT_CONTRIBUTORS)
    assert len(problems) == 1
    assert (problems[0].row, problems[0].column) == (schema.DEMAND_VIEW_ROW + row + 1, "Dec 2026")
    assert "B Sales adj." in problems[0].problem and "lots" in problems[0].problem


def test_contributors_add_rows_and_bad_ones_are_named():
    table = pd.DataFrame({"Contributor": ["Sales North", "Sales South", "Consensus", "Promo"],
                          "Stage": ["Sales", "sales", "Sales", "Finance"]}, index=[1, 2, 3, 4])
    found, problems = contributors_from(table)
    assert [(c.name, c.stage) for c in found] == [("Sales North", "Sales"), ("Sales South", "Sales")]
    assert [(p.row, p.column) for p in problems] == [(3, "Contributor"), (4, "Stage")]
    result = plan(basis(), typed([("Drinks", "A", "Sales North", NOV, 4.0), ("Drinks", "A", "Sales South", NOV, 6.0)]),
                  found)
    assert cell(result, "A", "SalesAdj") == 10  # two reps' additions to the same cell add up


def test_with_typed_puts_typed_cells_back_into_an_older_grid():
    old = plan(basis(), typed(), DEFAULT_CONTRIBUTORS).grid
    out = with_typed(old, typed([("Drinks", "A", SALES, DEC, 9.0), ("Gone", "Q", SALES, DEC, 1.0)],
                                [("Drinks", "A", "History", "x")]), DEFAULT_CONTRIBUTORS)
    assert grid_value(out, "Drinks", "A", SALES, DEC) == 9
    assert grid_value(out, "Drinks", "A", "History", NOV) is None or np.isnan(grid_value(out, "Drinks", "A", "History", NOV))
    assert out.loc[(out["Item"] == "A") & (out["Measure"] == "History"), "Lock"].iloc[0] == "x"
    assert out.iloc[-1]["Measure"] == SALES + KEPT and out.iloc[-1][month_header(DEC)] == 1


def test_a_removed_contributors_figures_are_read_and_kept_not_counted():
    grid = plan(basis(), typed([("Drinks", "A", SALES, NOV, 30.0)]), DEFAULT_CONTRIBUTORS).grid
    only_marketing = tuple(c for c in DEFAULT_CONTRIBUTORS if c.name == MARKETING)
    read, problems = typed_in(grid.set_axis(range(1, len(grid) + 1)), only_marketing)  # "Sales adj." renamed away
    assert problems == [] and read.values.values.tolist() == [["Drinks", "A", SALES, NOV, 30.0]]
    again = plan(basis(), read, only_marketing)
    assert cell(again, "A", "SalesAdj") == 0  # no longer a contributor: not counted ...
    last = again.grid.iloc[-1]
    assert (last["Item"], last["Measure"], last[month_header(NOV)]) == ("A", SALES + KEPT, 30)  # ... but kept


def test_figures_beyond_a_shortened_horizon_stay_in_their_columns():
    later = pd.Timestamp("2027-03-01")  # the basis plans Nov to Jan
    result = plan(basis(), typed([("Drinks", TOTAL, SALES, later, 80.0)]), DEFAULT_CONTRIBUTORS)
    assert list(result.grid.columns[-2:]) == [month_header(pd.Timestamp("2027-02-01")), month_header(later)]
    assert grid_value(result.grid, "Drinks", TOTAL, SALES, later) == 80
    assert pd.isna(grid_value(result.grid, "Drinks", TOTAL, "Consensus", later))  # shown, not planned
    assert result.long["Month"].max() == JAN


def test_last_cycle_is_blank_where_no_plan_was_frozen():
    base = basis()
    frozen = pd.DataFrame({"Item": ["A", "B"], "Month": [NOV, NOV], "Consensus": [90.0, 280.0]})
    result = plan(PlanBasis(**{**base.__dict__, "last_cycle": frozen}), typed(), DEFAULT_CONTRIBUTORS)
    assert grid_value(result.grid, "Drinks", TOTAL, "Last cycle", NOV) == 370
    assert pd.isna(grid_value(result.grid, "Drinks", TOTAL, "Last cycle", DEC))
    assert pd.isna(grid_value(result.grid, "Drinks", "C", "Last cycle", NOV))


def test_a_family_whose_items_are_all_locked_says_so():
    locks = [("Drinks", item, "History", "x") for item in "ABC"]
    with pytest.raises(InputError, match="every item of the family is locked"):
        plan(basis(), typed([("Drinks", TOTAL, SALES, NOV, 10.0)], locks), DEFAULT_CONTRIBUTORS)
