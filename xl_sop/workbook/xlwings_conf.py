"""The xlwings.conf sheet: how Excel finds the Python that runs the buttons and the cell functions.

What xlwings 0.37.8 reads (its standalone VBA module, xlwings.bas, and xlwings/utils.py):
- the keys in column A from A1 down to the first blank row, values in column B; VBA compares
  the keys in capitals, while Python (``read_config_sheet``) reads the OneDrive and SharePoint
  keys as typed, so those are written in capitals;
- a value may hold environment variables: ``%USERPROFILE%`` on Windows, ``$HOME`` on macOS;
- the interpreter: ``Interpreter_Win`` or ``Interpreter_Mac``; on Windows a conda environment
  is named by ``Conda Path`` and ``Conda Env`` instead (xlwings activates it, which conda's
  DLLs need), with no interpreter key;
- ``ADD_WORKBOOK_TO_PYTHONPATH``: whether the workbook's folder goes on Python's path. xl-sop's
  modules are installed, so it is off: a workbook kept on OneDrive or SharePoint then needs
  no translation of its web address into a local folder just to start Python;
- ``ONEDRIVE_CONSUMER_*``, ``ONEDRIVE_COMMERCIAL_*``, ``SHAREPOINT_*``: the local folders synced
  from OneDrive, OneDrive for Business and SharePoint, with which xlwings turns the address of
  a workbook opened from there (with AutoSave on) back into a file path: Publish and Collect
  Inputs need it to write beside the workbook. Windows usually finds them by itself; macOS
  needs them for OneDrive for Business and SharePoint.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

from xl_sop.errors import InputError
from xl_sop.workbook import schema
from xl_sop.workbook.filebook import MAX_ROWS, FileBook

WINDOWS, MACOS = "win32", "darwin"
"""The systems Excel runs Python on (``sys.platform``)."""
SUFFIX = {WINDOWS: "WIN", MACOS: "MAC"}
HOME_VARIABLE = {WINDOWS: "%USERPROFILE%", MACOS: "$HOME"}
PYTHON_KEYS = {"INTERPRETER_WIN", "INTERPRETER_MAC", "INTERPRETER", "CONDA PATH", "CONDA ENV"}
"""Every key by which xlwings finds Python, in capitals as it compares them: a new workbook gets only this Python's."""
ADD_WORKBOOK_TO_PYTHONPATH = "ADD_WORKBOOK_TO_PYTHONPATH"
XLWINGS_PIN = re.compile(r"xlwings\s*==\s*([\w.]+)")
INSTALL_EXCEL_EXTRA = 'pip install "xl-sop[excel]" (in a checkout: pip install -e ".[excel]")'


@dataclass(frozen=True)
class CloudFolders:
    """The local folders synced from OneDrive and SharePoint, as xlwings' settings (None: not set)."""

    onedrive: str | None = None
    """ONEDRIVE_CONSUMER_WIN/MAC: a personal OneDrive, e.g. %USERPROFILE%\\OneDrive."""
    onedrive_business: str | None = None
    """ONEDRIVE_COMMERCIAL_WIN/MAC: OneDrive for Business, e.g. $HOME/OneDrive - Contoso."""
    sharepoint: str | None = None
    """SHAREPOINT_WIN/MAC: the root of the synced SharePoint libraries, e.g. %USERPROFILE%\\Contoso."""

    def settings(self, system: str) -> dict[str, str]:
        given = {"ONEDRIVE_CONSUMER": self.onedrive, "ONEDRIVE_COMMERCIAL": self.onedrive_business,
                 "SHAREPOINT": self.sharepoint}
        folders = {key: folder for key, folder in given.items() if folder}
        if folders and system not in SUFFIX:
            raise InputError("the OneDrive and SharePoint folders are settings of Excel on Windows or macOS: "
                             "run xl-sop new there")
        return {f"{key}_{SUFFIX[system]}": folder for key, folder in folders.items()}


@dataclass(frozen=True)
class Wiring:
    """What a new workbook's xlwings.conf sheet says, and what the person should know about it."""

    settings: dict[str, str]
    notes: list[str] = field(default_factory=list)


