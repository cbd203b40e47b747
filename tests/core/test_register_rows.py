"""The plan register read from rows: what each plan finding points at and says, the rows kept, the
master row a plan KPI gives, the titles the plan fixes, and a department's part of the plan."""

from __future__ import annotations

from xl_kpi.core.record import KpiRecord, Source
from xl_kpi.core.register import (
    PlanKpi,
    canonical_department,
    plan_kpi_from_record,
    plan_unit,
    register_from_records,
    register_key,
    title_conflicts,
)

LISTED = ("企画管理部", "環境部", "商工労働部", "福祉保健部", "活力都市創造部")
COLUMNS = {"goal_no": "A", "goal_title": "B", "direction_letter": "C", "direction_title": "D", "measure_id": "E",
           "measure_name": "F", "department": "G", "kpi_no": "H", "kpi_item": "I", "baseline": "J", "target": "K"}


def row(mid="1-01", kpi="1", dept="商工労働部", file="s.xlsx", sheet="商工労働部", line=5, **kw) -> KpiRecord:
    values = {"goal_no": "1", "goal_title": "産業", "direction_letter": "ア", "direction_title": "雇用",
              "measure_name": "施策", "kpi_item": "件数", "baseline": "6件(平成30年度)", "target": "30件(累計)"}
    values.update(kw)
    return KpiRecord(measure_id=mid, kpi_no=kpi, department=dept, source=Source(file, sheet, line, COLUMNS), **values)


def plan_row(mid="1-01", kpi="1", dept="商工労働部", line=5, **kw) -> KpiRecord:
    """A row of the plan's CSV or 「計画」 sheet: no file or sheet of its own."""
    return row(mid, kpi, dept, file="", sheet="", line=line, **kw)


# --- plan findings ----------------------------------------------------------------------------------

def test_a_kpi_listed_twice_in_the_plan_sheet_is_said_at_the_later_rows_kpi_number_naming_the_first_row():
    rows = [plan_row(line=5), plan_row(line=9, target="31件(累計)"), plan_row("1-02", line=10)]
    register, problems = register_from_records(rows, LISTED, file="計画.xlsx")
    assert [k.key for k in register.kpis] == [("1-01", "1", "0"), ("1-02", "1", "0")]
    assert register.kpis[0].target == "30件(累計)"  # the first row is kept
    (f,) = problems
    assert (f.code, f.file, f.sheet, f.cell, f.field, f.value, f.severity) == (
        "invalid-plan-row", "計画.xlsx", "計画", "H9", "kpi_no", "1", "error")
    assert f.detail == "施策1-01 KPI1が計画に2回あります（先の行: 5行目）。1行にしてください。"


def test_a_kpi_listed_twice_in_rows_without_row_numbers_is_said_without_a_first_row():
    _, problems = register_from_records([plan_row(line=0), plan_row(line=0, target="31件(累計)")], LISTED)
    (f,) = problems
    assert (f.file, f.sheet) == ("", "")
    assert f.detail == "施策1-01 KPI1が計画に2回あります。1行にしてください。"


def test_a_plan_finding_of_a_departments_row_is_at_that_file_and_sheet():
    _, problems = register_from_records([row(), row(line=6, target="31件(累計)")], LISTED, file="計画.xlsx")
    (f,) = problems
    assert (f.file, f.sheet, f.cell) == ("s.xlsx", "商工労働部", "H6")


def test_a_row_with_neither_measure_number_nor_name_is_left_out_and_the_rows_after_it_are_read():
    rows = [plan_row(line=5), plan_row("", measure_name="", line=6), plan_row("1-02", line=7)]
    register, problems = register_from_records(rows, LISTED, file="計画.xlsx")
    assert [k.measure_id for k in register.kpis] == ["1-01", "1-02"]
    (f,) = problems
    assert (f.file, f.sheet, f.cell, f.field, f.value) == ("計画.xlsx", "計画", "E6", "measure_id", "")
    assert f.detail == "施策番号も施策名もない行は計画に入れられません。"


