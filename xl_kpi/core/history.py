"""推移: each KPI's values year by year, carried forward from master to master, and where the
current pace leads by the plan's final year.

Pure: records and earlier histories in, :class:`KpiHistory` out. A history is keyed by 施策番号
(or 施策 name) and KPI number (:func:`~xl_kpi.core.yearly.history_key`); each fiscal year holds the
value as reported and its 達成率 at the time (past years are history: never recomputed). The
baseline's value sits in its own year when the 基準値 names one (平成30年度) and that year has no
report of its own.

The projection is "at the current pace": the average yearly change from the first comparable
value (the baseline when it is counted the same way as the reports, or 0 before the plan's first
year for a 累計 value) to the latest one, carried on to the plan's final year, then compared with
the target in force (変更後の目標値 when entered). 継続実施-type targets are on track while the
programme continues; a KPI already at its target is on track.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .direction import direction_of_cells, record_direction
from .fiscal import format_fiscal_year
from .quantity import (
    CONTINUE,
    CUMULATIVE,
    DONE,
    MAINTAIN,
    STOPPED,
    Quantity,
    quantity_or_none,
)
from .rate import _CTX, round_half_up
from .record import KpiRecord
from .rules import Evaluation, evaluate
from .units import base_unit, convert, format_in_unit, significant
from .yearly import history_key

ON_TRACK, OFF_TRACK, UNKNOWN = "on-track", "off-track", "unknown"
TRACK_LABELS = {ON_TRACK: "順調", OFF_TRACK: "遅れ", UNKNOWN: "判定不可"}
OLDEST_YEARS = 15  # a baseline year further back than this is not given a column
FRACTION_LIMIT = Decimal("1.5")  # a bare number at or below it beside values in % is a fraction (0.85 = 85 %)


@dataclass
class YearPoint:
    value: str                    # the cell text as reported (or the 基準値 in its year)
    rate: Decimal | None = None   # 達成率 as computed that year
    baseline: bool = False        # the 基準値, not a report


@dataclass
class KpiHistory:
    key: tuple[str, str]
    measure_id: str = ""
    kpi_no: str = ""
    kpi_item: str = ""
    department: str = ""
    baseline: str = ""
    target: str = ""              # the target in force (変更後の目標値 when entered)
    lower_is_better: bool = False
    points: dict[int, YearPoint] = field(default_factory=dict)

    def reported(self) -> list[tuple[int, YearPoint]]:
        return sorted((y, p) for y, p in self.points.items() if not p.baseline)


@dataclass(frozen=True)
class Projection:
    status: str                       # ON_TRACK / OFF_TRACK / UNKNOWN
    value: Decimal | None = None      # projected value at the plan's final year, in ``unit``
    reason: str = ""                  # the rule and its figures, or why there is no projection
    unit: str = field(default="", compare=False)  # the reference unit and scale of ``value``

    @property
    def shown(self) -> str:
        """The projected value with separators and its unit ('9億円'), or '-'."""
        return "-" if self.value is None else _shown(self.value, self.unit)

    @property
    def label(self) -> str:
        return TRACK_LABELS[self.status]


def baseline_year(baseline: str) -> int | None:
    q = quantity_or_none(baseline)
    return q.fiscal.end if q is not None and q.fiscal is not None else None


def _entry(r: KpiRecord, ev: Evaluation | None) -> YearPoint:
    ev = ev or evaluate(r)
    rate = ev.revised_rate if ev.revised_rate is not None else ev.rate
    return YearPoint(r.current, rate.value if rate is not None else None)


def update_history(earlier: Iterable[KpiHistory], records: Iterable[KpiRecord], year: int,
                   evaluations: Mapping[int, Evaluation] | None = None) -> list[KpiHistory]:
    """Earlier histories with ``year`` set from ``records`` (their KPIs' descriptions updated,
    KPIs new this year added, KPIs no longer reported kept with their past years)."""
    out: dict[tuple[str, str], KpiHistory] = {h.key: h for h in earlier}
    for r in records:
        if not r.has_kpi or r.is_relisted:
            continue
        k = history_key(r)
        h = out.setdefault(k, KpiHistory(k))
        h.measure_id, h.kpi_no, h.kpi_item = r.measure_id, r.kpi_no, r.kpi_item
        h.department = r.submitted_by or r.owner
        h.baseline, h.target = r.baseline, r.revised_target.strip() or r.target
        h.lower_is_better = record_direction(r).lower
        ev = evaluations.get(id(r)) if evaluations is not None else None
        if r.current.strip():
            h.points[year] = _entry(r, ev)
        by = baseline_year(r.baseline)
        if by is not None and by < year and (by not in h.points or h.points[by].baseline):
            h.points[by] = YearPoint(r.baseline, baseline=True)
    return list(out.values())


def combine(*layers: Iterable[KpiHistory]) -> list[KpiHistory]:
    """Histories of several sources as one: per KPI, every year of every layer, later layers
    winning for a year both hold (their descriptions too)."""
    out: dict[tuple[str, str], KpiHistory] = {}
    for layer in layers:
        for h in layer:
            mine = out.get(h.key)
            if mine is None:
                out[h.key] = KpiHistory(h.key, h.measure_id, h.kpi_no, h.kpi_item, h.department, h.baseline,
                                        h.target, h.lower_is_better, dict(h.points))
            else:
                points = {**mine.points, **{y: p for y, p in h.points.items()
                                            if not (p.baseline and y in mine.points)}}
                out[h.key] = KpiHistory(h.key, h.measure_id or mine.measure_id, h.kpi_no, h.kpi_item or mine.kpi_item,
                                        h.department or mine.department, h.baseline or mine.baseline,
                                        h.target or mine.target, h.lower_is_better, points)
    return list(out.values())


def history_years(histories: Sequence[KpiHistory], year: int) -> list[int]:
    """The fiscal years a 推移 table shows: from the oldest baseline or report to ``year``."""
    years = [y for h in histories for y in h.points if y >= year - OLDEST_YEARS]
    return list(range(min(years + [year]), max(years + [year]) + 1))


# --- projection ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reference:
    """What every figure of a KPI's 推移 is converted to: the unit and scale (the target's today, the
    plan register's later), the direction, and the target in force as a number in that unit."""

    unit: str
    lower: bool
    target: Decimal
    target_text: str


