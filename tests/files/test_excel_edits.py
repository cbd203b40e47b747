"""Submissions edited the way department staff edit them in Excel: each edit lands in the master
as the clerk sees it, or is reported (issue 11). Every workbook here is one of the sample's own
submissions (the ``submissions`` fixture, written by ``xl-kpi import-csv``) edited with openpyxl
or in its zip's XML, as Excel leaves files: typed numbers with number formats, dates Excel made
of typed text, unmerged cells, sheet copies, comments, saved-at times in docProps/core.xml.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment

from tests.support import hostile
from xl_kpi.cli import main
from xl_kpi.files.layout import LAYOUT, Settings
from xl_kpi.files.reading.reader import read_workbook
from xl_kpi.files.run.master import export_csv, merge_files, validate_files, validate_inputs
from xl_kpi.files.writing.template import build_template


def edit(path: Path, fn) -> Path:
    wb = openpyxl.load_workbook(path)
    fn(wb)
    wb.save(path)
    return path


def row_of(ws, measure_id: str) -> int:
    return next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == measure_id)


def master_rows(master: Path):
    return next(s for s in read_workbook(master).sheets if s.is_master).records


def by_code(report, code):
    return [f for f in report if f.code == code]


# --- cells as Excel displays them -----------------------------------------------------------------

def test_a_number_typed_with_its_unit_in_the_number_format_keeps_the_unit(submissions, tmp_path):
    """1-15: the clerk types 1399 and formats the cell #,##0"人(累計)" — Excel shows 1,399人(累計)."""
    def change(wb):
        ws = wb["商工労働部"]
        r = row_of(ws, "1-15")
        for col, value in ((8, 10000), (9, 1399)):
            ws.cell(r, col).value = value
            ws.cell(r, col).number_format = '#,##0"人(累計)"'
    edit(submissions / "商工労働部.xlsx", change)
    master = tmp_path / "m.xlsx"
    out = merge_files([submissions], master)
    rec = next(r for r in master_rows(master) if r.measure_id == "1-15")
    assert (rec.target, rec.current, rec.rate) == ("10,000人(累計)", "1,399人(累計)", "14%")
    assert not [f for f in out.report if f.measure_id == "1-15" and f.code == "unit-mismatch"]


def test_decimals_and_a_unit_in_the_number_format(submissions, tmp_path):
    def change(wb):
        ws = wb["商工労働部"]
        r = row_of(ws, "1-16")
        ws.cell(r, 9).value = 14.0
        ws.cell(r, 9).number_format = '0.0"件(累計)"'
        ws.cell(r, 8).value = 75
        ws.cell(r, 8).number_format = '0"件(累計)"'
    edit(submissions / "商工労働部.xlsx", change)
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    rec = next(r for r in master_rows(master) if r.measure_id == "1-16")
    assert (rec.current, rec.target, rec.rate) == ("14.0件(累計)", "75件(累計)", "19%")


def test_a_number_the_format_rounds_is_shown_as_formatted_with_an_info(submissions):
    def change(wb):
        ws = wb["農林水産部"]
        r = row_of(ws, "1-08")
        ws.cell(r, 9).value = 37.46
        ws.cell(r, 9).number_format = '0.0"ha"'
    p = edit(submissions / "農林水産部.xlsx", change)
    rounded = by_code(validate_files([p]).report, "rounded-display")
    assert [(f.field, f.value, f.severity) for f in rounded] == [("current", "37.5ha", "info")]
    assert "37.46" in rounded[0].message and "達成率は数値 37.46 から計算" in rounded[0].message
    assert next(r for r in read_workbook(p).sheets[0].records if r.measure_id == "1-08").current == "37.5ha"


# 1-15 typed as numbers in #,##0"人(累計)": the plan's target 10,000 and current 4949.6, shown
# 10,000人(累計) and 4,950人(累計). The typed numbers give 4949.6 ÷ 10000 = 49.496 % → 49 % (grade D);
# the shown text would give 4,950 ÷ 10,000 = 49.5 % → 50 % (grade C). Excel's own =I/H gives 49 %.
COUNT_FORMAT = '#,##0"人(累計)"'


