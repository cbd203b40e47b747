"""The 公開用 workbook a city publishes: 取組状況 without the provenance columns, and 集計.
"""

from __future__ import annotations

import io

from ...core.evaluation import ReportContent
from ..layout import MASTER_SHEET, PUBLIC_LAYOUT, TEMPLATE_VERSION, VERSION_LABEL, Settings, report_title
from .kpi_sheet import KpiSheetWriter
from .styles import FIXED_DATE, CellFormats, new_workbook
from .summary_sheet import write_summary_sheet


def build_public(settings: Settings, content: ReportContent, organisation: str = "") -> bytes:
    """The 公開用 workbook a city publishes: 取組状況 (every KPI, in the template's look, without the
    provenance columns) and 集計, and no other sheet — no 設定, チェック結果, 提出状況, 推移 or 計画.

    ``content``: the master's rows and the projections of its 「推移」, for 集計's 見込み columns
    (:func:`~xl_kpi.core.evaluation.evaluate_master`)."""
    buf = io.BytesIO()
    wb = new_workbook(buf, None)
    wb.set_properties({"title": report_title(settings.year), "author": organisation or "xl-kpi",
                       "created": FIXED_DATE, "comments": f"{VERSION_LABEL} {TEMPLATE_VERSION}"})
    fmt = CellFormats(wb)
    w = KpiSheetWriter(wb, fmt, MASTER_SHEET, settings, PUBLIC_LAYOUT)
    w.frame(organisation)
    records, evaluations = content.records, content.evaluations
    last = w.rows(records, computed=True, evaluations=evaluations)
    w.print_area(last)
    w.ws.activate()
    write_summary_sheet(wb, fmt, records, settings, w.row_of, evaluations, content.tracks)
    wb.close()
    return buf.getvalue()
