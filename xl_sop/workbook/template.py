"""The template xl-sop ships.

The one committed ``workbook/SOP_Template.xlsm`` is installed as package data of
``xl_sop.templates`` (pyproject.toml maps the folder there), so importlib.resources
finds it inside an installed wheel, and in place in a checkout or editable install.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from xl_sop.errors import WorkbookError

TEMPLATE_PACKAGE, TEMPLATE_NAME = "xl_sop.templates", "SOP_Template.xlsm"


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
