import json
import shutil

import openpyxl
import pytest

from xl_kpi.cli import main
from xl_kpi.files.layout import Settings
from xl_kpi.files.reading.reader import read_workbook
from xl_kpi.files.run.master import export_csv, merge_files, validate_files
from xl_kpi.files.writing.csvio import sample_csv_path
from xl_kpi.files.writing.template import build_template


def test_csv_to_submissions_to_merge_to_export_reproduces_the_sample(submissions, tmp_path):
    master = tmp_path / "master.xlsx"
    out = merge_files([submissions], master)
    assert out.changed and len(out.records) == 38
    csv = tmp_path / "out.csv"
    export_csv(master, csv)
    assert csv.read_bytes() == sample_csv_path().read_bytes()


def test_one_workbook_per_department_and_no_row_lost(submissions):
    files = sorted(p.name for p in submissions.iterdir())
    assert files == sorted(["商工労働部.xlsx", "企画管理部.xlsx", "環境部.xlsx", "農林水産部.xlsx",
                            "福祉保健部.xlsx", "活力都市創造部.xlsx", "計画.xlsx"])
    rows = sum(len(s.records) for p in submissions.iterdir() for s in read_workbook(p).sheets)
    assert rows == 38
    plan = read_workbook(submissions / "企画管理部.xlsx").sheets[0]
    # 1-03 is owned by 「企画管理部 環境部」: it goes to the first named, with its second project row.
    r103 = [r for r in plan.records if r.measure_id == "1-03"]
    assert [(r.kpi_no, r.projects) for r in r103] == [("1", "本庁舎北側公有地活用事業"), ("", "斎場再整備事業")]
    assert r103[0].department == "企画管理部 環境部"


def test_validate_finds_the_known_faults_with_cell_addresses(submissions):
    v = validate_files(sorted(submissions.iterdir()))
    got = {(f.code, f.sheet, f.cell) for f in v.report}
    assert ("garbled-value", "農林水産部", "H9") in got  # 1-08 target
    assert any(c == "baseline-equals-target" and s == "企画管理部" for c, s, _ in got)
    assert v.report.valid and not v.unreadable


