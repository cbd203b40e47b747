"""Feedback copies: a department's own workbook sent back with every finding on its cell.

``feedback_file`` validates a submission, copies it under the same file name into the output
folder and edits the COPY with openpyxl (XlsxWriter cannot edit a workbook): each finding becomes
a comment (メモ) on its cell — Japanese message and code, several findings of one cell in one
comment, a comment staff wrote kept above ours — the cell is filled by its worst severity, and a
「チェック結果」 sheet lists every finding with a link to its cell. Values, formulas, merged cells,
number formats and everything else of the file are left as they were.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from ...core.errors import InputError
from ...core.findings import ERROR, SEVERITY_LABELS, Finding, actionable_first
from ...core.record import FIELD_LABELS
from ..layout import FINDINGS_SHEET, LAYOUT, RESERVED_SHEETS, squash
from ..reading.comments import XLKPI_MARK, staff_text
from ..writing.kpi_sheet import PRINT_ROWS
from .master import validate_files
from .safesave import atomic_write

AUTHOR = "xl-kpi"
MARK = XLKPI_MARK
NOT_ON_CELL = frozenset({"cell-comment"})  # a finding about the comment itself is listed, not noted
FILLS = {"error": "F8CBAD", "warning": "FFE699", "info": "DDEBF7"}
RANK = {"info": 0, "warning": 1, "error": 2}
HEADERS = (("重要度", 8), ("コード", 24), ("場所（クリックで移動）", 26), ("施策番号", 9), ("KPI", 5),
           ("項目", 14), ("値", 24), ("内容", 80))


@dataclass
class FeedbackResult:
    source: Path
    output: Path | None                 # None when the file could not be read
    findings: list[Finding]
    annotated: list[str] = field(default_factory=list)  # 'sheet'!cell of every comment written

    @property
    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out


def anchor(cell: str) -> str:
    """The cell a finding's comment goes on: the top-left of a range ('A5:D7' → 'A5')."""
    return cell.split(":")[0].replace("$", "")


def comment_text(findings: Sequence[Finding]) -> str:
    """One comment for the findings of one cell: severity, title, code, message each."""
    parts = [MARK]
    for f in findings:
        parts.append(f"[{SEVERITY_LABELS[f.severity]}] {f.title}（{f.code}）\n{f.message}")
    return "\n".join(parts)


def by_cell(findings: Iterable[Finding]) -> dict[tuple[str, str], list[Finding]]:
    """Findings that point at a cell, grouped by (sheet, anchor cell), in the order found."""
    out: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.sheet and f.cell and f.code not in NOT_ON_CELL:
            out.setdefault((f.sheet, anchor(f.cell)), []).append(f)
    return out


def worst(findings: Sequence[Finding]) -> str:
    return max((f.severity for f in findings), key=RANK.__getitem__)


