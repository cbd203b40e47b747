"""XlsxWriter, with the cell loop of the big sheets made cheap.

A master of 200 departments holds ~700,000 cells (取組状況, 推移, チェック結果). XlsxWriter stores
each written cell through a decorator and three checks, and serialises each one through a list
of attributes escaped one by one — most of a merge's time. :class:`FastWorksheet` (the worksheet
class of every workbook xl-kpi writes: ``Workbook.worksheet_class``, XlsxWriter's documented way to
supply one) adds :meth:`~FastWorksheet.put_row` to store a row of text, number and blank cells at
once, and serialises the ``<sheetData>`` rows with one string per row. The bytes are the ones
XlsxWriter writes itself — ``tests/files/test_fastsheet.py`` compares the two on every kind of
cell and row — so any cell the fast path does not know (a formula, a cell without its own format
…) is handed back to XlsxWriter's own code.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from collections.abc import Sequence
from math import isfinite
from typing import IO, Any, cast

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, RowInfo, Worksheet

__all__ = ["FastWorksheet", "FastWorkbook"]

# Strings this long may exceed Excel's 32,767 UTF-16 units: XlsxWriter's own check truncates them.
_LONG = 32_767 // 2


class FastWorksheet(Worksheet):
    """A worksheet whose rows of plain cells are stored and written without per-cell overhead."""

    _xf_of: dict[Format, int]  # while the sheet is written: each format's index in styles.xml

    def put_row(self, row: int, cells: Sequence[tuple[int, object, Format | None]],
                height: float | None = None) -> None:
        """Store ``cells`` — (column, value, format), columns ascending — of 0-based ``row``, as
        ``write_string``/``write_number``/``write_blank`` would one by one: a ``str`` is text (``""``
        too, as ``write_string`` keeps it), an ``int``/``float`` a number, None a blank (kept only
        with a format); then, given a ``height`` in points, as ``set_row(row, height)`` would."""
        cells = [c for c in cells if c[1] is not None or c[2] is not None]  # write_blank drops these
        if not cells or self._check_dimensions(row, cells[0][0]) or self._check_dimensions(row, cells[-1][0]):
            if height is not None:
                self.set_row(row, height)
            return
        if height is not None:
            pixels = int(height * 4.0 / 3.0 + 0.5)  # set_row's conversion; its checks passed above
            if pixels > 0:
                self.row_info[row] = RowInfo(pixels)
                self.row_sizes[row] = [pixels, False]
            else:  # a hidden row: XlsxWriter's own way
                self.set_row(row, height)
        stored = self.table[row]
        strings = self.str_table  # XlsxWriter's SharedStringTable, its _get_shared_string_index inlined
        index_of = strings.string_table
        new = tuple.__new__  # the cell namedtuples without their Python-level __new__
        shared = 0
        for col, value, fmt in cells:
            cls = value.__class__
            if isinstance(value, str):
                if len(value) > _LONG:
                    self._write_string(row, col, value, fmt)
                    continue
                index = index_of.get(value)
                if index is None:
                    index = index_of[value] = strings.unique_count
                    strings.unique_count += 1
                shared += 1
                stored[col] = new(CellStringTuple, (index, fmt))
            elif value is None:
                if fmt is not None:
                    stored[col] = new(CellBlankTuple, (fmt,))
            elif (cls is int or cls is float) and isfinite(cast(float, value)):
                stored[col] = new(CellNumberTuple, (value, fmt))
            else:  # bools, NaN, Decimal …: XlsxWriter decides
                self.write(row, col, value, fmt)
        strings.count += shared

    _rows_file: IO[str] | None = None  # the <sheetData> rows once written out (:meth:`FastWorkbook.write_out`)
    fh: Any  # XlsxWriter's file handle of the part being written (None until then)

    def _check_dimensions(self, row: int, col: int, ignore_row=False, ignore_col=False) -> int:
        if self._rows_file is not None and not (ignore_row or ignore_col):
            raise RuntimeError(f"「{self.name}」の行は書き出し済みです（セル {row + 1}行{col + 1}列）")
        return super()._check_dimensions(row, col, ignore_row, ignore_col)

    def _write_out(self, rows: IO[str] | None = None) -> None:
        """Write the rows' XML to a temporary file (or to ``rows``) now and let the cells go (their
        formats are numbered already): the file's ``<sheetData>`` is copied from it when the
        workbook is written."""
        # kept open until the workbook is written (and removed by the system when closed)
        rows = rows or tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        fh = self.fh  # None until XlsxWriter writes the part
        self.fh = rows
        try:
            self._write_table_rows()
        finally:
            self.fh = fh
        rows.flush()
        self.take_rows(rows)

    def take_rows(self, rows: IO[str]) -> None:
        """Use the ``<sheetData>`` rows written in ``rows`` (by :meth:`_write_out`, here or in a
        forked copy) instead of the cells: they are let go, and writing to the sheet raises."""
        self._rows_file = rows
        self.table.clear()

    def _write_rows(self) -> None:
        if self._rows_file is None:
            self._write_table_rows()
            return
        self._rows_file.seek(0)  # a forked copy shares the file's offset: always from the start
        shutil.copyfileobj(self._rows_file, self.fh)

    def _write_table_rows(self) -> None:  # XlsxWriter's _write_rows, one string a row
        self._calculate_spans()
        table, row_info, comments = self.table, self.row_info, self.comments
        write = self.fh.write
        self._xf_of = {}
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row_num)
            if not cells and row_num not in row_info and row_num not in comments:
                continue
            span = self.row_spans.get(row_num // 16)
            if not cells:
                self._write_empty_row(row_num, span, row_info.get(row_num))
                continue
            if row_num not in row_info:
                self._write_row(row_num, span)
            else:
                self._write_row(row_num, span, row_info[row_num])
            write(self._cells_xml(row_num, cells))
            self._xml_end_tag("row")

    def _calculate_spans(self) -> None:  # XlsxWriter's, from each row's first and last column
        if self.comments:  # comments may lie outside the cells' columns: XlsxWriter's own count
            super()._calculate_spans()
            return
        spans: dict[int, str] = {}
        low = high = -1
        table, last = self.table, self.dim_rowmax
        for row_num in range(self.dim_rowmin, last + 1):
            cols = table.get(row_num)
            if cols:
                first, final = min(cols), max(cols)
                low, high = (first, final) if low < 0 else (min(low, first), max(high, final))
            if ((row_num + 1) % 16 == 0 or row_num == last) and low >= 0:
                spans[row_num // 16] = f"{low + 1}:{high + 1}"
                low = -1
        self.row_spans = spans

    def _cells_xml(self, row: int, cells: dict) -> str:
        out: list[str] = []
        number = str(row + 1)
        xf = self._xf_of  # format → its "s" index, looked up once a write
        for col in sorted(cells):
            cell = cells[col]
            cls, fmt = cell.__class__, cell.format
            if fmt is None or cls not in _FAST:
                out.append(self._cell_by_xlsxwriter(row, col, cell))
                continue
            ref = (_COLUMNS[col] if col < _NAMED else xl_col_to_name(col)) + number
            s = xf.get(fmt)
            if s is None:
                s = xf[fmt] = fmt._get_xf_index()
            if cls is CellStringTuple:
                out.append(f'<c r="{ref}" s="{s}" t="s"><v>{cell.string}</v></c>')
            elif cls is CellNumberTuple:
                out.append(f'<c r="{ref}" s="{s}"><v>{cell.number:.16G}</v></c>')
            else:
                out.append(f'<c r="{ref}" s="{s}"/>')
        return "".join(out)

    def _cell_by_xlsxwriter(self, row: int, col: int, cell) -> str:
        """One cell as XlsxWriter's own ``_write_cell`` writes it (formulas, cells without a format …)."""
        fh = self.fh
        parts: list[str] = []
        self.fh = _Collect(parts)
        try:
            self._write_cell(row, col, cell)
        finally:
            self.fh = fh
        return "".join(parts)