def reference(h: KpiHistory, unit: str | None = None, lower: bool | None = None) -> Reference | None:
    """The KPI's reference (``unit`` and ``lower`` given by the caller when it knows them: the plan
    register's), or None when the target in force is not a number. A bare fractional target beside
    values in % (0.5 and 45%) is read as a percent."""
    t = quantity_or_none(h.target)
    if t is None or t.value is None:
        return None
    ref_unit, value = t.unit if unit is None else unit, t.value
    if unit is None and not t.unit:
        latest = _latest(h)
        if latest is not None and latest.is_percent:
            ref_unit = "%"
            value = value * 100 if abs(value) <= FRACTION_LIMIT else value
    converted = convert(value, t.unit, ref_unit) if t.unit else value
    if converted is None:
        return None
    if lower is None:
        stated = "lower" if h.lower_is_better else ""
        lower = direction_of_cells(stated, h.kpi_item, h.baseline, h.target).lower
    return Reference(ref_unit, lower, converted, h.target.strip())


def _latest(h: KpiHistory) -> Quantity | None:
    reported = h.reported()
    return quantity_or_none(reported[-1][1].value) if reported else None


def _in(q: Quantity, unit: str) -> Decimal | None:
    """``q``'s value in ``unit`` (a bare number beside a % unit is taken as it stands)."""
    if q.value is None:
        return None
    if not q.unit or not unit:
        return q.value if not q.unit or q.unit == unit else None
    return convert(q.value, q.unit, unit)


def series(h: KpiHistory, plan_start: int, unit: str | None = None) -> list[tuple[int, Decimal]]:
    """(year, value) of the numeric reports counted the way the latest one is, in the reference
    unit and scale (``unit``, or the target's): 5億円 → 6億2,000万円 → 7億円 is 5 → 6.2 → 7 億円."""
    ref = reference(h) if unit is None else None
    unit = unit if unit is not None else (ref.unit if ref is not None else None)
    read = [(y, quantity_or_none(p.value)) for y, p in h.reported()]
    reported: list[tuple[int, Quantity]] = [(y, q) for y, q in read if q is not None and q.value is not None]
    if not reported:
        return []
    latest = reported[-1][1]
    unit = latest.unit if unit is None else unit
    points = [(y, v) for y, q in reported if q.basis == latest.basis and (v := _in(q, unit)) is not None]
    if not points:
        return []
    base = quantity_or_none(h.baseline)
    by = baseline_year(h.baseline)
    bv = _in(base, unit) if base is not None and base.value is not None and base.basis == latest.basis else None
    if by is not None and bv is not None and by < points[0][0]:
        points.insert(0, (by, bv))
    elif latest.basis == CUMULATIVE and points[0][0] >= plan_start:
        points.insert(0, (plan_start - 1, Decimal(0)))  # a 累計 counts from the plan's start
    return points


