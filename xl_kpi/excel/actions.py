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
from typing import Any

from ..core.errors import InputError
from ..core.evaluation import check_submission, evaluate_report
from ..core.findings import SEVERITY_LABELS, Finding, Report, actionable_first
from ..core.fiscal import japan_time
from ..core.grading import count_grades, grade_record
from ..core.merge import Submission
from ..core.presentation import HEADER_COLOR, rate_cell, worst_by_cell
from ..core.record import FIELD_LABELS
from ..core.rules import evaluate
from ..files.layout import (
    FINDINGS_SHEET,
    LAYOUT,
    MASTER_SHEET,
    REGISTER_COLUMNS,
    REGISTER_SHEET,
    SETTINGS_SHEET,
    Settings,
    default_year,
    safe_sheet_name,
)
from ..files.reading.header import missing_header_findings
from ..files.reading.submitted import SETTINGS_LABEL as SUBMITTED_LABEL
from ..files.run.feedback import anchor, by_cell, comment_text
from ..files.writing.register_sheet import NOTE as REGISTER_NOTE
from ..files.writing.register_sheet import register_rows, register_title
from ..files.writing.row_plan import plan_sheet
from .adapter import (
    COLORS,
    active_kpi_sheet,
    book_register,
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
from .cells import color_blocks, set_column_width, write_values

FINDING_HEADERS = ("コード", "重要度", "場所", "施策番号", "KPI", "項目", "値", "内容")


@dataclass
class ActionResult:
    """What an action did, for the task pane and the desktop status bar."""

    message: str
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)  # numbers; "grades": a count per grade
    # The findings' dicts when an action already rendered them (for 「チェック結果」), in the same order
    rendered: list[dict[str, str]] | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        rendered = self.rendered if self.rendered is not None else [f.to_dict() for f in self.findings]
        return {"message": self.message, "counts": self.counts, "findings": rendered}


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
    settings = book_settings(book) or Settings(year=default_year())
    scheme = settings.grading()
    grades: list[str] = []
    for rec in kpi.records:
        ev = evaluate(rec, settings.rounding)
        if ev.rate is None:
            continue
        grades.append(grade_record(rec, scheme, ev.rate))
        rates[rec.source.row] = rate_cell(ev.rate)
        not_computable += ev.rate.value is None
        if ev.revised_rate is not None:
            revised[rec.source.row] = rate_cell(ev.revised_rate)
    cols = kpi.header.columns
    shown_as = settings.rounding.number_format  # 設定's 達成率の表示
    write_column_blocks(kpi.sheet, cols["rate"], rates, shown_as)
    if revised and "revised_rate" in cols:
        write_column_blocks(kpi.sheet, cols["revised_rate"], revised, shown_as)
    msg = f"{len(rates)} 件の達成率を計算しました。" + (f"（計算できないもの {not_computable} 件）" if not_computable else "")
    graded = count_grades(grades, scheme)
    msg += f"評価（{scheme.label}）: " + "、".join(f"{g} {n}件" for g, n in graded.items() if n)
    return _done(ActionResult(msg, counts={"rates": len(rates), "revised": len(revised),
                                           "not_computable": not_computable, "grades": graded}))


def sheet_findings(book, kpi) -> list[Finding]:
    """The findings of checking the sheet — :func:`~xl_kpi.core.evaluation.check_submission`, as
    ``xl-kpi validate`` and the server check it (against the book's 「計画」 sheet, if any)."""
    settings = book_settings(book)
    read = missing_header_findings(kpi.header, book.name, kpi.name) + kpi.findings
    return check_submission(kpi.records, read, settings, book_register(book, settings))[1]


def _mark_cells(kpi, findings: list[Finding]) -> None:
    """Colour each cell with a finding by its worst severity, clearing earlier marks first."""
    last_col = LAYOUT.last_printed_col
    color_blocks(kpi.sheet, ((first, 1, last, last_col, None)
                             for first, last in data_row_blocks(r.source.row for r in kpi.records)))
    name = kpi.name
    worst = worst_by_cell(f for f in findings if f.sheet == name)
    color_cells(kpi.sheet, {cell: COLORS[severity] for cell, severity in worst.items()})