def _type_numbers_at_a_rounding_boundary(wb):
    ws = wb["商工労働部"]
    r = row_of(ws, "1-15")
    for col, value in ((8, 10000), (9, 4949.6)):
        ws.cell(r, col).value = value
        ws.cell(r, col).number_format = COUNT_FORMAT
    ws.cell(r, 10).value = 0.49  # the 達成率 the clerk's Excel shows (a 0% cell)


def master_cell(master: Path, measure_id: str, col: int):
    ws = openpyxl.load_workbook(master)["取組状況"]
    return ws.cell(row_of(ws, measure_id), col)


def test_the_rate_comes_from_the_typed_number_and_the_master_keeps_the_shown_text(submissions, tmp_path):
    p = edit(submissions / "商工労働部.xlsx", _type_numbers_at_a_rounding_boundary)
    report = validate_files([p]).report
    assert [(f.field, f.value) for f in by_code(report, "rounded-display")] == [("current", "4,950人(累計)")]
    assert not [f for f in report if f.measure_id == "1-15" and f.code == "rate-mismatch"]
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    rec = next(r for r in master_rows(master) if r.measure_id == "1-15")
    assert (rec.target, rec.current, rec.rate) == ("10,000人(累計)", "4,950人(累計)", "49%")
    # The master holds the number in the clerk's format: Excel shows the text the clerk saw.
    current, target = master_cell(master, "1-15", 9), master_cell(master, "1-15", 8)
    assert (current.data_type, current.value, current.number_format) == ("n", 4949.6, COUNT_FORMAT)
    assert (target.data_type, target.value, target.number_format) == ("n", 10000, COUNT_FORMAT)
    assert master_cell(master, "1-15", 10).value == pytest.approx(4949.6 / 10000)
    row = next(r for r in csv.DictReader(io.StringIO(export_csv(master, None))) if r["measure_id"] == "1-15")
    assert (row["target"], row["current"], row["rate"]) == ("10,000人(累計)", "4,950人(累計)", "49%")


def test_a_typed_number_survives_later_merges_unchanged(submissions, tmp_path):
    edit(submissions / "商工労働部.xlsx", _type_numbers_at_a_rounding_boundary)
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    before = master.read_bytes()
    assert not merge_files([submissions], master).changed and master.read_bytes() == before
    # 環境部 submits again: 商工労働部's rows now come from the master itself.
    env = tmp_path / "new" / "環境部.xlsx"
    env.parent.mkdir()
    shutil.copy(submissions / "環境部.xlsx", env)

    def new_progress(wb):
        ws = wb["環境部"]
        ws.cell(row_of(ws, "1-06"), LAYOUT.col("progress")).value = "新たな販路を開拓した。"
    edit(env, new_progress)
    later = datetime.now().timestamp() + 60
    os.utime(env, (later, later))
    out = merge_files([env], master)
    assert out.changed and out.report.counts()["error"] == 0
    rec = next(r for r in master_rows(master) if r.measure_id == "1-15")
    assert (rec.current, rec.rate) == ("4,950人(累計)", "49%")
    current = master_cell(master, "1-15", 9)
    assert (current.value, current.number_format) == (4949.6, COUNT_FORMAT)


# Numbers typed in the number formats clerks use (measure, field, number, format), each shown as
# Microsoft's format-code guide says (see tests/files/test_numfmt.py).
TYPED = (
    ("1-01", "current", 1, '0.0"件(累計)"'),              # 1.0件(累計)
    ("1-02", "target", 175, '0"件(累計)"'),                 # 175件(累計), the plan's target
    ("1-02", "current", 0.0913, "0.0%"),                  # 9.1%
    ("1-17", "target", 4000, COUNT_FORMAT),               # 4,000人(累計)
    ("1-17", "current", 447, COUNT_FORMAT),               # 447人(累計)
    ("2-05", "current", 1875.4, '#,##0"人"'),             # 1,875人
    ("2-06", "target", 158000, '#,##0,"千人"'),            # 158千人
    ("2-06", "current", 16354, '#,##0,"千人"'),            # 16千人
    ("2-08", "current", 168110, '#,##0"個(累計)";"△"#,##0"個(累計)"'),
    ("2-08", "target", 165000, '#,##0"個(累計)"'),          # 165,000個(累計)
)


