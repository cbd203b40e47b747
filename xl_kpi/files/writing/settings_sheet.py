"""The 「設定」 sheet written: the template's version, the report's year and the plan period,
提出日時, the grading scheme and rounding, who publishes, the grade bands, the severities of the
tunable finding codes and the department list (the drop-down of every KPI sheet's 部署).
"""

from __future__ import annotations

from collections.abc import Mapping

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ...core.findings import SEVERITY_LABELS, entry
from ...core.fiscal import format_fiscal_year
from ...core.grading import SCHEME_LABELS
from ...core.rate import DECIMALS_LABELS, NO_LOWER_BOUND, ROUNDING_MODES, Rounding
from ..layout import ROUNDING_LABEL, SETTINGS_SHEET, SEVERITY_TABLE, TUNABLE_CODES, Settings
from ..reading.submitted import SETTINGS_LABEL as SUBMITTED_LABEL
from .styles import CellFormats

DEPARTMENT_LIST_NAME = "部署一覧"
SETTINGS_ROWS = ("様式", "報告年度", "計画最終年度")
CYCLE_ROWS = ("計画開始年度", "評価方式", ROUNDING_LABEL)
ROUNDING_CHOICES = tuple(Rounding(d, m).label for d in DECIMALS_LABELS for m in ROUNDING_MODES)
PUBLICATION_ROWS = ("全国地方公共団体コード", "地方公共団体名")


def write_settings_sheet(wb: xlsxwriter.Workbook, fmt: CellFormats, s: Settings) -> None:
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


def _severity_table(ws: Worksheet, fmt: CellFormats, top: int, overrides: Mapping[str, str]) -> int:
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
