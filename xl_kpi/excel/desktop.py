"""The desktop add-in's one Python entry point: the ribbon's VBA module sends each button's id here.

VBA (``workbook/desktop/XlKpiRibbon.bas``)::

    RunPython "import xl_kpi.excel.desktop as d; d.ribbon('" & control.ID & "')"
"""

from __future__ import annotations

from ..core.errors import XlKpiError
from . import actions
from .scripts import RIBBON
from .submit import SUBMIT_BUTTON, submit_book


def run(control_id: str, book) -> actions.ActionResult:
    """Run the action of a ribbon button on a book (any ``xw.Book``); 「提出」 sends the saved file
    to the server's inbox (:mod:`.submit`)."""
    if control_id == SUBMIT_BUTTON[0]:
        return submit_book(book)
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
    if control_id == SUBMIT_BUTTON[0]:  # the answer must be seen: accepted, or what to fix
        shown = "\n".join(f"{f.location} {f.message}" for f in result.findings if f.severity == "error")
        book.app.alert(result.message + ("\n\n" + shown[:1500] if shown else ""), title="xl-kpi 提出")
