"""The publishable report: one self-contained HTML file (no network needed to view it).

Japanese throughout: the summary per 基本目標 and 部署, a stacked bar chart per goal (inline SVG),
every KPI with a progress bar, filters by department and grade (a few lines of inline script),
and the findings of the master's 「チェック結果」 sheet. ``--pdf`` prints the master itself in the
published layout through LibreOffice: its 取組状況 and 集計 sheets (the others are hidden in a
copy, and LibreOffice prints no hidden sheet), or every sheet with ``all_sheets``.
"""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..core.errors import FileError
from ..core.fiscal import format_fiscal_year
from ..core.presentation import in_unit_of
from ..core.rate import DEFAULT_BANDS, DEFAULT_ROUNDING, GradeBands, Rounding, format_rate
from ..core.summary import Evaluated, SummaryRow, below, by_department, by_goal, evaluated, summarize, total
from .history_sheet import histories_from_rows
from .layout import FINDINGS_SHEET, PUBLISHED_SHEETS, Settings
from .master import master_records
from .reader import read_workbook
from .trends import CSS as TREND_CSS
from .trends import trend_section

BAND_COLORS = ["#2E75B6", "#70AD47", "#FFC000", "#C00000", "#7F7F7F"]
CSS = """
body{font-family:"Hiragino Sans","Yu Gothic","Meiryo","IPAexGothic",sans-serif;margin:24px;color:#222}
h1{font-size:22px} h2{font-size:18px;border-bottom:2px solid #2E75B6;padding-bottom:4px;margin-top:28px}
table{border-collapse:collapse;font-size:13px;margin:8px 0} th,td{border:1px solid #bbb;padding:4px 8px}
th{background:#DDEBF7} td.num{text-align:right} .bar{background:#eee;width:160px;height:12px;position:relative}
.bar span{position:absolute;left:0;top:0;bottom:0} .filters{margin:8px 0;font-size:14px}
.kpi td{vertical-align:top} .sev-error{background:#F8CBAD} .sev-warning{background:#FFE699} .sev-info{background:#DDEBF7}
.charts{display:flex;flex-wrap:wrap;gap:24px} figure{margin:0} figcaption{font-size:13px;font-weight:bold}
"""
SCRIPT = """
function applyFilters(){var d=document.getElementById('f-dept').value,g=document.getElementById('f-grade').value,n=0;
document.querySelectorAll('tr.kpi').forEach(function(tr){var ok=(!d||tr.dataset.dept===d)&&(!g||tr.dataset.grade===g);
tr.style.display=ok?'':'none';if(ok)n++;});document.getElementById('f-count').textContent=n+' 件';}
"""


def _e(v: Any) -> str:
    return html.escape("" if v is None else str(v))


def _summary_table(title: str, rows: Sequence[SummaryRow], bands: GradeBands,
                   rounding: Rounding = DEFAULT_ROUNDING) -> str:
    head = "".join(f"<th>{_e(letter)}（{_e(s)}）</th>" for _, letter, s in bands.bands)
    body = []
    for r in rows:
        cells = "".join(f'<td class="num">{r.bands.get(letter, 0)}</td>' for letter in bands.letters)
        med = format_rate(r.median, rounding) if r.median is not None else "-"
        body.append(f'<tr><td>{_e(r.label)}</td><td class="num">{r.kpis}</td>{cells}'
                    f'<td class="num">{r.not_computable}</td><td class="num">{med}</td></tr>')
    return (f"<h2>{_e(title)}</h2><table><tr><th>区分</th><th>KPI数</th>{head}<th>計算不可</th>"
            f"<th>達成率の中央値</th></tr>{''.join(body)}</table>")


