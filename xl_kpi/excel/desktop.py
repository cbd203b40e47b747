"""The desktop add-in's one Python entry point: the ribbon's VBA module sends each button's id here.

VBA (``workbook/desktop/XlKpiRibbon.bas``)::

    RunPython "import xl_kpi.excel.desktop as d; d.ribbon('" & control.ID & "')"
"""

from __future__ import annotations

from ..core.errors import XlKpiError
from . import actions
from .scripts import RIBBON


def run(control_id: str, book) -> actions.ActionResult:
    """Run the action of a ribbon button on a book (any ``xw.Book``)."""
    if control_id not in RIBBON:
        raise XlKpiError(f"ボタン「{control_id}」は登録されていません。")
    return actions.ACTIONS[RIBBON[control_id][2]](book)


def ribbon(control_id: str) -> None:  # pragma: no cover - needs Excel on Windows/macOS
    import xlwings as xw
    book = xw.Book.caller()
    try:
        result = run(control_id, book)
    except XlKpiError as err:
        book.app.alert(str(err), title="xl-kpi", buttons="ok", mode="critical")
        return
    book.app.status_bar = result.message
