"""The layout applied to a grid of cell values — shared by every engine.

Reading: find the header in rows of values, walk section rows (【基本目標N】, 【基本的方向：ア】) and
turn data rows into records with cell addresses. Writing: plan the rows of a KPI sheet (section
rows, measure groups and which cells merge) for a renderer — XlsxWriter for files, xlwings for the
open workbook. No workbook library is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping, Sequence

from ..core.errors import InputError, QuantityError
from ..core.findings import Finding, make_finding
from ..core.fiscal import parse_reporting_year
from ..core.rate import GradeBands, parse_rate
from ..core.record import (
    DIRECTION_LABELS,
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    KpiRecord,
    Source,
    first_department,
)
from ..core.rules import Evaluation, evaluate
from .addressing import column_letter
from .layout import (
    DEFAULT_PLAN_END,
    DIRECTION_CHOICES,
    DIRECTION_RE,
    GOAL_RE,
    LAYOUT,
    META,
    QUANTITY,
    RATE,
    SETTINGS_SHEET,
    Settings,
    SheetLayout,
    direction_heading,
    goal_heading,
    squash,
)

DIRECTIONS = {DIRECTION_CHOICES[0]: HIGHER_IS_BETTER, DIRECTION_CHOICES[1]: LOWER_IS_BETTER,
              HIGHER_IS_BETTER: HIGHER_IS_BETTER, LOWER_IS_BETTER: LOWER_IS_BETTER}
PER_ROW_FIELDS = frozenset(("kpi_no", "kpi_item", "baseline", "target", "current", "rate",
                            "revised_target", "revised_rate", "revision_note", "direction"))
MEASURE_FIELDS = tuple(c.field for c in LAYOUT.columns if c.measure_level)
HEADER_SCAN_ROWS = 12


@dataclass(frozen=True)
class Header:
    row: int                 # 1-based row of the lower header
    columns: dict[str, int]  # field → 1-based column
    missing: tuple[str, ...]


def find_header(rows: Sequence[Sequence[Any]], layout: SheetLayout = LAYOUT) -> Header | None:
    """The KPI header in the first rows of a sheet, or None when it is not a KPI sheet."""
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if not any(v is not None and squash(str(v)) == "施策番号" for v in row):
            continue
        group = [squash(str(v)) if v is not None else "" for v in row]
        lower = [squash(str(v)) if v is not None else "" for v in rows[i + 1]] if i + 1 < len(rows) else []
        width = max(len(group), len(lower))
        texts = [(lower[c] if c < len(lower) and lower[c] else (group[c] if c < len(group) else ""))
                 for c in range(width)]
        mapping: dict[str, int] = {}
        used: set[int] = set()
        for col in layout.columns:
            for c, t in enumerate(texts):
                if c not in used and t and col.matches(t):
                    mapping[col.field] = c + 1
                    used.add(c)
                    break
        missing = tuple(c.field for c in layout.columns if c.field not in mapping and c.kind != META)
        return Header(i + 2, mapping, missing)
    return None


def missing_header_findings(header: Header, file: str, sheet: str,
                            layout: SheetLayout = LAYOUT) -> list[Finding]:
    out = []
    for name in header.missing:
        col = layout.columns[layout.col(name) - 1]
        out.append(make_finding("missing-header", file=file, sheet=sheet,
                                cell=f"{column_letter(layout.col(name))}{header.row}",
                                value=col.header.split("\n")[0].format(year="令和N年度", plan_end="", next_year=""),
                                detail="最新の様式に転記してください。"))
    return out


def section_of(value: Any) -> tuple[str, str, str] | None:
    """('goal'|'direction', number or letter, title) for a section row's first cell."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = GOAL_RE.match(text)
    if m:
        return "goal", m.group(1), m.group(2).strip()
    m = DIRECTION_RE.match(text)
    if m:
        return "direction", m.group(1), m.group(2).strip()
    return None


