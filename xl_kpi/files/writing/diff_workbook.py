"""The changes between two masters as a workbook (``xl-kpi diff``), one row a change.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from ...core.diff import KINDS, Change
from ...core.record import FIELD_LABELS
from .styles import CellFormats, new_workbook

DIFF_COLUMNS = (("種類", 12), ("施策番号", 9), ("KPI", 5), ("項目", 16), ("変更前", 40), ("変更後", 40))


def build_diff(changes: Sequence[Change], old_name: str, new_name: str) -> bytes:
    """The changes between two masters as a workbook (one row a change)."""
    buf = io.BytesIO()
    wb = new_workbook(buf, None)
    fmt = CellFormats(wb)
    ws = wb.add_worksheet("差分")
    ws.write_string(0, 0, f"差分: {old_name} → {new_name}（{len(changes)} 件）", fmt["title"])
    for j, (h, width) in enumerate(DIFF_COLUMNS):
        ws.write_string(2, j, h, fmt["table_header"])
        ws.set_column(j, j, width)
    labels = {"rate": "達成率", "revised_rate": "変更後の達成率", "grade": "評価"}
    for i, c in enumerate(changes, start=3):
        field = labels.get(c.field) or FIELD_LABELS.get(c.field, c.field) or c.item
        for j, v in enumerate((KINDS[c.kind], c.measure_id, c.kpi_no, field, c.old, c.new)):
            ws.write_string(i, j, v, fmt["cell"])
    ws.freeze_panes(3, 0)
    ws.autofilter(2, 0, max(len(changes), 1) + 2, len(DIFF_COLUMNS) - 1)
    wb.close()
    return buf.getvalue()
