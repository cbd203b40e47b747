"""One evaluation: the whole content of a report, computed once, rendered by every path.

:func:`evaluate_report` takes the submissions (records with their cells, from files, the add-in's
book or a CSV), the plan register, the settings, the existing master's rows and last year's master,
and returns a :class:`ReportContent`: the records reconciled with the plan, their 達成率, every
finding (severities from 設定, the parse errors a date explains taken away), the KPI histories and
projections, and the state of each department's submission. The master writer, the feedback copies,
the ribbon and task pane, the server and the CLI lay this out; none of them assembles findings,
histories or projections itself. :func:`check_submission` is the same evaluation for one sheet
being checked before it is submitted (``xl-kpi validate``, the ribbon's 入力チェック, the server).

Reconciling with the register (:mod:`.register`):

- every KPI of the plan is in every year's master: submitted, or kept with its plan values and
  「未提出」 in its current value (no rate), with an error naming the department and its KPIs;
- a KPI a resubmitted file no longer holds is an error naming it; the master keeps the plan's row;
- a KPI not in the plan is merged and reported (``kpi-not-in-plan``);
- a 基準値 or 目標値 that differs from the plan is an error at the cell and the plan's value is
  what the master shows and the rate uses (a revised target comes through 変更後の目標値);
- identities are normalised first (「１－０３」, 「活 力 都 市 創 造 部」), each change said in an info;
- titles of goals and directions come from the plan, a different one is a warning naming both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Protocol

from .errors import QuantityError
from .findings import INFO, Finding, make_finding, with_severities
from .grading import Scheme
from .history import KpiHistory, Projection, combine, project, update_history
from .merge import MergeResult, Submission, merge_submissions, order_records
from .quantity import is_placeholder, normalized, read_quantity
from .rate import DEFAULT_ROUNDING, Rounding
from .record import LOWER_IS_BETTER, CellNumber, KpiRecord
from .register import (
    PlanKpi,
    PlanRegister,
    canonical_department,
    describe_key,
    normalize_kpi_no,
    normalize_measure_id,
    register_from_records,
    register_key,
    same_title,
)
from .rules import Evaluation, evaluate, validate_records
from .yearly import same_value, year_over_year_findings

NOT_SUBMITTED = "未提出"
SUBMITTED, PARTLY = "提出済", "一部"


class ReportSettings(Protocol):
    """What the evaluation needs of the 「設定」 sheet (``xl_kpi.files.layout.Settings``)."""

    year: int
    plan_start: int
    plan_end: int
    departments: tuple[str, ...]
    severities: dict[str, str]
    rounding: Rounding

    def grading(self, scheme: str | None = None) -> Scheme: ...


@dataclass
class LastYear:
    """Last year's master as an evaluation uses it: its year, rows, KPI histories and plan."""

    year: int
    records: list[KpiRecord]
    history: list[KpiHistory]
    register: PlanRegister | None = None


@dataclass
class ReportContent:
    """Everything a report shows, as data (see the module docstring)."""

    records: list[KpiRecord]
    evaluations: dict[int, Evaluation]          # id(record) → its rates
    findings: list[Finding]
    histories: list[KpiHistory]
    projections: dict[tuple[str, str], Projection]
    status: list[Submission]                     # 提出状況: one row a submission, or a department's absence
    register: PlanRegister
    register_created: bool = False               # the register was made by this evaluation
    merge: MergeResult | None = None
    # Said once to whoever ran the evaluation, not kept in the master (a re-merge of the same files
    # must write the same master): ``register-created``.
    notices: list[Finding] = field(default_factory=list)

    @property
    def report_findings(self) -> list[Finding]:
        """The findings and the notices, for the command's output and exit code."""
        return [*self.notices, *self.findings]

    @property
    def tracks(self) -> dict[tuple[str, str], str]:
        return {k: p.status for k, p in self.projections.items()}


# --- what a report explains away -------------------------------------------------------------------

EXPLAINED_CODES = frozenset(("multiple-values", "unparseable-value", "invalid-measure-id", "rate-not-computable"))


