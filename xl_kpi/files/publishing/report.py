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

from ...core.errors import FileError
from ...core.evaluation import evaluate_master
from ...core.presentation import in_unit_of
from ...core.rate import DEFAULT_BANDS, DEFAULT_ROUNDING, GradeBands, Rounding, format_rate
from ...core.summary import Evaluated, SummaryRow, below, by_department, by_goal, evaluated, summarize, total
from ..layout import FINDINGS_SHEET, PUBLISHED_SHEETS, Settings, report_title
from ..reading.reader import read_workbook
from ..run.master import master_records
from ..writing.history_sheet import histories_from_rows
from .html_text import html_text
from .trends import CSS as TREND_CSS
from .trends import trend_section

BAND_COLORS = ["#2E75B6", "#70AD47", "#FFC000", "#C00000", "#7F7F7F"]
NOT_COMPUTABLE_COLOR = "#BFBFBF"
CSS = """
body{font-family:"Hiragino Sans","Yu Gothic","Meiryo","IPAexGothic",sans-serif;margin:24px;color:#222}
h1{font-size:22px} h2{font-size:18px;border-bottom:2px solid #2E75B6;padding-bottom:4px;margin-top:28px}
table{border-collapse:collapse;font-size:13px;margin:8px 0} th,td{border:1px solid #bbb;padding:4px 8px}
th{background:#DDEBF7;text-align:left} th[scope=row]{font-weight:normal;background:#F2F2F2}
caption{text-align:left;font-weight:bold;padding:4px 0} td.num{text-align:right}
.bar{background:#fff;border:1px solid #767676;width:160px;height:12px;position:relative}
.bar span{position:absolute;left:0;top:0;bottom:0} .filters{margin:8px 0;font-size:14px}
.filters label{margin-left:8px} select{font-size:14px;padding:2px}
select:focus-visible{outline:3px solid #1F4E79;outline-offset:1px}
.kpi td{vertical-align:top} .sev-error{background:#F8CBAD} .sev-warning{background:#FFE699} .sev-info{background:#DDEBF7}
.charts{display:flex;flex-wrap:wrap;gap:24px} figure{margin:0} figcaption{font-size:13px;font-weight:bold}
.org{font-size:14px}
"""
SCRIPT = """
function applyFilters(){var d=document.getElementById('f-dept').value,g=document.getElementById('f-grade').value,n=0;
document.querySelectorAll('tr.kpi').forEach(function(tr){var ok=(!d||tr.dataset.dept===d)&&(!g||tr.dataset.grade===g);
tr.hidden=!ok;if(ok)n++;});document.getElementById('f-count').textContent=n+' 件';}
['f-dept','f-grade'].forEach(function(id){var s=document.getElementById(id);
s.addEventListener('change',applyFilters);s.addEventListener('input',applyFilters);});
"""


def _luminance(color: str) -> float:
    """Relative luminance of an sRGB colour ``#RRGGBB`` (WCAG 2.x definition)."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ink(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (labels on chart bars)."""
    return "#000000" if contrast(fill, "#000000") >= contrast(fill, "#FFFFFF") else "#FFFFFF"



def _grade_labels(bands: GradeBands) -> dict[str, str]:
    """Grade letter → the letter with its symbol (``A（◎）``): a grade is never shown by colour alone."""
    return {letter: f"{letter}（{symbol}）" if symbol else letter for _, letter, symbol in bands.bands}


def _grade_count_table_html(title: str, rows: Sequence[SummaryRow], bands: GradeBands, level: int = 2,
                   rounding: Rounding = DEFAULT_ROUNDING) -> str:
    head = "".join(f'<th scope="col">{html_text(label)}</th>' for label in _grade_labels(bands).values())
    body = []
    for r in rows:
        cells = "".join(f'<td class="num">{r.bands.get(letter, 0)}</td>' for letter in bands.letters)
        med = format_rate(r.median, rounding) if r.median is not None else "-"
        body.append(f'<tr><th scope="row">{html_text(r.label)}</th><td class="num">{r.kpis}</td>{cells}'
                    f'<td class="num">{r.not_computable}</td><td class="num">{med}</td></tr>')
    return (f"<h{level}>{html_text(title)}</h{level}><table><caption>{html_text(title)}の KPI 数（評価区分別）と達成率の中央値</caption>"
            f'<tr><th scope="col">区分</th><th scope="col">KPI数</th>{head}<th scope="col">計算不可</th>'
            f'<th scope="col">達成率の中央値</th></tr>{"".join(body)}</table>')


