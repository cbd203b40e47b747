"""Quantities: the text of a KPI cell (基準値, 目標値, 現在値) read into value, unit, basis and year.

``parse_quantity("32件/年(平成28～30年の平均)")`` gives value 32, unit 件 per 年, basis average,
fiscal years 2016–2018. The cell is read in named steps (:func:`_read_step_by_step`): normalise the
text (full-width digits and spaces, line breaks), take out the notes in parentheses (nested
ones too; a breakdown such as ``15か所(公立2か所…)`` is a note, the leading number the total),
dates and years (令和/平成/R/H/西暦, ranges, ``令和3年3月31日``, ``R3.3.31``), prefixes before
the number (約, 年間, 月平均, 累計, 延べ, 平日 …), combined magnitudes (``1億2,000万円``), then
exactly one number with its unit and the qualifiers after it (程度, 以上, の増加, 増, 削減 …).
Text with no number is a quantity only when its words say something (継続実施, 増加, a date).
A placeholder (``-``, ``―``, ``なし``, ``未集計`` …) raises :class:`QuantityError` with code
``missing-value``, as a blank does; two numbers raise ``multiple-values``; anything else that is
not a quantity ``unparseable-value`` — never a silent guess. A label that slipped between number
and unit (``39.9栽培面積: ha``) is recovered but marked ``garbled`` so validation reports it.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple

from .errors import QuantityError
from .fiscal import (
    DATE_PATTERN,
    FY_PATTERN,
    FiscalSpan,
    date_span,
    era_year,
    format_fiscal_year,
    span_from_match,
)
from .text import CIRCLED, to_halfwidth
from .units import base_unit
from .wording import (
    AGE_RE,
    AIM_RE,
    AMOUNT_WORDS,
    APPROX,
    APPROX_PREFIX_RE,
    ARROWS,
    AT_LEAST,
    AT_MOST,
    AVERAGE,
    BASES,
    COMBINATION_RE,
    CONTINUE,
    CUMULATIVE,
    DATE,
    DEADLINE_PREFIX_RE,
    DECREASE,
    DONE,
    ESTIMATE,
    FORMULA_RE,
    IDEOGRAPHIC_THOUSANDS_RE,
    INCREASE,
    MAGNITUDE_TYPOS,
    MAGNITUDES,
    MAINTAIN,
    NAKAGURO_DECIMAL_RE,
    NEGATIVE_WORD_RE,
    NEW,
    NEW_WORDS,
    NO_VALUE_WORDS,
    ONE_MARK,
    ONE_PER_RE,
    PACE_RE,
    PER,
    PER_PREFIX_RE,
    PERIOD_PREFIX_RE,
    PHRASE_RE,
    PHRASES,
    QUALIFIERS,
    QUALITATIVE,
    RANGE_RE,
    SCALED_UNITS,
    STOPPED,
    TIME_WORD_RE,
    TOTAL_WORDS,
    UNIT_DIGIT_RE,
    UNIT_ONLY,
    ZERO_WORD_RE,
    is_placeholder,
)

__all__ = [
    "Quantity", "parse_quantity", "quantity_or_none", "read_quantity", "format_quantity", "format_number",
    "normalized", "is_placeholder",
    "CUMULATIVE", "AVERAGE", "PER", "BASES", "NEW", "CONTINUE", "MAINTAIN", "APPROX", "INCREASE",
    "DECREASE", "AT_LEAST", "AT_MOST", "ESTIMATE", "STOPPED", "DONE", "DATE", "QUALITATIVE", "QUALIFIERS",
]

_NO_QUALIFIERS: frozenset[str] = frozenset()
_NOTE_QUALIFIERS = frozenset({ESTIMATE, APPROX})  # what a note in parentheses may add
_PAREN_RE = re.compile(r"[(\[【〔]([^()\[\]【】〔〕]*)[)\]】〕]")
_NUMBER_RE = re.compile(r"(?P<sign>[-+▲△])?\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)")
_PER_RE = re.compile(r"\s*/\s*(年度|年|月|日)")
_LINE_BREAKS = str.maketrans({"\n": " ", "\r": " ", "\t": " "})
_TRAILING_PUNCTUATION = "、。.,;"
_COUNTER_AFTER_ONE = tuple(ONE_MARK + c for c in ("人", "世帯", "件", "校", "社", "戸", "台", "施設"))

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
    earlier: tuple[str, ...] = ()  # other values of the cell, each of an earlier year (see _read_by_year)
    upper: Decimal | None = None  # a range (1.5~2%): ``value`` is the lower bound, this the upper
    pace: str = ""  # a per-year figure stated beside a cumulative one (毎年度30都市、累計210都市)

    def _key(self) -> tuple:
        return (*self[:8], self.upper, self.pace)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._key() == other._key()

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(self._key())

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
        return _parse_cell_text(text)
    if isinstance(text, bool):
        raise QuantityError(f"「{text}」は数量として読み取れません。", value=text)
    if isinstance(text, (int, Decimal)):
        number = Decimal(text)
        if not number.is_finite():
            raise QuantityError(f"「{text}」は数量として読み取れません。", value=str(text))
        return _within_range(Quantity(number, raw=str(text)))
    if isinstance(text, float):
        if text != text or text in (float("inf"), float("-inf")):
            raise QuantityError(f"「{text}」は数量として読み取れません。", value=text)
        return _within_range(Quantity(Decimal(repr(text)), raw=repr(text)))
    if text is None:
        raise QuantityError("空欄です。", code="missing-value", value="")
    if not isinstance(text, str):
        raise QuantityError(f"「{text!r}」は数量として読み取れません。", value=repr(text))
    return _parse_cell_text(text)


# The figures a KPI cell can hold: Excel keeps 15 significant digits, and no count, amount or
# share of a plan is 10^15 or more (1,000兆) or, unless zero, smaller than 10^-15.
LARGEST = Decimal(10) ** 15
SMALLEST = Decimal(10) ** -15


def _within_range(q: Quantity) -> Quantity:
    """``q`` if its figures (in the base unit: 3億円 as 300,000,000円) are in the range a KPI
    cell can hold; else a refusal with code ``value-out-of-range`` (never a crash later on)."""
    for value in (q.value, q.upper):
        if value is None:
            continue
        size = abs(normalized(q._replace(value=value))[0] or value)
        if size >= LARGEST or (size and size < SMALLEST):
            what = "大きすぎ" if size >= LARGEST else "小さすぎ"
            raise QuantityError(f"「{str(q.raw).strip()[:40]}」は数値が{what}て、KPIの値として扱えません"
                                f"（{format_number(LARGEST)}未満、0でなければ{format_number(SMALLEST)}以上の値を入力してください）。",
                                code="value-out-of-range", value=q.raw)
        if not value and abs(int(value.as_tuple().exponent)) > 15:  # 0E+999999: zero, written plainly
            q = q._replace(value=Decimal(0)) if value is q.value else q._replace(upper=Decimal(0))
    return q


def normalized(q: Quantity) -> tuple[Decimal | None, str]:
    """Value and unit in one scale for comparing: magnitudes applied (3億円 → 300,000,000 円) and
    units written several ways made one (箇所/ヶ所 → か所, 名 → 人)."""
    factor, unit = base_unit(q.unit)
    value = q.value
    return (None if value is None else value * factor if factor != 1 else value), unit


# The common shape — [①] number unit [(累計) | (平成30年度[末])] — read by one regex; anything
# else goes through the steps below. Both give the same Quantity.
_FAST_RE = re.compile(
    r"\s*(?:(?P<label>[①-⑳])|(?P<words>[^\d\s()\[\]【】/:,、。~\-+▲△①-⑳]{1,16}) )?"
    r"(?P<sign>[-▲△])?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"\s*(?P<unit>[^\d\s()\[\]【】/:,、。~\-+▲△]{0,12}?)\s*"
    r"(?:\((?:(?P<cum>累計)|(?P<era>平成|令和)(?P<year>元|\d{1,2})年度末?(?P<est>見込み?)?)\))?\s*")
_FAST_UNIT_BLOCK = re.compile(
    r"計|平均|程度|以上|以下|未満|以内|超|増|減|維持|継続|見込|実施|完了|中止|休止|廃止|時点|現在|末|約|"
    r"向上|上昇|アップ|抑制|策定|完成|開設|設置|供用|達成|暫定|速報|推計|見通|兆|億|万|位|年|月|日|"
    r"拡大|創出|確保|実現|目指|へ|の|%台|割|憶")


# Words before the number that the general steps read (約, 累計, 年間, 第 …) or that hold a year.
_FAST_LABEL_BLOCK = re.compile(
    r"約|およそ|概ね|おおむね|累計|平均|延べ|年|月|日|週|第|比|当たり|あたり|計|昭和|平成|令和|西暦|[SHR]$|^[SHR]|"
    r"マイナス|ゼロ|零|現状|以内|[兆億万千]|%|^[A-Za-z]")
_ESTIMATE = frozenset({ESTIMATE})


@lru_cache(maxsize=256)
def _fiscal(era: str, year: str) -> FiscalSpan:
    y = era_year(era, year)
    return FiscalSpan(y, y)


# Cells that are one known word (新規, 継続実施 …): the commonest texts without a number.
_WORD_QUANTITIES = {w: Quantity(None, qualifiers=frozenset({q})) for w, q in PHRASES.items() if q}
_WORD_QUANTITIES.update({w: Quantity(None, qualifiers=frozenset({NEW})) for w in NEW_WORDS})


def read_quantity(text: str) -> Quantity | QuantityError:
    """:func:`parse_quantity` of a cell's text with a refusal returned, not raised: the validation
    reads four cells of every KPI row, and raising costs more than the cached reading itself. The
    error returned is shared (cached): read its code and message, never change it."""
    return _read_cell_text(text)


def quantity_or_none(text: object) -> Quantity | None:
    """The cell read as a quantity, or None when it holds none: blank, a placeholder or text that
    cannot be read alike (the reason is not wanted where this is used). A Quantity is returned as
    it is; a number is read as its text."""
    if isinstance(text, Quantity):
        return text
    if isinstance(text, str):
        q = read_quantity(text) if text.strip() else None
        return None if q is None or isinstance(q, QuantityError) else q
    try:
        return parse_quantity(text)
    except QuantityError:
        return None


def _parse_cell_text(raw: str) -> Quantity:
    """A cell's text read once: lru_cache keeps only results, so the texts that are refused (a
    blank, 「-」, a remark) are remembered as their error and raised anew each time."""
    read = _read_cell_text(raw)
    if isinstance(read, QuantityError):
        raise QuantityError(str(read), code=read.code, value=read.value)
    return read


@lru_cache(maxsize=65536)
def _read_cell_text(raw: str) -> Quantity | QuantityError:
    try:
        return _within_range(_read_cell_text_uncached(raw))
    except QuantityError as err:
        return err.with_traceback(None)


# How Excel's General format shows a number too large or too small for its width: 1E+28, 2.5E-07.
_SCIENTIFIC_RE = re.compile(r"\s*[-+]?\d+(?:\.\d+)?[Ee][-+]?\d{1,9}\s*")


def _read_cell_text_uncached(raw: str) -> Quantity:
    text = to_halfwidth(raw)
    word = _WORD_QUANTITIES.get(text.strip())
    if word is not None:
        return word._replace(raw=raw)
    if ("E" in text or "e" in text) and _SCIENTIFIC_RE.fullmatch(text):
        return Quantity(Decimal(text.strip()), raw=raw)
    m = _FAST_RE.fullmatch(text)
    if m is not None:
        label, words, sign, num, unit, cum, era, year, est = m.groups()
        if (not unit or _FAST_UNIT_BLOCK.search(unit) is None) and (
                not words or _FAST_LABEL_BLOCK.search(words) is None):
            value = Decimal(num.replace(",", "")) if "," in num else Decimal(num)
            return Quantity(-value if sign else value, unit, None, CUMULATIVE if cum else None,
                            _fiscal(era, year) if era else None, _ESTIMATE if est else _NO_QUALIFIERS,
                            label or words or "", False, raw)
    return _read_step_by_step(raw, text)


class _Reading:
    """What the steps have read so far from one cell; ``text`` shrinks as words are taken out."""

    __slots__ = ("raw", "text", "qualifiers", "basis", "fiscal", "average", "per", "label", "dated",
                 "note_values", "bare_values", "note_unit")

    def __init__(self, raw: str, text: str):
        self.raw = raw
        self.text = text
        self.qualifiers: set[str] = set()
        self.basis: str | None = None
        self.fiscal: FiscalSpan | None = None
        self.average = False
        self.per: str | None = None
        self.label = ""
        self.dated = False
        self.note_values: list[Quantity] = []  # notes that are one figure: (約890グラム), (141か所)
        self.note_unit = ""
        self.bare_values: list[Decimal] = []  # notes only a number: '3社(7社)', '4(21)'; a second value

    def take_phrases(self, text: str, allowed: frozenset[str] | None = None) -> str:
        """Record the qualifier phrases in ``text`` and return it without them."""
        def phrase(m: re.Match[str]) -> str:
            q = PHRASES[m.group(0)]
            if q and (allowed is None or q in allowed):
                self.qualifiers.add(q)
            return " "
        return PHRASE_RE.sub(phrase, text)

    def take_words(self, text: str) -> str:
        """累計 / 平均 anywhere in a label or unit set the basis."""
        if "累計" in text:
            self.basis, text = CUMULATIVE, text.replace("累計", "")
        if "平均" in text and _BARE_AVERAGE_RE.search(text):
            self.average, text = True, _BARE_AVERAGE_RE.sub("", text)
        return text

    def set_fiscal(self, span: FiscalSpan | None) -> None:
        if self.fiscal is None and span is not None:
            self.fiscal = span


# 平均 as the basis (月平均, 平均 3.2人): not a place's average (県平均, 全国平均), which names a reference.
_BARE_AVERAGE_RE = re.compile(r"(?<![国県都道府市区町村])平均")
_REMARK_RE = re.compile(r"※\s*([^\n()]*)")  # '※単年実績' to the end of its line is a note


def _read_step_by_step(raw: str, text: str) -> Quantity:
    r = _Reading(raw, _prepared(raw, text))
    _read_notes(r)
    _read_dates(r)
    _read_years(r)
    _read_per_prefix(r)
    _read_combination(r)
    _read_numbered_label(r)
    _read_ages(r)
    upper = _read_range(r) if "~" in r.text else None
    numbers = list(_NUMBER_RE.finditer(r.text))
    glued = [m for m in numbers if _in_a_word(r, m)]
    if glued:
        raise QuantityError(f"「{raw.strip()[:40]}」の数字「{glued[0].group('num')}」は語や記号の一部で、数値ではありません。"
                            "数値と単位を入力してください。", value=raw)
    if len(numbers) > 1 or (numbers and _second_value(r, numbers[0])):
        latest = _read_by_year(raw, to_halfwidth(raw)) or _read_pace_and_total(raw, to_halfwidth(raw))
        if latest is not None:
            return latest
        raise QuantityError(f"「{raw}」に複数の数値があります。1つのセルには1つの値を入力してください。",
                            code="multiple-values", value=raw)
    if not numbers:
        return _read_words_only(r)
    q = _read_number(r, numbers[0])
    return q if upper is None else q._replace(upper=upper)


def _read_range(r: _Reading) -> Decimal | None:
    """'1.5~2%程度', '80%~90%', '3~5件': a range of one unit is one number, the lower bound, with
    the upper bound returned; the unit may be written on both bounds. Anything else is left as is."""
    m = RANGE_RE.search(r.text)
    if m is None:
        return None
    low, high = (Decimal(m.group(g).replace(",", "")) for g in ("low", "high"))
    lunit = m.group("lunit")
    if low >= high or (lunit and not r.text[m.end():].lstrip().startswith(lunit)):
        return None
    r.text = f"{r.text[:m.start()]}{m.group('low')}{r.text[m.end():]}"
    return high


_PACE_PARTS_RE = re.compile(r"\s*(?:\n|、|;|,(?!\d{3}))\s*")  # a comma not of thousands separates too


def _read_pace_and_total(raw: str, text: str) -> Quantity | None:
    """'毎年度30都市程度、累計210都市', '年間10件、累計50件': a per-year pace and a total marked 累計 or
    合計, in one unit, are one target — the total, with the pace kept in ``pace``. Only when the
    words mark which is which; otherwise None (two values)."""
    parts = [p.strip() for p in _PACE_PARTS_RE.split(text) if p.strip()]
    if len(parts) != 2:
        return None
    totals = [any(w in p for w in TOTAL_WORDS) for p in parts]
    paces = [PACE_RE.search(PERIOD_PREFIX_RE.sub(" ", p)) is not None for p in parts]  # 5年間で: a period
    if totals[0] == totals[1]:  # neither or both marked as the total
        return None
    t, p = (0, 1) if totals[0] else (1, 0)
    if paces[t] or not paces[p]:
        return None
    total_text = parts[t]
    for word in TOTAL_WORDS:
        total_text = total_text.replace(word, "累計")
    try:
        total, pace = _parse_cell_text(total_text), _parse_cell_text(parts[p])
    except QuantityError:
        return None
    if total.value is None or pace.value is None or normalized(total)[1] != normalized(pace)[1] \
            or total.upper is not None or pace.upper is not None:
        return None
    return total._replace(raw=raw, pace=pace.raw)


def _prepared(raw: str, text: str) -> str:
    """The half-width text on one line, with the spellings that stand for something else made plain
    (※ remarks as notes, マイナス, 憶 for 億, ゼロ, 2・2%, m3, t-CO2); raises for a cell that holds no value.
    Each rewrite runs only when its character is present: most cells need none."""
    if "※" in text:
        text = _REMARK_RE.sub(lambda m: f"({m.group(1).strip()})" if m.group(1).strip() else "", text)
    text = text.translate(_LINE_BREAKS).strip()
    if not text or (not text[0].isdigit() and is_placeholder(text)):
        what = f"「{raw.strip()}」は値がないことを表します。" if text else "空欄です。"
        raise QuantityError(what, code="missing-value", value=raw)
    if len(text) > 200:
        raise QuantityError(f"「{raw[:40]}…」は長すぎて数量として読み取れません。", value=raw)
    text = _typeset(raw, text)
    if "西暦" in text:
        text = text.replace("西暦", "").strip()
        if not text:
            raise QuantityError(f"「{raw}」を数値として読み取れません。", value=raw)
    if "マイナス" in text:
        text = NEGATIVE_WORD_RE.sub("-", text)
    if "憶" in text:
        text = text.translate(MAGNITUDE_TYPOS)
    if text.partition("/")[0] in UNIT_ONLY:
        raise QuantityError(f"「{raw.strip()}」は単位だけで数値がありません（値なし）。", code="missing-value",
                            value=raw)
    if "以内に" in text:
        text = DEADLINE_PREFIX_RE.sub(" ", text)
    text = _masked_unit_digits(text)
    if "半減" in text or "倍増" in text:
        for word, amount in AMOUNT_WORDS.items():
            text = text.replace(word, amount)
    if any(a in text for a in ARROWS):
        text = text.translate({ord(a): " " for a in ARROWS}).strip()
    if text[:1] in ("ゼ", "零"):
        text = ZERO_WORD_RE.sub("0", text)
    return text


def _typeset(raw: str, text: str) -> str:
    """Refuses formula-like text (=…, @…, a cell reference); reads typographic notation: ・ between
    digits as the decimal point (12・9), 、 between groups of three digits as the thousands separator."""
    if text[0] in "=@" or _CELL_REFERENCE_RE.search(text):
        raise QuantityError(f"「{raw.strip()[:40]}」は数式のような文字列で、数値ではありません。値を入力してください。",
                            value=raw)
    if "・" in text:
        text = NAKAGURO_DECIMAL_RE.sub(r"\1.\2", text)
    if "、" in text:
        text = IDEOGRAPHIC_THOUSANDS_RE.sub(lambda m: m.group().replace("、", ","), text)
    return text


# A cell reference of a formula (Sheet1!A1, $B$2, a DDE call cmd|'…'!A0): no value.
_CELL_REFERENCE_RE = re.compile(r"![$]?[A-Za-z]{1,3}[$]?\d|\$[A-Za-z]{1,3}\$\d|\w\|'")
# A digit glued to a Latin letter before it (x0y, A0, abc12): part of a word or a code, no value.
# Years (R3, H30), units (m2, CO2) and ages were taken out or masked before this is asked.
_GLUED_RE = re.compile(r"[A-Za-z]$")


def _in_a_word(r: _Reading, m: re.Match[str]) -> bool:
    return m.group("sign") is None and _GLUED_RE.search(r.text, 0, m.start()) is not None


# Digits that are no values (of a unit, a chemical formula, an age) are masked while the cell is read and
# given back in its unit and label.
_DIGIT_MARKS = str.maketrans({**{str(d): chr(0xE010 + d) for d in range(10)}, ".": "\ue01a"})
_DIGITS_BACK = str.maketrans({**{chr(0xE010 + d): str(d) for d in range(10)}, "\ue01a": "."})


def _masked(m: re.Match[str]) -> str:
    return m.group().translate(_DIGIT_MARKS)


def _masked_unit_digits(text: str) -> str:
    """The digits of units (m3, km2) and chemical formulas (t-CO2, PM2.5) masked: they are no values."""
    if "m" in text:
        text = UNIT_DIGIT_RE.sub(_masked, text)
    if "O" in text or "PM" in text or "CH" in text:
        text = FORMULA_RE.sub(_masked, text)
    return text


_YEAR_PARTS_RE = re.compile(r"\s*(?:\n|、|;)\s*")


def _read_by_year(raw: str, text: str) -> Quantity | None:
    """'H22住基台帳 33,912人 / H17国勢調査 34,002人', '95%(2023年度)、97%(2025年度)': values of one
    unit, each with its own year, are a series; the latest year's is the value, the others ``earlier``."""
    parts = [p for p in _YEAR_PARTS_RE.split(text) if p.strip()]
    if len(parts) < 2:
        return None
    try:
        read = [_parse_cell_text(p) for p in parts]
    except QuantityError:
        return None
    years = [q.fiscal.end if q.fiscal else None for q in read]
    if None in years or len(set(years)) != len(years) or len({q.unit_text for q in read}) != 1 \
            or any(q.value is None for q in read):
        return None
    latest = read[years.index(max(y for y in years if y is not None))]
    return latest._replace(raw=raw, earlier=tuple(q.raw for q in read if q is not latest))


