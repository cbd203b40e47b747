"""The text Excel displays for a value and its number format (xl_kpi/files/reading/numfmt.py).

Expected texts follow Microsoft's format-code guide
(https://support.microsoft.com/office/review-guidelines-for-customizing-a-number-format-c0a1d1fa-d3f4-4018-96b7-9c9354dd99f5)
and the formats Excel (ja-JP) assigns when a clerk types 2019/3/31, H31.3.31, 令和元年5月1日 or 1/2.
"""

from datetime import datetime, time
from decimal import Decimal

import pytest

from xl_kpi.files.reading.numfmt import display, is_date_format


@pytest.mark.parametrize("value, fmt, text", [
    (1399, '#,##0"人(累計)"', "1,399人(累計)"),
    (10000, '#,##0"件(累計)"', "10,000件(累計)"),
    (63.4, '0.0"%"', "63.4%"),
    (0.634, "0.0%", "63.4%"),
    (0.5, "0%", "50%"),
    (1943, "#,##0", "1,943"),
    (1943.0, "General", "1943"),
    (0.1 + 0.2, "General", "0.3"),
    (-5, '#,##0;"△"#,##0', "△5"),
    (-5, "#,##0", "-5"),
    (0, '#,##0;-#,##0;"-"', "-"),
    (12, r"0\件", "12件"),
    (1234567, '#,##0,"千円"', "1,235千円"),
    (45, '[$-411]#,##0"件"', "45件"),
    (3.5, "#,##0.0_);[Red](#,##0.0)", "3.5"),
    (-3.5, "#,##0.0_);[Red](#,##0.0)", "(3.5)"),
    (1234.5, "#,##0.##", "1,234.5"),
    (7, "000", "007"),
    (150, '[>=100]"多い";"少ない"', "多い"),
    (12345, "0.00E+00", "1.23E+04"),
    (0, '#,##0;-#,##0;;@', ""),
])
def test_numbers_show_as_excel_shows_them(value, fmt, text):
    assert display(value, fmt).text == text


def test_hidden_digits_are_known():
    assert display(37.46, '0.0"ha"').text == "37.5ha" and display(37.46, '0.0"ha"').rounded
    assert not display(37.5, '0.0"ha"').rounded


@pytest.mark.parametrize("value, fmt, text", [
    (datetime(2019, 3, 31), "yyyy/m/d", "2019/3/31"),
    (datetime(2019, 3, 31), "ge.m.d", "H31.3.31"),
    (datetime(2019, 5, 1), '[$-ja-JP-x-gannen]ggge"年"m"月"d"日";@', "令和元年5月1日"),
    (datetime(2019, 5, 1), '[$-411]ggge"年"m"月"d"日"', "令和1年5月1日"),
    (datetime(2018, 3, 31), 'gggee"年"mm"月"dd"日"', "平成30年03月31日"),
    (datetime(2020, 1, 2), 'm"月"d"日"', "1月2日"),
    (datetime(2020, 1, 2, 13, 5), "yyyy/m/d h:mm", "2020/1/2 13:05"),
    (datetime(2020, 1, 2), "yyyy/m/d(aaa)", "2020/1/2(木)"),
    (43555, "yyyy/m/d", "2019/3/31"),
    (time(9, 30), "h:mm AM/PM", "9:30 AM"),
])
def test_dates_show_as_excel_shows_them(value, fmt, text):
    shown = display(value, fmt)
    assert shown.text == text and shown.is_date


def test_date_formats_are_told_apart():
    assert is_date_format("yyyy/m/d") and is_date_format('[$-ja-JP-x-gannen]ggge"年"m"月"d"日";@')
    assert not is_date_format('#,##0"日"') and not is_date_format("General") and not is_date_format("0.0E+00")


def test_sheet_copies_are_known_by_their_names():
    from xl_kpi.files.reading.department import sheet_base_name
    for name in ("商工労働部 (2)", "商工労働部（旧）", "商工労働部のコピー", "商工労働部 (2) (3)", "商工労働部_old"):
        assert sheet_base_name(name) == "商工労働部", name
    assert sheet_base_name("商工労働部") == "商工労働部" and sheet_base_name("(2)") == "(2)"


@pytest.mark.parametrize("value, fmt, exact", [
    (1484.6, '#,##0"人(累計)"', Decimal("1484.6")),
    (0.3746, "0.0%", Decimal("37.46")),
    (1234567, '#,##0,"千円"', Decimal("1234.567")),
    (-5.25, '#,##0.0;"△"#,##0.0', Decimal("-5.25")),
    (-5.25, "#,##0.0", Decimal("-5.25")),
    (1943.0, "General", Decimal("1943")),
    (12345, "0.00E+00", Decimal("12345")),
])
def test_the_number_on_the_scale_of_the_shown_text_unrounded(value, fmt, exact):
    """What a rate is computed from: 0.3746 in a 0.0% cell shows 37.5% and is 37.46 (percent)."""
    assert display(value, fmt).exact == exact


def test_a_format_of_literals_only_shows_no_number():
    assert display(5, '"なし"').exact is None and display("text", "@").exact is None