def _type_in_many_formats(wb):
    ws = wb["商工労働部"]
    for measure_id, name, value, fmt in TYPED:
        cell = ws.cell(row_of(ws, measure_id), LAYOUT.col(name))
        cell.value, cell.number_format = value, fmt


def test_typed_numbers_in_any_format_reach_the_master_as_numbers_showing_the_same_text(submissions, tmp_path):
    p = edit(submissions / "商工労働部.xlsx", _type_in_many_formats)
    shown = {r.measure_id: r for r in read_workbook(p).sheets[0].records if r.measure_id}
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    merged = {r.measure_id: r for r in master_rows(master)}
    exported = {r["measure_id"]: r for r in csv.DictReader(io.StringIO(export_csv(master, None)))}
    for measure_id, name, value, fmt in TYPED:
        text = getattr(shown[measure_id], name)
        cell = master_cell(master, measure_id, LAYOUT.col(name))
        assert (cell.data_type, cell.value, cell.number_format) == ("n", value, fmt), (measure_id, name)
        assert getattr(merged[measure_id], name) == exported[measure_id][name] == text, (measure_id, name)
    assert (shown["1-02"].current, shown["2-06"].current, merged["2-06"].rate) == ("9.1%", "16千人", "10%")
    before = master.read_bytes()
    assert not merge_files([submissions], master).changed and master.read_bytes() == before


def test_a_heading_typed_without_its_number_is_an_error(submissions):
    def change(wb):
        ws = wb["商工労働部"]
        ws["A5"] = "【基本目標】産業活力の向上"
    report = validate_files([edit(submissions / "商工労働部.xlsx", change)]).report
    f = next(x for x in report if x.code == "invalid-section")
    assert (f.cell, f.severity) == ("A5", "error") and "【基本目標1】" in f.message
    assert "missing-section" in report.codes()


def test_a_date_in_the_baseline_is_reported_with_what_to_type_and_the_rate_stays(submissions, tmp_path):
    """Excel turns 「2018/3/31」 typed into 基準値 into a date (format yyyy/m/d)."""
    def change(wb):
        ws = wb["商工労働部"]
        r = row_of(ws, "1-15")
        ws.cell(r, 7).value = datetime(2018, 3, 31)
        ws.cell(r, 7).number_format = "yyyy/m/d"
    p = edit(submissions / "商工労働部.xlsx", change)
    report = validate_files([p]).report
    dates = by_code(report, "date-in-value")
    assert [(f.cell[:1], f.value, f.severity) for f in dates] == [("G", "2018/3/31", "warning")]
    assert "'" in dates[0].message and "6件(平成30年度)" in dates[0].message
    assert not [f for f in report if f.cell == dates[0].cell and f.code == "multiple-values"]
    master = tmp_path / "m.xlsx"
    out = merge_files([submissions], master)
    rec = next(r for r in master_rows(master) if r.measure_id == "1-15")
    # the plan's 基準値 stays in the master, and the merge says so at the cell
    assert (rec.baseline, rec.rate) == ("1,943人(平成30年度)", "14%")
    (changed,) = [f for f in out.report if f.code == "plan-value-changed"]
    assert (changed.cell, changed.value) == (dates[0].cell, "2018/3/31")
    assert "date-in-value" in out.report.codes()