_NAMED = 256  # column letters computed once for the first columns (a master has ~40)
_COLUMNS = tuple(xl_col_to_name(c) for c in range(_NAMED))
_FAST = (CellStringTuple, CellNumberTuple, CellBlankTuple)


class _Collect:
    """A file-like object that keeps what is written (to capture one cell's XML)."""

    def __init__(self, parts: list[str]):
        self.write = parts.append


class _SharedStrings(SharedStrings):
    """XlsxWriter's sharedStrings.xml writer, a plain text written as one string: a text with a
    control character, ``&``, ``<``, ``>``, an ``_x`` (its escape), a non-character or white space
    at either end is handed to XlsxWriter's own ``_write_si``."""

    def _write_sst_strings(self) -> None:
        special, write = _SPECIAL_TEXT.search, self.fh.write
        plain: list[str] = []
        for text in self.string_table.string_array:
            if text and not special(text) and not text[0].isspace() and not text[-1].isspace():
                plain.append(f"<si><t>{text}</t></si>")
                continue
            write("".join(plain))
            plain.clear()
            self._write_si(text)
        write("".join(plain))


# what takes a text off the plain path of sharedStrings.xml (XlsxWriter escapes or marks it)
_SPECIAL_TEXT = re.compile(r"[\x00-\x1f&<>\ufffe\uffff]|_x")


