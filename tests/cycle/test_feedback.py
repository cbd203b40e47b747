"""xl-kpi feedback: every known fault of the sample lands on its cell as a comment, nothing else
of the department's file changes, and LibreOffice opens the copy with its comments."""

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.xml.functions import tostring

from tests.support.shownotes import show_notes
from xl_kpi.cli import main
from xl_kpi.core.findings import entry
from xl_kpi.files.run.feedback import FILLS, MARK, feedback_file

# The known faults of the sample (/work/shared/data/README.md) as (file, cell, code): where a
# reader of the pre-filled submissions finds them. Cells are those of the layout (H = 目標値,
# I = 令和2年度末時点, G = 基準値, F = 項目).
KNOWN_FAULTS = [
    ("農林水産部.xlsx", "H9", "garbled-value"),       # 1-08 target 39.9栽培面積: ha
    ("農林水産部.xlsx", "I9", "garbled-value"),       # 1-08 current 37.5栽培面積: ha
    ("企画管理部.xlsx", "F13", "unnumbered-kpis"),    # 1-18 two KPIs in one cell without ①②
    ("企画管理部.xlsx", "G13", "baseline-equals-target"),  # 1-18 KPI 2 baseline = target
    ("商工労働部.xlsx", "G7", "basis-mismatch"),      # 1-01 single-year baseline, 累計 target
    ("商工労働部.xlsx", "G8", "basis-mismatch"),      # 1-02 件/年(平均) vs 件(累計): one unit, another basis
    ("商工労働部.xlsx", "G22", "basis-mismatch"),     # 2-08 個/年(平均) vs 個(累計)
    ("活力都市創造部.xlsx", "G7", "basis-mismatch"),  # 2-01 ① baseline with a label
    ("企画管理部.xlsx", "G18", "basis-mismatch"),     # 2-07 ① values
    ("農林水産部.xlsx", "I16", "below-baseline"),     # 2-10 fell below its baseline
    ("企画管理部.xlsx", "I25", "below-baseline"),     # 2-12 ②
    ("農林水産部.xlsx", "I7", "below-baseline"),      # 1-07 ①
]
LEGITIMATE = [("環境部.xlsx", "J8"), ("商工労働部.xlsx", "J22")]  # 1-05 133 %, 2-08 102 %: not errors


def _xml(style) -> bytes:
    return tostring(style.to_tree())


def _looks(cell) -> tuple:
    """Font, border, alignment and protection as serialised (openpyxl's style proxies compare by identity)."""
    return tuple(_xml(getattr(cell, name)) for name in ("font", "border", "alignment", "protection"))


@pytest.fixture
def fed(submissions, tmp_path):
    out = tmp_path / "指摘"
    assert main(["feedback", str(submissions), "--out-dir", str(out)]) == 0
    return submissions, out


def _sheet(path):
    wb = openpyxl.load_workbook(path)
    return wb, wb.worksheets[0]


@pytest.mark.parametrize("name,cell,code", KNOWN_FAULTS)
def test_each_known_fault_is_a_comment_on_its_cell(fed, name, cell, code):
    _, out = fed
    wb, ws = _sheet(out / name)
    c = ws[cell]
    assert c.comment is not None, f"{name}!{cell} has no comment"
    assert code in c.comment.text and MARK in c.comment.text and c.comment.author == "xl-kpi"
    assert c.fill.fgColor.rgb[-6:] == FILLS[entry(code).severity]  # yellow 警告, red エラー, blue 情報
    links = {r[2].hyperlink.location for r in wb["チェック結果"].iter_rows(min_row=2) if r[2].hyperlink}
    assert f"'{ws.title}'!{cell}" in links


@pytest.mark.parametrize("name,cell", LEGITIMATE)
def test_legitimate_rates_above_100_percent_get_no_comment(fed, name, cell):
    _, out = fed
    assert _sheet(out / name)[1][cell].comment is None


def test_feedback_changes_no_value_formula_merge_or_format(fed):
    src, out = fed
    for path in sorted(src.glob("*.xlsx")):
        before = openpyxl.load_workbook(path)
        after = openpyxl.load_workbook(out / path.name)
        assert after.sheetnames == before.sheetnames + ["チェック結果"]
        for ws in before.worksheets:
            other = after[ws.title]
            assert (other.max_row, other.max_column) == (ws.max_row, ws.max_column)
            assert sorted(map(str, other.merged_cells.ranges)) == sorted(map(str, ws.merged_cells.ranges))
            for row in ws.iter_rows():
                for c in row:
                    o = other[c.coordinate]
                    assert (o.value, o.number_format, _looks(o)) == (c.value, c.number_format, _looks(c)), \
                        f"{path.name}!{c.coordinate}"
                    if o.comment is None:
                        assert _xml(o.fill) == _xml(c.fill), f"{path.name}!{c.coordinate} refilled without a finding"


