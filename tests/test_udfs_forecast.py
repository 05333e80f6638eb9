"""The cell functions as Excel calls them: what xlwings passes in, what spills out."""

import numpy as np
import pytest

import sop_udfs
from sop_udfs import SOP_FORECAST, SOP_FORECAST_METHOD
from xl_sop.forecast import forecast

HISTORY = [120, 135, 128, 150, 160, 155, 170, 165, 180, 175, 190, 200, 210, 205]


def column(values):
    return [[v] for v in values]


def test_a_column_spills_a_column_and_matches_the_core():
    out = SOP_FORECAST(column(HISTORY), 6)
    assert len(out) == 6 and all(len(r) == 1 for r in out)
    np.testing.assert_allclose([r[0] for r in out], forecast(HISTORY, 6).mean)


def test_a_row_spills_a_row_with_bounds_below():
    out = SOP_FORECAST([HISTORY], 4, None, None, [[80, 95]])
    assert len(out) == 5 and all(len(r) == 4 for r in out)
    fc = forecast(HISTORY, 4, level=(80, 95))
    np.testing.assert_allclose(out[0], fc.mean)
    np.testing.assert_allclose(out[3], fc.lower[95])
    np.testing.assert_allclose(out[4], fc.upper[95])


def test_level_as_one_cell_gives_three_columns():
    out = SOP_FORECAST(column(HISTORY), 3, 1, "holt", 90)
    assert [len(r) for r in out] == [3, 3, 3]
    assert all(lo <= f <= hi for f, lo, hi in out)


def test_defaults_one_dimensional_lists_and_blank_cells():
    out = SOP_FORECAST(HISTORY[:6] + [None] + HISTORY[6:])  # 1-D list with a blank: 12 rows
    assert len(out) == 12


def test_method_cell_reports_the_choice():
    text = SOP_FORECAST_METHOD(column(HISTORY))
    assert text == forecast(HISTORY, 12).explanation


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((column([1, "abc", 3]),), "SOP_FORECAST: history value 2 is text ('abc'), not a number"),
        (([[1, 2], [3, 4]],), "SOP_FORECAST: history must be one row or one column, not a block of 2 x 2 cells"),
        ((column([None, None]),), "SOP_FORECAST: history has no numbers"),
        ((column(HISTORY), "twelve"), "SOP_FORECAST: horizon is text ('twelve'), not a number"),
        ((column(HISTORY), 2.5), "SOP_FORECAST: horizon must be a whole number, not 2.5"),
        ((column(HISTORY), 3, None, "magic"), "SOP_FORECAST: unknown method 'magic'"),
        ((column(HISTORY), 3, None, None, 150), "SOP_FORECAST: level must be between 0 and 100 (percent), not 150"),
    ],
)
def test_bad_input_returns_a_short_text(args, expected):
    out = SOP_FORECAST(*args)
    assert isinstance(out, str) and out.startswith(expected)
    assert len(out) <= 250 and "Traceback" not in out


def test_every_public_cell_function_is_named_sop():
    assert all(name.startswith("SOP_") for name in sop_udfs.__all__)


def test_blanks_after_the_last_number_end_the_history():
    # A range selected far below the data: 1,000 blank cells are months that have not happened.
    expected = forecast(HISTORY, 6, level=80)
    out = SOP_FORECAST(column(HISTORY + [None] * 1000), 6, None, None, 80)
    np.testing.assert_allclose([r[0] for r in out], expected.mean)
    np.testing.assert_allclose([r[2] for r in out], expected.upper[80])
    assert max(r[0] for r in out) < 2 * max(HISTORY)


def test_blanks_before_the_first_number_mean_not_started_and_inside_are_filled():
    out = SOP_FORECAST(column([None] * 50 + HISTORY + [None] * 20), 4)
    np.testing.assert_allclose([r[0] for r in out], forecast(HISTORY, 4).mean)
    gappy = HISTORY[:5] + [None] + HISTORY[6:]
    inside = SOP_FORECAST(column([None] * 3 + gappy + [None] * 3), 4)
    filled = HISTORY[:5] + [(HISTORY[4] + HISTORY[6]) / 2] + HISTORY[6:]
    np.testing.assert_allclose([r[0] for r in inside], forecast(filled, 4).mean)


def test_a_row_with_trailing_blanks_spills_from_the_last_number():
    out = SOP_FORECAST([HISTORY + [None] * 30], 3)
    np.testing.assert_allclose(out[0], forecast(HISTORY, 3).mean)
