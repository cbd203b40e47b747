"""The one evaluation reconciling submissions with the plan: where each finding points (file, sheet,
cell, field, value), the exact words a report prints, the rows the master keeps and 提出状況."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from xl_kpi.core.evaluation import (
    LastYear,
    check_submission,
    evaluate_master,
    evaluate_report,
    normalize_identities,
    unknown_departments,
    without_explained,
)
from xl_kpi.core.findings import make_finding
from xl_kpi.core.history import update_history
from xl_kpi.core.merge import Submission
from xl_kpi.core.rate import TRUNCATE, Rounding
from xl_kpi.core.record import CellNumber, KpiRecord, Source
from xl_kpi.core.register import PlanRegister, register_from_records
from xl_kpi.files.layout import Settings

LISTED = ("企画管理部", "環境部", "商工労働部", "福祉保健部", "活力都市創造部")
SETTINGS = Settings(year=2020, plan_start=2020, plan_end=2024, departments=LISTED)
# the columns of a department's sheet, so that every finding names its cell
COLUMNS = {"goal_no": "A", "goal_title": "B", "direction_letter": "C", "direction_title": "D", "measure_id": "E",
           "measure_name": "F", "department": "G", "kpi_no": "H", "kpi_item": "I", "baseline": "J", "target": "K",
           "current": "L", "rate": "M"}


def row(mid="1-01", kpi="1", dept="商工労働部", file="s.xlsx", line=5, **kw) -> KpiRecord:
    values = {"goal_no": "1", "goal_title": "産業", "direction_letter": "ア", "direction_title": "雇用",
              "measure_name": "施策", "kpi_item": "件数", "baseline": "6件(平成30年度)", "target": "30件(累計)",
              "current": "15件(累計)", "submitted_by": dept}
    values.update(kw)
    return KpiRecord(measure_id=mid, kpi_no=kpi, department=dept, source=Source(file, dept, line, COLUMNS), **values)


def plan(*records: KpiRecord) -> PlanRegister:
    register, problems = register_from_records(records, LISTED, plan_start=2020, plan_end=2024)
    assert problems == []
    return register


def sub(dept="商工労働部", file="s.xlsx", records=(), modified="2021-05-01T10:00:00+09:00", sheet=None):
    return Submission(dept, file, dept if sheet is None else sheet, modified=modified, records=list(records))


def found(content, code):
    return [f for f in content.findings if f.code == code]


# --- values that differ from the plan ------------------------------------------------------------------

def test_a_value_spelled_otherwise_than_the_plan_but_saying_the_same_is_no_finding():
    register = plan(row(baseline="158,000人(平成30年度)", target="200千人"))
    content = evaluate_report([sub(records=[row(baseline="158千人(平成30年度)", target="200,000人")])], SETTINGS,
                              register=register)
    assert found(content, "plan-value-changed") == []
    assert (content.records[0].baseline, content.records[0].target) == ("158千人(平成30年度)", "200,000人")


def test_a_plan_without_a_baseline_takes_the_departments_baseline_as_it_is():
    register = plan(row(baseline=""))
    content = evaluate_report([sub(records=[row(baseline="9件(令和元年度)")])], SETTINGS, register=register)
    assert found(content, "plan-value-changed") == []
    assert content.records[0].baseline == "9件(令和元年度)"


def test_a_blank_baseline_and_a_target_typed_over_are_both_said_at_their_cells():
    register = plan(row())
    content = evaluate_report([sub(records=[row(baseline="", target="20件(累計)")])], SETTINGS, register=register)
    said = [(f.field, f.cell, f.severity, f.measure_id, f.kpi_no, f.value) for f in found(content, "plan-value-changed")]
    assert said == [("baseline", "J5", "info", "1-01", "1", ""), ("target", "K5", "error", "1-01", "1", "20件(累計)")]
    assert (content.records[0].baseline, content.records[0].target) == ("6件(平成30年度)", "30件(累計)")


def test_a_baseline_cell_showing_a_dash_for_zero_takes_the_plans_baseline_and_not_the_zero():
    register = plan(row())
    typed = {"baseline": CellNumber(0, '#,##0;-#,##0;"-"', Decimal(0), "-"),
             "current": CellNumber(15, "0", Decimal(15), "15")}
    content = evaluate_report([sub(records=[row(baseline="-", current="15", numbers=typed)])], SETTINGS,
                              register=register)
    (master,) = content.records
    assert master.baseline == "6件(平成30年度)" and set(master.numbers) == {"current"}
    (f,) = found(content, "plan-value-changed")
    assert (f.severity, f.cell, f.detail) == ("info", "J5", "値がないため、計画の基準値「6件(平成30年度)」を使いました。")


def test_a_kpi_outside_the_plan_is_said_at_its_item_with_the_item_and_its_name():
    content = evaluate_report([sub(records=[row(), row("1-09", kpi_item="新規の件数")])], SETTINGS,
                              register=plan(row()))
    (f,) = found(content, "kpi-not-in-plan")
    assert (f.field, f.cell, f.value, f.detail, f.file, f.sheet) == (
        "kpi_item", "I5", "新規の件数", "施策1-09 KPI1", "s.xlsx", "商工労働部")


def test_a_measure_without_a_kpi_outside_the_plan_is_merged_without_a_finding():
    bare = row("1-09", kpi="", kpi_item="", baseline="", target="", current="")
    content = evaluate_report([sub(records=[row(), bare])], SETTINGS, register=plan(row()))
    assert found(content, "kpi-not-in-plan") == []
    assert [r.measure_id for r in content.records] == ["1-01", "1-09"]


def test_a_plan_made_from_last_years_master_checks_this_years_values_against_it():
    last_rows = [row(), row("1-02", kpi_item="融資件数")]
    last = LastYear(2020, last_rows, [], None)
    settings = replace(SETTINGS, year=2021)
    content = evaluate_report([sub(records=[row(target="20件(累計)", current="18件(累計)")])], settings,
                              last_year=last)
    assert content.register_created and len(content.register) == 2  # 1-02 is last year's, not submitted
    (f,) = found(content, "plan-value-changed")
    assert (f.cell, f.value) == ("K5", "20件(累計)")
    missing = next(r for r in content.records if r.measure_id == "1-02")
    assert (missing.current, missing.kpi_item) == ("未提出", "融資件数")


def test_the_first_merge_makes_a_plan_with_the_settings_period_and_says_how_many_kpis():
    content = evaluate_report([sub(records=[row(), row("1-02")])], SETTINGS)
    assert (content.register.plan_start, content.register.plan_end, content.register.origin) == (2020, 2024, "初回の統合")
    (notice,) = content.notices
    assert (notice.code, notice.value, notice.severity) == ("register-created", "2", "info")
    assert notice.detail == ("初回の統合の行から2件の計画（「計画」シート）を作りました。"
                             "以後の統合はこの計画と照らし合わせます。")
    planned = evaluate_report([sub(records=[row()])], SETTINGS, register=plan(row()))
    assert planned.register_created is False and planned.notices == []


def test_the_first_merge_compares_a_kpi_sent_twice_in_one_file_with_the_plan_it_made():
    rows = [row(), row(line=6, target="31件(累計)")]
    content = evaluate_report([sub(records=rows)], SETTINGS)
    assert len(content.register) == 1 and content.register.kpis[0].target == "30件(累計)"
    assert found(content, "plan-value-changed") == []


# --- titles -----------------------------------------------------------------------------------------

def test_a_direction_titled_otherwise_takes_the_plans_title_with_a_warning_at_its_cell():
    content = evaluate_report([sub(records=[row(direction_title="別の方向"), row("1-02", direction_title="別の方向")])],
                              SETTINGS, register=plan(row(), row("1-02")))
    assert {r.direction_title for r in content.records} == {"雇用"}
    (f,) = found(content, "title-differs")
    assert (f.field, f.cell, f.value, f.severity) == ("direction_title", "D5", "別の方向", "warning")
    assert f.detail == "【基本目標1】の【基本的方向：ア】の名称が計画では「雇用」です。計画の名称を使いました。"


def test_a_goal_titled_otherwise_is_said_once_for_each_sheet_in_the_plans_words():
    register = plan(row(), row("3-01", dept="福祉保健部"))
    content = evaluate_report([sub(records=[row(goal_title="別の名前")]),
                               sub("福祉保健部", "f.xlsx", [row("3-01", dept="福祉保健部", file="f.xlsx",
                                                               goal_title="別の名前")])],
                              SETTINGS, register=register)
    said = [(f.file, f.field, f.cell, f.detail) for f in found(content, "title-differs")]
    assert said == [("s.xlsx", "goal_title", "B5", "【基本目標1】の名称が計画では「産業」です。計画の名称を使いました。"),
                    ("f.xlsx", "goal_title", "B5", "【基本目標1】の名称が計画では「産業」です。計画の名称を使いました。")]
    assert {r.goal_title for r in content.records} == {"産業"}


def test_a_row_of_a_goal_and_direction_the_plan_does_not_know_keeps_its_titles():
    content = evaluate_report([sub(records=[row(), row("9-01", goal_no="9", goal_title="新しい目標",
                                                    direction_letter="カ", direction_title="新しい方向")])],
                              SETTINGS, register=plan(row()))
    new = next(r for r in content.records if r.measure_id == "9-01")
    assert (new.goal_title, new.direction_title) == ("新しい目標", "新しい方向")
    assert found(content, "title-differs") == []


def test_a_plan_whose_first_row_of_a_goal_leaves_its_title_blank_takes_the_title_of_a_later_row():
    register = plan(row(goal_title="", direction_title=""), row("1-02"))
    content = evaluate_report([sub(records=[row(), row("1-02")])], SETTINGS, register=register)
    assert {(r.goal_title, r.direction_title) for r in content.records} == {("産業", "雇用")}
    assert found(content, "title-differs") == []


# --- departments ------------------------------------------------------------------------------------

def test_a_department_unknown_to_the_settings_and_the_plan_is_said_at_its_cell_with_a_hint():
    content = evaluate_report([sub("商工労働局", records=[row(dept="商工労働局")])], SETTINGS, register=plan(row()))
    (f,) = found(content, "unknown-department")
    assert (f.value, f.field, f.cell, f.measure_id) == ("商工労働局", "department", "G5", "1-01")
    assert f.detail == "「商工労働部」の誤りではありませんか。設定シートの部署一覧: " + "、".join(LISTED)
    (g,) = unknown_departments([row(dept="宇宙部")], LISTED)
    assert (g.field, g.cell, g.file, g.sheet) == ("department", "G5", "s.xlsx", "宇宙部")


def test_departments_of_the_settings_and_of_the_plan_are_both_known():
    register = plan(row(), row("5-01", dept="宇宙部"))
    content = evaluate_report([sub("環境部", "e.xlsx", [row("2-01", dept="環境部", file="e.xlsx")]),
                               sub("宇宙部", "u.xlsx", [row("5-01", dept="宇宙部", file="u.xlsx")])],
                              SETTINGS, register=register)
    assert found(content, "unknown-department") == []
    _, checked = check_submission([row("5-01", dept="宇宙部")], [], SETTINGS, register)
    assert [f for f in checked if f.code == "unknown-department"] == []


OFFICES = ("会計管理者", "監査委員事務局")


def test_joint_owners_are_read_with_the_departments_the_settings_list():
    settings = replace(SETTINGS, departments=LISTED + OFFICES)
    joint = "会計管理者 監査委員事務局"
    register = plan(row(), row("6-01", dept="会計管理者"))
    rows = [row("6-01", dept=joint)]
    content = evaluate_report([sub(joint, "k.xlsx", rows)], settings, register=register)
    master = next(r for r in content.records if r.measure_id == "6-01")
    assert (master.department, master.submitted_by) == (joint, joint)
    assert [(s.department, s.state) for s in content.status] == [(joint, "提出済"), ("商工労働部", "未提出")]
    assert found(content, "unknown-department") == []
    recs, checked = check_submission(rows, [], settings)
    assert recs[0].department == joint and [f for f in checked if f.code == "unknown-department"] == []
    out, infos = normalize_identities(rows, LISTED + OFFICES)
    assert out[0].department == joint and infos == []
    first = evaluate_report([sub(joint, "k.xlsx", rows)], settings)
    assert first.register.kpis[0].departments == OFFICES


def test_a_department_typed_with_spaces_is_the_department_in_the_status_and_the_master():
    typed = "活 力 都 市 創 造 部"
    register = plan(row("4-01", dept="活力都市創造部"))
    content = evaluate_report([sub(typed, "k.xlsx", [row("4-01", dept=typed, file="k.xlsx")])], SETTINGS,
                              register=register)
    assert [(s.department, s.state) for s in content.status] == [("活力都市創造部", "提出済")]
    (master,) = content.records
    assert (master.department, master.submitted_by) == ("活力都市創造部", "活力都市創造部")
    (info,) = found(content, "identity-normalised")
    assert (info.field, info.cell, info.value, info.measure_id, info.severity) == (
        "department", "G5", typed, "4-01", "info")


def test_a_first_merge_names_the_department_of_a_row_the_plan_cannot_take():
    rows = [row(), row("", dept="宇宙部", measure_name="", kpi="", kpi_item="", baseline="", target="", current="")]
    content = evaluate_report([sub(records=rows)], replace(SETTINGS, departments=("商工労働部",)))
    assert [f.value for f in found(content, "unknown-department")] == ["宇宙部"]
    listed = evaluate_report([sub(records=rows)], replace(SETTINGS, departments=("商工労働部", "宇宙部")))
    assert found(listed, "unknown-department") == []


# --- what is missing --------------------------------------------------------------------------------

def test_a_partial_submission_names_the_department_and_each_missing_kpi():
    register = plan(row(), row("1-02"), row("1-03"))
    content = evaluate_report([sub(records=[row()])], SETTINGS, register=register)
    (f,) = found(content, "kpi-not-submitted")
    assert (f.value, f.severity) == ("商工労働部", "error")
    assert f.detail == ("商工労働部の提出に、計画の2件のKPIがありません（施策1-02 KPI1、施策1-03 KPI1）。"
                        "マスターには計画の値で「未提出」として残しました。")


def test_a_kpi_dropped_from_its_file_is_said_at_its_kpi_number_and_its_row_keeps_where_it_was():
    register = plan(row(), row("1-02", kpi_item="融資件数"))
    first = evaluate_report([sub(records=[row(origin_file="s.xlsx", origin_sheet="商工労働部", origin_row="5"),
                                          row("1-02", line=6, kpi_item="融資件数", origin_file="s.xlsx",
                                              origin_sheet="商工労働部", origin_row="6")])],
                            SETTINGS, register=register)
    again = evaluate_report([sub(records=[row(origin_file="s.xlsx", origin_sheet="商工労働部", origin_row="5")])],
                            SETTINGS, register=register, existing=first.records)
    (f,) = found(again, "kpi-dropped")
    assert (f.field, f.cell, f.file, f.sheet) == ("kpi_no", "H6", "s.xlsx", "商工労働部")
    kept = next(r for r in again.records if r.measure_id == "1-02")
    assert (kept.current, kept.origin_file, kept.origin_sheet, kept.origin_row, kept.source.row) == (
        "未提出", "s.xlsx", "商工労働部", "6", 6)


def test_a_plan_kpi_without_a_department_is_missing_under_a_name_that_says_so():
    register, problems = register_from_records([row(), row("1-02", dept="")], LISTED)
    assert [f.field for f in problems] == ["department"]
    content = evaluate_report([sub(records=[row()])], SETTINGS, register=register)
    (f,) = found(content, "not-submitted")
    assert f.value == "（部署未記入）"
    assert f.detail.startswith("（部署未記入）から提出がありません。計画の1件のKPI（施策1-02 KPI1）")


def test_relisted_copies_left_out_are_filled_from_their_originals_with_their_own_goal_and_name():
    register = plan(row(), row(goal_no="4", goal_title="まち", direction_letter="イ", direction_title="交通",
                               measure_name="施策(再掲)"),
                    row("1-02"), row("1-02", goal_no="4", goal_title="まち", direction_letter="イ",
                                     direction_title="交通", measure_name="施策(再掲)"))
    content = evaluate_report([sub(records=[row(), row("1-02", current="7件(累計)")])], SETTINGS, register=register)
    copies = [r for r in content.records if r.is_relisted]
    assert [(r.measure_id, r.goal_no, r.goal_title, r.direction_letter, r.direction_title, r.measure_name,
             r.relisted, r.current) for r in copies] == [
        ("1-01", "4", "まち", "イ", "交通", "施策(再掲)", "1", "15件(累計)"),
        ("1-02", "4", "まち", "イ", "交通", "施策(再掲)", "1", "7件(累計)")]
    assert [(s.state, s.missing) for s in content.status] == [("提出済", ())]


def test_a_row_the_master_kept_without_its_submitter_keeps_its_value():
    register = plan(row(), row("3-01", dept="福祉保健部"))
    master = [row("3-01", dept="福祉保健部", submitted_by="", current="4件(累計)", origin_file="f.xlsx")]
    content = evaluate_report([sub(records=[row()])], SETTINGS, register=register, existing=master)
    kept = next(r for r in content.records if r.measure_id == "3-01")
    assert kept.current == "4件(累計)"
    assert content.evaluations[id(kept)].rate.display == "13%"


# --- 提出状況 ----------------------------------------------------------------------------------------

def test_the_status_row_of_a_submission_holds_the_masters_rows_of_its_file():
    register = plan(row(), row("1-02"))
    rows = [row(target="20件(累計)", origin_file="s.xlsx"), row("1-02", origin_file="s.xlsx")]
    content = evaluate_report([sub(records=rows)], SETTINGS, register=register)
    (status,) = content.status
    assert [(r.measure_id, r.target) for r in status.records] == [("1-01", "30件(累計)"), ("1-02", "30件(累計)")]
    assert (status.state, status.missing, status.file, status.sheet) == ("提出済", (), "s.xlsx", "商工労働部")


def test_a_file_with_no_kpi_rows_is_still_a_submission_in_the_status():
    register = plan(row(), row("3-01", dept="福祉保健部"))
    content = evaluate_report([sub(records=[row()]), sub("福祉保健部", "f.xlsx", [])], SETTINGS, register=register)
    status = {s.department: (s.file, s.state, s.missing, len(s.records)) for s in content.status}
    assert status == {"商工労働部": ("s.xlsx", "提出済", (), 1), "福祉保健部": ("f.xlsx", "一部", ("施策3-01 KPI1",), 0)}


def test_departments_kept_from_earlier_runs_each_keep_a_status_row_without_a_sheet():
    register = plan(row(), row("2-01", dept="環境部"), row("3-01", dept="福祉保健部"))
    master = [row(origin_file="s.xlsx"), row("2-01", dept="環境部", origin_file="e.xlsx"),
              row("3-01", dept="福祉保健部", origin_file="f.xlsx")]
    content = evaluate_report([sub(records=[row(origin_file="s.xlsx")])], SETTINGS, register=register,
                              existing=master)
    assert [(s.department, s.file, s.sheet, s.state, len(s.records)) for s in content.status] == [
        ("商工労働部", "s.xlsx", "商工労働部", "提出済", 1), ("環境部", "", "", "提出済", 1),
        ("福祉保健部", "", "", "提出済", 1)]
    absent = evaluate_report([sub(records=[row()])], SETTINGS, register=register)
    assert [(s.department, s.file, s.sheet, s.state) for s in absent.status] == [
        ("商工労働部", "s.xlsx", "商工労働部", "提出済"), ("環境部", "", "", "未提出"), ("福祉保健部", "", "", "未提出")]


def test_two_files_of_one_department_with_one_kpi_are_named_with_their_shown_times():
    register = plan(row())
    older = sub(records=[row(current="10件(累計)")], file="old.xlsx", modified="2021-05-01T10:00:00+09:00")
    newer = sub(records=[row(current="12件(累計)", file="new.xlsx")], file="new.xlsx",
                modified="2021-05-02T10:00:00+09:00")
    content = evaluate_report([older, newer], SETTINGS, register=register, shown_time=lambda t: f"〈{t[:10]}〉")
    assert content.records[0].current == "12件(累計)"
    said = " ".join(f.message for f in content.findings if f.code in ("duplicate-submission", "superseded-submission"))
    assert "〈2021-05-01〉" in said and "〈2021-05-02〉" in said
    assert content.merge is not None and [s.file for s in content.merge.used] == ["new.xlsx"]


# --- rounding, last year, history and projections ---------------------------------------------------

TRUNCATED = replace(SETTINGS, rounding=Rounding(0, TRUNCATE))


def test_an_entered_rate_is_checked_as_the_settings_round_it():
    entered = row(baseline="", target="40件", current="13件", rate="32%")  # 32.5 %: 32 % truncated, 33 % half up
    _, as_set = check_submission([entered], [], TRUNCATED)
    _, default = check_submission([entered], [], SETTINGS)
    assert "rate-mismatch" not in [f.code for f in as_set] and "rate-mismatch" in [f.code for f in default]
    _, unset = check_submission([entered], [], None)
    assert [(f.code, f.cell) for f in unset if f.code == "rate-mismatch"] == [("rate-mismatch", "M5")]
    register = plan(row(baseline="", target="40件"))
    report = evaluate_report([sub(records=[entered])], TRUNCATED, register=register)
    assert found(report, "rate-mismatch") == []
    assert report.evaluations[id(report.records[0])].rate.display == "32%"
    assert found(evaluate_report([sub(records=[entered])], SETTINGS, register=register), "rate-mismatch") != []


def test_checking_without_settings_uses_the_default_severities_and_the_plans_departments():
    register = plan(row("5-01", dept="宇宙部"))
    recs, checked = check_submission([row("5-01", dept="宇 宙 部", target="20件(累計)")], [], None, register)
    assert recs[0].department == "宇宙部"
    assert [(f.code, f.severity) for f in checked if f.code in ("plan-value-changed", "unknown-department")] == [
        ("plan-value-changed", "error")]


def test_a_value_unchanged_since_last_year_is_said_with_this_years_fiscal_year():
    last_rows = [row(current="15件(累計)")]
    last = LastYear(2020, last_rows, update_history([], last_rows, 2020), plan(row()))
    settings = replace(SETTINGS, year=2021)
    content = evaluate_report([sub(records=[row(current="15件(累計)", target="20件(累計)")])], settings,
                              last_year=last)
    (stale,) = found(content, "stale-value")
    assert "令和3年度末時点" in stale.message
    assert [f.field for f in found(content, "plan-value-changed")] == ["target"]  # the plan checks targets


def test_a_target_that_is_the_plans_is_no_finding_though_last_years_master_said_another():
    last_rows = [row(target="25件(累計)", current="10件(累計)")]
    last = LastYear(2020, last_rows, update_history([], last_rows, 2020), plan(row()))
    content = evaluate_report([sub(records=[row()])], replace(SETTINGS, year=2021), last_year=last)
    assert content.records[0].target == "30件(累計)"
    assert [f.code for f in content.findings if f.severity != "info"] == []


def test_history_joins_last_years_master_and_this_years_and_records_each_years_rate():
    last_rows = [row(current="6件(累計)")]
    last = LastYear(2020, last_rows, update_history([], last_rows, 2020), plan(row()))
    this_year = update_history([], [row(current="9件(累計)")], 2021)
    settings = replace(SETTINGS, year=2022)
    content = evaluate_report([sub(records=[row(current="15件(累計)")])], settings, last_year=last,
                              history=this_year)
    (h,) = content.histories
    assert sorted(h.points) == [2018, 2020, 2021, 2022]
    assert h.points[2022].value == "15件(累計)" and h.points[2022].rate == Decimal("0.5")


def test_projections_use_the_plans_unit_and_direction():
    rows = [row(target="80,000万円", baseline="1億円(平成30年度)", current="50,000万円")]
    histories = update_history([], rows, 2020)
    planned = plan(row(target="8億円", baseline="1億円(平成30年度)", direction="lower"))
    content = evaluate_master(rows, SETTINGS, histories, planned)
    p = content.projections[("1-01", "1")]
    assert (p.status, p.unit, p.shown) == ("on-track", "億円", "5億円")
    assert content.histories == histories
    own = evaluate_master(rows, SETTINGS, histories).projections[("1-01", "1")]
    assert (own.status, own.unit, own.shown) == ("on-track", "万円", "130,000万円")
    revised = row(target="8億円", baseline="1億円(平成30年度)", revised_target="90,000万円", revision_note="見直し",
                  current="50,000万円")
    report = evaluate_report([sub(records=[revised])], SETTINGS, register=plan(row(target="8億円",
                                                                                   baseline="1億円(平成30年度)")))
    p = report.projections[("1-01", "1")]
    assert (p.unit, p.shown) == ("億円", "13億円") and p.reason.endswith("計画最終年度に 13億円（目標 9億円）")


def test_a_measure_without_a_number_is_projected_in_the_plans_unit():
    rows = [row("", measure_name="国土強靱化", target="80,000万円", baseline="1億円(平成30年度)", current="50,000万円")]
    planned = plan(row("", measure_name="国土強靱化", target="8億円", baseline="1億円(平成30年度)"))
    p = evaluate_master(rows, SETTINGS, update_history([], rows, 2020), planned).projections[("name:国土強靱化", "1")]
    assert (p.unit, p.shown) == ("億円", "13億円")


def test_a_master_read_back_is_rated_with_the_settings_rounding():
    rows = [row(baseline="", target="40件", current="13件")]
    assert evaluate_master(rows, TRUNCATED).evaluations[id(rows[0])].rate.display == "32%"
    assert evaluate_master(rows, SETTINGS).evaluations[id(rows[0])].rate.display == "33%"


# --- a date explains its parse errors ----------------------------------------------------------------

def test_a_date_typed_in_a_cell_is_said_once_and_explains_that_cells_parse_errors_only():
    date = make_finding("date-in-value", file="a", sheet="s", cell="G5")
    again = make_finding("date-in-value", file="a", sheet="s", cell="G5")
    other_date = make_finding("date-in-value", file="a", sheet="s", cell="H5")
    parse = make_finding("unparseable-value", file="a", sheet="s", cell="G5")
    other = make_finding("multiple-values", file="a", sheet="s", cell="I5")
    assert without_explained([date, again, parse, other_date, other]) == [date, other_date, other]


def test_rows_reconciled_with_the_plan_take_its_measure_number():
    from xl_kpi.core.evaluation import against_plan
    (out,), findings = against_plan([row("１－０１")], plan(row()))
    assert out.measure_id == "1-01" and findings == []


def test_a_department_sending_a_second_file_keeps_its_first_files_rows_and_the_others_keep_theirs():
    register = plan(row(), row("1-02"), row("3-01", dept="福祉保健部"))
    master = [row(origin_file="a.xlsx"), row("3-01", dept="福祉保健部", origin_file="f.xlsx")]
    content = evaluate_report([sub(file="b.xlsx", records=[row("1-02", origin_file="b.xlsx", file="b.xlsx")])],
                              SETTINGS, register=register, existing=master)
    assert [(r.measure_id, r.origin_file) for r in content.records] == [
        ("1-01", "a.xlsx"), ("1-02", "b.xlsx"), ("3-01", "f.xlsx")]
    assert [(s.department, s.file, s.state, len(s.records)) for s in content.status] == [
        ("商工労働部", "b.xlsx", "提出済", 1), ("福祉保健部", "", "提出済", 1)]


def test_joint_owners_kept_in_the_master_from_an_earlier_run_stay_joint_owners():
    settings = replace(SETTINGS, departments=LISTED + OFFICES)
    joint = "会計管理者 監査委員事務局"
    register = plan(row(), row("6-01", dept="会計管理者"))
    master = [row("6-01", dept=joint, origin_file="k.xlsx")]
    content = evaluate_report([sub(records=[row()])], settings, register=register, existing=master)
    kept = next(r for r in content.records if r.measure_id == "6-01")
    assert (kept.department, kept.submitted_by, kept.current) == (joint, joint, "15件(累計)")
    assert found(content, "unknown-department") == []


def test_a_relisted_copy_is_not_filled_from_an_original_its_department_marked_not_submitted():
    register = plan(row(), row(goal_no="4", measure_name="施策(再掲)"))
    content = evaluate_report([sub(records=[row(current="未提出")])], SETTINGS, register=register)
    copy = next(r for r in content.records if r.is_relisted)
    assert (copy.current, copy.submitted_by, copy.goal_no) == ("未提出", "", "4")
    assert [(s.state, s.missing) for s in content.status] == [("一部", ("施策1-01 KPI1（再掲）",))]


def test_a_plan_value_that_cannot_be_read_is_never_the_same_as_a_submitted_one():
    from xl_kpi.core.evaluation import same_plan_value
    assert not same_plan_value("30件", "30件と40件") and not same_plan_value("30件と40件", "30件")