def _second_value(r: _Reading, m: re.Match[str]) -> bool:
    """A note that is only a number ('3社(7社)', '4(21)') is a second value, unless it repeats the first."""
    value = Decimal(m.group("num").replace(",", ""))
    return any(v != value for v in r.bare_values)


def _read_notes(r: _Reading) -> None:
    """Notes in parentheses, innermost first: (累計), (平成30年度), (平成28～30年の平均),
    (令和元年度見込み), (令和3年度(暫定)), and breakdowns (公立2か所…), whose numbers are parts.
    A note that is one figure is kept (a text target may give its level there: 現状値を維持(141か所));
    a note that is only a number is a second value."""
    def note(m: re.Match[str]) -> str:
        inner = m.group(1)
        if "比" not in inner:  # (2013年度比): the year compared with, not the value's
            d = DATE_PATTERN.search(inner)
            r.set_fiscal(date_span(d) if d else None)
            fy = FY_PATTERN.search(inner)
            r.set_fiscal(span_from_match(fy) if fy else None)
        if inner.strip() in UNIT_ONLY:  # 100(人)
            r.note_unit = inner.strip()
        if "平均" in inner:
            r.average = True
        if "累計" in inner or inner.strip() == "計":
            r.basis = CUMULATIVE
        r.take_phrases(inner, _NOTE_QUALIFIERS)
        _read_note_figure(r, inner)
        return " "

    while True:
        text = _PAREN_RE.sub(note, r.text)
        if text == r.text:
            break
        r.text = text


