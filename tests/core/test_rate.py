from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_kpi import (
    DEFAULT_BANDS,
    GradeBands,
    InputError,
    QuantityError,
    format_rate,
    grade,
    kpi_rate,
    round_half_up,
)
from xl_kpi.core.rate import Rate, parse_rate


def test_every_sample_row_reproduces_its_published_rate(sample_rows):
    checked = 0
    for row in sample_rows:
        if not row["kpi_no"]:
            continue
        rate = kpi_rate(row["current"], row["target"], row["baseline"])
        assert rate.display == row["rate"], row["measure_id"]
        if row["revised_target"]:
            assert kpi_rate(row["current"], row["revised_target"]).display == row["revised_rate"]
        checked += 1
    assert checked == 37


@pytest.mark.parametrize("current, target, expected", [
    ("45", "40", "113%"),          # 112.5 % rounds half up, not to even
    ("1件(累計)", "30件(累計)", "3%"),
    ("1件(累計)", "12件(累計)", "8%"),
    ("4社(累計)", "3社(累計)", "133%"),
    ("-64.7", "100", "-65%"),
    ("-64.5", "100", "-65%"),
    ("0.125", "1", "13%"),
    ("継続実施", "継続実施", "100%"),
    ("事業を継続して実施する", "継続", "100%"),
    ("中止", "継続実施", "0%"),
    ("63.4%", "74%(令和5年度)", "86%"),
    (0.634, "74%", "86%"),               # a % cell beside a % text
    (45, 40, "113%"),
])
def test_ratio_and_display(current, target, expected):
    assert kpi_rate(current, target).display == expected


def test_progress_is_the_gain_over_the_baseline_as_a_share_of_the_planned_gain():
    assert kpi_rate("60", "100", "20", method="progress").display == "50%"  # (60 − 20) ÷ (100 − 20)


def test_lower_is_better_divides_the_target_by_the_current_value():
    assert kpi_rate("8", "10", method="lower-better").display == "125%"
    assert kpi_rate("12", "10", lower_is_better=True).display == "83%"


def test_auto_chooses_lower_better_for_a_ceiling_and_ratio_for_two_figures():
    assert kpi_rate("8件", "10件以下").method == "lower-better"
    assert kpi_rate("45", "40").method == "ratio"


@pytest.mark.parametrize("current, target, baseline, lower, expected", [
    ("80%", "現状維持", "75%", False, "100%"),   # held beyond the baseline
    ("70%", "現状維持", "75%", False, "93%"),    # fell: the ratio to the baseline
    ("95%", "90%を維持", None, False, "100%"),   # held beyond the figure to keep
    ("9件", "現状維持", "8件", True, "89%"),     # lower is better: rose, 8 ÷ 9
])
def test_maintaining_is_100_percent_when_held_and_the_ratio_when_not(current, target, baseline, lower, expected):
    assert kpi_rate(current, target, baseline, lower_is_better=lower).display == expected


@pytest.mark.parametrize("current, target, baseline, expected", [
    ("110人", "20人の増加", "100人", "50%"),   # 10 of the 20 more
    ("105人", "10%の増加", "100人", "50%"),    # 5 of the 10 % more
    ("101人", "増加", "100人", "100%"),        # any increase reaches it
    ("95件", "減少", "100件", "100%"),         # any decrease reaches it
])
def test_an_increase_or_decrease_target_is_measured_from_the_baseline(current, target, baseline, expected):
    assert kpi_rate(current, target, baseline).display == expected


@pytest.mark.parametrize("current, target, baseline, method, code", [
    ("5件", "", None, "auto", "missing-target"),
    ("", "10件", None, "auto", "missing-current"),
    ("5件", "0件", None, "auto", "zero-target"),
    ("5人", "10件", None, "auto", "unit-mismatch"),
    ("新規", "10件", None, "auto", "non-numeric-current"),
    ("5件", "継続実施", None, "auto", "not-comparable"),
    ("5", "10", None, "progress", "missing-baseline"),
    ("5", "10", "10", "progress", "target-equals-baseline"),
    ("0", "10", None, "lower-better", "zero-current"),
    ("80%", "現状維持", None, "auto", "missing-baseline"),
])
def test_not_computable_says_why(current, target, baseline, method, code):
    rate = kpi_rate(current, target, baseline, method)
    assert rate.value is None and rate.display == "-"
    assert rate.reason_code == code
    assert rate.reason and "。" in rate.reason


def test_unreadable_input_raises_with_the_field_named():
    with pytest.raises(QuantityError, match="目標値"):
        kpi_rate("5件", "たくさん")
    with pytest.raises(InputError):
        kpi_rate("5", "10", method="magic")


