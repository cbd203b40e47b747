"""Grade bands: validation, description and the grade of a rate, each result written out."""

from decimal import Decimal

import pytest

from xl_kpi import DEFAULT_BANDS, GradeBands, InputError, grade, kpi_rate


def test_default_bands_describe_themselves_in_japanese():
    assert DEFAULT_BANDS.letters == ("A", "B", "C", "D")
    assert DEFAULT_BANDS.describe() == ["A(◎): 100%以上", "B(○): 80%以上", "C(△): 50%以上", "D(×): 50%未満"]
    assert GradeBands(((0, "P", "○"),)).describe() == ["P(○)"]
    assert GradeBands(((60, "P", "○"), (-1, "F", "×"))).describe() == ["P(○): 60%以上", "F(×): 60%未満"]


def test_bands_must_be_highest_first_and_not_empty():
    for bad in (((0, "A", "◎"), (50, "B", "○")), ()):
        with pytest.raises(InputError) as info:
            GradeBands(bad)
        assert str(info.value) == "評価区分は下限の高い順に並べてください。" and info.value.value == bad
    assert GradeBands(((50, "A", "◎"), (50, "B", "○"))).letters == ("A", "B")  # equal lows are allowed


def test_grade_of_each_kind_of_rate():
    assert [grade(x) for x in (Decimal("1"), Decimal("0.995"), Decimal("0.994"), 0.8, 0.5, 0.4949, -3.0)] == \
        ["A", "A", "B", "B", "C", "D", "D"]
    assert [grade(x, symbols=True) for x in (1.0, 0.8, 0.5, 0.1)] == ["◎", "○", "△", "×"]
    assert grade(None) == "-" and grade(kpi_rate("", "1")) == "-" and grade(kpi_rate("1", "1")) == "A"
    assert grade(Decimal("-0.5"), GradeBands(((0, "P", "○"),))) == "-"  # below every band


def test_parse_rate_reads_numbers_percents_and_dashes():
    from xl_kpi.core.rate import parse_rate
    assert [parse_rate(x) for x in (Decimal("0.5"), 1, 0.125, "113%", "0.5")] == \
        [Decimal("0.5"), Decimal(1), Decimal("0.125"), Decimal("1.13"), Decimal("0.5")]
    assert [parse_rate(x) for x in ("", " - ", "－", "―", "—", None)] == [None] * 6


def test_parse_rate_refuses_with_the_text_named():
    from xl_kpi import QuantityError
    from xl_kpi.core.rate import parse_rate
    for bad in (True, "abc", "3件", "継続"):
        with pytest.raises(QuantityError) as info:
            parse_rate(bad)
        assert f"「{bad}」" in str(info.value) and info.value.value == str(bad)
    with pytest.raises(QuantityError, match="単位「件」"):
        parse_rate("3件")
    with pytest.raises(QuantityError, match="^達成率「継続」を数値として"):  # a quantity without a number
        parse_rate("継続")


def test_not_computable_rates_keep_their_method():
    assert [(r.method, r.reason_code) for r in (kpi_rate("", "1"), kpi_rate("1", "0"))] == \
        [("ratio", "missing-current"), ("ratio", "zero-target")]


def test_quantities_compare_hash_and_print_by_their_meaning():
    from xl_kpi import parse_quantity
    a, b, c = parse_quantity("1,200人"), parse_quantity("1200 人"), parse_quantity("1200件")
    assert a == b and a != c and hash(a) == hash(b)
    assert a.__ne__(b) is False and a.__ne__("x") is NotImplemented  # != is the negation of ==
    assert (a == "1200人") is False and (a != "1200人") is True
    assert str(a) == "1,200人" and len({a, b, c}) == 2


@pytest.mark.parametrize("current, target, baseline, lower, value, code", [
    ("10件", "現状維持", "10件", False, Decimal(1), None),          # held exactly
    ("11件", "現状維持", "10件", False, Decimal(1), None),          # beyond, on the good side
    ("9件", "現状維持", "10件", False, Decimal("0.9"), None),       # below: the ratio
    ("10件", "現状維持", "10件", True, Decimal(1), None),           # lower is better: held exactly
    ("8件", "現状維持", "10件", True, Decimal(1), None),
    ("12件", "現状維持", "10件", True, Decimal(10) / Decimal(12), None),
    ("9件", "10件を維持", None, False, Decimal("0.9"), None),        # the target's own number
    ("10件", "現状維持", None, False, None, "missing-baseline"),
    ("0", "現状維持", "-5", True, None, "zero-current"),
    ("-3", "現状維持", "0", False, None, "zero-target"),
])
def test_maintain_targets(current, target, baseline, lower, value, code):
    r = kpi_rate(current, target, baseline, lower_is_better=lower)
    assert (r.value, r.method, r.reason_code) == (value, "maintain", code)
    reasons = {None: None, "missing-baseline": "現状維持の目標には数値の基準値が必要です。",
               "zero-current": "現在値が0のため計算できません。", "zero-target": "目標値が0のため計算できません。"}
    assert r.reason == reasons[code]


def test_continue_targets_and_missing_values_say_why():
    assert [(r.value, r.method) for r in (kpi_rate("継続", "継続"), kpi_rate("中止", "継続"))] == \
        [(Decimal(1), "continue"), (Decimal(0), "continue")]
    r = kpi_rate("10件", "継続")
    assert (r.value, r.method, r.reason_code, r.reason) == (
        None, "continue", "not-comparable", "目標値「継続」に対して現在値「10件」では達成状況を判断できません。")
    assert [kpi_rate(c, "30件").reason for c in ("", "-", " なし ")] == [
        "現在値が空欄のため計算できません。", "現在値が「-」（値なし）のため計算できません。",
        "現在値が「なし」（値なし）のため計算できません。"]