_BARE_NOTE_RE = re.compile(r"\s*[-▲△]?\s*(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*[^\d\s]{0,4}\s*")
_ERALESS_YEAR_RE = re.compile(r"\s*\d{1,2}\s*年度?\s*(?:末|時点|現在)?\s*")  # (32年度): era left out


def _read_note_figure(r: _Reading, inner: str) -> None:
    if (not any(c.isdigit() for c in inner) or DATE_PATTERN.search(inner) or FY_PATTERN.search(inner)
            or _ERALESS_YEAR_RE.fullmatch(inner) or PERIOD_PREFIX_RE.search(inner)):
        return  # (5年間累計) is a period
    try:
        q = _parse_cell_text(inner)
    except QuantityError:
        return
    if q.value is not None:
        r.note_values.append(q)
        if _BARE_NOTE_RE.fullmatch(inner) is not None:
            r.bare_values.append(q.value)


def _read_dates(r: _Reading) -> None:
    """Dates outside parentheses (令和4年3月末 120人, 2021/10/1現在 50%) give the fiscal year."""
    def date(m: re.Match[str]) -> str:
        span = date_span(m)
        if span is None:
            return m.group(0)
        r.set_fiscal(span)
        r.dated = True
        return " "

    if "月" in r.text or "/" in r.text or "." in r.text:
        r.text = DATE_PATTERN.sub(date, r.text)


