"""Between an open workbook (``xw.Book``) and records — no domain logic.

Reads a sheet's values into records through the shared layout (:mod:`xl_kpi.files.reading.header`,
:mod:`xl_kpi.files.reading.rows`) and renders rows planned by :mod:`xl_kpi.files.writing.row_plan`
back with as few actions as possible (one ``setValues`` per block). Works the same on the desktop
(``xw.Book.caller()``) and on the server (``xw.Book(json=…)``). The Office.js payload carries
values only, so measure-level cells merged down a measure's rows are filled from the measure's
first row (see ``parse_rows(fill_measure_down=True)``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from ..core.errors import InputError
from ..core.findings import Finding
from ..core.presentation import HEADER_COLOR, META_HEADER_COLOR, SEVERITY_COLORS
from ..core.record import KpiRecord
from ..core.register import PlanRegister
from ..files.layout import (
    LAYOUT,
    MASTER_SHEET,
    REGISTER_SHEET,
    RESERVED_SHEETS,
    SETTINGS_SHEET,
    VERSION_LABEL,
    Settings,
    default_year,
    report_title,
)
from ..files.reading.department import settle_department, sheet_department
from ..files.reading.header import Header, find_header
from ..files.reading.register_sheet import register_from_rows
from ..files.reading.rows import parse_rows
from ..files.reading.settings_sheet import settings_from_rows
from ..files.writing.row_plan import PlannedRow, header_plan
from .cells import color_blocks, set_column_width, write_values

COLORS = SEVERITY_COLORS
META_COLOR = META_HEADER_COLOR
SECTION_COLORS = {"goal": "#FCE4D6", "direction": "#FFF2CC"}


@dataclass
class KpiSheet:
    sheet: Any                      # xw.Sheet
    values: list[list[Any]]
    header: Header
    records: list[KpiRecord]
    department: str
    findings: list[Finding] = field(default_factory=list)  # what reading the cells found

    @property
    def name(self) -> str:
        return self.sheet.name


def sheet_values(sheet, empty_text_as_none: bool = True) -> list[list[Any]]:
    """All values of a sheet from A1, as a 2-D list (empty sheet → []). Read-only: on the remote
    book the rows may be the client's own lists. ``empty_text_as_none=False`` for a reader that
    takes "" as a blank cell itself (the KPI rows' reader does): the scan for "" is skipped."""
    api = getattr(sheet, "api", None)
    if isinstance(api, dict) and isinstance(api.get("values"), list):
        # The remote (Office.js) book: the values as the client sent them, from A1. Reading them
        # through xlwings' range conversion costs ~3 µs a cell. Office.js gives an empty cell as ""
        # (Excel.EmptyCellValue), as xlwings' client sends it; the task pane sends null.
        if not empty_text_as_none:
            return api["values"]
        return [row if "" not in row else [None if v == "" else v for v in row] for row in api["values"]]
    last = sheet.used_range.last_cell
    if last.row == 1 and last.column == 1 and sheet["A1"].value is None:
        return []
    # err_to_str: an error cell arrives as its text ("#N/A"), as Office.js sends it, so it becomes
    # a finding like any unreadable value instead of a silently empty cell (xlwings' default).
    return sheet.range((1, 1), (last.row, last.column)).options(ndim=2, err_to_str=True).value


def book_name(book) -> str:
    return book.name


def read_kpi_sheet(sheet, file: str, settings: Settings | None = None) -> KpiSheet | None:
    """A sheet of the book read as a KPI sheet, as the file reader reads one (``settings``: the
    book's 「設定」, which the department label is checked against)."""
    values = sheet_values(sheet, empty_text_as_none=False)  # parse_rows reads "" as a blank cell
    header = find_header(values)
    if header is None:
        return None
    is_master = sheet.name == MASTER_SHEET
    info = values[LAYOUT.info_row - 1][0] if len(values) >= LAYOUT.info_row and values[LAYOUT.info_row - 1] else None
    department = sheet_department(info) or sheet.name
    findings: list[Finding] = []
    records = parse_rows(values, header, file=file, sheet=sheet.name, department=department,
                         is_master=is_master, fill_measure_down=True, findings=findings)
    if not is_master:
        department, records, checks = settle_department(sheet_department(info), records, sheet.name, settings, file)
        findings.extend(checks)
    return KpiSheet(sheet, values, header, records, "" if is_master else department, findings)


def active_kpi_sheet(book) -> KpiSheet:
    """The active sheet read as a KPI sheet — read once per book object (the server checks a
    department's rights and then runs the action on the same, unchanged, values)."""
    sheet = book.sheets.active
    cache = book.__dict__.setdefault("_xl_kpi_read", {})
    if sheet.name not in cache:
        cache[sheet.name] = read_kpi_sheet(sheet, book_name(book), book_settings(book))
    kpi = cache[sheet.name]
    if kpi is None:
        raise InputError(f"シート「{sheet.name}」は取組状況の様式ではありません（見出し「施策番号」が見つかりません）。")
    return kpi


def kpi_sheets(book) -> list[KpiSheet]:
    out = []
    settings = book_settings(book)
    for sheet in book.sheets:
        if sheet.name in RESERVED_SHEETS and sheet.name != MASTER_SHEET:
            continue
        kpi = read_kpi_sheet(sheet, book_name(book), settings)
        if kpi is not None:
            out.append(kpi)
    return out


def book_settings(book) -> Settings | None:
    """The 「設定」 sheet of an open workbook (the reporting year defaults to the last one ended)."""
    if SETTINGS_SHEET not in [s.name for s in book.sheets]:
        return None
    settings = settings_from_rows(sheet_values(book.sheets[SETTINGS_SHEET]), book.name, [])
    return settings if settings.year else replace(settings, year=default_year())


def book_register(book, settings: Settings | None = None) -> PlanRegister | None:
    """The plan register of the workbook's 「計画」 sheet (a master opened in Excel, or a
    department's workbook that carries its plan), or None."""
    if REGISTER_SHEET not in [s.name for s in book.sheets]:
        return None
    register, _ = register_from_rows(sheet_values(book.sheets[REGISTER_SHEET]), book_name(book),
                                     departments=settings.departments if settings is not None else ())
    return register


def data_row_blocks(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive 1-based rows as (first, last) blocks."""
    blocks: list[tuple[int, int]] = []
    for r in sorted(set(rows)):
        if blocks and r == blocks[-1][1] + 1:
            blocks[-1] = (blocks[-1][0], r)
        else:
            blocks.append((r, r))
    return blocks


def write_column_blocks(sheet, col: int, values_by_row: dict[int, Any], number_format: str | None = None) -> None:
    """Write values into one column, one action per block of consecutive rows."""
    for first, last in data_row_blocks(values_by_row):
        rng = sheet.range((first, col), (last, col))
        write_values(rng, [[values_by_row[r]] for r in range(first, last + 1)])
        if number_format:
            rng.number_format = number_format


_A1 = re.compile(r"^([A-Z]{1,3})(\d+)$")


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


@lru_cache(maxsize=65536)
def _row_col(cell: str) -> tuple[int, int] | None:
    """(row, column) of an A1 reference ('H12' → (12, 8)), None for anything else (cached: the
    same cells are marked on every validation of a sheet)."""
    m = _A1.match(cell)
    return (int(m.group(2)), _col_number(m.group(1))) if m else None


def color_cells(sheet, colors: dict[str, str]) -> int:
    """Colour single cells ('H12' → '#FFE699'), one action per run of neighbours in a row."""
    by_row: dict[int, list[tuple[int, str]]] = {}
    for cell, color in colors.items():
        at = _row_col(cell)
        if at is not None:
            by_row.setdefault(at[0], []).append((at[1], color))
    return color_blocks(sheet, _color_runs(by_row))


def _color_runs(by_row: dict[int, list[tuple[int, str]]]) -> Iterator[tuple[int, int, int, int, str]]:
    """Blocks (row, first col, row, last col, colour) of neighbouring cells of the same colour."""
    for row, cells in by_row.items():
        cells.sort()
        start, color = cells[0]
        prev = start
        for col, c in cells[1:]:
            if col != prev + 1 or c != color:
                yield row, start, row, prev, color
                start, color = col, c
            prev = col
        yield row, start, row, prev, color


def unique_sheet_name(book, wanted: str) -> str:
    names = {s.name.lower() for s in book.sheets}
    if wanted.lower() not in names:
        return wanted
    n = 2
    while f"{wanted} ({n})".lower() in names:
        n += 1
    return f"{wanted} ({n})"[:31]


def ensure_sheet(book, name: str, after=None):
    """The sheet `name`, cleared; added after `after` (or at the end) when missing."""
    if name in [s.name for s in book.sheets]:
        sheet = book.sheets[name]
        sheet.clear()
        return sheet
    return book.sheets.add(name, after=after or book.sheets[len(book.sheets) - 1])


def render_kpi_sheet(sheet, settings: Settings, info: str, plan: Sequence[PlannedRow] = (),
                     groups: Sequence = ()) -> None:
    """Title, header and planned rows of a KPI sheet on an open workbook, in the layout."""
    lay = LAYOUT
    ncols = len(lay.columns)
    last_printed = lay.last_printed_col
    hp = header_plan(settings.year, settings.plan_end, lay)
    top: list[list[Any]] = [[None] * ncols for _ in range(lay.header_row)]
    top[lay.title_row - 1][0] = report_title(settings.year)
    top[lay.info_row - 1][0] = info
    top[lay.info_row - 1][last_printed - 1] = f"{VERSION_LABEL} {settings.version}"
    top[lay.group_row - 1] = [v or None for v in hp.group]
    top[lay.header_row - 1] = [v or None for v in hp.lower]
    write_values(sheet.range((1, 1), (lay.header_row, ncols)), top)
    for r0, c0, r1, c1 in hp.merges:
        sheet.range((lay.group_row + r0, c0 + 1), (lay.group_row + r1, c1 + 1)).merge(False)
    header = sheet.range((lay.group_row, 1), (lay.header_row, last_printed))
    header.color = HEADER_COLOR
    header.wrap_text = True
    sheet.range((lay.group_row, last_printed + 1), (lay.header_row, ncols)).color = META_COLOR
    for i, c in enumerate(lay.columns, start=1):
        set_column_width(sheet, i, c.width)
    if not plan:
        return
    first = lay.first_data_row
    body = [[None] * ncols for _ in plan]
    for k, prow in enumerate(plan):
        if prow.kind == "data":
            body[k] = [None if v == "" else v for v in prow.values]
        else:
            body[k][0] = prow.values[0]
    write_values(sheet.range((first, 1), (first + len(plan) - 1, ncols)), body)
    for k, prow in enumerate(plan):
        if prow.kind != "data":
            rng = sheet.range((first + k, 1), (first + k, last_printed))
            rng.merge(False)
            rng.color = SECTION_COLORS[prow.kind]
    for g in groups:
        for ci in g.merged:
            sheet.range((first + g.first_row, ci + 1), (first + g.first_row + g.size - 1, ci + 1)).merge(False)
    data_rows = [first + k for k, p in enumerate(plan) if p.kind == "data"]
    for block in data_row_blocks(data_rows):
        sheet.range((block[0], 1), (block[1], last_printed)).wrap_text = True
        for name in ("rate", "revised_rate"):
            col = lay.col(name)
            sheet.range((block[0], col), (block[1], col)).number_format = settings.rounding.number_format

