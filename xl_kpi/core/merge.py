"""Merge semantics: which rows make the master, in which order, and what conflicts.

Pure: records in, records and findings out. A department's newest submission replaces all of
that department's rows; rows of departments that did not submit this time are kept from the
existing master; the same KPI submitted by two departments is a ``conflicting-submission`` and
both rows stay visible. Order: 基本目標, 基本的方向 (ア, イ, ウ …), the direction's own measures by
施策番号, then its 再掲 measures by 施策番号, KPIs by number, rows without a KPI after them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Sequence

from .findings import Finding, make_finding
from .record import KpiRecord

GOJUON = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
_NUM_RE = re.compile(r"\d+")


@dataclass
class Submission:
    """One department's submission: a sheet of a workbook (or a CSV) and what was read from it."""

    department: str
    file: str
    sheet: str = ""
    sha256: str = ""
    modified: str = ""          # ISO time of the submission, which orders submissions of a department
    records: list[KpiRecord] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    time_source: str = ""       # which rule gave ``modified`` (提出日時, last saved, file time)

    @property
    def label(self) -> str:
        return f"{self.file}［{self.sheet}］" if self.sheet else self.file


@dataclass
class MergeResult:
    records: list[KpiRecord]
    findings: list[Finding]
    used: list[Submission]        # the submissions whose rows are in the master
    superseded: list[Submission]  # older submissions of a department replaced by a newer one
    kept_departments: list[str]   # departments whose rows came from the existing master


def _int(text: str, default: int) -> int:
    m = _NUM_RE.search(text or "")
    return int(m.group()) if m else default


def order_key(r: KpiRecord) -> tuple:
    """Sort key of the published order (stable for ties: pair it with the input position)."""
    d = GOJUON.find(r.direction_letter)
    direction = d if d >= 0 else len(GOJUON) + (ord(r.direction_letter[0]) if r.direction_letter else 0)
    nums = tuple(int(n) for n in _NUM_RE.findall(r.measure_id)) or (10**6,)
    kpi = _int(r.kpi_no, 10**6) if r.kpi_no else 10**6 + 1
    return (_int(r.goal_no, 10**6), direction, 1 if r.is_relisted else 0, nums, kpi)


def order_records(records: Iterable[KpiRecord]) -> list[KpiRecord]:
    indexed = list(enumerate(records))
    indexed.sort(key=lambda p: (order_key(p[1]), p[0]))
    return [r for _, r in indexed]


def merge_submissions(existing: Sequence[KpiRecord], submissions: Sequence[Submission],
                      shown_time: Callable[[str], str] = str) -> MergeResult:
    """Combine the existing master's rows with new submissions (see the module docstring).

    Of a department's submissions the newest (by ``modified``) is used and each older one is a
    ``superseded-submission`` warning naming both and their times (``shown_time`` renders a
    time); identical files count once; two different ones with the same time are a
    ``submission-order`` error and neither is used (the department's rows stay as they were)."""
    findings: list[Finding] = []
    newest: dict[str, Submission] = {}
    superseded: list[Submission] = []
    by_department: dict[str, list[Submission]] = {}
    for sub in sorted(submissions, key=lambda s: (s.modified, s.file, s.sheet)):
        by_department.setdefault(sub.department, []).append(sub)
    for department, subs in by_department.items():
        chosen = _choose(department, subs, findings, shown_time)
        if chosen is not None:
            newest[department] = chosen
            superseded.extend(s for s in subs if s is not chosen)
    used = sorted(newest.values(), key=lambda s: (s.department, s.file, s.sheet))
    for sub in used:
        if not sub.records:
            findings.append(make_finding("empty-submission", file=sub.file, sheet=sub.sheet,
                                         detail=f"{sub.department}の提出「{sub.label}」に行がありません。"))
    kept = [r for r in existing if r.submitted_by not in newest]
    kept_departments = sorted({r.submitted_by for r in kept})
    combined: list[KpiRecord] = list(kept)
    for sub in used:
        for r in sub.records:
            if r.has_kpi and not r.measure_id.strip():
                findings.append(_unplaced(r))
                continue
            combined.append(r if r.submitted_by == sub.department else replace(r, submitted_by=sub.department))

    findings.extend(_conflicts(combined))
    return MergeResult(order_records(combined), findings, used, superseded, kept_departments)


def _unplaced(r: KpiRecord) -> Finding:
    """A KPI whose measure is unknown: the master never holds a KPI with an empty 施策番号."""
    return make_finding("missing-value", record=r, field="measure_id",
                        detail="施策が分からないため、このKPIの行はマスターに取り込みませんでした。"
                               "施策番号（例: 1-01）を入力してください。上の施策の続きの行なら、"
                               "施策番号・施策・部署・施策の内容をすべて空欄にしてください。")


def _when(sub: Submission, shown_time: Callable[[str], str]) -> str:
    return f"「{sub.label}」（{shown_time(sub.modified)}、{sub.time_source or '更新日時'}）"


def _choose(department: str, subs: list[Submission], findings: list[Finding],
            shown_time: Callable[[str], str]) -> Submission | None:
    """The submission of a department to use (``subs`` sorted oldest first), with findings."""
    latest = subs[-1]
    ties = [s for s in subs if s.modified == latest.modified]
    if len({(s.sha256 or id(s), s.sheet) for s in ties}) > 1:  # the same file twice is no question
        names = "、".join(_when(s, shown_time) for s in ties)
        for s in ties:
            findings.append(make_finding(
                "submission-order", file=s.file, sheet=s.sheet,
                detail=f"{department}の提出 {names} は提出日時が同じで、どちらが新しいか分かりません。"
                       f"どちらも統合していません（{department}の行は前回のままです）。"
                       f"正しい方だけを提出し直すか、設定シートの提出日時を入力してください。"))
        return None
    for old in subs[:-1]:
        findings.append(make_finding(
            "superseded-submission", file=old.file, sheet=old.sheet,
            detail=f"{department}の提出が複数あります。新しい{_when(latest, shown_time)}を使い、"
                   f"古い{_when(old, shown_time)}は使いませんでした。古い方を提出フォルダーから除いてください。"))
    return latest


def _conflicts(records: list[KpiRecord]) -> Iterable[Finding]:
    by_key: dict[tuple, list[KpiRecord]] = {}
    for r in records:
        if r.has_kpi and r.kpi_no:
            by_key.setdefault(r.key, []).append(r)
    for group in by_key.values():
        departments = sorted({r.submitted_by for r in group})
        if len(departments) < 2:
            continue
        for r in group:
            yield make_finding("conflicting-submission", record=r, field="kpi_no", value=r.kpi_no,
                               detail=f"施策{r.measure_id or r.measure_name} KPI{r.kpi_no}: {'、'.join(departments)}")
