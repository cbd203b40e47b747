"""Cell comments of a submission: what a department wrote beside its values.

Read from the workbook's parts after the preflight (which refused any DTD): the legacy
comments part every Excel version and LibreOffice write (``xl/commentsN.xml``, ECMA-376 Part 1
§18.7) and, when present, Excel 365's threaded comments (``xl/threadedComments/…``, whose text
replaces the legacy part's 「[Threaded comment]」 placeholder). Each sheet's parts are found
through its relationships.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from .preflight import _sheet_names

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
THREADED = "{http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


# xl-kpi's own comments (``xl-kpi feedback``, 「指摘をコメントで書き込む」) start with this mark; a
# comment staff wrote before them stays above it.
XLKPI_MARK = "【xl-kpi チェック】"


def staff_text(text: str) -> str:
    """What staff wrote in a comment: the text before xl-kpi's own part, if any."""
    return text.split(XLKPI_MARK)[0].strip()


@dataclass(frozen=True)
class CellComment:
    cell: str
    author: str
    text: str


def read_comments(path: Path) -> dict[str, list[CellComment]]:
    """Sheet name → its cell comments, in cell order of the part."""
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        if not any("comment" in n.lower() for n in names):
            return {}
        out: dict[str, list[CellComment]] = {}
        for part, sheet in _sheet_names(zf, names).items():
            rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
            if rels not in names:
                continue
            targets = _targets(zf, rels, posixpath.dirname(part))
            threaded = {c.cell: c for t in targets.get("threadedComment", []) if t in names
                        for c in _threaded(zf.read(t))}
            comments = [threaded.pop(c.cell, c) for t in targets.get("comments", []) if t in names
                        for c in _legacy(zf.read(t))]
            comments += threaded.values()
            if comments:
                out[sheet] = comments
        return out


def _targets(zf: zipfile.ZipFile, rels: str, base: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in ET.fromstring(zf.read(rels)).iter(f"{REL}Relationship"):
        kind = r.get("Type", "").rsplit("/", 1)[-1]
        target = r.get("Target", "")
        full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        out.setdefault(kind, []).append(full)
    return out


def _legacy(xml: bytes) -> list[CellComment]:
    root = ET.fromstring(xml)
    authors = [(a.text or "").strip() for a in root.iter(f"{MAIN}author")]  # LibreOffice: " " when unknown
    out = []
    for c in root.iter(f"{MAIN}comment"):
        text = "".join(t.text or "" for t in c.iter(f"{MAIN}t")).strip()
        i = int(c.get("authorId", "0") or 0)
        author = authors[i] if 0 <= i < len(authors) else ""
        out.append(CellComment(c.get("ref", ""), author, _strip_author(text, author)))
    return out


def _strip_author(text: str, author: str) -> str:
    """Excel starts a legacy note's text with 「author:」 in bold; the note is what follows."""
    if author and text.startswith(author + ":"):
        return text[len(author) + 1:].strip()
    return text


def _threaded(xml: bytes) -> list[CellComment]:
    root = ET.fromstring(xml)
    out: dict[str, list[str]] = {}
    for c in root.iter(f"{THREADED}threadedComment"):
        text = "".join(t.text or "" for t in c.iter(f"{THREADED}text")).strip()
        out.setdefault(c.get("ref", ""), []).append(text)
    return [CellComment(ref, "", " / ".join(texts)) for ref, texts in out.items()]
