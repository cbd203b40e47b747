"""The KPI header of a sheet and its section rows (【基本目標N】, 【基本的方向：ア】), found in a grid
of cell values from any engine (a file, the add-in's book).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ...core.findings import Finding, make_finding
from ..addressing import column_letter
from ..layout import DIRECTION_RE, GOAL_RE, LAYOUT, META, UNNUMBERED, SheetLayout, squash

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
