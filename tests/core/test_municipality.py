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
