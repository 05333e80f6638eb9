import numpy as np
import pandas as pd
import pytest

from xl_sop.errors import InputError
from xl_sop.forecast import forecast, forecast_many


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