def without_explained(findings: Iterable[Finding]) -> list[Finding]:
    """Findings less the parse errors of cells a ``date-in-value`` finding already explains
    (a date shown as 「2019/3/31」 is not 「several numbers in one cell」), and that finding once a cell."""
    found = list(findings)
    dates = {(f.file, f.sheet, f.cell) for f in found if f.code == "date-in-value"}
    if not dates:
        return found
    seen: set[tuple[str, str, str]] = set()  # the reader and the rules both say it of a date just typed: once
    out = []
    for f in found:
        where = (f.file, f.sheet, f.cell)
        if f.code == "date-in-value":
            if where in seen:
                continue
            seen.add(where)
        elif f.code in EXPLAINED_CODES and where in dates:
            continue
        out.append(f)
    return out


# --- identities ------------------------------------------------------------------------------------

def normalize_identities(records: Sequence[KpiRecord], departments: Iterable[str] = ()
                         ) -> tuple[list[KpiRecord], list[Finding]]:
    """Records with 施策番号, KPI No. and 部署 normalised, and one info a sheet for each text that
    changed (「１－０３」 → 1-03 at its first cell, with how many rows)."""
    known = tuple(departments)
    names: dict[str, str] = {}  # a sheet repeats its department on every row: each text read once

    def canonical(text: str) -> str:
        if text not in names:
            names[text] = canonical_department(text, known)
        return names[text]
    out: list[KpiRecord] = []
    changed: dict[tuple[str, str, str, str], list[KpiRecord]] = {}
    texts: dict[tuple[str, str, str, str], str] = {}
    for r in records:
        mid, kno = normalize_measure_id(r.measure_id), normalize_kpi_no(r.kpi_no)
        dept = canonical(r.department)
        by = canonical(r.submitted_by) if r.submitted_by else ""
        if (mid, kno, dept, by) == (r.measure_id, r.kpi_no, r.department, r.submitted_by):
            out.append(r)
            continue
        for name, new in (("measure_id", mid), ("kpi_no", kno), ("department", dept)):
            old = getattr(r, name)
            if new != old and old.strip() != new:
                k = (r.source.file, r.source.sheet, name, old)
                changed.setdefault(k, []).append(r)
                texts[k] = new
        out.append(replace(r, measure_id=mid, kpi_no=kno, department=dept, submitted_by=by or r.submitted_by))
    findings = []
    for (_, _, name, old), rows in changed.items():
        new = texts[(rows[0].source.file, rows[0].source.sheet, name, old)]
        more = f"（ほか{len(rows) - 1}行）" if len(rows) > 1 else ""
        findings.append(make_finding("identity-normalised", record=rows[0], field=name, value=old,
                                     detail=f"「{new}」として読み取りました{more}。"))
    return out, findings


def unknown_departments(records: Iterable[KpiRecord], departments: Sequence[str]) -> list[Finding]:
    """Departments named in the rows that the 設定 sheet's list (and the plan) do not know."""
    if not departments:
        return []
    from .register import department_names
    listed = tuple(departments)
    known = set(listed)
    unknown: dict[str, list[str]] = {}  # a cell's text → the names in it that no list knows, read once
    out: list[Finding] = []
    for rec in records:
        text = rec.department
        if text not in unknown:
            unknown[text] = [d for d in department_names(text, listed) if d and d not in known]
        out.extend(make_finding("unknown-department", record=rec, field="department", value=d,
                                detail=department_hint(d, listed))
                   for d in unknown[text])
    return out


@lru_cache(maxsize=1024)
def department_hint(name: str, departments: tuple[str, ...]) -> str:
    """What to type instead of an unknown department: a near miss, and the list (cached: every row
    of a department repeats its name, and difflib is slow)."""
    import difflib
    close = difflib.get_close_matches(name, list(departments), n=1, cutoff=0.6)
    near = f"「{close[0]}」の誤りではありませんか。" if close else ""
    return f"{near}設定シートの部署一覧: {'、'.join(departments)}"


def known_departments(settings: ReportSettings | None, register: PlanRegister | None) -> tuple[str, ...]:
    """The departments the settings list and the plan name."""
    listed = tuple(settings.departments) if settings is not None else ()
    return tuple(dict.fromkeys([*listed, *(register.departments if register is not None else ())]))


