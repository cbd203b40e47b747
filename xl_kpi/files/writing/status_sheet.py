"""The master's 「提出状況」 sheet: one row a submission (or a department that sent nothing) with
its file, hash, time, counts of findings and state.
"""

from __future__ import annotations

from collections.abc import Sequence

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ...core.evaluation import NOT_SUBMITTED
from ...core.findings import Finding
from ...core.merge import Submission
from ...core.presentation import severity_counts
from ..layout import STATUS_SHEET
from .styles import CellFormats, print_as_table

STATUS_COLUMNS = (("部署", 14), ("ファイル", 28), ("シート", 14), ("SHA-256", 53), ("更新日時", 27),
                  ("行数", 6), ("エラー", 7), ("警告", 7), ("情報", 7), ("状況", 8), ("未提出のKPI", 40))


def write_status_sheet(wb: xlsxwriter.Workbook, fmt: CellFormats, submissions: Sequence[Submission],
                  findings: Sequence[Finding], ws: Worksheet | None = None) -> None:
    """「提出状況」 written (into ``ws``, the sheet added for it earlier, else a new one)."""
    ws = ws if ws is not None else wb.add_worksheet(STATUS_SHEET)
    for j, (h, width) in enumerate(STATUS_COLUMNS):
        ws.write_string(0, j, h, fmt["table_header"])
        ws.set_column(j, j, width)
    per_sheet: dict[tuple[str, str], dict[str, int]] = {}
    for f in findings:
        c = per_sheet.setdefault((f.file, f.sheet), severity_counts())
        c[f.severity] += 1
    for i, s in enumerate(submissions, start=1):
        counts = severity_counts()
        for sheet in {s.sheet, ""}:
            for k, v in per_sheet.get((s.file, sheet), {}).items():
                counts[k] += v
        for j, text in enumerate((s.department, s.file, s.sheet, s.sha256, s.modified)):
            ws.write_string(i, j, text, fmt["hash" if j == 3 else "plain"])
        for j, n in enumerate((len(s.records), counts["error"], counts["warning"], counts["info"]), start=5):
            ws.write_number(i, j, n, fmt["plain"])
        ws.write_string(i, 9, s.state, fmt["error" if s.state == NOT_SUBMITTED else
                                           "warning" if s.missing else "plain"])
        ws.write_string(i, 10, "、".join(s.missing), fmt["plain"])
    ws.freeze_panes(1, 0)
    print_as_table(ws)
