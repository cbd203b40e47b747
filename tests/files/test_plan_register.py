"""The plan register: every merge reconciles what departments submit with the plan.

The plan is Toyama City's whole published table (goals 1–4, ``tests/data/seed_kpis.csv``, see
tests/data/README.md). ``xl-kpi import-csv`` writes one workbook a department and 計画.xlsx; the
tests then edit the departments' workbooks with openpyxl the way staff edit them in Excel (a row
emptied, a file split in two, a value typed over, 施策番号 typed with the IME on) and merge.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from tests.support.edits import edit, empty_rows
from xl_kpi.cli import main
from xl_kpi.files.layout import LAYOUT, MASTER_SHEET, REGISTER_SHEET, STATUS_SHEET
from xl_kpi.files.reading.reader import read_workbook
from xl_kpi.files.run.master import merge_files, validate_files

SEED = Path(__file__).resolve().parents[1] / "data" / "seed_kpis.csv"
SEED_ROWS = list(csv.DictReader(SEED.open(encoding="utf-8")))
DEPARTMENTS = {"企画管理部", "活力都市創造部", "商工労働部", "福祉保健部", "農林水産部", "子ども家庭部",
               "環境部", "教育委員会", "建設部", "市民生活部"}
COL = {f: LAYOUT.col(f) for f in LAYOUT.fields}


@pytest.fixture(scope="module")
def _seed_once(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("seed") / "提出"
    assert main(["import-csv", str(SEED), "--out-dir", str(d), "--year", "令和2"]) == 0
    return d


@pytest.fixture
def seed(_seed_once, tmp_path) -> Path:
    d = tmp_path / "提出"
    shutil.copytree(_seed_once, d)
    return d


def kpi_rows(ws) -> dict[tuple[str, str], int]:
    """(施策番号, KPI No.) → sheet row of a department sheet, the measure carried down its rows."""
    out: dict[tuple[str, str], int] = {}
    measure = ""
    for r in range(LAYOUT.first_data_row, ws.max_row + 1):
        a = ws.cell(r, COL["measure_id"]).value
        if isinstance(a, str) and a.startswith("【"):
            measure = ""
            continue
        if a:
            measure = str(a)
        kpi = ws.cell(r, COL["kpi_no"]).value
        if measure and (kpi or ws.cell(r, COL["measure_name"]).value or a):
            out.setdefault((measure, str(kpi or "")), r)
    return out


def master_rows(master: Path):
    return next(s for s in read_workbook(master).sheets if s.is_master).records


def by_code(report, code):
    return [f for f in report if f.code == code]


def seed_kpis(**where) -> list[tuple[str, str]]:
    return [(r["measure_id"], r["kpi_no"]) for r in SEED_ROWS
            if r["kpi_no"] and r["relisted"] == "0" and all(r[k].replace(" ", "") == v for k, v in where.items())]


# --- the register and where it comes from ----------------------------------------------------------

def test_import_of_the_published_table_gives_one_workbook_a_department_and_the_plan(seed):
    names = sorted(p.stem for p in seed.glob("*.xlsx"))
    assert set(names) - {"計画"} <= DEPARTMENTS and "計画" in names
    assert not [n for n in names if len(n) == 1]  # no 活.xlsx, 企.xlsx, 農.xlsx
    register, problems = read_workbook(seed / "計画.xlsx").register()
    assert problems == [] and len(register) == len(SEED_ROWS)
    assert set(register.departments) == DEPARTMENTS
    joint = register.get(("1-03", "1", "0"))
    assert joint is not None and joint.departments == ("企画管理部", "環境部")
    assert register.get(("4-01", "1", "0")).departments == ("活力都市創造部",)  # 「活 力 都 市 創 造 部」
    report = validate_files(sorted(seed.glob("*.xlsx"))).report
    assert not by_code(report, "unknown-department") and not by_code(report, "invalid-plan-row")


def test_the_first_merge_takes_the_plan_and_the_master_keeps_it_as_a_sheet(seed, tmp_path):
    master = tmp_path / "m.xlsx"
    out = merge_files([seed], master)
    assert len(out.records) == len(SEED_ROWS)
    wb = read_workbook(master)
    register, problems = wb.register()
    assert problems == [] and len(register) == len(SEED_ROWS) and register.plan_end == 2024
    assert REGISTER_SHEET in openpyxl.load_workbook(master, read_only=True).sheetnames
    assert not by_code(out.report, "not-submitted") and not by_code(out.report, "kpi-not-in-plan")
    assert not by_code(out.report, "ignored-file")
    again = merge_files([seed], master)
    assert not again.changed  # the plan workbook in the folder is the master's plan: nothing to say


def test_without_a_plan_the_first_merge_makes_one_and_says_so(seed, tmp_path, capsys):
    (seed / "計画.xlsx").unlink()
    master = tmp_path / "m.xlsx"
    assert main(["merge", str(seed), "-o", str(master)]) in (0, 1)
    out = capsys.readouterr()
    assert "register-created" in out.out + out.err or "計画" in out.out
    register, _ = read_workbook(master).register()
    assert register is not None and len(register) == len(SEED_ROWS)
    before = master.read_bytes()
    assert not merge_files([seed], master).changed and master.read_bytes() == before


def test_merge_takes_the_plan_from_a_csv_given_with_plan(seed, tmp_path):
    (seed / "計画.xlsx").unlink()
    (seed / "福祉保健部.xlsx").unlink()
    master = tmp_path / "m.xlsx"
    out = merge_files([seed], master, plan=SEED)
    assert len(out.records) == len(SEED_ROWS)
    assert {f.value for f in by_code(out.report, "not-submitted")} == {"福祉保健部"}


# --- what a real year brings ------------------------------------------------------------------------

def test_a_kpi_dropped_from_a_resubmission_is_an_error_and_the_master_keeps_the_plans_row(seed, tmp_path):
    master = tmp_path / "m.xlsx"
    merge_files([seed], master)
    edit(seed / "商工労働部.xlsx", lambda ws: empty_rows(ws, [kpi_rows(ws)[("1-02", "1")]]))
    assert main(["merge", str(seed), "-o", str(master)]) == 1
    out = merge_files([seed], master)
    (f,) = by_code(out.report, "kpi-dropped")
    assert (f.severity, f.measure_id, f.kpi_no) == ("error", "1-02", "1") and "商工労働部.xlsx" in f.message
    kept = next(r for r in master_rows(master) if (r.measure_id, r.kpi_no) == ("1-02", "1"))
    assert (kept.target, kept.current, kept.rate) == ("175件(累計)", "未提出", "-")
    assert len(out.records) == len(SEED_ROWS)
    status = {s.department: s for s in out.submissions}
    assert status["商工労働部"].state == "一部" and status["商工労働部"].missing == ("施策1-02 KPI1",)


def test_a_department_may_send_its_kpis_in_two_files(seed, tmp_path):
    src = seed / "企画管理部.xlsx"
    wb = openpyxl.load_workbook(src)
    rows = kpi_rows(wb.worksheets[0])
    early = [r for (m, _), r in rows.items() if m[:1] in "12"]
    late = [r for (m, _), r in rows.items() if m[:1] in "34"]
    assert early and late
    a, b = seed / "企画管理部_目標1-2.xlsx", seed / "企画管理部_目標3-4.xlsx"
    shutil.copy(src, a)
    shutil.copy(src, b)
    src.unlink()
    edit(a, lambda ws: empty_rows(ws, late))
    edit(b, lambda ws: empty_rows(ws, early))
    out = merge_files([seed], tmp_path / "m.xlsx")
    mine = {(r.measure_id, r.kpi_no) for r in out.records if r.submitted_by == "企画管理部" and r.kpi_no}
    assert set(seed_kpis(department="企画管理部")) <= mine
    assert not by_code(out.report, "superseded-submission") and not by_code(out.report, "not-submitted")
    assert not by_code(out.report, "kpi-not-submitted")
    assert [r.current for r in out.records if r.current == "未提出"] == []


def test_the_same_kpi_in_two_files_of_a_department_takes_the_newer_and_names_both(seed, tmp_path):
    import os
    src = seed / "商工労働部.xlsx"
    other = seed / "商工労働部_追加.xlsx"
    shutil.copy(src, other)

    def newer_value(ws):
        ws.cell(kpi_rows(ws)[("1-02", "1")], COL["current"]).value = "20件(累計)"
    edit(other, newer_value)
    later = src.stat().st_mtime + 60
    os.utime(other, (later, later))
    out = merge_files([seed], tmp_path / "m.xlsx")
    assert next(r.current for r in out.records if (r.measure_id, r.kpi_no) == ("1-02", "1")) == "20件(累計)"
    superseded = by_code(out.report, "superseded-submission")
    assert [f.file for f in superseded] == ["商工労働部.xlsx"]  # every row of the older one is in the newer


def test_one_kpi_in_two_files_is_a_warning_naming_both_files_and_cells(seed, tmp_path):
    import os
    src = seed / "商工労働部.xlsx"
    wb = openpyxl.load_workbook(src)
    rows = kpi_rows(wb.worksheets[0])
    second = seed / "商工労働部_その2.xlsx"
    shutil.copy(src, second)
    keep = rows[("1-02", "1")]
    edit(second, lambda ws: empty_rows(ws, [r for r in rows.values() if r != keep]))
    later = src.stat().st_mtime + 60
    os.utime(second, (later, later))
    out = merge_files([seed], tmp_path / "m.xlsx")
    (f,) = by_code(out.report, "duplicate-submission")
    assert (f.severity, f.file, f.measure_id) == ("warning", "商工労働部.xlsx", "1-02")
    assert "商工労働部_その2.xlsx" in f.message and f"E{keep}" in f.message and f.cell == f"E{keep}"
    assert not by_code(out.report, "superseded-submission")


def test_a_department_that_sends_nothing_is_named_and_its_kpis_stay_as_planned(seed, tmp_path):
    (seed / "福祉保健部.xlsx").unlink()
    master = tmp_path / "m.xlsx"
    assert main(["merge", str(seed), "-o", str(master)]) == 1
    out = merge_files([seed], master)
    assert len(out.records) == len(SEED_ROWS)
    (f,) = by_code(out.report, "not-submitted")
    assert f.severity == "error" and f.value == "福祉保健部" and "3-08" in f.message
    missing = [r for r in master_rows(master) if r.department == "福祉保健部" and r.kpi_no]
    assert {(r.measure_id, r.kpi_no) for r in missing} == set(seed_kpis(department="福祉保健部"))
    assert all(r.current == "未提出" and r.rate == "-" for r in missing)
    ws = openpyxl.load_workbook(master)[STATUS_SHEET]
    states = {row[0]: row[9] for row in ws.iter_rows(min_row=2, values_only=True) if row[0]}
    assert states["福祉保健部"] == "未提出" and states["商工労働部"] == "提出済"
    assert set(states) == DEPARTMENTS


def test_a_plan_target_typed_over_is_an_error_and_the_rate_uses_the_plans_target(seed, tmp_path):
    def overwrite(ws):
        r = kpi_rows(ws)[("1-01", "1")]
        ws.cell(r, COL["target"]).value = "20件(累計)"
        ws.cell(r, COL["current"]).value = "18件(累計)"
    edit(seed / "商工労働部.xlsx", overwrite)
    out = merge_files([seed], tmp_path / "m.xlsx")
    (f,) = by_code(out.report, "plan-value-changed")
    assert (f.severity, f.field, f.value, f.cell[:1]) == ("error", "target", "20件(累計)", "H")
    assert "30件(累計)" in f.message and "変更後の目標値" in f.message
    row = next(r for r in master_rows(tmp_path / "m.xlsx") if (r.measure_id, r.kpi_no) == ("1-01", "1"))
    assert (row.target, row.rate) == ("30件(累計)", "60%")  # 18 of the plan's 30, not 90 % of 20


def test_a_revised_target_comes_through_its_own_column_without_an_error(seed, tmp_path):
    def revise(ws):
        r = kpi_rows(ws)[("1-02", "1")]
        ws.cell(r, COL["revised_target"]).value = "100件(累計)"
        ws.cell(r, COL["revision_note"]).value = "事業規模の見直しによる"
    edit(seed / "商工労働部.xlsx", revise)
    out = merge_files([seed], tmp_path / "m.xlsx")
    assert not by_code(out.report, "plan-value-changed")
    row = next(r for r in master_rows(tmp_path / "m.xlsx") if (r.measure_id, r.kpi_no) == ("1-02", "1"))
    assert (row.target, row.revised_target, row.revised_rate) == ("175件(累計)", "100件(累計)", "16%")


def test_a_measure_number_typed_with_the_ime_on_is_the_plans_measure(seed, tmp_path):
    def fullwidth(ws):
        ws.cell(kpi_rows(ws)[("1-02", "1")], COL["measure_id"]).value = "１－０２"
    edit(seed / "商工労働部.xlsx", fullwidth)
    out = merge_files([seed], tmp_path / "m.xlsx")
    ids = [r.measure_id for r in out.records]
    assert "１－０２" not in ids and ids.count("1-02") == 1
    row = next(r for r in out.records if r.measure_id == "1-02")
    assert row.current == "16件(累計)" and row.submitted_by == "商工労働部"
    (f,) = by_code(out.report, "identity-normalised")
    assert (f.severity, f.value) == ("info", "１－０２") and "1-02" in f.message


@pytest.mark.parametrize("typed", ["1ー02", "1‐02", "1－02", " 1-02 "])
def test_any_dash_in_a_measure_number_is_the_plans_measure(seed, tmp_path, typed):
    def retype(ws):
        ws.cell(kpi_rows(ws)[("1-02", "1")], COL["measure_id"]).value = typed
    edit(seed / "商工労働部.xlsx", retype)
    out = merge_files([seed], tmp_path / "m.xlsx")
    assert [r.measure_id for r in out.records].count("1-02") == 1
    assert not by_code(out.report, "kpi-not-in-plan") and not by_code(out.report, "kpi-not-submitted")


@pytest.mark.parametrize("typed", ["商 工 労 働 部", "商工\n労働部", "商工労働部\n"])
def test_a_department_written_across_a_narrow_column_is_one_department(seed, tmp_path, typed):
    def narrow(ws):
        for r in kpi_rows(ws).values():
            if ws.cell(r, COL["department"]).value:
                ws.cell(r, COL["department"]).value = typed
    edit(seed / "商工労働部.xlsx", narrow)
    report = validate_files([seed / "商工労働部.xlsx"]).report
    assert not by_code(report, "unknown-department") and not by_code(report, "department-mismatch")
    out = merge_files([seed], tmp_path / "m.xlsx")
    assert {r.department for r in out.records if r.submitted_by == "商工労働部"} == {"商工労働部"}
    assert not by_code(out.report, "unknown-department")


def test_joint_owners_are_two_departments_only_when_both_are_departments():
    from xl_kpi.core.register import department_names
    listed = ("企画管理部", "環境部", "活力都市創造部")
    assert department_names("企画管理部 環境部", listed) == ("企画管理部", "環境部")
    assert department_names("活 力 都 市 創 造 部", listed) == ("活力都市創造部",)
    assert department_names("企画\n管理部", listed) == ("企画管理部",)
    assert department_names("企 画 管 理 部") == ("企画管理部",)  # no list: one character a part is one name


def retitle_goal_2(ws) -> None:
    """A clerk retypes the heading 【基本目標2】 with another title."""
    for r in range(1, ws.max_row + 1):
        v = ws.cell(r, 1).value
        if isinstance(v, str) and v.startswith("【基本目標2】"):
            ws.cell(r, 1).value = "【基本目標2】交流と定住の促進"


def test_two_titles_for_one_goal_are_a_warning_naming_both(seed, tmp_path):
    edit(seed / "企画管理部.xlsx", retitle_goal_2)
    out = merge_files([seed], tmp_path / "m.xlsx")
    found = by_code(out.report, "title-differs")
    assert found and {f.severity for f in found} == {"warning"} and {f.file for f in found} == {"企画管理部.xlsx"}
    planned = next(r["goal_title"] for r in SEED_ROWS if r["goal_no"] == "2")
    assert planned in found[0].message and "交流と定住の促進" in found[0].message
    assert {r.goal_title for r in out.records if r.goal_no == "2"} == {planned}


def test_two_departments_titling_one_goal_differently_without_a_plan_are_named(seed, tmp_path):
    (seed / "計画.xlsx").unlink()
    edit(seed / "商工労働部.xlsx", retitle_goal_2)
    out = merge_files([seed], tmp_path / "m.xlsx")
    found = by_code(out.report, "title-differs")
    assert found and "交流と定住の促進" in found[0].message
    assert len({r.goal_title for r in out.records if r.goal_no == "2"}) == 1  # one title, and it was said


def test_a_kpi_not_in_the_plan_is_merged_and_reported(seed, tmp_path):
    def add(ws):
        r = kpi_rows(ws)[("1-02", "1")]
        ws.cell(r, COL["kpi_no"]).value = 2  # a second KPI of 1-02 the plan does not have
    edit(seed / "商工労働部.xlsx", add)
    out = merge_files([seed], tmp_path / "m.xlsx")
    (f,) = by_code(out.report, "kpi-not-in-plan")
    assert (f.severity, f.measure_id, f.kpi_no) == ("warning", "1-02", "2")
    assert ("1-02", "2") in {(r.measure_id, r.kpi_no) for r in out.records}
    # and the plan's 1-02 KPI1 is now missing from 商工労働部's submission
    assert [f.value for f in by_code(out.report, "kpi-not-submitted")] == ["商工労働部"]


# --- the planning division edits the plan; the plan travels ------------------------------------------

def test_a_kpi_the_planning_division_adds_to_the_plan_sheet_is_expected_from_then_on(seed, tmp_path):
    master = tmp_path / "m.xlsx"
    merge_files([seed], master)
    wb = openpyxl.load_workbook(master)
    ws = wb[REGISTER_SHEET]
    header = [c.value for c in ws[3]]
    new = {"施策番号": "1-02", "KPI番号": "2", "基本目標": "1", "施策": "新しい施策", "部署": "商工労働部",
           "KPI項目": "議会で承認された指標", "目標値": "10件(累計)"}
    ws.append([new.get(h) for h in header])
    wb.save(master)
    out = merge_files([seed], master)
    row = next(r for r in out.records if (r.measure_id, r.kpi_no) == ("1-02", "2"))
    assert row.current == "未提出" and row.target == "10件(累計)"
    (f,) = by_code(out.report, "kpi-not-submitted")
    assert f.value == "商工労働部" and "1-02 KPI2" in f.message


def test_an_edited_plan_sheet_is_validated_like_any_input(seed, tmp_path):
    master = tmp_path / "m.xlsx"
    merge_files([seed], master)
    wb = openpyxl.load_workbook(master)
    ws = wb[REGISTER_SHEET]
    header = [c.value for c in ws[3]]
    ws.append([{"施策番号": "1-01", "KPI番号": "1", "部署": "商工労働部", "目標値": "1件"}.get(h) for h in header])
    ws.append([{"施策番号": "1-90", "KPI番号": "1", "目標値": "1件", "指標の方向": "少ないほど良い"}.get(h)
               for h in header])
    wb.save(master)
    report = validate_files([master]).report
    twice = by_code(report, "invalid-plan-row")
    assert {(f.sheet, f.severity) for f in twice} == {(REGISTER_SHEET, "error")}
    assert any("2回" in f.message for f in twice) and any("部署" in f.message for f in twice)
    (d,) = by_code(report, "invalid-direction")
    assert d.sheet == REGISTER_SHEET and d.cell.startswith("P")


def test_the_plan_travels_with_rollover_and_merge_previous(seed, tmp_path):
    r2 = tmp_path / "R2.xlsx"
    merge_files([seed], r2)
    r3 = tmp_path / "r3"
    assert main(["rollover", str(r2), "--year", "令和3", "--out-dir", str(r3)]) == 0
    register, _ = read_workbook(r3 / "計画.xlsx").register()
    assert register is not None and len(register) == len(SEED_ROWS)
    assert REGISTER_SHEET in openpyxl.load_workbook(r3 / "商工労働部.xlsx", read_only=True).sheetnames
    (r3 / "計画.xlsx").unlink()
    (r3 / "福祉保健部.xlsx").unlink()
    out = merge_files([r3], tmp_path / "R3.xlsx", previous=r2)
    assert len(out.records) == len(SEED_ROWS)  # the plan came from last year's master
    assert {f.value for f in by_code(out.report, "not-submitted")} == {"福祉保健部"}
    assert not by_code(out.report, "register-created")


def test_validate_checks_a_departments_workbook_against_its_plan(seed, capsys):
    def overwrite(ws):
        ws.cell(kpi_rows(ws)[("1-01", "1")], COL["target"]).value = "20件(累計)"
    edit(seed / "商工労働部.xlsx", overwrite)
    assert main(["validate", str(seed / "商工労働部.xlsx"), "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    (f,) = [x for x in found if x["code"] == "plan-value-changed"]
    assert (f["sheet"], f["value"], f["severity"]) == ("商工労働部", "20件(累計)", "error")


def test_validate_with_plan_checks_a_workbook_that_carries_none(seed, tmp_path, capsys):
    bare = tmp_path / "bare.xlsx"
    wb = openpyxl.load_workbook(seed / "商工労働部.xlsx")
    del wb[REGISTER_SHEET]
    ws = wb.worksheets[0]
    ws.cell(kpi_rows(ws)[("1-01", "1")], COL["target"]).value = "20件(累計)"
    wb.save(bare)
    main(["validate", str(bare), "--format", "json"])
    found = json.loads(capsys.readouterr().out)["findings"]
    assert not [x for x in found if x["code"] == "plan-value-changed"]  # no plan known
    assert main(["validate", str(bare), "--plan", str(SEED), "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [x["measure_id"] for x in found if x["code"] == "plan-value-changed"] == ["1-01"]


def test_the_master_sheet_lists_every_plan_kpi_in_the_published_order(seed, tmp_path):
    master = tmp_path / "m.xlsx"
    merge_files([seed], master)
    rows = master_rows(master)
    assert [(r.measure_id, r.kpi_no) for r in rows if r.kpi_no and not r.is_relisted] == \
        [(r["measure_id"], r["kpi_no"]) for r in SEED_ROWS if r["kpi_no"] and r["relisted"] == "0"]
    assert openpyxl.load_workbook(master, read_only=True).sheetnames[0] == MASTER_SHEET
