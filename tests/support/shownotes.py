"""Show a workbook's notes the way Excel's 「メモの表示」 (Show Note) saves them — a visible VML note
shape with its anchor (ECMA-376 Part 4, §19 VML ``x:Visible`` and ``x:Anchor`` of ``x:ClientData``)
— so that LibreOffice prints them beside their cells, for pictures of a feedback copy."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

V, X = "urn:schemas-microsoft-com:vml", "urn:schemas-microsoft-com:office:excel"


def _show(data: bytes, cells: set[tuple[int, int]]) -> bytes:
    root = ET.fromstring(data)
    for shape in root.iter(f"{{{V}}}shape"):
        cd = shape.find(f"{{{X}}}ClientData")
        row, col = int(cd.find(f"{{{X}}}Row").text), int(cd.find(f"{{{X}}}Column").text)
        if (row, col) not in cells:
            continue
        shape.set("style", shape.get("style", "").replace("visibility:hidden", "visibility:visible"))
        ET.SubElement(cd, f"{{{X}}}Visible")
        ET.SubElement(cd, f"{{{X}}}Anchor").text = f"{col + 1}, 10, {row}, 4, {col + 4}, 10, {row + 2}, 30"
    return ET.tostring(root)


def show_notes(src: Path, out: Path, cells: list[str]) -> Path:
    """A copy of ``src`` whose notes on ``cells`` ('H9', …) are shown."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
    wanted = set()
    for c in cells:
        letters, row = coordinate_from_string(c)
        wanted.add((row - 1, column_index_from_string(letters) - 1))
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, _show(data, wanted) if item.filename.endswith(".vml") else data)
    return out
