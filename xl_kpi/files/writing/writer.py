"""Writing workbooks in the official layout: the template, department submissions and the master.

Written with XlsxWriter: text always as text (a cell starting with ``=`` never becomes a
formula), a value a department typed as a number as that number in its number format (so it
shows the text read from it), rates as numbers formatted ``0%`` (no formula, so every reader sees the values),
deterministic bytes for the same content (fixed zip timestamps and document dates), and every
look of the template — grouped headers, section rows, merged measure cells, drop-downs, widths,
frozen header, A3 landscape print set-up with repeated header rows — from :mod:`.layout`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from functools import lru_cache
from typing import ClassVar

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ...core.diff import Change
from ...core.evaluation import NOT_SUBMITTED, ReportContent
from ...core.findings import ERROR, INFO, SEVERITY_LABELS, WARNING, Finding, actionable_first, entry
from ...core.fiscal import format_fiscal_year
from ...core.grading import BANDS, SCHEME_LABELS
from ...core.merge import Submission
from ...core.presentation import (
    HEADER_COLOR,
    META_HEADER_COLOR,
    SEVERITY_COLORS,
    percent_cell,
    severity_counts,
)
from ...core.rate import DECIMALS_LABELS, NO_LOWER_BOUND, ROUNDING_MODES, GradeBands, Rounding
from ...core.record import KpiRecord
from ...core.register import PlanRegister
from ...core.rules import Evaluation
from ...core.summary import SummaryRow, below, by_department, by_goal, evaluated, summarize, total
from ..layout import (
    CHOICE,
    CODE,
    DIRECTION_CHOICES,
    FINDINGS_SHEET,
    LAYOUT,
    MASTER_SHEET,
    META,
    PUBLIC_LAYOUT,
    QUANTITY,
    RATE,
    ROUNDING_LABEL,
    SETTINGS_SHEET,
    SEVERITY_TABLE,
    STATUS_SHEET,
    SUMMARY_SHEET,
    TEMPLATE_VERSION,
    TUNABLE_CODES,
    VERSION_LABEL,
    Settings,
    SheetLayout,
    direction_heading,
    goal_heading,  # noqa: F401  (re-exported: writers take Settings)
    report_title,
    safe_sheet_name,
)
from ..reading.submitted import SETTINGS_LABEL as SUBMITTED_LABEL
from .fastsheet import FastWorkbook
from .history_sheet import track_counts_by, write_history_sheet, write_track_columns
from .register_sheet import write_register_sheet
from .row_plan import NumberCell, PlannedGroup, header_plan, plan_sheet

FONT = "MS PGothic"
FIXED_DATE = datetime(2020, 4, 1, tzinfo=timezone.utc)
EMPTY_TEMPLATE_ROWS = 150
SPARE_ROWS = 50
DEPARTMENT_LIST_NAME = "部署一覧"
PRINT_ROWS = 1_048_575  # a KPI sheet's print area: every row but the sheet's last (see print_columns)
# A blank template's example heading pair (the user guide's first section explains heading rows).
EXAMPLE_HEADINGS = (("goal", goal_heading("1", "（基本目標の名称。総合戦略の記載どおりに）")),
                    ("direction", direction_heading("ア", "（基本的方向の名称。総合戦略の記載どおりに）")))


@dataclass
class _Formats:
    wb: xlsxwriter.Workbook
    cache: dict[str, object] = field(default_factory=dict)

    SPECS: ClassVar[dict[str, dict[str, object]]] = {
        "title": {"bold": True, "font_size": 14},
        "info": {"font_size": 10},
        "version": {"font_size": 8, "font_color": "#808080", "align": "right"},
        "header": {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True,
                   "border": 1, "bg_color": HEADER_COLOR, "font_size": 9},
        "meta_header": {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True,
                        "border": 1, "bg_color": META_HEADER_COLOR, "font_size": 8, "font_color": "#595959"},
        "goal": {"bold": True, "bg_color": "#FCE4D6", "border": 1, "valign": "vcenter", "font_size": 10},
        "direction": {"bold": True, "bg_color": "#FFF2CC", "border": 1, "valign": "vcenter", "font_size": 9},
        "text": {"text_wrap": True, "valign": "top", "border": 1, "font_size": 9},
        "code": {"text_wrap": True, "align": "center", "valign": "top", "border": 1, "font_size": 9},
        "quantity": {"text_wrap": True, "valign": "top", "border": 1, "font_size": 9},
        "rate": {"num_format": "0%", "align": "center", "valign": "top", "border": 1, "font_size": 9},
        "meta": {"font_size": 8, "font_color": "#808080", "valign": "top", "border": 1},
        "table_header": {"bold": True, "bg_color": HEADER_COLOR, "border": 1, "text_wrap": True,
                         "valign": "vcenter", "font_size": 10},
        "cell": {"border": 1, "valign": "top", "text_wrap": True, "font_size": 10},
        "error": {"border": 1, "valign": "top", "font_size": 10, "bg_color": SEVERITY_COLORS[ERROR]},
        "warning": {"border": 1, "valign": "top", "font_size": 10, "bg_color": SEVERITY_COLORS[WARNING]},
        "info_sev": {"border": 1, "valign": "top", "font_size": 10, "bg_color": SEVERITY_COLORS[INFO]},
        "label": {"bold": True, "font_size": 10, "border": 1, "bg_color": "#EDEDED"},
        "pct": {"num_format": "0%", "border": 1, "font_size": 10},
        "plain": {"border": 1, "font_size": 10},
        "hash": {"border": 1, "font_size": 7, "font_name": "Courier New"},
        "overflow": {"font_size": 10},
        "link": {"font_color": "#0563C1", "underline": 1, "border": 1, "font_size": 10},
        "baseline_value": {"border": 1, "valign": "top", "text_wrap": True, "font_size": 10, "italic": True,
                           "font_color": "#595959"},
        "on_track": {"border": 1, "valign": "top", "font_size": 10, "bg_color": "#C6EFCE"},
        "off_track": {"border": 1, "valign": "top", "font_size": 10, "bg_color": "#FFC7CE"},
    }

    def __getitem__(self, name: str):
        if name not in self.cache:
            spec: dict[str, object] = {"font_name": FONT, **self.SPECS[name]}
            self.cache[name] = self.wb.add_format(spec)
        return self.cache[name]

    def numbered(self, name: str, num_format: str):
        """Style ``name`` showing numbers in ``num_format`` (a format code as the user set it)."""
        key = f"{name}\x00{num_format}"
        if key not in self.cache:
            self.cache[key] = self.wb.add_format({"font_name": FONT, **self.SPECS[name], "num_format": num_format})
        return self.cache[key]


def _new_workbook(target: io.BytesIO, created: datetime | None, in_memory: bool = True) -> FastWorkbook:
    """``in_memory=False`` (the master): XlsxWriter assembles each part in a temporary file, not
    all of them in memory at once before zipping (a 200-file master: 85 MB less at its peak)."""
    wb = FastWorkbook(target, {
        "in_memory": in_memory,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    })
    when = created or FIXED_DATE
    wb.set_properties({"title": "総合戦略 KPI 取組状況", "author": "xl-kpi", "created": when,
                       "comments": f"{VERSION_LABEL} {TEMPLATE_VERSION}"})
    wb.set_calc_mode("auto")
    return wb


class KpiSheetWriter:
    """Writes one KPI sheet (department submission or the master's 取組状況) in the layout."""

    def __init__(self, wb: FastWorkbook, fmt: _Formats, name: str, settings: Settings,
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
        name = _style(kind)
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
        names = [_style(c.kind) for c in lay.columns]
        styles = [self.style(c.kind) for c in lay.columns]
        for g in groups:
            block = [plan[g.first_row + k].values for k in range(g.size)]
            row0 = top + g.first_row
            for ci in g.merged:
                ws.merge_range(row0, ci, row0 + g.size - 1, ci, block[0][ci], styles[ci])
            merged = set(g.merged)
            skip_blank = self.column_formats
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
                ws.put_row(row0 + k, cells)
            for k, height in enumerate(_heights(block, g, lay)):
                ws.set_row(row0 + k, height)
        return top + len(plan)


def _heights(block: list[list[object]], g: PlannedGroup, lay: SheetLayout) -> list[float]:
    """Row heights for a measure group. Excel and LibreOffice do not grow rows for wrapped text
    in merged cells, so the lines each row needs are estimated from the text and column width."""
    printed = [(ci, c.width) for ci, c in enumerate(lay.columns) if c.kind != META]
    merged = set(g.merged)
    need = [max([1] + [_lines(str(v[ci]), w) for ci, w in printed if ci not in merged and isinstance(v[ci], str)])
            for v in block]
    spans = [_lines(str(block[0][ci]), w) for ci, w in printed if ci in merged and isinstance(block[0][ci], str)]
    total = max(spans + [0])
    if total > sum(need):  # a merged cell needs more room than its rows give: share it out
        extra = total - sum(need)
        need = [n + extra // len(need) + (1 if k < extra % len(need) else 0) for k, n in enumerate(need)]
    return [LINE_HEIGHT * n + 3 for n in need]


LINE_HEIGHT = 11.5  # points per line of 9-point text


# The wrapped-line estimate's factors (as they were): a CJK character counts 1 + WIDE_EXTRA
# Latin characters, and the body text's width is FONT_SCALE of the column unit.
WIDE_EXTRA = 0.85
FONT_SCALE = 0.95


@lru_cache(maxsize=65_536)
def _lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column of `width` character units (CJK counts ~double)."""
    if not text:
        return 1
    per_line = max(width - 1.0, 1.0)
    lines = 0
    for para in text.split("\n"):
        # UTF-8 length tells wide characters apart without a Python loop: CJK takes 3 bytes.
        wide = (len(para.encode("utf-8")) - len(para)) / 2
        units = (len(para) + WIDE_EXTRA * wide) * FONT_SCALE
        lines += max(1, -int(-units // per_line))
    return lines


def _style(kind: str) -> str:
    return {QUANTITY: "quantity", RATE: "rate", CODE: "code", CHOICE: "code", META: "meta"}.get(kind, "text")


SETTINGS_ROWS = ("様式", "報告年度", "計画最終年度")
CYCLE_ROWS = ("計画開始年度", "評価方式", ROUNDING_LABEL)
ROUNDING_CHOICES = tuple(Rounding(d, m).label for d in DECIMALS_LABELS for m in ROUNDING_MODES)
PUBLICATION_ROWS = ("全国地方公共団体コード", "地方公共団体名")


def _settings_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, s: Settings) -> None:
    ws = wb.add_worksheet(SETTINGS_SHEET)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 22)  # codes of 指摘の重要度 and department names
    ws.set_column(2, 3, 14)
    ws.write_string(0, 0, "設定", fmt["title"])
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    values = (s.version, format_fiscal_year(s.year, ""), format_fiscal_year(s.plan_end, ""))
    for i, (k, v) in enumerate(zip(SETTINGS_ROWS, values), start=2):
        ws.write_string(i, 0, k, fmt["label"])
        ws.write_string(i, 1, v, fmt["cell"])
    # 提出日時: the 提出日時の記入 button (or the clerk) fills it just before submitting (orders two submissions of a department)
    ws.write_string(5, 0, SUBMITTED_LABEL, fmt["label"])
    ws.write_blank(5, 1, None, fmt["cell"])
    ws.data_validation(5, 1, 5, 1, {"validate": "any", "input_title": SUBMITTED_LABEL,
                                    "input_message": "提出の直前に「提出日時の記入」ボタンで記入します"
                                                     "（手入力の例: 2021/5/10 9:30）"})
    # the yearly cycle's settings below it, so every cell above keeps its address
    for i, (k, v) in enumerate(zip(CYCLE_ROWS, (format_fiscal_year(s.plan_start, ""), SCHEME_LABELS[s.scheme],
                                                s.rounding.label)), start=6):
        ws.write_string(i, 0, k, fmt["label"])
        ws.write_string(i, 1, v, fmt["cell"])
    # who publishes the report (xl-kpi publish)
    for i, (k, v) in enumerate(zip(PUBLICATION_ROWS, (s.city_code, s.city_name)), start=6 + len(CYCLE_ROWS)):
        ws.write_string(i, 0, k, fmt["label"])
        if v:  # a code typed as a number is read back with its zeros
            ws.write_string(i, 1, v, fmt["cell"])
        else:
            ws.write_blank(i, 1, None, fmt["cell"])
    code_row = 6 + len(CYCLE_ROWS)
    ws.data_validation(code_row, 1, code_row, 1, {
        "validate": "any", "input_title": PUBLICATION_ROWS[0],
        "input_message": "公表する団体の6桁のコード（検査数字つき。例: 富山市 162019）。xl-kpi publish が使います"})
    scheme_row = 6 + CYCLE_ROWS.index("評価方式")
    ws.data_validation(scheme_row, 1, scheme_row, 1, {
        "validate": "list", "source": list(SCHEME_LABELS.values()), "error_title": "評価方式",
        "error_message": "一覧から評価方式を選んでください。",
        "input_title": "評価方式", "input_message": "集計・レポート・=KPI_GRADE() の評価に使います"})
    rounding_row = 6 + CYCLE_ROWS.index(ROUNDING_LABEL)
    ws.data_validation(rounding_row, 1, rounding_row, 1, {
        "validate": "list", "source": list(ROUNDING_CHOICES), "error_title": ROUNDING_LABEL,
        "error_message": "一覧から達成率の表示（桁数と丸め方）を選んでください。",
        "input_title": ROUNDING_LABEL, "input_message": "達成率の桁数（整数・小数第1位）と丸め方（四捨五入・切り捨て）。"
                                                        "マスター・集計・レポート・評価が従います"})
    bands_row = code_row + len(PUBLICATION_ROWS) + 1
    ws.write_string(bands_row, 0, "評価区分", fmt["label"])
    for j, h in enumerate(("下限（%以上）", "評価", "記号")):
        ws.write_string(bands_row, j + 1, h, fmt["table_header"])
    for i, (low, letter, symbol) in enumerate(s.bands.bands):
        r = bands_row + 1 + i
        if low > NO_LOWER_BOUND:
            ws.write_number(r, 1, low, fmt["cell"])
        else:
            ws.write_string(r, 1, "それ以外", fmt["cell"])
        ws.write_string(r, 2, letter, fmt["cell"])
        ws.write_string(r, 3, symbol, fmt["cell"])
    first = _severity_table(ws, fmt, bands_row + 2 + len(s.bands.bands), s.severities)
    ws.write_string(first, 0, "部署一覧", fmt["label"])
    for i, d in enumerate(s.departments):
        ws.write_string(first + 1 + i, 1, d, fmt["cell"])
    last = first + max(len(s.departments), 1) + 30  # room to add departments
    wb.define_name(DEPARTMENT_LIST_NAME, f"='{SETTINGS_SHEET}'!$B${first + 2}:$B${last}")


def _severity_table(ws: Worksheet, fmt: _Formats, top: int, overrides: Mapping[str, str]) -> int:
    """The 指摘の重要度 table at row `top` (0-based): a code per row, its severity (エラー/警告/情報)
    and its title; returns the first row after it (and a blank row)."""
    ws.write_string(top, 0, SEVERITY_TABLE, fmt["label"])
    for j, h in enumerate(("コード", "重要度", "内容")):
        ws.write_string(top, j + 1, h, fmt["table_header"])
    codes = list(dict.fromkeys([*TUNABLE_CODES, *overrides]))
    for i, code in enumerate(codes, start=top + 1):
        ws.write_string(i, 1, code, fmt["cell"])
        ws.write_string(i, 2, SEVERITY_LABELS[overrides.get(code, entry(code).severity)], fmt["cell"])
        ws.write_string(i, 3, entry(code).title, fmt["plain"])
    ws.data_validation(top + 1, 2, top + len(codes), 2, {
        "validate": "list", "source": list(SEVERITY_LABELS.values()), "ignore_blank": True,
        "error_title": SEVERITY_TABLE, "error_message": "エラー・警告・情報から選んでください。"})
    return top + len(codes) + 2


def build_template(settings: Settings, department: str | None = None,
                   records: Sequence[KpiRecord] = (), layout: SheetLayout = LAYOUT,
                   register: PlanRegister | None = None) -> bytes:
    """The official template (one department sheet, empty or pre-filled) and its 設定 sheet.

    ``layout``: :data:`~.layout.ROLLOVER_LAYOUT` for next year's submissions (with 前年度実績).
    ``register``: the department's part of the plan, written as a 「計画」 sheet so that checking
    the workbook (``xl-kpi validate``, the ribbon, the server) compares it with the plan."""
    buf = io.BytesIO()
    wb = _new_workbook(buf, None)
    fmt = _Formats(wb)
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
        write_register_sheet(wb, fmt, register, _lines)
    _settings_sheet(wb, fmt, settings)
    wb.close()
    return buf.getvalue()


def build_master(settings: Settings, content: ReportContent, *, created: datetime | None = None) -> bytes:
    """The master 取組状況 workbook laid out from one evaluation (:func:`~xl_kpi.core.evaluation.evaluate_report`):
    rows with their rates, 集計, 推移, チェック結果, 提出状況, 計画 and 設定. Nothing is computed here."""
    buf = io.BytesIO()
    wb = _new_workbook(buf, created, in_memory=False)
    fmt = _Formats(wb)
    w = KpiSheetWriter(wb, fmt, MASTER_SHEET, settings, column_formats=True)
    w.frame("全庁（各部署の提出を統合）")
    records, evaluations = content.records, content.evaluations
    last = w.rows(records, computed=True, evaluations=evaluations)
    w.validations(LAYOUT.first_data_row, max(last, LAYOUT.first_data_row))
    w.print_area(last)
    w.ws.activate()
    _summary_sheet(wb, fmt, records, settings, w.row_of, evaluations, content.tracks)
    write_history_sheet(wb, fmt, content.histories, settings, content.projections, _lines)
    _findings_sheet(wb, fmt, content.findings)
    _status_sheet(wb, fmt, content.status, content.findings)
    write_register_sheet(wb, fmt, content.register, _lines)
    _settings_sheet(wb, fmt, settings)
    wb.close()
    return buf.getvalue()


def build_plan(settings: Settings, register: PlanRegister) -> bytes:
    """A plan workbook: the 「計画」 sheet and 設定 (``import-csv`` and ``rollover`` write it beside
    the departments' workbooks; the first merge of a year takes its plan from it)."""
    buf = io.BytesIO()
    wb = _new_workbook(buf, None)
    fmt = _Formats(wb)
    write_register_sheet(wb, fmt, register, _lines)
    _settings_sheet(wb, fmt, settings)
    wb.close()
    return buf.getvalue()


def build_public(settings: Settings, content: ReportContent, organisation: str = "") -> bytes:
    """The 公開用 workbook a city publishes: 取組状況 (every KPI, in the template's look, without the
    provenance columns) and 集計, and no other sheet — no 設定, チェック結果, 提出状況, 推移 or 計画.

    ``content``: the master's rows and the projections of its 「推移」, for 集計's 見込み columns
    (:func:`~xl_kpi.core.evaluation.evaluate_master`)."""
    buf = io.BytesIO()
    wb = _new_workbook(buf, None)
    wb.set_properties({"title": report_title(settings.year), "author": organisation or "xl-kpi",
                       "created": FIXED_DATE, "comments": f"{VERSION_LABEL} {TEMPLATE_VERSION}"})
    fmt = _Formats(wb)
    w = KpiSheetWriter(wb, fmt, MASTER_SHEET, settings, PUBLIC_LAYOUT)
    w.frame(organisation)
    records, evaluations = content.records, content.evaluations
    last = w.rows(records, computed=True, evaluations=evaluations)
    w.print_area(last)
    w.ws.activate()
    _summary_sheet(wb, fmt, records, settings, w.row_of, evaluations, content.tracks)
    wb.close()
    return buf.getvalue()


SUMMARY_HEADERS = ("KPI数", "計算不可", "達成率の中央値")
SUMMARY_FIRST_WIDTH, SUMMARY_WIDTH = 22, 10  # 集計's column widths: labels, then counts
SUMMARY_CHART_ROWS = 17  # rows the chart under the goal table takes (280 px) and a blank row
LINKS_MAX = 1_000  # links to 取組状況 rows in 集計's list (Excel keeps at most 65,530 a sheet); the rest name the row


def _summary_table(ws: Worksheet, fmt: _Formats, top: int, title: str, rows: list[SummaryRow],
                   bands: GradeBands, rounding: Rounding) -> tuple[int, int]:
    """A summary table at `top` (0-based); returns (first data row, last data row) 0-based."""
    letters = bands.letters
    ws.write_string(top, 0, title, fmt["label"])
    headers = ["区分", SUMMARY_HEADERS[0], *[f"{letter}（{sym}）" for _, letter, sym in bands.bands], *SUMMARY_HEADERS[1:]]
    for j, h in enumerate(headers):
        ws.write_string(top + 1, j, h, fmt["table_header"])
    for i, row in enumerate(rows, start=top + 2):
        ws.write_string(i, 0, row.label, fmt["cell"])
        ws.write_number(i, 1, row.kpis, fmt["cell"])
        for j, letter in enumerate(letters, start=2):
            ws.write_number(i, j, row.bands.get(letter, 0), fmt["cell"])
        ws.write_number(i, 2 + len(letters), row.not_computable, fmt["cell"])
        if row.median is not None:
            ws.write_number(i, 3 + len(letters), percent_cell(row.median, rounding),
                            fmt.numbered("pct", rounding.number_format))
        else:
            ws.write_string(i, 3 + len(letters), "-", fmt["cell"])
    return top + 2, top + 1 + len(rows)


def _summary_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, records: Sequence[KpiRecord],
                   settings: Settings, row_of: dict[int, int],
                   evaluations: Mapping[int, Evaluation] | None = None,
                   tracks: Mapping[tuple[str, str], str] | None = None) -> None:
    ws = wb.add_worksheet(SUMMARY_SHEET)
    scheme = settings.grading()
    bands = scheme.table
    items = evaluated(records, bands, evaluations, scheme=scheme if scheme.name != BANDS else None)
    ws.set_column(0, 0, SUMMARY_FIRST_WIDTH)
    ws.set_column(1, 12, SUMMARY_WIDTH)
    ws.write_string(0, 0, f"集計（{format_fiscal_year(settings.year) if settings.year else ''}）", fmt["title"])
    goals = summarize(items, by_goal, bands)
    first, last = _summary_table(ws, fmt, 2, "基本目標別", [*goals, total(items, bands)], bands, settings.rounding)
    track_col = 4 + len(bands.letters)
    if tracks is not None:
        write_track_columns(ws, fmt, 3, [*goals, total(items, bands)], track_counts_by(items, tracks, by_goal),
                            track_col, settings)
    chart = wb.add_chart({"type": "bar", "subtype": "stacked"})
    colors = ["#2E75B6", "#70AD47", "#FFC000", "#C00000", "#7F7F7F"]
    for j in range(len(bands.bands)):
        chart.add_series({
            "name": [SUMMARY_SHEET, first - 1, 2 + j],
            "categories": [SUMMARY_SHEET, first, 0, first + len(goals) - 1, 0],
            "values": [SUMMARY_SHEET, first, 2 + j, first + len(goals) - 1, 2 + j],
            "fill": {"color": colors[j % len(colors)]},
        })
    chart.set_title({"name": "基本目標別の達成状況（KPI数）"})
    chart.set_x_axis({"name": "KPI数"})
    chart.set_legend({"position": "bottom"})
    # The chart under the goal table, as wide as the tables, so the printed page is filled
    # across (beside them it made the page twice as wide and the tables small in one corner).
    last_col = track_col + 2 if tracks is not None else 3 + len(bands.letters)
    chart.set_size({"width": int(SUMMARY_FIRST_WIDTH * 7 + 5 + (last_col) * (SUMMARY_WIDTH * 7 + 5)), "height": 280})
    ws.insert_chart(last + 2, 0, chart)
    depts = summarize(items, by_department, bands)
    d_top = last + 2 + SUMMARY_CHART_ROWS
    _, d_last = _summary_table(ws, fmt, d_top, "部署別", depts, bands, settings.rounding)
    if tracks is not None:
        write_track_columns(ws, fmt, d_top + 1, depts, track_counts_by(items, tracks, by_department),
                            track_col, settings)
    low = below(items)
    top = d_last + 3
    ws.write_string(top, 0, f"達成率50%未満のKPI（{len(low)}件）", fmt["label"])
    # 施策番号 | KPI | 達成率 | 取組状況の行 (link) | 部署 | 項目 (its text runs over the empty
    # columns to its right), one line a KPI; no merged cells, so thousands of rows stay cheap.
    for j, h in enumerate(("施策番号", "KPI", "達成率", "取組状況の行", "部署", "項目")):
        ws.write_string(top + 1, j, h, fmt["table_header"])
    for i, it in enumerate(low, start=top + 2):
        r = it.record
        ws.write_string(i, 0, r.measure_id, fmt["cell"])
        ws.write_string(i, 1, r.kpi_no, fmt["cell"])
        ws.write_number(i, 2, percent_cell(it.rate.value or Decimal(0), settings.rounding),  # computable only
                        fmt.numbered("pct", settings.rounding.number_format))
        row = row_of.get(id(r))
        if row and i - top - 2 < LINKS_MAX:
            ws.write_url(i, 3, f"internal:'{MASTER_SHEET}'!A{row}", fmt["link"], string=f"{row}行目へ")
        elif row:
            ws.write_string(i, 3, f"{row}行目", fmt["cell"])
        else:
            ws.write_blank(i, 3, None, fmt["cell"])
        ws.write_string(i, 4, r.submitted_by or r.owner, fmt["plain"])
        ws.write_string(i, 5, r.kpi_item, fmt["overflow"])
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.print_area(0, 0, max(top + 1 + len(low), d_last), last_col)
    ws.center_horizontally()
    ws.repeat_rows(0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.set_footer("&C集計 &P / &N")


FINDING_COLUMNS = (("code", "コード", 22), ("severity", "重要度", 8), ("location", "場所", 26),
                   ("file", "ファイル", 18), ("measure_id", "施策番号", 8), ("kpi_no", "KPI", 5),
                   ("field", "項目", 12), ("value", "値", 24), ("message", "内容", 70))


FINDINGS_PER_GROUP = 20     # rows per code, severity and sheet before the rest share one row
CELLS_LISTED = 60           # cells named in that row


def finding_rows(findings: Sequence[Finding]) -> list[dict[str, str]]:
    """The rows of 「チェック結果」: every finding, except that a code repeated on one sheet (the
    same mistake down a column) shows its first FINDINGS_PER_GROUP findings and then one row
    with the count and the cells of the rest."""
    from ...core.record import FIELD_LABELS
    rows: list[dict[str, str]] = []
    rest: dict[tuple[str, str, str, str], list[Finding]] = {}
    seen: dict[tuple[str, str, str, str], int] = {}
    for f in findings:
        key = (f.code, f.severity, f.file, f.sheet)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > FINDINGS_PER_GROUP:
            rest.setdefault(key, []).append(f)
            continue
        row = f.to_dict()
        row["severity"] = SEVERITY_LABELS[f.severity]
        row["field"] = FIELD_LABELS.get(f.field, f.field)
        rows.append(row)
    for (code, severity, file, sheet), more in rest.items():
        cells = [x.cell for x in more if x.cell]
        listed = "、".join(cells[:CELLS_LISTED]) + ("…" if len(cells) > CELLS_LISTED else "")
        rows.append({"code": code, "severity": SEVERITY_LABELS[severity], "file": file,
                     "location": f"{file}［{sheet}］ {listed}".strip(),
                     "message": f"上と同じ指摘がほかに{len(more)}件あります（{listed or file}）。"
                                f"最初の{FINDINGS_PER_GROUP}件と同じように直してください。"})
    return rows


def _findings_sheet(wb: FastWorkbook, fmt: _Formats, findings: Sequence[Finding]) -> None:
    ws = wb.add_worksheet(FINDINGS_SHEET)
    for j, (_, h, width) in enumerate(FINDING_COLUMNS):
        ws.write_string(0, j, h, fmt["table_header"])
        ws.set_column(j, j, width, fmt["cell"])
    sev_fmt = {SEVERITY_LABELS[key]: fmt[name] for key, name in
               (("error", "error"), ("warning", "warning"), ("info", "info_sev"))}
    rows = finding_rows(actionable_first(findings))
    for i, row in enumerate(rows, start=1):
        lines = 1
        cells: list[tuple[int, object, Format | None]] = []
        for j, (key, _, width) in enumerate(FINDING_COLUMNS):
            text = str(row.get(key, ""))
            if key == "severity":
                cells.append((j, text, sev_fmt[text]))
            elif text:  # a blank cell shows its column's style
                cells.append((j, text, fmt["cell"]))
            lines = max(lines, _lines(text, width))
        ws.put_row(i, cells)
        # LibreOffice and Excel do not grow rows for wrapped text written by a program: set them.
        ws.set_row(i, TABLE_LINE_HEIGHT * lines + 3)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(FINDING_COLUMNS) - 1)
    _print_table(ws)


STATUS_COLUMNS = (("部署", 14), ("ファイル", 28), ("シート", 14), ("SHA-256", 53), ("更新日時", 27),
                  ("行数", 6), ("エラー", 7), ("警告", 7), ("情報", 7), ("状況", 8), ("未提出のKPI", 40))
TABLE_LINE_HEIGHT = 13.0  # points per line of 10-point text


def _print_table(ws: Worksheet, landscape: bool = True) -> None:
    """A table sheet printed on A4, one page wide, its header row on every page."""
    if landscape:
        ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.set_footer("&C&A &P / &N")


def _status_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, submissions: Sequence[Submission],
                  findings: Sequence[Finding]) -> None:
    ws = wb.add_worksheet(STATUS_SHEET)
    for j, (h, width) in enumerate(STATUS_COLUMNS):
        ws.write_string(0, j, h, fmt["table_header"])
        ws.set_column(j, j, width)
    per_sheet: dict[tuple[str, str], dict[str, int]] = {}
    for f in findings:
        c = per_sheet.setdefault((f.file, f.sheet), severity_counts())
        c[f.severity] += 1
    for i, s in enumerate(submissions, start=1):
        counts = severity_counts()
        for sheet in {s.sheet, ""}:
            for k, v in per_sheet.get((s.file, sheet), {}).items():
                counts[k] += v
        for j, text in enumerate((s.department, s.file, s.sheet, s.sha256, s.modified)):
            ws.write_string(i, j, text, fmt["hash" if j == 3 else "plain"])
        for j, n in enumerate((len(s.records), counts["error"], counts["warning"], counts["info"]), start=5):
            ws.write_number(i, j, n, fmt["plain"])
        ws.write_string(i, 9, s.state, fmt["error" if s.state == NOT_SUBMITTED else
                                           "warning" if s.missing else "plain"])
        ws.write_string(i, 10, "、".join(s.missing), fmt["plain"])
    ws.freeze_panes(1, 0)
    _print_table(ws)



DIFF_COLUMNS = (("種類", 12), ("施策番号", 9), ("KPI", 5), ("項目", 16), ("変更前", 40), ("変更後", 40))


def build_diff(changes: Sequence[Change], old_name: str, new_name: str) -> bytes:
    """The changes between two masters as a workbook (one row a change)."""
    from ...core.diff import KINDS
    from ...core.record import FIELD_LABELS
    buf = io.BytesIO()
    wb = _new_workbook(buf, None)
    fmt = _Formats(wb)
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
