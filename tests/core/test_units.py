"""One unit model (issue 24, point 1): spellings of one unit compare equal, 円/千円/万円/億円 and
人/千人/万人 are scales of one unit converted before comparing, and a real mismatch is still reported."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xl_kpi import KpiRecord, Source, kpi_rate, parse_quantity, validate_records
from xl_kpi.core.units import base_unit, convert, format_in_unit, same_unit


@pytest.mark.parametrize("spellings", [
    ("か所", "箇所", "ヶ所", "カ所", "ケ所", "ヵ所"), ("人", "名"), ("t", "トン"), ("ha", "ヘクタール"),
    ("㎡", "m2", "平方メートル"), ("km", "キロメートル"), ("%", "パーセント"),
])
def test_spellings_of_one_unit_compare_equal(spellings):
    for a in spellings:
        for b in spellings:
            assert same_unit(a, b), (a, b)


@pytest.mark.parametrize(("unit", "factor", "base"), [
    ("円", 1, "円"), ("千円", 1000, "円"), ("万円", 10**4, "円"), ("百万円", 10**6, "円"), ("億円", 10**8, "円"),
    ("千人", 1000, "人"), ("万人", 10**4, "人"), ("千トン", 1000, "t"), ("万名", 10**4, "人"), ("", 1, ""),
])
def test_scales_of_one_unit(unit, factor, base):
    assert base_unit(unit) == (Decimal(factor), base)


def test_a_real_mismatch_is_no_unit():
    assert not same_unit("件", "人") and not same_unit("千円", "人") and not same_unit("t", "ha")
    assert convert(Decimal(5), "件", "人") is None


def test_values_are_converted_to_the_reference_unit_and_scale():
    assert convert(Decimal("6.2"), "億円", "万円") == Decimal(62000)
    assert convert(Decimal(620000000), "円", "億円") == Decimal("6.2")
    assert convert(Decimal(12), "千人", "人") == Decimal(12000)
    assert convert(Decimal(3), "箇所", "か所") == Decimal(3)


@pytest.mark.parametrize(("value", "unit", "text"), [
    (Decimal(67000000), "円", "6,700万円"), (Decimal(900000000), "円", "9億円"), (Decimal(800000000), "円", "8億円"),
    (Decimal(620000000), "円", "6億2,000万円"), (Decimal("1234.5"), "人", "1,234.5人"), (Decimal(12000), "千円", "12,000千円"),
    (Decimal("0.67"), "億円", "0.67億円"), (Decimal(-3), "件", "-3件"), (Decimal(5), "", "5"),
])
def test_a_value_is_written_with_separators_and_its_unit(value, unit, text):
    assert format_in_unit(value, unit) == text


def _record(**values: str) -> KpiRecord:
    base = {"goal_no": "1", "direction_letter": "ア", "measure_id": "1-01", "measure_name": "施策",
            "department": "企画管理部", "kpi_no": "1", "kpi_item": "件数"}
    base.update(values)
    return KpiRecord.from_mapping(base, Source("a.xlsx", "s", 5, {"baseline": "G", "target": "H", "current": "I"}))


@pytest.mark.parametrize(("baseline", "target", "current"), [
    ("5箇所(平成30年度)", "10か所", "7ヶ所"), ("5カ所", "10ケ所", "7か所"), ("40名(平成30年度)", "60人", "45名"),
    ("5億円(平成30年度)", "8億円", "6億2,000万円"), ("1.2万人(平成30年度)", "15,000人", "13千人"),
    ("30t(平成30年度)", "50トン", "40t"), ("3ha(平成30年度)", "5ヘクタール", "4ha"), ("100㎡", "200m2", "150平方メートル"),
])
def test_one_unit_written_several_ways_is_no_unit_mismatch(baseline, target, current):
    rec = _record(baseline=baseline, target=target, current=current)
    assert "unit-mismatch" not in {f.code for f in validate_records([rec]).findings}


def test_a_real_mismatch_is_still_reported():
    findings = validate_records([_record(baseline="5人(平成30年度)", target="10件", current="7人")]).findings
    mismatch = {(f.field, f.severity) for f in findings if f.code == "unit-mismatch"}
    assert mismatch == {("baseline", "warning"), ("current", "error")}


def test_a_rate_across_scales_is_computed_in_one_scale():
    assert kpi_rate("6億2,000万円", "8億円").display == "78%"
    assert kpi_rate("1.2万人", "15,000人").display == "80%"
    assert kpi_rate("12千人", "1.5万人").display == "80%"
    assert kpi_rate("7ヶ所", "10箇所").display == "70%"
    assert kpi_rate("40トン", "50t").display == "80%"


def test_parse_keeps_the_unit_as_written():
    assert parse_quantity("6億2,000万円").unit == "円" and parse_quantity("8億円").unit == "億円"


def test_a_value_is_shown_beside_its_target_in_the_targets_unit_and_scale():
    from xl_kpi.core.presentation import in_unit_of
    assert in_unit_of("3,500万円(累計)", "100,000千円(累計)") == "35,000千円(累計)"
    assert in_unit_of("30名(累計)", "50人(累計)") == "30人(累計)"
    assert in_unit_of("6億2,000万円", "8億円") == "6.2億円"
    assert in_unit_of("45件", "40件") == "45件" and in_unit_of("5人", "40件") == "5人"
    assert in_unit_of("継続実施", "継続実施") == "継続実施" and in_unit_of("12", "40件") == "12"


def test_zero_and_tiny_values_are_written_without_a_sign_or_an_exponent():
    assert format_in_unit(Decimal(0), "件") == "0件" and format_in_unit(Decimal("0.0"), "人") == "0人"
    assert format_in_unit(Decimal("0.0000001"), "t") == "0.0000001t"
    assert format_in_unit(Decimal("-0.5"), "%") == "-0.5%"
