"""The plan of a KPI sheet for a renderer (XlsxWriter for files, xlwings for the open workbook):
section rows, measure groups and the cells merged down them, the values of each row, the two
header rows. No workbook library is imported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...core.errors import QuantityError
from ...core.presentation import rate_cell
from ...core.rate import parse_rate
from ...core.record import DIRECTION_LABELS, KpiRecord
from ...core.rules import Evaluation, evaluate
from ..layout import LAYOUT, META, QUANTITY, RATE, SheetLayout, direction_heading, goal_heading
from ..reading.rows import PER_ROW_FIELDS


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


def _submitted_rate_cell(text: str) -> Any:
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
            d["revised_rate"] = _submitted_rate_cell(r.revised_rate) if r.revised_rate else ""
    else:
        d["rate"] = _submitted_rate_cell(r.rate) if r.rate else ""
        d["revised_rate"] = _submitted_rate_cell(r.revised_rate) if r.revised_rate else ""
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