def test_a_published_rate_reads_as_a_fraction_and_a_blank_or_dash_as_none():
    assert parse_rate("113%") == Decimal("1.13")
    assert parse_rate(0.03) == Decimal("0.03")
    assert parse_rate("") is None and parse_rate("-") is None


def test_a_published_rate_with_a_unit_is_refused():
    with pytest.raises(QuantityError):
        parse_rate("3件")


def test_round_half_up_and_format_rate_by_hand():
    """Halves away from zero, written out (the comparison with a spreadsheet is in test_rate_rounding)."""
    assert [round_half_up(Decimal(x)) for x in ("2.5", "-2.5", "112.5", "-64.5", "0.49", "-0.5")] == \
        [3, -3, 113, -65, 0, -1]
    assert round_half_up(Decimal("0.125"), 2) == Decimal("0.13")
    assert round_half_up(Decimal("-0.125"), 2) == Decimal("-0.13")
    assert [format_rate(x) for x in (1.125, -0.647, 0.575, Decimal("0.005"), None)] == \
        ["113%", "-65%", "58%", "1%", "-"]


def test_grades_follow_the_default_bands_on_the_displayed_percent():
    assert [grade(kpi_rate(c, "100")) for c in ("100", "99.5", "99.4", "80", "50", "49", "-5")] == \
        ["A", "A", "B", "B", "C", "D", "D"]
    assert DEFAULT_BANDS.describe()[0] == "A(◎): 100%以上"


def test_a_rate_that_cannot_be_computed_has_no_grade():
    assert grade(kpi_rate("", "100")) == "-"


def test_symbols_grade_with_the_bands_marks():
    assert grade(1.0, symbols=True) == "◎"


def test_custom_bands_grade_from_their_own_thresholds_and_must_descend():
    bands = GradeBands(((90, "S", "★"), (0, "T", "☆"), (-10**9, "U", "・")))
    assert grade(0.9, bands) == "S" and grade(0.5, bands) == "T" and grade(-0.1, bands) == "U"
    with pytest.raises(InputError):
        GradeBands(((0, "A", "◎"), (50, "B", "○")))


def test_rate_percent_is_the_published_whole_percent():
    assert kpi_rate("45", "40").percent == 113
    assert kpi_rate("-64.5", "100").percent == -65
    assert kpi_rate("", "40").percent is None


# --- issue 12: the rate as reports compute it --------------------------------------------------

@pytest.mark.parametrize("current, target, baseline, expected, method", [
    # A placeholder baseline is no baseline: current ÷ target does not need one (published 9 %).
    ("0.22 km(整備延長)", "2.5 km(整備延長)", "-", "9%", "ratio"),
    ("0.22km", "2.5km", "－", "9%", "ratio"),
    ("0.22km", "2.5km", "なし", "9%", "ratio"),
    ("86%(令和3年度(暫定))", "100%", None, "86%", "ratio"),
    ("15か所(公立2か所指定管理2か所私立認定こども園11か所(委託))", "20か所", None, "75%", "ratio"),
    # Magnitudes are compared in one scale, and units written differently are the same unit.
    ("1億2,000万円", "2億円", None, "60%", "ratio"),
    ("18,360千円", "30,000,000円", None, "61%", "ratio"),
    ("12箇所", "20か所", None, "60%", "ratio"),
    ("3", "5億円", None, "60%", "ratio"),  # the unit of a bare number is in the column header
    ("9名", "10人", None, "90%", "ratio"),
    # Increase achieved against increase targeted: the ratio of the increases (published −65 %).
    ("-2,265人/日増加(累計)", "3,500人程度の増加(令和2～6年度)", "日曜25,300人/日(平成30年度)", "-65%", "ratio"),
    ("前年度比3%増", "前年度比5%増", None, "60%", "ratio"),
    ("8%削減", "10%削減", "100t", "80%", "ratio"),
    # Increase targeted, current a level: progress from the baseline.
    ("110人", "20人の増加", "100人", "50%", "progress"),
    # A rank: the smaller the better.
    ("第2位", "第1位", None, "50%", "lower-better"),
    ("県内3位", "県内1位", None, "33%", "lower-better"),
    # A text target of doing something: done counts as done.
    ("実施", "実施", None, "100%", "continue"),
    ("策定済み", "令和4年度策定", None, "100%", "continue"),
])
def test_rates_as_reports_publish_them(current, target, baseline, expected, method):
    rate = kpi_rate(current, target, baseline)
    assert (rate.display, rate.method) == (expected, method), rate.reason