def for_this_python(cloud: CloudFolders = CloudFolders(), *, system: str = sys.platform, executable: str = sys.executable,
                    prefix: str = sys.prefix, home: Path | None = None) -> Wiring:
    """The xlwings.conf settings that make Excel on this system start this Python (the one running now).

    Paths under the home folder are written with its variable (``%USERPROFILE%``, ``$HOME``), so a
    colleague who installed the same way under their own profile can use the same workbook.
    """
    home = home or Path.home()
    settings: dict[str, str] = {}
    notes = []
    if system == WINDOWS:
        conda = _conda(Path(prefix))
        if conda:
            root, env = conda
            settings |= {"Conda Path": _portable(root, home, system), "Conda Env": env}
        else:
            settings["Interpreter_Win"] = _portable(_windowless(Path(executable)), home, system)
    elif system == MACOS:
        settings["Interpreter_Mac"] = _portable(Path(executable), home, system)
    else:
        notes.append(f"Excel does not run on this system ({system}): the workbook names no Python for Excel; "
                     "run xl-sop new on the Windows or macOS machine that opens it")
    settings |= {key: value for key, value in schema.XLWINGS_CONF if key.upper() not in PYTHON_KEYS}
    settings[ADD_WORKBOOK_TO_PYTHONPATH] = "False"
    settings |= cloud.settings(system)
    if system in SUFFIX:
        notes += _xlwings_notes()
    return Wiring(settings, notes)


def _windowless(executable: Path) -> Path:
    """pythonw.exe beside python.exe where it exists: Excel then starts Python without a console window."""
    windowless = executable.with_name("pythonw.exe")
    return windowless if windowless.exists() else executable


def _conda(prefix: Path) -> tuple[Path, str] | None:
    """(conda's folder, environment name) when this Python is a conda environment (it has conda-meta)."""
    if not (prefix / "conda-meta").is_dir():
        return None
    root, env = (prefix.parent.parent, prefix.name) if prefix.parent.name == "envs" else (prefix, "base")
    return (root, env) if (root / "condabin").is_dir() else None  # xlwings runs condabin\conda activate


def _portable(path: Path, home: Path, system: str) -> str:
    """``path`` in the target system's spelling, with the home folder as its variable when it lies under it."""
    flavour: type[PurePath] = PureWindowsPath if system == WINDOWS else PurePosixPath
    target, base = flavour(path), flavour(home)
    if target.is_relative_to(base):
        return str(flavour(HOME_VARIABLE[system], target.relative_to(base)))
    return str(target)


def _xlwings_notes() -> list[str]:
    """Whether this Python has the xlwings the workbook's VBA was built for (the excel extra's pin)."""
    try:
        wanted = next(m.group(1) for r in metadata.requires("xl-sop") or [] if (m := XLWINGS_PIN.match(r)))
    except (metadata.PackageNotFoundError, StopIteration):  # run from a source folder without installing
        return []
    try:
        have = metadata.version("xlwings")
    except metadata.PackageNotFoundError:
        return [f"xlwings is not installed in this Python, so Excel cannot use it: {INSTALL_EXCEL_EXTRA} (xlwings {wanted})"]
    if have != wanted:
        return [f"this Python has xlwings {have}; the workbook needs exactly {wanted}: {INSTALL_EXCEL_EXTRA}"]
    return []


def read(book: FileBook) -> dict[str, str]:
    """The xlwings.conf sheet's settings as xlwings reads them: from A1 down to the first blank key."""
    cells = book.read_cells(schema.XLWINGS_CONF_SHEET, f"A1:B{MAX_ROWS}")
    settings: dict[str, str] = {}
    for r in range(1, MAX_ROWS + 1):
        key, value = cells.get((r, 1)), cells.get((r, 2))
        if key in (None, ""):
            break
        settings[str(key)] = "" if value is None else str(value)
    return settings


def write(book: FileBook, settings: Mapping[str, str]) -> None:
    """Replace the xlwings.conf sheet's settings with ``settings``: rows from A1 on, leftover rows emptied."""
    pairs: list[tuple[str | None, str | None]] = list(settings.items())
    pairs += [(None, None)] * (len(read(book)) - len(pairs))
    cells = {f"{column}{r}": text for r, pair in enumerate(pairs, start=1) for column, text in zip("AB", pair, strict=True)}
    book.write_cells(schema.XLWINGS_CONF_SHEET, cells)