def _read_years(r: _Reading) -> None:
    """Years written outside parentheses (令和5年度 74%, R2年度末, 令和2～6年度) with their time words."""
    def year(m: re.Match[str]) -> str:
        if not m.string.startswith("比", m.end()):  # H27比10%増: the year compared with, not the value's
            r.set_fiscal(span_from_match(m))
        return "\x00"

    if FY_PATTERN.search(r.text):
        r.text = TIME_WORD_RE.sub(" ", FY_PATTERN.sub(year, r.text))


def _read_per_prefix(r: _Reading) -> None:
    """年間 / 月平均 / 1日当たり before the number say per year, month, day; '1人当たり' is words;
    a period (5年間で) makes the number a total over it."""
    if "当たり" in r.text or "あたり" in r.text:
        r.text = ONE_PER_RE.sub(ONE_MARK, r.text)
    if not any(c in r.text for c in "年月日週"):
        return
    period = PERIOD_PREFIX_RE.search(r.text)
    if period is not None and _NUMBER_RE.search(r.text, period.end()):
        r.basis = CUMULATIVE
        r.text = r.text[: period.start()] + " " + r.text[period.end():]
    def per(m: re.Match[str]) -> str:
        unit, how = m.group(1) or m.group(3) or m.group(4), m.group(2) or ""
        if unit != "週" and r.per is None:
            r.per = unit
        if how == "平均":
            r.average = True
        # '市民1人1日当たり': the 当たり belongs to the words before it as well.
        return how if m.string[: m.start()].rstrip().endswith(_COUNTER_AFTER_ONE) else " "

    r.text = PER_PREFIX_RE.sub(per, r.text)