def target_value(h: KpiHistory) -> Decimal | None:
    """The target in force as a number in the reference unit and scale, or None."""
    ref = reference(h)
    latest = _latest(h)
    if ref is None or latest is None or latest.value is None or _in(latest, ref.unit) is None:
        return None
    return ref.target


def _basis_label(q: Quantity) -> str:
    return BASIS_WORDS.get(q.basis, "単年度")


BASIS_WORDS = {None: "単年度", CUMULATIVE: "累計", "average": "平均", "per-year": "年あたり", "per-month": "月あたり",
               "per-day": "日あたり"}


def project(h: KpiHistory, plan_start: int, plan_end: int, unit: str | None = None,
            lower: bool | None = None) -> Projection:
    """Where the current pace leads by ``plan_end``, against the target in force, every figure in
    the reference unit and scale (``unit`` and ``lower``: the plan register's when given, else the
    target's unit and the KPI's direction). The rule is linear: the average yearly change from the
    first comparable value (the baseline, or 0 before the plan for a 累計) to the latest one, carried
    on to the plan's final year; never below zero for a count or amount, never beyond 100 % for a
    share. A history that mixes 累計 and 単年度, or units that cannot be converted, is 判定不可."""
    t = quantity_or_none(h.target)
    reported = h.reported()
    if not reported:
        return Projection(UNKNOWN, reason="実績値がありません。")
    latest = quantity_or_none(reported[-1][1].value)
    if t is None:
        return Projection(UNKNOWN, reason="目標値がありません。")
    if t.value is None:
        if latest is not None and (latest.has(STOPPED)):
            return Projection(OFF_TRACK, reason="事業が中止・廃止されています。")
        if t.has(CONTINUE) or t.has(DONE) or t.has(MAINTAIN):
            ok = latest is not None and (latest.has(CONTINUE) or latest.has(DONE) or latest.value is not None)
            return Projection(ON_TRACK if ok else UNKNOWN, reason="継続して実施されています。" if ok else "")
        return Projection(UNKNOWN, reason=f"目標値「{h.target}」が数値ではありません。")
    ref = reference(h, unit, lower)
    if latest is None or latest.value is None or ref is None or _in(latest, ref.unit) is None:
        return Projection(UNKNOWN, reason="実績値を目標値と比べられません。")
    problem = _incomparable(h, t, ref)
    if problem:
        return Projection(UNKNOWN, reason=problem)
    points = series(h, plan_start, ref.unit)
    target = ref.target
    now_year, now = points[-1]
    shown_target = f"（目標 {_shown(target, ref.unit)}）"
    reached = now <= target if ref.lower else now >= target
    if reached:
        return Projection(ON_TRACK, now, f"目標値に達しています（{format_fiscal_year(now_year)} "
                                         f"{_shown(now, ref.unit)}、目標 {_shown(target, ref.unit)}）。", ref.unit)
    if len(points) < 2:
        return Projection(UNKNOWN, reason="比べられる過去の値がないため、ペースを計算できません。")
    first_year, first = points[0]
    pace = _CTX.divide(now - first, Decimal(now_year - first_year))
    projected, bound = _bounded(now + pace * max(plan_end - now_year, 0), [v for _, v in points] + [target],
                                ref.unit)
    ok = projected <= target if ref.lower else projected >= target
    since = _since(h, points, plan_start)
    return Projection(ON_TRACK if ok else OFF_TRACK, projected,
                      f"{since}の年平均 {_pace_shown(pace, ref.unit)} の変化が続くと、計画最終年度に "
                      f"{_shown(projected, ref.unit)}{bound}{shown_target}", ref.unit)


