"""The 「集計」 sheet: grade counts by 基本目標 and by 部署 (with on/off track from 推移), a chart,
and the KPIs below 50 % linked to their rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ...core.fiscal import format_fiscal_year
from ...core.grading import BANDS
from ...core.presentation import percent_cell
from ...core.rate import GradeBands, Rounding
from ...core.record import KpiRecord
from ...core.rules import Evaluation
from ...core.summary import SummaryRow, below, by_department, by_goal, evaluated, summarize, total
from ..layout import MASTER_SHEET, SUMMARY_SHEET, Settings
from .history_sheet import track_counts_by, write_track_columns
from .styles import CellFormats

SUMMARY_HEADERS = ("KPI数", "計算不可", "達成率の中央値")
SUMMARY_FIRST_WIDTH, SUMMARY_WIDTH = 22, 10  # 集計's column widths: labels, then counts
SUMMARY_CHART_ROWS = 17  # rows the chart under the goal table takes (280 px) and a blank row
LINKS_MAX = 1_000  # links to 取組状況 rows in 集計's list (Excel keeps at most 65,530 a sheet); the rest name the row


def _write_grade_count_table(ws: Worksheet, fmt: CellFormats, top: int, title: str, rows: list[SummaryRow],
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


def write_summary_sheet(wb: xlsxwriter.Workbook, fmt: CellFormats, records: Sequence[KpiRecord],
                   settings: Settings, row_of: dict[int, int],
                   evaluations: Mapping[int, Evaluation] | None = None,
                   tracks: Mapping[tuple[str, str], str] | None = None, ws: Worksheet | None = None) -> None:
    """「集計」 written (into ``ws``, the sheet added for it earlier, else a new one)."""
    ws = ws if ws is not None else wb.add_worksheet(SUMMARY_SHEET)
    scheme = settings.grading()
    bands = scheme.table
    items = evaluated(records, bands, evaluations, scheme=scheme if scheme.name != BANDS else None)
    ws.set_column(0, 0, SUMMARY_FIRST_WIDTH)
    ws.set_column(1, 12, SUMMARY_WIDTH)
    ws.write_string(0, 0, f"集計（{format_fiscal_year(settings.year) if settings.year else ''}）", fmt["title"])
    goals = summarize(items, by_goal, bands)
    first, last = _write_grade_count_table(ws, fmt, 2, "基本目標別", [*goals, total(items, bands)], bands, settings.rounding)
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
    _, d_last = _write_grade_count_table(ws, fmt, d_top, "部署別", depts, bands, settings.rounding)
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
    cell, pct, plain, overflow = fmt["cell"], fmt.numbered("pct", settings.rounding.number_format), fmt["plain"], fmt["overflow"]
    for i, it in enumerate(low, start=top + 2):
        r = it.record
        # the cells in the order they are written (the shared strings are numbered in that order)
        ws.put_row(i, [(0, r.measure_id, cell), (1, r.kpi_no, cell),
                       (2, percent_cell(it.rate.value or Decimal(0), settings.rounding), pct)])  # computable only
        row = row_of.get(id(r))
        if row and i - top - 2 < LINKS_MAX:
            ws.write_url(i, 3, f"internal:'{MASTER_SHEET}'!A{row}", fmt["link"], string=f"{row}行目へ")
        else:
            ws.put_row(i, [(3, f"{row}行目" if row else None, cell)])
        ws.put_row(i, [(4, r.submitted_by or r.owner, plain), (5, r.kpi_item, overflow)])
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.print_area(0, 0, max(top + 1 + len(low), d_last), last_col)
    ws.center_horizontally()
    ws.repeat_rows(0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.set_footer("&C集計 &P / &N")
