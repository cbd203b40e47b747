"""The planning division's jobs on files: submissions from a CSV, validate, merge, export.

``merge_files`` reads every input (files or folders; a workbook may hold one sheet per
department), validates, merges with the existing master's rows (:mod:`xl_kpi.core.merge`),
builds the new master in memory and saves it atomically under a lock — or leaves the master
untouched when nothing changed. A file that cannot be read safely stops the merge before the
master is touched, unless ``skip_invalid``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Sequence

from ..core.errors import FileError
from ..core.findings import CATALOGUE, ERROR, Finding, Report, make_finding
from ..core.merge import MergeResult, Submission, merge_submissions, order_records
from ..core.record import KpiRecord, Source
from ..core.rules import validate_records
from .csvio import read_csv_records, write_csv_records
from .layout import DEFAULT_DEPARTMENTS, LAYOUT, MASTER_SHEET, Settings, default_year, safe_sheet_name
from .pool import read_many
from .preflight import Budgets
from .reader import WorkbookRead, read_workbook
from .safesave import atomic_write, master_lock, refuse_if_open

Progress = Callable[[str, int, int], None]


def _quiet(_step: str, _done: int, _total: int) -> None:
    return None


def collect_inputs(inputs: Iterable[str | Path], exclude: Path | None = None) -> list[Path]:
    """Files named, and the .xlsx/.xlsm files of folders named (sorted), without owner files."""
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(x for x in p.iterdir() if x.is_file() and x.suffix.lower() in (".xlsx", ".xlsm"))
        elif p.exists():
            found = [p]
        else:
            raise FileError(f"{p}: ファイルまたはフォルダーがありません。", code="unreadable-file", path=str(p))
        for x in found:
            if x.name.startswith(("~$", ".~lock.")) or x.name.startswith("."):
                continue
            if exclude is not None and x.resolve() == exclude.resolve():
                continue
            out.append(x)
    return out


# --- import-csv ----------------------------------------------------------------------------------

def split_by_department(records: Sequence[KpiRecord]) -> dict[str, list[KpiRecord]]:
    """Records per owning department (a measure owned by 「企画管理部 環境部」 goes to the first)."""
    out: dict[str, list[KpiRecord]] = {}
    for r in records:
        out.setdefault(r.owner or "（部署未記入）", []).append(r)
    return out


def import_csv(csv_path: Path, out_dir: Path, year: int, plan_end: int | None = None) -> list[Path]:
    """One pre-filled submission workbook per department; returns the files written."""
    from .writer import build_template  # XlsxWriter only for the commands that write
    records = read_csv_records(csv_path)
    groups = split_by_department(records)
    departments = tuple(dict.fromkeys([*groups, *DEFAULT_DEPARTMENTS]))
    settings = Settings(year=year, departments=departments, **({"plan_end": plan_end} if plan_end else {}))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for dept, recs in groups.items():
        path = out_dir / f"{safe_sheet_name(dept)}.xlsx"
        atomic_write(path, build_template(settings, dept, order_records(recs)), keep=0)
        written.append(path)
    return written


# --- validate ------------------------------------------------------------------------------------

@dataclass
class Validation:
    report: Report
    files: list[WorkbookRead]
    unreadable: list[Finding] = field(default_factory=list)


def validate_files(paths: Sequence[Path], budgets: Budgets | None = None) -> Validation:
    """Every finding of every readable file; unreadable files become findings too."""
    findings: list[Finding] = []
    reads: list[WorkbookRead] = []
    unreadable: list[Finding] = []
    for p, (wb, checks) in zip(paths, read_many(paths, budgets, validate=True)):
        if isinstance(wb, FileError):
            f = refusal(p, wb)
            unreadable.append(f)
            findings.append(f)
            continue
        reads.append(wb)
        findings.extend(wb.findings)
        for s, checked in zip(wb.sheets, checks):
            findings.extend(s.findings)
            findings.extend(checked)
    return Validation(Report(findings), reads, unreadable)


def refusal(p: Path, err: FileError) -> Finding:
    """The finding of a file that could not be read safely (an error, whatever its default)."""
    f = getattr(err, "finding", None)
    if f is None:
        code = err.code if err.code in CATALOGUE and CATALOGUE[err.code][2] == "{detail}" else "unreadable-file"
        f = make_finding(code, file=p.name, detail=str(err))
    return f._replace(severity=ERROR)


# --- merge ---------------------------------------------------------------------------------------

@dataclass
class MergeOutcome:
    master: Path
    changed: bool
    records: list[KpiRecord]
    report: Report
    submissions: list[Submission]
    skipped: list[Finding]
    backup: Path | None = None
    result: MergeResult | None = None


def merge_files(inputs: Sequence[str | Path], master: Path, *, skip_invalid: bool = False,
                budgets: Budgets | None = None, year: int | None = None,
                progress: Progress = _quiet, before_save: Callable[[], None] | None = None) -> MergeOutcome:
    master = Path(master)
    refuse_if_open(master)
    with master_lock(master):
        refuse_if_open(master)
        return _merge_locked(inputs, master, skip_invalid, budgets, year, progress, before_save)


def _merge_locked(inputs, master: Path, skip_invalid: bool, budgets, year, progress: Progress,
                  before_save) -> MergeOutcome:
    paths = collect_inputs(inputs, exclude=master)
    existing: list[KpiRecord] = []
    existing_status: dict[str, Submission] = {}
    settings: Settings | None = None
    old_bytes = master.read_bytes() if master.exists() else None
    if old_bytes is not None:
        current = read_workbook(master, budgets)
        settings = current.settings
        for s in current.sheets:
            if s.is_master:
                existing = [_at_origin(r) for r in s.records]
        existing_status = _status_by_department(current.status_rows)

    submissions: list[Submission] = []
    skipped: list[Finding] = []
    for i, (p, (wb, _)) in enumerate(zip(paths, read_many(paths, budgets)), start=1):
        progress("読み込み", i, len(paths))
        if isinstance(wb, FileError):
            if not skip_invalid:
                raise wb
            skipped.append(refusal(p, wb))
            continue
        if settings is None and wb.settings is not None and wb.settings.year:
            settings = wb.settings
        submissions.extend(wb.submissions())
    if settings is None:
        settings = Settings(year=year or default_year())
    elif year:
        settings = replace(settings, year=year)

    progress("統合", 0, 1)
    result = merge_submissions(existing, submissions)
    findings: list[Finding] = list(skipped)
    for sub in result.used:
        findings.extend(sub.findings)
    findings.extend(validate_records(result.records))
    findings.extend(result.findings)

    status = _status_rows(result, existing_status)
    created = max((datetime.fromisoformat(s.modified) for s in status if s.modified), default=None)
    from .writer import build_master
    data = build_master(settings, result.records, findings, status, created=created)
    progress("統合", 1, 1)
    changed = data != old_bytes
    backup = None
    if changed:
        if before_save is not None:
            before_save()
        backup = atomic_write(master, data)
    return MergeOutcome(master, changed, result.records, Report(findings), status, skipped, backup, result)


LAYOUT_LETTERS = {f: LAYOUT.letter(f) for f in LAYOUT.fields}


def _at_origin(r: KpiRecord) -> KpiRecord:
    """A master row pointed back at the submission cell it came from (for findings)."""
    if not r.origin_file:
        return r
    row = int(r.origin_row) if r.origin_row.isdigit() else 0
    return replace(r, source=Source(r.origin_file, r.origin_sheet, row, LAYOUT_LETTERS))


def _status_rows(result: MergeResult, existing: dict[str, Submission]) -> list[Submission]:
    rows = list(result.used)
    for dept in result.kept_departments:
        old = existing.get(dept)
        kept = [r for r in result.records if r.submitted_by == dept]
        if old is not None:
            rows.append(replace(old, records=kept))
        else:
            rows.append(Submission(dept, "", "", records=kept))
    return sorted(rows, key=lambda s: (s.department, s.file, s.sheet))


def _status_by_department(rows: list[list]) -> dict[str, Submission]:
    """The existing master's 提出状況 rows (department, file, sheet, SHA-256, time …) by department."""
    out = {}
    for row in rows:
        if row and row[0]:
            dept, file, sheet, sha, modified = (str(v if v is not None else "") for v in (list(row) + [None] * 5)[:5])
            out[dept] = Submission(dept, file, sheet, sha, modified)
    return out


# --- export --------------------------------------------------------------------------------------

def master_records(master: Path, budgets: Budgets | None = None) -> tuple[list[KpiRecord], Settings | None]:
    wb = read_workbook(master, budgets)
    for s in wb.sheets:
        if s.is_master:
            return s.records, wb.settings
    raise FileError(f"{master.name}: 「{MASTER_SHEET}」シートがありません。", code="missing-sheet", path=str(master))


def export_csv(master: Path, out: Path | None) -> str:
    """The master's rows as the interchange CSV, 達成率 as the master displays them (113%)."""
    records, _ = master_records(master)
    return write_csv_records(records, out)
