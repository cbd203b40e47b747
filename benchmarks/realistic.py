"""Submissions edited the way staff leave them: the generated files, with numbers typed in.

Every generated submission (:func:`bench_merge.generate`) gets numbers typed over about half of
its 目標値 and 末時点 cells with the number format a clerk picks (``#,##0"件"``, ``0.0%``, ``#,##0``):
the cell becomes ``<c s="…"><v>15</v></c>`` with a new cell style and ``numFmt`` in styles.xml,
as Excel saves a typed number. Every 10th file is instead opened and saved by another writer
(openpyxl) with the typed numbers, a comment (VML + comments part) and a filled cell; every
50th of those also gets a formula and a LibreOffice round trip (``soffice --convert-to xlsx``,
which rewrites the package the way LibreOffice Calc saves it, with the formula's cached value).
The edited files are made once into a pool under ``benchmarks/out``; size-N folders hold hard
links to the first N.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

_NUMBER_UNIT = re.compile(r"^([\d,]+(?:\.\d+)?)\s*([^\d\s(（]*)")
OPENPYXL_EVERY = 10     # files i with i % 10 == 3 are edited and saved by openpyxl (comment, fill)
LIBREOFFICE_EVERY = 50  # files i with i % 50 == 3 also get a formula and a LibreOffice round trip


def typed(text: str) -> tuple[float | int, str] | None:
    """(number, number format) a clerk would type for a KPI text, or None to leave it as text."""
    m = _NUMBER_UNIT.match(text or "")
    if not m:
        return None
    number = float(m.group(1).replace(",", ""))
    unit = m.group(2)
    if unit == "%":
        return number / 100, "0.0%"
    value: float | int = int(number) if number.is_integer() else number
    if not unit:
        return value, "#,##0"
    return value, f'#,##0"{unit}"' if isinstance(value, int) else f'#,##0.0"{unit}"'


def edit_like_staff(src: Path, dst: Path, seed: int, formula: bool) -> None:
    """Type numbers over about half of the current/target values, add a comment and a fill."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    rng = random.Random(seed)
    wb = openpyxl.load_workbook(src)
    ws = wb.worksheets[0]
    typed_cells = 0
    for row in range(5, ws.max_row + 1):
        for col in (8, 9):  # 目標値, 令和N年度末時点
            cell = ws.cell(row, col)
            t = typed(cell.value) if isinstance(cell.value, str) and rng.random() < 0.5 else None
            if t is not None:
                cell.value, cell.number_format = t
                typed_cells += 1
    first = next(r for r in range(5, ws.max_row + 1)
                 if isinstance(ws.cell(r, 9).value, (int, float, str)) and ws.cell(r, 5).value)
    ws.cell(first, 9).comment = Comment("前年度の値を確認済み", "担当者")
    ws.cell(first, 14).fill = PatternFill("solid", fgColor="FFFF00")
    if formula:
        c = ws.cell(first, 9)
        c.value, c.number_format = "=10+5", '#,##0"件"'
    wb.save(dst)


_SHARED_CELL = re.compile(rb'<c r="([HI])(\d+)" s="(\d+)" t="s"><v>(\d+)</v></c>')


def type_numbers_in_xml(src: Path, dst: Path, seed: int) -> None:
    """The typed-number edit done on the package XML (fast enough for a thousand files)."""
    import zipfile
    from xml.etree import ElementTree as ET
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rng = random.Random(seed)
    with zipfile.ZipFile(src) as zf:
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    strings = ["".join(t.text or "" for t in si.iter(ns + "t"))
               for si in ET.fromstring(parts["xl/sharedStrings.xml"]).iter(ns + "si")]
    styles = parts["xl/styles.xml"].decode()
    xfs = re.search(r'<cellXfs count="(\d+)">(.*?)</cellXfs>', styles, re.S)
    xf_list = re.findall(r"<xf [^>]*?(?:/>|>.*?</xf>)", xfs.group(2), re.S)
    new_fmts: dict[str, int] = {}
    new_xfs: list[str] = []

    def style_for(base: int, fmt: str) -> int:
        if fmt not in new_fmts:
            new_fmts[fmt] = 170 + len(new_fmts)
        xf = re.sub(r'numFmtId="\d+"', f'numFmtId="{new_fmts[fmt]}"', xf_list[base], count=1)
        xf = xf.replace(" xfId=", ' applyNumberFormat="1" xfId=', 1)
        if xf not in new_xfs:
            new_xfs.append(xf)
        return len(xf_list) + new_xfs.index(xf)

    def edit(m: re.Match) -> bytes:
        col, row, s, v = m.groups()
        t = typed(strings[int(v)]) if int(row) >= 5 and rng.random() < 0.5 else None
        if t is None:
            return m.group(0)
        value, fmt = t
        return b'<c r="%s%s" s="%d"><v>%s</v></c>' % (col, row, style_for(int(s), fmt), repr(value).encode())

    parts["xl/worksheets/sheet1.xml"] = _SHARED_CELL.sub(edit, parts["xl/worksheets/sheet1.xml"])
    fmts = "".join(f'<numFmt numFmtId="{i}" formatCode="{f.replace(chr(34), "&quot;")}"/>' for f, i in new_fmts.items())
    styles = re.sub(r'<numFmts count="(\d+)">', lambda m: f'<numFmts count="{int(m.group(1)) + len(new_fmts)}">', styles)
    styles = styles.replace("</numFmts>", fmts + "</numFmts>", 1)
    styles = styles.replace(xfs.group(0), f'<cellXfs count="{len(xf_list) + len(new_xfs)}">'
                            f'{xfs.group(2)}{"".join(new_xfs)}</cellXfs>')
    parts["xl/styles.xml"] = styles.encode()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def libreoffice_round_trip(files: list[Path], out: Path) -> None:
    """Open and save the files with LibreOffice Calc (one soffice run, its own profile)."""
    soffice = shutil.which("soffice")
    if soffice is None or not files:
        return
    with tempfile.TemporaryDirectory() as tmp:
        conv = Path(tmp) / "out"
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to",
                        "xlsx", "--outdir", str(conv), *map(str, files)], check=True, capture_output=True,
                       timeout=600)
        for f in files:
            shutil.copyfile(conv / f.name, out / f.name)


def realistic_pool(generated: Path, pool: Path) -> Path:
    """Edited copies of every generated submission (made once; kept while the count matches)."""
    sources = sorted(generated.glob("*.xlsx"))
    if pool.exists() and len(list(pool.glob("*.xlsx"))) == len(sources):
        return pool
    pool.mkdir(parents=True, exist_ok=True)
    round_trip = []
    for i, src in enumerate(sources):
        dst = pool / src.name
        lo = i % LIBREOFFICE_EVERY == 3
        if i % OPENPYXL_EVERY == 3:
            edit_like_staff(src, dst, seed=i, formula=lo)
        else:
            type_numbers_in_xml(src, dst, seed=i)
        if lo:
            round_trip.append(dst)
    libreoffice_round_trip(round_trip, pool)
    return pool


def realistic_subset(pool: Path, n: int, out: Path) -> Path:
    """A folder with the first n files of the pool (hard links)."""
    d = out / f"real_{n}"
    if d.exists() and len(list(d.glob("*.xlsx"))) == n:
        return d
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    for f in sorted(pool.glob("*.xlsx"))[:n]:
        try:
            os.link(f, d / f.name)
        except OSError:
            shutil.copyfile(f, d / f.name)
    return d
