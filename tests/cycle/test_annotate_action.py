"""「指摘をコメントで書き込む」 on an open workbook, through xlwings' remote book (Office.js) — with
and without note support — and the desktop ribbon's dispatch of the same action."""

import openpyxl
from openpyxl.comments import Comment

from tests.support.remote import apply_actions, remote_book
from xl_kpi.excel import actions, desktop, scripts
from xl_kpi.files.run.feedback import MARK


def _run(path, notes):
    wb, book = remote_book(path, notes=notes)
    result = actions.annotate_findings(book)
    applied = apply_actions(wb, book.json()["actions"])
    wb.save(path)
    return result, applied


def test_notes_colours_and_linked_findings_where_notes_are_supported(submissions):
    path = submissions / "農林水産部.xlsx"
    result, applied = _run(path, notes=True)
    assert result.counts["notes_supported"] and result.counts["notes"] >= 5
    assert {"addNote", "setRangeColor", "addHyperlink"} <= set(applied)
    wb = openpyxl.load_workbook(path)
    ws = wb["農林水産部"]
    assert "garbled-value" in ws["H9"].comment.text and MARK in ws["H9"].comment.text
    assert "「栽培面積:39.9ha」のように入力" in ws["H9"].comment.text  # what to type instead
    assert ws["H9"].fill.fgColor.rgb.endswith("FFE699")
    links = [c.hyperlink.location for c in wb["チェック結果"]["C"][1:] if c.hyperlink]
    assert "'農林水産部'!H9" in links and len(links) == len(result.findings)
    assert "メモ" in result.message


def test_second_run_replaces_its_own_notes_and_keeps_staff_notes(submissions):
    path = submissions / "農林水産部.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["農林水産部"]["I7"].comment = Comment("確認中です（農林）", "担当")  # staff's, on a finding cell
    wb.save(path)
    first, _ = _run(path, notes=True)
    assert first.counts["kept"] == 1
    wb = openpyxl.load_workbook(path)
    ws = wb["農林水産部"]
    ws["H9"].value = "39.9ha"          # fixed: its note must go
    wb.active = wb.sheetnames.index("農林水産部")
    wb.save(path)
    result, applied = _run(path, notes=True)
    ws = openpyxl.load_workbook(path)["農林水産部"]
    assert ws["H9"].comment is None and "deleteNote" in applied
    assert "garbled-value" in ws["I9"].comment.text and "setNoteText" in applied
    assert ws["I7"].comment.text == "確認中です（農林）" and result.counts["kept"] >= 1


def test_without_note_support_it_colours_links_and_says_so(submissions):
    path = submissions / "農林水産部.xlsx"
    result, applied = _run(path, notes=False)
    assert "addNote" not in applied and {"setRangeColor", "addHyperlink"} <= set(applied)
    assert not result.counts["notes_supported"] and "ExcelApi 1.18" in result.message
    wb = openpyxl.load_workbook(path)
    assert wb["農林水産部"]["H9"].comment is None
    assert wb["農林水産部"]["H9"].fill.fgColor.rgb.endswith("FFE699")


def test_ribbon_button_and_script_reach_the_action(submissions):
    assert scripts.RIBBON["btnAnnotate"][0] == "指摘をコメントで書き込む"
    wb, book = remote_book(submissions / "環境部.xlsx", notes=True)
    result = desktop.run("btnAnnotate", book)
    assert "メモ" in result.message and any(a["func"] == "addNote" for a in book.json()["actions"])
