"""Units: one model for the unit of a KPI value — its spellings, its scale and how it is written.

A unit is a base unit with a scale: 億円 is 円 × 10^8, 千人 is 人 × 1,000, 箇所 is か所 × 1. Spellings
of one unit are one base (か所/箇所/ヶ所/カ所/ケ所, 人/名, t/トン, ha/ヘクタール, ㎡/m2/平方メートル), and
two values of one base compare after conversion to one scale. A base that differs (件 vs 人) is a
real mismatch. Pure functions of unit texts: the reference unit (the target's today, the plan
register's later) is always a parameter, never looked up here.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from .wording import MAGNITUDES, UNIT_ALIASES

__all__ = ["base_unit", "same_unit", "convert", "format_in_unit", "significant", "MAGNITUDES"]

_MAGNITUDE_HEADS = frozenset(w[0] for w in MAGNITUDES)
_MAN, _OKU, _CHO = Decimal(10) ** 4, Decimal(10) ** 8, Decimal(10) ** 12


@lru_cache(maxsize=1024)
def base_unit(unit: str) -> tuple[Decimal, str]:
    """(scale, base) of a unit: '億円' → (10^8, '円'), '千人' → (1000, '人'), '箇所' → (1, 'か所'),
    '' → (1, ''). A magnitude alone ('万') is a scale of a bare number."""
    factor = Decimal(1)
    if unit[:1] in _MAGNITUDE_HEADS:
        for word, f in MAGNITUDES.items():
            if unit.startswith(word):
                factor, unit = f, unit[len(word):]
                break
    return factor, UNIT_ALIASES.get(unit, unit)


def same_unit(a: str, b: str) -> bool:
    """Do two unit texts name one unit (any spelling, any scale)? '' matches only ''."""
    return a == b or base_unit(a)[1] == base_unit(b)[1]


def convert(value: Decimal, unit: str, to: str) -> Decimal | None:
    """``value`` in ``unit`` expressed in ``to`` (6.2 億円 → 62,000 万円); None when the units differ."""
    f_from, b_from = base_unit(unit)
    f_to, b_to = base_unit(to)
    if b_from != b_to:
        return None
    if f_from == f_to:
        return value
    return value * f_from / f_to


def significant(value: Decimal, digits: int = 3) -> Decimal:
    """``value`` to ``digits`` significant digits (a projection is no more precise than that):
    66,666,667 → 66,700,000; 0 stays 0."""
    if not value:
        return Decimal(0)
    return value.quantize(Decimal(1).scaleb(value.adjusted() - digits + 1)).normalize()


def _plain(value: Decimal) -> str:
    """Digits with thousands separators and no exponent: 1234.50 → '1,234.5', 6.7E+7 → '67,000,000'."""
    value = value.normalize() if value != value.to_integral_value() else value.quantize(Decimal(1))
    sign = "-" if value < 0 else ""
    whole, dot, frac = format(abs(value), "f").partition(".")
    return f"{sign}{int(whole):,}{dot}{frac}"


def format_in_unit(value: Decimal, unit: str) -> str:
    """A value written with separators and its unit, as a report prints it: 67,000,000 円 →
    '6,700万円', 620,000,000 円 → '6億2,000万円', 1234.5 人 → '1,234.5人'. Amounts in 円 are written
    in 万 and 億 (as Japanese reports do); any other unit, or a unit with its own scale (千円,
    億円), keeps the unit as given."""
    if unit != "円" or abs(value) < _MAN or value != value.to_integral_value():
        return f"{_plain(value)}{unit}"
    sign, rest = ("-" if value < 0 else ""), abs(value)
    parts = []
    for size, word in ((_CHO, "兆"), (_OKU, "億"), (_MAN, "万")):
        amount, rest = divmod(rest, size)
        if amount:
            parts.append(f"{_plain(amount)}{word}")
    if rest:
        parts.append(_plain(rest))
    return sign + "".join(parts) + unit