def _chart(row: SummaryRow, bands: GradeBands) -> str:
    """A stacked horizontal bar of the KPIs of one goal by grade band (inline SVG)."""
    width, height = 420, 64
    counted = sum(row.bands.values()) + row.not_computable or 1
    x = 0.0
    parts = []
    series = [(f"{letter}（{s}）", row.bands.get(letter, 0), BAND_COLORS[i % len(BAND_COLORS)])
              for i, (_, letter, s) in enumerate(bands.bands)] + [("計算不可", row.not_computable, "#BFBFBF")]
    legend = []
    for i, (label, n, color) in enumerate(series):
        w = width * n / counted
        if n:
            parts.append(f'<rect x="{x:.1f}" y="4" width="{w:.1f}" height="26" fill="{color}">'
                         f'<title>{_e(label)}: {n}件</title></rect>')
            if w > 18:
                parts.append(f'<text x="{x + w / 2:.1f}" y="22" font-size="12" fill="#fff" text-anchor="middle">{n}</text>')
        legend.append(f'<rect x="{i * 80}" y="42" width="10" height="10" fill="{color}"/>'
                      f'<text x="{i * 80 + 14}" y="51" font-size="11">{_e(label)}</text>')
        x += w
    return (f'<figure><figcaption>{_e(row.label)}（KPI {row.kpis}件）</figcaption>'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'aria-label="{_e(row.label)}の達成状況">{"".join(parts)}{"".join(legend)}</svg></figure>')


def _kpi_rows(items: Sequence[Evaluated], bands: GradeBands = DEFAULT_BANDS) -> str:
    out = []
    for it in items:
        r = it.record
        v = it.rate.value
        pct = 0 if v is None else max(0.0, min(float(v), 1.0)) * 100
        color = BAND_COLORS[min(bands.letters.index(it.grade), 3)] if it.grade in bands.letters else "#BFBFBF"
        dept = r.submitted_by or r.owner
        reason = "" if v is not None else f'<br><small>{_e(it.rate.reason)}</small>'
        out.append(
            f'<tr class="kpi" data-dept="{_e(dept)}" data-grade="{_e(it.grade)}"><td>{_e(r.measure_id)}</td>'
            f'<td>{_e(r.kpi_item)}</td><td>{_e(dept)}</td><td>{_e(r.target)}</td><td>{_e(in_unit_of(r.current, r.target))}</td>'
            f'<td class="num">{_e(it.rate.display)}{reason}</td><td><div class="bar"><span style="width:{pct:.0f}%;'
            f'background:{color}"></span></div></td><td>{_e(it.grade)}</td></tr>')
    return "".join(out)


def _findings(master: Path) -> list[list[Any]]:
    import python_calamine
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(master))
        if FINDINGS_SHEET not in book.sheet_names:
            return []
        rows = book.get_sheet_by_name(FINDINGS_SHEET).to_python()
    except Exception:  # the master was read already; a damaged findings sheet is not fatal
        return []
    return [r for r in rows[1:] if r and r[0]]


def build_report(master: Path) -> str:
    wb = read_workbook(master)
    records = next((s.records for s in wb.sheets if s.is_master), None)
    if records is None:
        records, _ = master_records(master)  # raises the missing-sheet error
    settings = wb.settings or Settings(year=0)
    scheme = settings.grading() if settings.year else None
    bands = scheme.table if scheme else settings.bands
    year = format_fiscal_year(settings.year) if settings.year else ""
    items = evaluated(records, bands, scheme=scheme if scheme and scheme.name != "bands" else None,
                      rounding=settings.rounding)
    trends = trend_section(histories_from_rows(wb.history_rows), settings) if settings.year else ""
    goals = summarize(items, by_goal, bands)
    depts = summarize(items, by_department, bands)
    low = below(items)
    findings = _findings(master)
    severity_class = {"エラー": "error", "警告": "warning", "情報": "info"}
    dept_options = "".join(f'<option value="{_e(d.key)}">{_e(d.label)}</option>' for d in depts)
    grade_options = "".join(f'<option value="{_e(letter)}">{_e(letter)}（{_e(s)}）</option>'
                            for _, letter, s in bands.bands)
    finding_rows = "".join(
        f'<tr class="sev-{severity_class.get(str(f[1]), "info")}"><td>{_e(f[1])}</td><td>{_e(f[0])}</td>'
        f'<td>{_e(f[2])}</td><td>{_e(f[-1])}</td></tr>' for f in findings)
    t = total(items, bands)
    return f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>総合戦略 KPI 取組状況 {year}</title><style>{CSS}{TREND_CSS}</style></head>