def sheet_department(info_cell: Any) -> str:
    """部署 named in the info row (「部署: 商工労働部」), or ''."""
    if isinstance(info_cell, str) and info_cell.strip().startswith("部署"):
        name = info_cell.split(":", 1)[-1].split("：", 1)[-1].strip()
        if name and not name.startswith("（"):
            return first_department(name)
    return ""


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
        fmt = number_format or "General"
        if "%" in fmt or (kind == RATE and isinstance(value, float) and abs(value) < 20):
            pct = (Decimal(repr(value)) if isinstance(value, float) else Decimal(value)) * 100
            places = _percent_decimals(fmt if "%" in fmt else "0%")
            return f"{pct.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        text = format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")
        if "," in fmt and "." not in text and abs(int(d)) >= 1000:
            return f"{int(d):,}"
        return text
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def parse_rows(rows: Sequence[Sequence[Any]], header: Header, *, file: str, sheet: str,
               department: str, is_master: bool, formats: Sequence[Sequence[str]] | None = None,
               fill_measure_down: bool = False, layout: SheetLayout = LAYOUT) -> list[KpiRecord]:
    """Records of the data rows below the header. ``rows[0]`` is row 1 of the sheet.

    ``fill_measure_down``: for engines that cannot report merged cells (the Office.js payload),
    a row whose 施策番号 and 施策 are blank continues the measure above and takes its
    measure-level cells (施策番号, 施策, 部署, 施策の内容) — those are one value per measure.
    """
    cols = header.columns
    kinds = {f: layout.columns[layout.col(f) - 1].kind for f in cols}
    printed = [f for f in cols if kinds[f] != META]
    a = cols.get("measure_id", 1) - 1
    letters = {name: column_letter(c) for name, c in cols.items()}
    col_items = list(cols.items())
    goal = direction = ("", "")
    previous: dict[str, str] | None = None
    records: list[KpiRecord] = []
    for r in range(header.row, len(rows)):
        row = rows[r]
        if row.count(None) == len(row):  # a blank row (all engines give None for empty cells)
            continue
        sec = section_of(row[a] if a < len(row) else None)
        if sec is not None:
            if sec[0] == "goal":
                goal, direction = sec[1:], ("", "")
            else:
                direction = sec[1:]
            previous = None
            continue
        fmt_row = formats[r] if formats is not None and r < len(formats) else None
        values: dict[str, str] = {}
        width = len(row)
        for name, c in col_items:
            v = row[c - 1] if c <= width else None
            if v is None:
                values[name] = ""
            elif type(v) is str:  # a text displays as itself whatever its number format
                values[name] = v.strip(" \u3000")
            else:
                values[name] = cell_text(v, fmt_row[c - 1] if fmt_row and c - 1 < len(fmt_row) else "General",
                                         kinds[name])
        if not any(values[f] for f in printed):
            continue
        if fill_measure_down and previous is not None and not values.get("measure_id") \
                and not values.get("measure_name"):
            for f in MEASURE_FIELDS:
                if f in values and not values[f]:
                    values[f] = previous.get(f, "")
        previous = values
        r1 = r + 1
        out = dict(values)
        out["goal_no"], out["goal_title"] = goal
        out["direction_letter"], out["direction_title"] = direction
        out["direction"] = DIRECTIONS.get(values.get("direction", ""), values.get("direction", ""))
        if not is_master:
            out["submitted_by"] = department
            out["origin_file"], out["origin_sheet"], out["origin_row"] = file, sheet, str(r1)
        records.append(KpiRecord.from_texts(out, Source(file, sheet, r1, letters)))
    return records


# --- writing: the plan of a KPI sheet -----------------------------------------------------------

@dataclass
class PlannedRow:
    kind: str                         # 'goal' | 'direction' | 'data'
    values: list[Any]                 # one per layout column ('goal'/'direction': [heading])
    record: KpiRecord | None = None


@dataclass
class PlannedGroup:
    """The rows of one measure, and the columns merged down them (0-based column indexes)."""

    first_row: int                    # 0-based index into the plan
    size: int
    merged: list[int] = field(default_factory=list)


def _rate_cell(text: str) -> Any:
    """A submitted 達成率 text as a number (fraction) when it reads as one, else the text."""
    try:
        v = parse_rate(text)
    except QuantityError:
        return text
    return text if v is None else float(v)


def cell_values(r: KpiRecord, computed: bool, layout: SheetLayout = LAYOUT,
                evaluation: Evaluation | None = None) -> list[Any]:
    """The values a record's row shows: texts, and 達成率 as fractions (computed or as submitted)."""
    d: dict[str, Any] = r.to_dict()
    if computed:
        ev = evaluation or evaluate(r)
        d["rate"] = "" if ev.rate is None else (float(ev.rate.value) if ev.rate.value is not None else "-")
        if ev.revised_rate is not None:
            d["revised_rate"] = float(ev.revised_rate.value) if ev.revised_rate.value is not None else "-"
        else:
            d["revised_rate"] = _rate_cell(r.revised_rate) if r.revised_rate else ""
    else:
        d["rate"] = _rate_cell(r.rate) if r.rate else ""
        d["revised_rate"] = _rate_cell(r.revised_rate) if r.revised_rate else ""
    d["direction"] = DIRECTION_LABELS.get(r.direction, r.direction) if r.direction else ""
    return [d.get(c.field, "") for c in layout.columns]


