"""The command line on real files, as a user runs it."""

import pandas as pd

from xl_sop.cli import main
from xl_sop.sample_data import sample_history, sample_items


def test_forecast_command_on_a_csv_and_a_clear_error(tmp_path, capsys):
    history = tmp_path / "history.csv"
    sample_history(sample_items(6)).to_csv(history, index=False)
    out_file = tmp_path / "fc.csv"
    assert main(["forecast", str(history), "--horizon", "3", "--out", str(out_file)]) == 0
    forecast = pd.read_csv(out_file)
    assert len(forecast) == 6 * 3
    assert (forecast["Lower95"] <= forecast["Forecast"]).all() and (forecast["Forecast"] <= forecast["Upper95"]).all()
    bad = tmp_path / "bad.csv"
    bad.write_text("Item,Month,Quantity\nA,2026-01-01,12\nA,someday,3\n")
    assert main(["forecast", str(bad)]) == 2
    assert "row 2, column Month: 'someday' is not a date" in capsys.readouterr().err
