"""Reading submissions and masters into records, with the cell address of every field.

Every file goes through :func:`~xl_kpi.files.preflight.preflight` first; a refusal is a
:class:`FileError` with its finding code. A sheet is a KPI sheet when its header matches the
layout (:mod:`.layout`); its section rows (【基本目標N】, 【基本的方向：ア】) give each record its
goal and direction, merged cells give every row of a measure its measure-level values, and each
cell becomes the text it displays. Workbook-level findings (template version, missing headers,
formulas, merged or hidden input rows, unknown departments, content openpyxl drops) come back
with the records; nothing here stops at the first problem except a file that is unsafe to open.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from ..core.errors import FileError, InputError
from ..core.findings import ERROR, Finding, make_finding
from ..core.fiscal import parse_reporting_year
from ..core.merge import Submission
from ..core.rate import GradeBands
from ..core.record import KpiRecord
from .grid import (HEADER_SCAN_ROWS, PER_ROW_FIELDS, Header, cell_text, find_header,
                   missing_header_findings, parse_rows, parse_settings_rows, section_of,
                   sheet_department)
from .layout import (DEFAULT_PLAN_END, LAYOUT, MASTER_SHEET, RESERVED_SHEETS, SETTINGS_SHEET,
                     TEMPLATE_VERSION, VERSION_LABEL, SheetLayout)
from .preflight import Budgets, preflight
from .writer import Settings

__all__ = ["read_workbook", "read_workbooks", "WorkbookRead", "SheetRead", "cell_text", "file_identity"]


@dataclass
class SheetRead:
    name: str
    department: str
    records: list[KpiRecord]
    findings: list[Finding]
    is_master: bool = False


@dataclass
class WorkbookRead:
    path: Path
    sha256: str
    modified: str
    settings: Settings | None
    sheets: list[SheetRead] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # file-level

    @property
    def all_findings(self) -> list[Finding]:
        out = list(self.findings)
        for s in self.sheets:
            out.extend(s.findings)
        return out

    def submissions(self) -> list[Submission]:
        """One submission per department sheet (the master's 取組状況 is not a submission)."""
        subs = []
        for i, s in enumerate(self.sheets):
            if s.is_master:
                continue
            subs.append(Submission(s.department, self.path.name, s.name, self.sha256, self.modified,
                                   s.records, (self.findings if i == 0 else []) + s.findings))
        return subs


def file_identity(path: Path) -> tuple[str, str]:
    """(SHA-256, modification time as ISO 8601 UTC) of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).replace(microsecond=0)
    return h.hexdigest(), mtime.isoformat()


def read_workbook(path: str | Path, budgets: Budgets | None = None) -> WorkbookRead:
    """Read every KPI sheet of a workbook; raise FileError if it cannot be read safely."""
    p = Path(path)
    pre = preflight(p, budgets)
    if not pre.ok:
        f = pre.refusal
        assert f is not None
        raise FileError(f"{p.name}: {f.message}", code=f.code, path=str(p))
    sha, modified = file_identity(p)
    findings = list(pre.findings)
    wb = _load(p, findings, data_only=False)
    try:
        settings = read_settings(wb, p.name, findings)
        cached = None
        sheets: list[SheetRead] = []
        for ws in wb.worksheets:
            if ws.title in RESERVED_SHEETS and ws.title != MASTER_SHEET:
                continue
            header = find_header(list(ws.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, values_only=True)))
            if header is None:
                continue
            if cached is None and _has_formulas(ws, header.row):
                cached = _load(p, [], data_only=True)
            sheets.append(read_sheet(ws, p.name, header, settings,
                                     cached[ws.title] if cached is not None else None))
        if not sheets:
            raise FileError(f"{p.name}: 取組状況の様式のシートがありません（見出し「施策番号」「施策」… の行が見つかりません）。",
                            code="template-mismatch", path=str(p))
        if settings is None:
            marker = _version_marker(wb, sheets[0].name)
            if marker != TEMPLATE_VERSION:
                findings.append(make_finding("template-mismatch", file=p.name, sheet=sheets[0].name,
                                             severity=ERROR if marker else "warning",
                                             value=marker, detail=_version_detail(marker)))
        elif settings.version != TEMPLATE_VERSION:
            findings.append(make_finding("template-mismatch", file=p.name, sheet=SETTINGS_SHEET, cell="B3",
                                         value=settings.version, detail=_version_detail(settings.version)))
        return WorkbookRead(p, sha, modified, settings, sheets, findings)
    finally:
        wb.close()


def _version_detail(found: str) -> str:
    if not found:
        return f"様式の版を確認できません（設定シートがありません）。最新の様式（{TEMPLATE_VERSION}）を使ってください。"
    return f"様式の版「{found}」は最新の「{TEMPLATE_VERSION}」と異なります。最新の様式に転記してください。"


def _version_marker(wb, sheet: str) -> str:
    ws = wb[sheet]
    cell = ws.cell(LAYOUT.info_row, LAYOUT.last_printed_col).value
    text = str(cell or "")
    return text.replace(VERSION_LABEL, "").strip() if text.startswith(VERSION_LABEL) else ""


def _load(p: Path, findings: list[Finding], data_only: bool):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            wb = openpyxl.load_workbook(p, data_only=data_only, keep_vba=False, keep_links=False,
                                        rich_text=False)
        except FileError:
            raise
        except Exception as err:  # openpyxl raises many types for damaged content
            raise FileError(f"{p.name}: ブックを読み込めません（{type(err).__name__}）。Excelで開いて保存し直してください。",
                            code="corrupt-file", path=str(p)) from None
    seen = set()
    for w in caught:
        text = str(w.message)
        if text in seen:
            continue
        seen.add(text)
        findings.append(make_finding("dropped-content", file=p.name,
                                     detail=f"{p.name}: 読み込み時に失われる内容があります（{text}）。"))
    return wb


def read_settings(wb, file: str, findings: list[Finding]) -> Settings | None:
    if SETTINGS_SHEET not in wb.sheetnames:
        return None
    ws = wb[SETTINGS_SHEET]
    rows = ws.iter_rows(min_row=1, max_row=min(ws.max_row, 500), max_col=4, values_only=True)
    values, departments, band_rows = parse_settings_rows(list(rows))
    bands = [(int(low) if isinstance(low, (int, float)) else -10**9, str(letter), str(symbol or ""))
             for low, letter, symbol in band_rows]
    try:
        year = parse_reporting_year(str(values.get("報告年度", "")))
    except InputError:
        findings.append(make_finding("template-mismatch", file=file, sheet=SETTINGS_SHEET,
                                     value=str(values.get("報告年度", "")),
                                     detail="設定シートの報告年度を読み取れません（例: 令和2）。", severity="warning"))
        year = 0
    try:
        plan_end = parse_reporting_year(str(values.get("計画最終年度", ""))) if values.get("計画最終年度") else DEFAULT_PLAN_END
    except InputError:
        plan_end = DEFAULT_PLAN_END
    try:
        grade_bands = GradeBands(tuple(bands)) if bands else GradeBands()
    except InputError:
        findings.append(make_finding("template-mismatch", file=file, sheet=SETTINGS_SHEET,
                                     detail="設定シートの評価区分を読み取れません。既定の区分を使います。", severity="warning"))
        grade_bands = GradeBands()
    return Settings(year=year, plan_end=plan_end, departments=tuple(departments), bands=grade_bands,
                    version=str(values.get("様式", "")).strip())


def _grid(ws: Worksheet, header_row: int, cached: Worksheet | None, file: str,
          findings: list[Finding], layout: SheetLayout) -> tuple[list[list[Any]], list[list[str]]]:
    """Values (merged cells filled from their top-left cell, formulas by their cached value)
    and number formats of a sheet; reports formulas, odd merges and hidden rows on the way."""
    sheet = ws.title
    width = max(ws.max_column, layout.last_printed_col)
    values: list[list[Any]] = []
    formats: list[list[str]] = []
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=width), start=1):
        vals, fmts = [], []
        for cell in row:
            v = cell.value
            if cell.data_type == "f" and r > header_row:
                cached_value = cached.cell(cell.row, cell.column).value if cached is not None else None
                findings.append(make_finding("formula-in-input", file=file, sheet=sheet,
                                             cell=cell.coordinate, field=_field_at(cell.column, layout),
                                             value=str(v), severity="warning" if cached_value is not None else ERROR))
                v = cached_value
            vals.append(v)
            fmts.append(cell.number_format)
        values.append(vals)
        formats.append(fmts)
    for rng in ws.merged_cells.ranges:
        if rng.max_row <= header_row:
            continue
        top = values[rng.min_row - 1][rng.min_col - 1]
        fmt = formats[rng.min_row - 1][rng.min_col - 1]
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                values[r - 1][c - 1], formats[r - 1][c - 1] = top, fmt
        if rng.min_row == rng.max_row and section_of(top) is not None:
            continue
        fields_in = {layout.columns[c - 1].field for c in range(rng.min_col, min(rng.max_col, len(layout.columns)) + 1)}
        if rng.min_col != rng.max_col or (rng.max_row > rng.min_row and fields_in & PER_ROW_FIELDS):
            findings.append(make_finding("merged-input", file=file, sheet=sheet, cell=rng.coord, value=rng.coord))
    for r, dim in ws.row_dimensions.items():
        if dim.hidden and r > header_row and r <= len(values) and any(v is not None for v in values[r - 1]):
            findings.append(make_finding("hidden-row", file=file, sheet=sheet, cell=f"A{r}", value=str(r)))
    return values, formats


def _field_at(col: int, layout: SheetLayout) -> str:
    return layout.columns[col - 1].field if col <= len(layout.columns) else ""


def _has_formulas(ws: Worksheet, header_row: int) -> bool:
    for row in ws.iter_rows(min_row=header_row + 1):
        for c in row:
            if c.data_type == "f":
                return True
    return False


def read_sheet(ws: Worksheet, file: str, header: Header, settings: Settings | None,
               cached: Worksheet | None = None, layout: SheetLayout = LAYOUT) -> SheetRead:
    sheet = ws.title
    findings = missing_header_findings(header, file, sheet, layout)
    is_master = sheet == MASTER_SHEET
    values, formats = _grid(ws, header.row, cached, file, findings, layout)
    info = values[layout.info_row - 1][0] if len(values) >= layout.info_row else None
    department = sheet_department(info) or sheet
    records = parse_rows(values, header, file=file, sheet=sheet, department=department,
                         is_master=is_master, formats=formats, layout=layout)
    findings.extend(unknown_departments(records, settings))
    return SheetRead(sheet, department if not is_master else "", records, findings, is_master)


def unknown_departments(records: list[KpiRecord], settings: Settings | None) -> list[Finding]:
    if settings is None or not settings.departments:
        return []
    known = set(settings.departments)
    return [make_finding("unknown-department", record=rec, field="department", value=d)
            for rec in records for d in rec.department.split() if d and d not in known]


def read_workbooks(paths: Iterable[Path], budgets: Budgets | None = None) -> list[WorkbookRead]:
    return [read_workbook(p, budgets) for p in paths]