def _measure_key(r: KpiRecord) -> tuple:
    return (r.goal_no, r.direction_letter, r.measure_id or r.measure_name, r.is_relisted, r.submitted_by)


def plan_sheet(records: Sequence[KpiRecord], computed: bool, layout: SheetLayout = LAYOUT,
               evaluations: Mapping[int, Evaluation] | None = None
               ) -> tuple[list[PlannedRow], list[PlannedGroup]]:
    """Rows (with section rows) and measure groups of a KPI sheet, in the order given.

    ``evaluations`` (``id(record)`` → its rates) lets a caller that already computed them share them."""
    rows: list[PlannedRow] = []
    groups: list[PlannedGroup] = []
    goal = direction = None
    prev_key = None
    for r in records:
        if r.goal_no != goal:
            goal, direction = r.goal_no, None
            rows.append(PlannedRow("goal", [goal_heading(r.goal_no, r.goal_title)]))
            prev_key = None
        if r.direction_letter != direction:
            direction = r.direction_letter
            rows.append(PlannedRow("direction", [direction_heading(r.direction_letter, r.direction_title)]))
            prev_key = None
        key = _measure_key(r)
        if key == prev_key:
            groups[-1].size += 1
        else:
            groups.append(PlannedGroup(len(rows), 1))
        prev_key = key
        ev = evaluations.get(id(r)) if evaluations is not None else None
        rows.append(PlannedRow("data", cell_values(r, computed, layout, ev), r))
    for g in groups:
        if g.size < 2:
            continue
        block = [rows[g.first_row + k].values for k in range(g.size)]
        for ci, col in enumerate(layout.columns):
            if col.kind in (RATE, META, QUANTITY) or col.field in PER_ROW_FIELDS:
                continue
            first = block[0][ci]
            if first != "" and all(v[ci] == first for v in block):
                g.merged.append(ci)
    return rows, groups


# --- the frame: title, info and the two header rows ------------------------------------------------

@dataclass
class HeaderPlan:
    group: list[str]                          # upper header row, one per column ('' under a merge)
    lower: list[str]                          # lower header row
    merges: list[tuple[int, int, int, int]]   # (row0, col0, row1, col1), 0-based, within the 2 rows
    meta_cols: list[int]                      # provenance columns (styled apart)


def header_plan(year: int, plan_end: int, layout: SheetLayout = LAYOUT) -> HeaderPlan:
    cols = layout.columns
    group = [""] * len(cols)
    lower = [""] * len(cols)
    merges: list[tuple[int, int, int, int]] = []
    i = 0
    while i < len(cols):
        c = cols[i]
        if c.group:
            j = i
            while j + 1 < len(cols) and cols[j + 1].group == c.group:
                j += 1
            group[i] = c.group
            if j > i:
                merges.append((0, i, 0, j))
            for k in range(i, j + 1):
                lower[k] = cols[k].header_for(year, plan_end)
            i = j + 1
        else:
            group[i] = c.header_for(year, plan_end)
            merges.append((0, i, 1, i))
            i += 1
    return HeaderPlan(group, lower, merges, [i for i, c in enumerate(cols) if c.kind == META])


def parse_settings_rows(rows: Sequence[Sequence[Any]]) -> tuple[dict[str, Any], list[str], list[tuple[Any, Any, Any]]]:
    """(labelled values, department list, grade-band rows) of a 「設定」 sheet's cells."""
    values: dict[str, Any] = {}
    departments: list[str] = []
    bands: list[tuple[Any, Any, Any]] = []
    mode = ""
    for row in rows:
        row = list(row) + [None] * (4 - len(row))
        label = str(row[0] or "").strip()
        if label:
            mode = label
            if row[1] is not None and label not in ("評価区分", "部署一覧"):
                values[label] = row[1]
            continue
        if mode == "部署一覧" and row[1]:
            departments.append(str(row[1]).strip())
        elif mode == "評価区分" and row[2]:
            bands.append((row[1], row[2], row[3]))
    return values, departments, bands


def settings_from_rows(rows: list[list[Any]], file: str, findings: list[Finding]) -> Settings:
    """The 「設定」 sheet's cells as Settings; unreadable entries become findings and defaults."""
    values, departments, band_rows = parse_settings_rows(rows[:500])
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
        plan_end = parse_reporting_year(str(values["計画最終年度"])) if values.get("計画最終年度") else DEFAULT_PLAN_END
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


def unknown_departments(records: list[KpiRecord], settings: Settings | None) -> list[Finding]:
    """Departments named in the rows that the 設定 sheet's department list does not know."""
    if settings is None or not settings.departments:
        return []
    known = set(settings.departments)
    return [make_finding("unknown-department", record=rec, field="department", value=d)
            for rec in records for d in rec.department.split() if d and d not in known]