# --- reconciling with the plan ---------------------------------------------------------------------

PLAN_FIELDS = ("baseline", "target")


def against_plan(records: Sequence[KpiRecord], register: PlanRegister,
                 values: bool = True) -> tuple[list[KpiRecord], list[Finding]]:
    """Records with the plan's titles, values and direction, and what differed: a 基準値 or 目標値
    (an error at the cell; the plan's value is kept), a title (a warning), a KPI not in the plan.
    ``values``: False for a plan just made from these very records (only titles can differ)."""
    goals, directions = register.goal_titles(), register.direction_titles()
    out: list[KpiRecord] = []
    findings: list[Finding] = []
    reported_titles: set[tuple] = set()
    for r in records:
        changes: dict[str, object] = {}
        _titles(r, goals, directions, changes, findings, reported_titles)
        if not values:
            out.append(replace(r, **changes) if changes else r)  # type: ignore[arg-type]
            continue
        plan = register.find(r)
        if plan is None:
            if r.has_kpi and r.current != NOT_SUBMITTED:
                findings.append(make_finding("kpi-not-in-plan", record=r, field="kpi_item", value=r.kpi_item,
                                             detail=f"{describe_key(register_key(r))}"))
        else:
            _plan_values(r, plan, changes, findings)
        out.append(replace(r, **changes) if changes else r)  # type: ignore[arg-type]
    return out, findings


def _titles(r: KpiRecord, goals: Mapping[str, str], directions: Mapping[tuple[str, str], str],
            changes: dict[str, object], findings: list[Finding], reported: set[tuple]) -> None:
    goal = goals.get(r.goal_no)
    if goal is not None and r.goal_title != goal:
        _title(r, "goal_title", goal, (r.goal_no,), changes, findings, reported)
    direction = directions.get((r.goal_no, r.direction_letter))
    if direction is not None and r.direction_title != direction:
        _title(r, "direction_title", direction, (r.goal_no, r.direction_letter), changes, findings, reported)


def _title(r: KpiRecord, field_name: str, title: str, key: tuple, changes: dict[str, object],
           findings: list[Finding], reported: set[tuple]) -> None:
    given = getattr(r, field_name)
    changes[field_name] = title
    once = (r.source.file, r.source.sheet, field_name, key)
    if given.strip() and not same_title(given, title) and once not in reported:
        reported.add(once)
        what = f"【基本目標{r.goal_no}】" + (f"の【基本的方向：{r.direction_letter}】" if len(key) > 1 else "")
        findings.append(make_finding("title-differs", record=r, field=field_name, value=given,
                                     detail=f"{what}の名称が計画では「{title}」です。計画の名称を使いました。"))


def same_plan_value(given: str, planned: str) -> bool:
    """Does a submitted 基準値/目標値 say the plan's value — the same number in one scale, unit and
    basis, however it is spelled (「158千人」 and 「158,000人」, 「4,000 人(累計)」 and 「4,000人(累計)」)?"""
    if same_value(given, planned):
        return True
    a, b = read_quantity(given), read_quantity(planned)
    if isinstance(a, QuantityError) or isinstance(b, QuantityError) or a.value is None or b.value is None:
        return False
    return normalized(a) == normalized(b) and a.basis == b.basis


