"""The plan workbook (``計画.xlsx``): the 「計画」 sheet and 設定, handed out beside the departments'
workbooks; the first merge of a year takes its plan from it.
"""

from __future__ import annotations

import io

from ...core.register import PlanRegister
from ..layout import Settings
from .register_sheet import write_register_sheet
from .settings_sheet import write_settings_sheet
from .styles import CellFormats, new_workbook, wrapped_lines


def build_plan(settings: Settings, register: PlanRegister) -> bytes:
    """A plan workbook: the 「計画」 sheet and 設定 (``import-csv`` and ``rollover`` write it beside
    the departments' workbooks; the first merge of a year takes its plan from it)."""
    buf = io.BytesIO()
    wb = new_workbook(buf, None)
    fmt = CellFormats(wb)
    write_register_sheet(wb, fmt, register, wrapped_lines)
    write_settings_sheet(wb, fmt, settings)
    wb.close()
    return buf.getvalue()
