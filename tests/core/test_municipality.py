"""全国地方公共団体コード: five digits and a check digit (modulus 11, weights 6-5-4-3-2)."""

import pytest

from xl_kpi.core.errors import InputError
from xl_kpi.core.municipality import check_digit, city_code


@pytest.mark.parametrize("code", [
    "162019",  # 富山市
    "131032",  # 港区
    "131041",  # 新宿区: the sum is a multiple of 11, 11 − 0 = 11, the check digit is its last digit 1
    "281000",  # 神戸市: remainder 1, 11 − 1 = 10, check digit 0
    "011002",  # 札幌市: a leading zero is part of the code
])
def test_published_codes_have_the_check_digit_of_their_first_five(code):
    assert check_digit(code[:5]) == code[5]
    assert city_code(code) == code


def test_a_code_given_with_five_digits_gets_its_check_digit():
    assert city_code("16201") == "162019"
    assert city_code("１６２０１９") == "162019"  # full-width digits as a clerk types them


@pytest.mark.parametrize("bad", ["162010", "162018", "1620", "16201A", "", "1620190"])
def test_wrong_codes_are_refused_in_japanese(bad):
    with pytest.raises(InputError, match="全国地方公共団体コード"):
        city_code(bad)


@pytest.mark.parametrize("five", ["１６２０１", "1620", "162019", "16a01"])
def test_a_check_digit_is_only_for_five_half_width_digits(five):
    with pytest.raises(InputError) as err:
        check_digit(five)
    assert str(err.value) == f"全国地方公共団体コードの上5桁は半角数字5桁です（「{five}」）。"
    assert err.value.value == five


def test_spaces_inside_a_code_are_read_past():
    assert city_code("16 201") == "162019" and city_code("１６２　０１９") == "162019"


def test_a_code_that_is_not_six_digits_is_refused_with_an_example():
    with pytest.raises(InputError) as err:
        city_code("1620")
    assert str(err.value) == "全国地方公共団体コードは6桁の数字です（「1620」。例: 富山市は 162019）。"
    assert err.value.value == "1620"


def test_a_wrong_check_digit_is_refused_naming_the_right_code():
    with pytest.raises(InputError) as err:
        city_code("162 018")
    assert str(err.value) == ("全国地方公共団体コード「162018」の検査数字（6桁目）が合いません。"
                              "上5桁 16201 の検査数字は 9 です（162019）。コードを確かめてください。")
    assert err.value.value == "162 018"
