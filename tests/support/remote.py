"""Drive xlwings' remote book from real workbook files, and apply its actions back onto them.

``payload_from_file`` reads a workbook (openpyxl) into the JSON an Office.js client sends: the
values of every sheet, with merged areas holding their value in the top-left cell only, as Excel
reports them. ``apply_actions`` replays the returned actions on the workbook, so a test can save
it and read it back with the production reader. An action the helper does not know fails loudly.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import xlwings as xw
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink


def _value(v):
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    return v


def payload_from_wb(wb, name: str, active: str | None = None, notes: bool = False) -> dict:
    """``notes``: include each sheet's note addresses and ``notes_supported`` as a client on
    ExcelApi 1.18 does (xlwings' remote Sheet.notes/Range.note read them; notes.add needs 1.18:
    https://learn.microsoft.com/javascript/api/excel/excel.notecollection#excel-excel-notecollection-add-member(1))."""
    sheets = []
    for ws in wb.worksheets:
        rows = [[_value(c) for c in row] for row in ws.iter_rows(values_only=True)] or [[None]]
        width = max(len(r) for r in rows)
        rows = [r + [None] * (width - len(r)) for r in rows]
        sheet = {"name": ws.title, "values": rows, "pictures": [], "tables": []}
        if notes:
            sheet["notes"] = [{"address": c.coordinate} for row in ws.iter_rows() for c in row if c.comment]
            sheet["notes_supported"] = True
        sheets.append(sheet)
    index = wb.sheetnames.index(active) if active else wb.sheetnames.index(wb.active.title)
    return {"client": "Office.js", "version": xw.__version__,
            "book": {"name": name, "active_sheet_index": index, "selection": "A1"},
            "names": [], "sheets": sheets}


def remote_book(path: Path, active: str | None = None, notes: bool = False):
    wb = openpyxl.load_workbook(path)
    return wb, xw.Book(json=payload_from_wb(wb, Path(path).name, active, notes))


def excel_entry(cell, v) -> None:
    """Store ``v`` as Excel stores a value written through ``Range.values``: text starting with
    ``=``, ``+`` or ``-`` becomes a formula (@types/office-js, ``Excel.Range.values``), a leading
    apostrophe makes the rest text (``Range.PrefixCharacter``, learn.microsoft.com)."""
    if isinstance(v, str) and v.startswith("'"):
        cell.value = v[1:]
        cell.data_type = "s"
        cell.quotePrefix = True
    elif isinstance(v, str) and v[:1] in ("=", "+", "-"):
        cell.value = "=" + v.lstrip("=")
    else:
        cell.value = v


def points_to_characters(points: float) -> float:
    """Office.js column widths are points (xlwings 0.37 passes them through); openpyxl stores characters."""
    return (points / 0.75 - 5) / 7


def _cells(ws, a):
    r0, c0 = a["start_row"] + 1, a["start_column"] + 1
    return r0, c0, r0 + a["row_count"] - 1, c0 + a["column_count"] - 1


def apply_actions(wb, actions: list[dict]) -> list[str]:
    """Replay remote-book actions on an openpyxl workbook; returns the action names applied."""
    done = []
    for a in actions:
        func = a["func"]
        ws = wb.worksheets[a["sheet_position"]] if a.get("sheet_position") is not None else None
        if func == "addSheet":
            index, name = a["args"]
            wb.create_sheet(name, index)
        elif func == "setValues":
            r0, c0, _, _ = _cells(ws, a)
            for i, row in enumerate(a["values"]):
                for j, v in enumerate(row):
                    cell = ws.cell(r0 + i, c0 + j)
                    if type(cell).__name__ == "MergedCell":
                        continue
                    excel_entry(cell, v)
        elif func == "setNumberFormat":
            r0, c0, r1, c1 = _cells(ws, a)
            for row in ws.iter_rows(min_row=r0, max_row=r1, min_col=c0, max_col=c1):
                for c in row:
                    c.number_format = a["args"][0]
        elif func == "setRangeColor":
            r0, c0, r1, c1 = _cells(ws, a)
            color = a["args"][0] if isinstance(a["args"], list) else a["args"]
            fill = PatternFill() if not color else PatternFill("solid", fgColor=color.lstrip("#").upper())
            for row in ws.iter_rows(min_row=r0, max_row=r1, min_col=c0, max_col=c1):
                for c in row:
                    c.fill = fill
        elif func == "rangeMerge":
            r0, c0, r1, c1 = _cells(ws, a)
            ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
        elif func == "sheetClear":
            for rng in list(ws.merged_cells.ranges):
                ws.unmerge_cells(str(rng))
            ws.delete_rows(1, ws.max_row)
        elif func == "setColumnWidth":
            _, c0, _, c1 = _cells(ws, a)
            width = a["args"][0] if isinstance(a["args"], list) else a["args"]
            for c in range(c0, c1 + 1):
                ws.column_dimensions[get_column_letter(c)].width = points_to_characters(width)
        elif func == "setWrapText":
            r0, c0, r1, c1 = _cells(ws, a)
            for row in ws.iter_rows(min_row=r0, max_row=r1, min_col=c0, max_col=c1):
                for c in row:
                    c.alignment = Alignment(wrap_text=bool(a["args"]), vertical="top")
        elif func == "activateSheet":
            wb.active = a["args"] if isinstance(a["args"], int) else a["args"][0]
        elif func == "addHyperlink":  # args: address, text to display, screen tip
            r0, c0, _, _ = _cells(ws, a)
            address, text, tip = a["args"]
            cell = ws.cell(r0, c0)
            if address.startswith("#"):
                cell.hyperlink = Hyperlink(ref=cell.coordinate, location=address[1:], display=text, tooltip=tip)
            else:
                cell.hyperlink = Hyperlink(ref=cell.coordinate, target=address, display=text, tooltip=tip)
        elif func == "addNote":  # args: address, text (Excel refuses a second note on a cell)
            cell = ws[a["args"][0].replace("$", "")]
            assert cell.comment is None, f"Excel refuses a second note on {cell.coordinate}"
            cell.comment = Comment(a["args"][1], "xl-kpi")
        elif func == "setNoteText":
            cell = ws[a["args"][0].replace("$", "")]
            assert cell.comment is not None, f"no note to change on {cell.coordinate}"
            cell.comment = Comment(a["args"][1], cell.comment.author)
        elif func == "deleteNote":
            ws[a["args"][0].replace("$", "")].comment = None
        else:
            raise AssertionError(f"the test helper does not know the action {func!r}: {a}")
        done.append(func)
    return done
