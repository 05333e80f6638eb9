import numpy as np
import pandas as pd
import pytest

from xl_sop.errors import InputError
from xl_sop.forecast import forecast, forecast_many
from xl_sop.forecast.batch import to_month_series


def history():
    months = pd.date_range("2024-01-01", periods=24, freq="MS")
    rows = [("A-100", m, 100 + i) for i, m in enumerate(months)]
    rows += [("B-200", m, 50.0) for i, m in enumerate(months) if i % 2 == 0]  # odd months absent
    rows += [("C-300", months[-1], 9.0)]  # launched last month
    return pd.DataFrame(rows, columns=["item", "MONTH", "Quantity"])


def test_one_row_per_item_and_future_month_with_intervals():
    calls = []
    out = forecast_many(history(), 3, level=95, progress=lambda d, t: calls.append((d, t)))
    assert list(out.columns) == ["Item", "Month", "Step", "Forecast", "Lower95", "Upper95", "Method", "Explanation"]
    assert len(out) == 9 and calls[-1] == (3, 3)
    assert out["Month"].min() == pd.Timestamp("2026-01-01")
    a = out[out.Item == "A-100"]["Forecast"].to_numpy()
    np.testing.assert_allclose(a, forecast(np.arange(100, 124), 3, level=95).mean)


def test_months_without_a_row_count_as_zero_demand():
    out = forecast_many(history(), 2)
    b = out[out.Item == "B-200"]
    expected = forecast([50.0, 0.0] * 12, 2).mean
    np.testing.assert_allclose(b["Forecast"], expected)


def test_bad_cells_are_named_by_row_and_column():
    bad = history().astype({"Quantity": object})
    bad.loc[5, "Quantity"] = "lots"
    with pytest.raises(InputError, match="row 6, column Quantity: 'lots' is not a number"):
        forecast_many(bad, 3)
    with pytest.raises(InputError, match="no quantity column 'Qty'"):
        forecast_many(history(), 3, value_col="Qty")


def test_the_history_is_laid_out_by_item_and_month():
    """to_month_series' rules on a table an ERP might give: rows in any order, an item and month listed twice (added
    up), a month whose only row is blank (missing, not zero), a blank row beside a number (the number), months laid
    out ahead of the last number (not history), items in the order of their first row."""
    rows = [("Z", "2025-03-01", 5.0), ("A", "2025-01-01", 1.0), ("A", "2025-03-01", 2.0), ("A", "2025-03-01", 4.0),
            ("Z", "2025-02-01", None), ("A", "2025-02-01", None), ("A", "2025-02-01", 3.0),
            ("Z", "2025-05-01", None), ("Q", "2025-06-01", None), ("A", "2025-04-01", 7.0)]
    table = pd.DataFrame(rows, columns=["Item", "Month", "Quantity"]).assign(Month=lambda t: pd.to_datetime(t["Month"]))
    series, last = to_month_series(table)
    assert last == pd.Period("2025-04", freq="M")  # May and June hold blanks only: not history
    assert list(series) == ["Z", "A"]  # Q has rows after the last month only
    z_start, z = series["Z"]
    assert z_start == pd.Period("2025-02", freq="M")
    np.testing.assert_array_equal(z, [np.nan, 5.0, 0.0])  # Feb blank (missing), Mar 5, Apr no row (zero)
    a_start, a = series["A"]
    assert a_start == pd.Period("2025-01", freq="M")
    np.testing.assert_array_equal(a, [1.0, 3.0, 6.0, 7.0])


def test_an_item_that_cannot_be_forecast_keeps_blank_rows_with_the_reason():
    """B's rows are all blank (its last three months): the batch goes on, B's rows say why."""
    table = pd.DataFrame({"Item": ["A"] * 24 + ["B"] * 3, "Month": [*pd.date_range("2024-01-01", periods=24, freq="MS"),
                                                                    *pd.date_range("2025-10-01", periods=3, freq="MS")],
                          "Quantity": [10.0 + i for i in range(24)] + [None] * 3})
    out = forecast_many(table, 2, level=80)
    b = out[out["Item"] == "B"]
    assert len(b) == 2 and b["Forecast"].isna().all() and b["Lower80"].isna().all()
    assert set(b["Method"]) == {"not forecast"} and set(b["Explanation"]) == {"history has no numbers"}
    assert list(out["Step"]) == [1, 2, 1, 2] and out["Step"].dtype == np.int64
    assert list(out["Month"]) == [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01")] * 2
    assert out["Forecast"].iloc[:2].notna().all()
