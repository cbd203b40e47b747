"""Golden-file comparison of xlsx files through a normaliser (after XlsxWriter's test helpers).

Unzip both, drop volatile parts and attributes (document dates, app properties), parse each XML
part and compare element by element; return a readable diff or None.
"""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree as ET

VOLATILE_PARTS = {"docProps/app.xml"}
VOLATILE_TAGS = {"{http://purl.org/dc/terms/}created", "{http://purl.org/dc/terms/}modified"}


def _canon(elem: ET.Element) -> tuple:
    if elem.tag in VOLATILE_TAGS:
        return (elem.tag,)
    return (elem.tag, tuple(sorted(elem.attrib.items())), (elem.text or "").strip(),
            tuple(_canon(c) for c in elem))


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
        if len(a) != len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                if x != y:
                    return _first_difference(x, y, f"{path}/{i}")
            return f"{path}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _first_difference(x, y, f"{path}/{i}")
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
