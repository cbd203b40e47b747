"""達成率 (achievement rate): methods, Excel-compatible rounding, display and grades.

``kpi_rate(current, target, baseline=None, method="auto")`` is a pure function of the cell texts
(or numbers) and returns a :class:`Rate`: a fraction, or "not computable" with a reason. The
published reports use ``ratio`` (current ÷ target, ignoring the baseline) and show a whole percent
rounded half up, as Excel's ROUND does — never Python's ``round`` (half to even).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal

from .direction import kpi_direction
from .errors import InputError, QuantityError
from .quantity import (
    AT_MOST,
    CONTINUE,
    DECREASE,
    DONE,
    INCREASE,
    MAINTAIN,
    QUALITATIVE,
    STOPPED,
    Quantity,
    is_placeholder,
    normalized,
    parse_quantity,
)
from .record import HIGHER_IS_BETTER, LOWER_IS_BETTER

METHODS = ("auto", "ratio", "progress", "lower-better", "lower-better-gap", "continue", "maintain")
_LOWER_METHODS = frozenset({"lower-better", "lower-better-gap"})
HUNDRED = Decimal(100)
ONE = Decimal(1)
ZERO = Decimal(0)
_CTX = Context(prec=28, rounding=ROUND_HALF_UP)
# A rate beyond ±100,000,000 % says the figures are wrong (a target typed far too small), not how
# far the KPI went: it is not computable, with that reason.
RATE_LIMIT = Decimal(10) ** 6

HALF_UP, TRUNCATE = "half-up", "truncate"
ROUNDING_MODES = {HALF_UP: ROUND_HALF_UP, TRUNCATE: ROUND_DOWN}
# What 「設定」 shows for each choice (and reads back).
DECIMALS_LABELS = {0: "整数", 1: "小数第1位"}
MODE_LABELS = {HALF_UP: "四捨五入", TRUNCATE: "切り捨て"}


@dataclass(frozen=True, slots=True)
class Rounding:
    """How a 達成率 is published: a whole percent or one decimal, rounded half up (Excel's ROUND, the
    default) or truncated (Excel's ROUNDDOWN, toward zero: 131 / 470 = 27.87… % → 27.8 %). The
    shown percent is what the report prints and what the grades read."""

    decimals: int = 0
    mode: str = HALF_UP

    def __post_init__(self) -> None:
        if self.decimals not in DECIMALS_LABELS:
            raise InputError(f"達成率の桁数「{self.decimals}」は使えません（0 または 1）。", value=self.decimals)
        if self.mode not in ROUNDING_MODES:
            raise InputError(f"達成率の丸め方「{self.mode}」は使えません（{'、'.join(ROUNDING_MODES)}）。",
                             value=self.mode)

    def percent(self, fraction: Decimal) -> Decimal:
        """The shown percent of a fraction: 0.27872 → 28 (default), 27.8 (one decimal, truncated)."""
        shown = _quantize(fraction * HUNDRED, self.decimals, ROUNDING_MODES[self.mode])
        return shown if shown else abs(shown)  # -0.4 % as a whole percent is 0 %, not -0 %

    def fraction(self, fraction: Decimal) -> Decimal:
        """The shown percent as a fraction (what a cell formatted :attr:`number_format` holds)."""
        return self.percent(fraction) / HUNDRED

    def format(self, fraction: Decimal | float | None) -> str:
        """'28%', '27.8%', or '-' for no rate."""
        if fraction is None:
            return "-"
        if isinstance(fraction, float):
            fraction = Decimal(repr(fraction))
        if not fraction.is_finite():
            return "-"
        return f"{self.percent(fraction):f}%"

    @property
    def number_format(self) -> str:
        """The Excel number format that shows a rate cell as published: 0% or 0.0%."""
        return "0%" if self.decimals == 0 else "0." + "0" * self.decimals + "%"

    @property
    def label(self) -> str:
        """「整数・四捨五入」, 「小数第1位・切り捨て」: the 設定 sheet's text."""
        return f"{DECIMALS_LABELS[self.decimals]}・{MODE_LABELS[self.mode]}"


DEFAULT_ROUNDING = Rounding()


def parse_rounding(text: object, mode: object = None) -> Rounding:
    """A :class:`Rounding` from the 設定 text (「小数第1位・切り捨て」) or from a number of decimals and a
    mode (1, 'truncate' / '切り捨て'); '' gives the default. Anything else is an InputError."""
    raw = str(text if text is not None else "").strip()
    if mode is None and not raw[:1].isdigit():
        decimals_word, _, mode_word = raw.partition("・")
        decimals = next((d for d, w in DECIMALS_LABELS.items() if w == decimals_word.strip()), None)
        if raw and decimals is None:
            raise InputError(f"達成率の表示「{raw}」は使えません（例: {Rounding(1, TRUNCATE).label}）。", value=raw)
        return Rounding(decimals or 0, _mode(mode_word))
    try:
        decimals = int(raw) if raw else 0
    except ValueError:
        raise InputError(f"達成率の桁数「{raw}」は使えません（0 または 1）。", value=raw) from None
    return Rounding(decimals, _mode(mode))


def _mode(word: object) -> str:
    raw = str(word or "").strip()
    if not raw:
        return HALF_UP
    for mode, label in MODE_LABELS.items():
        if raw in (mode, label):
            return mode
    raise InputError(f"達成率の丸め方「{raw}」は使えません（{'、'.join(MODE_LABELS.values())}）。", value=raw)


def _quantize(value: Decimal, places: int, rounding: str) -> Decimal:
    """``value`` at ``places`` decimals, with a precision that holds every digit of it (a figure
    beyond the default 28 digits is rounded, never refused with InvalidOperation)."""
    if not value.is_finite():
        raise InputError(f"「{value}」は有限の数値ではありません。", value=str(value))
    digits = max(value.adjusted(), 0) + places + 2
    return value.quantize(Decimal(1).scaleb(-places), rounding=rounding, context=Context(prec=max(28, digits)))


@dataclass(frozen=True, slots=True)
class Rate:
    """A 達成率: ``value`` is a fraction (1.125 = 112.5 %) or None with ``reason_code``/``reason``;
    ``rounding`` is how it is shown (and graded)."""

    value: Decimal | None
    method: str
    reason_code: str | None = None
    reason: str | None = None
    rounding: Rounding = DEFAULT_ROUNDING

    @property
    def computable(self) -> bool:
        return self.value is not None

    @property
    def display(self) -> str:
        """'113%' (or '112.5%' with one decimal), or '-' when not computable."""
        return self.rounding.format(self.value)

    @property
    def percent(self) -> Decimal | None:
        """The percent as published (its rounding), or None."""
        return None if self.value is None else self.rounding.percent(self.value)

    @property
    def shown(self) -> Decimal | None:
        """The published percent as a fraction (what a rate cell formatted 0% / 0.0% holds)."""
        return None if self.value is None else self.rounding.fraction(self.value)


def round_half_up(value: Decimal, places: int = 0) -> Decimal:
    """Round like Excel's ROUND: halves away from zero (2.5 → 3, -64.5 → -65, 0.125 → 0.13 at 2)."""
    return _quantize(value, places, ROUND_HALF_UP)


def format_rate(value: Decimal | float | None, rounding: Rounding = DEFAULT_ROUNDING) -> str:
    """A fraction as the published percent: 1.125 → '113%', -0.647 → '-65%', None → '-'."""
    return rounding.format(value)


def parse_rate(text: object) -> Decimal | None:
    """An entered 達成率 as a fraction: '113%' → 1.13, 0.03 (a % cell) → 0.03; '' or '-' → None."""
    if text is None:
        return None
    if isinstance(text, (int, float, Decimal)) and not isinstance(text, bool):
        return Decimal(repr(text)) if isinstance(text, float) else Decimal(text)
    s = str(text).strip()
    if is_placeholder(s):
        return None
    q = parse_quantity(s)
    if q.value is None:
        raise QuantityError(f"達成率「{s}」を数値として読み取れません。", value=s)
    if q.unit == "%":
        return _CTX.divide(q.value, HUNDRED)
    if q.unit:
        raise QuantityError(f"達成率「{s}」に単位「{q.unit}」があります。", value=s)
    return q.value


def _not_computable(method: str, code: str, reason: str) -> Rate:
    return Rate(None, method, code, reason)


def _cell_quantity(text: object, what: str) -> Quantity | None:
    """The cell as a Quantity; None when it names no value: blank, a placeholder (-, ―, なし,
    未集計 …) or words that name no value (parse_quantity raises ``missing-value`` for each)."""
    if isinstance(text, Quantity):
        return text
    try:
        return parse_quantity(text)
    except QuantityError as err:
        if err.code == "missing-value":
            return None
        raise QuantityError(f"{what}: {err}", code=err.code, value=err.value) from None


def _missing(method: str, code: str, what: str, text: object) -> Rate:
    shown = "空欄" if text is None or not str(text).strip() else f"「{str(text).strip()}」（値なし）"
    return _not_computable(method, code, f"{what}が{shown}のため計算できません。")


def _scaled(a: Quantity, b: Quantity) -> tuple[Decimal, Decimal]:
    """Values of two quantities in one scale: magnitudes applied (3億円, 18,360千円), and a bare
    number beside a % taken as a fraction."""
    av, bv = a.value, b.value
    if a.unit != b.unit and a.unit and b.unit:  # 億円 beside 円: one scale; a bare number stays as typed
        av, bv = normalized(a)[0], normalized(b)[0]
    assert av is not None and bv is not None
    if a.is_percent and not b.unit and abs(bv) <= Decimal("1.5") < abs(av):
        bv = bv * HUNDRED
    elif b.is_percent and not a.unit and abs(av) <= Decimal("1.5") < abs(bv):
        av = av * HUNDRED
    return av, bv


def units_compatible(a: Quantity, b: Quantity) -> bool:
    """Same unit once magnitudes and spellings are made one (千円/円, 箇所/か所), or one side has none."""
    return not a.unit or not b.unit or a.unit == b.unit or normalized(a)[1] == normalized(b)[1]


def is_rank(q: Quantity) -> bool:
    """A rank (第1位, 県内3位): the smaller the better."""
    return q.unit == "位"


def kpi_rate(current: object, target: object, baseline: object = None, method: str = "auto", *,
             lower_is_better: bool = False, rounding: Rounding = DEFAULT_ROUNDING, direction: str = "") -> Rate:
    """The 達成率 of one KPI.

    ``current``, ``target`` and ``baseline`` are cell texts, numbers or :class:`Quantity`.
    ``method``: ``auto`` (what the texts say, :func:`choose_method`), ``ratio``
    (current ÷ target), ``progress`` ((current − baseline) ÷ (target − baseline)),
    ``lower-better`` (target ÷ current), ``lower-better-gap`` ((2 × target − current) ÷ target: 100 % less
    the overshoot as a share of the target, a lower-is-better convention of some reports),
    ``continue`` (継続: 100 % when the programme continued),
    ``maintain`` (現状維持: 100 % when held at or beyond the target on the good side).
    A blank or placeholder cell (``-``, ``―``, ``なし``, ``未集計`` …) is no value: a rate that
    needs it is not computable (``missing-current``, ``missing-target``, ``missing-baseline``);
    one that does not (ratio ignores the baseline) is computed.
    Raises QuantityError for text that is not a quantity at all; anything else that prevents a
    rate is a not-computable :class:`Rate` with the reason. ``rounding`` is how the rate is shown.
    ``direction`` (指標の方向: ``lower`` / ``higher``) decides the direction when given (as does
    ``lower_is_better``); otherwise the cells do: the target's words (以下, 減 …) or a numeric target
    below a comparable baseline make it lower-is-better (:func:`~xl_kpi.core.direction.kpi_direction`).
    """
    rate = _kpi_rate(current, target, baseline, method, "lower" if lower_is_better else direction)
    if rate.value is not None and abs(rate.value) >= RATE_LIMIT:
        rate = _not_computable(rate.method, "rate-out-of-range",
                   "達成率が大きすぎます（目標値が現在値に比べて極端に小さい値です）。目標値と現在値の単位・桁を確かめてください。")
    return rate if rounding == DEFAULT_ROUNDING else replace(rate, rounding=rounding)


def _kpi_rate(current: object, target: object, baseline: object, method: str, direction: str) -> Rate:
    if method not in METHODS:
        raise InputError(f"方式「{method}」は使えません（{', '.join(METHODS)}）。", value=method)
    t = _cell_quantity(target, "目標値")
    cur = _cell_quantity(current, "現在値")
    base = _cell_quantity(baseline, "基準値")
    if t is None:
        return _missing(method, "missing-target", "目標値", target)
    if t.has(QUALITATIVE) and method not in ("continue", "maintain"):
        return _not_computable(method, "qualitative-target",
                   f"目標値「{t.raw.strip()}」は数値のない定性的な目標のため、達成率を計算できません（達成状況は文章で評価します）。")
    # a stated direction decides alone (the evaluation always states one): no need to hash the quantities
    lower_is_better = (direction == LOWER_IS_BETTER if direction in (LOWER_IS_BETTER, HIGHER_IS_BETTER)
                       else kpi_direction(direction, "", base, t).lower)
    method = choose_method(method, cur, t, lower_is_better)
    if cur is None:
        return _missing(method, "missing-current", "現在値", current)
    if method == "continue":
        return _continue(cur, t)
    problem = _not_numeric(method, cur, t, base) or _unit_problem(method, cur, t, base)
    if problem is not None:
        return problem
    lower = lower_is_better or method in _LOWER_METHODS or target_says_lower(t)
    return _compute(method, cur, range_bound(t, lower), base, lower)


def range_bound(target: Quantity, lower_is_better: bool) -> Quantity:
    """A range target (1.5～2%, 3～5件) is reached on reaching the range: the rate is against its
    lower bound, or its upper bound when lower is better. Any other target is itself."""
    if target.upper is None or not lower_is_better:
        return target
    return target._replace(value=target.upper)  # the rate reads only the value


def target_says_lower(t: Quantity) -> bool:
    """The target's own words make lower better: 以下 / 未満 / 以内, 20件減, 前年度比-20件."""
    return bool(t.qualifiers) and (t.has(AT_MOST) or t.has(DECREASE))


def _is_change(q: Quantity) -> bool:
    return q.has(INCREASE) or q.has(DECREASE)


def is_change_like(current: Quantity, target: Quantity) -> bool:
    """Target and current value are both changes (…の増加 / …増, 削減, 前年度比+5% …) with numbers."""
    return current.value is not None and target.value is not None and _is_change(target) and _is_change(current)


def _opposite_changes(c: Quantity, t: Quantity) -> bool:
    """前年比△5.3% achieved against 前年比+5% targeted: the change went the other way."""
    return is_change_like(c, t) and c.has(INCREASE) != t.has(INCREASE)


def choose_method(method: str, current: Quantity | None, target: Quantity, lower_is_better: bool) -> str:
    """What ``auto`` means for these texts (the methods table, docs/methods.md)."""
    if method != "auto":
        return method
    if not target.qualifiers:  # the common case: a plain number
        return "lower-better" if lower_is_better or is_rank(target) else "ratio"
    if target.value is None and (target.has(CONTINUE) or target.has(DONE)):
        return "continue"
    if target.has(MAINTAIN):
        return "maintain"
    if target.has(INCREASE) or target.has(DECREASE):
        # An increase achieved against an increase targeted is their ratio; a level, progress.
        return "ratio" if current is not None and is_change_like(current, target) else "progress"
    if lower_is_better or target.has(AT_MOST) or is_rank(target):
        return "lower-better"
    return "ratio"


def _continue(c: Quantity, t: Quantity) -> Rate:
    if c.has(CONTINUE) or c.has(DONE):
        return Rate(ONE, "continue")
    if c.has(STOPPED):
        return Rate(ZERO, "continue")
    return _not_computable("continue", "not-comparable",
               f"目標値「{t.raw}」に対して現在値「{c.raw}」では達成状況を判断できません。")


def _not_numeric(method: str, c: Quantity, t: Quantity, b: Quantity | None) -> Rate | None:
    if c.value is None:
        return _not_computable(method, "non-numeric-current", f"現在値「{c.raw}」が数値ではないため計算できません。")
    if t.value is None and method != "maintain" and not (method == "progress" and b is not None):
        return _not_computable(method, "non-numeric-target", f"目標値「{t.raw}」が数値ではないため計算できません。")
    return None


def _unit_problem(method: str, c: Quantity, t: Quantity, b: Quantity | None) -> Rate | None:
    """Units that differ between the current value and the target, or the baseline where the
    method uses it (progress, maintain)."""
    others: list[tuple[Quantity | None, str]] = [(t, "目標値")]
    if method in ("progress", "maintain"):
        others.append((b, "基準値"))
    for other, name in others:
        if other is None or other.value is None or units_compatible(c, other):
            continue
        if other is t and t.is_percent and (t.has(INCREASE) or t.has(DECREASE)):
            continue  # '10%の増加' is relative to the baseline, whatever its unit
        return _not_computable(method, "unit-mismatch",
                   f"単位が異なるため計算できません（現在値: {c.unit}、{name}: {other.unit}）。")
    return None


def _compute(method: str, c: Quantity, t: Quantity, b: Quantity | None, lower: bool) -> Rate:
    """The arithmetic of each method, in the module's own Decimal context (28 digits)."""
    if method == "maintain":
        return _maintain(c, t, b, lower)
    if method == "progress":
        return _progress(c, t, b)
    cv, tv = _scaled(c, t)
    if method == "lower-better":
        if tv == 0:  # ゼロを目指す: target ÷ current says nothing (0 % until the very end)
            return _not_computable(method, "zero-target", "目標値が0のため計算できません。")
        if cv == 0:
            return _not_computable(method, "zero-current", "現在値が0のため計算できません（低いほど良い指標）。")
        return Rate(_CTX.divide(tv, cv), method)
    if tv == 0:
        return _not_computable(method, "zero-target", "目標値が0のため計算できません。")
    if method == "lower-better-gap":  # 100 % less the overshoot: 2,488 of 2,098 → 81.4 %
        return Rate(_CTX.divide(tv + tv - cv, tv), method)
    if _opposite_changes(c, t):
        cv = -cv
    return Rate(_CTX.divide(cv, tv), method)


def _maintain(c: Quantity, t: Quantity, b: Quantity | None, lower: bool) -> Rate:
    """現状維持 / …を維持: 100 % when held at or beyond the reference on the good side, else the ratio."""
    method = "maintain"
    ref = t if t.value is not None else b
    if ref is None or ref.value is None:
        return _not_computable(method, "missing-baseline", "現状維持の目標には数値の基準値が必要です。")
    cv, rv = _scaled(c, ref)
    if (cv <= rv) if lower else (cv >= rv):
        return Rate(ONE, method)
    if lower:
        if cv == 0:
            return _not_computable(method, "zero-current", "現在値が0のため計算できません。")
        return Rate(_CTX.divide(rv, cv), method)
    if rv == 0:
        return _not_computable(method, "zero-target", "目標値が0のため計算できません。")
    return Rate(_CTX.divide(cv, rv), method)


def _progress(c: Quantity, t: Quantity, b: Quantity | None) -> Rate:
    """(current − baseline) ÷ (target − baseline); for an increase target, the gain ÷ the increase."""
    method = "progress"
    if b is None or b.value is None:
        return _not_computable(method, "missing-baseline", "進捗率の計算には数値の基準値が必要です。")
    cv, bv = _scaled(c, b)
    if t.has(INCREASE) or t.has(DECREASE):
        if t.value is None:  # bare 増加 / 減少: achieved or not
            better = cv < bv if t.has(DECREASE) else cv > bv
            return Rate(ONE if better else ZERO, method)
        relative = t.is_percent and not b.is_percent  # '10%の増加' of a count
        amount = _CTX.divide(abs(bv) * t.value, HUNDRED) if relative else _scaled(t, b)[0]
        if amount == 0:
            return _not_computable(method, "zero-target", "目標の増減幅が0のため計算できません。")
        gain = bv - cv if t.has(DECREASE) else cv - bv
        return Rate(_CTX.divide(gain, amount), method)
    tv = _scaled(t, b)[0]
    if tv == bv:
        return _not_computable(method, "target-equals-baseline", "目標値と基準値が同じため進捗率を計算できません。")
    return Rate(_CTX.divide(cv - bv, tv - bv), method)


# --- grades -----------------------------------------------------------------------------------

NO_LOWER_BOUND = -10**9  # the lower bound of a last band that takes everything below the others


@dataclass(frozen=True, slots=True)
class GradeBands:
    """Bands on the displayed whole percent, best first: ((100, 'A', '◎'), (80, 'B', '○'), …)."""

    bands: tuple[tuple[int, str, str], ...] = ((100, "A", "◎"), (80, "B", "○"), (50, "C", "△"),
                                               (NO_LOWER_BOUND, "D", "×"))

    def __post_init__(self) -> None:
        lows = [b[0] for b in self.bands]
        if not lows or lows != sorted(lows, reverse=True):
            raise InputError("評価区分は下限の高い順に並べてください。", value=self.bands)

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(b[1] for b in self.bands)

    def describe(self) -> list[str]:
        out = []
        for i, (low, letter, symbol) in enumerate(self.bands):
            if i == len(self.bands) - 1:
                out.append(f"{letter}({symbol}): {self.bands[i - 1][0]}%未満" if i else f"{letter}({symbol})")
            else:
                out.append(f"{letter}({symbol}): {low}%以上")
        return out


DEFAULT_BANDS = GradeBands()


def grade(rate: Rate | Decimal | float | None, bands: GradeBands = DEFAULT_BANDS,
          symbols: bool = False, rounding: Rounding | None = None) -> str:
    """The grade letter (or symbol) of a rate, on its shown percent (the rate's rounding, or
    ``rounding``: 99.96 % is 100 % as a whole percent half up, 99.9 % truncated); '-' if none."""
    if isinstance(rate, Rate):
        rounding = rounding or rate.rounding
        rate = rate.value
    if rate is None:
        return "-"
    if isinstance(rate, float):
        rate = Decimal(repr(rate))
    if not rate.is_finite() or abs(rate) >= RATE_LIMIT:  # no rate (see kpi_rate)
        return "-"
    pct = (rounding or DEFAULT_ROUNDING).percent(rate)
    for low, letter, symbol in bands.bands:
        if pct >= low:
            return symbol if symbols else letter
    return "-"