def _read_numbered_label(r: _Reading) -> None:
    """'15~34 歳の割合:92.2%': the words before a colon may hold numbers; they are the label."""
    if ":" not in r.text:
        return
    head, colon, tail = r.text.rpartition(":")
    if _NUMBER_RE.search(head) and len(_NUMBER_RE.findall(tail)) == 1:
        r.label = head.strip()
        r.text = tail




def _read_ages(r: _Reading) -> None:
    """'65歳以上 30%', '15~34歳の割合 92%': an age before the value is words of the label."""
    if "歳" not in r.text:
        return
    ages = [m for m in AGE_RE.finditer(r.text) if _NUMBER_RE.search(r.text, m.end())]
    for m in reversed(ages):
        r.text = r.text[: m.start()] + m.group(0).translate(_DIGIT_MARKS) + r.text[m.end():]


def _read_combination(r: _Reading) -> None:
    """1億2,000万円 → 120000000円: a combination of magnitudes is one number in the base unit."""
    if "万" not in r.text and "億" not in r.text and "兆" not in r.text:
        return
    m = COMBINATION_RE.search(r.text)
    if m is None:
        return
    total = Decimal(0)
    last = None
    for num, mag in (("a", "ma"), ("b", "mb"), ("c", "mc")):
        if m.group(num) is None:
            continue
        factor = MAGNITUDES[m.group(mag)] if m.group(mag) else Decimal(1)
        if last is not None and factor >= last:
            return  # 1万2万: not a combination; left for the two-numbers check
        total += Decimal(m.group(num).replace(",", "")) * factor
        last = factor
    sign = "-" if m.group("sign") else ""
    r.text = f"{r.text[:m.start()]}{sign}{total}{r.text[m.end():]}"