def test_a_file_staff_edited_keeps_their_comment_formula_and_typed_number(submissions, tmp_path):
    """Edited as Excel leaves a file: a typed number with a number format, a formula, a comment of
    their own on a cell that also gets a finding, a merged range undone."""
    p = submissions / "農林水産部.xlsx"
    wb = openpyxl.load_workbook(p)
    ws = wb.worksheets[0]
    ws["I9"].comment = Comment("担当者メモ: 面積は暫定値", "農林太郎")
    ws["I10"].value = 1234.5
    ws["I10"].number_format = "#,##0.0"
    ws["S10"].value = "=1+1"
    first_merge = sorted(ws.merged_cells.ranges, key=str)[0]
    ws.unmerge_cells(str(first_merge))
    wb.save(p)
    result = feedback_file(p, tmp_path / "fb")
    after = openpyxl.load_workbook(result.output).worksheets[0]
    assert after["I9"].comment.text.startswith("担当者メモ: 面積は暫定値")
    assert "garbled-value" in after["I9"].comment.text
    assert (after["I10"].value, after["I10"].number_format) == (1234.5, "#,##0.0")
    assert after["S10"].value == "=1+1" and "formula-in-input" in after["S10"].comment.text
    assert str(first_merge) not in map(str, after.merged_cells.ranges)
    # A second run replaces our comment (never stacks it) and keeps theirs.
    again = feedback_file(result.output, tmp_path / "fb2")
    text = openpyxl.load_workbook(again.output).worksheets[0]["I9"].comment.text
    assert text.count(MARK) == 1 and text.startswith("担当者メモ")


def test_feedback_refuses_to_overwrite_the_departments_file(submissions):
    assert main(["feedback", str(submissions / "環境部.xlsx"), "--out-dir", str(submissions)]) == 2


@pytest.mark.libreoffice
def test_libreoffice_opens_the_copy_and_shows_the_comments(fed, tmp_path):
    _, out = fed
    src = out / "農林水産部.xlsx"
    profile = tmp_path / "profile"
    conv = tmp_path / "lo"
    proc = subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                           "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(conv), str(src)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    back = openpyxl.load_workbook(conv / src.name)
    ws = back.worksheets[0]
    assert "garbled-value" in ws["H9"].comment.text and "ラベル" in ws["H9"].comment.text
    assert ws["H9"].value == "39.9栽培面積: ha"
    assert "チェック結果" in back.sheetnames
    with zipfile.ZipFile(conv / src.name) as z:  # LibreOffice wrote the comments as its own parts
        assert any(n.startswith("xl/comments") for n in z.namelist())
    pdf = subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                          'pdf:calc_pdf_Export:{"ExportNotes":{"type":"boolean","value":"true"}}',
                          "--outdir", str(tmp_path / "pdf"), str(src)], capture_output=True, text=True, timeout=180)
    assert pdf.returncode == 0
    data = (tmp_path / "pdf" / "農林水産部.pdf").read_bytes()
    assert b"/Annot" in data and b"/Text" in data  # the comments as PDF notes
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(tmp_path / "pdf" / "農林水産部.pdf"), "-"],
                              capture_output=True, text=True).stdout
        assert "39.9栽培面積" in text


@pytest.mark.libreoffice
def test_libreoffice_prints_shown_notes_beside_their_cells(fed, tmp_path):
    """A clerk who shows the notes (メモの表示) prints them beside the cells; the pictures of the
    README come from here when XL_KPI_SCREENSHOTS names a folder."""
    _, out = fed
    shown = show_notes(out / "農林水産部.xlsx", tmp_path / "農林水産部.xlsx", ["H9", "I16"])
    profile = tmp_path / "profile"
    proc = subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(shown)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    pdf = tmp_path / "pdf" / "農林水産部.pdf"
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    # The shown notes are drawn on the first page in the note colour (#FFFFE1 in the VML); the
    # department's sheet itself uses none of it.
    subprocess.run(["pdftoppm", "-r", "30", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(tmp_path / "p1")],
                   check=True)
    pixels = (tmp_path / "p1.ppm").read_bytes().split(b"\n", 3)[3]
    note = sum(1 for i in range(0, len(pixels), 3)
               if pixels[i] > 250 and pixels[i + 1] > 250 and 215 < pixels[i + 2] < 235)
    assert note > 1000
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                              text=True).stdout).group(1))
    last = subprocess.run(["pdftotext", "-f", str(pages), "-l", str(pages), str(pdf), "-"],
                          capture_output=True, text=True).stdout
    assert "'農林水産部'!H9" in last and "重要度" in last  # チェック結果 fits one page wide
    shots = os.environ.get("XL_KPI_SCREENSHOTS")
    if shots:
        subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-x", "0", "-y", "60", "-W", "1250",
                        "-H", "760", "-singlefile", str(pdf), str(Path(shots) / "feedback")], check=True)
        subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", str(pages), "-l", str(pages), "-x", "60", "-y", "90",
                        "-W", "1180", "-H", "260", "-singlefile", str(pdf), str(Path(shots) / "feedback-findings")],
                       check=True)


def test_an_unreadable_file_gets_no_copy_and_the_others_do(submissions, tmp_path, capsys):
    (submissions / "壊れた.xlsx").write_bytes(b"<html>not a workbook</html>")
    out = tmp_path / "fb"
    assert main(["feedback", str(submissions), "--out-dir", str(out), "--format", "json"]) == 2
    import json
    results = {r["file"].split("/")[-1]: r for r in json.loads(capsys.readouterr().out)}
    assert results["壊れた.xlsx"]["output"] is None and results["壊れた.xlsx"]["findings"][0]["severity"] == "error"
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in submissions.glob("*.xlsx")
                                                           if p.name != "壊れた.xlsx")
