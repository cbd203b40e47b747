"""全国地方公共団体コード: the six-digit code of a prefecture or municipality (JIS X 0402).

The first five digits are the prefecture (JIS X 0401) and the municipality; the sixth is a check
digit (検査数字). The rule, as the Ministry of Internal Affairs and Communications states it in
「全国地方公共団体コード仕様」 (総務省, https://www.soumu.go.jp/denshijiti/code.html): multiply the
five digits by 6, 5, 4, 3 and 2, add the products, take the remainder of the sum divided by 11, and
subtract it from 11; the check digit is the last digit of the result (remainder 0 → 11 → 1,
remainder 1 → 10 → 0). Example: 富山市 16201 → 1·6 + 6·5 + 2·4 + 0·3 + 1·2 = 46, 46 mod 11 = 2,
11 − 2 = 9 → 162019.
"""

from __future__ import annotations

import unicodedata

from .errors import InputError

WEIGHTS = (6, 5, 4, 3, 2)


def check_digit(five: str) -> str:
    """The check digit of a five-digit code (``"16201"`` → ``"9"``)."""
    if len(five) != 5 or not five.isascii() or not five.isdigit():
        raise InputError(f"全国地方公共団体コードの上5桁は半角数字5桁です（「{five}」）。", value=five)
    remainder = sum(int(d) * w for d, w in zip(five, WEIGHTS)) % 11
    return str((11 - remainder) % 10)


def city_code(text: str) -> str:
    """A valid six-digit 全国地方公共団体コード from what a user typed: six digits whose check digit
    is right, or five digits (the check digit is added); full-width digits and spaces are read.
    Anything else is an :class:`InputError` that says what is wrong."""
    code = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    if not (code.isascii() and code.isdigit() and len(code) in (5, 6)):
        raise InputError(f"全国地方公共団体コードは6桁の数字です（「{text}」。例: 富山市は 162019）。", value=text)
    expected = check_digit(code[:5])
    if len(code) == 5:
        return code + expected
    if code[5] != expected:
        raise InputError(f"全国地方公共団体コード「{code}」の検査数字（6桁目）が合いません。"
                         f"上5桁 {code[:5]} の検査数字は {expected} です（{code[:5]}{expected}）。"
                         "コードを確かめてください。", value=text)
    return code