def _read_words_only(r: _Reading) -> Quantity:
    """A cell without a number: 継続実施, 新規, 増加, 全国平均以上, 令和7年度完了, a date, or words
    with their figure in a note (現状値を維持(141か所)). 現状(平成19年度) names no value."""
    bare = r.take_words(r.take_phrases(r.text)).replace("\x00", " ").strip(" :")
    if bare in NEW_WORDS:
        r.qualifiers.add(NEW)
        bare = ""
    if bare.replace(" ", "") in NO_VALUE_WORDS and not r.qualifiers and not r.note_values:
        raise QuantityError(f"「{r.raw}」には数値がありません（値なし）。", code="missing-value", value=r.raw)
    if r.dated and not r.qualifiers and not bare:
        r.qualifiers.add(DATE)
    if (r.qualifiers or len(r.note_values) == 1) and len(bare) <= 12 and not any(c in bare for c in "、。,;"):
        label = "" if bare in CIRCLED else bare.replace(" ", "").translate(_DIGITS_BACK)
        basis = AVERAGE if r.average else r.basis
        if len(r.note_values) == 1:
            q = r.note_values[0]
            return Quantity(q.value, q.unit, q.per, basis or q.basis, r.fiscal or q.fiscal,
                            frozenset(r.qualifiers | q.qualifiers), label, False, r.raw)
        return Quantity(None, basis=basis, fiscal=r.fiscal, qualifiers=frozenset(r.qualifiers),
                        label=label, raw=r.raw)
    if not r.note_values and _is_qualitative(bare, r.fiscal is not None):
        # Words of aim whose only figures are years or dates: a qualitative target, read, no rate.
        return Quantity(None, fiscal=r.fiscal, qualifiers=frozenset({QUALITATIVE}),
                        label=_qualitative_label(r.raw), raw=r.raw)
    raise QuantityError(f"「{r.raw}」を数値として読み取れません。", value=r.raw)


