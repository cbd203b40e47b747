"""The template prints what a clerk fills: the print area follows the rows in use — in a blank
template, in next year's pre-filled submissions (rollover) and in the feedback copies — and a
blank template starts with one example heading pair, explained in the user guide's first section."""

import subprocess
from pathlib import Path

import openpyxl
import pytest

from xl_kpi.cli import main
from xl_kpi.files.reading.reader import read_workbook
from xl_kpi.files.run.feedback import feedback_file
from xl_kpi.files.run.master import validate_files

FILLED = 8  # KPI rows a clerk types under the example headings


def printed_text(xlsx: Path, tmp_path: Path) -> str:
    out = tmp_path / "pdf"
    proc = subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(out), str(xlsx)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    pdf = out / (xlsx.stem + ".pdf")
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout


def fill_like_a_clerk(path: Path) -> None:
    """Below the example headings (rows 5–6): their titles replaced, eight KPI rows typed."""
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    ws["A5"] = "【基本目標1】産業活力の向上により、安定した雇用を創出する"
    ws["A6"] = "【基本的方向：ア】地域産業の振興"
    for k in range(FILLED):
        row = 7 + k
        for col, value in enumerate((f"1-{k + 1:02d}", f"施策{k + 1}", "環境部", "内容", "1",
                                     f"記入したKPI{k + 1}号", "10件", "40件(累計)", f"{20 + k}件(累計)"), start=1):
            ws.cell(row, col).value = value
    wb.save(path)


def test_blank_template_has_one_example_heading_pair(tmp_path):
    t = tmp_path / "様式.xlsx"
    assert main(["template", "-o", str(t), "--year", "令和2"]) == 0
    ws = openpyxl.load_workbook(t).worksheets[0]
    assert str(ws["A5"].value).startswith("【基本目標1】") and str(ws["A6"].value).startswith("【基本的方向：ア】")
    assert ws["A7"].value is None
    fill_like_a_clerk(t)
    wb = read_workbook(t)
    assert len(wb.sheets[0].records) == FILLED
    codes = {f.code for f in validate_files([t]).report.findings}
    assert "missing-section" not in codes and "missing-header" not in codes


def test_guide_explains_heading_rows_in_its_first_section():
    from xl_kpi.guide import guide_markdown
    text = guide_markdown()
    first = text[text.index("## 1."):text.index("## 2.")]
    assert "【基本目標" in first and "【基本的方向" in first and "見出し行" in first


@pytest.mark.libreoffice
def test_a_filled_blank_template_prints_every_row(tmp_path):
    t = tmp_path / "様式.xlsx"
    assert main(["template", "-o", str(t), "--year", "令和2"]) == 0
    fill_like_a_clerk(t)
    text = printed_text(t, tmp_path)
    assert f"記入したKPI{FILLED}号" in text and "記入したKPI1号" in text
    assert "提出元" not in text  # the provenance columns stay out of print


@pytest.mark.libreoffice
def test_rollover_and_feedback_copies_print_rows_added_below(submissions, tmp_path):
    master = tmp_path / "m.xlsx"
    assert main(["merge", str(submissions), "-o", str(master)]) == 0
    assert main(["rollover", str(master), "--year", "令和3", "--out-dir", str(tmp_path / "r3")]) == 0
    path = tmp_path / "r3" / "環境部.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    last = ws.max_row
    ws.cell(last + 1, 1).value = "1-99"
    ws.cell(last + 1, 6).value = "追加したKPI"
    ws.cell(last + 1, 7).value = "5件"
    wb.save(path)
    assert "追加したKPI" in printed_text(path, tmp_path / "a")
    out = feedback_file(path, tmp_path / "fb").output
    assert out is not None
    assert "追加したKPI" in printed_text(out, tmp_path / "b")


@pytest.mark.libreoffice
def test_feedback_copy_of_an_older_file_prints_rows_added_below(tmp_path):
    """A file from a template whose print area stopped at row 5: the copy prints every row."""
    t = tmp_path / "様式.xlsx"
    assert main(["template", "-o", str(t), "--year", "令和2"]) == 0
    fill_like_a_clerk(t)
    wb = openpyxl.load_workbook(t)
    wb.worksheets[0].print_area = "A1:T5"
    wb.save(t)
    assert f"記入したKPI{FILLED}号" not in printed_text(t, tmp_path / "a")
    out = feedback_file(t, tmp_path / "fb").output
    assert out is not None
    assert f"記入したKPI{FILLED}号" in printed_text(out, tmp_path / "b")