def test_a_measure_number_excel_made_a_date_and_a_gannen_date(submissions):
    """Typing 1-15 gives a date (m"月"d"日"); 令和元年5月1日 gives [$-ja-JP-x-gannen]ggge"年"m"月"d"日"."""
    def change(wb):
        ws = wb["商工労働部"]
        r = row_of(ws, "1-16")
        ws.cell(r, 1).value = datetime(2026, 1, 16)
        ws.cell(r, 1).number_format = 'm"月"d"日"'
        ws.cell(r, 9).value = datetime(2019, 5, 1)
        ws.cell(r, 9).number_format = '[$-ja-JP-x-gannen]ggge"年"m"月"d"日";@'
    report = validate_files([edit(submissions / "商工労働部.xlsx", change)]).report
    dates = {f.field: (f.value, f.severity) for f in by_code(report, "date-in-value")}
    assert dates == {"measure_id": ("1月16日", "error"), "current": ("令和元年5月1日", "error")}
    assert "'1-01" in next(f for f in report if f.field == "measure_id" and f.code == "date-in-value").message


# --- one department, one sheet --------------------------------------------------------------------

def test_an_old_copy_of_the_sheet_is_an_error_and_neither_sheet_is_merged(submissions, tmp_path):
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    before = {r.measure_id: r.current for r in master_rows(master) if r.submitted_by == "商工労働部"}

    def change(wb):
        ws = wb["商工労働部"]
        copy = wb.copy_worksheet(ws)
        copy.title = "商工労働部 (2)"  # the name Excel gives a copy
        ws.cell(row_of(ws, "1-15"), 9).value = "2,000 人(累計)"  # the original corrected
    p = edit(submissions / "商工労働部.xlsx", change)
    report = validate_files([p]).report
    dup = by_code(report, "duplicate-department-sheet")
    assert {f.sheet for f in dup} == {"商工労働部", "商工労働部 (2)"} and all(f.severity == "error" for f in dup)
    assert "「商工労働部」" in dup[0].message and "「商工労働部 (2)」" in dup[0].message
    assert main(["merge", str(submissions), "-o", str(master)]) == 1
    after = {r.measure_id: r.current for r in master_rows(master) if r.submitted_by == "商工労働部"}
    assert after == before  # neither sheet taken: the department's rows are as they were


# --- every input is accounted for -----------------------------------------------------------------

def _foreign_files(folder: Path) -> None:
    (folder / "商工労働部.xls").write_bytes(hostile.legacy_xls())
    with zipfile.ZipFile(folder / "環境部.ods", "w") as zf:  # an OpenDocument package (ODF 1.2 §3.3)
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    (folder / "一覧.csv").write_text("施策番号,施策\n1-01,x\n", encoding="utf-8")


def test_a_folder_with_xls_ods_csv_subfolders_and_owner_files(submissions, tmp_path, capsys):
    _foreign_files(submissions)
    (submissions / "~$企画管理部.xlsx").write_bytes(b"\x00" * 165)
    (submissions / "old").mkdir()
    shutil.copy(submissions / "環境部.xlsx", submissions / "old" / "環境部.xlsx")
    master = tmp_path / "m.xlsx"
    assert main(["validate", str(submissions), "--format", "json"]) == 2
    assert main(["merge", str(submissions), "-o", str(master)]) == 2
    err = capsys.readouterr().err
    for name, code in (("商工労働部.xls", "legacy-xls"), ("環境部.ods", "not-xlsx"), ("一覧.csv", "not-xlsx")):
        assert name in err and code in err
    assert ".ods" in err and not master.exists()
    assert main(["merge", str(submissions), "-o", str(master), "--skip-invalid", "--format", "json"]) == 0
    import json
    data = json.loads(capsys.readouterr().out)
    assert {(f["file"], f["severity"]) for f in data["skipped"]} == {
        ("商工労働部.xls", "warning"), ("環境部.ods", "warning"), ("一覧.csv", "warning")}
    assert {s["time_source"] for s in data["submissions"]} == {"ファイルの更新日時"}  # never saved since import-csv
    notes = {(f["code"], f["file"], f["severity"]) for f in data["findings"]}
    assert ("ignored-file", "~$企画管理部.xlsx", "info") in notes
    assert ("subfolder-not-read", "old", "warning") in notes


