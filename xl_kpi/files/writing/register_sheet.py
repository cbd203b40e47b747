"""The 「計画」 sheet written: the plan register laid out for staff to read and the planning division
to edit — row 1 the title with the plan period, row 2 who edits it, row 3 the headers
(:data:`~xl_kpi.files.layout.REGISTER_COLUMNS`), then the KPIs, one a row, in the plan's order.
"""

from __future__ import annotations

from collections.abc import Callable

from ...core.fiscal import format_fiscal_year
from ...core.record import DIRECTION_LABELS
from ...core.register import REGISTER_SHEET, PlanRegister
from ..layout import REGISTER_COLUMNS, REGISTER_HEADER_ROW
from .two_processes import SheetRows

TITLE = "計画（総合戦略のKPI）"
NOTE = ("この表は計画の内容です。企画担当が編集します（議会の承認を経て加わったKPIは行を追加）。"
        "統合のたびに、各部署の提出をこの表と照らし合わせます。")
RELISTED_MARK = "○"


def register_title(register: PlanRegister) -> str:
    if register.plan_start and register.plan_end:
        return (f"{TITLE} 計画期間: {format_fiscal_year(register.plan_start)}～"
                f"{format_fiscal_year(register.plan_end)}")
    return TITLE


def register_rows(register: PlanRegister) -> list[list[str]]:
    """The sheet's data rows as texts, one a KPI."""
    fields = [f for f, _, _ in REGISTER_COLUMNS]
    rows = []
    for k in register.kpis:
        values = {"measure_id": k.measure_id, "kpi_no": k.kpi_no, "relisted": RELISTED_MARK if k.relisted else "",
                  "goal_no": k.goal_no, "goal_title": k.goal_title, "direction_letter": k.direction_letter,
                  "direction_title": k.direction_title, "measure_name": k.measure_name, "department": k.department,
                  "kpi_item": k.kpi_item, "baseline": k.baseline, "target": k.target,
                  "revised_target": k.revised_target, "revision_note": k.revision_note, "unit": k.unit,
                  "direction": DIRECTION_LABELS.get(k.direction, ""), "measure_content": k.measure_content,
                  "sdgs": k.sdgs}
        rows.append([values[f] for f in fields])
    return rows


def write_register_sheet(wb, fmt, register: PlanRegister, lines_of: Callable[[str, float], int]) -> None:
    """The 「計画」 sheet of a workbook being written (the writer's ``FastWorkbook``, its formats, and
    its measure of the lines a wrapped text takes)."""
    _, write_rows = register_sheet(wb, fmt, register, lines_of)
    write_rows()


def register_sheet(wb, fmt, register: PlanRegister, lines_of: Callable[[str, float], int]) -> SheetRows:
    """「計画」 added with its title, headers and print set-up (as :func:`write_register_sheet`), and
    the function that writes its rows (the master's are written in a second process)."""
    ws = wb.add_worksheet(REGISTER_SHEET)
    ws.write_string(0, 0, register_title(register), fmt["title"])
    ws.write_string(1, 0, NOTE, fmt["info"])
    top = REGISTER_HEADER_ROW - 1
    ws.set_row(top, 28)  # two lines of a wrapped header (基本的方向)
    for j, (_, header, width) in enumerate(REGISTER_COLUMNS):
        ws.write_string(top, j, header, fmt["table_header"])
        ws.set_column(j, j, width)
    ws.freeze_panes(REGISTER_HEADER_ROW, 2)
    ws.autofilter(top, 0, top + max(len(register.kpis), 1), len(REGISTER_COLUMNS) - 1)
    ws.set_landscape()
    ws.set_paper(8)  # A3, as the report
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(top)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.set_footer("&C&A &P / &N")
    cell = fmt["cell"]  # made here: the rows may be written in a copy of this process, which must not make one
    return ws, lambda: _write_rows(ws, register, lines_of, cell)


def _write_rows(ws, register: PlanRegister, lines_of: Callable[[str, float], int], cell) -> None:
    top = REGISTER_HEADER_ROW - 1
    columns = [(j, width) for j, (_, _, width) in enumerate(REGISTER_COLUMNS)]
    for i, row in enumerate(register_rows(register), start=top + 1):
        # a text shorter than half its column's width takes one line (no need to measure it)
        lines = 1
        for j, width in columns:
            text = row[j]
            if len(text) * 2 > width:
                lines = max(lines, lines_of(text, width))
        # LibreOffice and Excel do not grow rows for wrapped text written by a program: set them.
        ws.put_row(i, [(j, text or None, cell) for j, text in enumerate(row)],
                   height=LINE_HEIGHT * min(lines, MAX_LINES) + 3)


LINE_HEIGHT = 13.0   # points per line of the table's 10-point text
MAX_LINES = 12       # a very long 施策の内容 is cut in print rather than taking a page