def _counts_message(findings: list[Finding]) -> tuple[str, dict[str, int]]:
    c = Report(findings).counts()
    return f"エラー {c['error']} 件、警告 {c['warning']} 件、情報 {c['info']} 件", c


def validate_sheet(book) -> ActionResult:
    """Colour each cell with a finding by severity (clearing old marks) and rewrite 「チェック結果」."""
    kpi = active_kpi_sheet(book)
    findings = sheet_findings(book, kpi)
    _mark_cells(kpi, findings)
    ordered, rendered = write_findings_sheet(book, findings, after=kpi.sheet)
    msg, c = _counts_message(findings)
    return _done(ActionResult(msg, ordered, c, rendered))  # the task pane lists them in this order


NOTED = "書き込み済み"


def write_findings_sheet(book, findings: list[Finding], after=None, links: bool = False,
                         noted: set[str] | None = None) -> tuple[list[Finding], list[dict[str, str]]]:
    """Rewrite 「チェック結果」; ``links``: each 場所 links to its cell; ``noted``: cells whose note
    xl-kpi wrote, marked in a メモ column (the next run replaces those notes and no others).
    Returns the findings in the sheet's order and their dicts (:meth:`Finding.to_dict`)."""
    sheet = ensure_sheet(book, FINDINGS_SHEET, after=after)
    ordered = actionable_first(findings)
    rendered = [f.to_dict() for f in ordered]  # message and location rendered once, for the sheet and the pane
    headers = list(FINDING_HEADERS) + (["メモ"] if noted is not None else [])
    rows = [headers]
    for f, d in zip(ordered, rendered):
        row = [f.code, SEVERITY_LABELS[f.severity], d["location"], f.measure_id, f.kpi_no,
               FIELD_LABELS.get(f.field, f.field), f.value, d["message"]]
        if noted is not None:
            row.append(NOTED if f.sheet and anchor(f.cell) in noted else "")
        rows.append(row)
    write_values(sheet.range((1, 1), (len(rows), len(headers))), rows)
    sheet.range((1, 1), (1, len(headers))).color = HEADER_COLOR
    for i, width in enumerate((22, 8, 24, 8, 5, 12, 24, 70), start=1):
        set_column_width(sheet, i, width)
    if links:
        for i, f in enumerate(ordered, start=2):
            if f.sheet and f.cell:
                sheet.range((i, 3)).add_hyperlink(f"#{f.location.split(':')[0]}", f.location, "セルへ移動")
    return ordered, rendered


NOTES_UNSUPPORTED = ("この Excel ではセルにメモを書き込めません（Office アドインでは ExcelApi 1.18 以降が必要）。"
                     "セルの色と「チェック結果」シートのリンクで示しました。メモ付きのファイルは「xl-kpi feedback」で作れます。")


def _earlier_note_cells(book, sheet_name: str) -> set[str]:
    """Cells of ``sheet_name`` whose note an earlier run wrote (its 「チェック結果」 メモ column)."""
    if FINDINGS_SHEET not in [s.name for s in book.sheets]:
        return set()
    rows = book.sheets[FINDINGS_SHEET].used_range.value or []
    out = set()
    for row in rows[1:] if isinstance(rows, list) else []:
        if not isinstance(row, list) or len(row) <= len(FINDING_HEADERS) or row[len(FINDING_HEADERS)] != NOTED:
            continue
        sheet, _, cell = str(row[2] or "").rpartition("!")
        if sheet.strip("'").replace("''", "'") == sheet_name and cell:
            out.add(anchor(cell))
    return out


