import contextlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.mutation import examples
from xl_kpi import QuantityError, XlKpiError, format_quantity, parse_quantity
from xl_kpi.core.fiscal import FiscalSpan, format_fiscal_year, parse_fiscal_year, parse_reporting_year
from xl_kpi.core.quantity import (
    AVERAGE,
    BASES,
    CONTINUE,
    CUMULATIVE,
    ESTIMATE,
    MAINTAIN,
    QUALIFIERS,
    Quantity,
    format_number,
    normalized,
    with_exact_value,
)


@pytest.mark.parametrize("text, value, unit, basis, fy, quals, label", [
    ("6件(平成30年度)", "6", "件", None, (2018, 2018), set(), ""),
    ("30件(累計)", "30", "件", "cumulative", None, set(), ""),
    ("32件/年(平成28～30年の平均)", "32", "件/年", "average", (2016, 2018), set(), ""),
    ("54件/年(平成28～30年度の平均)", "54", "件/年", "average", (2016, 2018), set(), ""),
    ("1,943人(平成30年度)", "1943", "人", None, (2018, 2018), set(), ""),
    ("25 延べ事業者(累計)", "25", "延べ事業者", "cumulative", None, set(), ""),
    ("回数:6回(令和元年度)", "6", "回", None, (2019, 2019), set(), "回数"),
    ("新規物件登録件数 5件(平成30年度)", "5", "件", None, (2018, 2018), set(), "新規物件登録件数"),
    ("①18,360千円(平成30年度)", "18360", "千円", None, (2018, 2018), set(), "①"),
    ("1人(令和元年度見込み)", "1", "人", None, (2019, 2019), {"estimate"}, ""),
    ("74%(令和5年度)", "74", "%", None, (2023, 2023), set(), ""),
    ("63.4%", "63.4", "%", None, None, set(), ""),
    ("新規", None, "", None, None, {"new"}, ""),
    ("継続実施", None, "", None, None, {"continue"}, ""),
    ("事業を継続して実施する", None, "", None, None, {"continue"}, ""),
    ("継続", None, "", None, None, {"continue"}, ""),
    ("現状維持", None, "", None, None, {"maintain"}, ""),
    ("100人程度", "100", "人", None, None, {"approx"}, ""),
    ("約100人", "100", "人", None, None, {"approx"}, ""),
    ("10%の増加", "10", "%", None, None, {"increase"}, ""),
    ("10件以下", "10", "件", None, None, {"at-most"}, ""),
    ("１２，３４５　人", "12345", "人", None, None, set(), ""),
    ("－３．５ｋｍ", "-3.5", "km", None, None, set(), ""),
    ("▲5.5%", "-5.5", "%", None, None, set(), ""),
    ("△2件", "-2", "件", None, None, set(), ""),
    ("R2年度末16件", "16", "件", None, (2020, 2020), set(), ""),
    ("H30 12件", "12", "件", None, (2018, 2018), set(), ""),
    ("300人/日", "300", "人/日", "per-day", None, set(), ""),
    ("20件/月", "20", "件/月", "per-month", None, set(), ""),
    ("累計30件", "30", "件", "cumulative", None, set(), ""),
    ("30件(計)", "30", "件", "cumulative", None, set(), ""),
    ("継続雇用者数 10人", "10", "人", None, None, set(), "継続雇用者数"),
])
def test_parses_published_cell_texts(text, value, unit, basis, fy, quals, label):
    q = parse_quantity(text)
    assert (str(q.value) if q.value is not None else None) == value
    assert q.unit_text == unit
    assert q.basis == basis
    assert (None if q.fiscal is None else (q.fiscal.start, q.fiscal.end)) == fy
    assert set(q.qualifiers) == quals
    assert q.label == label
    assert q.raw == text
    assert not q.garbled


def test_numbers_from_cells():
    assert parse_quantity(15).value == Decimal(15)
    assert parse_quantity(0.1).value == Decimal("0.1")
    assert parse_quantity(Decimal("2.50")).value == Decimal("2.50")


def test_label_between_number_and_unit_is_recovered_but_marked_garbled():
    q = parse_quantity("39.9栽培面積: ha")
    assert (q.value, q.unit, q.label, q.garbled) == (Decimal("39.9"), "ha", "栽培面積", True)
    assert format_quantity(q) == "栽培面積:39.9ha"


