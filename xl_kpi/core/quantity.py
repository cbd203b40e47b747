"""Quantities: the text of a KPI cell (基準値, 目標値, 現在値) read into value, unit, basis and year.

``parse_quantity("32件/年(平成28～30年の平均)")`` gives value 32, unit 件 per 年, basis average,
fiscal years 2016–2018. Full-width digits and spaces, thousands separators, negatives (``-``,
``▲``, ``△``), decimals and ``%`` all parse. Text with no number is a quantity only when it is
one of the known qualifiers (新規, 継続実施, 現状維持 …). Text that holds two numbers, or none and
no qualifier, raises :class:`QuantityError` — never a silent guess. A label that slipped between
number and unit (``39.9栽培面積: ha``) is recovered but marked ``garbled`` so validation reports it.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple

from .errors import QuantityError
from .fiscal import FY_PATTERN, FiscalSpan, format_fiscal_year, span_from_match
from .text import CIRCLED, to_halfwidth

ERA_BASE = {"平成": 1988, "令和": 2018}

# Basis of a value.
CUMULATIVE = "cumulative"
AVERAGE = "average"
PER = {"年": "per-year", "年度": "per-year", "月": "per-month", "日": "per-day"}
BASES = (CUMULATIVE, AVERAGE, "per-year", "per-month", "per-day")

# Qualifiers: words that say something the number does not.
NEW = "new"
CONTINUE = "continue"
MAINTAIN = "maintain"
APPROX = "approx"
INCREASE = "increase"
DECREASE = "decrease"
AT_LEAST = "at-least"
AT_MOST = "at-most"
ESTIMATE = "estimate"
STOPPED = "stopped"
DONE = "done"
QUALIFIERS = (NEW, CONTINUE, MAINTAIN, APPROX, INCREASE, DECREASE, AT_LEAST, AT_MOST, ESTIMATE,
              STOPPED, DONE)

# Phrases, longest first, each with the qualifier it means. Removed from the text once seen.
_PHRASES: tuple[tuple[str, str], ...] = (
    ("事業を継続して実施する", CONTINUE),
    ("継続して実施", CONTINUE),
    ("継続実施", CONTINUE),
    ("継続中", CONTINUE),
    ("継続", CONTINUE),
    ("現状維持", MAINTAIN),
    ("を維持", MAINTAIN),
    ("維持", MAINTAIN),
    ("見込み", ESTIMATE),
    ("見込", ESTIMATE),
    ("程度", APPROX),
    ("の増加", INCREASE),
    ("増加", INCREASE),
    ("の減少", DECREASE),
    ("減少", DECREASE),
    ("以上", AT_LEAST),
    ("以下", AT_MOST),
    ("未満", AT_MOST),
    ("未実施", STOPPED),
    ("中止", STOPPED),
    ("休止", STOPPED),
    ("廃止", STOPPED),
    ("実施済み", DONE),
    ("実施済", DONE),
    ("完了", DONE),
)
_PHRASE_RE = re.compile("|".join(re.escape(p) for p, _ in _PHRASES))
_PHRASE_OF = dict(_PHRASES)

_NO_QUALIFIERS: frozenset[str] = frozenset()
_PAREN_RE = re.compile(r"[(\[【]([^()\[\]【】]*)[)\]】]")
_NUMBER_RE = re.compile(r"(?P<sign>[-+▲△])?\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)")
_PER_RE = re.compile(r"\s*/\s*(年度|年|月|日)")
_YEAR_TAIL_RE = re.compile(r"\x00\s*(?:末|時点|現在)*")
_APPROX_PREFIX_RE = re.compile(r"(約|およそ|概ね)\s*$")
_NEW_WORDS = ("新規", "新規事業", "新設", "新規実施")


class Quantity(NamedTuple):
    """One KPI cell read as a quantity. ``value`` is None for qualifier-only text (継続実施).

    Equality ignores ``raw``: two texts that say the same thing are the same quantity.
    """

    value: Decimal | None
    unit: str = ""
    per: str | None = None
    basis: str | None = None
    fiscal: FiscalSpan | None = None
    qualifiers: frozenset[str] = frozenset()
    label: str = ""
    garbled: bool = False
    raw: str = ""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self[:8] == other[:8]

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(self[:8])

    @property
    def unit_text(self) -> str:
        """The unit as a reader compares it: 件, 件/年, %."""
        return f"{self.unit}/{self.per}" if self.per else self.unit

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"

    def has(self, qualifier: str) -> bool:
        return qualifier in self.qualifiers

    def __str__(self) -> str:
        return format_quantity(self)


def parse_quantity(text: object) -> Quantity:
    """Read one KPI cell (text or number) as a :class:`Quantity`; raise QuantityError if it is not one."""
    if type(text) is str:
        return _parse_text(text)
    if isinstance(text, bool):
        raise QuantityError(f"「{text}」は数量として読み取れません。", value=text)
    if isinstance(text, (int, Decimal)):
        return Quantity(Decimal(text), raw=str(text))
    if isinstance(text, float):
        if text != text or text in (float("inf"), float("-inf")):
            raise QuantityError(f"「{text}」は数量として読み取れません。", value=text)
        return Quantity(Decimal(repr(text)), raw=repr(text))
    if text is None:
        raise QuantityError("空欄です。", code="missing-value", value="")
    if not isinstance(text, str):
        raise QuantityError(f"「{text!r}」は数量として読み取れません。", value=repr(text))
    return _parse_text(text)


# The common shape — [①] number unit [(累計) | (平成30年度[末])] — read by one regex; anything
# else goes through the general parser below. Both give the same Quantity.
_FAST_RE = re.compile(
    r"\s*(?P<label>[①-⑳])?(?P<sign>[-▲△])?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"\s*(?P<unit>[^\d\s()\[\]【】/:,、。~\-+▲△]{0,12}?)\s*"
    r"(?:\((?:(?P<cum>累計)|(?P<era>平成|令和)(?P<year>元|\d{1,2})年度末?)\))?\s*")
_FAST_UNIT_BLOCK = re.compile(r"計|平均|程度|以上|以下|未満|増加|減少|維持|継続|見込|実施|完了|中止|休止|廃止|時点|現在|末|約")


@lru_cache(maxsize=256)
def _fiscal(era: str, year: str) -> FiscalSpan:
    y = ERA_BASE[era] + (1 if year == "元" else int(year))
    return FiscalSpan(y, y)


@lru_cache(maxsize=65536)
def _parse_text(raw: str) -> Quantity:
    text = to_halfwidth(raw)
    m = _FAST_RE.fullmatch(text)
    if m is not None:
        unit = m.group("unit")
        if not unit or _FAST_UNIT_BLOCK.search(unit) is None:
            value = Decimal(m.group("num").replace(",", ""))
            if m.group("sign"):
                value = -value
            era = m.group("era")
            return Quantity(value, unit, None, CUMULATIVE if m.group("cum") else None,
                            _fiscal(era, m.group("year")) if era else None, _NO_QUALIFIERS,
                            m.group("label") or "", False, raw)
    text = text.strip()
    if not text:
        raise QuantityError("空欄です。", code="missing-value", value=raw)
    if len(text) > 200:
        raise QuantityError(f"「{raw[:40]}…」は長すぎて数量として読み取れません。", value=raw)

    qualifiers: set[str] = set()
    basis: str | None = None
    fiscal: FiscalSpan | None = None
    average = False

    # 1. Parenthesised notes: (累計), (平成30年度), (平成28～30年の平均), (令和元年度見込み).
    def note(m: re.Match[str]) -> str:
        nonlocal fiscal, basis, average
        inner = m.group(1)
        fy = FY_PATTERN.search(inner)
        if fy and fiscal is None:
            fiscal = span_from_match(fy)
        if "平均" in inner:
            average = True
        if "累計" in inner or inner.strip() == "計":
            basis = CUMULATIVE
        for p in _PHRASE_RE.findall(inner):
            qualifiers.add(_PHRASE_OF[p])
        return " "

    text = _PAREN_RE.sub(note, text)

    # 2. Years written outside parentheses (令和5年度 74%, R2年度末) with their time words.
    def year(m: re.Match[str]) -> str:
        nonlocal fiscal
        if fiscal is None:
            fiscal = span_from_match(m)
        return "\x00"

    if FY_PATTERN.search(text):
        text = _YEAR_TAIL_RE.sub(" ", FY_PATTERN.sub(year, text))

    def phrase(m: re.Match[str]) -> str:
        qualifiers.add(_PHRASE_OF[m.group(0)])
        return " "

    # 3. Exactly one number; what stands before it is a label, after it the unit and qualifiers.
    numbers = list(_NUMBER_RE.finditer(text))
    if len(numbers) > 1:
        raise QuantityError(f"「{raw}」に複数の数値があります。1つのセルには1つの値を入力してください。",
                            code="multiple-values", value=raw)
    if not numbers:
        bare = _PHRASE_RE.sub(phrase, text).strip(" :")
        if "平均" in bare:
            average, bare = True, bare.replace("平均", "").strip()
        if bare in _NEW_WORDS:
            qualifiers.add(NEW)
            bare = ""
        if qualifiers and (not bare or bare in CIRCLED):
            if average:
                basis = AVERAGE
            return Quantity(None, basis=basis, fiscal=fiscal, qualifiers=frozenset(qualifiers),
                            raw=raw)
        raise QuantityError(f"「{raw}」を数値として読み取れません。", value=raw)

    m = numbers[0]
    try:
        value = Decimal(m.group("num").replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex admits only valid numbers
        raise QuantityError(f"「{raw}」を数値として読み取れません。", value=raw) from None
    if m.group("sign") in ("-", "▲", "△"):
        value = -value

    label = text[: m.start()].strip()
    if "累計" in label:
        basis, label = CUMULATIVE, label.replace("累計", "").strip()
    if "平均" in label:
        average, label = True, label.replace("平均", "").strip()
    am = _APPROX_PREFIX_RE.search(label)
    if am:
        qualifiers.add(APPROX)
        label = label[: am.start()].strip()
    label = label.rstrip(":").strip()

    after = _PHRASE_RE.sub(phrase, text[m.end():])
    per: str | None = None
    pm = _PER_RE.search(after)
    if pm:
        per = "年" if pm.group(1) == "年度" else pm.group(1)
        after = after[: pm.start()] + after[pm.end():]
    if "累計" in after:
        basis, after = CUMULATIVE, after.replace("累計", "")
    if "平均" in after:
        average, after = True, after.replace("平均", "")
    garbled = False
    if ":" in after:
        # '39.9栽培面積: ha' — a label has slipped between number and unit.
        slipped, _, after = after.partition(":")
        garbled = True
        label = label or slipped.strip()
    unit = after.replace(" ", "").replace("\x00", "")
    if unit and (len(unit) > 12 or any(c in unit for c in "、。,;")):
        raise QuantityError(f"「{raw}」の単位「{after.strip()}」を読み取れません。", value=raw)
    if average:
        basis = AVERAGE
    elif per and basis is None:
        basis = PER[per]
    return Quantity(value, unit=unit, per=per, basis=basis, fiscal=fiscal,
                    qualifiers=frozenset(qualifiers), label=label, garbled=garbled, raw=raw)


def with_exact_value(q: Quantity, exact: Decimal | None) -> Quantity:
    """``q`` (a cell's shown text, read) with the unrounded number the cell holds, when the text
    shows that number rounded (「1,485人」 for 1484.6: value 1484.6, unit and basis from the text).
    A number the text does not show (another figure, a hidden sign) is not used: the text wins."""
    if exact is None or q.value is None:
        return q
    try:
        shown = exact.quantize(Decimal(1).scaleb(q.value.as_tuple().exponent), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return q
    return q._replace(value=exact) if shown == q.value else q


def format_number(value: Decimal) -> str:
    """Decimal → text with thousands separators: 1943 → '1,943', -64.7 → '-64.7'."""
    sign = "-" if value < 0 else ""
    digits = format(abs(value), "f")
    whole, dot, frac = digits.partition(".")
    return f"{sign}{int(whole):,}{dot}{frac}"


_SUFFIX = ((APPROX, "程度"), (AT_LEAST, "以上"), (AT_MOST, "以下"), (INCREASE, "の増加"),
           (DECREASE, "の減少"))
_WORD = ((CONTINUE, "継続実施"), (MAINTAIN, "現状維持"), (NEW, "新規"), (STOPPED, "中止"),
         (DONE, "完了"))


def format_quantity(q: Quantity) -> str:
    """A canonical text for a quantity; ``parse_quantity(format_quantity(q)) == q``."""
    parts: list[str] = []
    if q.label:
        parts.append(q.label if q.label in CIRCLED else f"{q.label}:")
    if q.value is not None:
        parts.append(format_number(q.value) + q.unit + (f"/{q.per}" if q.per else ""))
    for qual, word in _SUFFIX:
        if qual in q.qualifiers:
            parts.append(word)
    for qual, word in _WORD:
        if qual in q.qualifiers:
            parts.append("を維持" if qual == MAINTAIN and q.value is not None else word)
    notes: list[str] = []
    if q.fiscal is not None:
        fy = q.fiscal
        if fy.start == fy.end:
            notes.append(format_fiscal_year(fy.start, "年度" if fy.fiscal else "年"))
        else:
            end = format_fiscal_year(fy.end, "年度" if fy.fiscal else "年")
            notes.append(f"{format_fiscal_year(fy.start, '')}～{end}")
    if q.basis == AVERAGE:
        notes.append("の平均" if notes else "平均")
    if ESTIMATE in q.qualifiers:
        notes.append("見込み")
    text = "".join(parts)
    if notes:
        text += f"({''.join(notes)})"
    if q.basis == CUMULATIVE:
        text += "(累計)"
    return text

