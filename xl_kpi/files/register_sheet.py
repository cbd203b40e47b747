"""The 「計画」 sheet: the plan register laid out for staff to read and the planning division to edit.

Row 1 is the title with the plan period, row 2 says who edits it, row 3 holds the headers and the
KPIs follow, one a row, in the plan's order. Reading goes by the header texts, so a column the
planning division moves or a row it inserts (a KPI the council added) is read as meant; what is
wrong in an edited row is a finding at its cell, like any input (:func:`register_from_rows`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..core.findings import Finding, make_finding
from ..core.fiscal import format_fiscal_year
from ..core.record import DIRECTION_LABELS, KpiRecord, Source, value_text
from ..core.register import REGISTER_SHEET, PlanRegister, register_from_records
from .addressing import column_letter
from .reading.rows import DIRECTIONS

# (field, header, width): the register's columns in their order.
COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("measure_id", "施策番号", 8), ("kpi_no", "KPI番号", 6), ("relisted", "再掲", 5),
    ("goal_no", "基本目標", 6), ("goal_title", "基本目標名", 22), ("direction_letter", "基本的方向", 6),
    ("direction_title", "基本的方向名", 22), ("measure_name", "施策", 22), ("department", "部署", 16),
    ("kpi_item", "KPI項目", 28), ("baseline", "基準値", 16), ("target", "目標値", 16),
    ("revised_target", "変更後の目標値", 14), ("revision_note", "変更の理由", 20), ("unit", "単位", 8),
    ("direction", "指標の方向", 10), ("measure_content", "施策の内容", 30), ("sdgs", "SDGs", 10),
)
HEADER_ROW = 3          # 1-based
TITLE = "計画（総合戦略のKPI）"
NOTE = ("この表は計画の内容です。企画担当が編集します（議会の承認を経て加わったKPIは行を追加）。"
        "統合のたびに、各部署の提出をこの表と照らし合わせます。")
RELISTED_MARK = "○"
_HEADER_FIELDS = {h: f for f, h, _ in COLUMNS}


def register_title(register: PlanRegister) -> str:
    if register.plan_start and register.plan_end:
        return (f"{TITLE} 計画期間: {format_fiscal_year(register.plan_start)}～"
                f"{format_fiscal_year(register.plan_end)}")
    return TITLE


def register_rows(register: PlanRegister) -> list[list[str]]:
    """The sheet's data rows as texts, one a KPI."""
    rows = []
    for k in register.kpis:
        values = {"measure_id": k.measure_id, "kpi_no": k.kpi_no, "relisted": RELISTED_MARK if k.relisted else "",
                  "goal_no": k.goal_no, "goal_title": k.goal_title, "direction_letter": k.direction_letter,
                  "direction_title": k.direction_title, "measure_name": k.measure_name, "department": k.department,
                  "kpi_item": k.kpi_item, "baseline": k.baseline, "target": k.target,
                  "revised_target": k.revised_target, "revision_note": k.revision_note, "unit": k.unit,
                  "direction": DIRECTION_LABELS.get(k.direction, ""), "measure_content": k.measure_content,
                  "sdgs": k.sdgs}
        rows.append([values[f] for f, _, _ in COLUMNS])
    return rows


def write_register_sheet(wb, fmt, register: PlanRegister, lines_of: Callable[[str, float], int]) -> None:
    """The 「計画」 sheet of a workbook being written (the writer's ``FastWorkbook``, its formats, and
    its measure of the lines a wrapped text takes)."""
    ws = wb.add_worksheet(REGISTER_SHEET)
    ws.write_string(0, 0, register_title(register), fmt["title"])
    ws.write_string(1, 0, NOTE, fmt["info"])
    top = HEADER_ROW - 1
    ws.set_row(top, 28)  # two lines of a wrapped header (基本的方向)
    for j, (_, header, width) in enumerate(COLUMNS):
        ws.write_string(top, j, header, fmt["table_header"])
        ws.set_column(j, j, width)
    cell = fmt["cell"]
    widths = [w for _, _, w in COLUMNS]
    for i, row in enumerate(register_rows(register), start=top + 1):
        ws.put_row(i, [(j, text or None, cell) for j, text in enumerate(row)])
        # a text shorter than half its column's width takes one line (no need to measure it)
        lines = max([lines_of(text, widths[j]) for j, text in enumerate(row) if len(text) * 2 > widths[j]] or [1])
        # LibreOffice and Excel do not grow rows for wrapped text written by a program: set them.
        ws.set_row(i, LINE_HEIGHT * min(lines, MAX_LINES) + 3)
    ws.freeze_panes(HEADER_ROW, 2)
    ws.autofilter(top, 0, top + max(len(register.kpis), 1), len(COLUMNS) - 1)
    ws.set_landscape()
    ws.set_paper(8)  # A3, as the report
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(top)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.set_footer("&C&A &P / &N")


LINE_HEIGHT = 13.0   # points per line of the table's 10-point text
MAX_LINES = 12       # a very long 施策の内容 is cut in print rather than taking a page


def _text(v: Any) -> str:
    return value_text(v).strip()


def register_from_rows(rows: Sequence[Sequence[Any]], file: str, *, departments: Sequence[str] = (),
                       plan_start: int = 0, plan_end: int = 0) -> tuple[PlanRegister, list[Finding]]:
    """The register a 「計画」 sheet holds (``rows[0]`` is row 1), and what is wrong in it: a
    missing header, a KPI twice, a row without measure or department, a 指標の方向 that is none of
    the choices — each at its cell."""
    header_at = next((i for i, row in enumerate(rows[:20])
                      if sum(1 for v in row if _text(v) in _HEADER_FIELDS) >= 3), None)
    if header_at is None:
        return PlanRegister(origin=f"{file}の「{REGISTER_SHEET}」シート", file=file), [make_finding(
            "missing-header", file=file, sheet=REGISTER_SHEET, value="施策番号",
            detail="「計画」シートに見出しの行（施策番号・KPI番号・部署 …）がありません。")]
    columns = {_HEADER_FIELDS[_text(v)]: j for j, v in enumerate(rows[header_at]) if _text(v) in _HEADER_FIELDS}
    findings: list[Finding] = []
    for needed in ("measure_id", "kpi_no", "department", "target"):
        if needed not in columns:
            findings.append(make_finding("missing-header", file=file, sheet=REGISTER_SHEET,
                                         value=dict((f, h) for f, h, _ in COLUMNS)[needed],
                                         detail="「計画」シートの見出しにこの列がありません。"))
    letters = {f: column_letter(j + 1) for f, j in columns.items()}
    records: list[KpiRecord] = []
    for i in range(header_at + 1, len(rows)):
        row = rows[i]
        values = {f: _text(row[j]) if j < len(row) else "" for f, j in columns.items()}
        if not any(values.values()):
            continue
        relisted = values.pop("relisted", "")
        direction = values.get("direction", "")
        values["direction"] = DIRECTIONS.get(direction, direction)
        values.pop("unit", None)
        rec = KpiRecord.from_mapping(values, Source(file, REGISTER_SHEET, i + 1, letters))
        rec.relisted = "1" if relisted and relisted not in ("0", "いいえ", "×") else "0"
        if rec.direction and rec.direction not in DIRECTION_LABELS:
            findings.append(make_finding("invalid-direction", record=rec, field="direction", value=direction))
            rec.direction = ""
        records.append(rec)
    register, problems = register_from_records(records, departments, plan_start=plan_start, plan_end=plan_end,
                                               origin=f"{file}の「{REGISTER_SHEET}」シート", file=file)
    return register, findings + problems
