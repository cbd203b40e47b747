"""Number formats and formulas of a worksheet's cells, read straight from the package XML.

calamine gives cell values (formulas as their cached values) and merged areas, but not the
number format that decides how a typed number displays (``15`` formatted ``#,##0"件"``) nor the
formula text. This module reads both from ``xl/styles.xml`` (``numFmts`` and ``cellXfs``) and the
worksheet part (each ``<c>``'s ``s`` attribute and ``<f>`` element) with a streaming parser, so
no workbook library loads the file. It runs after the preflight, which has refused DTDs and
entity declarations and bounded the parts' sizes and cell counts.

The format of a cell is the string openpyxl's ``cell.number_format`` gives: a custom ``numFmt``
by its id, else the built-in code of the id (:data:`BUILTIN_FORMATS`, openpyxl's table), else
``General``.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from xml.etree.ElementTree import Element, iterparse

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_C, _ROW, _F, _V = NS + "c", NS + "row", NS + "f", NS + "v"
_REF = re.compile(r"([A-Z]{1,3})(\d+)$")
GENERAL = "General"

# Built-in number formats by id: openpyxl.styles.numbers.BUILTIN_FORMATS (ids Excel writes
# without a numFmt element; tests/files/test_sheetxml.py checks this copy against openpyxl's).
BUILTIN_FORMATS: dict[int, str] = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)', 6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)', 8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
    14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM",
    20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)", 38: "#,##0_);[Red](#,##0)", 39: "#,##0.00_);(#,##0.00)",
    40: "#,##0.00_);[Red](#,##0.00)",
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)',
    42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',
    45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}


@dataclass
class SheetCells:
    """What a worksheet part says about its cells beyond their values (1-based rows/columns)."""

    formats: dict[tuple[int, int], str] = field(default_factory=dict)  # cells not General
    formulas: list[tuple[int, int, str]] = field(default_factory=list)  # (row, col, "=…")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def style_formats(zf: zipfile.ZipFile, part: str = "xl/styles.xml") -> list[str]:
    """Number format of each cell style (``cellXfs`` index → format code)."""
    if part not in zf.namelist():
        return [GENERAL]
    custom: dict[int, str] = {}
    xf_ids: list[int] = []
    in_cell_xfs = False
    with zf.open(part) as fh:
        for event, el in iterparse(fh, events=("start", "end")):
            tag = el.tag
            if tag == NS + "cellXfs":
                in_cell_xfs = event == "start"
            elif event != "end":
                continue
            elif tag == NS + "numFmt":
                custom[int(el.get("numFmtId", "0"))] = el.get("formatCode", GENERAL)
            elif tag == NS + "xf" and in_cell_xfs:
                xf_ids.append(int(el.get("numFmtId", "0")))
    return [custom[i] if i in custom else BUILTIN_FORMATS.get(i, GENERAL) for i in xf_ids] or [GENERAL]


def _cells(fh) -> Iterator[tuple[int, int, Element]]:
    """(row, column, element) of every ``<c>``, with openpyxl's counting for missing ``r``."""
    row = col = 0
    for event, el in iterparse(fh, events=("start", "end")):
        if el.tag == _ROW:
            if event == "start":
                r = el.get("r")
                row, col = (int(r) if r else row + 1), 0
            else:
                el.clear()
        elif el.tag == _C and event == "end":
            m = _REF.match(el.get("r") or "")
            if m:
                col = _column_number(m.group(1))
                row = int(m.group(2))
            else:
                col += 1
            yield row, col, el


def sheet_cells(zf: zipfile.ZipFile, part: str, formats: list[str], want_formats: bool = True,
                want_formulas: bool = True) -> SheetCells:
    """Formats and formulas (each when wanted) of one worksheet part."""
    with zf.open(part) as fh:
        data = fh.read()  # the preflight bounded the part's size
    if want_formats and not want_formulas and _every_cell_has_its_reference_first(data):
        return SheetCells(formats=_formats_by_scan(data, formats))
    return _parse(data, formats, want_formats)


def _every_cell_has_its_reference_first(data: bytes) -> bool:
    """``<c r="A1" …>`` for every cell, unprefixed: how Excel, LibreOffice, openpyxl and
    XlsxWriter write them (cells without ``r`` or with a namespace prefix take the parser)."""
    tags = data.count(b"<c ") + data.count(b"<c>")
    return tags > 0 and tags == data.count(b'<c r="')


def _formats_by_scan(data: bytes, formats: list[str]) -> dict[tuple[int, int], str]:
    """Formats of the cells whose style has one, by one regular-expression pass that matches
    only those styles (no element objects; most cells of a report are text in General)."""
    styled = {str(i).encode(): f for i, f in enumerate(formats) if f != GENERAL}
    if not styled:
        return {}
    out: dict[tuple[int, int], str] = {}
    for col, row, s in _styled_cells(tuple(styled)).findall(data):
        out[int(row), _column_number(col.decode())] = styled[s]
    return out


@lru_cache(maxsize=64)
def _styled_cells(styles: tuple[bytes, ...]) -> re.Pattern[bytes]:
    return re.compile(rb'<c r="([A-Z]{1,3})(\d+)"[^>]*?\ss="(' + b"|".join(styles) + rb')"')


def _parse(data: bytes, formats: list[str], want_formats: bool) -> SheetCells:
    out = SheetCells()
    shared: dict[str, tuple[str, int, int]] = {}
    for row, col, el in _cells(io.BytesIO(data)):
        s = el.get("s")
        if want_formats and s:
            i = int(s)
            fmt = formats[i] if i < len(formats) else GENERAL
            if fmt != GENERAL:
                out.formats[row, col] = fmt
        f = el.find(_F)
        if f is not None:
            out.formulas.append((row, col, _formula_text(f, row, col, shared)))
    return out


def _formula_text(f, row: int, col: int, shared: dict[str, tuple[str, int, int]]) -> str:
    """The formula as openpyxl gives it: ``=`` + text; a shared formula's other cells translated."""
    text = "=" + (f.text or "")
    if f.get("t") != "shared":
        return text
    si = f.get("si", "")
    if si not in shared:
        if text != "=":
            shared[si] = (text, row, col)
        return text
    from openpyxl.formula.translate import Translator  # only for shared formulas (rare in input)

    from ..addressing import column_letter
    origin, r0, c0 = shared[si]
    return Translator(origin, f"{column_letter(c0)}{r0}").translate_formula(f"{column_letter(col)}{row}")
