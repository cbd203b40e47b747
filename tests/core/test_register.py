"""The plan register and the one evaluation, in the pure layer: identities, reconciling, status."""

from __future__ import annotations

import pytest

from xl_kpi.core.evaluation import (
    NOT_SUBMITTED,
    check_submission,
    evaluate_report,
    normalize_identities,
    same_plan_value,
    without_explained,
)
from xl_kpi.core.findings import make_finding
from xl_kpi.core.merge import Submission
from xl_kpi.core.record import KpiRecord, Source
from xl_kpi.core.register import (
    PlanRegister,
    department_names,
    describe_key,
    normalize_measure_id,
    plan_kpi_from_record,
    plan_unit,
    register_from_records,
    register_key,
)
from xl_kpi.files.layout import Settings

LISTED = ("企画管理部", "環境部", "商工労働部", "福祉保健部", "活力都市創造部")
SETTINGS = Settings(year=2020, departments=LISTED)


def rec(mid="1-01", kpi="1", dept="商工労働部", **kw) -> KpiRecord:
    defaults = {"goal_no": "1", "goal_title": "産業", "direction_letter": "ア", "direction_title": "雇用",
                "measure_name": "施策", "kpi_item": "件数", "baseline": "6件(平成30年度)", "target": "30件(累計)",
                "current": "15件(累計)"}
    defaults.update(kw)
    return KpiRecord(measure_id=mid, kpi_no=kpi, department=dept, submitted_by=kw.pop("by", dept),
                     source=Source("a.xlsx", dept, 5, {"target": "H", "measure_id": "A", "kpi_no": "E",
                                                       "department": "C", "baseline": "G"}),
                     **{k: v for k, v in defaults.items() if k != "by"})


def plan(*records: KpiRecord) -> PlanRegister:
    register, problems = register_from_records(records, LISTED, plan_start=2020, plan_end=2024)
    assert problems == []
    return register


@pytest.mark.parametrize("typed, plan_id", [
    ("１－０３", "1-03"), ("1ー15", "1-15"), ("1‐15", "1-15"), ("1－15", "1-15"), ("1-3", "1-03"),
    (" 2 - 07 ", "2-07"), ("1−15", "1-15"), ("10-101", "10-101")])
def test_a_measure_number_in_any_spelling_is_the_plans(typed, plan_id):
    assert normalize_measure_id(typed) == plan_id


def test_text_that_is_no_measure_number_stays_as_it_is():
    assert normalize_measure_id(" 国土強靱化 ") == "国土強靱化" and normalize_measure_id("") == ""


@pytest.mark.parametrize("cell, known, names", [
    ("企画管理部 環境部", LISTED, ("企画管理部", "環境部")),
    ("企画管理部、環境部", LISTED, ("企画管理部", "環境部")),
    ("活 力 都 市 創 造 部", LISTED, ("活力都市創造部",)),
    ("企画\n管理部", LISTED, ("企画管理部",)),
    ("企　画　管　理　部", (), ("企画管理部",)),
    ("環境部 宇宙開発部", LISTED, ("環境部", "宇宙開発部")),   # two names, one unknown: reported by name
    ("商工 労働局", LISTED, ("商工労働局",)),
    ("", LISTED, ()),
])
def test_a_department_cell_names_its_departments(cell, known, names):
    assert department_names(cell, known) == names


def test_the_plans_unit_keeps_its_scale():
    assert [plan_unit(t) for t in ("8億円", "30件(累計)", "32件/年", "継続実施", "")] == ["億円", "件", "件/年", "", ""]


def test_a_kpi_listed_twice_or_without_a_department_is_an_error_of_the_plan():
    register, problems = register_from_records(
        [rec(), rec(target="31件(累計)"), rec("1-02", dept=""), rec("", measure_name="")], LISTED)
    assert [k.key for k in register.kpis] == [("1-01", "1", "0"), ("1-02", "1", "0")]
    assert [(f.code, f.field) for f in problems] == [
        ("invalid-plan-row", "kpi_no"), ("invalid-plan-row", "department"), ("invalid-plan-row", "measure_id")]
    assert "2回" in problems[0].message


def test_the_same_plan_row_read_twice_is_one_kpi():
    register, problems = register_from_records([rec(), rec()], LISTED)
    assert len(register) == 1 and problems == []


def test_a_relisted_copy_is_its_own_plan_row_without_the_suffix():
    k = plan_kpi_from_record(rec(measure_name="施策(再掲)", goal_no="4"), LISTED)
    assert (k.key, k.measure_name, k.relisted) == (("1-01", "1", "1"), "施策", True)
    assert k.as_record().measure_name == "施策(再掲)" and k.as_record().is_relisted


def test_same_plan_value_compares_one_scale_unit_and_basis():
    assert same_plan_value("158千人", "158,000人") and same_plan_value("4,000人(累計)", "4,000 人(累計)")
    assert not same_plan_value("20件(累計)", "30件(累計)") and not same_plan_value("30件", "30件(累計)")
    assert not same_plan_value("30人", "30件") and not same_plan_value("継続", "30件")


def test_identities_are_normalised_with_one_info_per_sheet_and_text():
    rows = [rec("１－０１", dept="活 力 都 市 創 造 部"), rec("１－０１", kpi="2", dept="活 力 都 市 創 造 部")]
    out, found = normalize_identities(rows, LISTED)
    assert [(r.measure_id, r.department) for r in out] == [("1-01", "活力都市創造部")] * 2
    assert [(f.code, f.field, f.value, f.severity) for f in found] == [
        ("identity-normalised", "measure_id", "１－０１", "info"),
        ("identity-normalised", "department", "活 力 都 市 創 造 部", "info")]
    assert "ほか1行" in found[0].message
    same, none = normalize_identities([rec()], LISTED)
    assert none == [] and same[0] is not None


