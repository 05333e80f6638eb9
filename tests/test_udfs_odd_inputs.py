"""Every =SOP_* cell function fed what a sheet can hold: none raises, each returns numbers or a short text.

Hypothesis draws blanks, text, Excel errors, booleans, huge and tiny numbers, dates
and dates as serial numbers, in every shape a range arrives in (one cell, a row, a
column, a block, mismatched lengths), and also mostly sound ranges with a few odd
cells, which reach further into the calculations than pure noise does.
"""

import datetime as dt
import inspect
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sop_udfs
from sop_udfs import shim
from sop_udfs.shim import EXCEL_ERRORS, MAX_MESSAGE
from xl_sop.errors import translate

ERRORS = st.sampled_from(sorted(EXCEL_ERRORS))
NUMBERS = st.one_of(
    st.integers(-10**15, 10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 5e-324, 1e-300, 1e-12, 1e12, 1e300, 1.7976931348623157e308, -1e308]),
    st.integers(1, 2958465),  # a date stored as its Excel serial number
)
TEXT = st.one_of(st.text(max_size=8), st.sampled_from(["", "  ", "1,234", "12%", "n/a", "-", "Jan-26", "2026-01-31", "TRUE"]))
DATES = st.one_of(st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9999, 12, 31)),
                  st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)))
CELL = st.one_of(st.none(), NUMBERS, TEXT, st.booleans(), DATES, ERRORS)


def shaped(cells, max_len=8):
    """A range as xlwings hands it over: one cell, a 1-D list, a column or row of rows, a block, or empty."""
    return st.one_of(
        cells,
        st.lists(cells, max_size=max_len),
        st.lists(cells.map(lambda v: [v]), min_size=1, max_size=max_len),
        st.lists(cells, min_size=1, max_size=max_len).map(lambda r: [r]),
        st.lists(st.lists(cells, min_size=2, max_size=3), min_size=2, max_size=4),
    )


def mostly(sound, odd, one_in=15):
    """Draws ``sound`` with now and then (about one in ``one_in``) an ``odd`` value instead."""
    return st.integers(1, one_in).flatmap(lambda k: odd if k == 1 else sound)


QUANTITY = mostly(st.one_of(st.integers(0, 5000), st.floats(0, 1e6)), CELL)
DAY = mostly(st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 12, 31)), CELL)
SETTING = mostly(st.none(), st.one_of(st.integers(-3, 24), st.sampled_from(["auto", "unit", "line", "order", "ses", 95, 0.95]),
                                      CELL), 3)
ONE_CELL = {"on_hand", "lead_time", "opening"}
DATE_RANGES = {"promised", "delivered", "receipt_dates"}
OPTIONAL_RANGES = {"prices", "order_ids"}


@st.composite
def arguments(draw, func):
    """Noise in any shape; or sound input: ranges of one common length holding mostly quantities or
    dates (a few odd cells), single cells where one is wanted, the options mostly left blank. Noise
    exercises the checks; sound input reaches the calculations."""
    parameters = inspect.signature(func).parameters
    if draw(st.integers(0, 2)) == 0:
        return [draw(shaped(CELL)) for _ in parameters]
    length = draw(st.integers(1, 30))

    def column(cells):
        return st.lists(cells, min_size=length, max_size=length).map(lambda v: [[x] for x in v])
    args = []
    for name, parameter in parameters.items():
        if name in ONE_CELL:
            args.append(draw(QUANTITY))
        elif name in DATE_RANGES:
            args.append(draw(column(DAY)))
        elif parameter.default is inspect.Parameter.empty or (name in OPTIONAL_RANGES and draw(st.booleans())):
            args.append(draw(column(QUANTITY)))
        else:
            args.append(draw(SETTING))
    return args


def check_result(name, out):
    assert isinstance(out, (float, int, str, list)), type(out)
    if isinstance(out, str):
        assert out.startswith(name + ":") or name == "SOP_FORECAST_METHOD"
        assert "Traceback" not in out and "unexpected error" not in out, out
        assert len(out) <= MAX_MESSAGE
    elif isinstance(out, float):
        assert math.isfinite(out)
    elif isinstance(out, list):
        assert out and all(isinstance(row, list) for row in out), "spills are lists of rows"
        for v in (v for row in out for v in row):
            assert v is None or isinstance(v, (int, float, str)), type(v)
            if isinstance(v, float):
                assert math.isfinite(v)
            if isinstance(v, str):
                assert len(v) <= MAX_MESSAGE


@pytest.mark.parametrize("name", sop_udfs.__all__)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_cell_function_raises_on_what_a_sheet_can_hold(name, data):
    func = getattr(sop_udfs, name)
    check_result(name, func(*data.draw(arguments(func))))


@pytest.mark.parametrize("name", sop_udfs.__all__)
@given(error=ERRORS, position=st.integers(0, 4))
@settings(max_examples=10, deadline=None)
def test_an_error_cell_is_named_not_read_as_a_blank(name, error, position):
    func = getattr(sop_udfs, name)
    first = inspect.signature(func).parameters.__iter__().__next__()
    values = [[float(v)] for v in range(1, 6)]
    values[position] = [error]
    out = func(values, *[[[float(v)] for v in range(1, 6)]] * (len(inspect.signature(func).parameters) - 1))
    assert out == f"{name}: {first} value {position + 1} is the error {error}: fix that cell (or the formula feeding it) first"


def test_every_argument_asks_xlwings_for_errors_as_text(monkeypatch):
    """Without err_to_str xlwings hands an error cell over as a blank (checked on Windows only; a no-op here)."""
    asked = []
    monkeypatch.setattr(shim.xw, "arg", lambda name, **options: (asked.append((name, options)), lambda f: f)[1])

    def SOP_EXAMPLE(history, horizon=None):
        return 1.0
    shim.cell_function(SOP_EXAMPLE)
    assert asked == [("history", {"err_to_str": True}), ("horizon", {"err_to_str": True})]


def test_numbers_too_large_are_answered_in_words():
    """Cases hypothesis found: a spilled -inf and an OverflowError deep in the arithmetic."""
    from sop_udfs import SOP_GAP, SOP_SAFETY_STOCK

    assert SOP_SAFETY_STOCK([[0], [2.68e154]], 0, None, None).startswith("SOP_SAFETY_STOCK: ")
    assert SOP_GAP([[None], [None]], [[1e308], [1.7976931348623157e308]], 0) == \
        "SOP_GAP: the result is not a finite number (are some values too large?)"
    assert "too large" in str(translate(OverflowError("int too large to convert to float")))