class _SheetsInTwoProcesses(Packager):
    """XlsxWriter's packager, writing the worksheet parts in two processes where it can.

    Once the workbook is prepared, each sheet's XML depends only on that sheet, so a forked copy
    of this process writes some of the sheets' parts while this one writes the others (XlsxWriter
    documents the packager as the class to replace: ``Workbook._get_packager``). The bytes are
    the same; one process writes everything when the parts are kept in memory, with one core,
    while another thread runs (a fork copies only the calling thread) or when the copy fails."""

    def _write_worksheet_files(self) -> None:
        jobs: list[tuple[Worksheet, str]] = []
        index = 1
        for ws in self.workbook.worksheets():
            if ws.is_chartsheet:
                continue
            if ws.constant_memory:  # not used by xl-kpi: XlsxWriter's own path, one process
                super()._write_worksheet_files()
                return
            jobs.append((ws, self._filename(f"xl/worksheets/sheet{index}.xml")))
            index += 1
        theirs = _share(jobs) if not self.in_memory and _may_fork() else []
        if theirs:
            # a format's number in styles.xml is given when a sheet first writes it: give them all
            # here, in the order one process writing the sheets one after another would
            for ws, _ in jobs:
                _number_formats(ws, self.workbook._numbered)
        pid = os.fork() if theirs else 0
        if theirs and pid == 0:  # the copy: write its sheets and leave at once (no clean-up of the parent's)
            code = 1
            try:
                _write_parts(theirs)
                code = 0
            finally:
                os._exit(code)
        _write_parts([j for j in jobs if j not in theirs])
        if theirs:  # the rest of the package is written while the copy works; joined before the zip
            self._copy = (pid, theirs)

    _copy: tuple[int, list[tuple[Worksheet, str]]] | None = None

    def _write_shared_strings_file(self) -> None:  # XlsxWriter's, with the plain texts written at once
        if not self.workbook.str_table.count:
            return
        sst = _SharedStrings()
        sst.string_table = self.workbook.str_table
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()

    def _create_package(self):
        try:
            files = super()._create_package()
        except BaseException:
            self._join_copy(rewrite=False)
            raise
        self._join_copy(rewrite=True)
        return files

    def _join_copy(self, rewrite: bool) -> None:
        if self._copy is None:
            return
        pid, theirs = self._copy
        self._copy = None
        if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0 and rewrite:
            _write_parts(theirs)  # the copy failed: write its sheets here (an error shows here too)


