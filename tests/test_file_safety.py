"""The file is the user's: one command at a time (the lock), saves that never leave half a file or a temporary
one, symbolic links and read-only marks respected. On real files, with real concurrent processes."""

import errno
import json
import os
import socket
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import copy_of, cycled_demo

from xl_sop.cli import EXIT_BUSY, EXIT_FILE_ACCESS, main
from xl_sop.cycle import publish as publish_module
from xl_sop.cycle.publish import publish
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.lock import lock_path, workbook_lock

pytestmark = pytest.mark.slow  # steps and saves on workbook files


@pytest.fixture(scope="module")
def cycled(tmp_path_factory):
    return cycled_demo(tmp_path_factory.mktemp("safety"), "Master.xlsm", 4)


@pytest.fixture
def master(cycled, tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    return copy_of(cycled, folder)


def xl_sop(*args) -> subprocess.Popen:
    """The real command line in its own process."""
    return subprocess.Popen([sys.executable, "-m", "xl_sop.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def returned_copy(master: Path, folder: Path, name: str, decision: str) -> Path:
    """A copy of the master in which someone recorded a decision (collect adds new decisions to the master)."""
    folder.mkdir(exist_ok=True)
    copy = folder / name
    copy.write_bytes(master.read_bytes())
    book = FileBook(copy)
    typed = pd.DataFrame({"Date": [pd.Timestamp("2026-11-19")], "Topic": ["Snacks"], "Decision": [decision],
                          "Owner": ["Ops"]})
    book.write_table("tblDecisions", pd.concat([book.read_table("tblDecisions"), typed], ignore_index=True))
    book.save()
    return copy


def decisions(path: Path) -> list[str]:
    return FileBook(path).read_table("tblDecisions")["Decision"].tolist()


def only_the_workbook_is_left(path: Path) -> bool:
    """No lock file and no temporary file beside the workbook."""
    return sorted(p.name for p in path.parent.iterdir()) == [path.name]


# --- the lock ---------------------------------------------------------------------------------------------

def test_two_collects_at_once_lose_no_input(master, tmp_path):
    before = decisions(master)  # the demo's decisions log
    a = returned_copy(master, tmp_path / "a", "Sales.xlsm", "second shift")
    b = returned_copy(master, tmp_path / "b", "Marketing.xlsm", "promo in May")
    first, second = xl_sop("collect", master, a), xl_sop("collect", master, b)
    outcomes = {copy: (p.wait(timeout=120), p.stderr.read()) for copy, p in ((a, first), (b, second))}
    for copy, (code, err) in outcomes.items():
        assert "Traceback" not in err
        if code == EXIT_BUSY:  # the two overlapped: the second said so in one line, and is simply run again
            assert err.count("\n") == 1 and f"{master} is busy: xl-sop collect started by" in err
            assert main(["collect", str(master), str(copy)]) == 0
        else:
            assert code == 0, err
    assert sorted(decisions(master)) == sorted([*before, "promo in May", "second shift"])
    assert only_the_workbook_is_left(master)


def test_two_runs_at_once_each_finish_or_say_it_is_busy(master):
    runs = [xl_sop("run", master, "--step", "demand") for _ in range(2)]
    for run in runs:
        code, err = run.wait(timeout=300), run.stderr.read()
        assert code in (0, EXIT_BUSY) and "Traceback" not in err, err
    assert len(FileBook(master).read_table("tblDemandPlan")) > 0
    assert only_the_workbook_is_left(master)


def test_a_command_finding_the_workbook_busy_changes_nothing_and_names_the_holder(master, tmp_path):
    copy = returned_copy(master, tmp_path / "a", "Sales.xlsm", "second shift")
    before = master.read_bytes()
    with workbook_lock(master, "run") as lock:
        command = xl_sop("collect", master, copy)
        assert command.wait(timeout=120) == EXIT_BUSY
        err = command.stderr.read()
        assert err.count("\n") == 1 and err.startswith(f"xl-sop: {master} is busy: xl-sop run started by ")
        assert f"on {socket.gethostname()} (process {os.getpid()})" in err and str(lock) in err
    assert master.read_bytes() == before
    assert only_the_workbook_is_left(master)


def test_a_lock_left_by_a_process_that_has_ended_is_taken_over(master, tmp_path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lock = lock_path(master)
    lock.write_text(json.dumps({"command": "run", "user": "someone", "host": socket.gethostname(),
                                "pid": int(ended.stdout), "since": "2026-11-20T09:00:00"}))
    copy = returned_copy(master, tmp_path / "a", "Sales.xlsm", "second shift")
    before = decisions(master)
    assert main(["collect", str(master), str(copy)]) == 0
    assert decisions(master) == [*before, "second shift"]
    assert only_the_workbook_is_left(master)


def test_a_lock_of_another_machine_is_never_taken_over(master, capsys):
    lock = lock_path(master)
    lock.write_text(json.dumps({"command": "run", "user": "ana", "host": "planning-server", "pid": 1,
                                "since": "2026-11-20T09:00:00"}))
    before = master.read_bytes()
    assert main(["undo", str(master)]) == EXIT_BUSY
    err = capsys.readouterr().err
    assert "xl-sop run started by ana on planning-server (process 1) at 2026-11-20 09:00:00" in err
    assert f"delete {lock}" in err
    assert master.read_bytes() == before and lock.exists()


# --- links and read-only files ------------------------------------------------------------------------------

@pytest.mark.skipif(os.name != "posix", reason="symbolic links and modes are tested on POSIX")
def test_a_workbook_reached_through_a_link_stays_a_link_and_the_real_file_gets_the_results(master, tmp_path):
    link = tmp_path / "Shortcut.xlsm"
    link.symlink_to(master)
    os.chmod(master, 0o640)
    before = master.read_bytes()
    assert main(["run", str(link), "--step", "demand"]) == 0
    assert link.is_symlink() and link.resolve() == master.resolve()
    assert master.read_bytes() != before and len(FileBook(master).read_table("tblDemandPlan")) > 0
    assert stat.S_IMODE(master.stat().st_mode) == 0o640  # permissions kept
    assert only_the_workbook_is_left(master)


@pytest.mark.skipif(os.name != "posix", reason="file modes are tested on POSIX")
def test_a_read_only_workbook_is_refused_in_one_line_and_stays_read_only(master, tmp_path, capsys):
    os.chmod(master, 0o444)
    before = master.read_bytes()
    copy = returned_copy(master, tmp_path / "a", "Sales.xlsm", "second shift")
    for command in (["run", master], ["undo", master], ["collect", master, copy]):
        assert main([str(arg) for arg in command]) == EXIT_FILE_ACCESS
        err = capsys.readouterr().err
        assert err == f"xl-sop: {master} is read-only: xl-sop leaves it as it is (clear the read-only mark, or work " \
                      "on a copy)\n"
    book = FileBook(master)  # and a save reached another way is refused too
    book.write_table("tblDecisions", book.read_table("tblDecisions"))
    with pytest.raises(OSError, match="is read-only"):
        book.save()
    assert master.read_bytes() == before and stat.S_IMODE(master.stat().st_mode) == 0o444
    assert only_the_workbook_is_left(master)


# --- a full disk ------------------------------------------------------------------------------------------------

def disk_full_after(monkeypatch, writes: int) -> None:
    """The disk fills up after ``writes`` zip entry headers have been written (every part written, compressed anew
    or copied as stored, writes one; writestr writes its header twice)."""
    real, done = zipfile.ZipInfo.FileHeader, []

    def header(self, *args, **kwargs):
        done.append(1)
        if len(done) > writes:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, *args, **kwargs)
    monkeypatch.setattr(zipfile.ZipInfo, "FileHeader", header)


def test_a_full_disk_during_a_run_leaves_the_workbook_byte_for_byte(master, monkeypatch, capsys):
    before = master.read_bytes()
    disk_full_after(monkeypatch, 10)
    assert main(["run", str(master), "--step", "demand"]) == EXIT_FILE_ACCESS
    err = capsys.readouterr().err
    assert err == f"xl-sop: cannot write {master}: No space left on device; the file there is as it was\n"
    assert master.read_bytes() == before
    assert only_the_workbook_is_left(master)


def test_a_full_disk_during_publish_leaves_no_file_under_the_published_name(master, tmp_path, monkeypatch):
    monkeypatch.setattr(publish_module, "_soffice", lambda: None)  # the values last saved: no LibreOffice needed
    with monkeypatch.context() as full:
        disk_full_after(full, 3)
        with pytest.raises(OSError, match="No space left on device"):
            publish(master, tmp_path / "first", pdf=False)
    assert list((tmp_path / "first").iterdir()) == []  # no truncated Master_2026-11.xlsx
    earlier = publish(master, tmp_path / "again", pdf=False).workbook
    before = earlier.read_bytes()
    disk_full_after(monkeypatch, 3)
    with pytest.raises(OSError, match="No space left on device"):
        publish(master, tmp_path / "again", pdf=False)
    assert earlier.read_bytes() == before  # the earlier publish stays whole
    assert only_the_workbook_is_left(earlier)


def test_a_lock_caught_between_its_creation_and_its_writing_still_names_its_holder(tmp_path):
    """The race seen under load: the second command found the lock created but still empty."""
    import threading

    from xl_sop.errors import WorkbookBusyError

    book = tmp_path / "Book.xlsm"
    book.write_bytes(b"not opened: the lock comes first")
    lock = lock_path(book)
    lock.touch()  # created by the first command, which writes who it is a moment later
    holder = {"command": "collect", "user": "ann", "host": socket.gethostname(), "pid": os.getpid(),
              "since": "2026-11-30T09:00:00"}
    writer = threading.Timer(0.2, lambda: lock.write_text(json.dumps(holder), encoding="utf-8"))
    writer.start()
    with pytest.raises(WorkbookBusyError, match="busy: xl-sop collect started by ann"), workbook_lock(book, "run"):
        pass
    writer.join()
    assert json.loads(lock.read_text(encoding="utf-8")) == holder  # the holder's lock is left alone