<body>
<h1>総合戦略に記載されている各種施策の取組状況（{_e(year)}）</h1>
<p>KPI {t.kpis} 件のうち、目標を達成（{_e(bands.bands[0][1])}）したものは {t.bands.get(bands.bands[0][1], 0)} 件、
達成率50%未満は {len(low)} 件、達成率の中央値は {format_rate(t.median, settings.rounding) if t.median is not None else "-"} です。</p>
<h2>基本目標別の達成状況</h2><div class="charts">{"".join(_chart(g, bands) for g in goals)}</div>
{_summary_table("基本目標別", [*goals, t], bands, settings.rounding)}
{_summary_table("部署別", depts, bands, settings.rounding)}
<h2>KPIの一覧</h2>
<div class="filters">部署: <select id="f-dept" onchange="applyFilters()"><option value="">すべて</option>{dept_options}</select>
評価: <select id="f-grade" onchange="applyFilters()"><option value="">すべて</option>{grade_options}<option value="-">-</option></select>
<span id="f-count">{len(items)} 件</span></div>
<table id="kpis"><tr><th>施策番号</th><th>KPI</th><th>部署</th><th>目標値</th><th>現在値</th><th>達成率</th><th>進捗</th><th>評価</th></tr>
{_kpi_rows(items, bands)}</table>
{trends}
<h2>チェック結果（{len(findings)} 件）</h2>
<table><tr><th>重要度</th><th>コード</th><th>場所</th><th>内容</th></tr>{finding_rows}</table>
<script>{SCRIPT}</script>
</body></html>
"""


def write_report(master: Path, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_report(master), encoding="utf-8")
    return out


def only_sheets(xlsx: bytes, keep: Sequence[str]) -> bytes:
    """A copy of a workbook with every sheet but `keep` hidden (``state="hidden"`` in
    xl/workbook.xml, ECMA-376 Part 1 §18.2.19); nothing else in the file changes."""
    wanted = {html.escape(name, quote=True) for name in keep}

    def hide(m: re.Match) -> str:
        tag = m.group(0)
        if m.group(1) in wanted or " state=" in tag:
            return tag
        return tag.replace("<sheet ", '<sheet state="hidden" ', 1)

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = re.sub(r'<sheet [^>]*?name="([^"]*)"[^>]*/>', hide, data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)
    return out.getvalue()


def print_pdf(master: Path, out: Path, timeout: float = 300, all_sheets: bool = False) -> Path:
    """The master as PDF in its print layout, through LibreOffice (``soffice``): the published
    sheets (取組状況 and 集計), or every sheet with `all_sheets`."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise FileError("PDF の作成には LibreOffice（soffice）が必要です。LibreOffice をインストールして"
                        "（Windows: libreoffice.org、Debian/Ubuntu: apt-get install libreoffice-calc-nogui）"
                        "もう一度実行してください。HTML レポートは作成済みです。", code="unreadable-file")
    master_records(master)  # a master that cannot be read safely stops here, before LibreOffice
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile"
        printed = Path(tmp) / "print" / master.name
        printed.parent.mkdir()
        printed.write_bytes(master.read_bytes() if all_sheets else only_sheets(master.read_bytes(), PUBLISHED_SHEETS))
        proc = subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                               "--convert-to", "pdf", "--outdir", tmp, str(printed)],
                              capture_output=True, text=True, timeout=timeout)
        produced = Path(tmp) / (master.stem + ".pdf")
        if proc.returncode != 0 or not produced.exists():
            raise FileError(f"PDF を作成できませんでした: {proc.stderr.strip()[:200]}", code="unreadable-file")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(produced, out)
    return out
