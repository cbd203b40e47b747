"""推移 and the projection to the plan's end: expected values worked out by hand in the comments."""

from decimal import Decimal

from xl_kpi.core.history import (
    OFF_TRACK,
    ON_TRACK,
    UNKNOWN,
    KpiHistory,
    YearPoint,
    history_years,
    project,
    update_history,
)
from xl_kpi.core.record import KpiRecord
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
    assert "37.5" in p.reason and "目標 40" in p.reason


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
