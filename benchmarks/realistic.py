"""Submissions edited the way staff leave them: the generated files, opened and saved again.

Each generated submission (:func:`bench_merge.generate`) is edited like a clerk does in Excel:
a number typed into value cells with a number format (``#,##0"件"``, ``0.0%``), a comment, a
filled cell, and saved again (openpyxl writes the same parts Excel does: styles, comments as
VML + comments part, typed ``<c t="n">`` cells). Every 50th file also gets a formula and a
LibreOffice round trip (``soffice --convert-to xlsx``), which rewrites the whole package the way
LibreOffice Calc saves it, with the formula's cached value. The edited files are made once into
a pool under ``benchmarks/out`` and the size-N folders hold hard links to the first N.
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
LIBREOFFICE_EVERY = 50  # files i with i % 50 == 3 get a formula and a LibreOffice round trip


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
    first = next(r for r in range(5, ws.max_row + 1) if isinstance(ws.cell(r, 9).value, (int, float, str)) and ws.cell(r, 5).value)
    ws.cell(first, 9).comment = Comment("前年度の値を確認済み", "担当者")
    ws.cell(first, 14).fill = PatternFill("solid", fgColor="FFFF00")
    if formula:
        c = ws.cell(first, 9)
        c.value, c.number_format = "=10+5", '#,##0"件"'
    wb.save(dst)


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
        edit_like_staff(src, dst, seed=i, formula=lo)
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
