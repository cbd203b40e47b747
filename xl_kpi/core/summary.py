"""Progress at a glance: counts per grade band, median 達成率 and not-computable KPIs, per
基本目標 and per 部署, and the KPIs below a threshold. Pure: records in, tables out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from .grading import Scheme, grade_record
from .rate import DEFAULT_BANDS, DEFAULT_ROUNDING, GradeBands, Rate, Rounding, grade
from .record import KpiRecord
from .rules import Evaluation, evaluate

LOW_THRESHOLD = Decimal("0.5")


@dataclass
class SummaryRow:
    key: str
    label: str
    kpis: int = 0
    bands: dict[str, int] = field(default_factory=dict)
    not_computable: int = 0
    rates: list[Decimal] = field(default_factory=list)

    @property
    def median(self) -> Decimal | None:
        return median(self.rates) if self.rates else None


@dataclass
class Evaluated:
    record: KpiRecord
    rate: Rate
    grade: str


def evaluated(records: Iterable[KpiRecord], bands: GradeBands = DEFAULT_BANDS,
              evaluations: Mapping[int, Evaluation] | None = None,
              scheme: Scheme | None = None, rounding: Rounding = DEFAULT_ROUNDING) -> list[Evaluated]:
    """Each KPI record with its computed rate and grade (records without a KPI are left out).

    ``evaluations`` (``id(record)`` → its rates) reuses rates a caller already computed;
    ``scheme`` grades by a grading scheme instead of the bands (:mod:`.grading`); ``rounding`` is
    how rates computed here are shown and graded."""
    out = []
    for r in records:
        ev = evaluations[id(r)] if evaluations is not None else evaluate(r, rounding)
        if ev.rate is None:
            continue
        g = grade_record(r, scheme, ev.rate) if scheme is not None else grade(ev.rate, bands)
        out.append(Evaluated(r, ev.rate, g))
    return out


def summarize(items: Sequence[Evaluated], key: Callable[[KpiRecord], tuple[str, str]],
              bands: GradeBands = DEFAULT_BANDS) -> list[SummaryRow]:
    rows: dict[str, SummaryRow] = {}
    for it in items:
        k, label = key(it.record)
        row = rows.setdefault(k, SummaryRow(k, label, bands={b: 0 for b in bands.letters}))
        row.kpis += 1
        if it.grade in row.bands:
            row.bands[it.grade] += 1
        else:  # '-': neither computable nor gradable
            row.not_computable += 1
        if it.rate.value is not None:
            row.rates.append(it.rate.value)
    return list(rows.values())


def by_goal(r: KpiRecord) -> tuple[str, str]:
    return r.goal_no, f"基本目標{r.goal_no}"


def by_department(r: KpiRecord) -> tuple[str, str]:
    d = r.submitted_by or r.owner
    return d, d


def total(items: Sequence[Evaluated], bands: GradeBands = DEFAULT_BANDS) -> SummaryRow:
    if not items:
        return SummaryRow("all", "合計", bands={b: 0 for b in bands.letters})
    return summarize(items, lambda r: ("all", "合計"), bands)[0]


def below(items: Sequence[Evaluated], threshold: Decimal = LOW_THRESHOLD) -> list[Evaluated]:
    """KPIs whose rate is computable and below the threshold (default 50 %), in report order."""
    return [it for it in items if it.rate.value is not None and it.rate.value < threshold]
