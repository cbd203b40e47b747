"""A KPI sheet's data rows read into records, every field with its cell address.

The text each cell shows, section rows giving the goal and direction, a measure carried down the
rows it spans, dates and rounded numbers in value cells reported. The grid of values comes from any
engine; no workbook library is imported here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from ...core.findings import WARNING, Finding, make_finding
from ...core.record import HIGHER_IS_BETTER, LOWER_IS_BETTER, CellNumber, KpiRecord, Source
from ..addressing import column_letter
from ..layout import CODE, DIRECTION_CHOICES, LAYOUT, META, QUANTITY, RATE, SheetLayout
from .header import Header, section_is_numbered, section_of
from .numfmt import display

DIRECTIONS = {DIRECTION_CHOICES[0]: HIGHER_IS_BETTER, DIRECTION_CHOICES[1]: LOWER_IS_BETTER,
              HIGHER_IS_BETTER: HIGHER_IS_BETTER, LOWER_IS_BETTER: LOWER_IS_BETTER}
PER_ROW_FIELDS = frozenset(("kpi_no", "kpi_item", "baseline", "target", "current", "rate",
                            "revised_target", "revised_rate", "revision_note", "direction",
                            "previous_value"))
MEASURE_FIELDS = tuple(c.field for c in LAYOUT.columns if c.measure_level)


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
