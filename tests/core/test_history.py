"""推移 and the projection to the plan's end: expected values worked out by hand in the comments."""

from decimal import Decimal

import pytest

from xl_kpi.core.history import (
    OFF_TRACK,
    ON_TRACK,
    UNKNOWN,
    KpiHistory,
    Projection,
    YearPoint,
    combine,
    history_years,
    project,
    target_value,
    track_counts,
    update_history,
)
from xl_kpi.core.rate import Rate
from xl_kpi.core.record import KpiRecord
from xl_kpi.core.rules import Evaluation
from xl_kpi.core.yearly import year_over_year_findings


def _h(baseline, target, points, lower=False):
    return KpiHistory(("1-01", "1"), baseline=baseline, target=target, lower_is_better=lower,
                      points={y: YearPoint(v) for y, v in points.items()})


def test_pace_from_the_baseline_year_reaches_the_target():
    # (2019, 20) → (2021, 28): 4 a year; 28 + 4 × 3 = 40 ≥ 40
    p = project(_h("20件(令和元年度)", "40件", {2020: "24件", 2021: "28件"}), 2020, 2024)
    assert (p.status, p.value) == (ON_TRACK, Decimal(40))


def test_slower_pace_is_off_track():
    # (2019, 20) → (2021, 27): 3.5 a year; 27 + 10.5 = 37.5 < 40
    p = project(_h("20件(令和元年度)", "40件", {2021: "27件"}), 2020, 2024)
    assert (p.status, p.value) == (OFF_TRACK, Decimal("37.5"))
    assert "37.5件" in p.reason and "目標 40件" in p.reason


def test_cumulative_values_count_from_the_plans_start():
    # baseline is a single year (not 累計): the series starts at (2019, 0); 1 a year → 5 < 30
    p = project(_h("6件(平成30年度)", "30件(累計)", {2020: "1件(累計)"}), 2020, 2024)
    assert (p.status, p.value) == (OFF_TRACK, Decimal(5))


def test_lower_is_better_projects_downwards():
    # (2019, 100) → (2021, 92): −4 a year; 92 − 12 = 80 ≤ 80
    p = project(_h("100件(令和元年度)", "80件", {2021: "92件"}, lower=True), 2020, 2024)
    assert (p.status, p.value) == (ON_TRACK, Decimal(80))


def test_continue_targets_reached_values_and_single_points():
    assert project(_h("", "継続実施", {2020: "継続実施"}), 2020, 2024).status == ON_TRACK
    assert project(_h("", "継続実施", {2020: "廃止"}), 2020, 2024).status == OFF_TRACK
    assert project(_h("新規", "10件", {2020: "12件"}), 2020, 2024).status == ON_TRACK  # already there
    assert project(_h("新規", "10件", {2020: "3件"}), 2020, 2024).status == UNKNOWN    # one point only
    assert project(_h("新規", "10件", {}), 2020, 2024).status == UNKNOWN


def test_history_carries_past_years_and_adds_this_year():
    r2 = KpiRecord(measure_id="1-01", kpi_no="1", kpi_item="件数", baseline="6件(平成30年度)",
                   target="30件", current="3件")
    first = update_history([], [r2], 2020)
    assert first[0].points[2018].baseline and first[0].points[2020].value == "3件"
    assert first[0].points[2020].rate == Decimal("0.1")  # 3 ÷ 30
    r3 = KpiRecord(measure_id="1-01", kpi_no="1", kpi_item="件数（改）", baseline="6件(平成30年度)",
                   target="30件", current="9件")
    gone = KpiRecord(measure_id="9-99", kpi_no="1", kpi_item="終わったKPI", target="1件", current="1件")
    second = update_history(update_history([], [r2, gone], 2020), [r3], 2021)
    by_key = {h.key: h for h in second}
    h = by_key[("1-01", "1")]
    assert [(y, p.value) for y, p in sorted(h.points.items())] == [(2018, "6件(平成30年度)"), (2020, "3件"), (2021, "9件")]
    assert h.kpi_item == "件数（改）" and by_key[("9-99", "1")].points[2020].value == "1件"
    assert history_years(second, 2021) == [2018, 2019, 2020, 2021]


def test_year_over_year_flags_stale_values_and_targets_changed_in_place():
    old = [KpiRecord(measure_id="1-01", kpi_no="1", target="30件", current="5件"),
           KpiRecord(measure_id="1-02", kpi_no="1", target="10件", current="2件")]
    new = [KpiRecord(measure_id="1-01", kpi_no="1", target="30件", current="5 件"),   # same value
           KpiRecord(measure_id="1-02", kpi_no="1", target="12件", current="4件")]    # changed in place
    codes = [(f.code, f.measure_id, f.field) for f in year_over_year_findings(new, old, 2021)]
    assert codes == [("stale-value", "1-01", "current"), ("target-changed-without-revision", "1-02", "target")]
    revised = [KpiRecord(measure_id="1-02", kpi_no="1", target="12件", revised_target="12件", current="4件")]
    assert year_over_year_findings(revised, old) == []


# --- every branch of the projection, the whole Projection written out --------------------------

