"""Next year's submissions: 前年度実績 read by every reader (files and the xlwings adapter), a value
left as last year's flagged on its cell, and rollover refusing to go backwards."""

import openpyxl
import pytest

from tests.support.remote import remote_book
from xl_kpi.cli import main
from xl_kpi.excel import actions
from xl_kpi.files.run.master import merge_files, validate_files


@pytest.fixture
def rolled(submissions, tmp_path):
    master = tmp_path / "取組状況_R2.xlsx"
    merge_files([submissions], master)
    assert main(["rollover", str(master), "--year", "令和3", "--out-dir", str(tmp_path / "r3")]) == 0
    path = tmp_path / "r3" / "環境部.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    assert (ws["I4"].value.split("\n")[0], ws["J4"].value) == ("前年度実績", "令和3年度末時点")
    ws["J7"].value = ws["I7"].value  # 1-06: the clerk copied last year's value
    wb.save(path)
    return master, path


def test_a_value_left_as_last_years_is_flagged_by_the_file_reader(rolled):
    _, path = rolled
    report = validate_files([path]).report
    stale = [f for f in report if f.code == "stale-value"]
    assert [(f.cell, f.measure_id) for f in stale] == [("J7", "1-06")]
    assert "令和3年度末時点" in stale[0].message or "今年度末時点" in stale[0].message


def test_the_xlwings_adapter_reads_the_previous_year_column(rolled):
    _, path = rolled
    _, book = remote_book(path)
    result = actions.validate_sheet(book)
    assert [(f.code, f.cell) for f in result.findings if f.code == "stale-value"] == [("stale-value", "J7")]


def test_rollover_refuses_a_year_that_is_not_later(rolled, tmp_path, capsys):
    master, _ = rolled
    assert main(["rollover", str(master), "--year", "令和2", "--out-dir", str(tmp_path / "x")]) == 2
    assert "令和3" in capsys.readouterr().err  # it suggests the next year