@pytest.mark.parametrize("text, code", [
    ("5件、10人", "multiple-values"),
    ("5件 10件", "multiple-values"),
    ("abc", "unparseable-value"),
    ("", "missing-value"),
    ("   ", "missing-value"),
    (None, "missing-value"),
    (float("nan"), "unparseable-value"),
    (True, "unparseable-value"),
    ("5件、これは長い説明", "unparseable-value"),
])
def test_unreadable_text_is_reported_never_guessed(text, code):
    with pytest.raises(QuantityError) as info:
        parse_quantity(text)
    assert info.value.code == code
    assert str(info.value)  # a Japanese message


def test_fiscal_years():
    assert parse_fiscal_year("令和元年度") == FiscalSpan(2019, 2019)
    assert parse_fiscal_year("平成28～30年の平均") == FiscalSpan(2016, 2018, fiscal=False)
    assert parse_fiscal_year("2020年度") == FiscalSpan(2020, 2020)
    assert parse_fiscal_year("なし") is None
    assert format_fiscal_year(2019) == "令和元年度"
    assert format_fiscal_year(2018) == "平成30年度"
    assert format_fiscal_year(2024) == "令和6年度"
    assert [parse_reporting_year(x) for x in ("令和2", "R2", "令和2年度", "2020", 2020)] == [2020] * 5
    with pytest.raises(XlKpiError):
        parse_reporting_year("来年")


# --- properties -------------------------------------------------------------------------------

UNITS = st.sampled_from(["", "件", "人", "社", "回", "ha", "km", "千円", "%", "延べ事業者", "商品", "か所"])
LABELS = st.sampled_from(["", "①", "②", "回数", "平日", "新規物件登録件数"])
values = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2, allow_nan=False,
                     allow_infinity=False)


@st.composite
def quantities(draw):
    from xl_kpi.core.quantity import Quantity
    value = draw(values)
    per = draw(st.sampled_from([None, "年", "月", "日"]))
    unit = draw(UNITS)
    if per and not unit:
        unit = "件"
    basis = draw(st.sampled_from([None, "cumulative", "average"]))
    if basis is None and per:
        basis = {"年": "per-year", "月": "per-month", "日": "per-day"}[per]
    fy = draw(st.one_of(st.none(), st.integers(2010, 2030).map(lambda y: FiscalSpan(y, y)),
                        st.tuples(st.integers(2010, 2020), st.integers(1, 5)).map(
                            lambda t: FiscalSpan(t[0], t[0] + t[1]))))
    quals = draw(st.sets(st.sampled_from(["approx", "at-least", "at-most", "increase", "estimate"]),
                         max_size=1))
    return Quantity(value, unit=unit, per=per, basis=basis, fiscal=fy, qualifiers=frozenset(quals),
                    label=draw(LABELS))


@given(quantities())
@settings(max_examples=examples(400))
def test_format_then_parse_gives_the_quantity_back(q):
    assert parse_quantity(format_quantity(q)) == q


@given(st.text(max_size=60))
@settings(max_examples=examples(1500))
def test_parsing_raises_only_the_projects_error(text):
    try:
        q = parse_quantity(text)
    except QuantityError:
        return
    assert q.value is not None or q.qualifiers
    assert set(q.qualifiers) <= set(QUALIFIERS)
    assert q.basis is None or q.basis in BASES


@given(st.text(alphabet="0123456789０１２３４５６７８９,.，．-－▲△件人%％()（）累計平成令和元年度～:： ①②継続新規", max_size=30))
@settings(max_examples=examples(1500))
def test_parsing_kpi_like_noise_raises_only_the_projects_error(text):
    with contextlib.suppress(QuantityError):
        parse_quantity(text)


@pytest.mark.parametrize("text, exact, value", [
    ("1,485人(累計)", Decimal("1484.6"), Decimal("1484.6")),   # the typed number the text rounds
    ("37.5%", Decimal("37.46"), Decimal("37.46")),
    ("▲5.3", Decimal("-5.25"), Decimal("-5.25")),
    ("1,485人(累計)", Decimal("1200"), Decimal("1485")),       # a number the text does not show: the text
    ("5", Decimal("-5"), Decimal("5")),                          # a format that hides the sign: the text
    ("1,485人(累計)", None, Decimal("1485")),
])
def test_a_shown_text_takes_the_unrounded_number_it_shows(text, exact, value):
    q = with_exact_value(parse_quantity(text), exact)
    assert q.value == value and q.raw == text and q.unit == parse_quantity(text).unit


def test_a_qualifier_without_a_number_takes_no_number():
    assert with_exact_value(parse_quantity("継続実施"), Decimal(1)).value is None


# --- the canonical text, piece by piece --------------------------------------------------------

