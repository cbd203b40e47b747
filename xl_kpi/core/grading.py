"""Grading schemes: how a municipality grades a KPI, as pure functions of the cell texts.

Four schemes, chosen in 「設定」 (評価方式) or on the command line:

- ``bands`` — the 達成率 on its displayed whole percent in configurable bands (A/B/C/D by default,
  :class:`~xl_kpi.core.rate.GradeBands`), against the original 目標値 as the master publishes it.
- ``symbols`` (いの町) — ◎ 目標値以上, ○ 目標値と同等 (達成率 at least ``equal_from``, 90 % by
  default), △ 目標値未満, × 進捗なし・事業終了 (no gain over the baseline, a rate of 0, or a value
  saying the programme stopped: 中止, 廃止, 未実施 …).
- ``baseline-relative`` (長与町) — S 目標達成; A 基準値より改善; B 基準値から10%以内の悪化 (equal
  included); C 基準値から10%を超える悪化; − 測定できない.
- ``pace`` (国の KPI 進捗評価) — A progress at least the elapsed share of the plan period; B less;
  F 実施型 KPI (継続実施, 実施 … with no number); N no data yet. elapsed share =
  ``(year − plan_start + 1) / (plan_end − plan_start + 1)``; progress =
  ``(current − baseline) / (target − baseline)``, a baseline with no number (新規) counting as 0.

The new schemes use the 変更後の目標値 when one is entered (it is the target in force).
A KPI that no rule of the scheme can judge is graded ``-``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .direction import kpi_direction, record_direction
from .errors import InputError, QuantityError
from .quantity import CONTINUE, DONE, MAINTAIN, STOPPED, Quantity, quantity_or_none
from .rate import (
    _CTX,
    DEFAULT_BANDS,
    DEFAULT_ROUNDING,
    HUNDRED,
    GradeBands,
    Rate,
    Rounding,
    _scaled,
    grade,
    kpi_rate,
    units_compatible,
)
from .record import KpiRecord

BANDS, SYMBOLS, BASELINE_RELATIVE, PACE = "bands", "symbols", "baseline-relative", "pace"
SCHEMES = (BANDS, SYMBOLS, BASELINE_RELATIVE, PACE)
NONE = "-"

# scheme → its Japanese name (the 「設定」 drop-down shows these).
SCHEME_LABELS = {
    BANDS: "達成率区分（A/B/C/D）",
    SYMBOLS: "記号（◎○△×）",
    BASELINE_RELATIVE: "基準値比較（S/A/B/C/−）",
    PACE: "進捗（A/B/F/N）",
}

# scheme → (grade, Japanese meaning), best first (bands take theirs from GradeBands).
SCHEME_GRADES: dict[str, tuple[tuple[str, str], ...]] = {
    SYMBOLS: (("◎", "目標値以上"), ("○", "目標値と同等"), ("△", "目標値未満"), ("×", "進捗なし・事業終了")),
    BASELINE_RELATIVE: (("S", "目標達成"), ("A", "基準値より改善"), ("B", "基準値から10%以内の悪化"),
                        ("C", "基準値から10%を超える悪化"), ("−", "測定できない")),
    PACE: (("A", "経過期間の割合以上に進捗"), ("B", "経過期間の割合に届かない"), ("F", "実施型のKPI"),
           ("N", "実績値がまだない")),
}

PLAN_START, PLAN_END = 2020, 2024  # 第2期 総合戦略: 令和2–6年度 (the layout's defaults)
EQUAL_FROM = 90           # symbols: 達成率 from which a KPI counts as 同等 (○)
WORSE_WITHIN = Decimal("0.1")  # baseline-relative: B down to 10 % below the baseline


def parse_scheme(text: object) -> str:
    """'pace' / '進捗（A/B/F/N）' / '進捗' → 'pace'; '' → 'bands'; anything else is an InputError."""
    raw = str(text or "").strip()
    if not raw:
        return BANDS
    if raw in SCHEMES:
        return raw
    for name, label in SCHEME_LABELS.items():
        if raw == label or raw == label.split("（")[0]:
            return name
    raise InputError(f"評価方式「{raw}」は使えません（{'、'.join(SCHEME_LABELS.values())}）。", value=raw)


@dataclass(frozen=True, slots=True)
class PlanPeriod:
    """The plan's first and last fiscal year and the reporting year (western fiscal years)."""

    start: int
    end: int
    year: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InputError(f"計画最終年度（{self.end}）が計画開始年度（{self.start}）より前です。",
                             value=self.end)

    @property
    def elapsed_share(self) -> Decimal:
        """Years completed of the plan: (year − start + 1) / (end − start + 1), clamped to 0…1."""
        done = min(max(self.year - self.start + 1, 0), self.end - self.start + 1)
        return _CTX.divide(Decimal(done), Decimal(self.end - self.start + 1))


