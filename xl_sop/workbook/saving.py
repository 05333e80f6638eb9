"""Writing a file the user owns: beside it under a unique name, then moved over it in one step.

Whatever stops the writing (a full disk, Ctrl+C, a crash), the file under its own name
is either the previous one byte for byte or the complete new one, never half of each,
and no temporary file is left behind. A workbook reached through a symbolic link is
written where the link points, so the link stays a link; the file keeps its
permissions; a read-only file is refused, never replaced.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from xl_sop.errors import FileAccessError

TEMP_SUFFIX = ".xl-sop-saving"
"""Ends the name of a file being written (``~$Book.xlsm.k2j4x9.xl-sop-saving``): a user who sees one
left by a machine that lost power knows what it was and may delete it."""


def refuse_read_only(path: Path) -> None:
    """Stop unless ``path`` may be replaced: a file marked read-only is the user's word that it stays as it is.

    Read from the mode bits rather than os.access, which says yes to an administrator for any file.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if not mode & stat.S_IWUSR:
        raise FileAccessError(f"{path} is read-only: xl-sop leaves it as it is (clear the read-only mark, "
                              "or work on a copy)")


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A unique temporary path beside ``path`` to write the new file to; it takes ``path``'s place when the block ends.

    If the block (or the move) fails, the temporary file is removed and ``path`` is as it was.
    """
    target = Path(os.path.realpath(path))  # through a symbolic link: the real file is replaced, the link kept
    refuse_read_only(target)
    try:
        handle, name = tempfile.mkstemp(prefix=f"~${target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    except OSError as exc:
        raise FileAccessError(f"cannot write {path}: {_reason(exc)} in {target.parent}") from exc
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
        _flush_to_disk(temp)
        os.chmod(temp, _mode_for(target))
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        if exc.filename is not None and Path(exc.filename) != temp:
            raise  # a problem with another file (one the block read): its own message names it
        raise FileAccessError(f"cannot write {path}: {_reason(exc)}; the file there is as it was") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _flush_folder(target.parent)


def _reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "no permission (is it open in another program?)"
    return exc.strerror or str(exc) or type(exc).__name__


def _mode_for(target: Path) -> int:
    """The permissions the file has now, or for a new file those any new file gets (mkstemp's are private)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _flush_to_disk(path: Path) -> None:
    with open(path, "rb+") as written:
        os.fsync(written.fileno())


def _flush_folder(folder: Path) -> None:
    """Make the move itself durable (POSIX); a folder cannot be opened for this on Windows."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
