"""Merge semantics: which rows make the master, in which order, and what conflicts.

Pure: records in, records and findings out. A department's rows are the union of its
submissions, each KPI from the newest submission that holds it; a new row replaces the
department's row of the same KPI in the existing master, and the master's other rows stay;
the same KPI submitted by two departments is a ``conflicting-submission`` and both rows stay
visible. Order: 基本目標, 基本的方向 (ア, イ, ウ …), the direction's own measures by
施策番号, then its 再掲 measures by 施策番号, KPIs by number, rows without a KPI after them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

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
    state: str = ""             # in 提出状況: 提出済 / 一部 / 未提出 (set by the evaluation)
    missing: tuple[str, ...] = ()  # the plan KPIs of the department no submission holds

    @property
    def label(self) -> str:
        return f"{self.file}［{self.sheet}］" if self.sheet else self.file


@dataclass
class MergeResult:
    records: list[KpiRecord]
    findings: list[Finding]
    used: list[Submission]        # the submissions with rows in the master
    superseded: list[Submission]  # older submissions of a department all of whose rows a newer one replaced
    kept_departments: list[str]   # departments with rows kept from the existing master
    dropped: list[KpiRecord] = field(default_factory=list)  # rows a resubmission of their file no longer holds


def _int(text: str, default: int) -> int:
    m = _NUM_RE.search(text)
    return int(m.group()) if m else default


def order_key(r: KpiRecord) -> tuple:
    """Sort key of the published order (stable for ties: pair it with the input position)."""
    direction = _direction_rank(r.direction_letter)
    nums = tuple(int(n) for n in _NUM_RE.findall(r.measure_id)) or (10**6,)
    kpi = _int(r.kpi_no, 10**6) if r.kpi_no else 10**6 + 1
    return (_int(r.goal_no, 10**6), direction, 1 if r.is_relisted else 0, nums, kpi)


def _direction_rank(letter: str) -> int:
    """ア, イ, ウ … in 五十音 order; then a row without a letter; then other letters by code point."""
    if not letter:
        return len(GOJUON)
    d = GOJUON.find(letter)
    return d if d >= 0 else len(GOJUON) + ord(letter[0])


def order_records(records: Iterable[KpiRecord]) -> list[KpiRecord]:
    indexed = list(enumerate(records))
    indexed.sort(key=lambda p: (order_key(p[1]), p[0]))
    return [r for _, r in indexed]


def row_key(r: KpiRecord) -> tuple[str, str, str, str]:
    """Identity of a row within a department's rows: the KPI's key, or the measure's for a row
    without a KPI."""
    return r.key


def merge_submissions(existing: Sequence[KpiRecord], submissions: Sequence[Submission],
                      shown_time: Callable[[str], str] = str) -> MergeResult:
    """Combine the existing master's rows with new submissions (see the module docstring).

    A department's KPIs may arrive in several files: the union of its submissions is merged. A
    KPI in two of them is taken from the newer (by ``modified``; ``shown_time`` renders a time)
    with a ``duplicate-submission`` warning naming both files and cells, or — when every row of
    the older one is in a newer one, a resubmission — one ``superseded-submission`` warning for
    the older file. Identical files count once; a KPI in two different submissions with the same
    time is a ``submission-order`` error and neither row is used (the master's row stays).
    A new row of a department replaces that department's row of the same KPI in the existing
    master; a row the master holds from a file that is submitted again without it is ``dropped``
    (reported by the caller, which knows the plan)."""
    findings: list[Finding] = []
    by_department: dict[str, list[Submission]] = {}
    for sub in sorted(submissions, key=lambda s: (s.modified, s.file, s.sheet)):
        by_department.setdefault(sub.department, []).append(sub)
    chosen: dict[str, dict[tuple, list[KpiRecord]]] = {}
    used: list[Submission] = []
    superseded: list[Submission] = []
    blocked: set[tuple[str, tuple]] = set()
    for department, subs in by_department.items():
        rows, used_subs, old_subs = _union(department, _distinct(subs), findings, shown_time, blocked)
        chosen[department] = rows
        used.extend(used_subs)
        superseded.extend(old_subs)
    used.sort(key=lambda s: (s.department, s.file, s.sheet))
    for sub in used:
        if not sub.records:
            findings.append(make_finding("empty-submission", file=sub.file, sheet=sub.sheet,
                                         detail=f"{sub.department}の提出「{sub.label}」に行がありません。"))
    resubmitted = {(s.department, s.file) for s in submissions}
    kept: list[KpiRecord] = []
    dropped: list[KpiRecord] = []
    for r in existing:
        dept = r.submitted_by
        if dept in chosen and row_key(r) in chosen[dept]:
            continue  # replaced by this run's row
        if (dept, r.key) in blocked:
            kept.append(r)
        elif (dept, r.origin_file) in resubmitted and r.origin_file:
            dropped.append(r)
        else:
            kept.append(r)
    kept_departments = sorted({r.submitted_by for r in kept if r.submitted_by})
    combined: list[KpiRecord] = list(kept)
    for department, rows in sorted(chosen.items()):
        for r in (r for group in rows.values() for r in group):
            if r.has_kpi and not r.measure_id.strip():
                findings.append(_unplaced(r))
                continue
            combined.append(r if r.submitted_by == department else replace(r, submitted_by=department))
    findings.extend(_conflicts(combined))
    return MergeResult(order_records(combined), findings, used, superseded, kept_departments, dropped)


def _distinct(subs: list[Submission]) -> list[Submission]:
    """The same file (same bytes and sheet, same time) given twice counts once."""
    out: dict[tuple, Submission] = {}
    for s in subs:
        out.setdefault((s.sha256 or id(s), s.sheet, s.modified), s)
    return list(out.values())


def _cell(r: KpiRecord) -> str:
    return r.source.cell("kpi_no") or r.source.cell("measure_id") or (f"{r.source.row}行目" if r.source.row else "")


def _union(department: str, subs: list[Submission], findings: list[Finding], shown_time: Callable[[str], str],
           blocked: set[tuple[str, tuple]]) -> tuple[dict[tuple, list[KpiRecord]], list[Submission], list[Submission]]:
    """A department's rows from its submissions (sorted oldest first): each KPI from the newest
    submission holding it. Returns the rows by key, the submissions used, those fully replaced."""
    holders: dict[tuple, list[tuple[Submission, KpiRecord]]] = {}
    repeats: dict[tuple[int, tuple], list[KpiRecord]] = {}
    for sub in subs:
        seen_here: set[tuple] = set()
        for r in sub.records:
            k = row_key(r)
            if k in seen_here:  # a row repeated within one sheet stays (validation's duplicate-kpi)
                repeats.setdefault((id(sub), k), []).append(r)
                continue
            seen_here.add(k)
            holders.setdefault(k, []).append((sub, r))
    rows: dict[tuple, list[KpiRecord]] = {}
    overridden: dict[int, list[tuple[KpiRecord, Submission, KpiRecord]]] = {}
    won: set[int] = set()
    for k, group in holders.items():
        latest_time = group[-1][0].modified
        ties = [(s, r) for s, r in group if s.modified == latest_time]
        if len({id(s) for s, _ in ties}) > 1:
            names = "、".join(_when(s, shown_time) for s, _ in ties)
            for s, r in ties:
                findings.append(make_finding(
                    "submission-order", record=r, field="kpi_no", file=s.file, sheet=s.sheet,
                    detail=f"{department}の提出 {names} は提出日時が同じで、どちらが新しいか分かりません"
                           f"（両方にこの行があります）。この行はどちらも統合していません（前回のままです）。正しい方だけを提出し直すか、"
                           f"設定シートの提出日時を入力してください。"))
            blocked.add((department, k))
            continue
        win_sub, win = ties[-1]
        rows[k] = [win, *repeats.get((id(win_sub), k), ())]
        won.add(id(win_sub))
        for s, r in group:
            if s is not win_sub:
                overridden.setdefault(id(s), []).append((r, win_sub, win))
    used: list[Submission] = []
    superseded: list[Submission] = []
    for sub in subs:
        lost = overridden.get(id(sub), [])
        if sub.records and len(lost) == len(sub.records):
            newer = lost[0][1]
            findings.append(make_finding(
                "superseded-submission", file=sub.file, sheet=sub.sheet,
                detail=f"{department}の提出が複数あります。新しい{_when(newer, shown_time)}にこの提出のすべての行があるため、"
                       f"古い{_when(sub, shown_time)}は使いませんでした。古い方を提出フォルダーから除いてください。"))
            superseded.append(sub)
            continue
        for r, newer, win in lost:
            findings.append(make_finding(
                "duplicate-submission", record=r, field="kpi_no", value=r.kpi_no,
                detail=f"{department}の{_what(r)}が{_when(sub, shown_time)}の{_cell(r)}と"
                       f"{_when(newer, shown_time)}の{_cell(win)}の両方にあります。新しい{newer.label}の値を使いました。"))
        if id(sub) in won or not sub.records:
            used.append(sub)
    return rows, used, superseded


def _what(r: KpiRecord) -> str:
    name = r.measure_id or r.measure_name
    return f"施策{name} KPI{r.kpi_no}" if r.kpi_no else f"施策{name}の行"


def _unplaced(r: KpiRecord) -> Finding:
    """A KPI whose measure is unknown: the master never holds a KPI with an empty 施策番号."""
    return make_finding("missing-value", record=r, field="measure_id",
                        detail="施策が分からないため、このKPIの行はマスターに取り込みませんでした。"
                               "施策番号（例: 1-01）を入力してください。上の施策の続きの行なら、"
                               "施策番号・施策・部署・施策の内容をすべて空欄にしてください。")


def _when(sub: Submission, shown_time: Callable[[str], str]) -> str:
    return f"「{sub.label}」（{shown_time(sub.modified)}、{sub.time_source or '更新日時'}）"


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
