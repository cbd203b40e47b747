"""Targets that are not one number: qualitative words of aim, ranges, a per-year pace beside a total.

Texts as published: 「2020 年までに全ての世代と同水準」 and 「1.5〜2%程度」 (内閣官房 まち・ひと・しごと創生
本部, tests/data/kpi_texts.csv), 「毎年度30都市程度、累計210都市」 (国の第2期総合戦略 KPI as quoted in
council minutes). Each class is read, and its 達成率 follows one documented rule (docs/methods.md, methods table).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_kpi import (
    KpiRecord,
    QuantityError,
    Source,
    format_quantity,
    kpi_rate,
    parse_quantity,
    validate_records,
)
from xl_kpi.core.findings import CATALOGUE
from xl_kpi.core.quantity import CUMULATIVE, QUALITATIVE


def findings_of(target: str, current: str, baseline: str = "") -> dict[str, str]:
    values = {"goal_no": "1", "measure_id": "1-01", "measure_name": "施策", "department": "部", "kpi_no": "1",
              "kpi_item": "指標", "baseline": baseline, "target": target, "current": current}
    record = KpiRecord.from_mapping(values, Source("kpi.csv", "", 2, {}))
    return {f.code: f.message for f in validate_records([record])}


# --- qualitative targets ------------------------------------------------------------------------

@pytest.mark.parametrize("text, year", [
    ("2020 年までに全ての世代と同水準", 2020),
    ("全国平均と同水準を目指す", None),
    ("令和7年度までに地域公共交通の利便性の向上を図る", 2025),
    ("誰もが活躍できる共生社会を実現", None),
    ("R6年度末までに全校で実施体制を構築し、効果を検証する", 2024),
    ("全ての世代と同水準\n(2020年)", 2020),
])
def test_words_of_aim_whose_only_figure_is_a_year_are_a_qualitative_target(text, year):
    q = parse_quantity(text)
    assert (q.value, q.qualifiers) == (None, frozenset({QUALITATIVE}))
    assert (q.fiscal.end if q.fiscal else None) == year
    assert parse_quantity(format_quantity(q)) == q


@pytest.mark.parametrize("current", ["93.4%", "全ての世代と同水準を達成", "-"])
def test_a_qualitative_target_has_no_rate_and_says_why_in_japanese(current):
    rate = kpi_rate(current, "2020 年までに全ての世代と同水準", "92.2%")
    assert (rate.value, rate.reason_code) == (None, "qualitative-target")
    assert "定性的な目標" in rate.reason and rate.reason.endswith("。")
    assert "unparseable-value" not in findings_of("2020 年までに全ての世代と同水準", current)


@pytest.mark.parametrize("text", ["abc", "全国1位と同水準", "2件と同水準、3件"])
def test_words_with_a_figure_or_without_japanese_words_are_not_a_qualitative_target(text):
    try:
        q = parse_quantity(text)
    except QuantityError:
        return
    assert not q.has(QUALITATIVE)


# --- ranges -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, low, high, unit", [
    ("1.5〜2%程度", "1.5", "2", "%"), ("80～90%", "80", "90", "%"), ("3～5件", "3", "5", "件"),
    ("80%～90%", "80", "90", "%"), ("１，０００～１，５００人", "1000", "1500", "人"),
])
def test_a_range_keeps_both_bounds(text, low, high, unit):
    q = parse_quantity(text)
    assert (q.value, q.upper, q.unit) == (Decimal(low), Decimal(high), unit)


@given(st.decimals(0, 10**6, places=1), st.decimals("0.1", 10**5, places=1), st.sampled_from(["%", "件", "人", "か所"]))
def test_a_range_round_trips_and_is_rated_against_the_bound_that_reaches_it(low, width, unit):
    high = low + width
    q = parse_quantity(f"{low}～{high}{unit}")
    assert (q.value, q.upper, q.unit) == (low, high, unit)
    assert parse_quantity(format_quantity(q)) == q
    current = f"{high}{unit}"
    if low:
        assert kpi_rate(current, q).value == high / low  # higher is better: against the lower bound
    assert kpi_rate(current, q, lower_is_better=True).value == 1  # lower is better: the upper bound


def test_reaching_a_range_is_reaching_the_target_and_a_finding_says_so():
    assert kpi_rate("1.5%", "1.5〜2%程度").percent == 100
    assert kpi_rate("1.8%", "1.5〜2%程度").percent == 120
    message = findings_of("1.5〜2%程度", "1.8%")["range-target"]
    assert "範囲" in message and "下限" in message
    assert CATALOGUE["range-target"].severity == "info"


# Two units (3件～5人), bounds the wrong way (5～3件) and a pace and total the words do not mark
# (年間10件、50件) stay multiple-values: tests/core/test_quantity_classes.py.


def test_an_age_range_before_the_value_is_still_a_label():
    q = parse_quantity("15~34歳の割合:92.2%")
    assert (q.value, q.upper) == (Decimal("92.2"), None)


# --- a per-year pace beside a cumulative total ------------------------------------------------

@given(st.integers(1, 999), st.integers(2, 20), st.sampled_from(["件", "都市", "人", "か所"]),
       st.sampled_from(["毎年度{p}{u}程度", "年間{p}{u}", "毎年{p}{u}", "{p}{u}/年"]),
       st.sampled_from(["累計{t}{u}", "合計{t}{u}", "{t}{u}(累計)"]), st.booleans(),
       st.sampled_from(["、", "\n", ", "]))
def test_the_total_marked_cumulative_is_the_target_and_the_pace_is_kept(pace, years, unit, pace_form,
                                                                         total_form, total_first, sep):
    pace_text = pace_form.format(p=pace, u=unit)
    total = pace * years
    parts = [total_form.format(t=total, u=unit), pace_text]
    q = parse_quantity(sep.join(parts if total_first else parts[::-1]))
    assert (q.value, q.unit, q.basis, q.pace) == (Decimal(total), unit, CUMULATIVE, pace_text.strip())
    assert parse_quantity(format_quantity(q)) == q
    assert kpi_rate(f"{pace}{unit}(累計)", q).value == Decimal(pace) / total


def test_a_period_before_the_total_is_not_a_pace():
    q = parse_quantity("毎年1社、5年間で累計5社")
    assert (q.value, q.unit, q.basis, q.pace) == (Decimal(5), "社", CUMULATIVE, "毎年1社")


def test_the_pace_is_named_in_an_info_finding():
    found = findings_of("毎年度30都市程度、累計210都市", "60都市(累計)")
    assert "毎年度30都市程度" in found["per-year-and-cumulative"] and "210都市" in found["per-year-and-cumulative"]
    assert CATALOGUE["per-year-and-cumulative"].severity == "info"


@pytest.mark.parametrize("text", ["たくさん", "多数", "***"])
def test_a_vague_amount_is_not_a_qualitative_target(text):
    with pytest.raises(QuantityError) as info:
        parse_quantity(text)
    assert info.value.code in ("unparseable-value", "missing-value")


@pytest.mark.parametrize("text, label", [
    ("2020 年までに全ての世代と同水準", "2020年までに全ての世代と同水準"),   # spaces go
    ("全ての世代と同水準\n(2020年)", "全ての世代と同水準"),                 # the year's note goes
    ("誰もが活躍できる共生社会を実現。", "誰もが活躍できる共生社会を実現"),    # so does the full stop
])
def test_a_qualitative_target_is_labelled_by_its_words_on_one_line(text, label):
    assert parse_quantity(text).label == label