def test_master_values_are_numbers_every_reader_sees(submissions, tmp_path):
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    ws = openpyxl.load_workbook(master)["取組状況"]
    rate = next(ws.cell(r, 10) for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "1-05")
    assert rate.value == pytest.approx(4 / 3) and rate.number_format == "0%"
    import pandas as pd
    df = pd.read_excel(master, sheet_name="取組状況", header=None, engine="calamine")
    rates = df.iloc[:, 9].dropna().tolist()
    assert rates[0] == "達成率" and len(rates) == 38
    assert all(isinstance(v, (int, float)) for v in rates[1:])
    formulas = [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_revised_figures_of_1_01_survive(submissions, tmp_path):
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    rec = next(r for r in read_workbook(master).sheets[0].records if r.measure_id == "1-01")
    assert (rec.revised_target, rec.revised_rate, rec.rate) == ("12件(累計)", "8%", "3%")


@pytest.fixture(scope="module")
def merged_sample(_submissions_once, tmp_path_factory):
    """The sample's submissions merged once, for the tests that only read the master."""
    subs = tmp_path_factory.mktemp("merged") / "提出"
    shutil.copytree(_submissions_once, subs)
    master = subs.parent / "m.xlsx"
    return subs, master, merge_files([subs], master)


def test_the_master_lists_kpis_in_measure_order_under_their_section_headings(merged_sample):
    _, master, _ = merged_sample
    ws = openpyxl.load_workbook(master)["取組状況"]
    col_a = [ws.cell(r, 1).value for r in range(5, ws.max_row + 1)]
    assert col_a[0].startswith("【基本目標1】産業活力") and col_a[1].startswith("【基本的方向：ア】")
    ids = [v for v in col_a if v and v[0].isdigit()]
    assert ids == sorted(set(ids), key=lambda s: (int(s[0]), int(s[2:])))


def test_each_master_row_names_the_department_file_sheet_and_row_it_came_from(merged_sample):
    _, master, _ = merged_sample
    recs = read_workbook(master).sheets[0].records
    r = next(x for x in recs if x.measure_id == "2-09")
    assert (r.submitted_by, r.origin_file, r.origin_sheet) == ("商工労働部", "商工労働部.xlsx", "商工労働部")
    assert r.origin_row.isdigit()


def test_the_status_sheet_lists_each_submission_with_its_hash_japan_time_and_rows(merged_sample):
    import hashlib
    submissions, master, out = merged_sample
    ws = openpyxl.load_workbook(master)["提出状況"]
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {s.department for s in out.submissions} and len(rows) == 6
    dept, file, sheet, sha, modified, count, *_ = rows["商工労働部"]
    assert sha == hashlib.sha256((submissions / "商工労働部.xlsx").read_bytes()).hexdigest()
    assert count == 11 and modified.endswith("+09:00")  # Japan time


def test_the_findings_sheet_lists_the_sample_findings_under_its_header(merged_sample):
    _, master, _ = merged_sample
    checks = openpyxl.load_workbook(master)["チェック結果"]
    assert checks["A1"].value == "コード" and checks.max_row > 30


def test_remerge_changes_nothing(submissions, tmp_path):
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    before = master.read_bytes()
    again = merge_files([submissions], master)
    assert not again.changed and master.read_bytes() == before
    csv1, csv2 = export_csv(master, None), export_csv(master, None)
    assert csv1 == csv2 == sample_csv_path().read_text(encoding="utf-8")


def test_newer_submission_replaces_that_departments_rows(submissions, tmp_path):
    import os
    import time
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    # 環境部 sends a new version with changed current value.
    recs = read_workbook(submissions / "環境部.xlsx").sheets[0].records
    from dataclasses import replace
    changed = [replace(r, current="130商品(累計)", rate="93%") for r in recs]
    new = tmp_path / "new" / "環境部_v2.xlsx"
    new.parent.mkdir()
    new.write_bytes(build_template(Settings(year=2020), "環境部", changed))
    later = time.time() + 60
    os.utime(new, (later, later))
    out = merge_files([new], master)
    assert out.changed and out.backup is not None and out.backup.exists()
    recs = read_workbook(master).sheets[0].records
    env = [r for r in recs if r.submitted_by == "環境部"]
    assert [(r.measure_id, r.current, r.rate) for r in env] == [("1-06", "130商品(累計)", "93%")]
    assert len(recs) == 38  # the other departments' rows were kept from the master


def test_older_submission_of_same_department_is_superseded(submissions, tmp_path):
    import os
    master = tmp_path / "m.xlsx"
    copy = tmp_path / "old" / "環境部_old.xlsx"
    copy.parent.mkdir()
    shutil.copy(submissions / "環境部.xlsx", copy)
    os.utime(copy, (1_000_000, 1_000_000))
    out = merge_files([submissions, copy], master)
    assert "superseded-submission" in out.report.codes() and len(out.records) == 38


def test_same_kpi_from_two_departments_is_a_conflict_both_kept(submissions, tmp_path):
    recs = read_workbook(submissions / "環境部.xlsx").sheets[0].records
    other = tmp_path / "x" / "農林水産部_extra.xlsx"
    other.parent.mkdir()
    from dataclasses import replace
    other.write_bytes(build_template(Settings(year=2020), "福祉保健部",
                                     [replace(r, department="福祉保健部") for r in recs]))
    master = tmp_path / "m.xlsx"
    subs = [p for p in submissions.iterdir() if p.name != "福祉保健部.xlsx"]
    out = merge_files([*subs, other], master)
    conflicts = [f for f in out.report if f.code == "conflicting-submission"]
    assert len(conflicts) == 2 and {f.sheet for f in conflicts} == {"環境部", "福祉保健部"}
    assert sum(1 for r in out.records if r.measure_id == "1-06") == 2


def test_single_workbook_with_a_sheet_per_department(submissions, tmp_path):
    """A planning division may receive one workbook holding every department's sheet."""
    combined = tmp_path / "all.xlsx"
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for p in sorted(submissions.iterdir()):
        src = openpyxl.load_workbook(p)
        ws_src = src.worksheets[0]
        ws = wb.create_sheet(ws_src.title)
        for row in ws_src.iter_rows():
            for c in row:
                ws.cell(c.row, c.column, c.value).number_format = c.number_format
        for rng in ws_src.merged_cells.ranges:
            ws.merge_cells(str(rng))
    wb.save(combined)
    master = tmp_path / "m.xlsx"
    out = merge_files([combined], master, year=2020)
    assert len(out.submissions) == 6 and len(out.records) == 38
    assert export_csv(master, None) == sample_csv_path().read_text(encoding="utf-8")


def test_cli_workbook_commands(submissions, tmp_path, capsys):
    master = tmp_path / "m.xlsx"
    assert main(["validate", str(submissions), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] and any(f["location"].startswith("'農林水産部'!") for f in data["findings"])
    assert main(["merge", str(submissions), "-o", str(master), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["changed"] and data["rows"] == 38 and len(data["submissions"]) == 6
    out_csv = tmp_path / "o.csv"
    assert main(["export", str(master), "--csv", str(out_csv)]) == 0
    assert out_csv.read_bytes() == sample_csv_path().read_bytes()
    assert main(["import-csv", str(sample_csv_path()), "--out-dir", str(tmp_path / "imp"), "--year", "令和2"]) == 0
    assert len(list((tmp_path / "imp").glob("*.xlsx"))) == 7  # six departments and 計画.xlsx
    capsys.readouterr()
    assert main(["merge", str(submissions), "-o", str(master)]) == 0
    assert "変更はありません" in capsys.readouterr().out


def test_demo_runs_the_main_job(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "元の CSV と一致" in out and (tmp_path / "demo" / "取組状況_統合.xlsx").exists()


def test_status_of_departments_kept_from_the_master_survives_a_partial_merge(submissions, tmp_path):
    import hashlib
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    only = tmp_path / "only"
    only.mkdir()
    shutil.copy(submissions / "環境部.xlsx", only / "環境部.xlsx")
    merge_files([only], master, year=2021)
    ws = openpyxl.load_workbook(master)["提出状況"]
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 6
    assert rows["商工労働部"][3] == hashlib.sha256((submissions / "商工労働部.xlsx").read_bytes()).hexdigest()
    assert rows["商工労働部"][5] == 11
