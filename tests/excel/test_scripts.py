"""Ribbon actions on real workbooks made by the template, through xlwings' remote book."""

import asyncio
import copy
from pathlib import Path

import openpyxl
import pytest
import xlwings as xw
from xlwings import server

from tests.support.remote import apply_actions, remote_book
from xl_kpi.core.errors import InputError
from xl_kpi.excel import actions, desktop, scripts
from xl_kpi.files.reading.reader import read_workbook
from xl_kpi.files.writing.csvio import read_csv_records, sample_csv_path


def run_and_apply(path: Path, action, active=None, *args):
    wb, book = remote_book(path, active)
    result = action(book, *args)
    applied = apply_actions(wb, book.json()["actions"])
    wb.save(path)
    return result, applied


def blank_rates(path: Path, sheet: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    for r in range(5, ws.max_row + 1):
        for c in (10, 12):
            if type(ws.cell(r, c)).__name__ != "MergedCell":
                ws.cell(r, c).value = None
    wb.save(path)


PUBLISHED = {(r.measure_id, r.kpi_no): (r.rate, r.revised_rate) for r in read_csv_records(sample_csv_path())}


def test_compute_rates_fills_both_rate_columns(submissions):
    path = submissions / "商工労働部.xlsx"
    blank_rates(path, "商工労働部")
    result, applied = run_and_apply(path, actions.compute_rates)
    assert result.counts["rates"] == 11 and result.counts["revised"] == 1
    assert set(applied) == {"setValues", "setNumberFormat"}
    recs = read_workbook(path).sheets[0].records
    assert {(r.measure_id, r.kpi_no): (r.rate, r.revised_rate) for r in recs} == \
        {k: v for k, v in PUBLISHED.items() if k in {(r.measure_id, r.kpi_no) for r in recs}}
    ws = openpyxl.load_workbook(path)["商工労働部"]
    assert ws.cell(recs[0].source.row, 10).number_format == "0%"


def test_validate_sheet_colours_cells_and_rewrites_the_findings_sheet(submissions):
    path = submissions / "農林水産部.xlsx"
    result, _ = run_and_apply(path, actions.validate_sheet)
    assert "garbled-value" in [f.code for f in result.findings]
    wb = openpyxl.load_workbook(path)
    ws = wb["農林水産部"]
    garbled = next(f for f in result.findings if f.code == "garbled-value")
    assert ws[garbled.cell].fill.fgColor.rgb.endswith("FFE699")  # warning
    sheet = wb["チェック結果"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("コード", "重要度", "場所") and len(rows) == len(result.findings) + 1
    assert {"garbled-value", "below-baseline"} <= {r[0] for r in rows[1:]}
    # Run again after fixing the cell: its mark is cleared and the sheet rewritten, not appended.
    ws[garbled.cell].value = "39.9ha"
    r2 = next(f for f in result.findings if f.code == "garbled-value" and f.cell != garbled.cell)
    ws[r2.cell].value = "37.5ha"
    wb.active = wb.sheetnames.index("農林水産部")
    wb.save(path)
    result2, _ = run_and_apply(path, actions.validate_sheet)
    wb = openpyxl.load_workbook(path)
    assert "garbled-value" not in [f.code for f in result2.findings]
    assert wb["農林水産部"][garbled.cell].fill.fill_type is None
    assert wb["チェック結果"].max_row == len(result2.findings) + 1


def test_merge_sheets_in_one_workbook(submissions, tmp_path):
    # One workbook holding every department's sheet, as a planning division may receive.
    combined = tmp_path / "all.xlsx"
    out = openpyxl.Workbook()
    out.remove(out.active)
    for p in sorted(submissions.iterdir()):
        src = openpyxl.load_workbook(p).worksheets[0]
        ws = out.create_sheet(src.title)
        for row in src.iter_rows():
            for c in row:
                if type(c).__name__ != "MergedCell":
                    ws.cell(c.row, c.column, c.value).number_format = c.number_format
        for rng in src.merged_cells.ranges:
            ws.merge_cells(str(rng))
    out.save(combined)
    result, _ = run_and_apply(combined, actions.merge_sheets)
    assert "38 行" in result.message
    wb = read_workbook(combined)
    master = next(s for s in wb.sheets if s.is_master)
    got = {(r.measure_id, r.kpi_no): r for r in master.records}
    sample = read_csv_records(sample_csv_path())
    assert len(master.records) == 38
    for r in sample:
        m = got[(r.measure_id, r.kpi_no)]
        for f in ("goal_no", "direction_letter", "measure_name", "department", "measure_content",
                  "kpi_item", "baseline", "target", "current", "rate", "revised_target", "revised_rate"):
            assert getattr(m, f) == getattr(r, f), (r.measure_id, f)
    assert [s.name for s in wb.sheets][0] == "取組状況"
    assert "チェック結果" in openpyxl.load_workbook(combined).sheetnames
    # Merging again replaces the sheet instead of appending.
    run_and_apply(combined, actions.merge_sheets)
    again = next(s for s in read_workbook(combined).sheets if s.is_master)
    assert len(again.records) == 38


def test_new_submission_adds_a_template_sheet(tmp_path):
    from tests.support.hostile import valid
    path = tmp_path / "book.xlsx"
    path.write_bytes(valid())
    result, applied = run_and_apply(path, actions.new_submission, None, "こども未来部")
    assert "こども未来部" in result.message and "addSheet" in applied
    wb = read_workbook(path)
    sheet = next(s for s in wb.sheets if s.name == "こども未来部")
    assert sheet.department == "こども未来部" and sheet.records == []
    result, _ = run_and_apply(path, actions.new_submission, None, "こども未来部")
    assert "こども未来部 (2)" in result.message


def test_an_action_on_a_sheet_that_is_not_the_template_says_so(tmp_path):
    path = tmp_path / "x.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "メモ"
    wb.save(path)
    _, book = remote_book(path)
    with pytest.raises(InputError, match="メモ"):
        actions.compute_rates(book)


@pytest.mark.parametrize("name", scripts.SCRIPTS)
def test_every_script_runs_through_xlwings_server(name, submissions):
    path = submissions / "商工労働部.xlsx"
    wb, book = remote_book(path)
    out = asyncio.run(server.custom_scripts_call(scripts, name, typehint_to_value={xw.Book: book}))
    assert out is book
    apply_actions(wb, book.json()["actions"])
    assert book.json()["actions"]


def test_desktop_dispatch_reaches_every_action(submissions):
    for control_id, (_label, _tip, action) in scripts.RIBBON.items():
        assert action in actions.ACTIONS and hasattr(scripts, action)
        _, book = remote_book(submissions / "環境部.xlsx")
        assert desktop.run(control_id, book).message
    from xl_kpi.core.errors import XlKpiError
    with pytest.raises(XlKpiError, match="btnNope"):
        desktop.run("btnNope", book)


def test_validate_sheet_lists_actionable_findings_first_and_basis_mismatch_as_information(submissions):
    """商工労働部's 13 findings were all basis-mismatch warnings; now they are information, after
    what a clerk must act on, and the 設定 sheet's 指摘の重要度 can make them warnings again."""
    path = submissions / "商工労働部.xlsx"
    result, _ = run_and_apply(path, actions.validate_sheet)
    severities = [f.severity for f in result.findings]
    basis = [f for f in result.findings if f.code == "basis-mismatch"]
    assert basis and {f.severity for f in basis} == {"info"}
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    assert result.counts["warning"] < len(basis)
    wb = openpyxl.load_workbook(path)
    row = next(r for r in wb["設定"].iter_rows() if r[1].value == "basis-mismatch")
    row[2].value = "警告"
    wb.save(path)
    result, _ = run_and_apply(path, actions.validate_sheet)
    assert {f.severity for f in result.findings if f.code == "basis-mismatch"} == {"warning"}


def test_a_number_typed_with_its_unit_in_the_format_is_reported_through_the_add_in(submissions, tmp_path):
    """The Office.js payload carries values only (xlwings-server static/js/custom-scripts: the book
    payload has ``values`` per sheet, no number formats), so a clerk's 1399 formatted
    ``#,##0"人(累計)"`` arrives as 1399: the unit would be lost without a word. The add-in says so."""
    path = submissions / "商工労働部.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["商工労働部"]
    cell = next(c for (c,) in ws.iter_rows(min_row=5, min_col=9, max_col=9)  # I: 令和2年度末時点
                if isinstance(c.value, str) and "人" in c.value)
    cell.value, cell.number_format = 1399, '#,##0"人(累計)"'
    wb.save(path)
    result, _ = run_and_apply(path, actions.validate_sheet)
    unseen = [f for f in result.findings if f.code == "number-format-unseen"]
    assert [(f.cell, f.severity, f.value) for f in unseen] == [(cell.coordinate, "warning", "1399")]
    assert "単位" in unseen[0].message
    # the file path sees the format and keeps the unit: no such finding there
    from xl_kpi.files.run.master import validate_files
    assert "number-format-unseen" not in [f.code for f in validate_files([path]).report.findings]


def test_stamp_submission_writes_japan_time_that_decides_which_submission_is_newer(submissions, tmp_path):
    """提出日時の記入: the 設定 sheet's 提出日時 is what the merge reads first
    (xl_kpi/files/reading/submitted.py); an older file stamped later wins over a newer-looking one."""
    from datetime import datetime, timezone

    from xl_kpi.files.run.master import merge_files

    old, new = tmp_path / "a" / "環境部.xlsx", tmp_path / "b" / "環境部.xlsx"
    for p in (old, new):
        p.parent.mkdir()
        p.write_bytes((submissions / "環境部.xlsx").read_bytes())
    wb = openpyxl.load_workbook(new)
    ws = wb["環境部"]
    target = next(c for (c,) in ws.iter_rows(min_row=5, min_col=9, max_col=9) if isinstance(c.value, str) and c.value)
    target.value = "999件"
    wb.save(new)
    for path, when in ((old, datetime(2021, 5, 10, 0, 30, tzinfo=timezone.utc)),
                       (new, datetime(2021, 5, 11, 0, 30, tzinfo=timezone.utc))):
        result, _ = run_and_apply(path, lambda book, when=when: actions.stamp_submission(book, when), active="設定")
        assert "提出日時" in result.message and "保存" in result.message
    assert openpyxl.load_workbook(new)["設定"]["B6"].value == "2021-05-11T09:30:00+09:00"  # Japan time
    master = tmp_path / "取組状況.xlsx"
    merge_files([old, new], master)
    from xl_kpi.files.reading.reader import read_workbook
    rows = next(s for s in read_workbook(master).sheets if s.is_master).records
    assert "999件" in [r.current for r in rows]
    # stamped the other way round, the other file wins
    run_and_apply(old, lambda book: actions.stamp_submission(book, datetime(2021, 5, 12, tzinfo=timezone.utc)),
                  active="設定")
    merge_files([old, new], master)
    rows = next(s for s in read_workbook(master).sheets if s.is_master).records
    assert "999件" not in [r.current for r in rows]


def test_stamp_submission_without_the_settings_row_says_what_to_do(submissions):
    path = submissions / "環境部.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["設定"]["A6"].value = None
    wb.save(path)
    with pytest.raises(InputError, match="提出日時"):
        run_and_apply(path, actions.stamp_submission)


@pytest.mark.parametrize("numbers_as_text", [False, True])  # True: rows of texts only, the reader's fast path
@pytest.mark.parametrize("script", ["validate_sheet", "compute_rates"])
def test_empty_cells_sent_as_empty_text_act_as_blank_cells(submissions, script, numbers_as_text):
    """Office.js gives an empty cell as "" in Range.values (Excel.EmptyCellValue.basicValue: '""',
    learn.microsoft.com/javascript/api/excel/excel.emptycellvalue; "Empty strings in responses
    indicate cells contain no data", learn.microsoft.com/office/dev/add-ins/excel/
    excel-add-ins-blank-null-values) and xlwings' own client sends it so; the task pane sends
    null. Both payloads read the same."""
    from tests.support.remote import payload_from_wb

    wb = openpyxl.load_workbook(submissions / "農林水産部.xlsx")
    with_null = payload_from_wb(wb, "農林水産部.xlsx", "農林水産部")
    if numbers_as_text:
        for sheet in with_null["sheets"]:
            sheet["values"] = [[v if v is None or isinstance(v, str) else str(v) for v in row] for row in sheet["values"]]
    with_text = copy.deepcopy(with_null)  # a remote book changes its payload as it acts
    for sheet in with_text["sheets"]:
        sheet["values"] = [["" if v is None else v for v in row] for row in sheet["values"]]
    assert any("" in row for row in with_text["sheets"][0]["values"])
    answers = []
    for data in (with_null, with_text):
        book = xw.Book(json=data)
        result = getattr(actions, script)(book)
        answers.append((result.to_dict(), book.json()["actions"]))
    assert answers[0] == answers[1]
    assert answers[0][0]["counts"]


def _one_book(submissions, path, skip=()):
    """Every department's sheet (and the plan's 「計画」 unless skipped) copied into one workbook."""
    out = openpyxl.Workbook()
    out.remove(out.active)
    for p in sorted(submissions.iterdir()):
        src = openpyxl.load_workbook(p).worksheets[0]
        if src.title in skip:
            continue
        ws = out.create_sheet(src.title)
        for row in src.iter_rows():
            for c in row:
                if type(c).__name__ != "MergedCell":
                    ws.cell(c.row, c.column, c.value)
        for rng in src.merged_cells.ranges:
            ws.merge_cells(str(rng))
    out.save(path)
    return path


def test_merge_sheets_keeps_the_plans_kpis_of_a_department_without_a_sheet(submissions, tmp_path):
    book = _one_book(submissions, tmp_path / "all.xlsx", skip=("福祉保健部",))
    result, _ = run_and_apply(book, actions.merge_sheets)
    master = next(s for s in read_workbook(book).sheets if s.is_master)
    missing = [r for r in master.records if r.department == "福祉保健部" and r.kpi_no]
    assert missing and {r.current for r in missing} == {"未提出"}
    assert len(master.records) == 38
    (f,) = [f for f in result.findings if f.code == "not-submitted"]
    assert f.value == "福祉保健部" and f.severity == "error"


def test_merge_sheets_without_a_plan_writes_the_plan_it_made(submissions, tmp_path):
    book = _one_book(submissions, tmp_path / "all.xlsx", skip=("計画",))
    run_and_apply(book, actions.merge_sheets)
    wb = read_workbook(book)
    register, problems = wb.register()
    assert problems == [] and register is not None and len(register) == 38
    run_and_apply(book, actions.merge_sheets)  # the second run reconciles with the written plan
    assert len(next(s for s in read_workbook(book).sheets if s.is_master).records) == 38