def test_a_row_with_a_measure_number_but_no_name_or_a_name_but_no_number_is_in_the_plan():
    register, problems = register_from_records([plan_row(measure_name=""), plan_row("", measure_name="国土強靱化")],
                                               LISTED)
    assert problems == []
    assert [k.key for k in register.kpis] == [("1-01", "1", "0"), ("name:国土強靱化", "1", "0")]


def test_a_plan_row_without_a_department_is_kept_and_said_at_its_department_cell():
    register, problems = register_from_records([plan_row(dept="", line=8)], LISTED, file="計画.xlsx")
    assert len(register) == 1 and register.kpis[0].owner == ""
    (f,) = problems
    assert (f.file, f.sheet, f.cell, f.field, f.value) == ("計画.xlsx", "計画", "G8", "department", "")
    assert f.detail == "施策1-01 KPI1の部署がありません。担当の部署を入力してください。"


def test_the_same_row_read_twice_is_one_kpi_and_the_rows_after_it_are_read():
    register, problems = register_from_records([plan_row(), plan_row(line=6), plan_row("1-02", line=7)], LISTED)
    assert problems == [] and [k.measure_id for k in register.kpis] == ["1-01", "1-02"]
    assert [k.row for k in register.kpis] == [5, 7]


def test_a_register_made_from_rows_alone_has_no_period_origin_or_file():
    register, _ = register_from_records([plan_row()])
    assert (register.plan_start, register.plan_end, register.origin, register.file) == (0, 0, "", "")


# --- the plan KPI and its master row -------------------------------------------------------------------

def test_a_plan_kpi_not_read_from_a_sheet_has_no_row():
    assert plan_kpi_from_record(plan_row(line=12)).row == 0


def test_a_joint_owner_cell_is_split_with_the_known_departments():
    offices = ("会計管理者", "監査委員事務局")
    k = plan_kpi_from_record(plan_row(dept="会計管理者 監査委員事務局"), offices)
    assert (k.departments, k.owner, k.department) == (offices, "会計管理者", "会計管理者 監査委員事務局")
    assert canonical_department("会計管理者、監査委員事務局", offices) == "会計管理者 監査委員事務局"
    assert canonical_department("会計管理者 監査委員事務局") == "会計管理者監査委員事務局"
    assert canonical_department("企画管理部、環境部", LISTED) == "企画管理部 環境部"


def test_a_plan_kpi_gives_the_master_row_with_every_plan_field():
    k = plan_kpi_from_record(plan_row(goal_title="産業", direction_title="雇用", measure_content="内容",
                                      revised_target="12件(累計)", revision_note="見直し", sdgs="8", direction="lower"),
                             LISTED)
    r = k.as_record()
    assert (r.goal_no, r.goal_title, r.direction_letter, r.direction_title, r.measure_id, r.measure_name) == (
        "1", "産業", "ア", "雇用", "1-01", "施策")
    assert (r.department, r.measure_content, r.kpi_no, r.kpi_item, r.baseline, r.target) == (
        "商工労働部", "内容", "1", "件数", "6件(平成30年度)", "30件(累計)")
    assert (r.current, r.revised_target, r.revision_note, r.sdgs, r.relisted, r.direction) == (
        "", "12件(累計)", "見直し", "8", "0", "lower")


def test_a_relisted_plan_kpi_is_marked_once_in_its_master_row():
    copy = PlanKpi("1-01", "1", relisted=True, measure_name="施策", kpi_item="件数")
    assert (copy.as_record().measure_name, copy.as_record().relisted) == ("施策(再掲)", "1")
    said = PlanKpi("1-01", "1", relisted=True, measure_name="再掲：施策", kpi_item="件数")
    assert said.as_record().measure_name == "再掲：施策"
    assert register_key(copy.as_record()) == ("1-01", "1", "1")


def test_a_measure_without_a_kpi_has_no_mark_in_its_current_value():
    bare = PlanKpi("1-09", "", measure_name="施策")
    assert bare.as_record("未提出").current == "" and not bare.has_kpi
    assert PlanKpi("1-01", "1", kpi_item="件数").as_record("未提出").current == "未提出"


def test_a_direction_the_plan_does_not_know_is_left_out_of_the_master_row():
    assert PlanKpi("1-01", "1", direction="down").as_record().direction == ""
    assert PlanKpi("1-01", "1", direction="higher").as_record().direction == "higher"


