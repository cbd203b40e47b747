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
from datetime import date, datetime, time, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Iterable

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from ..core.errors import FileError, InputError
from ..core.findings import ERROR, Finding, make_finding
from ..core.fiscal import parse_reporting_year
from ..core.merge import Submission
from ..core.rate import GradeBands
from ..core.record import HIGHER_IS_BETTER, LOWER_IS_BETTER, KpiRecord, Source, first_department
from .addressing import column_letter
from .layout import (DEFAULT_PLAN_END, DIRECTION_CHOICES, DIRECTION_RE, GOAL_RE, LAYOUT,
                     MASTER_SHEET, META, RATE, RESERVED_SHEETS, SETTINGS_SHEET, TEMPLATE_VERSION,
                     VERSION_LABEL, SheetLayout, squash)
from .preflight import Budgets, preflight
from .writer import Settings

DIRECTIONS = {DIRECTION_CHOICES[0]: HIGHER_IS_BETTER, DIRECTION_CHOICES[1]: LOWER_IS_BETTER,
              HIGHER_IS_BETTER: HIGHER_IS_BETTER, LOWER_IS_BETTER: LOWER_IS_BETTER}
PER_ROW_FIELDS = frozenset(("kpi_no", "kpi_item", "baseline", "target", "current", "rate",
                            "revised_target", "revised_rate", "revision_note", "direction"))
HEADER_SCAN_ROWS = 12


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
            header = find_header(ws)
            if header is None:
                continue
            if cached is None and _has_formulas(ws, header[0]):
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
    values: dict[str, Any] = {}
    departments: list[str] = []
    bands: list[tuple[int, str, str]] = []
    mode = ""
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 500), max_col=4, values_only=True):
        label = str(row[0] or "").strip()
        if label:
            mode = label
            if len(row) > 1 and row[1] is not None and label not in ("評価区分", "部署一覧"):
                values[label] = row[1]
            continue
        if mode == "部署一覧" and row[1]:
            departments.append(str(row[1]).strip())
        elif mode == "評価区分" and row[2]:
            low = row[1]
            bands.append((int(low) if isinstance(low, (int, float)) else -10**9, str(row[2]), str(row[3] or "")))
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


def find_header(ws: Worksheet, layout: SheetLayout = LAYOUT) -> tuple[int, dict[str, int], list[str]] | None:
    """(lower header row, field → column, missing fields) or None when the sheet has no KPI header."""
    rows = list(ws.iter_rows(min_row=1, max_row=min(ws.max_row, HEADER_SCAN_ROWS), values_only=True))
    for i, row in enumerate(rows):
        if any(squash(str(v)) == "施策番号" for v in row if v is not None):
            group = [squash(str(v)) if v is not None else "" for v in row]
            lower = [squash(str(v)) if v is not None else "" for v in rows[i + 1]] if i + 1 < len(rows) else []
            texts = [(lower[c] if c < len(lower) and lower[c] else group[c]) for c in range(max(len(group), len(lower)))]
            mapping: dict[str, int] = {}
            used: set[int] = set()
            for col in layout.columns:
                for c, t in enumerate(texts):
                    if c not in used and t and col.matches(t):
                        mapping[col.field] = c + 1
                        used.add(c)
                        break
            missing = [c.field for c in layout.columns if c.field not in mapping and c.kind != META]
            return i + 2, mapping, missing
    return None


def _has_formulas(ws: Worksheet, header_row: int) -> bool:
    for row in ws.iter_rows(min_row=header_row + 1):
        for c in row:
            if c.data_type == "f":
                return True
    return False


