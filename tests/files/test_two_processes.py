"""Rows written by a forked copy give the workbook one process writes, byte for byte.

The reference is the same workbook written in one process: the body's rows first, then the
copy's (``rows_in_two_processes`` without a second core). Its cells are checked too, read back by
python-calamine, so that both ways being wrong alike would not pass.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from xl_kpi.files.run.master import merge_files
from xl_kpi.files.writing import master_workbook, two_processes
from xl_kpi.files.writing.fastsheet import FastWorkbook
from xl_kpi.files.writing.two_processes import rows_in_two_processes

OPTIONS = {"in_memory": False, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
FIXED = datetime(2021, 5, 10, 9, 30)
ROWS = 300


@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """The copies the module makes (their process ids); a second process allowed whatever the machine."""
    made: list[int] = []
    real = two_processes.os.fork

    def fork() -> int:
        pid = real()
        made.append(pid)
        return pid

    monkeypatch.setattr(two_processes.os, "fork", fork)
    monkeypatch.setattr(two_processes, "_may_fork", lambda: True)
    return made


def one_process(monkeypatch) -> None:
    monkeypatch.setattr(two_processes, "_may_fork", lambda: False)


def fill(ws, name: str, formats, wb=None, rows: int = ROWS) -> None:
    """Text of this sheet only, text every sheet writes (``共通``), numbers and blanks, heights."""
    for r in range(2, rows):
        ws.put_row(r, [(0, f"{name}{r % 7}", formats[r % 2]), (1, f"共通{r % 13}", formats[1]),
                       (2, r * 1.5, formats[2]), (3, None, formats[1])], height=15 + r % 3)


def workbook(copy_fill=None, body=None, worth: bool = True) -> bytes:
    """取組状況 (rows written here, then written out while the copy finishes), 推移 and 計画 (rows
    written by the copy), each titled before the copy is made."""
    buf = io.BytesIO()
    wb = FastWorkbook(buf, OPTIONS)
    wb.set_properties({"created": FIXED})
    formats = [wb.add_format({"text_wrap": True}), wb.add_format({"border": 1}), wb.add_format({"num_format": "0.0"})]
    sheets = {}
    for name in ("取組状況", "推移", "計画"):
        ws = sheets[name] = wb.add_worksheet(name)
        ws.write_string(0, 0, f"{name}の表", formats[0])
        ws.write_string(1, 0, "共通0", formats[1])  # a text the rows write again, numbered before the copy
        ws.set_column(0, 0, 20)
    theirs = [(sheets[name], (lambda n=name: (copy_fill or fill)(sheets[n], n, formats, wb))) for name in ("推移", "計画")]
    with rows_in_two_processes(wb, theirs, worth=worth, meanwhile=lambda: wb.write_out(sheets["取組状況"], min_cells=0)):
        (body or fill)(sheets["取組状況"], "取組状況", formats, wb)
    wb.close()
    return buf.getvalue()


def cells(data: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def sheet_xml(data: bytes, n: int) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(f"xl/worksheets/sheet{n}.xml").decode()


def test_rows_written_by_a_copy_are_the_bytes_one_process_writes(forks, monkeypatch):
    two = workbook()
    assert len(forks) == 1
    one_process(monkeypatch)
    one = workbook()
    assert len(forks) == 1
    assert two == one
    read = cells(two)
    for name in ("取組状況", "推移", "計画"):
        assert read[name][0][0] == f"{name}の表"
        assert read[name][5][:3] == [f"{name}5", "共通5", 7.5]
        assert len(read[name]) == ROWS


def test_a_copy_that_makes_a_format_leaves_its_rows_to_this_process(forks, monkeypatch):
    def making_a_format(ws, name, formats, wb):
        fill(ws, name, formats)
        ws.write_string(ROWS, 0, "新しい書式", wb.add_format({"italic": True}))

    two = workbook(copy_fill=making_a_format)
    assert len(forks) == 1  # the copy was made, failed on purpose, and its rows were written here
    one_process(monkeypatch)
    assert two == workbook(copy_fill=making_a_format)
    assert cells(two)["推移"][ROWS][0] == "新しい書式"
    assert "<i/>" in zipfile.ZipFile(io.BytesIO(two)).read("xl/styles.xml").decode()


def test_a_copy_that_changes_its_sheet_beyond_the_cells_leaves_its_rows_to_this_process(forks, monkeypatch):
    def merging(ws, name, formats, wb):
        fill(ws, name, formats)
        ws.merge_range(ROWS, 0, ROWS, 2, "結合", formats[1])

    two = workbook(copy_fill=merging)
    assert len(forks) == 1
    one_process(monkeypatch)
    assert two == workbook(copy_fill=merging)
    for n in (2, 3):  # 推移 and 計画 keep the cells merged by their rows
        assert f'<mergeCell ref="A{ROWS + 1}:C{ROWS + 1}"/>' in sheet_xml(two, n)


@pytest.mark.parametrize("ended_first", [False, True])
def test_a_copy_that_dies_leaves_its_rows_to_this_process(forks, monkeypatch, ended_first):
    """``ended_first``: the copy has ended before this process hands it its texts (its end of the
    pipe closed), not only before it is waited for."""
    parent = os.getpid()

    def dying(ws, name, formats, wb):
        if os.getpid() != parent:
            os._exit(3)
        fill(ws, name, formats)

    def waiting_for_the_copy_to_end(ws, name, formats, wb):
        fill(ws, name, formats)
        stat = Path(f"/proc/{forks[0]}/stat")
        while stat.read_text().split(") ")[1][0] != "Z":  # ended, not yet waited for
            time.sleep(0.001)

    two = workbook(copy_fill=dying, body=waiting_for_the_copy_to_end if ended_first else None)
    assert len(forks) == 1
    one_process(monkeypatch)
    assert two == workbook()


def test_a_failure_here_ends_the_copy_and_is_raised(forks):
    def failing(ws, name, formats, wb):
        raise ValueError("取組状況で失敗")

    with pytest.raises(ValueError, match="取組状況で失敗"):
        workbook(body=failing)
    assert len(forks) == 1
    with pytest.raises(ChildProcessError):  # the copy was ended and waited for: no process left
        os.waitpid(forks[0], os.WNOHANG)


def test_one_process_when_the_rows_are_few_or_there_is_no_second_core(forks, monkeypatch):
    few = workbook(worth=False)
    assert forks == []
    one_process(monkeypatch)
    assert workbook() == few
    assert forks == []


def test_the_master_is_the_same_written_in_one_process_or_two(submissions, tmp_path, forks, monkeypatch):
    """The merge of the sample: 推移 and 計画 written by the copy, the rest here."""
    monkeypatch.setattr(master_workbook, "TWO_PROCESSES_MIN_ROWS", 0)
    two = merge_files([submissions], tmp_path / "two" / "master.xlsx").master.read_bytes()
    assert len(forks) == 1
    one_process(monkeypatch)
    one = merge_files([submissions], tmp_path / "one" / "master.xlsx").master.read_bytes()
    assert two == one
    read = cells(two)
    assert len(read["推移"]) > 30 and len(read["計画"]) > 30
