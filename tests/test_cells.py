"""The one cell reader (xl_sop.cells), and the same cell meaning the same in every entry point:
the cycle's input tables, the settings, the table helpers, the forecast's history and the cell functions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sop_udfs import SOP_FORECAST, SOP_ON_TIME_DELIVERY, SOP_SAFETY_STOCK, SOP_SPREAD
from xl_sop import cells
from xl_sop.errors import CellError, InputError
from xl_sop.forecast import forecast_many
from xl_sop.frames import monthly, numbers
from xl_sop.settings import read_settings


@pytest.mark.parametrize(("typed", "expected"), [
    (1250, 1250.0), (12.5, 12.5), (np.int64(3), 3.0), ("1250", 1250.0), (" -300 ", -300.0), ("+12.5", 12.5),
    ("1e3", 1000.0), ("1,234", 1234.0), ("1,234,567.5", 1234567.5), ("1 234", 1234.0), ("1\u00a0234", 1234.0),
    (".5", 0.5), (None, None), ("", None), ("   ", None), (float("nan"), None),
])
def test_numbers(typed, expected):
    assert cells.number(typed) == expected


@pytest.mark.parametrize(("typed", "words"), [
    ("1,5", "use a point for decimals"), ("1.204,5 pcs", "not a number"), ("12 pcs", "not a number"),
    (True, "TRUE/FALSE"), (dt.date(2026, 1, 1), "a date, not a number"), (float("inf"), "infinite"),
    ("5%", "without the % sign"), ("1,23", "use a point for decimals"), ("12,34,567", "not a number"),
])
def test_not_numbers(typed, words):
    with pytest.raises(CellError, match=words):
        cells.number(typed)


def test_percent_only_where_a_share_is_taken():
    assert cells.number("95%", percent=True) == pytest.approx(0.95)
    assert cells.number(" 12.5 % ", percent=True) == pytest.approx(0.125)
    assert cells.number(0.95, percent=True) == 0.95  # a cell formatted as a percent already holds the share
    with pytest.raises(CellError):
        cells.number("95%")


@pytest.mark.parametrize(("typed", "expected"), [
    (dt.datetime(2026, 1, 15, 8), pd.Timestamp(2026, 1, 15, 8)), (dt.date(2026, 1, 15), pd.Timestamp(2026, 1, 15)),
    (46037, pd.Timestamp(2026, 1, 15)), ("46037", pd.Timestamp(2026, 1, 15)), ("2026-01-15", pd.Timestamp(2026, 1, 15)),
    ("2026-01", pd.Timestamp(2026, 1, 1)), ("Jan-26", pd.Timestamp(2026, 1, 1)), ("Jan 2026", pd.Timestamp(2026, 1, 1)),
    ("January 2026", pd.Timestamp(2026, 1, 1)), ("15-Jan-2026", pd.Timestamp(2026, 1, 15)),
    ("2026-01-15T00:00:00", pd.Timestamp(2026, 1, 15)), (None, None), ("", None), (pd.NaT, None),
])
def test_dates(typed, expected):
    assert cells.date(typed) == expected


@pytest.mark.parametrize("typed", ["someday", "03/04/2026", -5, 20231101, 1e15, True, "next month", 0])
def test_not_dates(typed):
    with pytest.raises(CellError):
        cells.date(typed)


def test_month_is_the_first_day():
    assert cells.month("15-Jan-2026") == pd.Timestamp(2026, 1, 1)
    assert cells.month(46037.75) == pd.Timestamp(2026, 1, 1)


def test_columns_report_positions_and_keep_the_index():
    values, bad = cells.number_column(pd.Series([1.0, "1,234", "x", None], index=[5, 6, 7, 8]))
    np.testing.assert_array_equal(values[:2], [1.0, 1234.0])
    assert np.isnan(values[2:]).all() and list(bad) == [2]
    months, bad = cells.date_column(pd.Series(["Jan-26", "nope", None], index=[1, 2, 3]), to_month=True)
    assert list(months.index) == [1, 2, 3] and months[1] == pd.Timestamp(2026, 1, 1) and list(bad) == [1]


@given(st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                 st.text(max_size=12), st.dates(), st.datetimes()))
def test_the_reader_answers_or_says_why(value):
    for read in (cells.number, cells.date, cells.month):
        try:
            result = read(value)
        except CellError as exc:
            assert str(exc) and exc.table_text("1250").startswith("'")
        else:
            assert result is None or isinstance(result, (float, pd.Timestamp))


# --- one meaning in every entry point ---------------------------------------------------------------

HISTORY = [100, 120, 90, 110, 130, 125, 140, 135, 150, 145, 160, 155]


def test_a_month_typed_as_jan_26_is_a_month_everywhere():
    table = pd.DataFrame({"Item": ["A", "A"], "Month": ["Dec-25", "Jan-26"], "Quantity": [1, 2]})
    assert list(monthly(table, "History")["Month"]) == [pd.Timestamp(2025, 12, 1), pd.Timestamp(2026, 1, 1)]
    assert read_settings(pd.DataFrame({"Setting": ["Cycle month"], "Value": ["Jan-26"]})).cycle_month == \
        pd.Timestamp(2026, 1, 1)
    # The cell function reads the same text as the same date: delivered in the promised month is on time.
    assert SOP_ON_TIME_DELIVERY(["Jan-26"], ["Jan-26"]) == 1.0
    long = pd.DataFrame({"Item": "A", "Month": [f"{m:%b-%y}" for m in pd.date_range("2025-01-01", periods=12, freq="MS")],
                         "Quantity": HISTORY})
    assert forecast_many(long, 1)["Month"].iloc[0] == pd.Timestamp(2026, 1, 1)


def test_thousands_are_read_alike_everywhere():
    table = pd.DataFrame({"Item": ["A"], "Month": ["2026-01"], "Quantity": ["1,234"]})
    assert numbers(table, "History", "Quantity")["Quantity"].iloc[0] == 1234
    assert monthly(table, "History")["Quantity"].iloc[0] == 1234
    assert SOP_FORECAST([1000, "1,234", 1100, 1200], 1)[0][0] > 0
    assert read_settings(pd.DataFrame({"Setting": ["Regular hour cost"], "Value": ["1,200"]})).regular_hour_cost == 1200


def test_a_decimal_comma_is_refused_everywhere():
    table = pd.DataFrame({"Item": ["A"], "Month": ["2026-01"], "Quantity": ["1,5"]})
    with pytest.raises(InputError, match="row 1, column Quantity: '1,5' is not a number \\(use a point for decimals"):
        numbers(table, "History", "Quantity")
    assert "use a point for decimals" in SOP_FORECAST([1, "1,5", 2, 3], 1)
    settings = read_settings(pd.DataFrame({"Setting": ["Holding cost"], "Value": ["0,5"]}, index=[1]))
    assert "use a point for decimals" in settings.problems[0].text and settings.holding_share == 0.02


def test_one_rule_for_percent():
    assert read_settings(pd.DataFrame({"Setting": ["Service level"], "Value": ["97.5%"]})).cycle_service_level == 0.975
    assert SOP_FORECAST(HISTORY, 1, None, "auto", "80%")[0][1] > 0  # a level typed as a percent
    with pytest.raises(InputError, match="without the % sign"):
        numbers(pd.DataFrame({"Quantity": ["+5%"]}), "History", "Quantity")
    # The top of a setting's range typed as a percent is inside it (0.999, not 0.9990000000000001).
    assert read_settings(pd.DataFrame({"Setting": ["Service level"], "Value": ["99.9%"]})).problems == ()
    assert SOP_SAFETY_STOCK([10, 12, 8, 11, 9], 2, "99.9%") == SOP_SAFETY_STOCK([10, 12, 8, 11, 9], 2, 0.999)
    # A quantity argument of a cell function refuses a % sign, as a data table does.
    assert "without the % sign" in SOP_SPREAD("+5%", [[1], [1]])
    assert "without the % sign" in SOP_SAFETY_STOCK([10, 12, 8], "95%")


def test_dates_past_what_pandas_holds_are_refused_in_every_entry_point():
    with pytest.raises(CellError, match="is not a date"):
        cells.date(2958465)  # 9999-12-31 as Excel's day number
    with pytest.raises(CellError, match="past 2262-04-10"):
        cells.date(dt.date(9999, 12, 31))
    assert "is not a date" in SOP_ON_TIME_DELIVERY([2958465], [2958465])
    months, bad = cells.date_column(pd.Series([2958465, 46037]))
    assert list(bad) == [0] and months[1] == pd.Timestamp(2026, 1, 15)