def _annotate(wb, findings: Sequence[Finding]) -> list[str]:
    done = []
    for (sheet, cell), group in by_cell(findings).items():
        if sheet not in wb.sheetnames or sheet == FINDINGS_SHEET:
            continue
        c = wb[sheet][cell]
        text = comment_text(group)
        old = staff_text(c.comment.text) if c.comment is not None else ""  # ours of an earlier run goes
        body = f"{old}\n\n{text}" if old else text
        lines = sum(max(1, len(line) // 24 + 1) for line in body.split("\n"))
        c.comment = Comment(body, AUTHOR, height=min(18 * lines + 10, 600), width=300)
        c.fill = PatternFill("solid", start_color=FILLS[worst(group)], end_color=FILLS[worst(group)])
        done.append(f"'{sheet}'!{cell}")
    return done


def _write_feedback_findings_sheet(wb, findings: Sequence[Finding]) -> None:
    if FINDINGS_SHEET in wb.sheetnames:
        del wb[FINDINGS_SHEET]
    ws = wb.create_sheet(FINDINGS_SHEET)
    bold = Font(bold=True)
    for j, (h, width) in enumerate(HEADERS, start=1):
        cell = ws.cell(1, j, h)
        cell.font = bold
        cell.fill = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
        ws.column_dimensions[cell.column_letter].width = width
    link_font = Font(color="0563C1", underline="single")
    for i, f in enumerate(actionable_first(findings), start=2):  # errors first, as the master lists them
        values = (SEVERITY_LABELS[f.severity], f.code, f.location, f.measure_id, f.kpi_no,
                  FIELD_LABELS.get(f.field, f.field), f.value, f.message)
        for j, v in enumerate(values, start=1):
            cell = ws.cell(i, j)
            cell.value = v
            cell.data_type = "s"  # text stays text, even '=…'
            cell.alignment = Alignment(wrap_text=j == len(values), vertical="top")
        ws.cell(i, 1).fill = PatternFill("solid", start_color=FILLS[f.severity], end_color=FILLS[f.severity])
        ws.row_dimensions[i].height = 15 * max(1, -(-len(f.message) // 40))  # wrapped 内容: ~40 CJK a line
        if f.sheet and f.sheet in wb.sheetnames:
            target = f"'{f.sheet.replace(chr(39), chr(39) * 2)}'!{anchor(f.cell) if f.cell else 'A1'}"
            ws.cell(i, 3).hyperlink = Hyperlink(ref=f"C{i}", location=target, display=f.location)
            ws.cell(i, 3).font = link_font
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:H{max(len(findings), 1) + 1}"
    ws.page_setup.orientation = "landscape"   # prints one page wide on A4
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"


def _print_rows_in_use(wb) -> None:
    """Each KPI sheet prints its columns (施策番号 to SDGs) down to the last row in use: a print area
    of whole columns, also in copies of files made when the template's print area stopped at the
    rows it was written with (rows a clerk added were not printed)."""
    sdgs = LAYOUT.column("sdgs")
    for ws in wb.worksheets:
        if ws.title in RESERVED_SHEETS:
            continue
        if ws.max_row < LAYOUT.header_row:
            continue
        headers: dict[int, str] = {}  # a header merged over the two header rows keeps its text in the upper one
        for row in (LAYOUT.group_row, LAYOUT.header_row):
            headers |= {c.column: squash(str(c.value)) for c in ws[row] if c.value is not None}
        last = next((col for col, h in headers.items() if sdgs.matches(h)), None)
        if last is not None and headers.get(1) == squash(LAYOUT.columns[0].header):
            ws.print_area = f"A1:{get_column_letter(last)}{PRINT_ROWS}"


def annotate_workbook(data: bytes, findings: Sequence[Finding], keep_vba: bool = False) -> tuple[bytes, list[str]]:
    """The workbook bytes with the findings written in (comments, fills, 「チェック結果」)."""
    wb = openpyxl.load_workbook(io.BytesIO(data), keep_vba=keep_vba, keep_links=True, rich_text=True)
    done = _annotate(wb, findings)
    _print_rows_in_use(wb)
    _write_feedback_findings_sheet(wb, findings)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), done


def feedback_file(path: Path, out_dir: Path) -> FeedbackResult:
    """Validate one submission and write its annotated copy to ``out_dir`` under the same name."""
    path = Path(path)
    out = Path(out_dir) / path.name
    if out.resolve() == path.resolve():
        raise InputError(f"{path.name}: 出力先のフォルダーが元のファイルと同じです。別のフォルダーを指定してください"
                         "（部署のファイルは書き換えません）。")
    validation = validate_files([path])
    findings = validation.report.findings
    if validation.unreadable:
        return FeedbackResult(path, None, findings)
    data, done = annotate_workbook(path.read_bytes(), findings, keep_vba=path.suffix.lower() == ".xlsm")
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, data, keep=0)
    return FeedbackResult(path, out, findings, done)


def feedback_files(paths: Sequence[Path], out_dir: Path) -> list[FeedbackResult]:
    return [feedback_file(p, out_dir) for p in paths]


__all__ = ["feedback_file", "feedback_files", "annotate_workbook", "comment_text", "FeedbackResult", "ERROR"]