def test_an_empty_folder_is_refused_and_no_master_written(tmp_path, capsys):
    empty = tmp_path / "提出"
    empty.mkdir()
    (empty / "~$商工労働部.xlsx").write_bytes(b"\x00" * 165)
    master = tmp_path / "m.xlsx"
    (tmp_path / "only").mkdir()
    (tmp_path / "only" / "商工労働部.xls").write_bytes(hostile.legacy_xls())
    assert main(["merge", str(tmp_path / "only"), "-o", str(master), "--skip-invalid"]) == 2
    assert "商工労働部.xls" in capsys.readouterr().err and not master.exists()
    assert main(["validate", str(empty)]) == 2
    assert main(["merge", str(empty), "-o", str(master)]) == 2
    assert "提出ブックがありません" in capsys.readouterr().err and not master.exists()


def test_restore_of_a_master_without_backups_says_so(tmp_path, capsys):
    master = tmp_path / "m.xlsx"
    master.write_bytes(b"x")
    assert main(["restore", str(master), "--list"]) == 0
    assert "バックアップはありません" in capsys.readouterr().err
    assert main(["restore", str(master), "--latest"]) == 2  # restore needs --latest or --backup N
    assert "バックアップがありません" in capsys.readouterr().err


# --- measure cells carry down ---------------------------------------------------------------------

def _unmerge_measure(wb):
    """Excel's 「セル結合の解除」 keeps the value in the top cell and leaves the others empty."""
    ws = wb["商工労働部"]
    r = row_of(ws, "1-14")
    for col in "ABCD":
        ws.unmerge_cells(f"{col}{r}:{col}{r + 1}")
    return r


def test_unmerged_measure_cells_carry_down_with_an_info(submissions, tmp_path):
    rows = {}
    edit(submissions / "商工労働部.xlsx", lambda wb: rows.setdefault("r", _unmerge_measure(wb)))
    report = validate_files([submissions / "商工労働部.xlsx"]).report
    carried = by_code(report, "measure-carried-down")
    assert [(f.cell, f.value, f.severity) for f in carried] == [(f"A{rows['r'] + 1}", "1-14", "info")]
    assert report.valid
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    kpis = [(r.measure_id, r.measure_name, r.department, r.kpi_no)
            for r in master_rows(master) if r.kpi_item.startswith(("①誘致", "②設備"))]
    assert kpis == [("1-14", "企業誘致・企業立地の奨励", "商工労働部", "1"),
                    ("1-14", "企業誘致・企業立地の奨励", "商工労働部", "2")]


def test_a_kpi_whose_measure_cannot_be_told_is_an_error_and_never_in_the_master(submissions, tmp_path):
    def change(wb):
        r = _unmerge_measure(wb)
        ws = wb["商工労働部"]
        ws.cell(r + 1, 2).value = "別の施策"  # 施策 filled, 施策番号 left empty
        ws.cell(r + 1, 3).value = "商工労働部"
    edit(submissions / "商工労働部.xlsx", change)
    report = validate_files([submissions / "商工労働部.xlsx"]).report
    missing = [f for f in report if f.code == "missing-value" and f.field == "measure_id"]
    assert len(missing) == 1 and missing[0].cell.startswith("A") and missing[0].severity == "error"
    master = tmp_path / "m.xlsx"
    assert main(["merge", str(submissions), "-o", str(master)]) == 1
    assert all(r.measure_id for r in master_rows(master) if r.has_kpi)


# --- departments ----------------------------------------------------------------------------------

def test_a_changed_department_label_is_an_error_per_row(submissions):
    p = edit(submissions / "商工労働部.xlsx", lambda wb: wb["商工労働部"].__setitem__("A2", "部署: 環境部"))
    report = validate_files([p]).report
    mism = by_code(report, "department-mismatch")
    assert len(mism) == 11 and all(f.cell.startswith("C") and f.severity == "error" for f in mism)
    assert "環境部" in mism[0].message and "商工労働部" in mism[0].message


def test_a_near_miss_department_suggests_the_right_name_and_lists_them(submissions):
    def change(wb):
        ws = wb["商工労働部"]
        ws.cell(row_of(ws, "1-15"), 3).value = "商工労働局"
    report = validate_files([edit(submissions / "商工労働部.xlsx", change)]).report
    f = next(x for x in report if x.code == "unknown-department")
    assert f.severity == "warning" and "「商工労働部」の誤り" in f.message
    assert "設定シートの部署一覧: " in f.message and "教育委員会" in f.message


