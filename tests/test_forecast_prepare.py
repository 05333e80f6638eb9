import numpy as np
import pytest

from xl_sop.errors import InputError
from xl_sop.forecast.prepare import prepare, to_float_array


def test_interior_gaps_are_interpolated_and_noted():
    prep = prepare([10, None, 30, float("nan"), 50])
    np.testing.assert_allclose(prep.values, [10, 20, 30, 40, 50])
    assert prep.trailing_missing == 0
    assert "2 missing period(s) interpolated" in prep.notes


def test_leading_zeros_before_launch_are_dropped():
    prep = prepare([None, 0, 0, 5, 0, 7])
    np.testing.assert_allclose(prep.values, [5, 0, 7])
    assert prep.leading_dropped == 3


def test_trailing_missing_periods_are_counted_not_invented():
    prep = prepare([1, 2, 3, None, None])
    np.testing.assert_allclose(prep.values, [1, 2, 3])
    assert prep.trailing_missing == 2


def test_numeric_text_is_read_and_other_text_is_named():
    np.testing.assert_allclose(to_float_array(["1,200", " 3 ", ""])[:2], [1200, 3])
    with pytest.raises(InputError, match=r"history value 2 is text \('n/a'\)"):
        prepare([1, "n/a", 3])


def test_booleans_infinities_and_nothing_are_refused():
    with pytest.raises(InputError, match="TRUE/FALSE"):
        prepare([1, True])
    with pytest.raises(InputError, match="value 2 is infinite"):
        prepare([1, float("inf")])
    with pytest.raises(InputError, match="no numbers"):
        prepare([None, ""])
