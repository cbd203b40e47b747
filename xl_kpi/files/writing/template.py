"""The department template (``xl-kpi template``, ``import-csv``, ``rollover``): one KPI sheet, empty
or pre-filled, its 設定 sheet, and the department's part of the plan as a 「計画」 sheet.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from ...core.record import KpiRecord
from ...core.register import PlanRegister
from ..layout import LAYOUT, Settings, SheetLayout, safe_sheet_name
from .kpi_sheet import KpiSheetWriter
from .register_sheet import write_register_sheet
from .settings_sheet import write_settings_sheet
from .styles import CellFormats, new_workbook, wrapped_lines

EMPTY_TEMPLATE_ROWS = 150
SPARE_ROWS = 50


def build_template(settings: Settings, department: str | None = None,
                   records: Sequence[KpiRecord] = (), layout: SheetLayout = LAYOUT,
                   register: PlanRegister | None = None) -> bytes:
    """The official template (one department sheet, empty or pre-filled) and its 設定 sheet.

    ``layout``: :data:`~xl_kpi.files.layout.ROLLOVER_LAYOUT` for next year's submissions (with 前年度実績).
    ``register``: the department's part of the plan, written as a 「計画」 sheet so that checking
    the workbook (``xl-kpi validate``, the ribbon, the server) compares it with the plan."""
    buf = io.BytesIO()
    wb = new_workbook(buf, None)
    fmt = CellFormats(wb)
    name = safe_sheet_name(department) if department else "入力"
    w = KpiSheetWriter(wb, fmt, name, settings, layout)
    w.frame(f"部署: {department}" if department else "部署: （部署名を入力）")
    if records:
        last = w.rows(records, computed=False)
        w.validations(layout.first_data_row, last + SPARE_ROWS)
    else:
        w.example_headings()
        w.validations(layout.first_data_row, layout.first_data_row + EMPTY_TEMPLATE_ROWS)
    w.print_columns()
    if register is not None:
        write_register_sheet(wb, fmt, register, wrapped_lines)
    write_settings_sheet(wb, fmt, settings)
    wb.close()
    return buf.getvalue()