def _chart(row: SummaryRow, bands: GradeBands) -> str:
    """A stacked horizontal bar of the KPIs of one goal by grade band (inline SVG); its text
    alternative gives every count, so nothing is told by colour alone."""
    width, height = 420, 64
    counted = sum(row.bands.values()) + row.not_computable or 1
    x = 0.0
    parts = []
    series = [(label, row.bands.get(letter, 0), BAND_COLORS[i % len(BAND_COLORS)])
              for i, (letter, label) in enumerate(_grade_labels(bands).items())]
    series.append(("計算不可", row.not_computable, NOT_COMPUTABLE_COLOR))
    legend = []
    for i, (label, n, color) in enumerate(series):
        w = width * n / counted
        if n:
            parts.append(f'<rect x="{x:.1f}" y="4" width="{w:.1f}" height="26" fill="{color}"/>')
            if w > 18:
                parts.append(f'<text x="{x + w / 2:.1f}" y="22" font-size="12" fill="{ink(color)}" '
                             f'text-anchor="middle">{n}</text>')
        legend.append(f'<rect x="{i * 80}" y="42" width="10" height="10" fill="{color}" stroke="#595959"/>'
                      f'<text x="{i * 80 + 14}" y="51" font-size="11" fill="#222222">{html_text(label)}</text>')
        x += w
    described = "、".join(f"{label}{n}件" for label, n, _ in series)
    return (f'<figure><figcaption>{html_text(row.label)}（KPI {row.kpis}件）</figcaption>'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'aria-label="{html_text(row.label)}の達成状況: {html_text(described)}">{"".join(parts)}{"".join(legend)}</svg></figure>')


def _kpi_rows(items: Sequence[Evaluated], bands: GradeBands = DEFAULT_BANDS) -> str:
    labels = _grade_labels(bands)
    out = []
    for it in items:
        r = it.record
        v = it.rate.value
        pct = 0 if v is None else max(0.0, min(float(v), 1.0)) * 100
        color = BAND_COLORS[min(bands.letters.index(it.grade), 3)] if it.grade in bands.letters else NOT_COMPUTABLE_COLOR
        dept = r.submitted_by or r.owner
        reason = "" if v is not None else f'<br><small>{html_text(it.rate.reason)}</small>'
        alt = f"達成率 {it.rate.display}" if v is not None else "達成率 計算不可"
        out.append(
            f'<tr class="kpi" data-dept="{html_text(dept)}" data-grade="{html_text(it.grade)}"><td>{html_text(r.measure_id)}</td>'
            f'<td>{html_text(r.kpi_item)}</td><td>{html_text(dept)}</td><td>{html_text(r.target)}</td><td>{html_text(in_unit_of(r.current, r.target))}</td>'
            f'<td class="num">{html_text(it.rate.display)}{reason}</td><td><div class="bar" role="img" aria-label="{html_text(alt)}">'
            f'<span style="width:{pct:.0f}%;background:{color}"></span></div></td>'
            f'<td>{html_text(labels.get(it.grade, it.grade))}</td></tr>')
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


def build_report(master: Path, *, findings: bool = True, organisation: str = "") -> str:
    """The report's HTML. ``findings``: include the master's チェック結果 (not in the published
    page); ``organisation``: a line under the title naming the city (the published page)."""
    wb = read_workbook(master)
    records = next((s.records for s in wb.sheets if s.is_master), None)
    if records is None:
        records, _ = master_records(master)  # raises the missing-sheet error
    settings = wb.settings or Settings(year=0)
    scheme = settings.grading() if settings.year else None
    bands = scheme.table if scheme else settings.bands
    content = evaluate_master(records, settings, histories_from_rows(wb.history_rows) if settings.year else [])
    items = evaluated(records, bands, content.evaluations, scheme=scheme if scheme and scheme.name != "bands" else None,
                      rounding=settings.rounding)
    trends = trend_section(content.histories, settings, content.projections) if settings.year else ""
    goals = summarize(items, by_goal, bands)
    depts = summarize(items, by_department, bands)
    low = below(items)
    dept_options = "".join(f'<option value="{html_text(d.key)}">{html_text(d.label)}</option>' for d in depts)
    grade_options = "".join(f'<option value="{html_text(letter)}">{html_text(label)}</option>'
                            for letter, label in _grade_labels(bands).items())
    t = total(items, bands)
    title = report_title(settings.year) if settings.year else "総合戦略に記載されている各種施策の取組状況"
    org = f'<p class="org">{html_text(organisation)}</p>' if organisation else ""
    return f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html_text(title)}</title><style>{CSS}{TREND_CSS}</style></head>