def _plan_values(r: KpiRecord, plan: PlanKpi, changes: dict[str, object], findings: list[Finding]) -> None:
    if r.current == NOT_SUBMITTED:
        return
    numbers: dict[str, CellNumber] | None = None  # copied only when a value is replaced
    for name in PLAN_FIELDS:
        given, planned = getattr(r, name).strip(), getattr(plan, name)
        if not planned or given == planned or same_plan_value(given, planned):
            continue
        if numbers is None:
            numbers = dict(r.numbers)
        label = "目標値" if name == "target" else "基準値"
        if not given or is_placeholder(given):  # left empty: the plan's value, said as information
            findings.append(make_finding("plan-value-changed", record=r, field=name, value=given, severity=INFO,
                                         detail=f"値がないため、計画の{label}「{planned}」を使いました。"))
            changes[name] = planned
            numbers.pop(name, None)
            continue
        revised = r.revised_target.strip()
        how = ("変更後の目標値に入力されています。" if revised and name == "target"
               else "変更するときは、目標値は計画のままにして、変更後の目標値と備考（変更の理由）に入力してください。"
               if name == "target" else "基準値は計画の値のままにしてください。")
        findings.append(make_finding("plan-value-changed", record=r, field=name, value=given,
                                     detail=f"計画の{label}は「{planned}」です。"
                                            f"達成率は計画の値で計算しました。{how}"))
        changes[name] = planned
        numbers.pop(name, None)
    if numbers is not None and len(numbers) != len(r.numbers):
        changes["numbers"] = numbers
    if not r.revised_target.strip() and plan.revised_target:
        changes["revised_target"] = plan.revised_target
        changes["revision_note"] = r.revision_note or plan.revision_note
    if not r.direction and plan.direction:
        changes["direction"] = plan.direction
    if plan.measure_id and r.measure_id != plan.measure_id:
        changes["measure_id"] = plan.measure_id


def unsubmitted_rows(register: PlanRegister, present: set[tuple], records: Sequence[KpiRecord],
                     dropped: Mapping[tuple, KpiRecord] | None = None
                     ) -> tuple[list[KpiRecord], dict[str, list[PlanKpi]]]:
    """Rows for the plan KPIs no row holds: a 再掲 copy from its original's row, the rest with the
    plan's values marked 「未提出」 (remembering the file a KPI was dropped from, so that the next
    merge still names it); and the missing KPIs by owning department."""
    originals = {register_key(r)[:2]: r for r in records if not r.is_relisted and r.current != NOT_SUBMITTED}
    out: list[KpiRecord] = []
    missing: dict[str, list[PlanKpi]] = {}
    for k in register.kpis:
        if k.key in present:
            continue
        original = originals.get(k.key[:2]) if k.relisted else None
        if original is not None:
            row = k.as_record()
            out.append(replace(original, goal_no=row.goal_no, goal_title=row.goal_title,
                               direction_letter=row.direction_letter, direction_title=row.direction_title,
                               measure_name=row.measure_name, relisted="1"))
            continue
        row = k.as_record(NOT_SUBMITTED)
        gone = (dropped or {}).get(k.key)
        if gone is not None:
            row = replace(row, origin_file=gone.origin_file, origin_sheet=gone.origin_sheet,
                          origin_row=gone.origin_row, source=gone.source)
        out.append(row)
        if k.has_kpi:
            missing.setdefault(k.owner or "（部署未記入）", []).append(k)
    return out, missing


def _missing_findings(missing: Mapping[str, list[PlanKpi]], submitted: set[str], dropped: Sequence[KpiRecord]
                      ) -> list[Finding]:
    out: list[Finding] = []
    dropped_keys = {register_key(r): r for r in dropped}
    for department, kpis in missing.items():
        names = "、".join(describe_key(k.key) for k in kpis)
        for k in kpis:
            gone = dropped_keys.get(k.key)
            if gone is not None:
                out.append(make_finding(
                    "kpi-dropped", record=gone, field="kpi_no", value=gone.kpi_no,
                    detail=f"{describe_key(k.key)}（{gone.kpi_item}）が、提出し直された「{gone.origin_file}」にありません。"
                           f"マスターには計画の値で「{NOT_SUBMITTED}」として残しました。事業を終えた場合も、"
                           f"現在値に実績か「事業終了」と書いて行を残し、備考に理由を書いてください。"))
        if department in submitted:
            rest = [k for k in kpis if k.key not in dropped_keys]
            if rest:
                out.append(make_finding(
                    "kpi-not-submitted", value=department,
                    detail=f"{department}の提出に、計画の{len(rest)}件のKPIがありません（"
                           f"{'、'.join(describe_key(k.key) for k in rest)}）。マスターには計画の値で"
                           f"「{NOT_SUBMITTED}」として残しました。"))
        else:
            out.append(make_finding(
                "not-submitted", value=department,
                detail=f"{department}から提出がありません。計画の{len(kpis)}件のKPI（{names}）は計画の値で"
                       f"「{NOT_SUBMITTED}」として残しました。"))
    return out


