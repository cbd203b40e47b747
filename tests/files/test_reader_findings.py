"""Workbook-level findings: each points at file, sheet and cell."""

import openpyxl
import pytest

from xl_kpi.core.errors import FileError
from xl_kpi.files.reading.reader import cell_text, read_workbook
from xl_kpi.files.run.master import validate_files


def edit(path, fn):
    wb = openpyxl.load_workbook(path)
    fn(wb)
    wb.save(path)
    return path


def row_of(ws, measure_id):
    return next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == measure_id)


def findings(path):
    return validate_files([path]).report


def test_another_template_version_is_an_error_at_its_settings_cell(submissions):
    p = edit(submissions / "環境部.xlsx", lambda wb: wb["設定"].__setitem__("B3", "xl-kpi/0"))
    f = next(x for x in findings(p) if x.code == "template-mismatch")
    assert (f.severity, f.sheet, f.cell, f.value) == ("error", "設定", "B3", "xl-kpi/0")


def test_a_renamed_header_is_reported_at_its_cell_with_the_header_expected(submissions):
    p = edit(submissions / "環境部.xlsx", lambda wb: wb["環境部"].__setitem__("G4", "前回の値"))
    f = next(x for x in findings(p) if x.code == "missing-header")
    assert (f.sheet, f.cell, f.value) == ("環境部", "G4", "基準値")


def test_an_unknown_department_among_several_is_named_at_its_cell(submissions):
    def change(wb):
        ws = wb["環境部"]
        ws.cell(row_of(ws, "1-06"), 3).value = "環境部 宇宙開発部"
    f = next(x for x in findings(edit(submissions / "環境部.xlsx", change)) if x.code == "unknown-department")
    assert f.value == "宇宙開発部" and f.cell.startswith("C")


def test_formula_in_input_cell(submissions):
    def change(wb):
        ws = wb["環境部"]
        ws.cell(row_of(ws, "1-06"), 9).value = "=100+15"
    p = edit(submissions / "環境部.xlsx", change)
    f = next(x for x in findings(p) if x.code == "formula-in-input")
    assert (f.sheet, f.field, f.value, f.severity) == ("環境部", "current", "=100+15", "error")
    assert f.cell.startswith("I")


def test_merged_and_hidden_rows_in_the_input_area(submissions):
    def change(wb):
        ws = wb["農林水産部"]
        r = row_of(ws, "1-09")
        ws.merge_cells(start_row=r, start_column=7, end_row=r, end_column=8)
        ws.row_dimensions[r + 1].hidden = True
    report = findings(edit(submissions / "農林水産部.xlsx", change))
    assert "merged-input" in report.codes() and "hidden-row" in report.codes()


def test_a_value_merged_down_two_kpis_belongs_to_the_top_kpi_only_in_the_master_too(submissions, tmp_path):
    """農林水産部 1-07 has two KPIs (rows 7 and 8); a clerk merges their 現在値 cells I7:I8. The
    value is the first KPI's, as the finding says; the second KPI's 現在値 is blank, not a copy."""
    from xl_kpi.files.run.master import master_records, merge_files

    def change(wb):
        ws = wb["農林水産部"]
        r = row_of(ws, "1-07")
        ws.merge_cells(start_row=r, start_column=9, end_row=r + 1, end_column=9)
    p = edit(submissions / "農林水産部.xlsx", change)
    merged = next(x for x in findings(p) if x.code == "merged-input")
    assert merged.value == "I7:I8" and "ほかのセルは空欄" in merged.message, merged.message
    master = tmp_path / "m.xlsx"
    out = merge_files([submissions], master)
    kpis = [(r.kpi_no, r.current, r.rate) for r in master_records(master)[0] if r.measure_id == "1-07"]
    assert kpis == [("1", "733人", "81%"), ("2", "", "-")]
    assert any(f.code == "missing-value" and f.cell == "I8" and f.file == p.name for f in out.report)


def test_text_starting_with_equals_is_kept_as_text(submissions, tmp_path):
    from dataclasses import replace

    from xl_kpi.files.layout import Settings
    from xl_kpi.files.writing.template import build_template
    recs = read_workbook(submissions / "環境部.xlsx").sheets[0].records
    evil = [replace(recs[0], progress='=HYPERLINK("http://example.invalid","x")', plan="+cmd|' /C calc'!A0")]
    p = tmp_path / "evil.xlsx"
    p.write_bytes(build_template(Settings(year=2020), "環境部", evil))
    ws = openpyxl.load_workbook(p)["環境部"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] in "=+"]
    assert cells and all(c.data_type == "s" for c in cells)
    assert {"formula-text"} <= set(findings(p).codes())


def test_a_workbook_that_is_not_the_template_is_refused(tmp_path):
    p = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "売上"
    wb.save(p)
    with pytest.raises(FileError) as info:
        read_workbook(p)
    assert info.value.code == "template-mismatch" and "other.xlsx" in str(info.value)


@pytest.mark.parametrize("value, fmt, kind, text", [
    (15, "General", "", "15"),
    (1943.0, "General", "", "1943"),
    (1943, "#,##0", "", "1,943"),
    (0.634, "0.0%", "", "63.4%"),
    (1.125, "0%", "rate", "113%"),
    (0.0333333, "General", "rate", "3%"),
    ("  6件 ", "General", "", "6件"),
    (None, "General", "", ""),
    (True, "General", "", "TRUE"),
])
def test_cells_become_the_text_they_show(value, fmt, kind, text):
    assert cell_text(value, fmt, kind) == text


@pytest.mark.parametrize("master_first", [True, False])
def test_file_level_findings_reach_the_submission_when_the_master_sheet_comes_first(submissions, master_first):
    """A workbook holding the master 取組状況 and a department sheet: the file's own findings
    (here the template version in 設定!B3) go with its first department submission, wherever
    the 取組状況 sheet stands."""
    def change(wb):
        master = wb.copy_worksheet(wb["環境部"])
        master.title = "取組状況"
        if master_first:
            wb.move_sheet(master, offset=-wb.index(master))
        wb["設定"]["B3"] = "xl-kpi/0"
    p = edit(submissions / "環境部.xlsx", change)
    wb = read_workbook(p)
    assert [s.name for s in wb.sheets] == (["取組状況", "環境部"] if master_first else ["環境部", "取組状況"])
    subs = wb.submissions()
    assert [s.sheet for s in subs] == ["環境部"]
    codes = [(f.code, f.sheet, f.cell) for f in subs[0].findings]
    assert codes.count(("template-mismatch", "設定", "B3")) == 1
