"""The layout applied to a grid of cell values — shared by every engine.

Reading: find the header in rows of values, walk section rows (【基本目標N】, 【基本的方向：ア】) and
turn data rows into records with cell addresses. Writing: plan the rows of a KPI sheet (section
rows, measure groups and which cells merge) for a renderer — XlsxWriter for files, xlwings for the
open workbook. No workbook library is imported here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from ..core.errors import InputError, QuantityError
from ..core.evaluation import department_hint
from ..core.findings import CATALOGUE, WARNING, Finding, make_finding, parse_severity
from ..core.fiscal import format_fiscal_year, parse_reporting_year
from ..core.grading import BANDS, parse_scheme
from ..core.municipality import check_digit
from ..core.presentation import rate_cell
from ..core.rate import DEFAULT_ROUNDING, NO_LOWER_BOUND, GradeBands, parse_rate, parse_rounding
from ..core.record import (
    DIRECTION_LABELS,
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    CellNumber,
    KpiRecord,
    Source,
    department_names,
    first_department,
)
from ..core.rules import Evaluation, evaluate
from .addressing import column_letter
from .layout import (
    CODE,
    DEFAULT_PLAN_END,
    DEFAULT_PLAN_START,
    DIRECTION_CHOICES,
    DIRECTION_RE,
    GOAL_RE,
    LAYOUT,
    META,
    QUANTITY,
    RATE,
    ROUNDING_LABEL,
    SETTINGS_SHEET,
    SEVERITY_TABLE,
    UNNUMBERED,
    Settings,
    SheetLayout,
    direction_heading,
    goal_heading,
    squash,
)
from .reading.numfmt import display

DIRECTIONS = {DIRECTION_CHOICES[0]: HIGHER_IS_BETTER, DIRECTION_CHOICES[1]: LOWER_IS_BETTER,
              HIGHER_IS_BETTER: HIGHER_IS_BETTER, LOWER_IS_BETTER: LOWER_IS_BETTER}
PER_ROW_FIELDS = frozenset(("kpi_no", "kpi_item", "baseline", "target", "current", "rate",
                            "revised_target", "revised_rate", "revision_note", "direction",
                            "previous_value"))
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
        for col in layout.recognised:
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


_LOOSE_SECTION_RE = re.compile(r"^【(基本目標|基本的方向)[：:]?\s*([^】]*?)\s*】\s*(.*)$", re.S)


def section_of(value: Any) -> tuple[str, str, str] | None:
    """('goal'|'direction', number or letter, title) for a section row's first cell.

    A heading the reader cannot number (「【基本目標】」, as older versions wrote for rows without
    a section, or the 「（未記入）」 marker the writer uses now) is still a section row, with an
    empty number: never a data row."""
    if not isinstance(value, str) or "【" not in value:  # every heading starts with 【
        return None
    return _section_of_text(value)


@lru_cache(maxsize=4096)
def _section_of_text(value: str) -> tuple[str, str, str] | None:
    """:func:`section_of` for a text, cached: a plan's headings repeat on every sheet and request."""
    text = value.strip()
    m = GOAL_RE.match(text)
    if m:
        return "goal", m.group(1), m.group(2).strip()
    m = DIRECTION_RE.match(text)
    if m:
        return "direction", m.group(1), m.group(2).strip()
    m = _LOOSE_SECTION_RE.match(text)
    if m:
        return ("goal" if m.group(1) == "基本目標" else "direction"), "", m.group(3).strip()
    return None


@lru_cache(maxsize=4096)
def section_is_numbered(value: Any) -> bool:
    """Is a section heading complete (numbered, or the writer's 「（未記入）」 marker)? (Cached, as
    :func:`section_of`; the heading cells are texts.)"""
    text = str(value).strip()
    return bool(GOAL_RE.match(text) or DIRECTION_RE.match(text)) or UNNUMBERED in text