def test_the_plans_unit_of_a_target_that_cannot_be_read_is_none():
    assert [plan_unit(t) for t in ("abc", "30件と40件", " ")] == ["", "", ""]


# --- titles the plan fixes -------------------------------------------------------------------------------

def test_the_plans_titles_are_the_first_given_for_each_goal_and_direction():
    register, _ = register_from_records([plan_row(goal_title="", direction_title=""), plan_row("1-02"),
                                         plan_row("2-01", goal_no="2", goal_title="環境", direction_letter="ア",
                                                  direction_title="保全"),
                                         plan_row("2-02", goal_no="2", direction_letter="", direction_title="孤立")],
                                        LISTED)
    assert register.goal_titles() == {"1": "産業", "2": "環境"}
    assert register.direction_titles() == {("1", "ア"): "雇用", ("2", "ア"): "保全"}


def test_goals_and_directions_each_with_their_own_title_are_no_conflict():
    rows = [row(), row("2-01", goal_no="2", goal_title="環境", direction_title="保全"),
            row("3-01", goal_no="", goal_title="無番号の目標", direction_letter="", direction_title="無記号の方向"),
            row("3-02", goal_no="", goal_title="別の無番号", direction_letter="", direction_title="別の無記号")]
    assert title_conflicts(rows) == []


def test_a_direction_titled_two_ways_is_said_at_the_direction_title_cell():
    (f,) = title_conflicts([row(), row("1-02", file="b.xlsx", sheet="環境部", direction_title="就業")])
    assert (f.file, f.sheet, f.field, f.cell, f.value) == ("b.xlsx", "環境部", "direction_title", "D5", "就業")
    (g,) = title_conflicts([row(), row("1-02", file="b.xlsx", sheet="環境部", goal_title="工業")])
    assert (g.field, g.cell, g.value) == ("goal_title", "B5", "工業")


def test_a_title_differing_from_the_plans_own_rows_names_the_plan():
    (f,) = title_conflicts([plan_row(), plan_row("1-02", goal_title="工業")])
    assert f.detail == "【基本目標1】の名称が「産業」（計画）と「工業」（計画）で異なります。「産業」を使いました。"


def test_one_differing_title_is_said_once_for_each_sheet_that_uses_it():
    rows = [row(), row("1-02", file="b.xlsx", goal_title="工業"), row("1-03", file="b.xlsx", goal_title="工業"),
            row("1-04", file="c.xlsx", goal_title="工業")]
    assert [(f.file, f.value) for f in title_conflicts(rows)] == [("b.xlsx", "工業"), ("c.xlsx", "工業")]


def test_two_goals_given_the_same_wrong_title_in_one_sheet_are_each_said():
    rows = [row(), row("2-01", goal_no="2", goal_title="環境", direction_letter="イ", direction_title="保全"),
            row("1-02", file="b.xlsx", goal_title="まちづくり"),
            row("2-02", file="b.xlsx", goal_no="2", goal_title="まちづくり", direction_letter="イ",
                direction_title="保全")]
    assert [f.detail for f in title_conflicts(rows)] == [
        "【基本目標1】の名称が「産業」（s.xlsx）と「まちづくり」（b.xlsx）で異なります。「産業」を使いました。",
        "【基本目標2】の名称が「環境」（s.xlsx）と「まちづくり」（b.xlsx）で異なります。「環境」を使いました。"]


# --- a department's part of the plan ---------------------------------------------------------------------

def test_a_departments_part_of_the_plan_keeps_the_period_origin_and_file():
    register, _ = register_from_records([plan_row(), plan_row("3-01", dept="福祉保健部")], LISTED,
                                        plan_start=2020, plan_end=2024, origin="計画.csv", file="計画.csv")
    part = register.with_kpis(register.owned_by("福祉保健部"))
    assert [k.measure_id for k in part.kpis] == ["3-01"]
    assert (part.plan_start, part.plan_end, part.origin, part.file) == (2020, 2024, "計画.csv", "計画.csv")
    assert part.get(("3-01", "1", "0")) is part.kpis[0] and part.get(("1-01", "1", "0")) is None
    assert len(register) == 2  # the whole plan is left as it is
