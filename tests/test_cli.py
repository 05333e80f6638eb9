"""The command line on real files, as a user runs it."""

import pandas as pd

from xl_sop.cli import main


def test_demo_writes_the_forecast_and_prints_a_summary(tmp_path, capsys):
    assert main(["demo", "--items", "12", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Forecast, next 3 months, units by family" in out
    forecast = pd.read_csv(tmp_path / "forecast.csv")
    assert len(forecast) == 12 * 12
    assert (forecast["Forecast"] >= 0).all()
    assert (forecast["Lower95"] <= forecast["Forecast"]).all() and (forecast["Forecast"] <= forecast["Upper95"]).all()
    assert forecast["Month"].min() == "2026-11-01"


def test_forecast_command_on_a_csv_and_a_clear_error(tmp_path, capsys):
    main(["demo", "--items", "6", "--out", str(tmp_path)])
    out_file = tmp_path / "fc.csv"
    assert main(["forecast", str(tmp_path / "history.csv"), "--horizon", "3", "--out", str(out_file)]) == 0
    assert len(pd.read_csv(out_file)) == 6 * 3
    bad = tmp_path / "bad.csv"
    bad.write_text("Item,Month,Quantity\nA,2026-01-01,12\nA,someday,3\n")
    assert main(["forecast", str(bad)]) == 2
    assert "row 2, column Month: 'someday' is not a date" in capsys.readouterr().err
