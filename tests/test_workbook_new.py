"""`xl-sop new`: a working copy of the shipped template, wired to the Python that made it.

The new workbook is read back with openpyxl (independently of FileBook, which wrote it);
every zip member but the xlwings.conf sheet and the workbook part (which gains the workbook
id) is compared byte for byte with the template.
Windows and macOS are the systems Excel runs Python on: what the settings would be there
is computed from real folders laid out as those installs lay them out.
"""

import hashlib
import re
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import TEMPLATE
from lxml import etree
from openpyxl import load_workbook

from xl_sop.cli import EXIT_CANNOT_RUN, EXIT_FILE_ACCESS, EXIT_OK, main
from xl_sop.errors import FileAccessError, InputError, WorkbookError
from xl_sop.workbook import xlwings_conf
from xl_sop.workbook.filebook import FileBook
from xl_sop.workbook.identity import WORKBOOK_PART, workbook_id
from xl_sop.workbook.schema import WORKBOOK_ID_NAME, XLWINGS_CONF_SHEET
from xl_sop.workbook.template import new_workbook, template_path
from xl_sop.workbook.xlwings_conf import CloudFolders, for_this_python

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def conf_sheet(path: Path) -> list[tuple[str, str]]:
    """The xlwings.conf rows as openpyxl reads them (every row, so a leftover would show)."""
    wb = load_workbook(path)
    rows = [(a.value, b.value) for a, b in wb[XLWINGS_CONF_SHEET].iter_rows(max_col=2)]
    return [row for row in rows if row != (None, None)]


def conf_part(path: Path) -> str:
    """The package part of the xlwings.conf sheet."""
    book = FileBook(path)
    return book._sheet_part(XLWINGS_CONF_SHEET)