@pytest.mark.parametrize("current, target, baseline, code", [
    ("―", "2.5km", None, "missing-current"),
    ("-", "2.5km", "1km", "missing-current"),
    ("未集計", "100人", "50人", "missing-current"),
    ("5件", "－", None, "missing-target"),
    ("110人", "20人の増加", "-", "missing-baseline"),
    ("令和5年4月", "令和6年3月", None, "non-numeric-current"),
])
def test_a_placeholder_is_no_value_with_a_reason_never_an_error(current, target, baseline, code):
    rate = kpi_rate(current, target, baseline)
    assert rate.value is None and rate.display == "-" and rate.reason_code == code
    assert "。" in (rate.reason or "")


def test_the_increase_rule_is_the_documented_one():
    # current itself an increase → ratio of increases; a level → progress from the baseline.
    assert kpi_rate("700人の増加", "1,000人の増加", "5,000人").display == "70%"
    assert kpi_rate("5,700人", "1,000人の増加", "5,000人").display == "70%"
    assert kpi_rate("700人増", "1,000人増", None).display == "70%"
    assert kpi_rate("5,700人", "1,000人の増加", None).reason_code == "missing-baseline"


@given(st.integers(1, 10**6), st.integers(-10**6, 10**6), st.integers(0, 10**6))
def test_increase_rule_agrees_between_increase_and_level(amount, gain, base):
    by_increase = kpi_rate(f"{gain}人の増加", f"{amount}人の増加", f"{base}人")
    by_level = kpi_rate(f"{base + gain}人", f"{amount}人の増加", f"{base}人")
    assert by_increase.value == by_level.value


# --- progress and maintain: every branch, the whole Rate written out -----------------------------

@pytest.mark.parametrize("current, target, baseline, method, lower, expected", [
    # a bare 増加 / 減少 is achieved or not; staying level is not
    ("120件", "増加", "100件", "auto", False, Rate(Decimal(1), "progress")),
    ("100件", "増加", "100件", "auto", False, Rate(Decimal(0), "progress")),
    ("90件", "減少", "100件", "auto", False, Rate(Decimal(1), "progress")),
    ("100件", "減少", "100件", "auto", False, Rate(Decimal(0), "progress")),
    # 10 % of a count of 200 is 20 more; 10 more is half of it
    ("210件", "10%の増加", "200件", "auto", False, Rate(Decimal("0.5"), "progress")),
    # 5 points of a percent: 40 % → 43 % is 3 of 5
    ("43%", "5%の増加", "40%", "auto", False, Rate(Decimal("0.6"), "progress")),
    # 20 fewer targeted, 10 fewer reached
    ("90件", "20件の減少", "100件", "auto", False, Rate(Decimal("0.5"), "progress")),
    ("120件", "0件の増加", "100件", "auto", False,
     Rate(None, "progress", "zero-target", "目標の増減幅が0のため計算できません。")),
    ("90件", "20件の増加", None, "auto", False,
     Rate(None, "progress", "missing-baseline", "進捗率の計算には数値の基準値が必要です。")),
    ("150件", "200件", "100件", "progress", False, Rate(Decimal("0.5"), "progress")),
    ("90件", "100件", "100件", "progress", False,
     Rate(None, "progress", "target-equals-baseline", "目標値と基準値が同じため進捗率を計算できません。")),
    # holding 0 (accidents, waiting children) at a target of 0 is holding it
    ("0件", "0件を維持", None, "auto", False, Rate(Decimal(1), "maintain")),
    ("0人", "0人を維持", None, "auto", True, Rate(Decimal(1), "maintain")),
    ("95件", "100件を維持", None, "auto", False, Rate(Decimal("0.95"), "maintain")),
    ("125件", "100件を維持", None, "auto", True, Rate(Decimal("0.8"), "maintain")),
])
def test_progress_and_maintain_rates(current, target, baseline, method, lower, expected):
    assert kpi_rate(current, target, baseline, method, lower_is_better=lower) == expected


