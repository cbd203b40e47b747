"""The rows of some sheets written by a forked copy of the process while this one writes the others.

Once the evaluation is done, each sheet of the master is laid out from it alone, but the sheets
share two numberings XlsxWriter gives as a workbook is written: the shared strings (a text's index
in sharedStrings.xml, in the order the texts are first written to a cell) and the formats' (their
index in styles.xml, in the order they are first written out). :func:`rows_in_two_processes`
keeps both as one process writing the sheets one after another would give them:

1. every sheet is added, with its title, headers and print set-up, before the copy is made; every
   format made so far is numbered then, in the order they were made;
2. the copy writes the rows of *its* sheets (the ``theirs`` functions) while this process writes
   the rows of the others (the body of the ``with``);
3. this process hands the texts it added to the shared strings to the copy; the copy numbers each
   text it added as if its rows had been written after this process's (a text this process added
   too takes its index, a new one the next index after them), writes its sheets' rows
   (``<sheetData>``) to files, and hands back its new texts and each sheet's extent;
4. this process adds those texts to its shared strings and takes each sheet's rows from its file.

So the bytes are the ones one process writes running the ``theirs`` functions after the body —
which is what happens with one core, another thread running (a fork copies only the calling
thread), ``XL_KPI_WORKERS=1``, a small workbook, or when the copy fails; a copy that makes a
format (whose number this process could not know) or changes its sheets in any other way than
their cells and row heights fails on purpose, and its rows are then written here.
"""

from __future__ import annotations

import copy
import os
import pickle
import signal
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from itertools import islice
from typing import IO, Any

from xlsxwriter.worksheet import CellStringTuple

from .fastsheet import FastWorkbook, FastWorksheet, _may_fork

__all__ = ["SheetRows", "rows_in_two_processes"]

SheetRows = tuple[FastWorksheet, Callable[[], None]]  # a sheet added with its frame, and what writes its rows

# what writing a sheet's rows may change: its cells, its extent and its rows' heights
_ROWS_STATE = frozenset({"table", "dim_rowmin", "dim_rowmax", "dim_colmin", "dim_colmax", "row_info", "row_sizes"})


@contextmanager
def rows_in_two_processes(wb: FastWorkbook, theirs: Sequence[SheetRows], *, worth: bool = True,
                          meanwhile: Callable[[], None] = lambda: None) -> Iterator[None]:
    """Write the rows of ``theirs`` in a forked copy while the body of the ``with`` writes the rest
    (see the module docstring); ``meanwhile`` runs here once this process's rows are done, while the
    copy finishes (writing a large sheet out). ``worth``: whether the rows are many enough for a
    second process to save more than it costs."""
    for f in wb.formats:  # before any copy: both processes number the formats alike
        f._get_xf_index()
    wb._numbered.update(wb.formats)
    copy_ = _Copy.start(wb, theirs) if theirs and worth and _may_fork() else None
    if copy_ is None:
        yield
        meanwhile()
    else:
        try:
            yield
            copy_.hand_over()
            meanwhile()
        except BaseException:
            copy_.stop()
            raise
        if copy_.take_back():
            return
    for _, fill in theirs:
        fill()


