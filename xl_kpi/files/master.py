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

from ..core.errors import FileError, InputError
from ..core.findings import CATALOGUE, ERROR, WARNING, Finding, Report, make_finding, with_severities
from ..core.fiscal import format_fiscal_year
from ..core.history import KpiHistory, combine, update_history
from ..core.merge import MergeResult, Submission, merge_submissions, order_records
from ..core.rate import DEFAULT_ROUNDING, Rounding
from ..core.record import KpiRecord, Source
from ..core.rules import validate_records
from ..core.yearly import year_over_year_findings
from .csvio import read_csv_records, write_csv_records
from .history_sheet import histories_from_rows
from .layout import (
    DEFAULT_DEPARTMENTS,
    DEFAULT_PLAN_END,
    LAYOUT,
    MASTER_SHEET,
    Settings,
    default_year,
    safe_sheet_name,
)
from .pool import read_many
from .preflight import Budgets
from .reader import WorkbookRead, read_workbook
from .safesave import atomic_write, backup_dir, master_lock, refuse_if_open
from .submitted import shown_time

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


def submission_paths(csv_path: Path, out_dir: Path) -> list[Path]:
    """The workbooks :func:`import_csv` would write for a CSV."""
    return [submission_path(out_dir, d) for d in split_by_department(read_csv_records(csv_path))]


def import_csv(csv_path: Path, out_dir: Path, year: int, plan_end: int | None = None) -> list[Path]:
    """One pre-filled submission workbook per department; returns the files written."""
    from .writer import build_template  # XlsxWriter only for the commands that write
    records = read_csv_records(csv_path)
    groups = split_by_department(records)
    departments = tuple(dict.fromkeys([*groups, *DEFAULT_DEPARTMENTS]))
    settings = Settings(year=year, departments=departments, plan_end=plan_end or DEFAULT_PLAN_END)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for dept, recs in groups.items():
        path = submission_path(out_dir, dept)
        atomic_write(path, build_template(settings, dept, order_records(recs)), keep=0)
        written.append(path)
    return written


# --- validate ------------------------------------------------------------------------------------

@dataclass
class Validation:
    report: Report
    files: list[WorkbookRead]
    unreadable: list[Finding] = field(default_factory=list)


def validate_inputs(inputs: Sequence[str | Path], budgets: Budgets | None = None) -> Validation:
    """:func:`validate_files` over files and folders, with what was not read; raises when there
    is no file to read at all."""
    gathered = gather_inputs(inputs)
    if not gathered.files:
        raise no_workbooks(inputs)
    result = validate_files(gathered.files, budgets)
    result.report.findings[:0] = gathered.notes
    return result


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
        found = list(wb.findings)
        for s, checked in zip(wb.sheets, checks):
            found.extend(s.findings)
            found.extend(checked)
        findings.extend(with_severities(without_explained(found), wb.settings.severities if wb.settings else {}))
    return Validation(Report(findings), reads, unreadable)


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


def merge_files(inputs: Sequence[str | Path], master: Path, *, skip_invalid: bool = False,
                budgets: Budgets | None = None, year: int | None = None,
                progress: Progress = _quiet,
                previous: Path | None = None) -> MergeOutcome:
    """Merge submissions into ``master``. ``previous``: last year's master, whose 「推移」 and
    values the new master's 「推移」 carries forward (and whose values and targets this year's
    are checked against)."""
    master = Path(master)
    refuse_if_open(master)
    if not collect_inputs(inputs, exclude=master):  # before the lock, which would leave a backups folder
        raise no_workbooks(inputs)
    with master_lock(master):
        refuse_if_open(master)
        return _merge_locked(inputs, master, skip_invalid, budgets, year, progress, previous)


def _merge_locked(inputs, master: Path, skip_invalid: bool, budgets, year, progress: Progress,
                  previous: Path | None = None) -> MergeOutcome:
    gathered = gather_inputs(inputs, exclude=master)
    files = [p for p in gathered.files if previous is None or p.resolve() != Path(previous).resolve()]
    if not files:
        raise no_workbooks(inputs)
    old_bytes = master.read_bytes() if master.exists() else None
    current = read_workbook(master, budgets) if old_bytes is not None else None
    last_year = read_previous(previous, budgets) if previous is not None else None
    reads, skipped = _read_submissions(files, budgets, skip_invalid, progress)
    if not reads:
        raise InputsRefused(skipped) if skipped else no_workbooks(inputs)
    settings = _settings_for(current, reads, year)

    progress("統合", 0, 1)
    existing, existing_status, repaired = _master_rows(current)
    result = merge_submissions(existing, [s for wb in reads for s in wb.submissions()], shown_time)
    findings = _merge_findings(gathered.notes + skipped + repaired, reads, result, settings.rounding)
    history = histories_from_rows(current.history_rows) if current is not None else []
    if last_year is not None:
        findings.extend(_against_last_year(last_year, result.records, settings))
        history = combine(last_year.history, history)
    findings = with_severities(findings, settings.severities)
    status = _status_rows(result, existing_status)
    created = max((datetime.fromisoformat(s.modified) for s in status if s.modified), default=None)
    from .writer import build_master
    data = build_master(settings, result.records, findings, status, created=created, history=history)
    progress("統合", 1, 1)
    changed = data != old_bytes
    backup = None
    if changed:
        backup = atomic_write(master, data)
    return MergeOutcome(master, changed, result.records, Report(findings), status, skipped, backup, result)


def _against_last_year(last_year: PreviousYear, records: list[KpiRecord], settings: Settings) -> list[Finding]:
    if last_year.year >= settings.year:
        raise InputError(f"--previous のマスター（{format_fiscal_year(last_year.year)}）は今年度"
                         f"（{format_fiscal_year(settings.year)}）より前の年度のものを指定してください。")
    return year_over_year_findings(records, last_year.records, settings.year)


@dataclass
class PreviousYear:
    """Last year's master as a merge uses it: its year, rows and KPI histories."""

    year: int
    records: list[KpiRecord]
    history: list[KpiHistory]


def read_previous(path: Path, budgets: Budgets | None = None) -> PreviousYear:
    """Last year's master: its 「推移」 with its own year's values added (an older master without
    「推移」 still gives one year of history)."""
    wb = read_workbook(path, budgets)
    records = next((s.records for s in wb.sheets if s.is_master), None)
    if records is None or wb.settings is None or not wb.settings.year:
        raise FileError(f"{Path(path).name}: 前年度のマスター（「{MASTER_SHEET}」シートと報告年度のある設定シート）"
                        "ではありません。", code="template-mismatch", path=str(path))
    history = update_history(histories_from_rows(wb.history_rows), records, wb.settings.year)
    return PreviousYear(wb.settings.year, records, history)


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


def _merge_findings(first: list[Finding], reads: list[WorkbookRead], result: MergeResult,
                    rounding: Rounding = DEFAULT_ROUNDING) -> list[Finding]:
    findings: list[Finding] = list(first)
    for wb in reads:
        findings.extend(wb.withheld_findings())
    for sub in result.used:
        findings.extend(sub.findings)
    findings.extend(validate_records(result.records, rounding))
    findings.extend(result.findings)
    return without_explained(findings)


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
    raise FileError(f"{master.name}: 「{MASTER_SHEET}」シートがありません。部署の提出ブックではなく、統合したマスター"
                    "（xl-kpi merge で作ったブック）を指定してください。", code="missing-sheet", path=str(master))


def export_csv(master: Path, out: Path | None) -> str:
    """The master's rows as the interchange CSV, 達成率 as the master displays them (113%)."""
    records, _ = master_records(master)
    return write_csv_records(records, out)