# --- sections -------------------------------------------------------------------------------------

def _blank_template_filled(tmp_path: Path, submissions: Path) -> Path:
    """The official template for 商工労働部, its example heading rows typed over with two KPI rows:
    no heading rows above them."""
    p = tmp_path / "in" / "商工労働部.xlsx"
    p.parent.mkdir()
    p.write_bytes(build_template(Settings(year=2020), "商工労働部"))
    src = openpyxl.load_workbook(submissions / "商工労働部.xlsx")["商工労働部"]
    r0 = row_of(src, "1-01")

    def change(wb):
        ws = wb["商工労働部"]
        for rng in [r for r in ws.merged_cells.ranges if r.min_row in (5, 6)]:
            ws.unmerge_cells(str(rng))  # the example 【基本目標】/【基本的方向】 rows
        for i, r in enumerate((r0, r0 + 1)):
            for c in range(1, 21):
                ws.cell(5 + i, c).value = src.cell(r, c).value
    return edit(p, change)


def test_rows_without_sections_are_an_error_and_the_master_reads_back(submissions, tmp_path):
    p = _blank_template_filled(tmp_path, submissions)
    report = validate_files([p]).report
    assert [(f.cell, f.severity) for f in by_code(report, "missing-section")] == [("A5", "error"), ("A6", "error")]
    master = tmp_path / "m.xlsx"
    assert main(["merge", str(p.parent), "-o", str(master)]) == 1
    ws = openpyxl.load_workbook(master)["取組状況"]
    assert ws["A5"].value == "【基本目標（未記入）】" and ws["A6"].value == "【基本的方向：（未記入）】"
    assert [r.measure_id for r in master_rows(master)] == ["1-01", "1-02"]
    again = merge_files([p.parent], master)
    assert not again.changed and len(again.records) == 2  # no junk rows, ever


def test_a_master_holding_junk_section_rows_is_repaired_with_a_finding(submissions, tmp_path):
    """Older versions wrote 「【基本目標】」 headings, then read them back as data rows."""
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)

    def junk(wb):
        ws = wb["取組状況"]
        last = ws.max_row
        for k, text in enumerate(("【基本目標】", "【基本的方向：】")):
            for c in range(1, 26):
                ws.cell(last + 1 + k, c).value = text
    edit(master, junk)
    out = merge_files([submissions], master)
    assert len(out.records) == 38 and not [r for r in out.records if r.measure_id.startswith("【")]
    fixed = by_code(out.report, "invalid-section")
    assert len(fixed) == 2 and {f.file for f in fixed} == {"m.xlsx"} and fixed[0].severity == "warning"
    assert not [r for r in master_rows(master) if r.measure_id.startswith("【")]


# --- which submission is newer --------------------------------------------------------------------