_KANJI_RE = re.compile(r"[\u4e00-\u9fff]")


def _is_qualitative(words: str, dated: bool) -> bool:
    """Words of a target, not a vague amount (たくさん) or marks: with kanji, and words of aim
    (同水準, 目指す, 実現 …), a deadline year (2020年までに…) or a phrase of six characters or more."""
    words = words.replace(" ", "").replace("\x00", "")
    return _KANJI_RE.search(words) is not None and (
        dated or AIM_RE.search(words) is not None or len(words) >= 6)
_NOTE_OR_YEAR_RE = re.compile(r"\([^()]*\)|\s+")


def _qualitative_label(raw: str) -> str:
    """The words of a qualitative target as one line (its year stays in ``fiscal``, its text in raw)."""
    return _NOTE_OR_YEAR_RE.sub("", to_halfwidth(raw).translate(_LINE_BREAKS)).strip(_TRAILING_PUNCTUATION)


def _read_number(r: _Reading, m: re.Match[str]) -> Quantity:
    """The one number: what stands before it is a label, after it the unit and qualifiers."""
    value = Decimal(m.group("num").replace(",", ""))
    sign = m.group("sign")
    before = r.text[: m.start()]
    compared = _COMPARED_RE.search(before) if sign else None
    if compared:  # 前年度比-20件, 県平均+5ポイント: a change from the reference, as 20件減 / 5ポイント増
        r.qualifiers.add(INCREASE if sign == "+" else DECREASE)
    elif sign in ("-", "▲", "△"):
        value = -value
    label = _read_label(r, before)
    after = r.take_phrases(r.text[m.end():])
    pm = _PER_RE.search(after)
    if pm:
        r.per = "年" if pm.group(1) == "年度" else pm.group(1)
        after = after[: pm.start()] + after[pm.end():]
    after = r.take_words(after)
    garbled = False
    if ":" in after:
        # '39.9栽培面積: ha' — a label has slipped between number and unit.
        slipped, _, after = after.partition(":")
        garbled = True
        label = label or slipped.strip()
    unit = after.replace(" ", "").replace("\x00", "").rstrip(_TRAILING_PUNCTUATION) or r.note_unit
    unit, label = unit.translate(_DIGITS_BACK), label.translate(_DIGITS_BACK)
    unit, _, tail = unit.partition("の")  # '1億人程度の人口': words after the unit
    if tail and not label:
        label = tail
    if unit.endswith("%台"):  # 10%台: in the tens
        unit = "%"
        r.qualifiers.add(APPROX)
    if unit in SCALED_UNITS:
        factor, unit = SCALED_UNITS[unit]
        value *= factor
    if label.endswith("第") and unit == "位":
        label = label[:-1].strip()
    if unit and (len(unit) > 12 or any(c in unit for c in "、。,;")):
        raise QuantityError(f"「{r.raw}」の単位「{after.strip()}」を読み取れません。", value=r.raw)
    basis = AVERAGE if r.average else r.basis
    if basis is None and r.per:
        basis = PER[r.per]
    return Quantity(value, unit=unit, per=r.per, basis=basis, fiscal=r.fiscal,
                    qualifiers=frozenset(r.qualifiers), label=label, garbled=garbled, raw=r.raw)


