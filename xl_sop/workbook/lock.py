"""One xl-sop command at a time on a workbook: a lock file beside it while a command reads and writes it.

Without it, two commands started together (two `collect`s, a `run` and an `undo`) each read
the workbook, and the one that saves last silently throws away what the other wrote. The
lock is a small file ``~$Book.xlsm.xl-sop-lock`` next to the workbook (named like Excel's own
``~$`` owner files), created atomically, saying who holds it; the second command stops with
one line naming the holder, and nothing is read or written. The file is removed when the
command ends, however it ends; one left by a process that no longer exists on this machine
(a power cut, a killed process) is taken over. One left by another machine is never taken
over: the message says which file to delete once that machine's command is known to be over.

Limit: it keeps xl-sop commands apart, not Excel: a workbook open in Excel is Excel's to save.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from xl_sop.errors import FileAccessError, WorkbookBusyError
from xl_sop.workbook.saving import refuse_read_only

LOCK_SUFFIX = ".xl-sop-lock"


def lock_path(workbook: Path) -> Path:
    """The lock file of ``workbook``: beside the real file, so every path and link to it shares one lock."""
    real = Path(os.path.realpath(workbook))
    return real.with_name(f"~${real.name}{LOCK_SUFFIX}")


@contextlib.contextmanager
def workbook_lock(workbook: Path, command: str) -> Iterator[Path]:
    """Hold the lock of ``workbook`` while the block runs ``command`` (its name, for the message others get).

    Taken before the workbook is read, so nobody's save can fall between our reading and our writing;
    a read-only workbook is refused here, before any work is done.
    """
    path = lock_path(workbook)
    if not path.parent.is_dir():  # nothing there to protect: opening the workbook will say what is missing
        yield path
        return
    refuse_read_only(workbook)
    _take(path, workbook, command)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def _take(path: Path, workbook: Path, command: str) -> None:
    mine = json.dumps({"command": command, "user": _user(), "host": socket.gethostname(), "pid": os.getpid(),
                       "since": dt.datetime.now().isoformat(timespec="seconds")})
    for _attempt in range(3):  # a lock found stale is moved away and the creation tried again
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            holder = _holder(path, wait=True)
            if not _is_stale(holder) or not _move_away(path, holder):
                raise WorkbookBusyError(_busy_message(workbook, path, holder)) from None
            continue
        except OSError as exc:
            raise FileAccessError(f"cannot lock {workbook}: cannot create {path.name} in {path.parent} "
                                  f"({exc.strerror or exc})") from exc
        with os.fdopen(handle, "w", encoding="utf-8") as written:
            written.write(mine)
        return
    raise WorkbookBusyError(_busy_message(workbook, path, _holder(path)))


def _holder(path: Path, wait: bool = False) -> dict[str, object]:
    """What the lock file says about its holder; {} when it cannot be read (being written, or not ours).

    With ``wait``, a lock just created and not yet written (its holder writes it right after creating it) is read
    again for up to a second, so the message names the holder rather than "another command".
    """
    for _attempt in range(50 if wait else 1):
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            time.sleep(0.02)
            continue
        return found if isinstance(found, dict) else {}
    return {}


def _is_stale(holder: dict[str, object]) -> bool:
    """Left by a process of this machine that has ended; a lock of another machine is never judged from here."""
    pid = holder.get("pid")
    return holder.get("host") == socket.gethostname() and isinstance(pid, int) and not _process_exists(pid)


def _move_away(path: Path, stale: dict[str, object]) -> bool:
    """Remove the stale lock, unless another command took it over in the meantime (then it is theirs: False).

    Renamed first, so that of two commands taking over together only one removes the stale file; the
    other finds a fresh lock, or nothing, where the stale one was.
    """
    aside = path.with_name(f"{path.name}.{os.getpid()}.stale")
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return True  # gone already: try to create it again
    if _holder(aside) != stale:  # a fresh lock, taken between our reading and our move: put it back
        os.replace(aside, path)
        return False
    aside.unlink(missing_ok=True)
    return True


def _process_exists(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill(pid, 0) would send Ctrl+C on Windows: ask for the process instead
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this user id (a container): the id will do
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def _busy_message(workbook: Path, path: Path, holder: dict[str, object]) -> str:
    if not holder:
        who = "another xl-sop command"
    else:
        who = (f"xl-sop {holder.get('command', '')} started by {holder.get('user', '?')} on {holder.get('host', '?')} "
               f"(process {holder.get('pid', '?')}) at {str(holder.get('since', '?')).replace('T', ' ')}")
    return (f"{workbook} is busy: {who} is working on it. Try again when it has finished; if no such command is "
            f"running, delete {path}")