def _saved_at(path: Path, when: str) -> None:
    """Set docProps/core.xml's dcterms:modified, as Excel writes it on save (W3CDTF, UTC)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + when.encode() + rb"\g<2>", data)
            dst.writestr(item, data)
    tmp.replace(path)


def _old_and_corrected(submissions: Path, tmp_path: Path) -> tuple[Path, Path]:
    old = tmp_path / "in" / "環境部_修正前.xlsx"
    new = tmp_path / "in" / "環境部.xlsx"
    old.parent.mkdir()
    shutil.copy(submissions / "環境部.xlsx", old)
    shutil.copy(submissions / "環境部.xlsx", new)
    edit(new, lambda wb: wb["環境部"].__setitem__(f"I{row_of(wb['環境部'], '1-06')}", "130商品(累計)"))
    edit(old, lambda wb: wb["環境部"].__setitem__("T1", "旧"))
    _saved_at(old, "2021-05-01T01:00:00Z")
    _saved_at(new, "2021-05-10T01:00:00Z")
    os.utime(new, (1_600_000_000, 1_600_000_000))  # file times the wrong way round (copied back)
    os.utime(old, (1_700_000_000, 1_700_000_000))
    return old, new


def test_the_corrected_file_wins_by_its_saved_time_reported_as_a_warning(submissions, tmp_path):
    old, new = _old_and_corrected(submissions, tmp_path)
    out = merge_files([old.parent], tmp_path / "m.xlsx")
    assert next(r for r in out.records if r.measure_id == "1-06").current == "130商品(累計)"
    f = next(x for x in out.report if x.code == "superseded-submission")
    assert f.severity == "warning" and f.file == old.name
    assert old.name in f.message and new.name in f.message
    assert "2021-05-01" in f.message and "2021-05-10" in f.message and "最終保存日時" in f.message


def test_the_submitted_time_in_settings_comes_first(submissions, tmp_path):
    old, new = _old_and_corrected(submissions, tmp_path)
    edit(old, lambda wb: wb["設定"].__setitem__("B6", datetime(2021, 6, 1, 9, 0)))
    out = merge_files([old.parent], tmp_path / "m.xlsx")
    assert next(r for r in out.records if r.measure_id == "1-06").current != "130商品(累計)"
    assert "設定の提出日時" in next(x for x in out.report if x.code == "superseded-submission").message


def test_two_different_submissions_with_the_same_time_take_neither(submissions, tmp_path):
    old, new = _old_and_corrected(submissions, tmp_path)
    _saved_at(old, "2021-05-10T01:00:00Z")
    out = merge_files([old.parent], tmp_path / "m.xlsx")
    order = by_code(out.report, "submission-order")
    assert {f.file for f in order} == {old.name, new.name} and order[0].severity == "error"
    assert not [r for r in out.records if r.submitted_by == "環境部"]


def test_the_template_has_a_submitted_time_row(tmp_path):
    ws = openpyxl.load_workbook(Path(__file__).resolve().parents[2] / "templates" / "取組状況_様式.xlsx")["設定"]
    assert ws["A6"].value == "提出日時" and ws["B6"].value is None


# --- comments -------------------------------------------------------------------------------------

def test_cell_comments_are_listed_as_info(submissions):
    def change(wb):
        ws = wb["商工労働部"]
        ws.cell(row_of(ws, "1-15"), 9).comment = Comment("速報値です。6月に確定します。", "山田")
    report = validate_files([edit(submissions / "商工労働部.xlsx", change)]).report
    c = by_code(report, "cell-comment")
    assert [(x.field, x.value, x.severity) for x in c] == [("current", "速報値です。6月に確定します。", "info")]
    assert "山田" in c[0].message and c[0].cell.startswith("I")


def test_a_comment_libreoffice_saved_without_an_author_has_no_empty_parentheses(submissions):
    """LibreOffice writes a comment whose author it does not know as ``<author> </author>``."""
    p = submissions / "商工労働部.xlsx"
    edit(p, lambda wb: setattr(wb["商工労働部"].cell(row_of(wb["商工労働部"], "1-15"), 9), "comment",
                               Comment("速報値", "")))
    _rewrite_part(p, "xl/comments/comment1.xml", lambda xml: xml.replace(b"<author></author>", b"<author> </author>"))
    [c] = by_code(validate_files([p]).report, "cell-comment")
    assert "（作成者不明）" in c.message and "（ ）" not in c.message and "（）" not in c.message, c.message


def _rewrite_part(path: Path, name: str, change) -> None:
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        assert name in src.namelist()
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, change(data) if item.filename == name else data)
    tmp.replace(path)


def test_rounded_display_and_cell_comment_rows_of_the_findings_sheet_name_the_kpi_of_their_row(submissions, tmp_path):
    def change(wb):
        _type_numbers_at_a_rounding_boundary(wb)
        ws = wb["商工労働部"]
        ws.cell(row_of(ws, "1-15"), 9).comment = Comment("速報値", "山田")
    edit(submissions / "商工労働部.xlsx", change)
    kpi_no = next(r.kpi_no for r in read_workbook(submissions / "商工労働部.xlsx").sheets[0].records
                  if r.measure_id == "1-15")
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    ws = openpyxl.load_workbook(master)["チェック結果"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2)]
    named = {(r["コード"], r["施策番号"], r["KPI"]) for r in rows if r["コード"] in ("rounded-display", "cell-comment")}
    assert kpi_no and named == {("rounded-display", "1-15", kpi_no), ("cell-comment", "1-15", kpi_no)}


def _add_threaded_comment(path: Path, cell: str, text: str) -> None:
    """What Excel 365 writes for a threaded comment ([MS-XLSX] 2.1.17, 2.6.205): a threaded
    comments part related from the sheet, beside the legacy note with its placeholder text."""
    tc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<ThreadedComments '
          'xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" '
          'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          f'<threadedComment ref="{cell}" dT="2021-05-10T10:00:00.00" personId="{{0A1B}}" id="{{1C2D}}">'
          f'<text>{text}</text></threadedComment></ThreadedComments>').encode()
    rel = (b'<Relationship Id="rIdTc1" Type="http://schemas.microsoft.com/office/2017/10/relationships/'
           b'threadedComment" Target="../threadedComments/threadedComment1.xml"/>')
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/_rels/sheet1.xml.rels":
                data = data.replace(b"</Relationships>", rel + b"</Relationships>")
            dst.writestr(item, data)
        dst.writestr("xl/threadedComments/threadedComment1.xml", tc)
    tmp.replace(path)


def test_threaded_comments_are_listed_with_their_text_not_the_placeholder(submissions):
    placeholder = ("[Threaded comment]\n\nYour version of Excel allows you to read this threaded comment; "
                   "however, any edits to it will get removed if the file is opened in a newer version of "
                   "Excel. Learn more: https://go.microsoft.com/fwlink/?linkid=870924\n\nComment:\n    確定値は6月")
    p = submissions / "商工労働部.xlsx"
    cell = {}

    def change(wb):
        ws = wb["商工労働部"]
        cell["c"] = f"I{row_of(ws, '1-16')}"
        ws[cell["c"]].comment = Comment(placeholder, "tc={1C2D}")
    edit(p, change)
    _add_threaded_comment(p, cell["c"], "確定値は6月")
    c = by_code(validate_files([p]).report, "cell-comment")
    assert [(x.cell, x.value) for x in c] == [(cell["c"], "確定値は6月")]


def test_a_missing_department_label_and_one_outside_the_list(submissions):
    p = edit(submissions / "商工労働部.xlsx", lambda wb: wb["商工労働部"].__setitem__("A2", None))
    wb = read_workbook(p)
    f = next(x for x in validate_files([p]).report if x.code == "missing-department-label")
    assert (f.cell, f.value, f.severity) == ("A2", "商工労働部", "warning")
    assert wb.sheets[0].department == "商工労働部" and {r.submitted_by for r in wb.sheets[0].records} == {"商工労働部"}
    edit(p, lambda wb: wb["商工労働部"].__setitem__("A2", "部署: 商工労働局"))
    report = validate_files([p]).report
    label = next(x for x in report if x.code == "unknown-department" and x.cell == "A2")
    assert "「商工労働部」の誤り" in label.message


# --- exit codes -----------------------------------------------------------------------------------

def test_merge_exit_codes(submissions, tmp_path, capsys):
    master = tmp_path / "m.xlsx"
    assert main(["merge", str(submissions), "-o", str(master)]) == 0
    edit(submissions / "商工労働部.xlsx", lambda wb: wb["商工労働部"].__setitem__("A2", "部署: 環境部"))
    assert main(["merge", str(submissions), "-o", str(master)]) == 1
    assert "department-mismatch" in capsys.readouterr().out
    merged = master.read_bytes()
    (submissions / "企画管理部.xls").write_bytes(hostile.legacy_xls())
    assert main(["merge", str(submissions), "-o", str(master)]) == 2
    assert master.read_bytes() == merged


def test_validate_inputs_lists_what_it_did_not_read(submissions):
    (submissions / "~$環境部.xlsx").write_bytes(b"\x00")
    report = validate_inputs([submissions]).report
    assert ("ignored-file", "~$環境部.xlsx") in {(f.code, f.file) for f in report}
