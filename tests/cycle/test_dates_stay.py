"""A finding stays while its cause stays (issue 24, point 6): a date Excel made of a value is reported
by the first merge and by every later validate and merge that still holds it — from the master, whose
cell keeps the date's text '2018/3/31' — and by the add-in."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest

from tests.support.remote import remote_book
from xl_kpi import KpiRecord, Source, validate_records
from xl_kpi.excel import actions
from xl_kpi.files.layout import LAYOUT
from xl_kpi.files.run.master import merge_files, validate_files


def _dated(path, measure_id="1-15", field="baseline"):
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    row = next(r for r in range(LAYOUT.first_data_row, ws.max_row + 1)
               if ws.cell(r, LAYOUT.col("measure_id")).value == measure_id)
    ws.cell(row, LAYOUT.col(field)).value = datetime(2018, 3, 31)
    ws.cell(row, LAYOUT.col(field)).number_format = "yyyy/m/d"
    wb.save(path)
    return f"{LAYOUT.letter(field)}{row}"


def _dates(findings):
    return [(f.field, f.value, f.severity) for f in findings if f.code == "date-in-value"]


def test_a_date_in_the_baseline_is_reported_by_every_merge_that_still_holds_it(submissions, tmp_path):
    (submissions / "計画.xlsx").unlink()  # no plan: the master keeps the baseline as typed
    _dated(submissions / "商工労働部.xlsx")
    master = tmp_path / "取組状況.xlsx"
    first = merge_files([submissions], master)
    assert _dates(first.report) == [("baseline", "2018/3/31", "warning")]  # once, not twice
    others = [p for p in sorted(submissions.glob("*.xlsx")) if p.name != "商工労働部.xlsx"]
    second = merge_files(others, master)  # 商工労働部's rows come from the master: the text '2018/3/31'
    assert _dates(second.report) == [("baseline", "2018/3/31", "warning")]
    again = validate_files([master]).report
    assert _dates(again) == [("baseline", "2018/3/31", "warning")]
    ws = openpyxl.load_workbook(master)["チェック結果"]
    assert sum(1 for row in ws.iter_rows(values_only=True) if "date-in-value" in row) == 1


def test_with_a_plan_a_date_in_the_baseline_gives_way_to_the_plans_baseline(submissions, tmp_path):
    cell = _dated(submissions / "商工労働部.xlsx")
    master = tmp_path / "取組状況.xlsx"
    first = merge_files([submissions], master)
    assert _dates(first.report) == [("baseline", "2018/3/31", "warning")]
    assert [(f.cell, f.value) for f in first.report if f.code == "plan-value-changed"] == [(cell, "2018/3/31")]
    others = [p for p in sorted(submissions.glob("*.xlsx")) if p.name != "商工労働部.xlsx"]
    second = merge_files(others, master)  # the master holds the plan's 基準値 now: nothing left to report
    assert _dates(second.report) == []


def test_a_date_in_the_current_value_stays_an_error(submissions, tmp_path):
    _dated(submissions / "商工労働部.xlsx", field="current")
    master = tmp_path / "取組状況.xlsx"
    merge_files([submissions], master)
    later = merge_files([p for p in sorted(submissions.glob("*.xlsx")) if p.name != "商工労働部.xlsx"], master)
    assert _dates(later.report) == [("current", "2018/3/31", "error")]
    assert "multiple-values" not in {f.code for f in later.report if f.field == "current" and f.measure_id == "1-15"}


def test_the_add_in_reports_a_date_held_as_text(submissions):
    path = submissions / "商工労働部.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    row = next(r for r in range(LAYOUT.first_data_row, ws.max_row + 1)
               if ws.cell(r, LAYOUT.col("measure_id")).value == "1-15")
    ws.cell(row, LAYOUT.col("baseline")).value = "2018/3/31"
    wb.save(path)
    _, book = remote_book(path)
    result = actions.validate_sheet(book)
    assert _dates(result.findings) == [("baseline", "2018/3/31", "warning")]


@pytest.mark.parametrize(("text", "field", "severity"), [
    ("2018/3/31", "baseline", "warning"), ("2018/3/31", "current", "error"), ("2018/03/31 0:00:00", "current", "error"),
    ("2018-03-31", "target", "error"), ("1/2", "current", "error"), ("1月16日", "current", "error"),
])
def test_a_value_cell_holding_the_text_of_an_excel_date_is_a_finding(text, field, severity):
    values = {"goal_no": "1", "direction_letter": "ア", "measure_id": "1-01", "measure_name": "施策",
              "department": "商工労働部", "kpi_no": "1", "kpi_item": "件数", "baseline": "5件(平成30年度)",
              "target": "30件", "current": "10件", field: text}
    rec = KpiRecord.from_mapping(values, Source("m.xlsx", "取組状況", 9, {field: "G"}))
    found = validate_records([rec]).findings
    assert [(f.field, f.value, f.severity, f.cell) for f in found if f.code == "date-in-value"] == \
        [(field, text, severity, "G9")]
    assert not [f for f in found if f.field == field and f.code in ("multiple-values", "unparseable-value", "missing-value")]


@pytest.mark.parametrize("text", ["令和3年3月31日完了", "2018年度", "30件(2018/3/31時点)", "12/31まで継続"])
def test_dated_texts_written_on_purpose_are_not_taken_for_excel_dates(text):
    values = {"goal_no": "1", "direction_letter": "ア", "measure_id": "1-01", "measure_name": "施策",
              "department": "商工労働部", "kpi_no": "1", "kpi_item": "件数", "baseline": "5件(平成30年度)",
              "target": text, "current": "10件"}
    rec = KpiRecord.from_mapping(values, Source("m.xlsx", "取組状況", 9, {}))
    assert not _dates(validate_records([rec]).findings)
