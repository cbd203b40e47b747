"""The master's 「推移」 sheet: one row per KPI, one pair of columns (値, 達成率) per fiscal year,
then the projection to the plan's final year and on/off track.

Written with XlsxWriter by :func:`write_history_sheet` (called by the master writer); read back by
:func:`histories_from_rows` from plain cell values, matching headers by their text so a sheet staff
have sorted, filtered or widened still carries its years forward.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ...core.errors import InputError
from ...core.fiscal import format_fiscal_year, parse_reporting_year
from ...core.history import (
    OFF_TRACK,
    ON_TRACK,
    TRACK_LABELS,
    UNKNOWN,
    KpiHistory,
    Projection,
    YearPoint,
    history_years,
    shown_values,
)
from ...core.presentation import percent_cell
from ...core.rate import parse_rate
from ...core.record import KpiRecord, value_text
from ...core.summary import Evaluated, SummaryRow
from ...core.yearly import history_key
from ..layout import HISTORY_SHEET, Settings, squash
from .fastsheet import FastWorkbook
from .two_processes import SheetRows

FIXED = (("measure_id", "施策番号", 8), ("kpi_no", "No.", 4.5), ("kpi_item", "項目", 28), ("department", "部署", 12),
         ("baseline", "基準値", 14), ("target", "目標値", 14))
VALUE, RATE = "値", "達成率"
PROJECTED, TRACK, REASON = "見込み", "判定", "見込みの根拠"
TITLE_ROW, GROUP_ROW, HEADER_ROW = 0, 2, 3  # 0-based
TRACK_STYLE = {"on-track": "on_track", "off-track": "off_track", "unknown": "cell"}


LINE_HEIGHT = 13.0  # points per line of the 10-point table text


def write_history_sheet(wb: FastWorkbook, fmt, histories: Sequence[KpiHistory], settings: Settings,
                        projections: Mapping[tuple[str, str], Projection],
                        lines: Callable[[str, float], int] = lambda text, width: 1) -> None:
    """Add 「推移」 to an XlsxWriter workbook, each history with its projection (``projections``, computed by the evaluation).

    ``lines(text, width)``: how many lines a wrapped text takes in a column (the writer's estimate):
    Excel and LibreOffice do not grow rows for text a program wrote, so each row's height is set."""
    _, write_rows = history_sheet(wb, fmt, histories, settings, projections, lines)
    write_rows()


def history_sheet(wb: FastWorkbook, fmt, histories: Sequence[KpiHistory], settings: Settings,
                  projections: Mapping[tuple[str, str], Projection],
                  lines: Callable[[str, float], int] = lambda text, width: 1) -> SheetRows:
    """「推移」 added with its titles, headers and print set-up (as :func:`write_history_sheet`), and
    the function that writes its rows (the master's are written in a second process)."""
    ws = wb.add_worksheet(HISTORY_SHEET)
    years = history_years(histories, settings.year)
    ws.write_string(TITLE_ROW, 0, f"KPIの推移（{format_fiscal_year(years[0])}～{format_fiscal_year(years[-1])}）",
                    fmt["title"])
    ws.write_string(TITLE_ROW + 1, 0, f"値は各年度末時点（基準値はその年度に表示）。見込みは、最初の比べられる値（基準値、"
                    f"累計なら計画開始前の0）から最新の値までの年平均の変化が続いた場合の{format_fiscal_year(settings.plan_end)}"
                    "末の値（目標値の単位・桁で表示。数や額は0未満、割合は100%超にならない）。", fmt["info"])
    for j, (_, header, width) in enumerate(FIXED):
        ws.merge_range(GROUP_ROW, j, HEADER_ROW, j, header, fmt["table_header"])
        ws.set_column(j, j, width)
    col = len(FIXED)
    for y in years:
        ws.merge_range(GROUP_ROW, col, GROUP_ROW, col + 1, format_fiscal_year(y), fmt["table_header"])
        ws.write_string(HEADER_ROW, col, VALUE, fmt["table_header"])
        ws.write_string(HEADER_ROW, col + 1, RATE, fmt["table_header"])
        ws.set_column(col, col, 12)
        ws.set_column(col + 1, col + 1, 7)
        col += 2
    tail = (f"{PROJECTED}（{format_fiscal_year(settings.plan_end)}末）", TRACK, REASON)
    for j, (heading, width) in enumerate(zip(tail, (12, 8, 40))):
        ws.merge_range(GROUP_ROW, col + j, HEADER_ROW, col + j, heading, fmt["table_header"])
        ws.set_column(col + j, col + j, width)
    ws.set_row(GROUP_ROW, 2 * LINE_HEIGHT + 3)
    ws.set_row(HEADER_ROW, LINE_HEIGHT + 3)
    ws.freeze_panes(HEADER_ROW + 1, 3)
    ws.autofilter(HEADER_ROW, 0, HEADER_ROW + max(len(histories), 1), col + 2)
    ws.set_landscape()
    ws.set_paper(8)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(GROUP_ROW, HEADER_ROW)
    # the rows' formats made here: the rows may be written in a copy of this process, which must not make one
    cell, pct = fmt["cell"], fmt.numbered("pct", settings.rounding.number_format)
    baseline, plain = fmt["baseline_value"], fmt["plain"]
    track = {status: fmt[name] for status, name in TRACK_STYLE.items()}

    def write_rows() -> None:
        for i, h in enumerate(histories, start=HEADER_ROW + 1):
            texts = [str(getattr(h, name)) for name, _, _ in FIXED]
            need = [lines(text, width) for text, (_, _, width) in zip(texts, FIXED)]
            cells: list[tuple[int, object, Any]] = [(j, text, cell) for j, text in enumerate(texts)]
            c = len(FIXED)
            values = shown_values(h)  # in the KPI's reference unit and scale
            for y in years:
                p = h.points.get(y)
                shown = values[y] if p else ""
                need.append(lines(shown, 12) if p else 1)
                cells.append((c, shown, baseline if p and p.baseline else cell))
                if p is not None and p.rate is not None:
                    cells.append((c + 1, percent_cell(p.rate, settings.rounding), pct))
                else:
                    cells.append((c + 1, "" if p is None or p.baseline else "-", cell))
                c += 2
            proj = projections[h.key]
            cells += [(c, proj.shown, plain) if proj.value is not None else (c, "-", cell),  # 9億円: its unit
                      (c + 1, proj.label, track[proj.status]), (c + 2, proj.reason, cell)]
            ws.put_row(i, cells, height=LINE_HEIGHT * max(need + [lines(proj.reason, 40)]) + 3)

    return ws, write_rows


def _text(v: Any) -> str:
    return value_text(v).strip()


def _year_of(v: Any) -> int | None:
    text = squash(_text(v)).removesuffix("年度")
    try:
        return parse_reporting_year(text) if text else None
    except InputError:
        return None


def _rate(v: Any) -> Decimal | None:
    try:
        return parse_rate(v)
    except Exception:  # a rate cell staff typed over: the history keeps the value, not the rate
        return None


def histories_from_rows(rows: Sequence[Sequence[Any]]) -> list[KpiHistory]:
    """The KPI histories of a 「推移」 sheet's cell values (row 1 first); [] if it is not one."""
    head = next((i for i, r in enumerate(rows[:12]) if r and squash(_text(r[0])) == "施策番号"), None)
    if head is None or head + 1 >= len(rows):
        return []
    group, lower = list(rows[head]), list(rows[head + 1])
    fixed = {name: group.index(h) for name, h, _ in FIXED if h in group}
    years: list[tuple[int, int]] = []  # (year, value column)
    for j, v in enumerate(group):
        y = _year_of(v)
        if y is not None and j < len(lower) and _text(lower[j]) == VALUE:
            years.append((y, j))
    out = []
    for row in rows[head + 2:]:
        row = list(row) + [None] * (len(group) + 1 - len(row))
        mid, no = _text(row[fixed.get("measure_id", 0)]), _text(row[fixed.get("kpi_no", 1)])
        if not mid and not no:
            continue
        texts: dict[str, Any] = {name: _text(row[j]) for name, j in fixed.items()}
        h = KpiHistory((mid, no), **texts)
        for y, j in years:
            value = _text(row[j])
            if value:
                h.points[y] = YearPoint(value, _rate(row[j + 1]), baseline=_text(row[j + 1]) == "")
        out.append(h)
    return out


TRACK_STATUSES = (ON_TRACK, OFF_TRACK, UNKNOWN)


def track_counts_by(items: Sequence[Evaluated], tracks: Mapping[tuple[str, str], str],
                    key: Callable[[KpiRecord], tuple[str, str]]) -> dict[str, dict[str, int]]:
    """On/off-track counts per ``key`` of the KPIs (再掲 copies left out), and in total under 'all'."""
    out: dict[str, dict[str, int]] = {"all": dict.fromkeys(TRACK_STATUSES, 0)}
    for it in items:
        status = tracks.get(history_key(it.record))
        if status is None or it.record.is_relisted:
            continue
        out.setdefault(key(it.record)[0], dict.fromkeys(TRACK_STATUSES, 0))[status] += 1
        out["all"][status] += 1
    return out


def write_track_columns(ws, fmt, header_row: int, rows: Sequence[SummaryRow], counts: Mapping[str, Mapping[str, int]],
                        col: int, settings: Settings) -> None:
    """順調 / 遅れ / 判定不可 columns beside a 集計 table (header at ``header_row``, rows below it)."""
    ws.merge_range(header_row - 1, col, header_row - 1, col + 2,
                   f"{format_fiscal_year(settings.plan_end)}末の見込み（{HISTORY_SHEET}）", fmt["table_header"])
    for j, status in enumerate(TRACK_STATUSES):
        ws.write_string(header_row, col + j, TRACK_LABELS[status], fmt["table_header"])
    for i, row in enumerate(rows, start=header_row + 1):
        c = counts.get(row.key, {})
        for j, status in enumerate(TRACK_STATUSES):
            ws.write_number(i, col + j, c.get(status, 0), fmt["cell"])