def members(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as z:
        return [(info.filename, z.read(info)) for info in z.infolist()]


def without_cells(xml: bytes) -> bytes:
    """The sheet part with its cells taken out: what must not change when only cells are written."""
    root = etree.fromstring(xml)
    root.remove(root.find(f"{MAIN}sheetData"))
    return etree.tostring(root, method="c14n")


def without_id(xml: bytes) -> bytes:
    """The workbook part without the workbook id: what must not change when a new workbook gets its id."""
    root = etree.fromstring(xml)
    for name in root.iter(f"{MAIN}definedName"):
        if name.get("name") == WORKBOOK_ID_NAME:
            name.getparent().remove(name)
    return etree.tostring(root, method="c14n")


def test_the_template_ships_as_package_data_and_is_the_committed_file():
    assert template_path().name == "SOP_Template.xlsm"
    assert template_path().samefile(TEMPLATE)  # a checkout (editable install): the one committed copy


def test_new_names_no_python_on_a_system_without_excel_and_writes_the_module(tmp_path, capsys):
    path = tmp_path / "SOP_2026-11.xlsm"
    assert main(["new", str(path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert f"Wrote {path}" in out
    rows = dict(conf_sheet(path))
    assert rows["UDF Modules"] == "sop_udfs" and rows["ADD_WORKBOOK_TO_PYTHONPATH"] == "False"
    if sys.platform not in ("win32", "darwin"):  # no Excel here: no interpreter, and a note says so
        assert not any(key.startswith(("Interpreter", "Conda")) for key in rows)
        assert "note: Excel does not run on this system" in out


@pytest.fixture
def installs(tmp_path) -> Path:
    """A home folder with a venv as Windows lays it out (pythonw.exe beside python.exe) and a conda environment."""
    home = tmp_path / "Users" / "ann"
    (home / "xl-sop" / ".venv" / "Scripts").mkdir(parents=True)
    for name in ("python.exe", "pythonw.exe"):
        (home / "xl-sop" / ".venv" / "Scripts" / name).touch()
    (home / "miniconda3" / "condabin").mkdir(parents=True)
    (home / "miniconda3" / "envs" / "sop" / "conda-meta").mkdir(parents=True)
    (tmp_path / "Python311").mkdir()
    (tmp_path / "Python311" / "python.exe").touch()
    return home


def test_on_windows_the_workbook_names_pythonw_under_the_users_profile(tmp_path, installs):
    venv = installs / "xl-sop" / ".venv"
    wiring = for_this_python(system="win32", executable=str(venv / "Scripts" / "python.exe"), prefix=str(venv),
                             home=installs)
    path = new_workbook(tmp_path / "MyCycle.xlsm", wiring.settings)
    rows = dict(conf_sheet(path))
    assert rows["Interpreter_Win"] == r"%USERPROFILE%\xl-sop\.venv\Scripts\pythonw.exe"
    assert rows["UDF Modules"] == "sop_udfs"
    assert "Interpreter_Mac" not in rows and "Conda Path" not in rows
    assert wiring.notes == []  # the test extra installs the xlwings the workbook's VBA names

    # No pythonw.exe beside it, outside the profile: python.exe, by its full path.
    elsewhere = tmp_path / "Python311"
    wiring = for_this_python(system="win32", executable=str(elsewhere / "python.exe"), prefix=str(elsewhere),
                             home=installs)
    assert wiring.settings["Interpreter_Win"].endswith(r"\Python311\python.exe")
    assert "%USERPROFILE%" not in wiring.settings["Interpreter_Win"]


def test_on_windows_a_conda_environment_is_activated_by_xlwings(installs):
    env = installs / "miniconda3" / "envs" / "sop"
    wiring = for_this_python(system="win32", executable=str(env / "python.exe"), prefix=str(env), home=installs)
    assert wiring.settings["Conda Path"] == r"%USERPROFILE%\miniconda3"
    assert wiring.settings["Conda Env"] == "sop"
    assert not any(key.startswith("Interpreter") for key in wiring.settings)


def test_on_macos_the_workbook_names_this_python_and_the_cloud_folders(tmp_path):
    home = Path("/Users/ann")
    cloud = CloudFolders(onedrive_business="$HOME/OneDrive - Contoso", sharepoint="$HOME/Contoso")
    wiring = for_this_python(cloud, system="darwin", executable="/Users/ann/xl-sop/.venv/bin/python",
                             prefix="/Users/ann/xl-sop/.venv", home=home)
    path = new_workbook(tmp_path / "MyCycle.xlsm", wiring.settings)
    rows = dict(conf_sheet(path))
    assert rows["Interpreter_Mac"] == "$HOME/xl-sop/.venv/bin/python"  # not resolved: the venv, not its base
    # xlwings' Python side reads these keys as typed: capitals, for this system.
    assert rows["ONEDRIVE_COMMERCIAL_MAC"] == "$HOME/OneDrive - Contoso" and rows["SHAREPOINT_MAC"] == "$HOME/Contoso"
    assert "ONEDRIVE_CONSUMER_MAC" not in rows and "Interpreter_Win" not in rows


def test_cloud_folders_are_refused_where_excel_does_not_run():
    with pytest.raises(InputError, match="Windows or macOS"):
        for_this_python(CloudFolders(onedrive="/home/ann/OneDrive"), system="linux")


def test_only_the_xlwings_conf_cells_change_everything_else_is_the_templates_bytes(tmp_path):
    settings = {"Interpreter_Win": r"C:\Python\pythonw.exe", "UDF Modules": "sop_udfs", "A": "1", "B": "2", "C": "3",
                "D": "4"}  # longer than the template's block
    path = new_workbook(tmp_path / "MyCycle.xlsm", settings)
    part = conf_part(path)
    before, after = members(TEMPLATE), members(path)
    assert [name for name, _ in after] == [name for name, _ in before]  # same members, same order
    changed = {name for (name, old), (_, new) in zip(before, after, strict=True) if old != new}
    assert changed == {part, WORKBOOK_PART}
    assert without_cells(dict(after)[part]) == without_cells(dict(before)[part])
    assert without_id(dict(after)[WORKBOOK_PART]) == without_id(dict(before)[WORKBOOK_PART])
    assert re.fullmatch("[0-9a-f]{32}", workbook_id(path) or "")
    assert workbook_id(new_workbook(tmp_path / "Other.xlsm", settings)) != workbook_id(path)  # each its own
    assert conf_sheet(path) == list(settings.items())

    # Written again, shorter: no leftover row (xlwings reads down to the first blank key).
    book = FileBook(path)
    xlwings_conf.write(book, {"UDF Modules": "sop_udfs"})
    book.save()
    assert conf_sheet(path) == [("UDF Modules", "sop_udfs")]
    assert xlwings_conf.read(FileBook(path)) == {"UDF Modules": "sop_udfs"}


def test_an_existing_file_is_replaced_only_with_force(tmp_path, capsys):
    path = tmp_path / "MyCycle.xlsm"
    path.write_bytes(b"last month's cycle")
    assert main(["new", str(path)]) == EXIT_FILE_ACCESS
    assert "already exists: choose another name, or add --force" in capsys.readouterr().err
    assert path.read_bytes() == b"last month's cycle"
    assert main(["new", str(path), "--force"]) == EXIT_OK
    assert dict(conf_sheet(path))["UDF Modules"] == "sop_udfs"
    with pytest.raises(FileAccessError):
        new_workbook(path, for_this_python().settings)


def test_a_workbook_name_must_end_in_xlsm(tmp_path):
    with pytest.raises(InputError, match=r"must end in \.xlsm.*say MyCycle\.xlsm"):
        new_workbook(tmp_path / "MyCycle.xlsx", for_this_python().settings)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("command", [["run"], ["run", "--step", "demand"], ["validate"], ["freeze"], ["undo"],
                                     ["publish", "--out", "{tmp}", "--no-pdf"], ["collect", "{copy}"]])
def test_steps_refuse_the_shipped_template_and_point_to_new(command, tmp_path, capsys):
    before = digest(template_path())
    copy = tmp_path / "returned.xlsx"
    copy.write_bytes(TEMPLATE.read_bytes())
    args = [command[0], str(template_path()), *(part.format(tmp=tmp_path, copy=copy) for part in command[1:])]
    assert main(args) == EXIT_CANNOT_RUN
    err = capsys.readouterr().err.strip()
    assert err == (f"xl-sop: {template_path()} is the template xl-sop ships and stays as it is: make a working copy "
                   "with `xl-sop new MyCycle.xlsm` and use that")
    assert digest(template_path()) == before and not list(tmp_path.glob("*.pdf"))


def test_new_never_replaces_the_template_even_with_force():
    with pytest.raises(WorkbookError, match="template xl-sop ships"):
        new_workbook(template_path(), for_this_python().settings, force=True)
