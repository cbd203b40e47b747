"""What every workbook written here shares: a new XlsxWriter workbook with fixed properties and
no formulas made of text, the cell styles, the lines a wrapped text takes, and a table sheet's
print set-up.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import ClassVar

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ...core.findings import ERROR, INFO, WARNING
from ...core.presentation import HEADER_COLOR, META_HEADER_COLOR, SEVERITY_COLORS
from ..layout import TEMPLATE_VERSION, VERSION_LABEL
from .fastsheet import FastWorkbook

FONT = "MS PGothic"
FIXED_DATE = datetime(2020, 4, 1, tzinfo=timezone.utc)


@dataclass
class CellFormats:
    wb: xlsxwriter.Workbook
    cache: dict[str, object] = field(default_factory=dict)

    SPECS: ClassVar[dict[str, dict[str, object]]] = {
        "title": {"bold": True, "font_size": 14},
        "info": {"font_size": 10},
        "version": {"font_size": 8, "font_color": "#808080", "align": "right"},
        "header": {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True,
                   "border": 1, "bg_color": HEADER_COLOR, "font_size": 9},
        "meta_header": {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True,
                        "border": 1, "bg_color": META_HEADER_COLOR, "font_size": 8, "font_color": "#595959"},
        "goal": {"bold": True, "bg_color": "#FCE4D6", "border": 1, "valign": "vcenter", "font_size": 10},
        "direction": {"bold": True, "bg_color": "#FFF2CC", "border": 1, "valign": "vcenter", "font_size": 9},
        "text": {"text_wrap": True, "valign": "top", "border": 1, "font_size": 9},
        "code": {"text_wrap": True, "align": "center", "valign": "top", "border": 1, "font_size": 9},
        "quantity": {"text_wrap": True, "valign": "top", "border": 1, "font_size": 9},
        "rate": {"num_format": "0%", "align": "center", "valign": "top", "border": 1, "font_size": 9},
        "meta": {"font_size": 8, "font_color": "#808080", "valign": "top", "border": 1},
        "table_header": {"bold": True, "bg_color": HEADER_COLOR, "border": 1, "text_wrap": True,
                         "valign": "vcenter", "font_size": 10},
        "cell": {"border": 1, "valign": "top", "text_wrap": True, "font_size": 10},
        "error": {"border": 1, "valign": "top", "font_size": 10, "bg_color": SEVERITY_COLORS[ERROR]},
        "warning": {"border": 1, "valign": "top", "font_size": 10, "bg_color": SEVERITY_COLORS[WARNING]},
        "info_sev": {"border": 1, "valign": "top", "font_size": 10, "bg_color": SEVERITY_COLORS[INFO]},
        "label": {"bold": True, "font_size": 10, "border": 1, "bg_color": "#EDEDED"},
        "pct": {"num_format": "0%", "border": 1, "font_size": 10},
        "plain": {"border": 1, "font_size": 10},
        "hash": {"border": 1, "font_size": 7, "font_name": "Courier New"},
        "overflow": {"font_size": 10},
        "link": {"font_color": "#0563C1", "underline": 1, "border": 1, "font_size": 10},
        "baseline_value": {"border": 1, "valign": "top", "text_wrap": True, "font_size": 10, "italic": True,
                           "font_color": "#595959"},
        "on_track": {"border": 1, "valign": "top", "font_size": 10, "bg_color": "#C6EFCE"},
        "off_track": {"border": 1, "valign": "top", "font_size": 10, "bg_color": "#FFC7CE"},
    }

    def __getitem__(self, name: str):
        if name not in self.cache:
            spec: dict[str, object] = {"font_name": FONT, **self.SPECS[name]}
            self.cache[name] = self.wb.add_format(spec)
        return self.cache[name]

    def numbered(self, name: str, num_format: str):
        """Style ``name`` showing numbers in ``num_format`` (a format code as the user set it)."""
        key = f"{name}\x00{num_format}"
        if key not in self.cache:
            self.cache[key] = self.wb.add_format({"font_name": FONT, **self.SPECS[name], "num_format": num_format})
        return self.cache[key]


def new_workbook(target: io.BytesIO, created: datetime | None, in_memory: bool = True) -> FastWorkbook:
    """``in_memory=False`` (the master): XlsxWriter assembles each part in a temporary file, not
    all of them in memory at once before zipping (a 200-file master: 85 MB less at its peak)."""
    wb = FastWorkbook(target, {
        "in_memory": in_memory,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    })
    when = created or FIXED_DATE
    wb.set_properties({"title": "総合戦略 KPI 取組状況", "author": "xl-kpi", "created": when,
                       "comments": f"{VERSION_LABEL} {TEMPLATE_VERSION}"})
    wb.set_calc_mode("auto")
    return wb


# The wrapped-line estimate's factors (as they were): a CJK character counts 1 + WIDE_EXTRA
# Latin characters, and the body text's width is FONT_SCALE of the column unit.
WIDE_EXTRA = 0.85
FONT_SCALE = 0.95


@lru_cache(maxsize=65_536)
def wrapped_lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column of `width` character units (CJK counts ~double)."""
    if not text:
        return 1
    per_line = max(width - 1.0, 1.0)
    lines = 0
    for para in text.split("\n"):
        # UTF-8 length tells wide characters apart without a Python loop: CJK takes 3 bytes.
        wide = (len(para.encode("utf-8")) - len(para)) / 2
        units = (len(para) + WIDE_EXTRA * wide) * FONT_SCALE
        lines += max(1, -int(-units // per_line))
    return lines


TABLE_LINE_HEIGHT = 13.0  # points per line of 10-point text


def print_as_table(ws: Worksheet, landscape: bool = True) -> None:
    """A table sheet printed on A4, one page wide, its header row on every page."""
    if landscape:
        ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.set_footer("&C&A &P / &N")