class _Copy:
    """The forked copy writing the rows of some sheets, seen from this process."""

    def __init__(self, wb: FastWorkbook, theirs: Sequence[SheetRows]) -> None:
        self.wb, self.theirs = wb, list(theirs)
        self.first_new = wb.str_table.unique_count  # the texts both processes add start here
        # open until close(); each sheet's rows kept open with its sheet until the workbook is written
        self.ours: IO[bytes] = tempfile.TemporaryFile("wb+")   # noqa: SIM115 — the texts this process added, for the copy
        self.reply: IO[bytes] = tempfile.TemporaryFile("wb+")  # noqa: SIM115 — the copy's texts and extents, for this process
        self.rows: list[IO[str]] = [tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
                                    for _ in self.theirs]
        self.ready, self.go = os.pipe()             # a byte on it: this process's texts are in ``ours``
        self.pid = 0

    @classmethod
    def start(cls, wb: FastWorkbook, theirs: Sequence[SheetRows]) -> _Copy | None:
        c = cls(wb, theirs)
        try:
            c.pid = os.fork()
        except OSError:
            os.close(c.ready)
            c.close()
            return None
        if c.pid == 0:  # the copy: write, hand back, and leave at once (none of the parent's clean-up)
            code = 1
            try:
                c.write_theirs()
                code = 0
            finally:
                os._exit(code)
        os.close(c.ready)
        return c

    # in the copy
    def write_theirs(self) -> None:
        os.close(self.go)
        wb, sst = self.wb, self.wb.str_table
        made, count = len(wb.formats), sst.count
        frames = [_frame(ws) for ws, _ in self.theirs]
        for _, fill in self.theirs:
            fill()
        if len(wb.formats) != made or frames != [_frame(ws) for ws, _ in self.theirs]:
            raise RuntimeError("the rows made a format or changed their sheet beyond its cells")
        if os.read(self.ready, 1) != b"1":
            raise RuntimeError("this process stopped")
        self.ours.seek(0)
        ours = {text: i for i, text in enumerate(pickle.load(self.ours), start=self.first_new)}
        mine = list(islice(sst.string_table, self.first_new, None))
        after = self.first_new + len(ours)
        novel: list[str] = []
        final: list[int] = []
        for text in mine:
            index = ours.get(text)
            if index is None:
                index = after + len(novel)
                novel.append(text)
            final.append(index)
        first, new = self.first_new, tuple.__new__
        for (ws, _), rows in zip(self.theirs, self.rows):
            for cells in ws.table.values():
                for col, cell in cells.items():
                    if cell.__class__ is CellStringTuple and cell.string >= first:
                        cells[col] = new(CellStringTuple, (final[cell.string - first], cell.format))
            ws._write_out(rows)
        extents = [(ws.dim_rowmin, ws.dim_rowmax, ws.dim_colmin, ws.dim_colmax) for ws, _ in self.theirs]
        pickle.dump((novel, sst.count - count, extents), self.reply)
        self.reply.flush()

    # in this process
    def hand_over(self) -> None:
        """Give the copy the texts this process added (its rows are done)."""
        pickle.dump(list(islice(self.wb.str_table.string_table, self.first_new, None)), self.ours)
        self.ours.flush()
        with suppress(BrokenPipeError):  # the copy has ended already: take_back finds out how
            os.write(self.go, b"1")
        os.close(self.go)
        self.go = -1

    def take_back(self) -> bool:
        """The copy's rows and texts taken into this workbook; False (nothing taken) if it failed."""
        try:
            if os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1]) != 0:
                return False
            self.reply.seek(0)
            novel, count, extents = pickle.load(self.reply)
            sst = self.wb.str_table
            for text in novel:
                sst.string_table[text] = sst.unique_count
                sst.unique_count += 1
            sst.count += count
            for (ws, _), rows, extent in zip(self.theirs, self.rows, extents):
                ws.dim_rowmin, ws.dim_rowmax, ws.dim_colmin, ws.dim_colmax = extent
                ws.take_rows(rows)
            self.rows = []
            return True
        finally:
            self.close()

    def stop(self) -> None:
        """This process failed: end the copy."""
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        finally:
            self.close()

    def close(self) -> None:
        """Close what is left: the pipe's end and every file no sheet took."""
        if self.go >= 0:  # not closed by handing the texts over
            os.close(self.go)
            self.go = -1
        self.ours.close()
        self.reply.close()
        for rows in self.rows:
            rows.close()
        self.rows = []


def _frame(ws: FastWorksheet) -> dict[str, Any]:
    """What a sheet holds besides its rows (containers copied, other objects as themselves):
    writing the rows must leave it as it was."""
    return {k: copy.copy(v) if isinstance(v, (list, dict, set)) else v
            for k, v in vars(ws).items() if k not in _ROWS_STATE}
