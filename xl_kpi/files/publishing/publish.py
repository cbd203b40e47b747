"""The publication set (``xl-kpi publish``): what a city puts on its website, from the master.

Four files named for the report's year (``取組状況_令和2年度.*``):

- the HTML report (:func:`~.report.build_report`, accessible: WCAG 2.1 AA as JIS X 8341-3:2016
  asks), without the internal チェック結果;
- a tagged PDF of 取組状況 and 集計, printed from the 公開用 workbook (:func:`~.report.workbook_pdf`);
- the 公開用 workbook (:func:`~xl_kpi.files.writing.public_workbook.build_public`): 取組状況 and 集計 only, every KPI, no
  provenance columns, no hidden sheets;
- the open-data CSV (:func:`open_data_csv`): UTF-8 with a BOM, one row a KPI, laid out as the
  自治体標準オープンデータセット lay out their files (全国地方公共団体コード, ID and 地方公共団体名
  first; dates as YYYY-MM-DD; numbers and units in columns of their own). Its columns are
  :data:`OPEN_DATA_COLUMNS`, documented in docs/publishing.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from ...core.errors import InputError, XlKpiError
from ...core.evaluation import evaluate_master
from ...core.fiscal import format_fiscal_year
from ...core.municipality import city_code
from ...core.quantity import parse_quantity
from ...core.rate import GradeBands
from ...core.summary import Evaluated, evaluated
from ..layout import Settings, report_title
from ..reading.reader import read_workbook
from ..run.safesave import atomic_write
from ..writing.history_sheet import histories_from_rows
from ..writing.public_workbook import build_public
from .report import workbook_pdf, write_report

OPEN_DATA_COLUMNS = (
    "全国地方公共団体コード", "ID", "地方公共団体名", "報告年度", "公表日", "基本目標", "基本的方向",
    "施策番号", "施策", "担当部署", "KPI番号", "KPI", "基準値", "目標値", "実績値", "実績値（数値）", "単位",
    "達成率", "達成率（表示）", "評価", "変更後の目標値", "変更後の達成率（表示）", "指標の方向",
)
BOM = "\ufeff"  # Excel in Japan reads a CSV without it as Shift_JIS (mojibake)


@dataclass(frozen=True)
class Publication:
    html: Path
    pdf: Path | None
    workbook: Path
    csv: Path

    @property
    def files(self) -> list[Path]:
        return [p for p in (self.html, self.pdf, self.workbook, self.csv) if p is not None]


def publication_stem(year: int) -> str:
    """The files' common name: ``取組状況_令和2年度``."""
    return f"取組状況_{format_fiscal_year(year)}"


def _number(text: str) -> tuple[str, str]:
    """(the value as a plain decimal, its unit) of a KPI cell; ('', '') when it holds no number."""
    try:
        q = parse_quantity(text)
    except XlKpiError:
        return "", ""
    if q.value is None:
        return "", q.unit
    return f"{q.value.normalize():f}", q.unit


def _percent(display: str) -> str:
    """The number of a displayed rate (``113%`` → ``113``), '' when it is not a rate."""
    text = display.strip()
    if not text.endswith("%"):
        return ""
    try:
        return f"{Decimal(text[:-1]).normalize():f}"
    except ArithmeticError:
        return ""


def open_data_rows(items: Sequence[Evaluated], bands: GradeBands, year: int, code: str, name: str,
                   published: date) -> list[list[str]]:
    """One row a KPI in :data:`OPEN_DATA_COLUMNS`."""
    symbols = {letter: f"{letter}（{symbol}）" if symbol else letter for _, letter, symbol in bands.bands}
    rows = []
    for i, it in enumerate(items, start=1):
        r = it.record
        value, unit = _number(r.current)
        if not unit:
            unit = _number(r.target)[1]
        display = it.rate.display if it.rate.value is not None else ""
        rows.append([
            code, str(i), name, str(year), published.isoformat(),
            f"基本目標{r.goal_no} {r.goal_title}".strip() if r.goal_no else r.goal_title,
            f"{r.direction_letter} {r.direction_title}".strip(),
            r.measure_id, r.measure_name, r.department or r.submitted_by, r.kpi_no, r.kpi_item,
            r.baseline, r.target, r.current, value, unit,
            _percent(display), display, symbols.get(it.grade, "") if display else "",
            r.revised_target, r.revised_rate, "低いほど良い" if r.direction == "lower" else "高いほど良い",
        ])
    return rows


def open_data_csv(rows: Sequence[Sequence[str]]) -> bytes:
    """The open-data CSV's bytes: UTF-8 with a BOM, CRLF line ends (RFC 4180), a header row."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(OPEN_DATA_COLUMNS)
    w.writerows(rows)
    return (BOM + buf.getvalue()).encode("utf-8")


def resolve_city(settings: Settings, code: str | None, name: str | None) -> tuple[str, str]:
    """The publishing city's checked code and its name: the options, or 設定's values."""
    given = code or settings.city_code
    if not given:
        raise InputError("全国地方公共団体コードがありません。--city-code 162019 のように指定するか、"
                         "マスターの「設定」シートの「全国地方公共団体コード」に記入してください。")
    checked = city_code(given)
    city = (name or settings.city_name).strip()
    if not city:
        raise InputError("地方公共団体名がありません。--city-name 富山市 のように指定するか、"
                         "マスターの「設定」シートの「地方公共団体名」に記入してください。")
    return checked, city


def publish(master: Path, out_dir: Path, *, code: str | None = None, name: str | None = None,
            published: date | None = None, pdf: bool = True) -> Publication:
    """Write the publication set of ``master`` into ``out_dir``; returns the files."""
    wb = read_workbook(master)
    sheet = next((s for s in wb.sheets if s.is_master), None)
    if sheet is None or wb.settings is None or not wb.settings.year:
        from ..run.master import master_records
        master_records(master)  # the missing-sheet error, in the words merge and report use
        raise InputError(f"{master.name}: 「設定」シートの報告年度を読み取れません。")
    settings, records = wb.settings, sheet.records
    checked, city = resolve_city(settings, code, name)
    stem = publication_stem(settings.year)
    out = Publication(out_dir / f"{stem}.html", out_dir / f"{stem}.pdf" if pdf else None,
                      out_dir / f"{stem}_公開用.xlsx", out_dir / f"{stem}.csv")
    if any(p.resolve() == master.resolve() for p in out.files):
        raise InputError(f"出力先の {master.name} はマスターそのものです。別のフォルダーを --out-dir に指定してください。")
    out_dir.mkdir(parents=True, exist_ok=True)
    organisation = f"{city}（全国地方公共団体コード {checked}）"
    write_report(master, out.html, findings=False, organisation=organisation)
    content = evaluate_master(records, settings, histories_from_rows(wb.history_rows))
    public = build_public(settings, content, city)
    atomic_write(out.workbook, public, keep=0)
    scheme = settings.grading()
    items = evaluated(records, scheme.table, scheme=scheme if scheme.name != "bands" else None)
    rows = open_data_rows(items, scheme.table, settings.year, checked, city, published or date.today())
    atomic_write(out.csv, open_data_csv(rows), keep=0)
    if out.pdf is not None:  # printed from the 公開用 workbook: the same two sheets, laid out now
        workbook_pdf(public, out.pdf, report_title(settings.year))
    return out
