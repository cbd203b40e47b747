"""Shared fixtures. xlwings reads XLWINGS_ON_SERVER at import time, so it is set here first."""

from __future__ import annotations

import os
import shutil

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import pytest  # noqa: E402

from xl_kpi.files.csvio import read_csv_records, sample_csv_path  # noqa: E402


@pytest.fixture(scope="session")
def sample_records():
    return read_csv_records(sample_csv_path())


@pytest.fixture(scope="session")
def sample_rows():
    import csv

    with open(sample_csv_path(), encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def pytest_collection_modifyitems(config, items):
    have_soffice = shutil.which("soffice") is not None
    for item in items:
        if "libreoffice" in item.keywords and not have_soffice:
            item.add_marker(pytest.mark.skip(reason="LibreOffice (soffice) is not installed"))
