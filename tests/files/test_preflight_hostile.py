"""Hostile submissions: each refused with its own code and exit 2, the master byte-identical."""

import pytest

from tests.support import hostile
from xl_kpi.cli import main
from xl_kpi.core.errors import FileError
from xl_kpi.files.reading.preflight import Budgets, preflight
from xl_kpi.files.reading.reader import read_workbook
from xl_kpi.files.run.master import merge_files

# Budgets small enough that the generated cases stay cheap; the defaults are larger.
BUDGETS = Budgets(max_bytes=8 * 1024 * 1024, max_uncompressed=100 * 1024 * 1024, max_cells=10_000)


@pytest.fixture(autouse=True)
def small_budgets(monkeypatch):
    """The CLI reads budgets from the environment: the same small ones as BUDGETS."""
    monkeypatch.setenv("XL_KPI_MAX_BYTES", str(BUDGETS.max_bytes))
    monkeypatch.setenv("XL_KPI_MAX_CELLS", str(BUDGETS.max_cells))
    monkeypatch.setenv("XL_KPI_MAX_UNCOMPRESSED", str(BUDGETS.max_uncompressed))


@pytest.fixture(params=sorted(hostile.REFUSED))
def case(request, tmp_path):
    build, code = hostile.REFUSED[request.param]
    p = tmp_path / f"{request.param}.xlsx"
    p.write_bytes(build())
    return p, code


def test_each_hostile_file_is_refused_with_its_code(case):
    path, code = case
    with pytest.raises(FileError) as info:
        read_workbook(path, BUDGETS)
    assert info.value.code == code
    assert path.name in str(info.value)


def test_validate_exits_2_in_japanese(case, capsys, monkeypatch):
    path, code = case
    assert main(["validate", str(path), "--format", "json"]) == 2
    out = capsys.readouterr().out
    assert f'"code": "{code}"' in out and "Traceback" not in out


def test_merge_with_it_leaves_the_master_untouched(case, submissions, tmp_path, capsys, monkeypatch):
    path, code = case
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    before = master.read_bytes()
    assert main(["merge", str(submissions), str(path), "-o", str(master)]) == 2
    err = capsys.readouterr().err
    assert path.name in err and "Traceback" not in err
    assert master.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []
    # --skip-invalid goes on without it and says so.
    assert main(["merge", str(submissions), str(path), "-o", str(master), "--skip-invalid", "--format", "json"]) == 0
    assert code in capsys.readouterr().out


def test_a_file_over_the_byte_budget_is_refused_as_too_large(tmp_path):
    p = tmp_path / "big.xlsx"
    p.write_bytes(hostile.valid())
    f = preflight(p, Budgets(max_bytes=1000)).refusal
    assert f.code == "file-too-large" and f.value


@pytest.mark.parametrize("wrap, code", [
    (hostile.with_x14_validation, "dropped-content"),
    (hostile.with_macros, "macros-present"),
    (hostile.with_external_link, "external-links"),
    (hostile.with_connections, "data-connections"),
])
def test_reported_but_processing_goes_on(wrap, code, submissions, tmp_path):
    src = submissions / "環境部.xlsx"
    p = tmp_path / "x.xlsx"
    p.write_bytes(wrap(src.read_bytes()))
    wb = read_workbook(p)
    assert code in [f.code for f in wb.findings]
    assert len(wb.sheets[0].records) == 1
    if code == "external-links":
        assert "budget.xlsx" in next(f for f in wb.findings if f.code == code).message
    master = tmp_path / "m.xlsx"
    merge_files([p], master)
    import zipfile
    assert not any("vbaProject" in n for n in zipfile.ZipFile(master).namelist())


def test_budgets_come_from_the_environment_and_the_rest_keep_their_defaults():
    b = Budgets.from_env({"XL_KPI_MAX_CELLS": "5", "XL_KPI_MAX_BYTES": "7"})
    assert (b.max_cells, b.max_bytes, b.max_entries) == (5, 7, Budgets().max_entries)


def test_openpyxl_warnings_become_findings(submissions, tmp_path):
    p = tmp_path / "x14.xlsx"
    p.write_bytes(hostile.with_x14_validation((submissions / "環境部.xlsx").read_bytes()))
    wb = read_workbook(p, engine="openpyxl")
    dropped = [f for f in wb.findings if f.code == "dropped-content"]
    assert any("Data Validation" in f.message for f in dropped)  # openpyxl's own warning, kept
    assert any("ドロップダウン" in f.message for f in dropped)      # and the preflight's
