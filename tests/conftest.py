"""Shared fixtures. xlwings reads XLWINGS_ON_SERVER at import time, so it is set here first."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def _alone_or_beside(config, alone: bool) -> Iterator[None]:
    """Under pytest-xdist, a test marked ``timing`` runs while no other test runs in any worker
    (another worker's test would load the cores its timings measure); the others run side by side.
    A readers-writer lock on two files in the run's temporary folder, shared by the workers: the
    ``timing`` test takes the turnstile, then the lock exclusively; any other test passes the
    turnstile (so a waiting ``timing`` test is not starved), then takes the lock shared. In one
    process there is nothing to wait for."""
    if not hasattr(config, "workerinput"):
        yield
        return
    import fcntl  # POSIX; imported here so that one process needs no lock on any system

    shared = Path(config.getoption("basetemp")).parent  # the run's folder: xdist gives each worker one in it
    with open(shared / "timing.turnstile", "a") as turnstile, open(shared / "timing.lock", "a") as lock:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        finally:
            if not alone:
                fcntl.flock(turnstile, fcntl.LOCK_UN)
        yield  # both released when the files close


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Setup, call and teardown of each test (with the fixtures it starts or ends) under the lock above."""
    with _alone_or_beside(item.config, item.get_closest_marker("timing") is not None):
        return (yield)


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
