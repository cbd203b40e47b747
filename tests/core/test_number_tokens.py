"""Numbers of any size never crash, a number is a token, and typographic notation is read one way.

Issue 24, point 5: a value of any magnitude gives a rate, a not-computable rate or a refusal with
its reason — never ``decimal.InvalidOperation``; digits inside a word or a formula-like text are
no value; ・ between digits is a decimal point and 、 between groups of three digits a thousands
separator, wherever a value stands.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_kpi import KpiRecord, QuantityError, Source, kpi_rate, parse_quantity, validate_records
from xl_kpi.core.rate import Rate, format_rate, grade, parse_rate, round_half_up
from xl_kpi.core.rules import evaluate

finite_floats = st.floats(allow_nan=False, allow_infinity=False)
finite_decimals = st.decimals(allow_nan=False, allow_infinity=False)
numbers = st.one_of(finite_floats, finite_decimals, st.integers(min_value=-10**40, max_value=10**40))


def _rate_or_refusal(current, target, baseline=None) -> Rate | QuantityError:
    try:
        rate = kpi_rate(current, target, baseline)
    except QuantityError as err:
        assert str(err).endswith("。") or "。" in str(err)
        return err
    rate.display  # noqa: B018 — shown as published: must not raise
    grade(rate)
    if rate.value is None:
        assert rate.reason_code and rate.reason
    return rate


@settings(max_examples=300, deadline=None)
@given(numbers, numbers)
def test_a_rate_of_numbers_of_any_magnitude_is_a_rate_or_a_refusal(current, target):
    got = _rate_or_refusal(current, target)
    if isinstance(got, QuantityError):
        assert got.code  # a refusal says which rule refused the number
    elif got.value is not None:
        assert got.value.is_finite() and got.display.endswith("%")  # a rate is a finite percent
    else:
        assert got.display == "-"


@settings(max_examples=200, deadline=None)
@given(numbers, numbers, numbers)
def test_progress_of_numbers_of_any_magnitude_is_a_rate_or_a_refusal(current, target, baseline):
    try:
        rate = kpi_rate(current, target, baseline, "progress")
    except QuantityError as err:
        assert err.code and "。" in str(err)  # refused with its reason, never a crash
        return
    if rate.value is None:
        assert rate.reason_code and rate.reason and rate.display == "-"
    else:
        assert rate.value.is_finite() and rate.display.endswith("%")
        assert grade(rate) in ("A", "B", "C", "D")


@settings(max_examples=200, deadline=None)
@given(numbers)
def test_a_cell_text_of_any_magnitude_is_read_or_refused(x):
    for text in (f"{x}人", format(Decimal(repr(x)) if isinstance(x, float) else Decimal(x), "f") + "件"):
        try:
            q = parse_quantity(text)
        except QuantityError as err:
            assert err.code in ("value-out-of-range", "unparseable-value", "multiple-values")
            continue
        _rate_or_refusal(q, "100人")
        _rate_or_refusal("100人", q)


@settings(max_examples=200, deadline=None)
@given(numbers)
def test_shown_percent_and_grade_of_any_fraction_never_raise(x):
    value = Decimal(repr(x)) if isinstance(x, float) else Decimal(x)
    assert format_rate(value).endswith("%")
    grade(value)
    round_half_up(value, 1)


@pytest.mark.parametrize("current", [1e28, Decimal("1e28"), "1" + "0" * 28 + "人", "1E+28", 10**28,
                                     "1e300", Decimal("1E+999999")])
def test_a_current_value_of_ten_to_the_28_is_refused_with_its_reason_not_a_crash(current):
    with pytest.raises(QuantityError) as err:
        kpi_rate(current, "100人")
    assert err.value.code == "value-out-of-range"
    assert "大きすぎ" in str(err.value)


def test_a_tiny_target_gives_a_rate_too_large_to_show_as_not_computable():
    rate = kpi_rate("100人", "0.000000000001人")
    assert rate.value is None and rate.reason_code == "rate-out-of-range"


def test_an_entered_rate_of_ten_to_the_28_percent_is_refused():
    with pytest.raises(QuantityError):
        parse_rate("1" + "0" * 28 + "%")


def test_excel_general_notation_is_one_number():
    assert parse_quantity("1.5E+3").value == Decimal(1500)
    assert parse_quantity("2.5E-2").value == Decimal("0.025")


def _record(**values: str) -> KpiRecord:
    base = {"goal_no": "1", "direction_letter": "ア", "measure_id": "1-01", "measure_name": "施策",
            "department": "企画管理部", "kpi_no": "1", "kpi_item": "件数", "target": "100件", "current": "50件"}
    base.update(values)
    return KpiRecord.from_mapping(base, Source("a.xlsx", "s", 5, {"current": "L", "target": "K"}))


def test_a_record_with_a_huge_current_value_is_a_finding_on_its_cell():
    rec = _record(current="1" + "0" * 28 + "件")
    findings = validate_records([rec]).findings
    assert any(f.code == "value-out-of-range" and f.cell == "L5" for f in findings), findings
    assert evaluate(rec).rate is not None and evaluate(rec).rate.value is None


@pytest.mark.parametrize("text", ["x0y", "=cmd|' /C calc'!A0", "=A1", "abc12def", "@SUM(A1)", "A0"])
def test_digits_inside_a_word_or_a_formula_are_no_value(text):
    with pytest.raises(QuantityError) as err:
        parse_quantity(text)
    assert err.value.code == "unparseable-value"
    assert "数値ではありません" in str(err.value) or "数式" in str(err.value)


def test_a_formula_like_current_value_gives_no_rate_and_a_finding():
    rec = _record(current="=cmd|' /C calc'!A0")
    assert evaluate(rec).rate.value is None
    codes = {f.code for f in validate_records([rec]).findings}
    assert "unparseable-value" in codes


@pytest.mark.parametrize(("text", "value", "unit"), [
    ("12・9", Decimal("12.9"), ""),
    ("12・9%", Decimal("12.9"), "%"),
    ("41・6%", Decimal("41.6"), "%"),
    ("3・5ha", Decimal("3.5"), "ha"),
    ("18、500", Decimal(18500), ""),
    ("18、500人", Decimal(18500), "人"),
    ("1、234、567円", Decimal(1234567), "円"),
    ("約18、500人(令和2年度)", Decimal(18500), "人"),
])
def test_typographic_decimal_point_and_thousands_separator(text, value, unit):
    q = parse_quantity(text)
    assert (q.value, q.unit) == (value, unit)


def test_typographic_notation_is_read_the_same_in_a_rate_cell_and_a_rate():
    assert parse_rate("12・9%") == Decimal("0.129")
    assert kpi_rate("9、250人", "18、500人").display == "50%"


@pytest.mark.parametrize("text", ["1、2", "10件、300人", "12・9・3"])
def test_a_list_is_not_taken_for_typographic_notation(text):
    with pytest.raises(QuantityError):
        parse_quantity(text)
