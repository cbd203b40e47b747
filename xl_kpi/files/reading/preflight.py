"""Preflight: look at an untrusted workbook before any parser opens it.

A submission can be empty, a renamed HTML or CSV, an encrypted or legacy ``.xls`` file, a
truncated zip, a zip bomb, XML with entity declarations, or far more cells than a report has.
Each is refused here with its own finding code and a Japanese message naming the file, and
nothing else in xl-kpi opens the file. Things that do not stop reading — macros, external
links, data connections, content openpyxl would drop — are reported and processing goes on.
Budgets are settings (:class:`Budgets`, overridable by ``XL_KPI_MAX_*`` environment variables).
The budgets on what a file holds once unpacked (bytes, cells, extent) grow with the file's size on
disk (:meth:`Budgets.for_size`): a bomb is small on disk and huge unpacked, an honest workbook — the
master of 50,000 KPI rows xl-kpi writes itself — is large on both, in the proportion every xlsx has.
"""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from ...core.errors import describe_os_error
from ...core.findings import ERROR, Finding, make_finding
from ..addressing import column_number

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_DTD = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)
_CELL = b"<c "
# A cell reference beyond column Z or row 9,999 (a report has neither; the search is cheap
# because such references are rare).
_FAR_CELL = re.compile(rb' r="([A-Z]{2,3}[0-9]{1,7}|[A-Z][0-9]{5,7})"')
_NEAR_ROWS, _NEAR_COLS = 9_999, 26
_HIDDEN_ROW = re.compile(rb'<row r="(\d+)"[^>]*\shidden="(?:1|true)"')
_EXTERNAL_FORMULA = re.compile(rb"<f[^>]*>([^<]*\[\d+\][^<]*)</f>")