# --- the evaluation --------------------------------------------------------------------------------

def _placeholder(r: KpiRecord) -> bool:
    """A master row the plan filled in (「未提出」, no submitting department)."""
    return r.current == NOT_SUBMITTED and not r.submitted_by


def evaluate_report(submissions: Sequence[Submission], settings: ReportSettings, *,
                    register: PlanRegister | None = None, existing: Sequence[KpiRecord] = (),
                    existing_status: Mapping[str, Submission] | None = None,
                    last_year: LastYear | None = None, history: Sequence[KpiHistory] = (),
                    notes: Sequence[Finding] = (), shown_time: Callable[[str], str] = str) -> ReportContent:
    """The content of the master for ``settings.year`` (see the module docstring).

    ``register``: the plan; when None, last year's, else one made from the rows merged (said in
    a ``register-created`` info). ``existing``: the rows of this year's master so far (a merge in
    several runs); ``history``: its 「推移」; ``notes``: findings about the inputs (files not read)."""
    findings: list[Finding] = list(notes)
    plan = register if register is not None else (last_year.register if last_year is not None else None)
    known = known_departments(settings, plan)
    subs: list[Submission] = []
    for sub in submissions:
        recs, norm = normalize_identities(sub.records, known)
        dept = canonical_department(sub.department, known) or sub.department
        subs.append(replace(sub, department=dept, records=recs, findings=[*sub.findings, *norm]))
    old_rows, _ = normalize_identities(existing, known)
    # 未提出 rows of the master are the plan's, made again below; one that remembers the file its KPI
    # was dropped from keeps saying so while that KPI is missing
    remembered = {register_key(r): r for r in old_rows if _placeholder(r) and r.origin_file}
    result = merge_submissions([r for r in old_rows if not _placeholder(r)], subs, shown_time)
    for sub in result.used:
        findings.extend(sub.findings)
    created = False
    notices: list[Finding] = []
    if plan is None:
        source = last_year.records if last_year is not None else result.records
        plan, problems = register_from_records(
            [r for r in source if not _placeholder(r)], known,
            plan_start=settings.plan_start, plan_end=settings.plan_end,
            origin="前年度のマスター" if last_year is not None else "初回の統合")
        created = True
        findings.extend(problems)
        notices.append(make_finding("register-created", value=str(len(plan)),
                                    detail=f"{plan.origin}の行から{len(plan)}件の計画（「計画」シート）を作りました。"
                                           "以後の統合はこの計画と照らし合わせます。"))
        known = known_departments(settings, plan)
    records, plan_findings = against_plan(result.records, plan, values=not (created and last_year is None))
    present = {register_key(r) for r in records}
    dropped = {**remembered, **{register_key(r): r for r in result.dropped}}
    filled, missing = unsubmitted_rows(plan, present, records, dropped)
    submitted = {s.department for s in result.used} | set(result.kept_departments)
    extra = [*filled, *[r for r in result.dropped if plan.find(r) is None]]
    if extra:  # merge_submissions gave its rows in the published order already
        records = order_records([*records, *extra])
    findings.extend(unknown_departments([r for r in records if r.submitted_by], known))
    submitted_rows = [r for r in records if not _placeholder(r)]
    findings.extend(validate_records(submitted_rows, settings.rounding))
    findings.extend(result.findings)
    findings.extend(plan_findings)
    findings.extend(_missing_findings(missing, submitted, list(dropped.values())))
    if last_year is not None:
        findings.extend(year_over_year_findings(submitted_rows, last_year.records, settings.year,
                                                targets=False))
    findings = with_severities(without_explained(findings), settings.severities)
    evaluations = {id(r): evaluate(r, settings.rounding) for r in records}
    earlier = combine(last_year.history, history) if last_year is not None else list(history)
    histories = update_history([deepcopy(h) for h in earlier], submitted_rows, settings.year, evaluations)
    projections = projections_of(histories, settings, plan)
    status = _status(result, existing_status or {}, records, missing)
    return ReportContent(records, evaluations, findings, histories, projections, status, plan, created, result,
                         notices)


