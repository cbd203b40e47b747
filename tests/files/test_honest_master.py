"""Budgets stop bombs, not honest work (issue 25): the master xl-kpi writes for 200 departments
(10,000 KPI rows, ~500,000 cells) merges again and validates, while a file as dense as a cell bomb
is still refused however its size is budgeted. The 50,000-row master is measured by
``benchmarks/bench_merge.py --remerge`` (too slow for the suite)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support import hostile
from xl_kpi.cli import main
from xl_kpi.core.errors import FileError
from xl_kpi.files.layout import Settings
from xl_kpi.files.reading.preflight import Budgets, preflight
from xl_kpi.files.reading.reader import read_workbook
from xl_kpi.files.run.master import master_records, merge_files
from xl_kpi.files.writing.template import build_template

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from synthetic import department_records  # noqa: E402


@pytest.fixture(autouse=True)
def default_budgets(monkeypatch):
    for name in ("MAX_BYTES", "MAX_CELLS", "MAX_UNCOMPRESSED", "MAX_ENTRIES", "MAX_RATIO", "MAX_EXTENT",
                 "CELLS_PER_KIB", "MAX_TOTAL_RATIO"):
        monkeypatch.delenv(f"XL_KPI_{name}", raising=False)


@pytest.mark.slow
def test_the_master_of_10000_kpi_rows_merges_again_and_validates(tmp_path, capsys):
    """Fails before: `merge` into it and `validate` of it exit 2, 「セル数（504,248+）が上限（500,000）を超えています」."""
    subs = tmp_path / "提出"
    subs.mkdir()
    settings = Settings(year=2020)
    for i in range(200):
        recs = department_records(i, 50, 7 + i)
        (subs / f"dept_{i:04d}.xlsx").write_bytes(build_template(settings, recs[0].department, recs))
    master = tmp_path / "取組状況.xlsx"
    merge_files([subs], master)
    assert preflight(master, Budgets(max_cells=10**9)).cells > Budgets().max_cells  # over the fixed budget
    assert main(["merge", str(subs), "-o", str(master), "--format", "json"]) in (0, 1)  # merged (1: findings)
    out = capsys.readouterr().out
    assert "too-many-cells" not in out and "zip-bomb" not in out
    assert len(master_records(master)[0]) == 10_000
    assert main(["validate", str(master), "--format", "json"]) in (0, 1)  # validated (1: findings)
    out = capsys.readouterr().out
    assert "too-many-cells" not in out and "zip-bomb" not in out


def test_a_file_as_dense_as_a_cell_bomb_is_refused_by_the_budget_that_grows_with_size(tmp_path):
    """The proportional budget (cells per KiB on disk) refuses what the fixed one would let through."""
    path = tmp_path / "dense.xlsx"
    path.write_bytes(hostile.too_many_cells())  # ~14,000 cells in 36 KB: ~390 cells a KiB
    small_floor = Budgets(max_cells=1_000)
    with pytest.raises(FileError) as info:
        read_workbook(path, small_floor)
    assert info.value.code == "too-many-cells"
    assert small_floor.for_size(path.stat().st_size).max_cells < 14_000


def test_budgets_grow_with_the_size_on_disk_and_never_shrink():
    b = Budgets()
    assert b.for_size(1024) == b  # a small file: the fixed budgets
    big = b.for_size(13 * 1024 * 1024)  # the 50,000-row master's size
    assert big.max_cells == 250 * 13 * 1024 > 2_600_000 and big.max_uncompressed == 25 * 13 * 1024 * 1024
    assert big.max_extent >= 10 * big.max_cells and big.max_ratio == b.max_ratio and big.max_bytes == b.max_bytes
    assert Budgets.from_env({"XL_KPI_CELLS_PER_KIB": "10", "XL_KPI_MAX_TOTAL_RATIO": "3"}).for_size(10**6).max_cells == \
        max(b.max_cells, 10 * 10**6 // 1024)