@pytest.mark.parametrize("current, target, baseline, method, expected", [
    ("5件", "", None, "auto", Rate(None, "auto", "missing-target", "目標値が空欄のため計算できません。")),
    ("5件", "-", None, "auto", Rate(None, "auto", "missing-target", "目標値が「-」（値なし）のため計算できません。")),
    ("", "30件", None, "auto", Rate(None, "ratio", "missing-current", "現在値が空欄のため計算できません。")),
    ("継続実施", "30件", None, "auto",
     Rate(None, "ratio", "non-numeric-current", "現在値「継続実施」が数値ではないため計算できません。")),
    ("5件", "増加", None, "ratio",
     Rate(None, "ratio", "non-numeric-target", "目標値「増加」が数値ではないため計算できません。")),
    ("5件", "増加", "3件", "ratio",       # a baseline does not make a bare 増加 a number for a ratio
     Rate(None, "ratio", "non-numeric-target", "目標値「増加」が数値ではないため計算できません。")),
    ("全国平均と同水準", "全国平均と同水準を目指す", None, "auto",
     Rate(None, "auto", "qualitative-target", "目標値「全国平均と同水準を目指す」は数値のない定性的な目標のため、"
          "達成率を計算できません（達成状況は文章で評価します）。")),
    ("継続実施", "全国平均と同水準を目指す", None, "continue", Rate(Decimal(1), "continue")),
    ("95%", "全国平均と同水準を目指す", "93%", "maintain", Rate(Decimal(1), "maintain")),  # held above 93 %
    ("150件", "200件", "100人", "progress",
     Rate(None, "progress", "unit-mismatch", "単位が異なるため計算できません（現在値: 件、基準値: 人）。")),
    ("95件", "現状維持", "100人", "auto",
     Rate(None, "maintain", "unit-mismatch", "単位が異なるため計算できません（現在値: 件、基準値: 人）。")),
    ("120件", "50件の増加", "100人", "auto",
     Rate(None, "progress", "unit-mismatch", "単位が異なるため計算できません（現在値: 件、基準値: 人）。")),
    ("210件", "10%の増加", "200人", "auto",   # the % of the target is relative, the baseline still a count
     Rate(None, "progress", "unit-mismatch", "単位が異なるため計算できません（現在値: 件、基準値: 人）。")),
    ("190件", "10%の減少", "200件", "auto", Rate(Decimal("0.5"), "progress")),   # 10 of the 20 fewer
    ("45件", "40件以上", None, "auto", Rate(Decimal("1.125"), "ratio")),
    ("0件", "5件", None, "lower-better",
     Rate(None, "lower-better", "zero-current", "現在値が0のため計算できません（低いほど良い指標）。")),
    # 1.5 is the largest fraction: a % of exactly 1.5 beside a bare 1.2 is the same scale
    ("1.5%", "1.2", None, "auto", Rate(Decimal("1.25"), "ratio")),
    ("1.2", "1.5%", None, "auto", Rate(Decimal("0.8"), "ratio")),
])
def test_each_rate_with_its_method_and_reason(current, target, baseline, method, expected):
    assert kpi_rate(current, target, baseline, method) == expected


# (2 × target − current) ÷ target, as 長崎市 基本施策D1 成果指標 publish their lower-is-better rates
# (tests/data/kpi_texts.csv: 2,488 of 2,098 千t-CO2 → 81.4 %, 2,663 of 2,057 → 70.5 %).
@pytest.mark.parametrize("current, target, exact, shown", [
    ("2,488", "2,098", str(Decimal(1708) / Decimal(2098)), "81%"), ("2,663千t-CO2", "2,057千t-CO2", None, "71%"),
    ("80件", "100件", "1.2", "120%"), ("100件", "100件", "1", "100%"), ("250件", "100件", "-0.5", "-50%"),
    ("12件", "10件以下", "0.8", "80%"),
])
def test_lower_better_gap_is_100_percent_less_the_overshoot(current, target, exact, shown):
    rate = kpi_rate(current, target, method="lower-better-gap")
    assert (rate.display, rate.method) == (shown, "lower-better-gap")
    if exact is not None:
        assert rate.value == Decimal(exact)


def test_lower_better_gap_says_why_it_cannot():
    assert kpi_rate("5件", "0件", method="lower-better-gap").reason_code == "zero-target"
    assert kpi_rate("3件", "1.5～2件", method="lower-better-gap").value == Decimal("0.5")  # the upper bound, as lower-better
    assert kpi_rate("5件", "10件").method == "ratio"  # auto never picks it


def test_refusals_name_the_cell_and_keep_the_code_and_value():
    with pytest.raises(InputError) as err:
        kpi_rate("5件", "30件", method="median")
    assert str(err.value) == ("方式「median」は使えません（auto, ratio, progress, lower-better, lower-better-gap, "
                              "continue, maintain）。")
    assert err.value.value == "median"
    for args, what in [(("1件2件", "30件"), "現在値"), (("5件", "1件2件"), "目標値"), (("5件", "30件", "1件2件"), "基準値")]:
        with pytest.raises(QuantityError) as err:
            kpi_rate(*args)
        assert str(err.value) == f"{what}: 「1件2件」に複数の数値があります。1つのセルには1つの値を入力してください。"
        assert (err.value.code, err.value.value) == ("multiple-values", "1件2件")