# A comparison just before a signed number: …比 (前年度比, 対前年比, H27比) or a place's average (県平均).
_COMPARED_RE = re.compile(r"(?:比|[国県都道府市区町村]平均)[\s:]*$")


def _read_label(r: _Reading, label: str) -> str:
    """The words before the number: 累計, 平均, 約 become basis and qualifier; the rest is the label."""
    label = r.take_words((r.label + " " + label).replace("\x00", " ")).strip()
    am = APPROX_PREFIX_RE.search(label)
    if am:
        r.qualifiers.add(APPROX)
        label = label[: am.start()].strip()
    return label.rstrip(":").strip().replace(ONE_MARK, "1").replace(" ", "").translate(_DIGITS_BACK)


def with_exact_value(q: Quantity, exact: Decimal | None) -> Quantity:
    """``q`` (a cell's shown text, read) with the unrounded number the cell holds, when the text
    shows that number rounded (「1,485人」 for 1484.6: value 1484.6, unit and basis from the text).
    A number the text does not show (another figure, a hidden sign) is not used: the text wins."""
    if exact is None or q.value is None:
        return q
    try:
        exponent = q.value.as_tuple().exponent
        if not isinstance(exponent, int):  # NaN or infinity: no digits to round to
            return q
        shown = exact.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
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


def _format_notes(q: Quantity) -> list[str]:
    """What goes in the parentheses after the number: the year or period, 平均, 見込み."""
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
    return notes


def format_quantity(q: Quantity) -> str:
    """A canonical text for a quantity; ``parse_quantity(format_quantity(q)) == q``. A date keeps
    its text as written (the fiscal year alone would lose the month)."""
    if q.has(DATE) and q.raw:
        return q.raw.strip()
    parts: list[str] = []
    if q.label:
        parts.append(q.label if q.label in CIRCLED else f"{q.label}:")
    if q.has(QUALITATIVE) and q.raw:
        return q.raw.strip()
    if q.pace:
        parts.append(q.pace + "、")
    if q.value is not None:
        upper = f"～{format_number(q.upper)}" if q.upper is not None else ""
        parts.append(format_number(q.value) + upper + q.unit + (f"/{q.per}" if q.per else ""))
    for qual, word in _SUFFIX:
        if qual in q.qualifiers:
            parts.append(word)
    for qual, word in _WORD:
        if qual in q.qualifiers:
            parts.append("を維持" if qual == MAINTAIN and q.value is not None else word)
    notes = _format_notes(q)
    text = "".join(parts)
    if notes:
        text += f"({''.join(notes)})"
    if q.basis == CUMULATIVE:
        text += "(累計)"
    return text

