"""Spreading a family figure over its items (xl_sop.hierarchy.spread, =SOP_SPREAD), against hand-computed figures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sop_udfs import SOP_SPREAD
from xl_sop.errors import InputError
from xl_sop.hierarchy import round_half_away, spread

NAN = float("nan")


def test_in_proportion_to_the_weights_and_none_for_an_item_without_forecast():
    np.testing.assert_allclose(spread(100, [30, 10, 0, 60]), [30, 10, 0, 60])
    np.testing.assert_allclose(spread(50, [3, 1]), [37.5, 12.5])


def test_locked_items_keep_their_value_and_the_rest_absorb_the_change():
    # 1,000 over 300 : 200 : 500 with the second item locked at 250: 750 left over 300 : 500.
    np.testing.assert_allclose(spread(1000, [300, 200, 500], [NAN, 250, NAN]), [281.25, 250, 468.75])


def test_a_negative_adjustment_spreads_too_and_zero_takes_the_items_back():
    np.testing.assert_allclose(spread(-50, [3, 1]), [-37.5, -12.5])
    np.testing.assert_allclose(spread(0, [3, 1]), [0, 0])


def test_whole_units_keep_the_sum_largest_remainder_first():
    np.testing.assert_allclose(spread(10, [1, 1, 1], decimals=0), [4, 3, 3])
    # 281.25 and 468.75: 468.75 loses most in rounding down, so it gets the unit left over.
    np.testing.assert_allclose(spread(1000, [300, 200, 500], [NAN, 250, NAN], decimals=0), [281, 250, 469])


def test_nothing_to_carry_the_rest_is_an_error():
    with pytest.raises(InputError, match="no free item has a weight"):
        spread(5, [0, 0])
    with pytest.raises(InputError, match="no item that is not locked"):
        spread(5, [1, 1], [1, 1])
    with pytest.raises(InputError, match="weights must be numbers of zero or more"):
        spread(5, [1, -1])
    np.testing.assert_allclose(spread(0, [0, 0]), [0, 0])


@example(0.0, [(0.0, 1.5), (1.0, None), (0.0, 1.5)])
@given(st.floats(-1e6, 1e6), st.lists(st.tuples(st.floats(0, 1e4), st.one_of(st.none(), st.floats(-1e4, 1e4))),
                                      min_size=1, max_size=12))
def test_the_items_add_up_to_the_total_and_locks_hold(total, rows):
    weights = np.array([w for w, _ in rows])
    locked = np.array([NAN if v is None else v for _, v in rows])
    free = np.isnan(locked)
    rest = total - np.nansum(locked)
    if weights[free].sum() <= 0 and abs(rest) > 1e-9 * max(1.0, abs(total)):
        with pytest.raises(InputError):
            spread(total, weights, locked)
        return
    out = spread(total, weights, locked)
    np.testing.assert_allclose(out[~free], locked[~free])
    assert out.sum() == pytest.approx(total, abs=1e-6 * max(1.0, abs(total), np.abs(locked[~free]).sum()))
    if free.any() and weights[free].sum() > 0:  # whole units: locks as given, the free items make up the rest
        whole = spread(total, weights, locked, decimals=0)
        np.testing.assert_array_equal(whole[~free], locked[~free])
        assert whole[free].sum() == pytest.approx(round_half_away(rest, 0), abs=1e-6 * max(1.0, abs(total)))
        assert np.all(np.abs(whole[free] - out[free]) < 1 + 1e-9)


def test_whole_units_do_not_round_the_locks_or_the_halves_to_even():
    # Found in review: locks of 1.5 rounded up made 3 spread as 4.
    np.testing.assert_array_equal(spread(3, [0, 1, 0], [1.5, NAN, 1.5], decimals=0), [1.5, 0, 1.5])
    np.testing.assert_array_equal(spread(2.5, [1], decimals=0), [3])  # as Excel's ROUND, not to even
    np.testing.assert_array_equal(spread(-10, [1, 1, 1], decimals=0), [-3, -3, -4])
    with pytest.raises(InputError, match="decimals must be a whole number from 0 to 10"):
        spread(1, [1], decimals=400)


def test_the_cell_function_is_the_routine_laid_out_like_the_weights():
    assert SOP_SPREAD(1000, [[300], [200], [500]], [[None], [250], [None]], 0) == [[281.0], [250.0], [469.0]]
    assert SOP_SPREAD(100, [[1, 1, 1, 1]]) == [[25.0, 25.0, 25.0, 25.0]]
    assert SOP_SPREAD(5, [[0], [0]]) == "SOP_SPREAD: 5 is left to spread but no free item has a weight: " \
                                        "give a weight or unlock an item"
    assert SOP_SPREAD(5, [[1], [1]], [[None]]).startswith("SOP_SPREAD: weights has 2 cells but locked has 1")