def _status(result: MergeResult, existing: Mapping[str, Submission], records: Sequence[KpiRecord],
            missing: Mapping[str, list[PlanKpi]]) -> list[Submission]:
    """提出状況: each submission used (this run's, and the earlier runs' kept in the master), and each
    department of the plan that submitted nothing, with 提出済 / 一部 / 未提出."""
    rows: list[Submission] = []
    by_department: dict[str, list[KpiRecord]] = {}
    for r in records:
        if r.submitted_by:
            by_department.setdefault(r.submitted_by, []).append(r)
    for sub in result.used:
        kept = [r for r in by_department.get(sub.department, []) if r.origin_file == sub.file]
        rows.append(replace(sub, records=kept or sub.records))
    for dept in result.kept_departments:
        if any(s.department == dept for s in result.used):
            continue
        old = existing.get(dept)
        kept = by_department.get(dept, [])
        rows.append(replace(old, records=kept) if old is not None else Submission(dept, "", "", records=kept))
    for row in rows:
        gone = missing.get(row.department, [])
        row.state = PARTLY if gone else SUBMITTED
        row.missing = tuple(describe_key(k.key) for k in gone)
    named = {s.department for s in rows}
    for dept, kpis in missing.items():
        if dept not in named:
            rows.append(Submission(dept, "", "", state=NOT_SUBMITTED,
                                   missing=tuple(describe_key(k.key) for k in kpis)))
    return sorted(rows, key=lambda s: (s.department, s.file, s.sheet))


def projections_of(histories: Sequence[KpiHistory], settings: ReportSettings,
                   register: PlanRegister | None = None) -> dict[tuple[str, str], Projection]:
    """Each KPI's projection to the plan's final year, in the unit and scale and with the direction
    the plan states (the target's and the KPI's own where the plan says nothing)."""
    out = {}
    for h in histories:
        k = register.get((normalize_measure_id(h.measure_id) or h.key[0], h.kpi_no, "0")) if register else None
        unit = k.unit or None if k is not None else None
        lower = (k.direction == LOWER_IS_BETTER) if k is not None and k.direction else None
        out[h.key] = project(h, settings.plan_start, settings.plan_end, unit=unit, lower=lower)
    return out


def evaluate_master(records: Sequence[KpiRecord], settings: ReportSettings,
                    histories: Sequence[KpiHistory] = (), register: PlanRegister | None = None) -> ReportContent:
    """The content of a master read back (``report``, ``publish``): its rows as merged, their
    rates, and the projections of its 「推移」 (this year's values already in it). Nothing is
    reconciled again: the merge did that."""
    evaluations = {id(r): evaluate(r, settings.rounding) for r in records}
    projections = projections_of(histories, settings, register)
    return ReportContent(list(records), evaluations, [], list(histories), projections, [],
                         register if register is not None else PlanRegister())


def check_submission(records: Sequence[KpiRecord], read_findings: Sequence[Finding],
                     settings: ReportSettings | None, register: PlanRegister | None = None
                     ) -> tuple[list[KpiRecord], list[Finding]]:
    """What checking one sheet before it is submitted finds — the same for ``xl-kpi validate``,
    the ribbon's 入力チェック and the server: what reading found, identities normalised, departments
    unknown to 設定 (and the plan), every rule, and — when the plan is known — the values and
    titles that differ from it; the parse errors a date explains taken away, severities from 設定."""
    known = known_departments(settings, register)
    recs, findings = normalize_identities(records, known)
    out: list[Finding] = [*read_findings, *findings]
    out.extend(unknown_departments(recs, known))
    out.extend(validate_records(recs, settings.rounding if settings is not None else DEFAULT_ROUNDING))
    if register is not None and len(register):
        recs, plan_findings = against_plan(recs, register)
        out.extend(plan_findings)
    return recs, with_severities(without_explained(out), settings.severities if settings is not None else {})


__all__ = [
    "EXPLAINED_CODES", "LastYear", "NOT_SUBMITTED", "ReportContent", "ReportSettings", "check_submission",
    "evaluate_master", "evaluate_report", "known_departments", "normalize_identities", "unknown_departments", "without_explained",
]
