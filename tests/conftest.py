"""Shared fixtures: the committed template, a fresh build, and LibreOffice when present."""

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# CI (hosted runners set CI=true): the same examples on every run and no example database, so a property test
# passes or fails for the code, not for the draw; print_blob lets a failure be replayed locally. Recent Hypothesis
# releases load such a profile by themselves; the oldest one pyproject.toml allows (6.100) does not.
# No deadline anywhere: timing belongs in benchmarks, and a busy 2-core machine made a correct example "too slow".
settings.register_profile("local", deadline=None)
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "local")

# A test that uses one of these is slow whatever it checks: LibreOffice, or a build of the template.
SLOW_FIXTURES = {"soffice", "built_template"}


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.slow)


ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook" / "SOP_Template.xlsm"
SNAPSHOT = ROOT / "workbook" / "SOP_Template.snapshot.txt"


@pytest.fixture(scope="session")
def built_template(tmp_path_factory) -> Path:
    """The template built from code in this test run."""
    from xl_sop.workbook.build import save

    return save(tmp_path_factory.mktemp("build") / "SOP_Template.xlsm")


@pytest.fixture(scope="session")
def soffice() -> str:
    """LibreOffice's soffice; skipped where it is missing, except in CI, which installs it."""
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required in CI (.ci/run installs it)")
        pytest.skip("LibreOffice (soffice) is not installed")
    return path


def cycled_demo(folder: Path, name: str, items: int) -> Path:
    """A demo workbook with every step run (the state a planner has before the meeting)."""
    import pandas as pd

    from xl_sop.cycle import run_all
    from xl_sop.cycle.demo import fill_demo_book, owners_for_seeded_issues

    path = folder / name
    book = fill_demo_book(path, items=items)
    run_all(book, now=pd.Timestamp("2026-11-20 09:00"))
    owners_for_seeded_issues(book, now=pd.Timestamp("2026-11-20 09:30"))
    book.save()
    return path


def copy_of(path: Path, folder: Path) -> Path:
    """A private copy for one test to change."""
    target = folder / path.name
    shutil.copyfile(path, target)
    return target


def calculation(path: Path) -> dict[str, str]:
    """The attributes of the workbook's calculation properties (calcPr): the engine id and what Excel does on load."""
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(path) as z:
        calc = etree.fromstring(z.read("xl/workbook.xml")).find("{*}calcPr")
    return dict(calc.attrib) if calc is not None else {}