def test_without_explained_drops_parse_errors_of_a_cell_a_date_explains():
    date = make_finding("date-in-value", file="a", sheet="s", cell="G5")
    parse = make_finding("multiple-values", file="a", sheet="s", cell="G5")
    other = make_finding("multiple-values", file="a", sheet="s", cell="H5")
    assert without_explained([date, parse, other]) == [date, other]
    assert without_explained([parse]) == [parse]


def test_a_department_that_submits_nothing_keeps_its_plan_rows_as_not_submitted():
    register = plan(rec(), rec("3-08", dept="福祉保健部"))
    content = evaluate_report([Submission("商工労働部", "s.xlsx", "商工労働部", records=[rec()])], SETTINGS,
                              register=register)
    missing = next(r for r in content.records if r.measure_id == "3-08")
    assert (missing.current, missing.submitted_by, missing.target) == (NOT_SUBMITTED, "", "30件(累計)")
    assert content.evaluations[id(missing)].rate.value is None
    (f,) = [f for f in content.findings if f.code == "not-submitted"]
    assert f.value == "福祉保健部" and "施策3-08 KPI1" in f.message and f.severity == "error"
    assert [(s.department, s.state) for s in content.status] == [("商工労働部", "提出済"), ("福祉保健部", "未提出")]
    assert not [f for f in content.findings if f.code == "missing-value"]  # 未提出 is said once


def test_a_target_typed_over_is_an_error_and_the_plans_target_gives_the_rate():
    register = plan(rec())
    content = evaluate_report([Submission("商工労働部", "s.xlsx", "商工労働部",
                                          records=[rec(target="20件(累計)", current="18件(累計)")])],
                              SETTINGS, register=register)
    (row,) = content.records
    assert row.target == "30件(累計)" and content.evaluations[id(row)].rate.display == "60%"
    (f,) = [f for f in content.findings if f.code == "plan-value-changed"]
    assert (f.cell, f.value, f.severity) == ("H5", "20件(累計)", "error")


def test_a_blank_baseline_takes_the_plans_with_an_info():
    register = plan(rec())
    content = evaluate_report([Submission("商工労働部", "s.xlsx", "商工労働部", records=[rec(baseline="-")])],
                              SETTINGS, register=register)
    assert content.records[0].baseline == "6件(平成30年度)"
    (f,) = [f for f in content.findings if f.code == "plan-value-changed"]
    assert (f.severity, f.value) == ("info", "-")


def test_a_relisted_copy_the_department_left_out_is_filled_from_its_original():
    register = plan(rec(), rec(goal_no="4", measure_name="施策(再掲)"))
    content = evaluate_report([Submission("商工労働部", "s.xlsx", "商工労働部", records=[rec()])], SETTINGS,
                              register=register)
    copy = next(r for r in content.records if r.is_relisted)
    assert (copy.goal_no, copy.current) == ("4", "15件(累計)")
    assert not [f for f in content.findings if f.code in ("kpi-not-submitted", "not-submitted")]


def test_without_a_plan_one_is_made_from_the_rows_and_said_once():
    content = evaluate_report([Submission("商工労働部", "s.xlsx", "商工労働部", records=[rec()])], SETTINGS)
    assert content.register_created and len(content.register) == 1
    assert [f.code for f in content.notices] == ["register-created"]
    assert "register-created" not in [f.code for f in content.findings]
    assert content.report_findings[0].code == "register-created"


def test_a_kpi_outside_the_plan_is_merged_and_reported():
    register = plan(rec())
    content = evaluate_report([Submission("商工労働部", "s.xlsx", "商工労働部", records=[rec(), rec("1-09")])],
                              SETTINGS, register=register)
    assert {r.measure_id for r in content.records} == {"1-01", "1-09"}
    (f,) = [f for f in content.findings if f.code == "kpi-not-in-plan"]
    assert f.measure_id == "1-09" and describe_key(register_key(rec("1-09"))) in f.message


def test_the_plans_titles_win_with_a_warning_once_a_sheet():
    register = plan(rec())
    rows = [rec(goal_title="別の名前"), rec(kpi="2", goal_title="別の名前")]
    content = evaluate_report([Submission("商工労働部", "s.xlsx", "商工労働部", records=rows)], SETTINGS,
                              register=register)
    assert {r.goal_title for r in content.records} == {"産業"}
    (f,) = [f for f in content.findings if f.code == "title-differs"]
    assert "産業" in f.message and f.value == "別の名前"


def test_checking_one_sheet_compares_it_with_the_plan_when_there_is_one():
    register = plan(rec())
    _, without = check_submission([rec(target="20件(累計)")], [], SETTINGS)
    _, found = check_submission([rec(target="20件(累計)")], [], SETTINGS, register)
    assert "plan-value-changed" not in [f.code for f in without]
    assert [f.code for f in found if f.code == "plan-value-changed"] == ["plan-value-changed"]


def test_checking_applies_the_severities_of_the_settings():
    settings = Settings(year=2020, departments=LISTED, severities={"unknown-department": "error"})
    _, found = check_submission([rec(dept="宇宙開発部")], [], settings)
    (f,) = [f for f in found if f.code == "unknown-department"]
    assert f.severity == "error" and f.value == "宇宙開発部"
