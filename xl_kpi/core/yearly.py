"""Checks of this year's KPI values against last year's: pure, records in, findings out.

``stale_values`` looks at next year's pre-filled submissions, whose 前年度実績 column holds last
year's value: a current value equal to it was probably not updated (``stale-value``).
``year_over_year_findings`` compares a merge's records with the previous year's master: the same
stale check, and a 目標値 that differs from last year's with no 変更後の目標値 entered
(``target-changed-without-revision``: a target is changed through 変更後の目標値, never in place).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .findings import Finding, make_finding
from .fiscal import format_fiscal_year
from .quantity import quantity_or_none
from .record import KpiRecord


def history_key(r: KpiRecord) -> tuple[str, str]:
    """Identity of a KPI from year to year: its 施策番号 (or 施策 name) and KPI number."""
    return (r.measure_id or f"name:{r.measure_name}", r.kpi_no)


def same_value(a: str, b: str) -> bool:
    """Do two KPI texts say the same value (same number, unit and basis, whatever the spelling)?
    Two blanks say nothing, so not the same value."""
    a, b = a.strip(), b.strip()
    if a == b:
        return bool(a)
    qa, qb = quantity_or_none(a), quantity_or_none(b)
    return qa is not None and qb is not None and qa.value is not None and qa == qb


def same_number(a: str, b: str) -> bool:
    """Two KPI texts with the same numeric value (継続実施 twice is no stale number)."""
    qa = quantity_or_none(a)
    return qa is not None and qa.value is not None and same_value(a, b)


def _stale(r: KpiRecord, previous: str, year: int = 0) -> Finding | None:
    """A finding when the current value is the previous one (none when either is blank); ``year``
    0 is this year."""
    if r.is_relisted or not same_number(r.current, previous):
        return None
    when = f"{format_fiscal_year(year)}末時点" if year else "今年度末時点"
    return make_finding("stale-value", record=r, field="current", value=r.current,
                        detail=f"{when}の値を入力してください（前年度から変わっていない場合はそのままで構いません）。")


def stale_values(records: Sequence[KpiRecord]) -> list[Finding]:
    """Current values equal to the 前年度実績 beside them (in rolled-over submissions)."""
    out = []
    for r in records:
        if not r.previous_value:  # a sheet not rolled over: nothing to compare with
            continue
        f = _stale(r, r.previous_value)
        if f is not None:
            out.append(f)
    return out


def year_over_year_findings(records: Iterable[KpiRecord], previous: Iterable[KpiRecord],
                            year: int = 0, targets: bool = True) -> list[Finding]:
    """Stale values and (when ``targets``) targets changed in place, against last year's master
    rows. With a plan register the targets are checked against the plan instead."""
    before = {history_key(p): p for p in previous if p.has_kpi and not p.is_relisted}
    out: list[Finding] = []
    for r in records:
        old = before.get(history_key(r))
        if old is None or not r.has_kpi or r.is_relisted:
            continue
        if not r.previous_value:  # rows with 前年度実績 were checked by stale_values already
            f = _stale(r, old.current, year)
            if f is not None:
                out.append(f)
        if targets and r.target.strip() and old.target.strip() and not same_value(r.target, old.target) \
                and not r.revised_target.strip():
            out.append(make_finding("target-changed-without-revision", record=r, field="target", value=r.target,
                                    detail=old.target))
    return out
