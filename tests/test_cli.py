"""The command line on real files, as a user runs it."""

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, TEMPLATE, copy_of

from xl_sop.cli import (
    EXIT_BUG,
    EXIT_CANNOT_RUN,
    EXIT_CODES,
    EXIT_FILE_ACCESS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PROBLEMS_FOUND,
    build_parser,
    main,
    report_failure,
)
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


# --- every failure: one line on stderr and a documented exit code --------------------------------

def xl_sop(*args, **popen) -> subprocess.CompletedProcess:
    """The real command line, in its own process."""
    return subprocess.run([sys.executable, "-m", "xl_sop.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300, **popen)


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("xl-sop: ") and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def history_csv(tmp_path) -> Path:
    path = tmp_path / "history.csv"
    sample_history(sample_items(2)).to_csv(path, index=False)
    return path


@pytest.fixture
def unwritable(tmp_path) -> Path:
    """A folder nobody may create: a read-only folder's child, or (root may write anywhere) one under /sys."""
    if os.name != "posix":
        pytest.skip("file permissions are tested on POSIX")
    if os.geteuid() == 0:
        return Path("/sys/xl-sop-test/published")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    return locked / "published"


def test_a_missing_history_file_is_one_line_and_exit_code_3(tmp_path):
    done = xl_sop("forecast", tmp_path / "nofile.csv")
    assert done.returncode == EXIT_FILE_ACCESS and done.stdout == ""
    assert one_line(done.stderr) == f"xl-sop: {tmp_path / 'nofile.csv'} does not exist"


@pytest.mark.slow  # a cycled workbook or a subprocess: about a second
def test_publishing_to_a_place_that_cannot_be_written_is_one_line_and_exit_code_3(tmp_path, unwritable):
    book = copy_of(TEMPLATE, tmp_path)
    done = xl_sop("publish", book, "--out", unwritable, "--no-pdf", "--draft")  # the template: no step has run
    assert done.returncode == EXIT_FILE_ACCESS
    assert one_line(done.stderr).startswith(f"xl-sop: no permission to use {unwritable.parent}")


@pytest.mark.parametrize("command, code, says", [
    (["forecast", "{tmp}"], EXIT_FILE_ACCESS, "{tmp} is a folder, not a file"),
    (["forecast", "{csv}", "--out", "/dev/full"], EXIT_FILE_ACCESS, "No space left on device"),
    (["forecast", "{empty}"], EXIT_CANNOT_RUN, "cannot be read as a CSV table"),
    (["forecast", "{zip}"], EXIT_CANNOT_RUN, "cannot be read as a CSV table"),
    (["run", "{text}"], EXIT_CANNOT_RUN, "notes.xlsm is not an Excel workbook"),
    (["run", "{zip}"], EXIT_CANNOT_RUN, "archive.xlsx is not an Excel workbook"),
    (["undo", "{tmp}/gone.xlsm"], EXIT_FILE_ACCESS, "no workbook at {tmp}/gone.xlsm"),
], ids=["folder", "disk full", "empty csv", "binary csv", "text as workbook", "zip as workbook", "no workbook"])
def test_a_failure_is_one_line_with_its_exit_code(command, code, says, tmp_path, history_csv, capsys):
    if "/dev/full" in command and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "notes.xlsm").write_text("not a workbook")
    with zipfile.ZipFile(tmp_path / "archive.xlsx", "w") as z:
        z.writestr("readme.txt", "a zip, but no workbook")
    names = {"tmp": tmp_path, "csv": history_csv, "empty": tmp_path / "empty.csv", "text": tmp_path / "notes.xlsm",
             "zip": tmp_path / "archive.xlsx"}
    assert main([part.format(**names) for part in command]) == code
    assert says.format(**names) in one_line(capsys.readouterr().err)


@pytest.mark.slow  # a cycled workbook or a subprocess: about a second
def test_debug_shows_the_traceback_before_the_line_and_keeps_the_exit_code(tmp_path):
    for args in (["--debug", "forecast", tmp_path / "nofile.csv"], ["forecast", tmp_path / "nofile.csv", "--debug"]):
        done = xl_sop(*args)
        assert done.returncode == EXIT_FILE_ACCESS
        assert done.stderr.startswith("Traceback (most recent call last)") and "FileNotFoundError" in done.stderr
        assert done.stderr.strip().splitlines()[-1] == f"xl-sop: {tmp_path / 'nofile.csv'} does not exist"


def test_an_unexpected_error_asks_for_debug_and_a_report():
    err = io.StringIO()
    try:
        {}["tblSupplyPlan"]
    except KeyError as exc:
        assert report_failure(exc, stream=err) == EXIT_BUG
    assert one_line(err.getvalue()) == ("xl-sop: unexpected error (KeyError: 'tblSupplyPlan'); "
                                        "rerun with --debug to see where, and please report it")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe to hold the command mid-read")
def test_ctrl_c_is_one_line_and_exit_code_130(tmp_path, monkeypatch, capsys):
    # Ctrl+C raises KeyboardInterrupt wherever the command is; here while it reads the history.
    # (A real SIGINT to a subprocess blocked in a read lands at a moment the test cannot control.)
    def interrupted(path):
        raise KeyboardInterrupt

    monkeypatch.setattr("xl_sop.cli._read_csv", interrupted)
    assert main(["forecast", str(tmp_path / "history.csv")]) == EXIT_INTERRUPTED
    assert one_line(capsys.readouterr().err) == "xl-sop: stopped by the user (Ctrl+C)"


def test_the_help_documents_every_exit_code():
    text = build_parser().format_help()
    codes = {EXIT_OK, EXIT_PROBLEMS_FOUND} | {code for _kind, code in EXIT_CODES}
    assert all(re.search(rf"^  {code}\s+\w", text, re.M) for code in codes), text
    assert "--debug" in text
    docs = (ROOT / "docs" / "cycle.md").read_text(encoding="utf-8")
    assert all(re.search(rf"^\| {code} \|", docs, re.M) for code in codes)


def test_forecast_csv_never_hands_a_spreadsheet_a_formula(tmp_path):
    history = tmp_path / "history.csv"
    months = pd.date_range("2025-01-01", periods=12, freq="MS")
    rows = [(item, m, 100 + i) for item in ('=HYPERLINK("http://x","y")', "@SUM(A1)", "-A1", "Plain")
            for i, m in enumerate(months)]
    pd.DataFrame(rows, columns=["Item", "Month", "Quantity"]).to_csv(history, index=False)
    out_file = tmp_path / "fc.csv"
    assert main(["forecast", str(history), "--horizon", "2", "--out", str(out_file)]) == 0
    items = set(pd.read_csv(out_file, dtype=str)["Item"])
    assert items == {"'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(A1)", "'-A1", "Plain"}


def test_a_csv_parser_message_stays_on_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("Item\nA\nB,extra\n")  # pandas says "Expected 1 fields in line 3, saw 2\n"
    assert main(["forecast", str(bad)]) == EXIT_CANNOT_RUN
    assert "Expected 1 fields in line 3, saw 2)" in one_line(capsys.readouterr().err)


# --- xl-sop forecast on a Dask cluster, Parquet in and out, and xl-sop aggregate ----------------------------------


def detail_history(series: int = 40) -> pd.DataFrame:
    """A warehouse extract: Item x Location series, 20 to 30 months each."""
    import numpy as np

    rng = np.random.default_rng(5)
    rows = []
    for i in range(series):
        months = pd.date_range(end="2026-10-01", periods=int(rng.integers(20, 31)), freq="MS")
        rows += [(f"IT-{i % 8}", f"LOC-{i // 8}", m, float(rng.poisson(30 + i))) for m in months]
    return pd.DataFrame(rows, columns=["Item", "Location", "Month", "Quantity"])


@pytest.mark.slow  # starts a local cluster of two worker processes: a few seconds
def test_forecast_parquet_on_local_workers_equals_the_in_process_forecast(tmp_path):
    from xl_sop.forecast import forecast_many

    pytest.importorskip("distributed") if not os.environ.get("CI") else None
    history = sample_history(sample_items(30))
    history.to_parquet(tmp_path / "history.parquet", index=False)
    out_file = tmp_path / "fc.parquet"
    done = xl_sop("forecast", tmp_path / "history.parquet", "--horizon", "4", "--workers", "2", "--out", out_file)
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout.strip() == f"Wrote {30 * 4} rows to {out_file}"
    assert "Forecasting: 100% (30/30)" in done.stderr  # the cluster's progress, per finished partition
    here = forecast_many(history, 4, level=(80, 95))
    pd.testing.assert_frame_equal(pd.read_parquet(out_file), here, check_exact=True)


def test_forecast_on_a_scheduler_by_address_and_aggregate_to_items(tmp_path, capsys):
    from xl_sop.forecast import forecast_many

    distributed = pytest.importorskip("distributed") if not os.environ.get("CI") else __import__("distributed")
    detail = detail_history()
    detail.to_csv(tmp_path / "detail.csv", index=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  dashboard_address=None) as cluster:
        assert main(["forecast", str(tmp_path / "detail.csv"), "--id", "Item", "Location", "--horizon", "3",
                     "--level", "80", "--scheduler", cluster.scheduler_address, "--out", str(tmp_path / "fc.parquet")]) == 0
    fc = pd.read_parquet(tmp_path / "fc.parquet")
    assert list(fc.columns[:4]) == ["Item", "Location", "Month", "Step"] and len(fc) == 40 * 3
    one = detail[(detail["Item"] == "IT-3") & (detail["Location"] == "LOC-2")]
    expected = forecast_many(one, 3, level=80)["Forecast"].to_numpy()
    got = fc[(fc["Item"] == "IT-3") & (fc["Location"] == "LOC-2")]["Forecast"].to_numpy()
    assert (got == expected).all()

    assert main(["aggregate", str(tmp_path / "fc.parquet"), "--by", "Item", "--out", str(tmp_path / "items.csv")]) == 0
    items = pd.read_csv(tmp_path / "items.csv", parse_dates=["Month"])
    assert list(items.columns) == ["Item", "Month", "Step", "Forecast", "Lower80", "Upper80", "Series", "Blank"]
    assert len(items) == 8 * 3 and (items["Series"] == 5).all() and (items["Blank"] == 0).all()
    by_hand = fc.groupby(["Item", "Month"])[["Forecast", "Lower80", "Upper80"]].sum()
    got_sums = items.set_index(["Item", "Month"])[["Forecast", "Lower80", "Upper80"]]
    pd.testing.assert_frame_equal(got_sums.sort_index(), by_hand.sort_index(), check_exact=False, rtol=1e-12)

    capsys.readouterr()
    assert main(["aggregate", str(tmp_path / "detail.csv"), "--by", "item"]) == 0  # the history, for the workbook
    history = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(history.columns) == ["Item", "Month", "Quantity", "Series", "Blank"]
    assert history["Quantity"].sum() == detail["Quantity"].sum() and len(history) == len(detail.groupby(["Item", "Month"]))


def test_forecast_options_and_files_that_cannot_be_read(tmp_path, capsys):
    history = tmp_path / "history.csv"
    detail_history(4).to_csv(history, index=False)
    with pytest.raises(SystemExit) as both:
        main(["forecast", str(history), "--workers", "2", "--scheduler", "tcp://127.0.0.1:9"])
    assert both.value.code == EXIT_CANNOT_RUN and "not allowed with argument" in capsys.readouterr().err
    assert main(["forecast", str(history), "--workers", "0"]) == EXIT_CANNOT_RUN
    assert one_line(capsys.readouterr().err) == "xl-sop: --workers must be 1 or more, not 0"
    assert main(["forecast", str(history), "--id", "Item", "Store"]) == EXIT_CANNOT_RUN
    assert "the history table has no column 'Store'" in one_line(capsys.readouterr().err)
    bad = tmp_path / "bad.parquet"
    bad.write_text("Item,Month,Quantity\n")
    assert main(["forecast", str(bad)]) == EXIT_CANNOT_RUN
    assert "bad.parquet cannot be read as a Parquet table (" in one_line(capsys.readouterr().err)
    assert main(["aggregate", str(history), "--by", "Item", "Region"]) == EXIT_CANNOT_RUN
    assert "the table has no column 'Region'" in one_line(capsys.readouterr().err)
