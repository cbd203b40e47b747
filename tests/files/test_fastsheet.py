"""FastWorksheet writes exactly the bytes XlsxWriter writes itself.

The reference is XlsxWriter's own Worksheet (https://xlsxwriter.readthedocs.io/worksheet.html:
write_string / write_number / write_blank, and ``Workbook.worksheet_class`` / ``add_worksheet(
worksheet_class=…)`` for a custom worksheet class): the same calls made on a plain
``xlsxwriter.Workbook`` and on :class:`FastWorkbook` — or the same cells stored with
:meth:`FastWorksheet.put_row` — must give the same package, part for part.
"""

from __future__ import annotations

import io
import math
import os
import threading
import zipfile
from datetime import datetime

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_kpi.files.writing.fastsheet import FastWorkbook, FastWorksheet

OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
FIXED = datetime(2021, 5, 10, 9, 30)


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def build(workbook_class, fill) -> bytes:
    buf = io.BytesIO()
    wb = workbook_class(buf, OPTIONS)
    wb.set_properties({"created": FIXED})
    formats = {"text": wb.add_format({"text_wrap": True}), "pct": wb.add_format({"num_format": "0%"}),
               "unit": wb.add_format({"num_format": '#,##0"人(累計)"'}), "row": wb.add_format({"bold": True}),
               "col": wb.add_format({"italic": True})}
    ws = wb.add_worksheet("取組状況")
    fill(ws, formats)
    wb.close()
    return buf.getvalue()


def every_kind(ws, f) -> None:
    """Cells and rows of every kind the writer meets, and some it never should."""
    ws.set_column(3, 3, 12, f["col"])
    ws.set_row(2, 30, f["row"])
    ws.set_row(9, 18)  # a row with a height and no cells
    ws.write_string(0, 0, "【基本目標1】地域経済", f["text"])
    ws.write_string(0, 1, "", f["text"])  # an empty string is kept as one
    ws.write_string(0, 2, 'a < b & "c" > d', f["text"])
    ws.write_string(0, 3, "制御\x01文字 _x0041_", f["text"])
    ws.write_number(1, 0, 1399, f["unit"])
    ws.write_number(1, 1, 0.375, f["pct"])
    ws.write_number(1, 2, -0.0, f["pct"])
    ws.write_number(1, 3, 1e-20, None)  # no format: the column's
    ws.write_number(1, 4, 12345678901234567890, f["text"])
    ws.write_blank(2, 0, None, f["text"])
    ws.write_blank(2, 1, None, None)  # dropped
    ws.write_string(2, 2, "row format", None)  # no format: the row's
    ws.write_formula(3, 0, "=A2*2", f["text"], 2798)
    ws.write_boolean(3, 1, True, f["text"])
    ws.write_datetime(3, 2, FIXED, f["pct"])
    ws.write_rich_string(3, 3, "a", f["row"], "b", f["text"])
    ws.write_url(4, 0, "https://example.jp/", None, "link")
    ws.merge_range(5, 0, 6, 1, "結合", f["text"])
    ws.write_comment(7, 0, "メモ")
    ws.write_string(40, 5, "far", f["text"])  # another span block
    ws.write_string(12, 0, "x" * 20_000, f["text"])  # longer than the fast path takes


def test_the_fast_class_writes_what_xlsxwriter_writes_for_every_kind_of_cell():
    assert parts(build(FastWorkbook, every_kind)) == parts(build(xlsxwriter.Workbook, every_kind))


def test_put_row_stores_what_the_write_calls_store():
    def one_by_one(ws, f):
        ws.write_string(0, 0, "施策", f["text"])
        ws.write_string(0, 1, "", f["text"])
        ws.write_number(0, 2, 1399, f["unit"])
        ws.write_number(0, 3, 0.42, f["pct"])
        ws.write_blank(0, 4, None, f["text"])
        ws.write_blank(0, 5, None, None)
        ws.write_string(0, 6, "x" * 20_000, f["text"])
        ws.write(0, 7, True, f["text"])
        ws.write_string(3, 0, "下の行", None)
        ws.write_number(37, 12, 7, f["pct"])  # other blocks of 16 rows: their own spans
        ws.write_string(100, 2, "遠い行", f["text"])

    def by_rows(ws, f):
        assert isinstance(ws, FastWorksheet)
        ws.put_row(0, [(0, "施策", f["text"]), (1, "", f["text"]), (2, 1399, f["unit"]), (3, 0.42, f["pct"]),
                       (4, None, f["text"]), (5, None, None), (6, "x" * 20_000, f["text"]), (7, True, f["text"])])
        ws.put_row(1, [])
        ws.put_row(3, [(0, "下の行", None)])
        ws.put_row(37, [(12, 7, f["pct"])])
        ws.put_row(100, [(2, "遠い行", f["text"])])

    assert parts(build(FastWorkbook, by_rows)) == parts(build(xlsxwriter.Workbook, one_by_one))