@dataclass(frozen=True, slots=True)
class Scheme:
    """A grading scheme and what it needs: bands, the plan period (pace) and the 同等 threshold."""

    name: str = BANDS
    bands: GradeBands = DEFAULT_BANDS
    plan: PlanPeriod | None = None
    equal_from: int = EQUAL_FROM
    rounding: Rounding = DEFAULT_ROUNDING  # grades read the rate as shown (設定's 達成率の表示)

    def __post_init__(self) -> None:
        if self.name not in SCHEMES:
            raise InputError(f"評価方式「{self.name}」は使えません（{', '.join(SCHEMES)}）。", value=self.name)

    @property
    def grades(self) -> tuple[tuple[str, str], ...]:
        """(grade, Japanese meaning) best first — the columns of 集計."""
        if self.name == BANDS:
            return tuple((letter, symbol) for _, letter, symbol in self.bands.bands)
        return SCHEME_GRADES[self.name]

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(g for g, _ in self.grades)

    @property
    def label(self) -> str:
        return SCHEME_LABELS[self.name]

    @property
    def table(self) -> GradeBands:
        """The grades as a :class:`GradeBands` table (letter, meaning), for 集計 and the report."""
        if self.name == BANDS:
            return self.bands
        return GradeBands(tuple((-i, g, meaning) for i, (g, meaning) in enumerate(self.grades)))


DEFAULT_SCHEME = Scheme()


def scheme_from_args(name: str | None, plan_start: int | None, plan_end: int | None, year: int | None,
                     bands: GradeBands = DEFAULT_BANDS, rounding: Rounding = DEFAULT_ROUNDING) -> Scheme:
    """A scheme from command-line style options; pace needs the reporting year."""
    scheme = parse_scheme(name)
    if scheme != PACE:
        return Scheme(scheme, bands, rounding=rounding)
    if year is None:
        raise InputError("評価方式 pace には報告年度（--year 令和N）が必要です。")
    return Scheme(scheme, bands, PlanPeriod(plan_start or PLAN_START, plan_end or PLAN_END, year), rounding=rounding)


def _rate(current: object, target: object, baseline: object, lower: bool,
          rounding: Rounding = DEFAULT_ROUNDING) -> Rate | None:
    try:
        return kpi_rate(current, target, baseline, rounding=rounding, direction="lower" if lower else "higher")
    except (QuantityError, InputError):
        return None


def _percent(rate: Rate | None) -> Decimal | None:
    return None if rate is None else rate.percent


def grade_kpi(current: object, target: object, baseline: object = None, *, scheme: Scheme = DEFAULT_SCHEME,
              lower_is_better: bool = False, revised_target: object = None, direction: str = "") -> str:
    """The grade of one KPI under ``scheme`` ('-' when the scheme cannot judge it). ``direction``
    (指標の方向) or ``lower_is_better`` decides the direction; else the target and baseline do."""
    if not lower_is_better and direction not in ("lower", "higher"):
        direction = "lower" if kpi_direction("", "", quantity_or_none(baseline), quantity_or_none(target)).lower else "higher"
    lower_is_better = lower_is_better or direction == "lower"
    if scheme.name == BANDS:
        return grade(_rate(current, target, baseline, lower_is_better, scheme.rounding), scheme.bands)
    in_force = revised_target if quantity_or_none(revised_target) is not None else target
    c, t, b = quantity_or_none(current), quantity_or_none(in_force), quantity_or_none(baseline)
    if scheme.name == PACE:
        return _pace(c, t, b, scheme.plan)
    if scheme.name == SYMBOLS and _stopped(current):
        return "×"
    pct = _percent(_rate(current, in_force, baseline, lower_is_better, scheme.rounding))  # None when c is None
    if scheme.name == SYMBOLS:
        return _symbols(c, b, pct, lower_is_better, scheme.equal_from)
    return _baseline_relative(c, b, pct, lower_is_better)