def read_sheet(ws: Worksheet, file: str, header: tuple[int, dict[str, int], list[str]],
               settings: Settings | None, cached: Worksheet | None = None,
               layout: SheetLayout = LAYOUT) -> SheetRead:
    header_row, cols, missing = header
    sheet = ws.title
    findings: list[Finding] = []
    for name in missing:
        col = layout.columns[layout.col(name) - 1]
        findings.append(make_finding("missing-header", file=file, sheet=sheet,
                                     cell=f"{column_letter(layout.col(name))}{header_row}",
                                     value=col.header.split("\n")[0].format(year="令和N年度", plan_end="", next_year=""),
                                     detail="最新の様式に転記してください。"))
    is_master = sheet == MASTER_SHEET
    department = _sheet_department(ws, layout) or sheet

    merged: dict[tuple[int, int], tuple[int, int]] = {}
    a_col = cols.get("measure_id", 1)
    for rng in ws.merged_cells.ranges:
        if rng.max_row <= header_row:
            continue
        top = (rng.min_row, rng.min_col)
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != top:
                    merged[(r, c)] = top
        head = ws.cell(rng.min_row, rng.min_col).value
        is_section = rng.min_row == rng.max_row and isinstance(head, str) and (
            GOAL_RE.match(head.strip()) or DIRECTION_RE.match(head.strip()))
        if is_section:
            continue
        fields_in = {f for f, c in cols.items() if rng.min_col <= c <= rng.max_col}
        if rng.min_col != rng.max_col or (rng.max_row > rng.min_row and fields_in & PER_ROW_FIELDS):
            findings.append(make_finding("merged-input", file=file, sheet=sheet, cell=rng.coord, value=rng.coord))

    records: list[KpiRecord] = []
    goal = ("", "")
    direction = ("", "")
    grid = ws.iter_rows(min_row=header_row + 1, max_row=ws.max_row, max_col=max(cols.values()))
    for r_index, row in enumerate(grid, start=header_row + 1):
        first = row[a_col - 1].value if len(row) >= a_col else None
        if isinstance(first, str) and (r_index, a_col) not in merged:
            head = first.strip()
            m = GOAL_RE.match(head)
            if m:
                goal, direction = (m.group(1), m.group(2).strip()), ("", "")
                continue
            m = DIRECTION_RE.match(head)
            if m:
                direction = (m.group(1), m.group(2).strip())
                continue
        values: dict[str, str] = {}
        cells: dict[str, str] = {}
        for name, c in cols.items():
            r0, c0 = merged.get((r_index, c), (r_index, c))
            cell = row[c - 1] if (r0, c0) == (r_index, c) and c - 1 < len(row) else ws.cell(r0, c0)
            cells[name] = f"{column_letter(c)}{r_index}"
            kind = layout.columns[layout.col(name) - 1].kind
            if cell.data_type == "f":
                cached_value = cached.cell(r0, c0).value if cached is not None else None
                formula = str(cell.value)
                findings.append(make_finding("formula-in-input", file=file, sheet=sheet, cell=cells[name],
                                             field=name, value=formula,
                                             severity="warning" if cached_value is not None else ERROR))
                values[name] = cell_text(cached_value, cell.number_format, kind)
            else:
                values[name] = cell_text(cell.value, cell.number_format, kind)
        if not any(v for k, v in values.items() if layout.columns[layout.col(k) - 1].kind != META):
            continue
        if ws.row_dimensions[r_index].hidden:
            findings.append(make_finding("hidden-row", file=file, sheet=sheet, cell=f"A{r_index}",
                                         value=str(r_index)))
        values["goal_no"], values["goal_title"] = goal
        values["direction_letter"], values["direction_title"] = direction
        values["direction"] = DIRECTIONS.get(values.get("direction", ""), values.get("direction", ""))
        if not is_master:
            values["submitted_by"] = department
            values["origin_file"], values["origin_sheet"], values["origin_row"] = file, sheet, str(r_index)
        rec = KpiRecord.from_mapping(values, Source(file, sheet, r_index, cells))
        records.append(rec)

    if settings is not None and settings.departments:
        known = set(settings.departments)
        for rec in records:
            for d in rec.department.split():
                if d and d not in known:
                    findings.append(make_finding("unknown-department", record=rec, field="department", value=d))
    return SheetRead(sheet, department if not is_master else "", records, findings, is_master)


def _sheet_department(ws: Worksheet, layout: SheetLayout) -> str:
    info = ws.cell(layout.info_row, 1).value
    if isinstance(info, str) and info.strip().startswith("部署"):
        name = info.split(":", 1)[-1].split("：", 1)[-1].strip()
        if name and not name.startswith("（"):
            return first_department(name)
    return ""


def _decimal_text(v: float | int) -> str:
    d = Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
    text = format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")
    return text


def _percent_decimals(number_format: str) -> int:
    fmt = number_format.split(";")[0]
    if "." not in fmt:
        return 0
    return len(fmt.split(".", 1)[1].split("%")[0].strip('"'))


def cell_text(value: Any, number_format: str = "General", kind: str = "") -> str:
    """The text a cell shows, as a record field holds it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip(" \u3000")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        if "%" in (number_format or "") or (kind == RATE and isinstance(value, float) and abs(value) < 20):
            pct = (Decimal(repr(value)) if isinstance(value, float) else Decimal(value)) * 100
            places = _percent_decimals(number_format or "0%")
            shown = pct.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
            return f"{shown}%"
        text = _decimal_text(value)
        if "," in (number_format or "") and "." not in text and abs(int(Decimal(text))) >= 1000:
            return f"{int(Decimal(text)):,}"
        return text
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def read_workbooks(paths: Iterable[Path], budgets: Budgets | None = None) -> list[WorkbookRead]:
    return [read_workbook(p, budgets) for p in paths]
