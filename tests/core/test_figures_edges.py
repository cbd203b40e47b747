"""Edges of the new core code of issue 24 (units, direction, rounding, projections, number ranges),
each written so that a changed operator or constant fails a test."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xl_kpi import QuantityError, kpi_rate, parse_quantity
from xl_kpi.core.direction import (
    BELOW_BASELINE,
    DEFAULT,
    STATED,
    TARGET_WORDS,
    kpi_direction,
)
from xl_kpi.core.history import KpiHistory, YearPoint, project, reference
from xl_kpi.core.quantity import LARGEST, SMALLEST
from xl_kpi.core.rate import TRUNCATE, Rounding, format_rate, grade
from xl_kpi.core.units import format_in_unit, significant


def _q(text):
    return parse_quantity(text) if text else None


# --- number range ------------------------------------------------------------------------------

def test_the_range_of_a_kpi_figure_has_exact_bounds():
    assert parse_quantity(LARGEST - 1).value == LARGEST - 1
    with pytest.raises(QuantityError):
        parse_quantity(LARGEST)
    assert parse_quantity(SMALLEST).value == SMALLEST
    with pytest.raises(QuantityError) as err:
        parse_quantity(SMALLEST / 10)
    assert "小さすぎ" in str(err.value)
    assert parse_quantity(-(LARGEST - 1)).value == -(LARGEST - 1)
    assert parse_quantity(0).value == 0 and parse_quantity(Decimal("0E+999999")).value == 0


def test_a_magnitude_counts_toward_the_range():
    assert parse_quantity("999兆円").value == 999
    with pytest.raises(QuantityError):
        parse_quantity("1,000兆円")  # 10^15 円
    with pytest.raises(QuantityError):
        parse_quantity(Decimal("NaN"))


def test_a_rate_at_the_limit():
    assert kpi_rate("999999", "1").value == Decimal(999999)
    assert kpi_rate("1000000", "1").reason_code == "rate-out-of-range"
    assert kpi_rate("-1000000", "1").reason_code == "rate-out-of-range"
    assert grade(Decimal(10) ** 6) == "-" and grade(Decimal(10) ** 6 - 1) == "A"


# --- rounding ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("fraction", "shown"), [
    (Decimal("0.2785"), ("28%", "27.9%", "27%", "27.8%")),
    (Decimal("0.005"), ("1%", "0.5%", "0%", "0.5%")),
    (Decimal("-0.0049"), ("0%", "-0.5%", "0%", "-0.4%")),
    (Decimal("1.12549"), ("113%", "112.5%", "112%", "112.5%")),
])
def test_each_rounding_of_a_fraction(fraction, shown):
    settings = (Rounding(), Rounding(1), Rounding(0, TRUNCATE), Rounding(1, TRUNCATE))
    assert tuple(r.format(fraction) for r in settings) == shown


def test_rounding_of_a_float_and_of_no_value():
    assert format_rate(0.2785, Rounding(1, TRUNCATE)) == "27.8%"
    assert format_rate(None) == "-" and Rounding().format(Decimal("Infinity")) == "-"
    assert Rounding(1).label == "小数第1位・四捨五入" and Rounding(0, TRUNCATE).label == "整数・切り捨て"


# --- units -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "digits", "expected"), [
    (Decimal("66666666.7"), 3, Decimal("66700000")), (Decimal("0.33333"), 2, Decimal("0.33")),
    (Decimal("-1234.5"), 3, Decimal("-1230")), (Decimal(0), 3, Decimal(0)), (Decimal("12.5"), 3, Decimal("12.5")),
    (Decimal("999.6"), 3, Decimal("1000")),
])
def test_significant_digits(value, digits, expected):
    assert significant(value, digits) == expected


@pytest.mark.parametrize(("value", "unit", "text"), [
    (Decimal(-67000000), "円", "-6,700万円"), (Decimal(9999), "円", "9,999円"), (Decimal(10000), "円", "1万円"),
    (Decimal("12345.6"), "円", "12,345.6円"), (Decimal(1200000000001), "円", "1兆2,000億1円"),
    (Decimal("1E+3"), "件", "1,000件"), (Decimal("2.50"), "%", "2.5%"),
])
def test_money_is_written_in_man_and_oku_and_every_other_unit_plainly(value, unit, text):
    assert format_in_unit(value, unit) == text


# --- direction ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("stated", "baseline", "target", "lower", "source"), [
    ("lower", "", "100件", True, STATED), ("higher", "500件", "100件", False, STATED),
    ("", "", "10件以下", True, TARGET_WORDS), ("", "", "20%削減", True, TARGET_WORDS),
    ("", "", "第1位", True, TARGET_WORDS), ("", "500件", "600件以上", False, TARGET_WORDS),
    ("", "500件", "100件増", False, TARGET_WORDS),
    ("", "500件", "100件", True, BELOW_BASELINE), ("", "100件", "100件", False, DEFAULT),
    ("", "100件", "500件", False, DEFAULT), ("", "5万人", "40,000人", True, BELOW_BASELINE),
    ("", "500件(累計)", "100件", False, DEFAULT),  # another basis: not compared
    ("", "500人", "100件", False, DEFAULT),        # another unit: not compared
    ("", "5～8件", "3件", True, BELOW_BASELINE),    # a range baseline compares by its lower bound
    ("", "500件", "1～3件", False, DEFAULT),        # a range target is not compared
    ("", "新規", "100件", False, DEFAULT), ("", "約500件", "100件", True, BELOW_BASELINE),
    ("", "500件", "100件を維持", False, DEFAULT), ("", "500件", "継続実施", False, DEFAULT),
])
def test_each_rule_of_the_direction(stated, baseline, target, lower, source):
    d = kpi_direction(stated, "件数", _q(baseline), _q(target))
    assert (d.lower, d.source) == (lower, source)


def test_a_reduce_word_gives_lower_only_without_a_comparable_baseline():
    assert kpi_direction("", "交通事故件数", _q("500件"), _q("600件")).lower is False  # the baseline says higher
    assert kpi_direction("", "交通事故件数", None, _q("600件")).word == "事故"
    assert kpi_direction("", "交通事故件数", None, _q("継続実施")).lower is False


# --- projections -------------------------------------------------------------------------------

def _h(baseline, target, points, lower=False, item="件数"):
    return KpiHistory(("1-01", "1"), kpi_item=item, baseline=baseline, target=target, lower_is_better=lower,
                      points={y: YearPoint(v) for y, v in points.items()})


def test_the_reference_of_a_bare_target_beside_percent_values():
    ref = reference(_h("", "0.9", {2021: "45%"}))
    assert (ref.unit, ref.target) == ("%", Decimal(90))
    assert reference(_h("", "90", {2021: "45%"})).target == Decimal(90)
    assert reference(_h("", "継続実施", {2021: "45%"})) is None


def test_the_pace_is_measured_from_the_first_report_when_there_is_no_earlier_value():
    p = project(_h("", "40件", {2020: "10件", 2021: "14件"}), 2020, 2024)
    assert p.reason.startswith("令和2年度から令和3年度までの年平均 4件") and p.value == Decimal(26)


def test_a_share_exactly_at_100_and_a_count_exactly_at_0_are_not_bounded():
    p = project(_h("", "100%", {2019: "80%", 2021: "90%"}), 2020, 2024)  # 90 + 15 = 105 → 100
    assert p.value == Decimal(100) and "100%を超えない" in p.reason
    q = project(_h("", "500人", {2019: "300人", 2021: "200人"}), 2020, 2024)  # 200 − 150 = 50
    assert q.value == Decimal(50) and "0未満" not in q.reason
    r = project(_h("", "150%", {2019: "80%", 2021: "120%"}), 2020, 2024)  # a % beyond 100 seen: not a share
    assert r.value == Decimal(180)


def test_per_year_values_beside_a_cumulative_target_are_not_projected():
    p = project(_h("", "100件(累計)", {2020: "10件/年", 2021: "12件/年"}), 2020, 2024)
    assert p.status == "unknown" and "年あたり" in p.reason and "累計" in p.reason
