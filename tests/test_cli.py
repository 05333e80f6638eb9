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
    done = xl_sop("publish", book, "--out", unwritable, "--no-pdf")
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