def _write_notes(kpi, findings: list[Finding], earlier: set[str]) -> tuple[set[str], int, bool]:
    """Notes on the findings' cells: (cells noted, staff notes left alone, notes supported)."""
    groups = {cell: group for (sheet, cell), group in by_cell(findings).items() if sheet == kpi.name}
    written: set[str] = set()
    kept = 0
    try:
        for cell in sorted(earlier - set(groups)):  # fixed since the last run: our note goes
            note = kpi.sheet.range(cell).note
            if note is not None:
                note.delete()
        for cell, group in groups.items():
            rng = kpi.sheet.range(cell)
            note = rng.note
            if note is None:
                rng.add_note(comment_text(group))
            elif cell in earlier:
                note.text = comment_text(group)
            else:  # a note staff wrote: never overwritten
                kept += 1
                continue
            written.add(cell)
    except NotImplementedError:
        return written, kept, False
    return written, kept, True


def annotate_findings(book) -> ActionResult:
    """「指摘をコメントで書き込む」: each finding of the active sheet as a note (メモ) on its cell
    (Japanese message and code), the cell coloured by severity, and 「チェック結果」 linking to it."""
    kpi = active_kpi_sheet(book)
    findings = sheet_findings(book, kpi)
    earlier = _earlier_note_cells(book, kpi.name)
    _mark_cells(kpi, findings)
    written, kept, supported = _write_notes(kpi, findings, earlier)
    ordered, rendered = write_findings_sheet(book, findings, after=kpi.sheet, links=True, noted=written)
    msg, c = _counts_message(findings)
    msg = f"{msg}。メモ {len(written)} 件を書き込みました。" if supported else f"{msg}。{NOTES_UNSUPPORTED}"
    if kept:
        msg += f"（すでにメモのあるセル {kept} 件はそのままにしました）"
    return _done(ActionResult(msg, ordered, {**c, "notes": len(written), "kept": kept,
                                             "notes_supported": supported}, rendered))


def merge_sheets(book) -> ActionResult:
    """Merge the department sheets of the open workbook into its 取組状況 sheet (rules of ``xl-kpi merge``)."""
    sheets = kpi_sheets(book)
    master = next((s for s in sheets if s.name == MASTER_SHEET), None)
    departments = [s for s in sheets if s.name != MASTER_SHEET]
    if not departments:
        raise InputError("部署のシートがありません。「新しい提出シート」で追加してください。")
    subs = [Submission(s.department, book.name, s.name, records=s.records,
                       findings=missing_header_findings(s.header, book.name, s.name) + s.findings)
            for s in departments]
    settings = book_settings(book) or Settings(year=default_year())
    content = evaluate_report(subs, settings, register=book_register(book, settings),
                              existing=master.records if master else [],
                              notes=master.findings if master else [])
    findings = content.findings
    sheet = master.sheet if master else book.sheets.add(MASTER_SHEET, before=book.sheets[0])
    if master:
        sheet.clear()
    plan, groups = plan_sheet(content.records, computed=True, evaluations=content.evaluations)
    render_kpi_sheet(sheet, settings, "全庁（各部署の提出を統合）", plan, groups)
    write_findings_sheet(book, findings, after=sheet)
    if content.register_created:
        write_register(book, content.register)
    c = Report(findings).counts()
    return _done(ActionResult(f"{len(subs)} シート・{len(content.records)} 行を「{MASTER_SHEET}」に統合しました。"
                              f"（エラー {c['error']} 件、警告 {c['warning']} 件）", findings, c))


def write_register(book, register) -> None:
    """The 「計画」 sheet of the open workbook, laid out as the master file has it."""
    sheet = ensure_sheet(book, REGISTER_SHEET)
    rows = [[register_title(register)], [REGISTER_NOTE], [h for _, h, _ in REGISTER_COLUMNS],
            *register_rows(register)]
    width = len(REGISTER_COLUMNS)
    write_values(sheet.range((1, 1), (len(rows), width)), [row + [""] * (width - len(row)) for row in rows])


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
    the planning division's merge takes the later 提出日時 (see :mod:`xl_kpi.files.reading.submitted`)."""
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
           "stamp_submission": stamp_submission, "annotate_findings": annotate_findings}