@pytest.mark.parametrize("baseline, target, points, lower, expected", [
    ("", "40件", {}, False, Projection(UNKNOWN, None, "実績値がありません。")),
    ("", "", {2020: "5件"}, False, Projection(UNKNOWN, None, "目標値がありません。")),
    ("", "継続実施", {2020: "廃止"}, False, Projection(OFF_TRACK, None, "事業が中止・廃止されています。")),
    ("", "継続実施", {2020: "継続実施"}, False, Projection(ON_TRACK, None, "継続して実施されています。")),
    ("", "完了", {2021: "完了"}, False, Projection(ON_TRACK, None, "継続して実施されています。")),
    ("", "現状維持", {2021: "12件"}, False, Projection(ON_TRACK, None, "継続して実施されています。")),
    ("", "継続実施", {2021: "新規"}, False, Projection(UNKNOWN, None, "")),        # says nothing of it
    ("", "継続実施", {2021: "集計中"}, False, Projection(UNKNOWN, None, "")),      # no reading at all
    ("", "増加", {2021: "12件"}, False, Projection(UNKNOWN, None, "目標値「増加」が数値ではありません。")),
    ("", "40件", {2021: "5人"}, False, Projection(UNKNOWN, None, "実績値を目標値と比べられません。")),
    ("", "40件", {2021: "継続実施"}, False, Projection(UNKNOWN, None, "実績値を目標値と比べられません。")),
    ("", "40件", {2021: "集計中"}, False, Projection(UNKNOWN, None, "実績値を目標値と比べられません。")),
    # exactly at the target counts as reached, either way
    ("新規", "10件", {2020: "10件"}, False,
     Projection(ON_TRACK, Decimal(10), "目標値に達しています（令和2年度 10件、目標 10件）。")),
    ("100件(令和元年度)", "80件", {2021: "80件"}, True,
     Projection(ON_TRACK, Decimal(80), "目標値に達しています（令和3年度 80件、目標 80件）。")),
    ("新規", "10件", {2020: "3件"}, False,
     Projection(UNKNOWN, None, "比べられる過去の値がないため、ペースを計算できません。")),
    # lower is better: (2019, 100) → (2021, 90): −5 a year; 90 − 15 = 75 ≤ 80
    ("100件(令和元年度)", "80件", {2021: "90件"}, True,
     Projection(ON_TRACK, Decimal(75), "基準値（令和元年度）から令和3年度までの年平均 -5件 の変化が続くと、"
                                      "計画最終年度に 75件（目標 80件）")),
    # (2018, 20) → (2021, 21): 1/3 a year, shown to two places; 21 + 3 × 1/3 = 22 < 40
    ("20件(平成30年度)", "40件", {2021: "21件"}, False,
     Projection(OFF_TRACK, Decimal(22), "基準値（平成30年度）から令和3年度までの年平均 0.33件 の変化が続くと、"
                                       "計画最終年度に 22件（目標 40件）")),
    # reported after the plan's final year (2025 > 2024): no years left, the projection is the value
    ("20件(令和元年度)", "40件", {2025: "32件"}, False,
     Projection(OFF_TRACK, Decimal(32), "基準値（令和元年度）から令和7年度までの年平均 2件 の変化が続くと、"
                                       "計画最終年度に 32件（目標 40件）")),
])
def test_each_projection_case_gives_its_status_value_and_reason(baseline, target, points, lower, expected):
    assert project(_h(baseline, target, points, lower), 2020, 2024) == expected


def test_the_pace_runs_from_the_first_point_not_the_second():
    # (2019, 20), (2020, 21), (2021, 28): (28 − 20) / 2 = 4 a year → 28 + 12 = 40, not (28 − 21) × 3 more
    assert project(_h("20件(令和元年度)", "40件", {2020: "21件", 2021: "28件"}), 2020, 2024).value == 40
    # a baseline of the first report's own year is not an earlier point: (2020, 24) → (2021, 28)
    assert project(_h("20件(令和2年度)", "40件", {2020: "24件", 2021: "28件"}), 2020, 2024).value == 40
    # 累計 from 0 before the plan's start: (2019, 0), (2020, 1), (2021, 3): 1.5 a year → 3 + 4.5
    p = project(_h("", "30件(累計)", {2020: "1件(累計)", 2021: "3件(累計)"}), 2020, 2024)
    assert (p.status, p.value) == (OFF_TRACK, Decimal("7.5"))
    # an unreadable report is left out of the series: (2019, 20) → (2021, 28)
    assert project(_h("20件(令和元年度)", "40件", {2020: "集計中", 2021: "28件"}), 2020, 2024).value == 40


def test_target_value_is_the_target_in_force_in_the_latest_values_scale():
    assert target_value(_h("", "3億円", {2021: "5,000万円"})) == Decimal(3)  # in the target's own scale
    assert target_value(_h("", "0.5", {2021: "45%"})) == Decimal(50)   # a bare fraction beside a %
    assert target_value(_h("", "40件", {2020: "3件", 2021: "5件"})) == Decimal(40)
    assert target_value(_h("", "", {2021: "5件"})) is None
    assert target_value(_h("", "継続実施", {2021: "5件"})) is None
    assert target_value(_h("", "40件", {})) is None
    assert target_value(_h("", "40件", {2021: "継続実施"})) is None
    assert target_value(_h("", "40件", {2021: "集計中"})) is None
    assert target_value(_h("", "40件", {2021: "5人"})) is None