<body><main>
<h1>{html_text(title)}</h1>{org}
<p>KPI {t.kpis} 件のうち、目標を達成（{html_text(_grade_labels(bands)[bands.bands[0][1]])}）したものは {t.bands.get(bands.bands[0][1], 0)} 件、
達成率50%未満は {len(low)} 件、達成率の中央値は {format_rate(t.median, settings.rounding) if t.median is not None else "-"} です。
評価の区分: {html_text("、".join(bands.describe()))}、-: 計算できない。</p>
<h2>達成状況（基本目標別・部署別）</h2><div class="charts">{"".join(_chart(g, bands) for g in goals)}</div>
{_grade_count_table_html("基本目標別", [*goals, t], bands, 3, settings.rounding)}
{_grade_count_table_html("部署別", depts, bands, 3, settings.rounding)}
<h2>KPIの一覧</h2>
<div class="filters" role="group" aria-label="KPIの絞り込み">絞り込み:
<label for="f-dept">部署</label> <select id="f-dept"><option value="">すべて</option>{dept_options}</select>
<label for="f-grade">評価</label> <select id="f-grade"><option value="">すべて</option>{grade_options}<option value="-">-（計算不可）</option></select>
<span>表示中: <span id="f-count" aria-live="polite">{len(items)} 件</span></span></div>
<table id="kpis"><caption>KPIの一覧（施策番号順。達成率の棒は 100% で満杯）</caption>
<tr><th scope="col">施策番号</th><th scope="col">KPI</th><th scope="col">部署</th><th scope="col">目標値</th><th scope="col">現在値</th><th scope="col">達成率</th><th scope="col">進捗</th><th scope="col">評価</th></tr>
{_kpi_rows(items, bands)}</table>
{trends}
{_findings_section(master) if findings else ""}
</main><script>{SCRIPT}</script>
</body></html>
"""


def _findings_section(master: Path) -> str:
    found = _findings(master)
    severity_class = {"エラー": "error", "警告": "warning", "情報": "info"}
    rows = "".join(
        f'<tr class="sev-{severity_class.get(str(f[1]), "info")}"><td>{html_text(f[1])}</td><td>{html_text(f[0])}</td>'
        f'<td>{html_text(f[2])}</td><td>{html_text(f[-1])}</td></tr>' for f in found)
    return (f"<h2>チェック結果（{len(found)} 件）</h2><table><caption>入力チェックの指摘（重要度・コード・場所・内容）</caption>"
            f'<tr><th scope="col">重要度</th><th scope="col">コード</th><th scope="col">場所</th><th scope="col">内容</th></tr>'
            f"{rows}</table>")


def write_report(master: Path, out: Path, **options: Any) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_report(master, **options), encoding="utf-8")
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


# LibreOffice's PDF export options (filter data of calc_pdf_Export), passed on the command line as
# JSON (LibreOffice 7.4 and later): UseTaggedPDF writes the structure tree a screen reader follows.
PDF_FILTER = 'pdf:calc_pdf_Export:{"UseTaggedPDF":{"type":"boolean","value":"true"}}'
PDF_LANGUAGE = "ja-JP"


def print_pdf(master: Path, out: Path, timeout: float = 300, all_sheets: bool = False, title: str | None = None) -> Path:
    """The master as a tagged PDF in its print layout, through LibreOffice (``soffice``): the
    published sheets (取組状況 and 集計), or every sheet with `all_sheets`. The PDF has a structure
    tree (``MarkInfo/Marked``), the document language Japanese and the report's title (`title`,
    by default the title of the master's reporting year), shown by viewers instead of the file name."""
    _, settings = master_records(master)  # a master that cannot be read safely stops here, before LibreOffice
    if title is None:
        title = report_title(settings.year) if settings and settings.year else "総合戦略に記載されている各種施策の取組状況"
    data = master.read_bytes()
    return workbook_pdf(data if all_sheets else only_sheets(data, PUBLISHED_SHEETS), out, title, timeout)


def workbook_pdf(xlsx: bytes, out: Path, title: str, timeout: float = 300) -> Path:
    """A workbook's visible sheets as a tagged PDF in their print layout, through LibreOffice, with
    the document language Japanese and ``title`` (see :func:`label_pdf`)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise FileError("PDF の作成には LibreOffice（soffice）が必要です。LibreOffice をインストールして"
                        "（Windows: libreoffice.org、Debian/Ubuntu: apt-get install libreoffice-calc-nogui）"
                        "もう一度実行してください。HTML レポートは作成済みです。", code="unreadable-file")
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile"
        printed = Path(tmp) / "print" / "report.xlsx"
        printed.parent.mkdir()
        printed.write_bytes(xlsx)
        proc = subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                               "--convert-to", PDF_FILTER, "--outdir", tmp, str(printed)],
                              capture_output=True, text=True, timeout=timeout)
        produced = Path(tmp) / "report.pdf"
        if proc.returncode != 0 or not produced.exists():
            raise FileError(f"PDF を作成できませんでした: {proc.stderr.strip()[:200]}", code="unreadable-file")
        out.parent.mkdir(parents=True, exist_ok=True)
        label_pdf(produced, out, title)
    return out


def label_pdf(src: Path, out: Path, title: str, language: str = PDF_LANGUAGE) -> None:
    """Copy a tagged PDF with its document language and title set (the catalogue's ``/Lang``, the
    document information and XMP title, ``ViewerPreferences/DisplayDocTitle``): LibreOffice takes
    the language from its own locale and the title from the workbook's properties."""
    import pikepdf

    with pikepdf.open(src) as pdf:
        pdf.Root.Lang = pikepdf.String(language)
        prefs = pdf.Root.get("/ViewerPreferences") or pikepdf.Dictionary()
        prefs.DisplayDocTitle = True
        pdf.Root.ViewerPreferences = prefs
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:title"] = title
            meta["dc:language"] = [language]
        pdf.docinfo["/Title"] = pikepdf.String(title)
        pdf.save(out)
