"""Edits made to a department's workbook the way staff make them in Excel (openpyxl, then saved)."""

from __future__ import annotations

from pathlib import Path


def edit(path: Path, fn) -> Path:
    """``fn`` applied to the workbook's first sheet, and the workbook saved."""
    import openpyxl
    wb = openpyxl.load_workbook(path)
    fn(wb.worksheets[0])
    wb.save(path)
    return path


def empty_rows(ws, rows) -> None:
    """Rows deleted by a clerk: every cell of the row emptied (merged areas unmerged first)."""
    rows = set(rows)
    for rng in list(ws.merged_cells.ranges):
        if rng.min_row in rows or rng.max_row in rows:
            ws.unmerge_cells(str(rng))
    for r in rows:
        for c in range(1, ws.max_column + 1):
            ws.cell(r, c).value = None
