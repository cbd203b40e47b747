"""Golden-file comparison of xlsx files through a normaliser (after XlsxWriter's test helpers),
and a normalised view of one sheet for comparing a file with what the layout declares.

Unzip both, drop volatile parts and elements (document dates, app properties), parse each XML
part and compare element by element — attribute order and indentation between elements do not
count, text inside an element (a cell's string, spaces included) does; return a readable diff
or None. :func:`sheet_view` gives a sheet's cells (shared strings resolved), column widths,
merged ranges, data validations and frozen pane.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

VOLATILE_PARTS = {"docProps/app.xml"}
VOLATILE_TAGS = {"{http://purl.org/dc/terms/}created", "{http://purl.org/dc/terms/}modified"}
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _canon(elem: ET.Element) -> tuple:
    if elem.tag in VOLATILE_TAGS:
        return (elem.tag,)
    text = elem.text or ""
    if len(elem) and not text.strip():
        text = ""  # indentation before the first child
    return (elem.tag, tuple(sorted(elem.attrib.items())), text, tuple(_canon(c) for c in elem))


def parts(path) -> dict[str, object]:
    out: dict[str, object] = {}
    with zipfile.ZipFile(path) as zf:
        for name in sorted(zf.namelist()):
            if name in VOLATILE_PARTS:
                continue
            data = zf.read(name)
            if name.endswith((".xml", ".rels")):
                out[name] = _canon(ET.fromstring(data))
            else:
                out[name] = data
    return out


def _first_difference(a, b, path="") -> str:
    if type(a) is not type(b):
        return f"{path}: {a!r:.200} != {b!r:.200}"
    if isinstance(a, tuple):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _first_difference(x, y, f"{path}/{i}")
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)} items"
    return f"{path}: {a!r:.200} != {b!r:.200}"


def compare_xlsx(got, expected) -> str | None:
    """None when equal after normalising, else a description of the first difference per part."""
    a, b = parts(got), parts(expected)
    diffs = []
    for name in sorted(set(a) | set(b)):
        if name not in a:
            diffs.append(f"missing part {name}")
        elif name not in b:
            diffs.append(f"extra part {name}")
        elif a[name] != b[name]:
            diffs.append(f"{name}: {_first_difference(a[name], b[name])}")
    return "\n".join(diffs) or None


@dataclass
class SheetView:
    cells: dict[str, str] = field(default_factory=dict)          # 'A3' → displayed text (strings, numbers)
    widths: dict[int, float] = field(default_factory=dict)       # 1-based column → width as stored
    merges: set[str] = field(default_factory=set)                # 'A3:A4'
    validations: dict[str, str] = field(default_factory=dict)    # sqref → formula1
    frozen_at: str = ""                                          # top-left cell of the frozen pane


def sheet_view(path, sheet: str) -> SheetView:
    """The normalised facts of one sheet, read from the package's XML parts."""
    with zipfile.ZipFile(path) as zf:
        wb = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        target = {r.get("Id"): r.get("Target", "") for r in rels}
        rid = next(s.get(REL_ID) for s in wb.iter(f"{MAIN}sheet") if s.get("name") == sheet)
        name = target[rid].lstrip("/")
        ws = ET.fromstring(zf.read(name if name.startswith("xl/") else "xl/" + name))
        shared = ([_string_item(si) for si in ET.fromstring(zf.read("xl/sharedStrings.xml")).iter(f"{MAIN}si")]
                  if "xl/sharedStrings.xml" in zf.namelist() else [])
    view = SheetView()
    for c in ws.iter(f"{MAIN}c"):
        v = c.find(f"{MAIN}v")
        if c.get("t") == "inlineStr":
            view.cells[c.get("r")] = _string_item(c.find(f"{MAIN}is"))
        elif v is not None:
            view.cells[c.get("r")] = shared[int(v.text)] if c.get("t") == "s" else (v.text or "")
    for col in ws.iter(f"{MAIN}col"):
        for i in range(int(col.get("min")), int(col.get("max")) + 1):
            view.widths[i] = float(col.get("width"))
    view.merges = {m.get("ref") for m in ws.iter(f"{MAIN}mergeCell")}
    for dv in ws.iter(f"{MAIN}dataValidation"):
        f1 = dv.find(f"{MAIN}formula1")
        view.validations[dv.get("sqref")] = f1.text if f1 is not None else ""
    pane = ws.find(f"{MAIN}sheetViews/{MAIN}sheetView/{MAIN}pane")
    if pane is not None and pane.get("state") == "frozen":
        view.frozen_at = pane.get("topLeftCell", "")
    return view


def _string_item(si: ET.Element) -> str:
    """A shared or inline string: its text runs joined (phonetic runs left out)."""
    return "".join(t.text or "" for t in si.iter(f"{MAIN}t") if not _in_phonetic(si, t))


def _in_phonetic(si: ET.Element, t: ET.Element) -> bool:
    return any(t in list(rph.iter()) for rph in si.iter(f"{MAIN}rPh"))
