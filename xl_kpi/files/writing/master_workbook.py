"""The master 取組状況 workbook laid out from one evaluation: 取組状況, 集計, 推移, チェック結果,
提出状況, 計画 and 設定. Nothing is computed here.
"""

from __future__ import annotations

import io
from datetime import datetime

from ...core.evaluation import ReportContent
from ..layout import LAYOUT, MASTER_SHEET, STATUS_SHEET, SUMMARY_SHEET, Settings
from .findings_sheet import master_findings_sheet
from .history_sheet import history_sheet
from .kpi_sheet import KpiSheetWriter
from .register_sheet import register_sheet
from .settings_sheet import write_settings_sheet
from .status_sheet import write_status_sheet
from .styles import CellFormats, new_workbook, wrapped_lines
from .summary_sheet import write_summary_sheet
from .two_processes import rows_in_two_processes


def build_master(settings: Settings, content: ReportContent, *, created: datetime | None = None) -> bytes:
    """The master 取組状況 workbook laid out from one evaluation (:func:`~xl_kpi.core.evaluation.evaluate_report`):
    rows with their rates, 集計, 推移, チェック結果, 提出状況, 計画 and 設定. Nothing is computed here.

    Every sheet is added first with its headers; then the rows of 推移 and 計画 are written by a
    second process while this one writes the others
    (:func:`~xl_kpi.files.writing.two_processes.rows_in_two_processes`: the same bytes as one process)."""
    buf = io.BytesIO()
    wb = new_workbook(buf, created, in_memory=False)
    fmt = CellFormats(wb)
    w = KpiSheetWriter(wb, fmt, MASTER_SHEET, settings, column_formats=True)
    w.frame("全庁（各部署の提出を統合）")
    summary = wb.add_worksheet(SUMMARY_SHEET)
    history = history_sheet(wb, fmt, content.histories, settings, content.projections, wrapped_lines)
    findings, write_findings = master_findings_sheet(wb, fmt, content.findings)
    status = wb.add_worksheet(STATUS_SHEET)
    register = register_sheet(wb, fmt, content.register, wrapped_lines)
    write_settings_sheet(wb, fmt, settings)
    w.ws.activate()
    records, evaluations = content.records, content.evaluations

    def write_out_ours() -> None:  # while the second process finishes
        for ws in (w.ws, findings):
            wb.write_out(ws, min_cells=0)

    rows = len(content.histories) + len(content.register)
    with rows_in_two_processes(wb, [history, register], worth=rows >= TWO_PROCESSES_MIN_ROWS,
                               meanwhile=write_out_ours):
        last = w.rows(records, computed=True, evaluations=evaluations)
        w.validations(LAYOUT.first_data_row, max(last, LAYOUT.first_data_row))
        w.print_area(last)
        # a master of 1,000 submissions holds millions of cells: a large sheet is written out at
        # once and its cells let go (the second process's rows never come to this one)
        wb.write_out(w.ws)
        write_summary_sheet(wb, fmt, records, settings, w.row_of, evaluations, content.tracks, ws=summary)
        write_findings()
        wb.write_out(findings)
        write_status_sheet(wb, fmt, content.status, content.findings, ws=status)
    wb.close()
    return buf.getvalue()


TWO_PROCESSES_MIN_ROWS = 2_000  # rows of 推移 and 計画 together: below, a second process costs more than it saves