def test_put_row_refuses_what_xlsxwriter_refuses():
    """NaN has no cell form without the ``nan_inf_to_errors`` option: XlsxWriter's TypeError, not a wrong cell."""
    wb = FastWorkbook(io.BytesIO(), OPTIONS)
    ws = wb.add_worksheet("s")
    with pytest.raises(TypeError):
        ws.put_row(0, [(0, math.nan, None)])
    assert ws.put_row(1_048_576, [(0, "beyond the last row", None)]) is None
    assert 1_048_576 not in ws.table
    wb.close()


values = st.one_of(st.none(), st.text(max_size=12), st.integers(-10**12, 10**12),
                   st.floats(allow_nan=False, allow_infinity=False))


def write_cells(ws, f, r: int, row) -> None:
    """Row ``r``'s (value, format name) cells written one by one with XlsxWriter's own calls."""
    for c, (v, name) in enumerate(row):
        fmt = f[name] if name else None
        if isinstance(v, str):
            ws.write_string(r, c, v, fmt)
        elif v is None:
            ws.write_blank(r, c, None, fmt)
        else:
            ws.write_number(r, c, v, fmt)


# texts XlsxWriter's sharedStrings.xml writer escapes or marks: control characters (its _xHHHH_
# escape, and the escape of a literal "_x0041_"), markup characters, non-characters, white space
# at either end (xml:space="preserve"), a rich string's "<r>…</r>", and plain Japanese
special_texts = st.lists(st.sampled_from(
    ["a", "基", "_", "x", "0", "F", "_x0041_", "\x00", "\x01", "\t", "\n", "\r", "\x1f", " ", "\u3000",
     "&", "<", ">", '"', "<r>", "</r>", "\ufffe", "\uffff", "\x85", "😀"]), max_size=10).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(special_texts, max_size=30))
def test_shared_strings_are_the_ones_xlsxwriter_writes(texts):
    def fill(ws, f):
        for r, text in enumerate(texts):
            ws.write_string(r, 0, text, f["text"])

    fast, own = parts(build(FastWorkbook, fill)), parts(build(xlsxwriter.Workbook, fill))
    assert fast.get("xl/sharedStrings.xml") == own.get("xl/sharedStrings.xml")
    assert fast == own


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(values, st.sampled_from(["text", "pct", "unit", None])), max_size=8), max_size=20))
def test_any_rows_of_text_numbers_and_blanks_give_xlsxwriters_bytes(rows):
    def one_by_one(ws, f):
        for r, row in enumerate(rows):
            write_cells(ws, f, r, row)

    def by_rows(ws, f):
        for r, row in enumerate(rows):
            ws.put_row(r, [(c, v, f[name] if name else None) for c, (v, name) in enumerate(row)])

    assert parts(build(FastWorkbook, by_rows)) == parts(build(xlsxwriter.Workbook, one_by_one))


def test_put_row_with_a_height_sets_the_row_as_set_row_does():
    def one_by_one(ws, f):
        ws.write_string(0, 0, "二行の項目", f["text"])
        ws.set_row(0, 26)
        ws.set_row(1, 16)  # no cells: only the height
        ws.write_number(2, 3, 5, f["pct"])
        ws.set_row(2, 0.2)  # rounds to 0 pixels: XlsxWriter hides the row
        ws.write_string(4, 1, "既定の高さ", f["text"])
        ws.set_row(4, 15)

    def by_rows(ws, f):
        ws.put_row(0, [(0, "二行の項目", f["text"])], height=26)
        ws.put_row(1, [(0, None, None)], height=16)
        ws.put_row(2, [(3, 5, f["pct"])], height=0.2)
        ws.put_row(4, [(1, "既定の高さ", f["text"])], height=15)

    assert parts(build(FastWorkbook, by_rows)) == parts(build(xlsxwriter.Workbook, one_by_one))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.lists(st.tuples(values, st.sampled_from(["text", "pct", None])), max_size=4),
                          st.one_of(st.none(), st.floats(0, 409, allow_nan=False))), max_size=12))
def test_any_rows_with_heights_give_xlsxwriters_bytes(rows):
    def one_by_one(ws, f):
        for r, (row, height) in enumerate(rows):
            write_cells(ws, f, r, row)
            if height is not None:
                ws.set_row(r, height)

    def by_rows(ws, f):
        for r, (row, height) in enumerate(rows):
            ws.put_row(r, [(c, v, f[name] if name else None) for c, (v, name) in enumerate(row)], height=height)

    assert parts(build(FastWorkbook, by_rows)) == parts(build(xlsxwriter.Workbook, one_by_one))


