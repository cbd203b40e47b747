"""The report's 推移 section: a small trend line per KPI (inline SVG), its projection to the plan's
final year at the current pace, and on/off track — from the master's 「推移」 sheet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from ...core import history
from ...core.fiscal import format_fiscal_year
from ...core.history import KpiHistory, Projection
from ...core.units import format_in_unit
from ..layout import Settings
from .html_text import html_text

WIDTH, HEIGHT, PAD = 180, 44, 5
TRACK_COLORS = {history.ON_TRACK: "#2E7D32", history.OFF_TRACK: "#C00000", history.UNKNOWN: "#595959"}
CSS = """
.trend td{vertical-align:middle} .badge{padding:1px 8px;border-radius:8px;color:#fff;font-size:12px;white-space:nowrap}
.track-on-track{background:#2E7D32} .track-off-track{background:#C00000} .track-unknown{background:#595959}
.years{font-size:12px;color:#555}
"""



def sparkline(points: Sequence[tuple[int, Decimal]], target: Decimal | None, proj: Projection,
              first_year: int, plan_end: int, label: str, unit: str = "") -> str:
    """Values as a line, the target as a dotted line and the projection dashed to ``plan_end``."""
    if not points:
        return ""
    values = [v for _, v in points] + ([target] if target is not None else []) + \
             ([proj.value] if proj.value is not None else [])
    lo, hi = float(min(values)), float(max(values))
    span_y = (hi - lo) or 1.0
    span_x = max(plan_end - first_year, 1)

    def xy(year: int, v: Decimal) -> tuple[float, float]:
        x = PAD + (WIDTH - 2 * PAD) * (year - first_year) / span_x
        y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * (float(v) - lo) / span_y
        return x, y

    coords = [xy(y, v) for y, v in points]
    parts = []
    if target is not None:
        _, ty = xy(first_year, target)
        parts.append(f'<line x1="{PAD}" y1="{ty:.1f}" x2="{WIDTH - PAD}" y2="{ty:.1f}" stroke="#888" '
                     f'stroke-dasharray="2,2"><title>目標値</title></line>')
    if proj.value is not None and len(points) > 1:
        (x0, y0), (x1, y1) = coords[-1], xy(plan_end, proj.value)
        parts.append(f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" '
                     f'stroke="{TRACK_COLORS[proj.status]}" stroke-dasharray="4,3"><title>見込み</title></line>')
    parts.append('<polyline fill="none" stroke="#2E75B6" stroke-width="2" points="'
                 + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
    parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#2E75B6"><title>{format_fiscal_year(yr)}: '
              f'{html_text(format_in_unit(v, unit))}</title></circle>' for (x, y), (yr, v) in zip(coords, points)]
    said = "、".join(f"{format_fiscal_year(yr)} {format_in_unit(v, unit)}" for yr, v in points)
    said += f"。目標値 {format_in_unit(target, unit)}" if target is not None else ""
    said += (f"。{format_fiscal_year(plan_end)}末の見込み {format_in_unit(proj.value, unit)}"
             if proj.value is not None else "")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img" '
            f'aria-label="{html_text(label)}の推移: {html_text(said)}">{"".join(parts)}</svg>')


def trend_section(histories: Sequence[KpiHistory], settings: Settings,
                  projected: Mapping[tuple[str, str], history.Projection] | None = None) -> str:
    """The HTML of the report's 推移 section ('' without histories); ``projected``: each KPI's
    projection as the evaluation made it (made here when not given)."""
    if not histories:
        return ""
    rows, projections = [], []
    for h in histories:
        proj = (projected or {}).get(h.key) or history.project(h, settings.plan_start, settings.plan_end)
        projections.append(proj)
        points = history.series(h, settings.plan_start)
        first = min([y for y, _ in points] + [settings.plan_start - 1])
        years = " → ".join(f"{format_fiscal_year(y, '')}: {history.shown_value(h, p.value)}"
                           for y, p in sorted(h.points.items()))
        rows.append(
            f'<tr class="trend" data-track="{proj.status}"><td>{html_text(h.measure_id)}</td><td>{html_text(h.kpi_no)}</td>'
            f'<td>{html_text(h.kpi_item)}<div class="years">{html_text(years)}</div></td><td>{html_text(h.target)}</td>'
            f'<td>{sparkline(points, history.target_value(h), proj, first, settings.plan_end, h.kpi_item, proj.unit)}</td>'
            f'<td><span class="badge track-{proj.status}">{html_text(proj.label)}</span>'
            f'<div class="years">{html_text(proj.shown if proj.value is not None else "")}</div></td>'
            f'<td>{html_text(proj.reason)}</td></tr>')
    c = history.track_counts(projections)
    on, off, unknown = (c[s] for s in (history.ON_TRACK, history.OFF_TRACK, history.UNKNOWN))
    labels = history.TRACK_LABELS
    end = format_fiscal_year(settings.plan_end)
    return (f'<h2 id="trends">KPIの推移と{html_text(end)}末の見込み</h2>'
            f'<p>現在のペースが続いた場合、{html_text(end)}末に目標に届く見込みのKPIは {on} 件'
            f'（{labels[history.ON_TRACK]}）、届かない見込みは {off} 件（{labels[history.OFF_TRACK]}）、'
            f'判定できないものは {unknown} 件です。線は実績、点線は目標値、破線は見込みです。</p>'
            f'<table id="trend-table"><caption>KPIの推移（線・点線・破線の内容は各グラフの説明にあります）</caption>'
            + "<tr>" + "".join(f'<th scope="col">{h}</th>' for h in
                               ("施策番号", "KPI", "項目と各年度の値", "目標値", "推移", "見込み", "根拠"))
            + f'</tr>{"".join(rows)}</table>')