def _incomparable(h: KpiHistory, t: Quantity, ref: Reference) -> str:
    """Why the reports cannot be projected against the target ('' when they can): a report whose
    unit cannot be converted, reports that mix 累計 and 単年度, or reports counted otherwise than the target."""
    numeric = [(y, q) for y, p in h.reported() if (q := quantity_or_none(p.value)) is not None and q.value is not None]
    for y, q in numeric:
        if _in(q, ref.unit) is None:
            return (f"{format_fiscal_year(y)}の実績値「{q.raw.strip()}」の単位を目標値の単位（{ref.unit or '単位なし'}）"
                    "に換算できないため、見込みを計算できません。")
    kinds: dict[str, int] = {}
    for y, q in numeric:
        kinds.setdefault(_basis_label(q), y)
    if len(kinds) > 1:
        mixed = "と".join(f"{label}（{format_fiscal_year(y)}など）" for label, y in kinds.items())
        return f"推移に{mixed}の値が混じっているため、見込みを計算できません。集計方法をそろえてください。"
    latest = numeric[-1][1]
    if latest.basis != t.basis and {latest.basis, t.basis} & {CUMULATIVE}:
        return (f"実績値は{_basis_label(latest)}、目標値は{_basis_label(t)}の値のため、見込みを計算できません。"
                "集計方法をそろえてください。")
    return ""


def _bounded(value: Decimal, seen: list[Decimal], unit: str) -> tuple[Decimal, str]:
    """A projection kept possible: a count or amount (every value and the target at or above zero)
    never below zero, a share (a % whose values all lie within 0–100) never beyond 100 %."""
    if value < 0 and all(v >= 0 for v in seen):
        return Decimal(0), "（0未満にはならないため0）"
    if unit == "%" and value > 100 and all(0 <= v <= 100 for v in seen):
        return Decimal(100), "（100%を超えないため100%）"
    return value, ""


def _since(h: KpiHistory, points: list[tuple[int, Decimal]], plan_start: int) -> str:
    """Where the pace is measured from, in words: 基準値（平成30年度）, 計画開始前の0（累計）, 令和2年度."""
    first_year, _ = points[0]
    base = h.points.get(first_year)
    to = format_fiscal_year(points[-1][0])
    if base is not None and base.baseline or (baseline_year(h.baseline) == first_year and first_year not in
                                              dict(h.reported())):
        return f"基準値（{format_fiscal_year(first_year)}）から{to}まで"
    if first_year == plan_start - 1 and points[0][1] == 0 and first_year not in dict(h.reported()):
        return f"計画開始前の0（累計）から{to}まで"
    return f"{format_fiscal_year(first_year)}から{to}まで"


def shown_value(h: KpiHistory, text: str) -> str:
    """A year's value of ``h`` as the 推移 shows it: as reported when written in the reference unit
    and scale, else converted to it with every digit (3,500万円 under a target in 千円 → 35,000千円,
    30名 → 30人), the 累計 kept; a text with no number in that unit (継続実施) as reported."""
    return _shown_in(text, reference(h))


def shown_values(h: KpiHistory) -> dict[int, str]:
    """Each year's value of ``h`` as :func:`shown_value` shows it (the reference worked out once)."""
    ref = reference(h)
    return {y: _shown_in(p.value, ref) for y, p in h.points.items()}


def _shown_in(text: str, ref: Reference | None) -> str:
    q = quantity_or_none(text)
    if q is None or q.value is None or ref is None or q.unit == ref.unit:
        return text.strip()
    value = _in(q, ref.unit)
    return text.strip() if value is None else format_in_unit(value, ref.unit) + _basis_suffix(q)


def _basis_suffix(q: Quantity | None) -> str:
    return "(累計)" if q is not None and q.basis == CUMULATIVE else ""


def _shown(d: Decimal, unit: str) -> str:
    """A figure of a projection in the reference unit and scale, with separators, to three significant digits."""
    return format_in_unit(significant(round_half_up(d, 2)), unit)


def _pace_shown(d: Decimal, unit: str) -> str:
    """A yearly change: as :func:`_shown`, but an amount of money in 万 and 億 (0.667億円 a year reads
    6,670万円), since a change smaller than the unit's scale reads badly in it."""
    factor, base = base_unit(unit)
    if base == "円" and factor > 1 and abs(d) < 1:
        return format_in_unit(significant(d * factor), "円")
    return _shown(d, unit)


def track_counts(projections: Iterable[Projection]) -> dict[str, int]:
    out = {ON_TRACK: 0, OFF_TRACK: 0, UNKNOWN: 0}
    for p in projections:
        out[p.status] += 1
    return out