@dataclass(frozen=True)
class Budgets:
    """Limits for one submitted file. Defaults suit a city's report with room to spare."""

    max_bytes: int = 20 * 1024 * 1024          # file size
    max_entries: int = 2_000                   # zip entries
    max_uncompressed: int = 200 * 1024 * 1024  # sum of declared uncompressed sizes
    max_ratio: int = 100                       # uncompressed ÷ compressed, per entry (> 1 MiB)
    max_cells: int = 500_000                   # <c> elements over all worksheets
    max_extent: int = 5_000_000                # rows × columns from A1 to a sheet's farthest cell
                                               # (checked beyond Z9999)
    prolog_bytes: int = 65_536                 # bytes of an XML part read to find its root
    # Above the fixed budgets, what a file may hold grows with its size on disk. Honest workbooks:
    # the masters xl-kpi writes hold ~195 cells per KiB and unpack to ~10 × their size (10,000 and
    # 50,000 KPI rows alike); a cell bomb packs thousands of cells into a KiB, a zip bomb 100 × and more.
    cells_per_kib: int = 250                   # cells per KiB of the file
    max_total_ratio: int = 25                  # all entries unpacked ÷ the file's size

    def for_size(self, size: int) -> Budgets:
        """The budgets for a file of ``size`` bytes: the fixed ones, or more in proportion to the size."""
        cells = max(self.max_cells, self.cells_per_kib * size // 1024)
        return replace(self, max_cells=cells, max_uncompressed=max(self.max_uncompressed, self.max_total_ratio * size),
                       max_extent=max(self.max_extent, 10 * cells))

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Budgets:
        env = dict(os.environ if env is None else env)
        kwargs = {}
        for name in ("max_bytes", "max_entries", "max_uncompressed", "max_ratio", "max_cells", "max_extent",
                     "cells_per_kib", "max_total_ratio"):
            key = f"XL_KPI_{name.upper()}"
            if key in env:
                kwargs[name] = int(env[key])
        return cls(**kwargs)


@dataclass
class Preflight:
    path: Path
    findings: list[Finding] = field(default_factory=list)
    cells: int = 0
    has_formulas: bool = False                                       # any <f> in a worksheet
    hidden_rows: dict[str, list[int]] = field(default_factory=dict)  # sheet name → hidden rows
    sheet_parts: dict[str, str] = field(default_factory=dict)        # sheet name → worksheet part

    @property
    def ok(self) -> bool:
        """False when the file must not be opened (a hard stop)."""
        return not any(f.severity == ERROR for f in self.findings)

    @property
    def refusal(self) -> Finding | None:
        return next((f for f in self.findings if f.severity == ERROR), None)


def _mib(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MB"


def preflight(path: str | Path, budgets: Budgets | None = None) -> Preflight:
    """Check one file; never raises for a bad file (only the findings say what is wrong)."""
    b = budgets or Budgets.from_env()
    p = Path(path)
    result = Preflight(p)
    stop = _file_refusal(p, b)
    if stop is None:
        b = b.for_size(p.stat().st_size)
        try:
            with zipfile.ZipFile(p) as zf:
                stop = _package_refusal(zf, b)
                if stop is None:
                    _features(zf, {i.filename for i in zf.infolist()}, result, p.name, b)
        except zipfile.BadZipFile:
            stop = ("corrupt-file", "", "")
        except (zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError, zlib.error) as err:
            stop = ("corrupt-file", "", f"（{type(err).__name__}）")
    if stop is not None:
        code, value, detail = stop
        result.findings.append(make_finding(code, file=p.name, value=value, detail=detail))
    return result


Stop = tuple[str, object, str]  # (finding code, value, detail) of a refusal


def _file_refusal(p: Path, b: Budgets) -> Stop | None:
    """Refusals decided from the file itself: missing, empty, too large, OLE (.xls or encrypted), not a zip."""
    try:
        size = p.stat().st_size
    except OSError as err:
        return "unreadable-file", "", describe_os_error(err) + "。"
    if size == 0:
        return "empty-file", "", ""
    if size > b.max_bytes:
        return "file-too-large", _mib(size), _mib(b.max_bytes)
    try:
        with open(p, "rb") as fh:
            head = fh.read(8)
            if head.startswith(OLE_MAGIC):
                data = head + fh.read()
                return ("encrypted-file" if _ENCRYPTED_MARK in data else "legacy-xls"), "", ""
    except OSError as err:
        return "unreadable-file", "", describe_os_error(err) + "。"
    if not head.startswith(ZIP_MAGIC):
        kind = _guess_text_kind(p)
        return "not-xlsx", "", f"中身は{kind}のようです。Excelで「.xlsx」形式で保存してください。"
    return None


def _package_refusal(zf: zipfile.ZipFile, b: Budgets) -> Stop | None:
    """Refusals decided from the zip directory and the XML prologs: too many entries, a bomb,
    not a workbook package, DTDs or entities, broken core parts."""
    infos = zf.infolist()
    if len(infos) > b.max_entries:
        return "too-many-entries", f"{len(infos):,}", f"{b.max_entries:,}"
    total = sum(i.file_size for i in infos)
    if total > b.max_uncompressed:
        return "zip-bomb", "", f"展開後 {_mib(total)}、上限 {_mib(b.max_uncompressed)}"
    for i in infos:
        if i.file_size > 1024 * 1024 and i.file_size > b.max_ratio * max(i.compress_size, 1):
            return "zip-bomb", "", (f"{i.filename} の圧縮率 "
                                    f"{i.file_size / max(i.compress_size, 1):,.0f}倍、上限 {b.max_ratio}倍")
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        return "not-xlsx", "", "Excelブックの構成ではありません。"
    for i in infos:
        if i.filename.endswith((".xml", ".rels", ".vml")) and _has_dtd(zf, i, b.prolog_bytes):
            return "xml-entities", "", i.filename
    if not _parts_parse(zf, ("[Content_Types].xml", "xl/workbook.xml")):
        return "corrupt-file", "", "（ブックの構成情報が壊れています）"
    return None


def _guess_text_kind(p: Path) -> str:
    with open(p, "rb") as fh:
        sample = fh.read(2048)
    low = sample.lstrip().lower()
    if low.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table", b"<meta")) or b"<html" in low:
        return "HTMLファイル"
    for enc in ("utf-8-sig", "cp932"):
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        if "," in text or "\t" in text:
            return "CSVファイル"
        return "テキストファイル"
    return "Excelブック以外のファイル"


def _has_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bool:
    """True when the XML part declares a DTD or entities before its root element."""
    with zf.open(info) as fh:
        prolog = fh.read(limit)
    m = _ROOT_START.search(prolog)
    head = prolog if m is None else prolog[: m.start()]
    if _DTD.search(head):
        return True
    return m is None and len(prolog) >= limit  # a prolog longer than the limit: refuse


def _features(zf: zipfile.ZipFile, names: set[str], result: Preflight, name: str, b: Budgets) -> None:
    """Count cells (streaming) and report features that do not stop reading."""
    add = result.findings.append
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        add(make_finding("macros-present", file=name, detail=""))
    if "xl/connections.xml" in names:
        add(make_finding("data-connections", file=name, detail=""))
    link_targets = [t for n in sorted(names) if n.startswith("xl/externalLinks/_rels/") and n.endswith(".rels")
                    for t in re.findall(rb'Target="([^"]+)"', zf.read(n))]
    scan = _Scan(bool(link_targets))
    sheet_names = _sheet_names(zf, names)
    result.sheet_parts = {v: k for k, v in sheet_names.items()}
    for n in sorted(names):
        if n.startswith("xl/worksheets/") and n.endswith(".xml"):
            hidden = _scan_worksheet(zf, n, scan, result, b)
            if scan.cells > b.max_cells:
                add(make_finding("too-many-cells", file=name, value=f"{scan.cells:,}+", detail=f"{b.max_cells:,}"))
                return
            if scan.over_extent:
                add(make_finding("too-many-cells", file=name, value=scan.over_extent, detail=f"{b.max_extent:,}"))
                return
            if hidden and n in sheet_names:
                result.hidden_rows[sheet_names[n]] = sorted(set(hidden))
        elif n.startswith("xl/drawings/") and n.endswith(".xml") and b"<xdr:sp" in zf.read(n):
            scan.dropped.add("図形・テキストボックス")
    result.cells = scan.cells
    _report_links_and_drops(link_targets, scan, add, name)


@dataclass
class _Scan:
    """What the worksheet scan collects over all sheets."""

    want_external: bool                                 # the package has external links
    cells: int = 0
    over_extent: str = ""                               # a sheet's extent over the budget, described
    external_formulas: list[str] = field(default_factory=list)
    dropped: set[str] = field(default_factory=set)


_DROPPED_MARKS = ((b"x14:dataValidation", "別シートを参照するドロップダウン"),
                  (b"x14:dataBar", "データバー（Excel 2010形式）"),
                  (b"x14:sparklineGroup", "スパークライン"))


def _scan_worksheet(zf: zipfile.ZipFile, part: str, scan: _Scan, result: Preflight, b: Budgets) -> list[int]:
    """Stream one worksheet part in 1 MiB chunks: count cells, note formulas, hidden rows
    (returned), formulas using external links and content openpyxl drops; stops over budget."""
    hidden: list[int] = []
    extent = _Extent()
    tail = b""
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                return hidden
            data = tail + chunk
            scan.cells += data.count(_CELL) - tail.count(_CELL)
            if not result.has_formulas and (b"<f>" in data or b"<f " in data):
                result.has_formulas = True
            hidden += [int(r) for r in _HIDDEN_ROW.findall(chunk)]
            if scan.cells > b.max_cells:
                return hidden
            if extent.grow(data) > b.max_extent:
                scan.over_extent = extent.describe()
                return hidden
            if scan.want_external and len(scan.external_formulas) < 5:
                scan.external_formulas += [m.decode("utf-8", "replace") for m in _EXTERNAL_FORMULA.findall(data)]
            scan.dropped.update(label for mark, label in _DROPPED_MARKS if mark in data)
            tail = chunk[-16:]


def _report_links_and_drops(link_targets: list[bytes], scan: _Scan, add, name: str) -> None:
    if link_targets:
        targets = "、".join(t.decode("utf-8", "replace") for t in link_targets[:3])
        uses = "、".join(sorted(set(scan.external_formulas))[:5])
        add(make_finding("external-links", file=name,
                         detail=f"リンク先: {targets}。" + (f"使用している数式: {uses}" if uses else "")))
    if scan.dropped:
        add(make_finding("dropped-content", file=name,
                         detail=f"次の内容は読み込み・統合で失われます: {'、'.join(sorted(scan.dropped))}"))


class _Extent:
    """The rectangle from A1 to the farthest cell of a sheet, which a reader that builds the
    sheet's grid (calamine) allocates in full: one stray cell at XFD1048576 is 17 billion cells.
    Only references beyond Z9999 are looked at; the rest are within that corner."""

    def __init__(self) -> None:
        self.rows = self.cols = 0
        self.farthest = ""

    def grow(self, data: bytes) -> int:
        """The extent (an upper bound) after the cells in `data`; 0 while none is beyond Z9999."""
        for ref in _FAR_CELL.findall(data):
            letters = ref.rstrip(b"0123456789")
            row, col = int(ref[len(letters):]), column_number(letters.decode())
            if row * col > self.rows * self.cols:
                self.farthest = ref.decode()
            self.rows, self.cols = max(self.rows, row), max(self.cols, col)
        return max(self.rows, _NEAR_ROWS) * max(self.cols, _NEAR_COLS) if self.rows else 0

    def describe(self) -> str:
        return f"{self.rows * self.cols:,}（A1～{self.farthest}）"


def _parts_parse(zf: zipfile.ZipFile, parts: tuple[str, ...]) -> bool:
    """The package's core parts are well-formed XML (checked after the DTD scan)."""
    from xml.etree import ElementTree as ET
    for part in parts:
        try:
            ET.fromstring(zf.read(part))
        except (ET.ParseError, LookupError, ValueError):  # LookupError: an unknown encoding declared
            return False
    return True


def _sheet_names(zf: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Worksheet part → sheet name (from xl/workbook.xml and its relationships; DTDs were refused)."""
    from xml.etree import ElementTree as ET
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        wb = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels")) if "xl/_rels/workbook.xml.rels" in names else None
    except (ET.ParseError, LookupError, ValueError):
        return {}
    targets = {}
    if rels is not None:
        for r in rels:
            t = r.get("Target", "")
            targets[r.get("Id")] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    return {targets[s.get(rid)]: s.get("name", "") for s in wb.iterfind("m:sheets/m:sheet", ns)
            if s.get(rid) in targets}
