"""The ribbon's actions as plain functions of an open workbook (``xw.Book``).

Each one reads through the adapter, asks the core, and writes back through the adapter — the
same rules as the CLI: rates from :func:`xl_kpi.core.rules.evaluate`, findings from
:func:`validate_records`, merging from :func:`xl_kpi.core.merge.merge_submissions`.
``scripts.py`` exposes them as xlwings scripts; tests call them on remote books.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..core.errors import InputError
from ..core.findings import SEVERITY_LABELS, Finding, Report, actionable_first, with_severities
from ..core.fiscal import japan_time
from ..core.merge import Submission, merge_submissions
from ..core.record import FIELD_LABELS
from ..core.rules import evaluate, validate_records
from ..files.grid import missing_header_findings, plan_sheet, unknown_departments
from ..files.layout import FINDINGS_SHEET, LAYOUT, MASTER_SHEET, SETTINGS_SHEET, default_year, safe_sheet_name
from ..files.submitted import SETTINGS_LABEL as SUBMITTED_LABEL
from ..files.writer import Settings
from .adapter import (
    COLORS,
    active_kpi_sheet,
    book_settings,
    color_cells,
    data_row_blocks,
    ensure_sheet,
    kpi_sheets,
    render_kpi_sheet,
    sheet_values,
    unique_sheet_name,
    write_column_blocks,
)
from .cells import set_column_width, write_values

FINDING_HEADERS = ("コード", "重要度", "場所", "施策番号", "KPI", "項目", "値", "内容")


@dataclass
class ActionResult:
    """What an action did, for the task pane and the desktop status bar."""

    message: str
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"message": self.message, "counts": self.counts,
                "findings": [f.to_dict() for f in self.findings]}


# The result of the last action run in this context: the server reads it after an xlwings
# script call (whose wrapper returns the book, not the action's result).
LAST_RESULT: ContextVar[ActionResult | None] = ContextVar("xl_kpi_last_result", default=None)


def _done(result: ActionResult) -> ActionResult:
    LAST_RESULT.set(result)
    return result


def compute_rates(book) -> ActionResult:
    """Fill 達成率 and 変更後の達成率 of the KPI rows of the active sheet."""
    kpi = active_kpi_sheet(book)
    rates: dict[int, object] = {}
    revised: dict[int, object] = {}
    not_computable = 0
    for rec in kpi.records:
        ev = evaluate(rec)
        if ev.rate is None:
            continue
        rates[rec.source.row] = float(ev.rate.value) if ev.rate.value is not None else "-"
        not_computable += ev.rate.value is None
        if ev.revised_rate is not None:
            revised[rec.source.row] = float(ev.revised_rate.value) if ev.revised_rate.value is not None else "-"
    cols = kpi.header.columns
    write_column_blocks(kpi.sheet, cols["rate"], rates, "0%")
    if revised and "revised_rate" in cols:
        write_column_blocks(kpi.sheet, cols["revised_rate"], revised, "0%")
    msg = f"{len(rates)} 件の達成率を計算しました。" + (f"（計算できないもの {not_computable} 件）" if not_computable else "")
    return _done(ActionResult(msg, counts={"rates": len(rates), "revised": len(revised),
                                           "not_computable": not_computable}))


def sheet_findings(book, kpi) -> list[Finding]:
    settings = book_settings(book)
    findings = missing_header_findings(kpi.header, book.name, kpi.name) + kpi.findings
    findings += unknown_departments(kpi.records, settings)
    findings += validate_records(kpi.records).findings
    return with_severities(findings, settings.severities if settings else {})


def validate_sheet(book) -> ActionResult:
    """Colour each cell with a finding by severity (clearing old marks) and rewrite 「チェック結果」."""
    kpi = active_kpi_sheet(book)
    findings = sheet_findings(book, kpi)
    last_col = LAYOUT.last_printed_col
    for first, last in data_row_blocks(r.source.row for r in kpi.records):
        kpi.sheet.range((first, 1), (last, last_col)).color = None
    rank = {"info": 0, "warning": 1, "error": 2}
    worst: dict[str, str] = {}
    for f in findings:
        if f.sheet == kpi.name and f.cell and rank[f.severity] >= rank.get(worst.get(f.cell, "info"), 0):
            worst[f.cell] = f.severity
    color_cells(kpi.sheet, {cell: COLORS[severity] for cell, severity in worst.items()})
    write_findings_sheet(book, findings, after=kpi.sheet)
    report = Report(findings)
    c = report.counts()
    return _done(ActionResult(f"エラー {c['error']} 件、警告 {c['warning']} 件、情報 {c['info']} 件",
                              actionable_first(findings), c))  # the task pane lists them in this order


def write_findings_sheet(book, findings: list[Finding], after=None) -> None:
    sheet = ensure_sheet(book, FINDINGS_SHEET, after=after)
    rows = [list(FINDING_HEADERS)]
    for f in actionable_first(findings):
        rows.append([f.code, SEVERITY_LABELS[f.severity], f.location, f.measure_id, f.kpi_no,
                     FIELD_LABELS.get(f.field, f.field), f.value, f.message])
    write_values(sheet.range((1, 1), (len(rows), len(FINDING_HEADERS))), rows)
    sheet.range((1, 1), (1, len(FINDING_HEADERS))).color = "#DDEBF7"
    for i, width in enumerate((22, 8, 24, 8, 5, 12, 24, 70), start=1):
        set_column_width(sheet, i, width)


def merge_sheets(book) -> ActionResult:
    """Merge the department sheets of the open workbook into its 取組状況 sheet (rules of ``xl-kpi merge``)."""
    sheets = kpi_sheets(book)
    master = next((s for s in sheets if s.name == MASTER_SHEET), None)
    departments = [s for s in sheets if s.name != MASTER_SHEET]
    if not departments:
        raise InputError("部署のシートがありません。「新しい提出シート」で追加してください。")
    subs = [Submission(s.department, book.name, s.name, records=s.records) for s in departments]
    result = merge_submissions(master.records if master else [], subs)
    findings = [f for s in departments for f in missing_header_findings(s.header, book.name, s.name) + s.findings]
    findings += master.findings if master else []
    findings += validate_records(result.records).findings + result.findings
    settings = book_settings(book) or Settings(year=default_year())
    sheet = master.sheet if master else book.sheets.add(MASTER_SHEET, before=book.sheets[0])
    if master:
        sheet.clear()
    plan, groups = plan_sheet(result.records, computed=True)
    render_kpi_sheet(sheet, settings, "全庁（各部署の提出を統合）", plan, groups)
    write_findings_sheet(book, findings, after=sheet)
    c = Report(findings).counts()
    return _done(ActionResult(f"{len(subs)} シート・{len(result.records)} 行を「{MASTER_SHEET}」に統合しました。"
                              f"（エラー {c['error']} 件、警告 {c['warning']} 件）", findings, c))


def new_submission(book, department: str = "") -> ActionResult:
    """Add a department sheet from the official template."""
    settings = book_settings(book) or Settings(year=default_year())
    name = unique_sheet_name(book, safe_sheet_name(department or "入力"))
    sheet = book.sheets.add(name, after=book.sheets[len(book.sheets) - 1])
    render_kpi_sheet(sheet, settings, f"部署: {department}" if department else "部署: （部署名を入力）")
    sheet.activate()
    return _done(ActionResult(f"提出シート「{name}」を追加しました。"))


def stamp_submission(book, now: datetime | None = None) -> ActionResult:
    """Write the 提出日時 (now, in Japan time) into 「設定」: of two submissions of a department,
    the planning division's merge takes the later 提出日時 (see :mod:`xl_kpi.files.submitted`)."""
    if SETTINGS_SHEET not in [s.name for s in book.sheets]:
        raise InputError(f"「{SETTINGS_SHEET}」シートがありません。公式様式（xl-kpi template）のブックで実行してください。")
    sheet = book.sheets[SETTINGS_SHEET]
    labels = [str(row[0]).strip() if row and row[0] is not None else "" for row in sheet_values(sheet)]
    if SUBMITTED_LABEL not in labels:
        raise InputError(f"「{SETTINGS_SHEET}」シートに「{SUBMITTED_LABEL}」の行がありません。"
                         "最新の様式（xl-kpi template）に転記してください。")
    row = labels.index(SUBMITTED_LABEL) + 1
    stamp = japan_time(now or datetime.now(timezone.utc)).isoformat()
    write_values(sheet.range((row, 2)), [[stamp]])
    shown = stamp[:16].replace("T", " ")
    return _done(ActionResult(f"提出日時（{shown}）を「{SETTINGS_SHEET}」シートに記入しました。"
                              "ブックを保存して提出してください。"))


ACTIONS = {"compute_rates": compute_rates, "validate_sheet": validate_sheet,
           "merge_sheets": merge_sheets, "new_submission": new_submission,
           "stamp_submission": stamp_submission}
