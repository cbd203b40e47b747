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

from .direction import record_direction
from .errors import QuantityError
from .quantity import CONTINUE, CUMULATIVE, DONE, MAINTAIN, STOPPED, Quantity, parse_quantity
from .rate import _CTX, _scaled, round_half_up, units_compatible
from .record import KpiRecord
from .rules import Evaluation, evaluate
from .yearly import history_key

ON_TRACK, OFF_TRACK, UNKNOWN = "on-track", "off-track", "unknown"
TRACK_LABELS = {ON_TRACK: "順調", OFF_TRACK: "遅れ", UNKNOWN: "判定不可"}
OLDEST_YEARS = 15  # a baseline year further back than this is not given a column


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
    value: Decimal | None = None      # projected value at the plan's final year
    reason: str = ""

    @property
    def label(self) -> str:
        return TRACK_LABELS[self.status]


def _q(text: str) -> Quantity | None:
    """The cell read, or None: blank and unreadable cells alike (parse_quantity raises for both)."""
    try:
        return parse_quantity(text)
    except QuantityError:
        return None


def baseline_year(baseline: str) -> int | None:
    q = _q(baseline)
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

def _comparable(q: Quantity | None, ref: Quantity) -> bool:
    return q is not None and q.value is not None and units_compatible(q, ref) and q.basis == ref.basis


def series(h: KpiHistory, plan_start: int) -> list[tuple[int, Decimal]]:
    """(year, value) of the comparable numeric points, in the latest value's unit and scale."""
    read = [(y, _q(p.value)) for y, p in h.reported()]
    reported: list[tuple[int, Quantity]] = [(y, q) for y, q in read if q is not None and q.value is not None]
    if not reported:
        return []
    latest = reported[-1][1]
    points = [(y, _scaled(latest, q)[1]) for y, q in reported if _comparable(q, latest)]
    base = _q(h.baseline)
    by = baseline_year(h.baseline)
    if by is not None and base is not None and by < points[0][0] and _comparable(base, latest):
        points.insert(0, (by, _scaled(latest, base)[1]))
    elif latest.basis == CUMULATIVE and points[0][0] >= plan_start:
        points.insert(0, (plan_start - 1, Decimal(0)))  # a 累計 counts from the plan's start
    return points


def target_value(h: KpiHistory) -> Decimal | None:
    """The target in force as a number in the latest value's scale, or None."""
    t = _q(h.target)
    reported = h.reported()
    latest = _q(reported[-1][1].value) if reported else None
    if t is None or t.value is None or latest is None or latest.value is None or not units_compatible(latest, t):
        return None
    return _scaled(latest, t)[1]


def project(h: KpiHistory, plan_start: int, plan_end: int) -> Projection:
    """Where the current pace leads by ``plan_end``, against the target in force."""
    t = _q(h.target)
    reported = h.reported()
    if not reported:
        return Projection(UNKNOWN, reason="実績値がありません。")
    latest = _q(reported[-1][1].value)
    if t is None:
        return Projection(UNKNOWN, reason="目標値がありません。")
    if t.value is None:
        if latest is not None and (latest.has(STOPPED)):
            return Projection(OFF_TRACK, reason="事業が中止・廃止されています。")
        if t.has(CONTINUE) or t.has(DONE) or t.has(MAINTAIN):
            ok = latest is not None and (latest.has(CONTINUE) or latest.has(DONE) or latest.value is not None)
            return Projection(ON_TRACK if ok else UNKNOWN, reason="継続して実施されています。" if ok else "")
        return Projection(UNKNOWN, reason=f"目標値「{h.target}」が数値ではありません。")
    if latest is None or latest.value is None or not units_compatible(latest, t):
        return Projection(UNKNOWN, reason="実績値を目標値と比べられません。")
    points = series(h, plan_start)
    _, target = _scaled(latest, t)
    now_year, now = points[-1]
    reached = now <= target if h.lower_is_better else now >= target
    if reached:
        return Projection(ON_TRACK, now, "目標値に達しています。")
    if len(points) < 2:
        return Projection(UNKNOWN, reason="比べられる過去の値がないため、ペースを計算できません。")
    first_year, first = points[0]
    pace = _CTX.divide(now - first, Decimal(now_year - first_year))
    projected = now + pace * max(plan_end - now_year, 0)
    ok = projected <= target if h.lower_is_better else projected >= target
    return Projection(ON_TRACK if ok else OFF_TRACK, projected,
                      f"年平均 {_num(pace)} の変化が続くと、計画最終年度に {_num(projected)}（目標 {_num(target)}）")


def _num(d: Decimal) -> str:
    return f"{round_half_up(d, 2).normalize():f}"


def track_counts(projections: Iterable[Projection]) -> dict[str, int]:
    out = {ON_TRACK: 0, OFF_TRACK: 0, UNKNOWN: 0}
    for p in projections:
        out[p.status] += 1
    return out
