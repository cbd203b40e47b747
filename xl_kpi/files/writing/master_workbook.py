"""The master 取組状況 workbook laid out from one evaluation: 取組状況, 集計, 推移, チェック結果,
提出状況, 計画 and 設定. Nothing is computed here.
"""

from __future__ import annotations

import io
from datetime import datetime

from ...core.evaluation import ReportContent
from ..layout import LAYOUT, MASTER_SHEET, Settings
from .findings_sheet import write_master_findings_sheet
from .history_sheet import write_history_sheet
from .kpi_sheet import KpiSheetWriter
from .register_sheet import write_register_sheet
from .settings_sheet import write_settings_sheet
from .status_sheet import write_status_sheet
from .styles import CellFormats, new_workbook, wrapped_lines
from .summary_sheet import write_summary_sheet


def build_master(settings: Settings, content: ReportContent, *, created: datetime | None = None) -> bytes:
    """The master 取組状況 workbook laid out from one evaluation (:func:`~xl_kpi.core.evaluation.evaluate_report`):
    rows with their rates, 集計, 推移, チェック結果, 提出状況, 計画 and 設定. Nothing is computed here."""
    buf = io.BytesIO()
    wb = new_workbook(buf, created, in_memory=False)
    fmt = CellFormats(wb)
    w = KpiSheetWriter(wb, fmt, MASTER_SHEET, settings, column_formats=True)
    w.frame("全庁（各部署の提出を統合）")
    records, evaluations = content.records, content.evaluations
    last = w.rows(records, computed=True, evaluations=evaluations)
    w.validations(LAYOUT.first_data_row, max(last, LAYOUT.first_data_row))
    w.print_area(last)
    w.ws.activate()
    # each large sheet's rows written out once it is complete: a master of 1,000 submissions holds
    # millions of cells, which would otherwise all stay in memory until the workbook is written
    wb.write_out(w.ws)
    write_summary_sheet(wb, fmt, records, settings, w.row_of, evaluations, content.tracks)
    write_history_sheet(wb, fmt, content.histories, settings, content.projections, wrapped_lines)
    wb.write_out(wb.worksheets()[-1])
    write_master_findings_sheet(wb, fmt, content.findings)
    wb.write_out(wb.worksheets()[-1])
    write_status_sheet(wb, fmt, content.status, content.findings)
    write_register_sheet(wb, fmt, content.register, wrapped_lines)
    wb.write_out(wb.worksheets()[-1])
    write_settings_sheet(wb, fmt, settings)
    wb.close()
    return buf.getvalue()