def test_track_counts_count_every_status():
    ps = [Projection(ON_TRACK), Projection(OFF_TRACK), Projection(ON_TRACK), Projection(UNKNOWN)]
    assert track_counts(ps) == {ON_TRACK: 2, OFF_TRACK: 1, UNKNOWN: 1}
    assert track_counts([]) == {ON_TRACK: 0, OFF_TRACK: 0, UNKNOWN: 0}
    assert [p.label for p in ps[:2] + ps[3:]] == ["順調", "遅れ", "判定不可"]


def test_combine_keeps_every_year_and_the_later_layers_descriptions():
    old = KpiHistory(("1-01", "1"), "1-01", "1", "件数", "企画課", "6件(平成30年度)", "30件", False,
                     {2018: YearPoint("6件(平成30年度)", None, baseline=True), 2020: YearPoint("3件", Decimal("0.1"))})
    new = KpiHistory(("1-01", "1"), "", "1", "", "", "", "", True,
                     {2018: YearPoint("5件", Decimal("0.2")), 2020: YearPoint("4件", Decimal("0.2")),
                      2021: YearPoint("9件", Decimal("0.3"))})
    other = KpiHistory(("2-01", "1"), "2-01", "1", "人数", "福祉課", "", "100人", False, {2021: YearPoint("50人")})
    out = {h.key: h for h in combine([old, other], [new])}
    h = out[("1-01", "1")]
    # the later layer wins a year both hold, its empty descriptions do not blank the earlier ones
    assert (h.measure_id, h.kpi_no, h.kpi_item, h.department, h.baseline, h.target, h.lower_is_better) == \
        ("1-01", "1", "件数", "企画課", "6件(平成30年度)", "30件", True)
    assert {y: p.value for y, p in h.points.items()} == {2018: "5件", 2020: "4件", 2021: "9件"}
    assert out[("2-01", "1")] == other and out[("2-01", "1")] is not other
    # a baseline year of a later layer does not replace a year the earlier one holds
    later_base = KpiHistory(("1-01", "1"), "1-01", "2", "件数（改）", "企画課", "", "", False,
                            {2020: YearPoint("7件(令和2年度)", None, baseline=True)})
    h2 = {h.key: h for h in combine([old], [later_base])}[("1-01", "1")]
    assert h2.points[2020] == YearPoint("3件", Decimal("0.1")) and h2.kpi_no == "2" and h2.kpi_item == "件数（改）"
    assert h2.baseline == "6件(平成30年度)" and h2.target == "30件"
    # a layer's own points are copied, not shared
    alone = combine([old])[0]
    alone.points[2030] = YearPoint("1件")
    assert 2030 not in old.points


def test_update_history_reads_the_records_fields():
    rows = [KpiRecord(measure_id="1-01", measure_name="施策A（再掲）", kpi_no="1", target="30件", current="3件"),
            KpiRecord(measure_id="1-02"),                                   # no KPI at all
            KpiRecord(measure_id="1-03", kpi_no="1", kpi_item="件数", department="企画管理部 環境部",
                      baseline="6件(令和2年度)", target="30件", revised_target=" 40件 ", current="", direction="lower"),
            KpiRecord(measure_id="1-04", kpi_no="1", target="30件", current="3件", submitted_by="環境部",
                      department="企画管理部")]
    out = {h.key: h for h in update_history([], rows, 2020)}
    assert sorted(out) == [("1-03", "1"), ("1-04", "1")]          # 再掲 and KPI-less rows are skipped
    h = out[("1-03", "1")]
    assert (h.department, h.target, h.lower_is_better) == ("企画管理部", "40件", True)
    assert h.points == {}           # no value this year, and the baseline's year is this year: no column
    assert out[("1-04", "1")].department == "環境部"


def test_update_history_takes_the_callers_evaluations():
    r = KpiRecord(measure_id="1-01", kpi_no="1", target="30件", current="15件")
    revised = KpiRecord(measure_id="1-02", kpi_no="1", target="30件", revised_target="20件", current="15件")
    given = {id(r): Evaluation(Rate(Decimal("0.25"), "ratio"), None)}
    out = {h.key: h for h in update_history([], [r, revised], 2021, given)}
    assert out[("1-01", "1")].points[2021].rate == Decimal("0.25")    # as given, not 15 ÷ 30
    assert out[("1-02", "1")].points[2021].rate == Decimal("0.75")    # 15 ÷ 20, the revised target
    none = update_history([], [r], 2021, {id(r): Evaluation(None, None)})
    assert none[0].points[2021] == YearPoint("15件", None)


def test_history_years_reach_back_fifteen_years():
    h = _h("", "", {2006: "1件", 2021: "2件"})
    assert history_years([h], 2021) == list(range(2006, 2022))
    assert history_years([_h("", "", {2005: "1件", 2021: "2件"})], 2021) == [2021]
