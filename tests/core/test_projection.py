"""推移 and 見込み in the KPI's own unit and scale (issue 24, point 2): one scale for every figure,
numbers with separators and units, never an impossible projection, 判定不可 with the reason for a
history that mixes 累計 and 単年度 or units that cannot be converted, and each 見込み states its rule."""

from decimal import Decimal

import pytest

from xl_kpi.core.history import (
    OFF_TRACK,
    ON_TRACK,
    UNKNOWN,
    KpiHistory,
    YearPoint,
    project,
    reference,
    series,
    target_value,
)


def _h(baseline, target, points, lower=False, item="件数"):
    return KpiHistory(("1-01", "1"), kpi_item=item, baseline=baseline, target=target, lower_is_better=lower,
                      points={y: YearPoint(v) for y, v in points.items()})


SALES = _h("", "8億円", {2018: "5億円", 2020: "6億2,000万円", 2021: "7億円"}, item="園芸作物の販売額")


def test_a_history_written_in_several_scales_is_one_series_in_the_targets_scale():
    assert series(SALES, 2020) == [(2018, Decimal(5)), (2020, Decimal("6.2")), (2021, Decimal(7))]
    assert target_value(SALES) == Decimal(8)
    assert reference(SALES).unit == "億円"


def test_the_reason_shows_separators_and_units_and_states_the_rule():
    p = project(SALES, 2020, 2024)
    # (2018, 5) → (2021, 7): 2/3 億円 a year; 7 + 3 × 2/3 = 9 億円 ≥ 8 億円
    assert (p.status, p.value) == (ON_TRACK, Decimal(9))
    assert p.reason == "平成30年度から令和3年度までの年平均 6,670万円 の変化が続くと、計画最終年度に 9億円（目標 8億円）"
    assert p.shown == "9億円"


def test_a_single_year_value_against_a_cumulative_target_is_not_projected():
    p = project(_h("", "10,000人(累計)", {2020: "約1,500人", 2021: "約1,200人"}), 2020, 2024)
    assert (p.status, p.value) == (UNKNOWN, None)
    assert "単年度" in p.reason and "累計" in p.reason


def test_a_history_that_mixes_cumulative_and_single_year_values_is_not_projected():
    p = project(_h("", "30件(累計)", {2020: "5件(累計)", 2021: "3件"}), 2020, 2024)
    assert p.status == UNKNOWN and "混じって" in p.reason and "令和2年度" in p.reason


def test_units_that_cannot_be_converted_are_not_projected_and_the_year_is_named():
    p = project(_h("", "30件", {2020: "5人", 2021: "7件"}), 2020, 2024)
    assert p.status == UNKNOWN and "令和2年度" in p.reason and "5人" in p.reason


def test_a_lower_is_better_kpi_at_or_below_its_target_is_on_track():
    """待機児童数, 低いほど良い, target 10人以下, 16人 → 8人."""
    p = project(_h("", "10人以下", {2020: "16人", 2021: "8人"}, item="待機児童数"), 2020, 2024)
    assert (p.status, p.value) == (ON_TRACK, Decimal(8))
    assert "目標値に達しています" in p.reason and "8人" in p.reason
    stated = project(_h("", "10人", {2020: "16人", 2021: "8人"}, lower=True), 2020, 2024)
    assert stated.status == ON_TRACK


def test_a_count_is_never_projected_below_zero():
    # (2019, 300) → (2021, 100): −100 a year → 100 − 300 < 0: 0人
    p = project(_h("", "500人", {2019: "300人", 2021: "100人"}), 2020, 2024)
    assert (p.status, p.value) == (OFF_TRACK, Decimal(0))
    assert "0人" in p.reason and "0未満" in p.reason


def test_a_lower_is_better_count_is_never_projected_below_zero():
    p = project(_h("", "10人以下", {2019: "40人", 2021: "20人"}, item="待機児童数"), 2020, 2024)
    assert (p.status, p.value) == (ON_TRACK, Decimal(0))


def test_a_share_is_never_projected_beyond_100_percent():
    # (2019, 60) → (2021, 90): 15 a year → 135 %: 100 %
    p = project(_h("", "95%", {2019: "60%", 2021: "90%"}), 2020, 2024)
    assert (p.status, p.value) == (ON_TRACK, Decimal(100))
    assert "100%" in p.reason


def test_a_change_that_was_negative_may_stay_negative():
    p = project(_h("", "5pt", {2019: "-3pt", 2021: "-1pt"}), 2020, 2024)
    assert p.value == Decimal(2)  # −1 + 3 × 1


def test_the_register_passes_the_unit_and_the_direction():
    p = project(SALES, 2020, 2024, unit="万円", lower=False)
    assert p.value == Decimal(90000) and p.reason.endswith("計画最終年度に 90,000万円（目標 80,000万円）")
    assert series(SALES, 2020, "万円")[1] == (2020, Decimal(62000))


@pytest.mark.parametrize("points", [{2020: "5億円", 2021: "600,000,000円"}, {2020: "50,000万円", 2021: "6億円"}])
def test_any_scale_of_the_unit_gives_the_same_projection(points):
    p = project(_h("", "8億円", points), 2020, 2024)
    assert p.value == Decimal(9) and p.reason.endswith("計画最終年度に 9億円（目標 8億円）")


def test_each_years_value_is_shown_in_the_reference_unit_and_scale_with_every_digit():
    from xl_kpi.core.history import shown_value
    assert [shown_value(SALES, p.value) for _, p in sorted(SALES.points.items())] == ["5億円", "6.2億円", "7億円"]
    h = _h("", "100,000千円(累計)", {2020: "11,141千円(累計)", 2021: "3,500万円(累計)"})
    assert [shown_value(h, p.value) for _, p in sorted(h.points.items())] == ["11,141千円(累計)", "35,000千円(累計)"]
    people = _h("", "50人(累計)", {2021: "30名(累計)"})
    assert shown_value(people, "30名(累計)") == "30人(累計)"
    assert shown_value(people, "継続実施") == "継続実施" and shown_value(people, "5件") == "5件"


def test_a_value_is_shown_as_reported_when_there_is_nothing_to_convert_it_to():
    from xl_kpi.core.history import shown_value, shown_values
    words = _h("", "継続実施", {2020: "3,500万円", 2021: " 12件 "})  # a target without a number: no reference unit
    assert shown_value(words, "3,500万円") == "3,500万円" and shown_value(words, " 12件 ") == "12件"
    sales = _h("", "8億円", {2020: "5億円", 2021: "-", 2022: " 未集計 "})  # placeholders: no value to convert
    assert shown_values(sales) == {2020: "5億円", 2021: "-", 2022: "未集計"}