def big_workbook(fill_rows: int = 4_000, write_out: bool = False) -> bytes:
    """Three sheets of ~30,000 cells each with formats first used in each sheet, as a master's
    取組状況, 計画 and 推移: written to temporary files (``in_memory`` off), as the master is."""
    buf = io.BytesIO()
    wb = FastWorkbook(buf, {**OPTIONS, "in_memory": False})
    wb.set_properties({"created": FIXED})
    for s, name in enumerate(("取組状況", "計画", "推移")):
        ws = wb.add_worksheet(name)
        col = wb.add_format({"italic": True, "font_size": 9 + s})
        ws.set_column(0, 0, 12, col)
        fmts = [wb.add_format({"num_format": f'0.{"0" * k}"件"', "border": s}) for k in range(3)]
        for r in range(fill_rows):
            ws.put_row(r, [(1, f"{name}{r % 97}", fmts[r % 3]), (2, r * 1.5, fmts[(r + 1) % 3]),
                           (3, None, fmts[2]), (5, f"行{r}", None), (7, r, fmts[0])],
                       height=15 + r % 3)
        ws.set_row(fill_rows + 2, 30, wb.add_format({"bold": True, "font_size": 20 + s}))
        if write_out and s < 2:
            wb.write_out(ws, min_cells=10_000)
            assert not ws.table  # its rows are in a temporary file now
    ws.write_url(0, 0, "internal:'取組状況'!B2", None, "戻る")  # a sheet with a link stays with the parent
    wb.close()
    return buf.getvalue()


def test_sheets_written_in_two_processes_are_the_bytes_one_process_writes(monkeypatch):
    from xl_kpi.files.writing import fastsheet
    forks: list[int] = []
    real_fork = fastsheet.os.fork

    def counted_fork():
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(fastsheet.os, "fork", counted_fork)
    monkeypatch.setattr(fastsheet, "_may_fork", lambda: True)
    two = big_workbook()
    assert forks == [1]
    monkeypatch.setattr(fastsheet, "_may_fork", lambda: False)
    one = big_workbook()
    assert forks == [1]
    assert parts(two) == parts(one)
    assert two == one


def test_when_the_second_process_fails_this_one_writes_its_sheets(monkeypatch):
    from xl_kpi.files.writing import fastsheet
    parent = os.getpid()
    real = fastsheet._write_parts

    def failing_in_the_copy(jobs):
        if os.getpid() != parent:
            os._exit(3)
        real(jobs)

    monkeypatch.setattr(fastsheet, "_write_parts", failing_in_the_copy)
    monkeypatch.setattr(fastsheet, "_may_fork", lambda: True)
    failed = big_workbook()
    monkeypatch.setattr(fastsheet, "_may_fork", lambda: False)
    assert failed == big_workbook()


def test_a_second_process_only_with_a_second_core_and_no_other_thread(monkeypatch):
    from xl_kpi.files.writing import fastsheet
    monkeypatch.setattr(fastsheet.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    assert fastsheet._may_fork()
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert not fastsheet._may_fork()
    finally:
        stop.set()
        t.join()
    monkeypatch.setenv("XL_KPI_WORKERS", "1")  # one process, as asked
    assert not fastsheet._may_fork()
    monkeypatch.setenv("XL_KPI_WORKERS", "2")
    assert fastsheet._may_fork()
    monkeypatch.setattr(fastsheet.os, "sched_getaffinity", lambda _pid: {0}, raising=False)
    assert not fastsheet._may_fork()


@pytest.mark.parametrize("two_processes", [False, True])
def test_sheets_written_out_early_give_the_same_bytes(monkeypatch, two_processes):
    from xl_kpi.files.writing import fastsheet
    monkeypatch.setattr(fastsheet, "_may_fork", lambda: two_processes)
    assert big_workbook(write_out=True) == big_workbook()


def test_a_written_out_sheet_keeps_no_cells_and_refuses_more():
    buf = io.BytesIO()
    wb = FastWorkbook(buf, {**OPTIONS, "in_memory": False})
    fmt = wb.add_format({"bold": True})
    ws = wb.add_worksheet("計画")
    for r in range(30):
        ws.put_row(r, [(0, f"KPI{r}", fmt), (1, r, fmt)])
    wb.write_out(ws, min_cells=10)
    assert not ws.table
    wb.write_out(ws, min_cells=0)  # written out already: its rows stay as written
    with pytest.raises(RuntimeError, match="計画"):
        ws.put_row(31, [(0, "後から", fmt)])
    with pytest.raises(RuntimeError):
        ws.write_string(0, 5, "後から", fmt)
    with pytest.raises(RuntimeError):
        ws.set_row(3, 40)
    wb.close()
    from python_calamine import CalamineWorkbook
    rows = CalamineWorkbook.from_filelike(io.BytesIO(buf.getvalue())).get_sheet_by_name("計画").to_python()
    assert rows[29] == ["KPI29", 29.0]


def test_a_sheet_with_hyperlinks_or_few_cells_is_not_written_out():
    wb = FastWorkbook(io.BytesIO(), {**OPTIONS, "in_memory": False})
    linked, small = wb.add_worksheet("集計"), wb.add_worksheet("設定")
    for r in range(30):
        linked.put_row(r, [(0, f"行{r}", None)])
        small.put_row(r, [(0, f"行{r}", None)])
    linked.write_url(0, 1, "internal:'設定'!A1", None, "設定へ")
    wb.write_out(linked, min_cells=10)
    wb.write_out(small, min_cells=31)  # 30 cells: fewer than the minimum
    assert linked.table and small.table
    wb.close()
