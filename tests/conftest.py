"""Shared fixtures. xlwings reads XLWINGS_ON_SERVER at import time, so it is set here first."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import pytest  # noqa: E402

# before any test module: under mutmut, the small hypothesis profile (tests/support/mutation.py)
from tests.support import mutation  # noqa: E402
from xl_kpi.files.run.master import import_csv  # noqa: E402
from xl_kpi.files.writing.csvio import read_csv_records, sample_csv_path  # noqa: E402

SAMPLE_YEAR = 2020


@pytest.fixture(scope="session", autouse=True)
def _inbox_data_dir(tmp_path_factory):
    """The inbox's default SQLite folder (XL_KPI_DATA_DIR, else ./xl-kpi-data) in a temporary folder
    for every test and the servers they start, never in the working directory; a test of the
    inbox names its own database (tests/inbox)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XL_KPI_DATA_DIR", str(tmp_path_factory.mktemp("xl-kpi-data")))
        mp.delenv("XL_KPI_DATABASE_URL", raising=False)
        yield


@pytest.fixture(scope="session")
def sample_records():
    return read_csv_records(sample_csv_path())


@pytest.fixture(scope="session")
def sample_rows():
    import csv

    with open(sample_csv_path(), encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))



@pytest.fixture(scope="session")
def _submissions_once(tmp_path_factory):
    d = tmp_path_factory.mktemp("subs")
    import_csv(sample_csv_path(), d, SAMPLE_YEAR)
    return d


@pytest.fixture
def submissions(_submissions_once, tmp_path) -> Path:
    """A fresh copy of the sample's six department submissions."""
    d = tmp_path / "提出"
    shutil.copytree(_submissions_once, d)
    return d


def pytest_collection_modifyitems(config, items):
    have_soffice = shutil.which("soffice") is not None
    for item in items:
        if "libreoffice" in item.keywords and not have_soffice:
            item.add_marker(pytest.mark.skip(reason="LibreOffice (soffice) is not installed"))


@pytest.fixture(autouse=True)
def _fresh_core_caches():
    """Under mutmut, every test starts with the caches of xl_kpi.core empty (tests/support/mutation.py)."""
    if mutation.UNDER_MUTMUT:
        mutation.clear_core_caches()