def _number_formats(ws: Worksheet, seen: set[Format | None]) -> None:
    """Ask each format of ``ws`` for its styles.xml index (``Format._get_xf_index``) in the order
    XlsxWriter's writing of the sheet does: the columns' formats (``_write_cols``), then row by
    row the row's format and each cell's (``_write_row``, ``_write_cell``); a cell without a
    format takes its row's or column's, numbered already. ``seen``: the formats asked already
    (a row whose formats were all seen is not gone through cell by cell)."""
    for col in sorted(ws.col_info):
        fmt = ws.col_info[col].column_format
        if fmt:
            fmt._get_xf_index()
            seen.add(fmt)
    if ws.dim_rowmin is None:
        return
    table, row_info = ws.table, ws.row_info
    for row in range(ws.dim_rowmin, ws.dim_rowmax + 1):
        info = row_info.get(row)
        if info is not None and info.row_format:
            info.row_format._get_xf_index()
            seen.add(info.row_format)
        cells = table.get(row)
        if cells and not seen.issuperset([cell.format for cell in cells.values()]):
            for col in sorted(cells):
                fmt = cells[col].format
                if fmt:
                    fmt._get_xf_index()
                    seen.add(fmt)


def _write_parts(jobs: list[tuple[Worksheet, str]]) -> None:
    for ws, filename in jobs:
        ws._set_xml_writer(filename)
        ws._assemble_xml_file()


def _share(jobs: list[tuple[Worksheet, str]]) -> list[tuple[Worksheet, str]]:
    """The sheets the second process writes: about half of the cells, from the sheets whose
    writing changes nothing the package needs later (an external hyperlink numbers its
    relationship while its sheet is written)."""
    size = {id(ws): sum(len(cells) for cells in ws.table.values()) for ws, _ in jobs}
    total = sum(size.values())
    if total < PARALLEL_MIN_CELLS:
        return []
    theirs: list[tuple[Worksheet, str]] = []
    taken = 0
    for job in sorted(jobs, key=lambda j: -size[id(j[0])]):
        if not job[0].hyperlinks and taken + size[id(job[0])] <= total / 2 + total / 10:
            theirs.append(job)
            taken += size[id(job[0])]
    return theirs


PARALLEL_MIN_CELLS = 50_000  # below this, forking costs more than the second core saves
# A sheet this large is written out once complete: its cells would take ~80 MB until the workbook
# is written. A smaller one is kept, so that its XML is written in two processes at the end.
WRITE_OUT_MIN_CELLS = 500_000


def _may_fork() -> bool:
    """A second process when there is a second core, no other thread, and ``XL_KPI_WORKERS`` is not 1."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return (hasattr(os, "fork") and cores > 1 and threading.active_count() == 1
            and os.environ.get("XL_KPI_WORKERS", "").strip() != "1")


class FastWorkbook(xlsxwriter.Workbook):
    """An XlsxWriter workbook whose worksheets are :class:`FastWorksheet`, packaged by
    :class:`_SheetsInTwoProcesses`."""

    worksheet_class = FastWorksheet

    def __init__(self, filename: Any = None, options: dict[str, Any] | None = None) -> None:
        super().__init__(filename, options)
        # the formats given their styles.xml number so far (a cell without a format asks nothing)
        self._numbered: set[Format | None] = {None}

    def _get_packager(self) -> Packager:
        return _SheetsInTwoProcesses()

    def write_out(self, ws: FastWorksheet, min_cells: int = WRITE_OUT_MIN_CELLS) -> None:
        """Write a complete sheet's rows out now, so that its cells do not stay in memory until the
        workbook is closed (a master of 1,000 submissions holds millions). The formats of every
        sheet up to this one are numbered first, in the order writing the sheets one after another
        numbers them, so the bytes are the same. A sheet with hyperlinks (XlsxWriter reads its cells
        again to write them), with fewer than ``min_cells`` cells, or kept in constant-memory mode
        stays as it is, and so does a sheet written out already; writing to a sheet after this raises."""
        if (ws._rows_file is not None or ws.hyperlinks or ws.constant_memory
                or sum(len(c) for c in ws.table.values()) < min_cells):
            return
        for sheet in self.worksheets():
            _number_formats(sheet, self._numbered)
            if sheet is ws:
                break
        ws._write_out()


    def add_worksheet(self, name: str | None = None, worksheet_class=None) -> FastWorksheet:
        ws = super().add_worksheet(name, worksheet_class or FastWorksheet)
        if not isinstance(ws, FastWorksheet):
            raise TypeError(f"{worksheet_class!r} is not a FastWorksheet")
        return ws
