"""Rounding as the report publishes it (issue 24, point 4): whole percent or one decimal, half up
(Excel's ROUND, the default) or truncated (ROUNDDOWN); the display, the grades, the rate check
and every scheme follow the one setting."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_kpi import KpiRecord, Source
from xl_kpi.core.errors import InputError
from xl_kpi.core.grading import SYMBOLS, Scheme, grade_kpi
from xl_kpi.core.rate import (
    DEFAULT_ROUNDING,
    HALF_UP,
    TRUNCATE,
    Rounding,
    format_rate,
    grade,
    kpi_rate,
    parse_rounding,
)
from xl_kpi.core.rules import evaluate, validate_records

ONE_TRUNCATED = Rounding(1, TRUNCATE)


@pytest.mark.parametrize(("rounding", "shown"), [
    (DEFAULT_ROUNDING, "28%"), (Rounding(1), "27.9%"), (ONE_TRUNCATED, "27.8%"), (Rounding(0, TRUNCATE), "27%"),
])
def test_131_of_470_is_shown_as_the_setting_says(rounding, shown):
    rate = kpi_rate("131人", "470人", rounding=rounding)
    assert rate.display == shown
    assert format_rate(rate.value, rounding) == shown
    assert f"{rate.percent}%" == shown


def test_the_default_is_whole_percent_half_up_like_excel_round():
    assert Rounding(0, HALF_UP) == DEFAULT_ROUNDING
    assert kpi_rate("45件", "40件").display == "113%"  # 112.5 % up, not to even
    assert kpi_rate("9", "80", rounding=Rounding(1)).display == "11.3%"  # 11.25 %


def test_truncation_goes_toward_zero_for_a_negative_rate():
    rate = kpi_rate("-647", "1000", rounding=Rounding(0, TRUNCATE))
    assert rate.display == "-64%"
    assert kpi_rate("-647", "1000").display == "-65%"


def test_the_shown_fraction_is_what_a_rate_cell_holds_in_its_format():
    rate = kpi_rate("131", "470", rounding=ONE_TRUNCATED)
    assert rate.shown == Decimal("0.278") and ONE_TRUNCATED.number_format == "0.0%"
    assert DEFAULT_ROUNDING.number_format == "0%"


def test_grades_read_the_shown_percent():
    assert grade(Decimal("0.9996")) == "A"  # 100 %
    assert grade(Decimal("0.9996"), rounding=ONE_TRUNCATED) == "B"  # 99.9 %
    assert grade(kpi_rate("9995", "10000", rounding=Rounding(0, TRUNCATE))) == "B"
    assert grade(kpi_rate("9995", "10000")) == "A"


def test_every_scheme_grades_on_the_shown_percent():
    half_up = Scheme(SYMBOLS)
    truncated = Scheme(SYMBOLS, rounding=ONE_TRUNCATED)
    assert grade_kpi("8996", "10000", "5000", scheme=half_up) == "○"      # 90 %
    assert grade_kpi("8996", "10000", "5000", scheme=truncated) == "△"    # 89.9 %
    assert grade_kpi("9999", "10000", "5000", scheme=Scheme(SYMBOLS, rounding=Rounding(0, TRUNCATE))) == "○"


@pytest.mark.parametrize(("text", "expected"), [
    ("", DEFAULT_ROUNDING), ("整数・四捨五入", DEFAULT_ROUNDING), ("小数第1位・切り捨て", ONE_TRUNCATED),
    ("小数第1位・四捨五入", Rounding(1)), ("整数・切り捨て", Rounding(0, TRUNCATE)), ("小数第1位", Rounding(1)),
])
def test_the_settings_text_is_read(text, expected):
    assert parse_rounding(text) == expected
    assert parse_rounding(expected.label) == expected


def test_decimals_and_mode_as_the_command_line_gives_them():
    assert parse_rounding("1", "truncate") == ONE_TRUNCATED
    assert parse_rounding("1", "切り捨て") == ONE_TRUNCATED
    assert parse_rounding(0, None) == DEFAULT_ROUNDING


@pytest.mark.parametrize(("text", "mode"), [("2", None), ("小数第3位", None), ("1", "banker"), ("x", "half-up")])
def test_an_unknown_rounding_is_refused_in_japanese(text, mode):
    with pytest.raises(InputError) as err:
        parse_rounding(text, mode)
    assert "達成率" in str(err.value)


def _record(**values: str) -> KpiRecord:
    base = {"goal_no": "1", "direction_letter": "ア", "measure_id": "1-01", "measure_name": "施策",
            "department": "企画管理部", "kpi_no": "1", "kpi_item": "件数", "target": "470人", "current": "131人"}
    base.update(values)
    return KpiRecord.from_mapping(base, Source("a.xlsx", "s", 5, {"rate": "J"}))


def test_evaluate_and_the_rate_check_follow_the_setting():
    rec = _record(rate="27.8%")
    assert evaluate(rec, ONE_TRUNCATED).rate.display == "27.8%"
    assert evaluate(rec).rate.display == "28%"
    assert "rate-mismatch" not in {f.code for f in validate_records([rec], rounding=ONE_TRUNCATED).findings}
    wrong = validate_records([_record(rate="27.9%")], rounding=ONE_TRUNCATED).findings
    assert [f.detail for f in wrong if f.code == "rate-mismatch"] == ["27.8%"]


@given(st.decimals(min_value=-100, max_value=100, places=6))
def test_truncated_never_exceeds_half_up_and_differs_by_less_than_one_step(x):
    for decimals in (0, 1):
        up = Rounding(decimals).percent(x)
        down = Rounding(decimals, TRUNCATE).percent(x)
        step = Decimal(1).scaleb(-decimals)
        assert abs(down) <= abs(up) and abs(up - down) <= step
        assert abs(x * 100 - down) < step
