"""Reading submissions and masters into records, with the cell address of every field.

Every file goes through :func:`~xl_kpi.files.reading.preflight.preflight` first; a refusal is a
:class:`FileError` with its finding code. A sheet is a KPI sheet when its header matches the
layout (:mod:`..layout`); its section rows (【基本目標N】, 【基本的方向：ア】) give each record its
goal and direction, merged cells give every row of a measure its measure-level values, and each
cell becomes the text it displays. Workbook-level findings (template version, missing headers,
formulas, merged or hidden input rows, unknown departments, content openpyxl drops) come back
with the records; nothing here stops at the first problem except a file that is unsafe to open.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ...core.errors import FileError
from ...core.findings import ERROR, Finding, make_finding
from ...core.fiscal import japan_time
from ...core.merge import Submission
from ...core.record import KpiRecord
from ...core.register import PlanRegister
from ..addressing import column_letter
from ..layout import (
    HISTORY_SHEET,
    LAYOUT,
    MASTER_SHEET,
    REGISTER_SHEET,
    RESERVED_SHEETS,
    SETTINGS_SHEET,
    STATUS_SHEET,
    TEMPLATE_VERSION,
    VERSION_LABEL,
    Settings,
    SheetLayout,
)
from .comments import read_comments, staff_text
from .department import settle_department, sheet_department
from .header import HEADER_SCAN_ROWS, Header, find_header, missing_header_findings, section_of
from .preflight import Budgets, preflight
from .register_sheet import register_from_rows
from .rows import PER_ROW_FIELDS, cell_text, parse_rows
from .settings_sheet import parse_settings_rows, settings_from_rows
from .submitted import SETTINGS_LABEL as SUBMITTED_LABEL
from .submitted import submission_time

__all__ = ["read_workbook", "WorkbookRead", "SheetRead", "cell_text", "file_identity"]


@dataclass
class SheetRead:
    name: str
    department: str
    records: list[KpiRecord]
    findings: list[Finding]
    is_master: bool = False
    withheld: bool = False  # not a submission: another sheet of the book has the same department


@dataclass
class WorkbookRead:
    path: Path
    sha256: str
    modified: str
    settings: Settings | None
    sheets: list[SheetRead] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # file-level
    status_rows: list[list[Any]] = field(default_factory=list)  # a master's 提出状況, below its header
    history_rows: list[list[Any]] = field(default_factory=list)  # a master's 「推移」, every row
    time_source: str = ""  # which rule gave ``modified`` (see :mod:`.submitted`)
    register_rows: list[list[Any]] | None = None  # the 「計画」 sheet, every row (None: no such sheet)

    @property
    def is_plan(self) -> bool:
        """A plan workbook (「計画」 and no KPI sheet), as ``import-csv`` and ``rollover`` write it."""
        return self.register_rows is not None and not self.sheets

    def register(self, departments: Sequence[str] = ()) -> tuple[PlanRegister | None, list[Finding]]:
        """The plan its 「計画」 sheet holds (None without one), and what is wrong in it."""
        if self.register_rows is None:
            return None, []
        s = self.settings
        return register_from_rows(self.register_rows, self.path.name,
                                  departments=departments or (s.departments if s is not None else ()),
                                  plan_start=s.plan_start if s is not None else 0,
                                  plan_end=s.plan_end if s is not None else 0)

    def submissions(self) -> list[Submission]:
        """One submission per department sheet (not the master's 取組状況, not a withheld sheet)."""
        subs: list[Submission] = []
        for s in self.sheets:
            if s.is_master or s.withheld:
                continue
            subs.append(Submission(s.department, self.path.name, s.name, self.sha256, self.modified,
                                   s.records, ([] if subs else self.findings) + s.findings, self.time_source))
        return subs

    def withheld_findings(self) -> list[Finding]:
        """Findings no submission carries: of withheld sheets (and the file's, if none is used)."""
        out = [] if self.submissions() else list(self.findings)
        for s in self.sheets:
            if s.withheld:
                out.extend(s.findings)
        return out


def file_identity(path: Path) -> tuple[str, str]:
    """(SHA-256, modification time as ISO 8601 in Japan time, ``…+09:00``) of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    mtime = japan_time(datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc))
    return h.hexdigest(), mtime.isoformat()


@dataclass
class RawSheet:
    """What an engine read of one sheet: values from row 1/column A, and what it knows besides."""

    name: str
    values: list[list[Any]]
    formats: list[list[str]] | None = None                       # number formats, when known
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 1-based, inclusive
    hidden_rows: list[int] = field(default_factory=list)
    formulas: list[tuple[int, int, str, Any]] = field(default_factory=list)  # (row, col, formula, cached)


def read_workbook(path: str | Path, budgets: Budgets | None = None, engine: str = "auto") -> WorkbookRead:
    """Read every KPI sheet of a workbook; raise FileError if it cannot be read safely.

    ``engine``: ``auto`` (or ``calamine``) reads values and merged areas with calamine, hidden
    rows in the preflight, and number formats and formulas from the package XML
    (:mod:`.sheetxml`) — no workbook library loads the file. ``openpyxl`` loads it with openpyxl
    (the reference the fast engine is tested against; it also reports what openpyxl drops).
    """
    p = Path(path)
    pre = preflight(p, budgets)
    if not pre.ok:
        f = pre.refusal
        assert f is not None
        err = FileError(f"{p.name}: {f.message}", code=f.code, path=str(p))
        err.finding = f
        raise err
    sha, mtime = file_identity(p)
    findings = list(pre.findings)
    raw = _openpyxl_sheets(p, findings) if engine == "openpyxl" else _calamine_sheets(p, pre)
    wb = _assemble(p, sha, mtime, raw, findings)
    _add_comments(p, wb)
    return wb


def _assemble(p: Path, sha: str, mtime: str, raw: list[RawSheet], findings: list[Finding]) -> WorkbookRead:
    by_name = {r.name: r for r in raw}
    settings_rows = by_name[SETTINGS_SHEET].values if SETTINGS_SHEET in by_name else None
    settings = settings_from_rows(settings_rows, p.name, findings) if settings_rows is not None else None
    sheets: list[SheetRead] = []
    for r in raw:
        if r.name in RESERVED_SHEETS and r.name != MASTER_SHEET:
            continue
        header = find_header(r.values[:HEADER_SCAN_ROWS])
        if header is None:
            continue
        sheets.append(read_sheet(r, p.name, header, settings))
    _withhold_duplicates(sheets, p.name)
    register = by_name[REGISTER_SHEET].values if REGISTER_SHEET in by_name else None
    if not sheets and register is not None:
        return WorkbookRead(p, sha, mtime, settings, [], findings, register_rows=register)
    if not sheets:
        raise FileError(f"{p.name}: 取組状況の様式のシートがありません（見出し「施策番号」「施策」… の行が見つかりません）。",
                        code="template-mismatch", path=str(p))
    if settings is None:
        marker = _version_marker(by_name[sheets[0].name])
        if marker != TEMPLATE_VERSION:
            findings.append(make_finding("template-mismatch", file=p.name, sheet=sheets[0].name,
                                         severity=ERROR if marker else "warning",
                                         value=marker, detail=_version_detail(marker)))
    elif settings.version != TEMPLATE_VERSION:
        findings.append(make_finding("template-mismatch", file=p.name, sheet=SETTINGS_SHEET, cell="B3",
                                     value=settings.version, detail=_version_detail(settings.version)))
    status = by_name[STATUS_SHEET].values[1:] if STATUS_SHEET in by_name else []
    stamp = parse_settings_rows(settings_rows[:500])[0].get(SUBMITTED_LABEL) if settings_rows else None
    modified, source = submission_time(p, mtime, stamp)
    history = by_name[HISTORY_SHEET].values if HISTORY_SHEET in by_name else []
    return WorkbookRead(p, sha, modified, settings, sheets, findings, status, history, source, register)


def _withhold_duplicates(sheets: list[SheetRead], file: str) -> None:
    """Two sheets of one department (a kept copy 「商工労働部 (2)」…) are an error, and neither is
    merged: which one holds the values meant is not for xl-kpi to guess."""
    by_department: dict[str, list[SheetRead]] = {}
    for s in sheets:
        if not s.is_master:
            by_department.setdefault(s.department, []).append(s)
    for department, group in by_department.items():
        if len(group) < 2:
            continue
        names = "、".join(f"「{s.name}」" for s in group)
        for s in group:
            s.withheld = True
            s.findings.append(make_finding(
                "duplicate-department-sheet", file=file, sheet=s.name, value=department,
                detail=f"{file} に{department}のシートが複数あります（{names}）。どちらも統合していません"
                       f"（{department}の行は前回のままです）。古いシートを削除して提出し直してください。"))


def _add_comments(p: Path, wb: WorkbookRead) -> None:
    """Each cell comment of a submission sheet becomes an info finding (its text and author)."""
    comments = read_comments(p)
    for s in wb.sheets:
        on_row = {r.source.row: r for r in s.records}  # the KPI of the row a comment is on
        for c in comments.get(s.name, []) if not s.is_master else []:
            text = staff_text(c.text)  # xl-kpi's own feedback in a returned copy is not theirs
            if not text:
                continue
            col = "".join(ch for ch in c.cell if ch.isalpha())
            row = c.cell[len(col):]
            field_name = next((f for f, letter in _LETTERS.items() if letter == col), "")
            s.findings.append(make_finding("cell-comment", record=on_row.get(int(row)) if row.isdigit() else None,
                                           file=p.name, sheet=s.name, cell=c.cell,
                                           field=field_name, value=text, detail=c.author or "作成者不明"))


def _calamine_sheets(p: Path, pre) -> list[RawSheet]:
    import python_calamine
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(p))
        out = []
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            values = [[None if v == "" else v for v in row] for row in rows]
            merges = [(r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
            out.append(RawSheet(name, values, None, merges, pre.hidden_rows.get(name, [])))
        _add_formats_and_formulas(p, pre, out)
    except Exception as err:  # calamine and the XML parser raise their own error types for damaged parts
        raise FileError(f"{p.name}: ブックを読み込めません（{type(err).__name__}）。Excelで開いて保存し直してください。",
                        code="corrupt-file", path=str(p)) from None
    return out


def _add_formats_and_formulas(p: Path, pre, sheets: list[RawSheet]) -> None:
    """Number formats (when a KPI sheet holds numbers or dates below its header) and formulas,
    read from the package XML (:mod:`.sheetxml`) instead of loading the workbook."""
    todo = []
    for r in sheets:
        header = find_header(r.values[:HEADER_SCAN_ROWS])
        part = pre.sheet_parts.get(r.name)
        if header is None or part is None:
            continue
        want_formats = _has_typed_values(r.values, header.row)
        if want_formats or pre.has_formulas:
            todo.append((r, part, want_formats))
    if not todo:
        return
    import zipfile

    from .sheetxml import GENERAL, sheet_cells, style_formats
    with zipfile.ZipFile(p) as zf:
        styles = style_formats(zf)
        for r, part, want_formats in todo:
            cells = sheet_cells(zf, part, styles, want_formats, pre.has_formulas)
            if want_formats:
                r.formats = _format_grid(r.values, cells.formats, GENERAL)
            r.formulas = [(i, j, text, _value_at(r.values, i, j)) for i, j, text in cells.formulas]


def _format_grid(values: list[list[Any]], formats: dict[tuple[int, int], str], general: str) -> list[list[str]]:
    """The number format of every cell of ``values`` (``formats``: the 1-based cells not General)."""
    grid = [[general] * len(row) for row in values]
    for (i, j), fmt in formats.items():
        if i <= len(grid) and j <= len(grid[i - 1]):
            grid[i - 1][j - 1] = fmt
    return grid


def _has_typed_values(values: list[list[Any]], header_row: int) -> bool:
    """A number or date below the header (its display depends on its number format)."""
    for row in values[header_row:]:
        for v in row:
            if v is not None and type(v) is not str and type(v) is not bool:
                return True
    return False


def _value_at(values: list[list[Any]], row: int, col: int) -> Any:
    return values[row - 1][col - 1] if row <= len(values) and col <= len(values[row - 1]) else None


def _openpyxl_sheets(p: Path, findings: list[Finding]) -> list[RawSheet]:
    wb = _load(p, findings, data_only=False)
    cached_wb = None
    try:
        out = []
        for ws in wb.worksheets:
            values: list[list[Any]] = []
            formats: list[list[str]] = []
            formulas: list[tuple[int, int, str, Any]] = []
            for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column):
                vals, fmts = [], []
                for cell in row:
                    v = cell.value
                    if cell.data_type == "f":
                        if cached_wb is None:
                            cached_wb = _load(p, [], data_only=True)
                        cached = cached_wb[ws.title].cell(cell.row, cell.column).value
                        formulas.append((cell.row, cell.column, str(v), cached))
                        v = cached
                    vals.append(v)
                    fmts.append(cell.number_format)
                values.append(vals)
                formats.append(fmts)
            merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
            hidden = sorted(r for r, d in ws.row_dimensions.items() if d.hidden)
            out.append(RawSheet(ws.title, values, formats, merges, hidden, formulas))
        return out
    finally:
        wb.close()
        if cached_wb is not None:
            cached_wb.close()


def _load(p: Path, findings: list[Finding], data_only: bool):
    """openpyxl's workbook; every warning it raises about dropping content becomes a finding."""
    import openpyxl
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            wb = openpyxl.load_workbook(p, data_only=data_only, keep_vba=False, keep_links=False,
                                        rich_text=False)
        except Exception as err:  # openpyxl raises many types for damaged content
            raise FileError(f"{p.name}: ブックを読み込めません（{type(err).__name__}）。Excelで開いて保存し直してください。",
                            code="corrupt-file", path=str(p)) from None
    seen = set()
    for w in caught:
        text = str(w.message)
        if text not in seen:
            seen.add(text)
            findings.append(make_finding("dropped-content", file=p.name,
                                         detail=f"{p.name}: 読み込み時に失われる内容があります（{text}）。"))
    return wb


def _version_detail(found: str) -> str:
    if not found:
        return f"様式の版を確認できません（設定シートがありません）。最新の様式（{TEMPLATE_VERSION}）を使ってください。"
    return f"様式の版「{found}」は最新の「{TEMPLATE_VERSION}」と異なります。最新の様式に転記してください。"


def _version_marker(raw: RawSheet) -> str:
    row = raw.values[LAYOUT.info_row - 1] if len(raw.values) >= LAYOUT.info_row else []
    cell = row[LAYOUT.last_printed_col - 1] if len(row) >= LAYOUT.last_printed_col else None
    text = str(cell or "")
    return text.replace(VERSION_LABEL, "").strip() if text.startswith(VERSION_LABEL) else ""


def _grid(raw: RawSheet, header_row: int, file: str, findings: list[Finding],
          layout: SheetLayout) -> tuple[list[list[Any]], list[list[str]] | None]:
    """Values with a measure's cells merged down its rows filled from their top-left cell (a
    value merged across KPIs or columns is reported and left in its top-left cell only); reports
    formulas and hidden rows of the input area."""
    sheet = raw.name
    width = max([len(r) for r in raw.values] + [layout.last_printed_col])
    values = [list(r) + [None] * (width - len(r)) for r in raw.values]
    formats = None if raw.formats is None else [list(f) + ["General"] * (width - len(f)) for f in raw.formats]
    for r, c, formula, cached in raw.formulas:
        if r > header_row:
            findings.append(make_finding("formula-in-input", file=file, sheet=sheet,
                                         cell=f"{column_letter(c)}{r}", field=_field_at(c, layout), value=formula,
                                         severity="warning" if cached is not None else ERROR))
    for r0, c0, r1, c1 in raw.merges:
        if r1 <= header_row or r0 > len(values):
            continue
        top = values[r0 - 1][c0 - 1]
        fields_in = {layout.columns[c - 1].field for c in range(c0, min(c1, len(layout.columns)) + 1)}
        heading = r0 == r1 and section_of(top) is not None
        if not heading and (c0 != c1 or (r1 > r0 and fields_in & PER_ROW_FIELDS)):
            # a value merged across KPIs or columns is its top-left cell's only: the rest stay blank
            coord = f"{column_letter(c0)}{r0}:{column_letter(c1)}{r1}"
            findings.append(make_finding("merged-input", file=file, sheet=sheet, cell=coord, value=coord))
            continue
        fmt = formats[r0 - 1][c0 - 1] if formats is not None else ""
        for r in range(r0, min(r1, len(values)) + 1):  # a measure's cells merged down its KPI rows
            for c in range(c0, min(c1, width) + 1):
                values[r - 1][c - 1] = top
                if formats is not None:
                    formats[r - 1][c - 1] = fmt
    for r in raw.hidden_rows:
        if header_row < r <= len(values) and any(v is not None for v in values[r - 1]):
            findings.append(make_finding("hidden-row", file=file, sheet=sheet, cell=f"A{r}", value=str(r)))
    return values, formats


def _field_at(col: int, layout: SheetLayout) -> str:
    return layout.columns[col - 1].field if col <= len(layout.columns) else ""


def read_sheet(raw: RawSheet, file: str, header: Header, settings: Settings | None,
               layout: SheetLayout = LAYOUT) -> SheetRead:
    sheet = raw.name
    findings = missing_header_findings(header, file, sheet, layout)
    is_master = sheet == MASTER_SHEET
    values, formats = _grid(raw, header.row, file, findings, layout)
    info = values[layout.info_row - 1][0] if len(values) >= layout.info_row else None
    label = sheet_department(info)
    records = parse_rows(values, header, file=file, sheet=sheet, department=label or sheet,
                         is_master=is_master, formats=formats, layout=layout, findings=findings)
    if is_master:
        return SheetRead(sheet, "", records, findings, True)
    department, records, checks = settle_department(label, records, sheet, settings, file, layout)
    findings.extend(checks)
    return SheetRead(sheet, department, records, findings)


_LETTERS = {f: LAYOUT.letter(f) for f in LAYOUT.fields}
