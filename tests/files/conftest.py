import shutil
from pathlib import Path

import pytest

from xl_kpi.files.csvio import sample_csv_path
from xl_kpi.files.master import import_csv

SAMPLE_YEAR = 2020


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