STOPPED_WORDS = ("終了", "中止", "廃止", "休止", "未実施")


def _stopped(current: object) -> bool:
    """A current value saying the programme ended or stopped (事業終了, 廃止 …)."""
    if isinstance(current, Quantity):
        return current.has(STOPPED)
    return isinstance(current, str) and any(w in current for w in STOPPED_WORDS)


def _gain(c: Quantity, b: Quantity | None, lower: bool) -> tuple[Decimal, Decimal] | None:
    """(current − baseline on the good side (positive = better), the baseline's value in the
    current value's scale), or None if not comparable."""
    if b is None or b.value is None or c.value is None or not units_compatible(c, b):
        return None
    cv, bv = _scaled(c, b)
    return (bv - cv if lower else cv - bv), bv


def _symbols(c: Quantity | None, b: Quantity | None, pct: Decimal | None, lower: bool, equal_from: int) -> str:
    if c is None or pct is None:
        return NONE
    if pct >= 100:
        return "◎"
    found = _gain(c, b, lower)
    if pct <= 0 or (found is not None and found[0] <= 0):
        return "×"
    return "○" if pct >= equal_from else "△"


def _baseline_relative(c: Quantity | None, b: Quantity | None, pct: Decimal | None, lower: bool) -> str:
    if c is None:
        return "−"
    if pct is not None and pct >= 100:
        return "S"
    found = _gain(c, b, lower)
    if found is None:
        return "−"
    gain, bv = found
    if gain > 0:
        return "A"
    return "B" if -gain <= abs(bv) * WORSE_WITHIN else "C"


def progress(c: Quantity, t: Quantity, b: Quantity | None) -> Decimal | None:
    """(current − baseline) ÷ (target − baseline); a baseline without a number counts as 0."""
    if c.value is None or t.value is None or not units_compatible(c, t):
        return None
    cv, tv = _scaled(c, t)
    bv = Decimal(0)
    if b is not None and b.value is not None and units_compatible(c, b):
        bv = _scaled(c, b)[1]
    if tv == bv:
        return None
    return _CTX.divide(cv - bv, tv - bv)


def _pace(c: Quantity | None, t: Quantity | None, b: Quantity | None, plan: PlanPeriod | None) -> str:
    if t is not None and t.value is None and (t.has(CONTINUE) or t.has(MAINTAIN) or t.has(DONE)
                                              or "実施" in t.raw):
        return "F"
    if c is None or (c.value is None and not c.qualifiers):
        return "N"
    if t is None or c.value is None or plan is None:
        return NONE
    p = progress(c, t, b)
    if p is None:
        return NONE
    return "A" if p >= plan.elapsed_share else "B"


def grade_record(r: KpiRecord, scheme: Scheme = DEFAULT_SCHEME, rate: Rate | None = None) -> str:
    """The grade of a KPI record; ``bands`` reuse the record's computed 達成率 when given."""
    if scheme.name == BANDS and rate is not None:
        return grade(rate, scheme.bands, rounding=scheme.rounding)
    return grade_kpi(r.current, r.target, r.baseline or None, scheme=scheme,
                     direction="lower" if record_direction(r).lower else "higher", revised_target=r.revised_target)


def count_grades(grades: Sequence[str], scheme: Scheme) -> dict[str, int]:
    """How many KPIs got each grade of the scheme (other marks counted under '-')."""
    out = {g: 0 for g in scheme.letters}
    out.setdefault(NONE, 0)
    for g in grades:
        out[g if g in out else NONE] += 1
    return out


__all__ = ["SCHEMES", "SCHEME_LABELS", "SCHEME_GRADES", "Scheme", "PlanPeriod", "grade_kpi", "grade_record", "parse_scheme",
           "progress", "count_grades", "HUNDRED"]
