"""The template xl-sop ships, and the working copies made from it (``xl-sop new``).

The one committed ``workbook/SOP_Template.xlsm`` is installed as package data of
``xl_sop.templates`` (pyproject.toml maps the folder there), so importlib.resources
finds it inside an installed wheel, and in place in a checkout or editable install.
Steps never run on it: a user works on a copy that ``new_workbook`` wires to Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from xl_sop.errors import FileAccessError, InputError, WorkbookError
from xl_sop.workbook import identity, xlwings_conf
from xl_sop.workbook.filebook import FileBook

TEMPLATE_PACKAGE, TEMPLATE_NAME = "xl_sop.templates", "SOP_Template.xlsm"
NEW_COMMAND = "xl-sop new MyCycle.xlsm"


def template_path() -> Path:
    """The shipped template: inside the installed package, or workbook/SOP_Template.xlsm in a checkout."""
    try:
        resource = resources.files(TEMPLATE_PACKAGE) / TEMPLATE_NAME
    except ModuleNotFoundError:  # an editable install made before the template became package data
        raise WorkbookError(f"the package {TEMPLATE_PACKAGE} is not installed: reinstall xl-sop "
                            "(in a checkout: pip install -e .)") from None
    if not isinstance(resource, Path) or not resource.is_file():  # pip installs packages as folders, never zipped
        raise WorkbookError(f"{TEMPLATE_NAME} is missing from the installed xl-sop package: reinstall it")
    return resource


def is_template(path: Path) -> bool:
    """Whether ``path`` is the shipped template itself (not a copy of it)."""
    return Path(path).is_file() and Path(path).samefile(template_path())


def refuse_template(path: Path) -> Path:
    """``path``, unless it is the shipped template: steps run on a working copy, made by ``xl-sop new``."""
    if is_template(path):
        raise WorkbookError(f"{path} is the template xl-sop ships and stays as it is: make a working copy with "
                            f"`{NEW_COMMAND}` and use that")
    return Path(path)


def new_workbook(path: Path, settings: Mapping[str, str], *, force: bool = False, template: Path | None = None) -> Path:
    """Write a copy of the template to ``path`` whose xlwings.conf sheet holds ``settings`` (xlwings_conf.for_this_python).

    The copy edits the package: the xlwings.conf sheet's cells change and the workbook gets a new id (a
    hidden defined name, ``identity``), every other part (the VBA project, the ribbon, the sheets) is
    the template's byte for byte. An existing file is replaced
    only with ``force``, and never the template itself. ``template``: another starting file (a copy IT
    signed, say) instead of the shipped template.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsm":
        raise InputError(f"{path.name}: a macro workbook must end in .xlsm, or Excel will not open it "
                         f"(say {path.with_suffix('.xlsm').name})")
    refuse_template(path)
    if path.exists() and not force:
        raise FileAccessError(f"{path} already exists: choose another name, or add --force to replace it")
    book = FileBook(template or template_path())
    xlwings_conf.write(book, settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    identity.stamp(path)  # its own id: Collect Inputs takes only copies of this workbook
    return path
