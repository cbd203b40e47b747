"""One KPI sheet written in the official layout (a department's submission, the master's or the
public workbook's 取組状況): title, grouped headers, section rows, merged measure cells,
drop-downs, row heights and the print set-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from xlsxwriter.format import Format

from ...core.record import KpiRecord
from ...core.rules import Evaluation
from ..layout import (
    CHOICE,
    CODE,
    DIRECTION_CHOICES,
    LAYOUT,
    META,
    QUANTITY,
    RATE,
    VERSION_LABEL,
    Settings,
    SheetLayout,
    direction_heading,
    goal_heading,
    report_title,
)
from .fastsheet import FastWorkbook
from .row_plan import NumberCell, PlannedGroup, header_plan, plan_sheet
from .settings_sheet import DEPARTMENT_LIST_NAME
from .styles import CellFormats, wrapped_lines

PRINT_ROWS = 1_048_575  # a KPI sheet's print area: every row but the sheet's last (see print_columns)


# A blank template's example heading pair (the user guide's first section explains heading rows).
EXAMPLE_HEADINGS = (("goal", goal_heading("1", "（基本目標の名称。総合戦略の記載どおりに）")),
                    ("direction", direction_heading("ア", "（基本的方向の名称。総合戦略の記載どおりに）")))


class KpiSheetWriter:
    """Writes one KPI sheet (department submission or the master's 取組状況) in the layout."""

    def __init__(self, wb: FastWorkbook, fmt: CellFormats, name: str, settings: Settings,
                 layout: SheetLayout = LAYOUT, column_formats: bool = False):
        self.wb, self.fmt, self.settings, self.layout = wb, fmt, settings, layout
        # column_formats: a blank cell takes its column's style instead of being written (the
        # master's thousands of rows); rows above the header keep their own look.
        self.column_formats = column_formats
        self.ws = wb.add_worksheet(name)
        self.name = name
        self.row_of: dict[int, int] = {}  # id(record) → its 1-based row

    def style(self, kind: str):
        """The cell style of a column kind; a rate in the 設定's rounding (0% or 0.0%)."""
        name = _style_name(kind)
        number_format = self.settings.rounding.number_format
        return self.fmt.numbered(name, number_format) if kind == RATE and number_format != "0%" else self.fmt[name]

    # -- frame ---------------------------------------------------------------------------------
    def frame(self, info: str) -> None:
        ws, f, lay, s = self.ws, self.fmt, self.layout, self.settings
        last = lay.last_printed_col - 1
        ws.write_string(lay.title_row - 1, 0, report_title(s.year), f["title"])
        ws.write_string(lay.info_row - 1, 0, info, f["info"])
        ws.write_string(lay.info_row - 1, last, f"{VERSION_LABEL} {s.version}", f["version"])
        plain = f["info"] if self.column_formats else None
        ws.set_row(lay.title_row - 1, 22, plain)
        if plain is not None:
            ws.set_row(lay.info_row - 1, None, plain)
        g, h = lay.group_row - 1, lay.header_row - 1
        hp = header_plan(s.year, s.plan_end, lay)
        styles = [f["meta_header"] if i in hp.meta_cols else f["header"] for i in range(len(lay.columns))]
        merged_cells = set()
        for r0, c0, r1, c1 in hp.merges:
            ws.merge_range(g + r0, c0, g + r1, c1, (hp.group if r0 == 0 else hp.lower)[c0], styles[c0])
            merged_cells |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for k, texts in enumerate((hp.group, hp.lower)):
            for ci, text in enumerate(texts):
                if (k, ci) not in merged_cells:
                    ws.write_string(g + k, ci, text, styles[ci])
        ws.set_row(g, 18)
        ws.set_row(h, 50)
        for idx, c in enumerate(lay.columns):
            style = self.style(c.kind) if self.column_formats else None
            ws.set_column(idx, idx, c.width, style, {"hidden": False, "level": 1 if c.kind == META else 0})
        ws.freeze_panes(lay.first_data_row - 1, lay.col("kpi_no") - 1)
        # Print: A3 landscape, one page wide, header rows repeated, page numbers.
        ws.set_landscape()
        ws.set_paper(8)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(g, h)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer("&C&P / &N")

    def validations(self, first_row: int, last_row: int) -> None:
        ws, lay = self.ws, self.layout
        r0, r1 = first_row - 1, last_row - 1
        dc = lay.col("department") - 1
        ws.data_validation(r0, dc, r1, dc, {
            "validate": "list", "source": f"={DEPARTMENT_LIST_NAME}", "ignore_blank": True,
            "error_type": "warning", "error_title": "部署",
            "error_message": "設定シートの部署一覧から選んでください。"})
        vc = lay.col("direction") - 1
        ws.data_validation(r0, vc, r1, vc, {
            "validate": "list", "source": list(DIRECTION_CHOICES), "ignore_blank": True,
            "error_title": "指標の方向", "error_message": "「高いほど良い」か「低いほど良い」を選んでください。"})
        sc = lay.col("sdgs") - 1
        ws.data_validation(r0, sc, r1, sc, {
            "validate": "length", "criteria": "<=", "value": 60, "ignore_blank": True,
            "input_title": "SDGs", "input_message": "1～17の目標番号を「・」で区切って入力（例: 8・9）"})

    def print_area(self, last_row: int) -> None:
        self.ws.print_area(0, 0, max(last_row, self.layout.first_data_row) - 1,
                           self.layout.last_printed_col - 1)

    def print_columns(self) -> None:
        """Print the printed columns down to the last row in use: a print area down to the sheet's
        last rows (``$A$1:$T$1048575``), so rows a clerk adds are printed too (LibreOffice prints
        no empty page; tests/client/test_template_print.py), and the provenance columns never are. Not whole columns (``$A:$T``):
        openpyxl drops such a print area when it edits the file (feedback copies, a clerk's tools)."""
        self.ws.print_area(0, 0, PRINT_ROWS - 1, self.layout.last_printed_col - 1)

    def example_headings(self) -> int:
        """One example 【基本目標】/【基本的方向】 heading pair at the first data rows of a blank
        sheet (the rows under them need them: missing-section); returns the last row (1-based)."""
        top, last_col = self.layout.first_data_row - 1, self.layout.last_printed_col - 1
        for k, (kind, text) in enumerate(EXAMPLE_HEADINGS):
            self.ws.merge_range(top + k, 0, top + k, last_col, text, self.fmt[kind])
            self.ws.set_row(top + k, 20 if kind == "goal" else 16)
        return top + len(EXAMPLE_HEADINGS)

    # -- rows ----------------------------------------------------------------------------------
    def rows(self, records: Sequence[KpiRecord], computed: bool,
             evaluations: Mapping[int, Evaluation] | None = None) -> int:
        """Write section rows and records from the first data row; returns the last row written (1-based)."""
        ws, f, lay = self.ws, self.fmt, self.layout
        top = lay.first_data_row - 1
        last_col = lay.last_printed_col - 1
        plan, groups = plan_sheet(records, computed, lay, evaluations)
        for k, prow in enumerate(plan):
            if prow.record is not None:
                self.row_of[id(prow.record)] = top + k + 1
            if prow.kind != "data":
                ws.merge_range(top + k, 0, top + k, last_col, prow.values[0], f[prow.kind])
                ws.set_row(top + k, 20 if prow.kind == "goal" else 16)
        names = [_style_name(c.kind) for c in lay.columns]
        styles = [self.style(c.kind) for c in lay.columns]
        for g in groups:
            block = [plan[g.first_row + k].values for k in range(g.size)]
            row0 = top + g.first_row
            for ci in g.merged:
                ws.merge_range(row0, ci, row0 + g.size - 1, ci, block[0][ci], styles[ci])
            merged = set(g.merged)
            skip_blank = self.column_formats
            heights = _heights(block, g, lay)
            for k, values in enumerate(block):
                cells: list[tuple[int, object, Format | None]] = []
                for ci, v in enumerate(values):
                    if v == "":
                        v = None
                    if ci in merged or (skip_blank and v is None):
                        continue
                    if isinstance(v, NumberCell):  # typed as a number: the number, in the user's format
                        cells.append((ci, v.value, f.numbered(names[ci], v.number_format)))
                    else:
                        cells.append((ci, v, styles[ci]))
                ws.put_row(row0 + k, cells, height=heights[k])
        return top + len(plan)


def _heights(block: list[list[object]], g: PlannedGroup, lay: SheetLayout) -> list[float]:
    """Row heights for a measure group. Excel and LibreOffice do not grow rows for wrapped text
    in merged cells, so the lines each row needs are estimated from the text and column width."""
    merged = set(g.merged)
    printed = _printed_columns(lay)
    own = [(ci, w) for ci, w in printed if ci not in merged]
    need = []
    for v in block:
        lines = 1
        for ci, w in own:
            text = v[ci]
            if isinstance(text, str):
                lines = max(lines, wrapped_lines(text, w))
        need.append(lines)
    spans = [wrapped_lines(str(block[0][ci]), w) for ci, w in printed if ci in merged and isinstance(block[0][ci], str)]
    total = max(spans + [0])
    if total > sum(need):  # a merged cell needs more room than its rows give: share it out
        extra = total - sum(need)
        need = [n + extra // len(need) + (1 if k < extra % len(need) else 0) for k, n in enumerate(need)]
    return [LINE_HEIGHT * n + 3 for n in need]


@lru_cache(maxsize=8)
def _printed_columns(lay: SheetLayout) -> tuple[tuple[int, float], ...]:
    """(index, width) of the columns a sheet prints (all but the meta columns)."""
    return tuple((ci, c.width) for ci, c in enumerate(lay.columns) if c.kind != META)


LINE_HEIGHT = 11.5  # points per line of 9-point text


def _style_name(kind: str) -> str:
    return {QUANTITY: "quantity", RATE: "rate", CODE: "code", CHOICE: "code", META: "meta"}.get(kind, "text")
