"""The planning division's jobs on files: submissions from a CSV, validate, merge, export.

``merge_files`` reads every input (files or folders; a workbook may hold one sheet per
department), validates, merges with the existing master's rows (:mod:`xl_kpi.core.merge`),
builds the new master in memory and saves it atomically under a lock — or leaves the master
untouched when nothing changed. A file that cannot be read safely stops the merge before the
master is touched, unless ``skip_invalid``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from ...core.errors import FileError, InputError
from ...core.evaluation import NOT_SUBMITTED, LastYear, ReportContent, evaluate_report, without_explained
from ...core.findings import CATALOGUE, ERROR, WARNING, Finding, Report, make_finding, with_severities
from ...core.fiscal import format_fiscal_year
from ...core.history import update_history
from ...core.merge import MergeResult, Submission, order_records
from ...core.record import KpiRecord, Source
from ...core.register import PlanRegister, plan_kpi_from_record, register_from_records
from ..layout import (
    DEFAULT_DEPARTMENTS,
    DEFAULT_PLAN_END,
    DEFAULT_PLAN_START,
    LAYOUT,
    MASTER_SHEET,
    REGISTER_SHEET,
    Settings,
    default_year,
    safe_sheet_name,
)
from ..reading.preflight import Budgets
from ..reading.reader import WorkbookRead, read_workbook
from ..reading.submitted import shown_time
from ..writing.csvio import read_csv_records, write_csv_records
from ..writing.history_sheet import histories_from_rows
from .pool import read_many
from .safesave import atomic_write, backup_dir, master_lock, refuse_if_open

Progress = Callable[[str, int, int], None]


def _quiet(_step: str, _done: int, _total: int) -> None:
    return None


OWNER_PREFIXES = ("~$", ".~lock.")
SYSTEM_FILES = frozenset(("thumbs.db", "desktop.ini", ".ds_store"))


@dataclass
class Inputs:
    """What a list of files and folders holds: the files to read, and notes on what is not read."""

    files: list[Path]
    notes: list[Finding] = field(default_factory=list)


def gather_inputs(inputs: Iterable[str | Path], exclude: Path | None = None) -> Inputs:
    """Every file named, and every file in a folder named (sorted), each accounted for.

    Files of any extension are read (the preflight tells a workbook from a ``.xls``, ``.ods`` or
    ``.csv``, each refused with its code); Excel's and LibreOffice's owner files (``~$…``,
    ``.~lock.…#``) and system files are ignored with an info; subfolders are not searched and
    each is reported (a warning) — name them to merge their files. The master and its backups
    folder are left out."""
    out = Inputs([])
    skip = {exclude.resolve(), backup_dir(exclude).resolve()} if exclude is not None else set()
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(p.iterdir())
        elif p.exists():
            found = [p]
        else:
            raise FileError(f"{p}: ファイルまたはフォルダーがありません。", code="unreadable-file", path=str(p))
        for x in found:
            if x.resolve() in skip:
                continue
            note = _not_read(x)
            if note is not None:
                out.notes.append(note)
            else:
                out.files.append(x)
    return out


def _not_read(x: Path) -> Finding | None:
    if x.is_dir():
        count = sum(1 for _ in x.rglob("*") if _.is_file())
        return make_finding("subfolder-not-read", file=x.name, value=x.name,
                            detail=f"フォルダー「{x}」の中（{count} ファイル）は読み込んでいません。"
                                   f"統合するならフォルダー名も指定してください（例: xl-kpi merge 提出 \"{x}\" …）。")
    if x.name.startswith(OWNER_PREFIXES):
        return make_finding("ignored-file", file=x.name,
                            detail=f"{x.name} はExcelまたはLibreOfficeがブックを開いている間の一時ファイルです。読み込みません。")
    if x.name.lower() in SYSTEM_FILES or x.name.startswith("."):
        return make_finding("ignored-file", file=x.name, detail=f"{x.name} はシステムのファイルです。読み込みません。")
    return None


def collect_inputs(inputs: Iterable[str | Path], exclude: Path | None = None) -> list[Path]:
    """The files :func:`gather_inputs` would read."""
    return gather_inputs(inputs, exclude).files


def no_workbooks(inputs: Iterable[str | Path]) -> FileError:
    names = "、".join(str(i) for i in inputs)
    return FileError(f"読み込む提出ブックがありません（{names}）。提出ブック（.xlsx）を置いたフォルダーかファイルを"
                     "指定してください。マスターは作成・変更していません。", code="no-workbooks")


class InputsRefused(FileError):
    """Files that cannot be read safely: the whole run stops, and every one of them is listed."""

    def __init__(self, findings: list[Finding]):
        lines = "\n".join(f"  [{f.code}] {f.file}: {f.message}" for f in findings)
        super().__init__(f"安全に読み込めないファイルがあります。マスターは変更していません。\n{lines}\n"
                         "これらを除いて統合するには --skip-invalid を付けてください。", code=findings[0].code)
        self.findings = findings


# --- import-csv ----------------------------------------------------------------------------------

def split_by_department(records: Sequence[KpiRecord]) -> dict[str, list[KpiRecord]]:
    """Records per owning department (a measure owned by 「企画管理部 環境部」 goes to the first)."""
    out: dict[str, list[KpiRecord]] = {}
    for r in records:
        out.setdefault(r.owner or "（部署未記入）", []).append(r)
    return out


def submission_path(out_dir: Path, department: str) -> Path:
    return out_dir / f"{safe_sheet_name(department)}.xlsx"


PLAN_FILE = "計画.xlsx"


def submission_paths(csv_path: Path, out_dir: Path) -> list[Path]:
    """The workbooks :func:`import_csv` would write for a CSV (the plan workbook last)."""
    return [*(submission_path(out_dir, d) for d in split_by_department(read_csv_records(csv_path))),
            out_dir / PLAN_FILE]


def import_csv(csv_path: Path, out_dir: Path, year: int, plan_end: int | None = None) -> list[Path]:
    """One pre-filled submission workbook per department, and the plan workbook (「計画」, from
    which the first merge takes the plan register); returns the files written."""
    from ..writing.plan_workbook import build_plan
    from ..writing.template import build_template
    records = read_csv_records(csv_path)
    settings = Settings(year=year, plan_end=plan_end or DEFAULT_PLAN_END)
    known = plan_departments(records, DEFAULT_DEPARTMENTS)
    register, problems = register_from_records(records, known, plan_start=settings.plan_start,
                                               plan_end=settings.plan_end, origin=Path(csv_path).name,
                                               file=Path(csv_path).name)
    if any(f.severity == ERROR for f in problems):
        lines = "\n".join(f"  {f.location} {f.message}" for f in problems if f.severity == ERROR)
        raise InputError(f"{Path(csv_path).name}: 計画として読めない行があります。\n{lines}")
    records = [replace(r, department=" ".join(k.departments))
               for r, k in zip(records, (plan_kpi_from_record(r, known) for r in records))]
    groups = split_by_department(records)
    departments = tuple(dict.fromkeys([*register.departments, *groups, *DEFAULT_DEPARTMENTS]))
    settings = replace(settings, departments=departments)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for dept, recs in groups.items():
        path = submission_path(out_dir, dept)
        part = register.with_kpis(register.owned_by(dept))
        atomic_write(path, build_template(settings, dept, order_records(recs), register=part), keep=0)
        written.append(path)
    atomic_write(out_dir / PLAN_FILE, build_plan(settings, register), keep=0)
    written.append(out_dir / PLAN_FILE)
    return written


# --- validate ------------------------------------------------------------------------------------

@dataclass
class Validation:
    report: Report
    files: list[WorkbookRead]
    unreadable: list[Finding] = field(default_factory=list)


def validate_inputs(inputs: Sequence[str | Path], budgets: Budgets | None = None,
                    register: PlanRegister | None = None) -> Validation:
    """:func:`validate_files` over files and folders, with what was not read; raises when there
    is no file to read at all."""
    gathered = gather_inputs(inputs)
    if not gathered.files:
        raise no_workbooks(inputs)
    result = validate_files(gathered.files, budgets, register)
    result.report.findings[:0] = gathered.notes
    return result


def validate_files(paths: Sequence[Path], budgets: Budgets | None = None,
                   register: PlanRegister | None = None) -> Validation:
    """Every finding of every readable file; unreadable files become findings too. Each sheet is
    checked as :func:`~xl_kpi.core.evaluation.check_submission` checks it (against ``register``,
    or the plan of the workbook's own 「計画」 sheet); a plan workbook's 「計画」 is validated."""
    findings: list[Finding] = []
    reads: list[WorkbookRead] = []
    unreadable: list[Finding] = []
    for p, (wb, checks) in zip(paths, read_many(paths, budgets, validate=True, register=register)):
        if isinstance(wb, FileError):
            f = refusal(p, wb)
            unreadable.append(f)
            findings.append(f)
            continue
        reads.append(wb)
        severities = wb.settings.severities if wb.settings else {}
        found = list(wb.findings)
        if wb.register_rows is not None:
            found.extend(wb.register()[1])
        findings.extend(with_severities(without_explained(found), severities))
        for checked in checks:
            findings.extend(checked)
    return Validation(Report(findings), reads, unreadable)


def refusal(p: Path, err: FileError) -> Finding:
    """The finding of a file that could not be read safely (an error, whatever its default)."""
    f = getattr(err, "finding", None)
    if f is None:
        code = err.code if err.code in CATALOGUE and CATALOGUE[err.code][2] == "{detail}" else "unreadable-file"
        detail = str(err).removeprefix(f"{p.name}: ")  # the finding names the file once, as its place
        f = make_finding(code, file=p.name, detail=detail)
    if f.code == "not-xlsx" and p.suffix.lower() in FOREIGN_FORMATS:
        f = f._replace(detail=f"これは{FOREIGN_FORMATS[p.suffix.lower()]}です。Excelで開き、"
                              "「名前を付けて保存」で「Excel ブック (*.xlsx)」を選んで保存してください。")
    return f._replace(severity=ERROR)


FOREIGN_FORMATS = {".ods": "LibreOffice Calc の形式（.ods）", ".csv": "CSVファイル", ".txt": "テキストファイル",
                   ".pdf": "PDFファイル", ".docx": "Wordの文書", ".doc": "Wordの文書", ".xlsb": "Excelバイナリ形式（.xlsb）"}


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
    content: ReportContent | None = None


def merge_files(inputs: Sequence[str | Path], master: Path, *, skip_invalid: bool = False,
                budgets: Budgets | None = None, year: int | None = None,
                progress: Progress = _quiet,
                previous: Path | None = None, plan: Path | None = None) -> MergeOutcome:
    """Merge submissions into ``master``. ``previous``: last year's master, whose 「推移」, values
    and plan the new master carries forward (this year's values are checked against it).
    ``plan``: the plan register (a 「計画」 workbook or the plan's CSV) to use instead of the
    master's own 「計画」 sheet."""
    master = Path(master)
    refuse_if_open(master)
    if not collect_inputs(inputs, exclude=master):  # before the lock, which would leave a backups folder
        raise no_workbooks(inputs)
    with master_lock(master):
        refuse_if_open(master)
        return _merge_locked(inputs, master, skip_invalid, budgets, year, progress, previous, plan)


def _merge_locked(inputs, master: Path, skip_invalid: bool, budgets, year, progress: Progress,
                  previous: Path | None = None, plan: Path | None = None) -> MergeOutcome:
    gathered = gather_inputs(inputs, exclude=master)
    skip = {Path(x).resolve() for x in (previous, plan) if x is not None}
    files = [p for p in gathered.files if p.resolve() not in skip]
    if not files:
        raise no_workbooks(inputs)
    old_bytes = master.read_bytes() if master.exists() else None
    current = read_workbook(master, budgets) if old_bytes is not None else None
    last_year = read_previous(previous, budgets) if previous is not None else None
    reads, skipped = _read_submissions(files, budgets, skip_invalid, progress)
    plans = [wb for wb in reads if wb.is_plan]
    reads = [wb for wb in reads if not wb.is_plan]
    if not reads and not plans:
        raise InputsRefused(skipped) if skipped else no_workbooks(inputs)
    settings = _settings_for(current, reads or plans, year)
    if last_year is not None and last_year.year >= settings.year:
        raise InputError(f"--previous のマスター（{format_fiscal_year(last_year.year)}）は今年度"
                         f"（{format_fiscal_year(settings.year)}）より前の年度のものを指定してください。")

    progress("統合", 0, 1)
    register, plan_notes = choose_register(plan, plans, current, settings, budgets)
    existing, existing_status, repaired = _master_rows(current)
    notes = [*gathered.notes, *skipped, *repaired, *plan_notes]
    for wb in reads:
        notes.extend(wb.withheld_findings())
    content = evaluate_report([s for wb in reads for s in wb.submissions()], settings, register=register,
                              existing=existing, existing_status=existing_status, last_year=last_year,
                              history=histories_from_rows(current.history_rows) if current is not None else [],
                              notes=notes, shown_time=shown_time)
    created = max((datetime.fromisoformat(s.modified) for s in content.status if s.modified), default=None)
    from ..writing.master_workbook import build_master
    data = build_master(settings, content, created=created)
    progress("統合", 1, 1)
    changed = data != old_bytes
    backup = None
    if changed:
        backup = atomic_write(master, data)
    return MergeOutcome(master, changed, content.records, Report(content.report_findings), content.status,
                        skipped, backup, content.merge, content)


def read_plan(path: Path, settings: Settings | None = None,
              budgets: Budgets | None = None) -> tuple[PlanRegister, list[Finding]]:
    """The plan register in a file: the plan's CSV (the columns of ``sample_kpis.csv``) or a
    workbook with a 「計画」 sheet (a plan workbook, or a master)."""
    path = Path(path)
    if not path.exists():
        raise FileError(f"{path}: ファイルがありません。", code="unreadable-file", path=str(path))
    listed = settings.departments if settings is not None else DEFAULT_DEPARTMENTS
    if path.suffix.lower() in (".csv", ".txt"):
        records = read_csv_records(path)
        return register_from_records(records, plan_departments(records, listed),
                                     plan_start=settings.plan_start if settings else DEFAULT_PLAN_START,
                                     plan_end=settings.plan_end if settings else DEFAULT_PLAN_END,
                                     origin=path.name, file=path.name)
    wb = read_workbook(path, budgets)
    register, findings = wb.register(listed)
    if register is None:
        raise FileError(f"{path.name}: 「{REGISTER_SHEET}」シートがありません。計画のCSVか、"
                        f"「{REGISTER_SHEET}」シートのあるブック（import-csv が作る計画.xlsx、またはマスター）を"
                        "指定してください。", code="missing-sheet", path=str(path))
    return register, findings


def plan_departments(records: Sequence[KpiRecord], listed: Sequence[str]) -> tuple[str, ...]:
    """The departments a plan's rows name whole (one name in a cell), after the list: what a cell
    naming several (「企画管理部 環境部」) is checked against."""
    whole = [r.department.strip() for r in records if r.department.strip() and len(r.department.split()) == 1]
    return tuple(dict.fromkeys([*listed, *whole]))


def choose_register(plan: Path | None, plans: Sequence[WorkbookRead], current: WorkbookRead | None,
                    settings: Settings, budgets: Budgets | None = None) -> tuple[PlanRegister | None, list[Finding]]:
    """The plan a merge reconciles with: ``--plan``, else the master's own 「計画」 sheet, else a
    plan workbook among the inputs; None lets the evaluation take last year's or make one."""
    if plan is not None:
        return read_plan(plan, settings, budgets)
    own, problems = current.register(settings.departments) if current is not None else (None, [])
    if own is not None:
        notes = [make_finding("ignored-file", file=wb.path.name,
                              detail=f"{wb.path.name} の計画は使わず、マスターの「{REGISTER_SHEET}」シートの計画を"
                                     "使いました。計画を置き換えるときは --plan で指定してください。")
                 for wb in plans if not same_plan(own, wb.register(settings.departments)[0])]
        return own, [*problems, *notes]
    if plans:
        register, findings = plans[-1].register(settings.departments)
        notes = [make_finding("ignored-file", file=wb.path.name,
                              detail=f"計画のブックが複数あります。{plans[-1].path.name} を使いました。")
                 for wb in plans[:-1]]
        return register, [*findings, *notes]
    return None, []


def same_plan(a: PlanRegister, b: PlanRegister | None) -> bool:
    """Do two registers list the same KPIs with the same plan (wherever each was read from)?"""
    return b is not None and [replace(k, row=0) for k in a.kpis] == [replace(k, row=0) for k in b.kpis]


def read_previous(path: Path, budgets: Budgets | None = None) -> LastYear:
    """Last year's master: its rows, its 「推移」 with its own year's values added (an older
    master without 「推移」 still gives one year of history), and its plan (「計画」)."""
    wb = read_workbook(path, budgets)
    records = next((s.records for s in wb.sheets if s.is_master), None)
    if records is None or wb.settings is None or not wb.settings.year:
        raise FileError(f"{Path(path).name}: 前年度のマスター（「{MASTER_SHEET}」シートと報告年度のある設定シート）"
                        "ではありません。", code="template-mismatch", path=str(path))
    submitted = [r for r in records if r.current != NOT_SUBMITTED or r.submitted_by]
    history = update_history(histories_from_rows(wb.history_rows), submitted, wb.settings.year)
    return LastYear(wb.settings.year, records, history, wb.register()[0])


def _read_submissions(paths: list[Path], budgets, skip_invalid: bool,
                      progress: Progress) -> tuple[list[WorkbookRead], list[Finding]]:
    """Every input read; the unreadable ones stop the merge (all listed), or are skipped with a
    warning when ``skip_invalid``."""
    reads: list[WorkbookRead] = []
    refused: list[Finding] = []
    for i, (p, (wb, _)) in enumerate(zip(paths, read_many(paths, budgets)), start=1):
        progress("読み込み", i, len(paths))
        if isinstance(wb, FileError):
            refused.append(refusal(p, wb))
        else:
            reads.append(wb)
    if refused and not skip_invalid:
        raise InputsRefused(refused)
    return reads, [f._replace(severity=WARNING) for f in refused]


def _settings_for(current: WorkbookRead | None, reads: list[WorkbookRead], year: int | None) -> Settings:
    settings = current.settings if current is not None else None
    if settings is None:
        settings = next((wb.settings for wb in reads if wb.settings is not None and wb.settings.year), None)
    if settings is None:
        return Settings(year=year or default_year())
    settings = replace(settings, year=year) if year else settings
    if settings.year > settings.plan_end:
        raise InputError(f"報告年度 {format_fiscal_year(settings.year)} が設定シートの計画最終年度 "
                         f"{format_fiscal_year(settings.plan_end)} より後です。"
                         "報告年度か、設定シートの計画最終年度を直してください。")
    return settings


def _master_rows(current: WorkbookRead | None) -> tuple[list[KpiRecord], dict[str, Submission], list[Finding]]:
    """The existing master's rows, its 提出状況, and what reading it repaired (headings)."""
    if current is None:
        return [], {}, []
    existing: list[KpiRecord] = []
    repaired: list[Finding] = []
    for s in current.sheets:
        if s.is_master:
            existing = [_at_origin(r) for r in s.records]
            repaired = [f for f in s.findings if f.code == "invalid-section"]
    return existing, _status_by_department(current.status_rows), repaired


LAYOUT_LETTERS = {f: LAYOUT.letter(f) for f in LAYOUT.fields}


def _at_origin(r: KpiRecord) -> KpiRecord:
    """A master row pointed back at the submission cell it came from (for findings)."""
    if not r.origin_file:
        return r
    row = int(r.origin_row) if r.origin_row.isdigit() else 0
    return replace(r, source=Source(r.origin_file, r.origin_sheet, row, LAYOUT_LETTERS))


def _status_by_department(rows: list[list]) -> dict[str, Submission]:
    """The existing master's 提出状況 rows (department, file, sheet, SHA-256, time …) by department."""
    out = {}
    for row in rows:
        if row and row[0]:
            dept, file, sheet, sha, modified = (str(v if v is not None else "") for v in (list(row) + [None] * 5)[:5])
            out[dept] = Submission(dept, file, sheet, sha, modified)
    return out


# --- export --------------------------------------------------------------------------------------

def master_records(master: Path, budgets: Budgets | None = None,
                   workbook: WorkbookRead | None = None) -> tuple[list[KpiRecord], Settings | None]:
    """The master's rows and settings (``workbook``: the master already read)."""
    wb = workbook if workbook is not None else read_workbook(master, budgets)
    for s in wb.sheets:
        if s.is_master:
            return s.records, wb.settings
    raise FileError(f"{master.name}: 「{MASTER_SHEET}」シートがありません。部署の提出ブックではなく、統合したマスター"
                    "（xl-kpi merge で作ったブック）を指定してください。", code="missing-sheet", path=str(master))


def export_csv(master: Path, out: Path | None) -> str:
    """The master's rows as the interchange CSV, 達成率 as the master displays them (113%)."""
    records, _ = master_records(master)
    return write_csv_records(records, out)