@pytest.mark.parametrize("q, text", [
    (Quantity(Decimal(6), "件", fiscal=FiscalSpan(2018, 2018)), "6件(平成30年度)"),
    (Quantity(Decimal(6), "件", fiscal=FiscalSpan(2018, 2018, fiscal=False)), "6件(平成30年)"),
    (Quantity(Decimal(54), "件", "年", AVERAGE, FiscalSpan(2016, 2018)), "54件/年(平成28～平成30年度の平均)"),
    (Quantity(Decimal(32), "件", "年", AVERAGE, FiscalSpan(2016, 2018, fiscal=False)),
     "32件/年(平成28～平成30年の平均)"),
    (Quantity(Decimal(5), "件", basis=AVERAGE), "5件(平均)"),
    (Quantity(Decimal(120), "人", fiscal=FiscalSpan(2019, 2019), qualifiers=frozenset({ESTIMATE})),
     "120人(令和元年度見込み)"),
    (Quantity(Decimal(1399), "人", basis=CUMULATIVE), "1,399人(累計)"),
    (Quantity(Decimal(3), "件", label="①"), "①3件"),
    (Quantity(Decimal(6), "回", label="回数"), "回数:6回"),
    (Quantity(Decimal(141), "か所", qualifiers=frozenset({MAINTAIN})), "141か所を維持"),
    (Quantity(None, qualifiers=frozenset({MAINTAIN})), "現状維持"),
    (Quantity(None, qualifiers=frozenset({CONTINUE})), "継続実施"),
    (Quantity(Decimal(0), "件"), "0件"),
])
def test_format_quantity_writes_the_canonical_text(q, text):
    assert format_quantity(q) == text
    assert parse_quantity(text) == q


def test_format_number_writes_every_digit_with_separators():
    assert format_number(Decimal("1E+3")) == "1,000"          # an exponent is written out
    assert format_number(Decimal("1E-7")) == "0.0000001"
    assert format_number(Decimal("-64.7")) == "-64.7" and format_number(Decimal(0)) == "0"
    assert format_number(Decimal("1234567.25")) == "1,234,567.25"


def test_a_magnitude_unit_without_a_number_keeps_no_number():
    assert normalized(Quantity(None, "億円")) == (None, "円")
    assert normalized(Quantity(Decimal(3), "億円")) == (Decimal(300_000_000), "円")


@pytest.mark.parametrize("text", [
    "10件、累計50件",               # no word marks a pace: two values
    "毎年度10～20件、累計50件",      # a range as the pace
    "毎年度10件、累計50人",          # two units
    "95%、97%(2025年度)",           # one of the two has no year
    "5件、10人", "①5件②10件", "5件 10件",  # plainly two values
])
def test_two_values_not_marked_as_pace_and_total_or_as_years_are_refused(text):
    with pytest.raises(QuantityError) as err:
        parse_quantity(text)
    assert err.value.code == "multiple-values"


def test_a_pace_with_its_total_or_values_by_year_keep_the_whole_text():
    q = parse_quantity("毎年度30都市程度、累計210都市")
    assert (q.value, q.unit, q.basis, q.pace, q.raw) == (Decimal(210), "都市", CUMULATIVE, "毎年度30都市程度",
                                                         "毎年度30都市程度、累計210都市")
    q = parse_quantity("95%(2023年度)、97%(2025年度)")
    assert (q.value, q.fiscal, q.earlier, q.raw) == (Decimal(97), FiscalSpan(2025, 2025), ("95%(2023年度)",),
                                                     "95%(2023年度)、97%(2025年度)")
    q = parse_quantity("累計50件、年間10件")          # the total first
    assert (q.value, q.basis, q.pace) == (Decimal(50), CUMULATIVE, "年間10件")
    with pytest.raises(QuantityError):
        parse_quantity("累計50件、累計10件")           # both totals


def test_quantity_or_none_reads_a_cell_or_says_none_without_a_reason():
    from decimal import Decimal

    from xl_kpi.core.quantity import parse_quantity, quantity_or_none
    assert [quantity_or_none(t) for t in ("", "  ", "-", "未集計", "3社(7社)")] == [None] * 5  # the last: two values
    q = quantity_or_none("1,200人(累計)")
    assert q is not None and (q.value, q.unit, q.basis) == (Decimal("1200"), "人", "cumulative")
    same = parse_quantity("30件")
    assert quantity_or_none(same) is same
    n = quantity_or_none(42)
    assert n is not None and n.value == Decimal("42")