def sheet_department(info_cell: Any) -> str:
    """部署 named in the info row (「部署: 商工労働部」), or ''."""
    if isinstance(info_cell, str) and info_cell.strip().startswith("部署"):
        name = info_cell.split(":", 1)[-1].split("：", 1)[-1].strip()
        if name and not name.startswith("（"):
            return first_department(name)
    return ""


_COPY_SUFFIX_RE = re.compile(r"(\s*[(（]\s*(\d+|旧|古|old|copy|コピー)\s*[)）]|\s*の?コピー(\s*\d+)?|[_\s-]*(old|旧))$", re.I)


def sheet_base_name(name: str) -> str:
    """A sheet's name without the suffix of a copy (「商工労働部 (2)」, 「…(旧)」, 「…のコピー」)."""
    base = name
    while True:
        stripped = _COPY_SUFFIX_RE.sub("", base).strip()
        if stripped == base or not stripped:
            return base
        base = stripped


def cell_text(value: Any, number_format: str = "General", kind: str = "") -> str:
    """The text a cell shows, as a record field holds it (see :mod:`.numfmt`)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip(" \u3000")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    fmt = number_format or "General"
    if isinstance(value, (int, float)) and kind == RATE and "%" not in fmt and fmt.lower() == "general" \
            and isinstance(value, float) and abs(value) < 20:
        fmt = "0%"  # a 達成率 typed as a fraction in a General cell
    return display(value, fmt).text


def parse_rows(rows: Sequence[Sequence[Any]], header: Header, *, file: str, sheet: str,
               department: str, is_master: bool, formats: Sequence[Sequence[str]] | None = None,
               fill_measure_down: bool = False, layout: SheetLayout = LAYOUT,
               findings: list[Finding] | None = None) -> list[KpiRecord]:
    """Records of the data rows below the header. ``rows[0]`` is row 1 of the sheet.

    Section rows give the goal and direction. A row whose 施策番号, 施策, 部署 and 施策の内容 are
    all blank (Excel's 「セル結合の解除」 leaves the lower rows of a merged measure blank), or whose
    施策 repeats the measure above with a blank 施策番号, continues the measure above and takes its
    measure-level cells, as the published layout shows it. ``findings`` (when given) receives what
    the reading found: measures carried down, dates and rounded numbers in value cells, headings
    without a number. ``fill_measure_down``: the engine cannot see merged cells (the Office.js
    payload), so carrying a measure down is expected and not reported.
    """
    reader = _RowReader(header, file, sheet, department, is_master, formats, layout, findings,
                        report_carried=not fill_measure_down)
    for r in range(header.row, len(rows)):
        reader.row(r, rows[r])
    return reader.records


def _rounded_detail(number: str, text: str, kept: bool) -> str:
    """What became of a number its format shows rounded: kept beside its text, or read as shown."""
    if not kept:
        return f"セルの数値は {number} です。表示どおり「{text}」として読み取りました。"
    return (f"セルの数値は {number} です。マスターにはこの数値を同じ表示形式で保存し（表示は「{text}」のまま）、"
            f"達成率は数値 {number} から計算します。表示の値で計算するなら、表示どおりの数値を入力し直してください。")


# A date as an add-in client sends it (JavaScript's Date.toISOString(), Python's isoformat()).
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")


class _RowReader:
    """State of one pass over a sheet's rows: the current section and measure, and the output."""

    def __init__(self, header: Header, file: str, sheet: str, department: str, is_master: bool,
                 formats: Sequence[Sequence[str]] | None, layout: SheetLayout,
                 findings: list[Finding] | None, report_carried: bool = True):
        self.cols = header.columns
        self.report_carried = report_carried
        self.kinds = {f: layout.column(f).kind for f in self.cols}
        self.dated = tuple(f for f in self.cols if self.kinds[f] in (QUANTITY, CODE))
        self.printed = [f for f in self.cols if self.kinds[f] != META]
        self.a = self.cols.get("measure_id", 1) - 1
        self.letters = {name: column_letter(c) for name, c in self.cols.items()}
        self.names = tuple(self.cols)
        self.cells = itemgetter(*(c - 1 for c in self.cols.values())) if len(self.cols) > 1 else None
        self.width = max(self.cols.values(), default=0)
        self.file, self.sheet, self.department, self.is_master = file, sheet, department, is_master
        self.formats = formats
        self.findings = findings
        self.goal = self.direction = ("", "")
        self.previous: dict[str, str] | None = None
        self.records: list[KpiRecord] = []

    def note(self, code: str, r1: int, name: str, value: str = "", detail: str = "",
             severity: str | None = None) -> None:
        if self.findings is not None:
            cell = f"{self.letters.get(name, 'A')}{r1}"
            self.findings.append(make_finding(code, file=self.file, sheet=self.sheet, cell=cell, field=name,
                                              value=value, detail=detail, severity=severity))

    def row(self, r: int, row: Sequence[Any]) -> None:
        if row.count(None) == len(row):  # a blank row (all engines give None for empty cells)
            return
        first = row[self.a] if self.a < len(row) else None
        sec = section_of(first)
        if sec is not None:
            self.section(sec, first, r + 1)
            return
        noted = len(self.findings) if self.findings is not None else 0
        values, numbers = self.values(r, row)
        if not any(map(values.__getitem__, self.printed)):
            return
        if self.formats is None:
            self.client_dates(values, r + 1)
        self.carry_measure(values, r + 1)
        self.previous = values
        record = self.record(values, numbers, r + 1)
        self.records.append(record)
        if self.findings is not None and len(self.findings) > noted:  # noted before the row was a record
            self.findings[noted:] = [f._replace(measure_id=record.measure_id, kpi_no=record.kpi_no)
                                     for f in self.findings[noted:]]

    def section(self, sec: tuple[str, str, str], text: Any, r1: int) -> None:
        if sec[0] == "goal":
            self.goal, self.direction = sec[1:], ("", "")
        else:
            self.direction = sec[1:]
        self.previous = None
        if not section_is_numbered(text):
            example = "【基本目標1】…" if sec[0] == "goal" else "【基本的方向：ア】…"
            detail = ("マスターの見出し行です。この統合で作り直します。" if self.is_master
                      else f"「{example}」のように番号を付けてください。")
            self.note("invalid-section", r1, "measure_id", str(text), detail,
                      severity=WARNING if self.is_master else None)

    def values(self, r: int, row: Sequence[Any]) -> tuple[dict[str, str], dict[str, CellNumber]]:
        """The row's cells as texts, and the value cells typed as numbers (when formats are known)."""
        fmt_row = self.formats[r] if self.formats is not None and r < len(self.formats) else None
        if fmt_row is None and self.cells is not None and len(row) >= self.width:
            try:  # the common row: texts and blanks only (checking the types first costs more)
                return {name: "" if v is None else v.strip(" \u3000")
                        for name, v in zip(self.names, self.cells(row))}, {}
            except AttributeError:  # a number, a date, a boolean: read below with its format
                pass
        values: dict[str, str] = {}
        numbers: dict[str, CellNumber] = {}
        width = len(row)
        for name, c in self.cols.items():
            v = row[c - 1] if c <= width else None
            if v is None:
                values[name] = ""
            elif type(v) is str:  # a text displays as itself whatever its number format
                values[name] = v.strip(" \u3000")
            else:
                fmt = fmt_row[c - 1] if fmt_row and c - 1 < len(fmt_row) else "General"
                values[name] = self.shown(v, fmt, name, r + 1, numbers if fmt_row is not None else None)
        return values, numbers

    def client_dates(self, values: dict[str, str], r1: int) -> None:
        """A date cell as an add-in sends it: xlwings' Office.js client (and the task pane's glue,
        ``static/xlkpi.js``) turn a date-formatted serial into ISO text (``Date.toISOString()``),
        and the desktop client passes a ``datetime``: both are the date the clerk's Excel shows,
        reported as the file reader reports a date (``date-in-value``)."""
        for name in self.dated:
            text = values.get(name, "")
            if text and _ISO_DATE_RE.match(text):
                try:
                    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
                except ValueError:
                    continue
                values[name] = self.shown(when.replace(tzinfo=None), "yyyy/m/d", name, r1, None)

    def shown(self, v: Any, fmt: str, name: str, r1: int, numbers: dict[str, CellNumber] | None) -> str:
        """A non-text cell as displayed; dates and hidden digits in value cells are reported, and a
        number in a value cell is kept (in ``numbers``) with its format."""
        kind = self.kinds[name]
        if kind not in (QUANTITY, CODE) or isinstance(v, bool):
            return cell_text(v, fmt, kind)
        shown = display(v, fmt or "General")  # what cell_text gives for these kinds, with more
        text = shown.text
        if self.formats is None and kind == QUANTITY and isinstance(v, (int, float)):
            # an engine that sees values only (the add-in's book): a unit kept in the number
            # format would be lost without a word
            self.note("number-format-unseen", r1, name, text,
                      "単位や累計が表示形式に入っていても、アドインからは見えません。")
            return text
        if shown.is_date:
            example = "「'1-01」" if name == "measure_id" else "「6件(平成30年度)」や「'1/2」"
            self.note("date-in-value", r1, name, text, f"{example}のように入力してください",
                      severity=WARNING if name == "baseline" else None)
            return text
        if kind == QUANTITY and numbers is not None and shown.exact is not None and isinstance(v, (int, float)):
            numbers[name] = CellNumber(v, fmt or "General", shown.exact, text)
        if shown.rounded:
            self.note("rounded-display", r1, name, text, _rounded_detail(cell_text(v, "General"), text,
                                                                        numbers is not None and name in numbers))
        return text

    def carry_measure(self, values: dict[str, str], r1: int) -> None:
        """A row continuing the measure above takes its measure-level cells."""
        prev = self.previous
        if prev is None or values.get("measure_id"):
            return
        blank = all(not values.get(f) for f in MEASURE_FIELDS if f in values)
        same = values.get("measure_name") and values.get("measure_name") == prev.get("measure_name")
        if not (blank or same):
            return
        for f in MEASURE_FIELDS:
            if f in values and not values[f]:
                values[f] = prev.get(f, "")
        if self.report_carried:
            label = values.get("measure_id") or values.get("measure_name", "")
            self.note("measure-carried-down", r1, "measure_id", label, label)

    def record(self, values: dict[str, str], numbers: dict[str, CellNumber], r1: int) -> KpiRecord:
        out = values  # completed in place: the next row reads only its measure-level cells (carry_measure)
        out["goal_no"], out["goal_title"] = self.goal
        out["direction_letter"], out["direction_title"] = self.direction
        out["direction"] = DIRECTIONS.get(values.get("direction", ""), values.get("direction", ""))
        if not self.is_master:
            out["submitted_by"] = self.department
            out["origin_file"], out["origin_sheet"], out["origin_row"] = self.file, self.sheet, str(r1)
        return KpiRecord.from_texts(out, Source(self.file, self.sheet, r1, self.letters), numbers)


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


@dataclass(frozen=True)
class NumberCell:
    """A value cell to write as the number the user typed, in its number format (it shows ``text``)."""

    value: float | int
    number_format: str
    text: str


def typed_numbers(r: KpiRecord) -> dict[str, NumberCell]:
    """The record's value fields typed as numbers whose format still shows the field's text."""
    out = {}
    for name, n in r.numbers.items():
        text = getattr(r, name, None)
        if text and n.shown == text:
            out[name] = NumberCell(n.value, n.number_format, text)
    return out


def cell_values(r: KpiRecord, computed: bool, layout: SheetLayout = LAYOUT,
                evaluation: Evaluation | None = None) -> list[Any]:
    """The values a record's row shows: texts, 達成率 as fractions (computed or as submitted), and
    value cells typed as numbers as :class:`NumberCell` (the number in the user's format)."""
    d: dict[str, Any] = r.to_dict()
    if r.numbers:
        d.update(typed_numbers(r))
    if computed:
        ev = evaluation or evaluate(r)
        d["rate"] = rate_cell(ev.rate)
        if ev.revised_rate is not None:
            d["revised_rate"] = rate_cell(ev.revised_rate)
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


SettingsRows = tuple[dict[str, Any], list[str], list[tuple[Any, Any, Any]], list[tuple[Any, Any]]]
TABLES = ("評価区分", "部署一覧", SEVERITY_TABLE)


def parse_settings_rows(rows: Sequence[Sequence[Any]]) -> SettingsRows:
    """(labelled values, department list, grade-band rows, (code, severity) rows) of a 「設定」 sheet."""
    values: dict[str, Any] = {}
    departments: list[str] = []
    bands: list[tuple[Any, Any, Any]] = []
    severities: list[tuple[Any, Any]] = []
    mode = ""
    for row in rows:
        row = list(row) + [None] * (4 - len(row))
        label = str(row[0] or "").strip()
        if label:
            mode = label
            if row[1] is not None and label not in TABLES:
                values[label] = row[1]
            continue
        if mode == "部署一覧" and row[1]:
            departments.append(str(row[1]).strip())
        elif mode == "評価区分" and row[2]:
            bands.append((row[1], row[2], row[3]))
        elif mode == SEVERITY_TABLE and row[1]:
            severities.append((row[1], row[2]))
    return values, departments, bands, severities


def settings_from_rows(rows: list[list[Any]], file: str, findings: list[Finding]) -> Settings:
    """The 「設定」 sheet's cells as Settings; unreadable entries become findings and defaults."""
    values, departments, band_rows, severity_rows = parse_settings_rows(rows[:500])
    bands = [(int(low) if isinstance(low, (int, float)) else NO_LOWER_BOUND, str(letter), str(symbol or ""))
             for low, letter, symbol in band_rows]
    try:
        year = parse_reporting_year(str(values.get("報告年度", "")))
    except InputError:
        findings.append(make_finding("template-mismatch", file=file, sheet=SETTINGS_SHEET,
                                     value=str(values.get("報告年度", "")),
                                     detail="設定シートの報告年度を読み取れません（例: 令和2）。", severity="warning"))
        year = 0
    plan_start = _settings_year(values, "計画開始年度", DEFAULT_PLAN_START, file, findings)
    plan_end = _settings_year(values, "計画最終年度", DEFAULT_PLAN_END, file, findings)
    try:
        scheme = parse_scheme(values.get("評価方式"))
    except InputError as err:
        findings.append(make_finding("template-mismatch", file=file, sheet=SETTINGS_SHEET,
                                     value=str(values.get("評価方式", "")),
                                     detail=f"{err} 既定の達成率区分で評価します。", severity="warning"))
        scheme = BANDS
    try:
        rounding = parse_rounding(values.get(ROUNDING_LABEL))
    except InputError as err:
        findings.append(make_finding("template-mismatch", file=file, sheet=SETTINGS_SHEET,
                                     value=str(values.get(ROUNDING_LABEL, "")),
                                     detail=f"{err} 既定の「{DEFAULT_ROUNDING.label}」で表示します。", severity="warning"))
        rounding = DEFAULT_ROUNDING
    try:
        grade_bands = GradeBands(tuple(bands)) if bands else GradeBands()
    except InputError:
        findings.append(make_finding("template-mismatch", file=file, sheet=SETTINGS_SHEET,
                                     detail="設定シートの評価区分を読み取れません。既定の区分を使います。", severity="warning"))
        grade_bands = GradeBands()
    return Settings(year=year, plan_end=plan_end, departments=tuple(departments), bands=grade_bands,
                    version=str(values.get("様式", "")).strip(),
                    severities=_severities(severity_rows, file, findings), plan_start=plan_start, scheme=scheme,
                    city_code=_code_text(values.get("全国地方公共団体コード")),
                    city_name=str(values.get("地方公共団体名") or "").strip(), rounding=rounding)


def _code_text(raw: Any) -> str:
    """A code cell as text: a number Excel made of a typed code gets its leading zeros back."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and float(raw).is_integer():
        text = str(int(raw))
        if len(text) == 5 and check_digit(text.zfill(6)[:5]) == text[-1]:
            return text.zfill(6)  # 011002 typed as a number: 11002
        return text.zfill(5) if len(text) == 4 else text
    return str(raw or "").strip()


def _settings_year(values: dict[str, Any], label: str, default: int, file: str, findings: list[Finding]) -> int:
    """A fiscal year of the 「設定」 sheet (令和2, R2, 2020 or a number Excel made of 2020)."""
    raw = values.get(label)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        return parse_reporting_year(int(raw) if isinstance(raw, float) and raw.is_integer() else str(raw))
    except InputError:
        findings.append(make_finding("template-mismatch", file=file, sheet=SETTINGS_SHEET, value=str(raw),
                                     detail=f"設定シートの{label}を読み取れません（例: 令和2）。既定の"
                                            f"{format_fiscal_year(default)}を使います。", severity="warning"))
        return default


def _severities(rows: list[tuple[Any, Any]], file: str, findings: list[Finding]) -> dict[str, str]:
    """The 指摘の重要度 rows as code → severity; an unknown code or severity becomes a finding."""
    out: dict[str, str] = {}
    for code, label in rows:
        code, severity = str(code).strip(), parse_severity(label)
        if code in CATALOGUE and severity:
            out[code] = severity
        else:
            findings.append(make_finding("template-mismatch", file=file, sheet=SETTINGS_SHEET, value=f"{code} {label or ''}",
                                         detail=f"設定シートの{SEVERITY_TABLE}「{code}」「{label or ''}」を読み取れません"
                                         "（コードは利用者ガイドの一覧から、重要度はエラー・警告・情報から）。",
                                         severity="warning"))
    return out


def settle_department(label: str, records: list[KpiRecord], sheet: str, settings: Settings | None, file: str,
                      layout: SheetLayout = LAYOUT) -> tuple[str, list[KpiRecord], list[Finding]]:
    """The department a department sheet is filed under, its rows taking it as their submitter,
    and what is wrong with it (:func:`sheet_department_findings`) — the same for a file and for an
    add-in's book."""
    department, found = sheet_department_findings(label, records, sheet, settings, file, layout)
    if department != label:
        records = [replace(r, submitted_by=department) for r in records]
    return department, records, found


def sheet_department_findings(label: str, records: Sequence[KpiRecord], sheet: str,
                              settings: Settings | None, file: str,
                              layout: SheetLayout = LAYOUT) -> tuple[str, list[Finding]]:
    """The department a sheet is filed under, and what is wrong with it.

    The 「部署: …」 label above the table names it; every row must name it among its 部署 (else
    ``department-mismatch``). Without a label, the one department the rows name (or the sheet's
    name without a copy suffix) is used, with a ``missing-department-label`` warning."""
    out: list[Finding] = []
    label_cell = f"A{layout.info_row}"
    department = label
    if not label:
        owners = sorted({r.owner for r in records if r.owner})
        department = owners[0] if len(owners) == 1 else sheet_base_name(sheet)
        out.append(make_finding("missing-department-label", file=file, sheet=sheet, cell=label_cell,
                                value=department, detail=f"「{department}」の提出として扱いました。"))
    elif settings is not None and settings.departments and label not in settings.departments:
        out.append(make_finding("unknown-department", file=file, sheet=sheet, cell=label_cell, value=label,
                                detail=department_hint(label, tuple(settings.departments))))
    known = settings.departments if settings is not None else ()
    for rec in records:
        named = department_names(rec.department, known)
        if named and department not in named and "".join(named) != department:
            out.append(make_finding(
                "department-mismatch", record=rec, field="department", value=rec.department,
                detail=f"シートの「部署: {department}」（{label_cell}）と、この行の部署「{rec.department}」が"
                       f"異なります。この行が{department}の施策なら部署を「{department}」に、"
                       f"別の部署の施策ならその部署のシートで提出してください。"))
    return department, out
