"""The plan register and the one evaluation, in the pure layer: identities, reconciling, status."""

from __future__ import annotations

import pytest

from xl_kpi.core.evaluation import (
    NOT_SUBMITTED,
    check_submission,
    evaluate_master,
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


# --- the exact words and shapes of the evaluation (what a report prints) -----------------------------

def sub(dept="商工労働部", file="s.xlsx", records=(), modified="2021-05-01T10:00:00+09:00"):
    return Submission(dept, file, dept, modified=modified, records=list(records))


def test_describe_key_names_measure_kpi_and_relisted_copy():
    assert describe_key(("1-01", "2", "0")) == "施策1-01 KPI2"
    assert describe_key(("name:国土強靱化", "", "0")) == "施策国土強靱化（KPIなし）"
    assert describe_key(("1-04", "1", "1")) == "施策1-04 KPI1（再掲）"


def test_a_target_typed_over_the_plan_says_the_plans_target_and_how_to_revise():
    register = plan(rec())
    content = evaluate_report([sub(records=[rec(target="20件(累計)")])], SETTINGS, register=register)
    (f,) = [f for f in content.findings if f.code == "plan-value-changed"]
    assert f.detail == ("計画の目標値は「30件(累計)」です。達成率は計画の値で計算しました。変更するときは、目標値は計画の"
                        "ままにして、変更後の目標値と備考（変更の理由）に入力してください。")
    revised = evaluate_report([sub(records=[rec(target="20件(累計)", revised_target="20件(累計)",
                                                 revision_note="見直し")])], SETTINGS, register=register)
    (g,) = [f for f in revised.findings if f.code == "plan-value-changed"]
    assert g.detail.endswith("達成率は計画の値で計算しました。変更後の目標値に入力されています。")
    assert revised.records[0].revised_target == "20件(累計)"


def test_a_baseline_typed_over_the_plan_says_to_keep_the_plans_and_drops_its_typed_number():
    from decimal import Decimal

    from xl_kpi.core.record import CellNumber
    register = plan(rec())
    typed = {"baseline": CellNumber(9, "0\"件\"", Decimal(9), "9件"),
             "current": CellNumber(15, "0", Decimal(15), "15")}
    content = evaluate_report([sub(records=[rec(baseline="9件", numbers=typed)])], SETTINGS, register=register)
    (f,) = [f for f in content.findings if f.code == "plan-value-changed"]
    assert (f.field, f.severity) == ("baseline", "error")
    assert f.detail == ("計画の基準値は「6件(平成30年度)」です。達成率は計画の値で計算しました。"
                        "基準値は計画の値のままにしてください。")
    (row,) = content.records
    assert row.baseline == "6件(平成30年度)" and set(row.numbers) == {"current"}


def test_a_blank_target_takes_the_plans_with_an_info_that_says_so():
    register = plan(rec())
    content = evaluate_report([sub(records=[rec(target="")])], SETTINGS, register=register)
    (f,) = [f for f in content.findings if f.code == "plan-value-changed"]
    assert (f.severity, f.detail) == ("info", "値がないため、計画の目標値「30件(累計)」を使いました。")
    assert content.records[0].target == "30件(累計)"


def test_the_plans_revision_direction_and_measure_number_fill_what_the_row_leaves_out():
    planned = rec(revised_target="12件(累計)", revision_note="見直し", direction="lower")
    register = plan(planned)
    content = evaluate_report([sub(records=[rec("１－０１")])], SETTINGS, register=register)
    (row,) = content.records
    assert (row.measure_id, row.revised_target, row.revision_note, row.direction) == (
        "1-01", "12件(累計)", "見直し", "lower")
    kept = evaluate_report([sub(records=[rec(revised_target="20件(累計)", revision_note="独自",
                                             direction="higher")])], SETTINGS, register=register)
    assert (kept.records[0].revised_target, kept.records[0].revision_note, kept.records[0].direction) == (
        "20件(累計)", "独自", "higher")


def test_the_missing_kpis_findings_say_what_is_missing_and_what_the_master_keeps():
    register = plan(rec(), rec("1-02"), rec("3-08", dept="福祉保健部"), rec("3-09", dept="福祉保健部"))
    content = evaluate_report([sub(records=[rec()])], SETTINGS, register=register)
    by = {f.code: f for f in content.findings if f.code in ("kpi-not-submitted", "not-submitted")}
    assert by["kpi-not-submitted"].detail == ("商工労働部の提出に、計画の1件のKPIがありません（施策1-02 KPI1）。マスターには"
                                              "計画の値で「未提出」として残しました。")
    assert by["not-submitted"].detail == ("福祉保健部から提出がありません。計画の2件のKPI（施策3-08 KPI1、施策3-09 KPI1）は"
                                          "計画の値で「未提出」として残しました。")
    assert (by["not-submitted"].value, by["not-submitted"].severity) == ("福祉保健部", "error")
    status = {s.department: (s.state, s.missing, s.file) for s in content.status}
    assert status == {"商工労働部": ("一部", ("施策1-02 KPI1",), "s.xlsx"),
                      "福祉保健部": ("未提出", ("施策3-08 KPI1", "施策3-09 KPI1"), "")}
    assert [s.department for s in content.status] == ["商工労働部", "福祉保健部"]


def test_a_kpi_dropped_from_its_file_is_named_with_the_file_and_remembered_in_the_masters_row():
    register = plan(rec(), rec("1-02", kpi_item="融資件数"))
    first = evaluate_report([sub(records=[rec(origin_file="s.xlsx"), rec("1-02", kpi_item="融資件数",
                                                                        origin_file="s.xlsx")])],
                            SETTINGS, register=register)
    again = evaluate_report([sub(records=[rec(origin_file="s.xlsx")])], SETTINGS, register=register,
                            existing=first.records)
    (f,) = [f for f in again.findings if f.code == "kpi-dropped"]
    assert (f.measure_id, f.kpi_no, f.value) == ("1-02", "1", "1")
    assert f.detail.startswith("施策1-02 KPI1（融資件数）が、提出し直された「s.xlsx」にありません。")
    row = next(r for r in again.records if r.measure_id == "1-02")
    assert (row.current, row.origin_file, row.submitted_by) == ("未提出", "s.xlsx", "")
    later = evaluate_report([sub("福祉保健部", "f.xlsx", [rec("3-01", dept="福祉保健部")])], SETTINGS,
                            register=register, existing=again.records)
    assert [f.measure_id for f in later.findings if f.code == "kpi-dropped"] == ["1-02"]  # still said


def test_rows_kept_from_the_master_keep_their_status_row():
    register = plan(rec(), rec("3-08", dept="福祉保健部"))
    master = [rec(origin_file="s.xlsx"), rec("3-08", dept="福祉保健部", origin_file="f.xlsx")]
    old = {"福祉保健部": Submission("福祉保健部", "f.xlsx", "福祉保健部", sha256="ab", modified="2021-05-02")}
    content = evaluate_report([sub(records=[rec(origin_file="s.xlsx")])], SETTINGS, register=register,
                              existing=master, existing_status=old)
    kept = next(s for s in content.status if s.department == "福祉保健部")
    assert (kept.file, kept.sha256, kept.state, len(kept.records)) == ("f.xlsx", "ab", "提出済", 1)
    unknown = evaluate_report([sub(records=[rec(origin_file="s.xlsx")])], SETTINGS, register=register,
                              existing=master)
    made = next(s for s in unknown.status if s.department == "福祉保健部")
    assert (made.file, made.state, len(made.records)) == ("", "提出済", 1)


def test_two_titles_of_one_goal_in_the_rows_are_one_warning_naming_both_and_the_first_wins():
    from xl_kpi.core.register import title_conflicts
    rows = [rec(goal_title="産業"), rec("1-02", goal_title="産業"),
            KpiRecord(goal_no="1", goal_title="別の名", measure_id="1-03", kpi_no="1", department="環境部",
                      source=Source("b.xlsx", "環境部", 7)),
            KpiRecord(goal_no="1", goal_title="別の名", measure_id="1-04", kpi_no="1", department="環境部",
                      source=Source("b.xlsx", "環境部", 8))]
    (f,) = title_conflicts(rows)
    assert (f.code, f.file, f.severity, f.value) == ("title-differs", "b.xlsx", "warning", "別の名")
    assert f.detail == "【基本目標1】の名称が「産業」（a.xlsx）と「別の名」（b.xlsx）で異なります。「産業」を使いました。"
    directions = [rec(direction_title="雇用"), rec("1-02", direction_title="雇用 ")]
    assert title_conflicts(directions) == []  # spaces are no other title
    other = [rec(direction_title="雇用"), rec("1-02", direction_title="就業")]
    (d,) = title_conflicts(other)
    assert d.detail.startswith("【基本目標1】の【基本的方向：ア】の名称が「雇用」")


def test_a_plan_made_from_rows_keeps_its_period_origin_and_reports_rows_it_cannot_take():
    register, problems = register_from_records([rec(), rec("1-02", dept="")], LISTED, plan_start=2020,
                                               plan_end=2024, origin="計画.csv", file="計画.csv")
    assert (register.plan_start, register.plan_end, register.origin, register.file) == (
        2020, 2024, "計画.csv", "計画.csv")
    (f,) = problems
    assert (f.code, f.field, f.file, f.measure_id) == ("invalid-plan-row", "department", "a.xlsx", "1-02")
    assert f.detail == "施策1-02 KPI1の部署がありません。担当の部署を入力してください。"
    assert register.departments == ["商工労働部"] and register.owned_by("商工労働部")[0].measure_id == "1-01"


def test_a_plan_kpi_read_from_a_row_keeps_every_field_the_plan_states():
    k = plan_kpi_from_record(rec(goal_no="１", revised_target="12件(累計)", revision_note="見直し",
                                 measure_content="内容", sdgs="8・9", direction="lower", kpi_item=" 件数 "), LISTED, row=7)
    assert (k.goal_no, k.goal_title, k.direction_letter, k.direction_title, k.measure_name) == ("1", "産業", "ア", "雇用", "施策")
    assert (k.kpi_item, k.baseline, k.target, k.unit, k.direction, k.row) == (
        "件数", "6件(平成30年度)", "30件(累計)", "件", "lower", 7)
    assert (k.revised_target, k.revision_note, k.measure_content, k.sdgs, k.departments) == (
        "12件(累計)", "見直し", "内容", "8・9", ("商工労働部",))
    row = k.as_record("未提出")
    assert (row.current, row.department, row.direction, row.sdgs) == ("未提出", "商工労働部", "lower", "8・9")
    assert plan_kpi_from_record(rec(direction="なし"), LISTED).direction == ""


def test_evaluate_master_rates_the_rows_and_projects_in_the_plans_unit():
    from xl_kpi.core.history import update_history
    rows = [rec(current="15件(累計)")]
    histories = update_history([], rows, 2020)
    content = evaluate_master(rows, SETTINGS, histories, plan(rec()))
    assert content.evaluations[id(rows[0])].rate.display == "50%"
    assert set(content.projections) == {("1-01", "1")} and content.findings == [] and content.status == []
    assert len(content.register) == 1 and content.records == rows
    assert len(evaluate_master(rows, SETTINGS).register) == 0


def test_normalising_a_submitter_and_a_kpi_number_too():
    rows = [rec(kpi="２", by="活 力 都 市 創 造 部", dept="活 力 都 市 創 造 部")]
    out, found = normalize_identities(rows, LISTED)
    assert (out[0].kpi_no, out[0].submitted_by, out[0].department) == ("2", "活力都市創造部", "活力都市創造部")
    assert [(f.field, f.value, f.detail) for f in found] == [
        ("kpi_no", "２", "「2」として読み取りました。"),
        ("department", "活 力 都 市 創 造 部", "「活力都市創造部」として読み取りました。")]


def test_unknown_departments_name_the_nearest_known_one():
    from xl_kpi.core.evaluation import unknown_departments
    (f,) = unknown_departments([rec(dept="商工労働局")], LISTED)
    assert f.detail == "「商工労働部」の誤りではありませんか。設定シートの部署一覧: " + "、".join(LISTED)
    (g,) = unknown_departments([rec(dept="宇宙部")], LISTED)
    assert g.detail == "設定シートの部署一覧: " + "、".join(LISTED)
    assert unknown_departments([rec(dept="宇宙部")], ()) == []


def test_a_year_after_the_plan_reads_last_years_master_history_severities_and_rounding():
    from dataclasses import replace as with_

    from xl_kpi.core.evaluation import LastYear
    from xl_kpi.core.history import update_history
    from xl_kpi.core.rate import TRUNCATE, Rounding
    register = plan(rec(), rec("1-02", target="40件(累計)"))
    last_rows = [rec(current="15件(累計)"), rec("1-02", target="40件(累計)", current="10件(累計)")]
    last = LastYear(2020, last_rows, update_history([], last_rows, 2020), register)
    settings = with_(SETTINGS, year=2021, severities={"stale-value": "error"},
                     rounding=Rounding(1, TRUNCATE))
    rows = [rec(current="15件(累計)", previous_value=""), rec("1-02", target="40件(累計)", current="13件(累計)")]
    content = evaluate_report([sub(records=rows)], settings, last_year=last)
    assert content.register is register and not content.register_created  # last year's plan
    stale = [f for f in content.findings if f.code == "stale-value"]
    assert [(f.measure_id, f.severity) for f in stale] == [("1-01", "error")]  # 設定's severity
    assert content.evaluations[id(content.records[1])].rate.display == "32.5%"  # 13 ÷ 40, one decimal
    years = {h.key: sorted(h.points) for h in content.histories}
    assert years[("1-02", "1")] == [2018, 2020, 2021] == years[("1-01", "1")]  # the baseline's year too
    assert set(content.projections) == set(years)
    made = evaluate_report([sub(records=rows)], settings, last_year=LastYear(2020, last_rows, [], None))
    assert made.register_created and len(made.register) == 2 and made.notices[0].detail.startswith(
        "前年度のマスターの行から2件の計画")
    assert [f.code for f in made.findings if f.code == "kpi-not-in-plan"] == []


def test_a_plan_made_from_the_rows_is_compared_for_titles_only_and_known_departments_come_from_it():
    rows = [rec(target="20件(累計)"), rec("1-02", dept="宇宙部", goal_title="別")]
    content = evaluate_report([sub(records=rows)], Settings(year=2020, departments=()))
    assert not [f for f in content.findings if f.code in ("plan-value-changed", "kpi-not-in-plan")]
    assert {r.goal_title for r in content.records} == {"産業"}
    assert not [f for f in content.findings if f.code == "unknown-department"]  # the plan knows 宇宙部
    listed = evaluate_report([sub(records=rows)], SETTINGS)
    assert [f.value for f in listed.findings if f.code == "unknown-department"] == []  # 宇宙部 is in the plan made
    ruled = evaluate_report([sub(records=[rec(current="abc件")])], SETTINGS, register=plan(rec()))
    assert "unparseable-value" in {f.code for f in ruled.findings}  # every rule runs on the merged rows
