"""The master stays lean: repeated findings share a row, 集計 links a bounded number of rows."""

import openpyxl

from xl_kpi.core.findings import make_finding
from xl_kpi.files.run.master import merge_files
from xl_kpi.files.writing import findings_sheet, summary_sheet


def test_repeated_findings_show_the_first_ones_then_one_row_with_the_count_and_cells():
    many = [make_finding("missing-value", file="a.xlsx", sheet="環境部", cell=f"I{r}", field="current")
            for r in range(5, 55)]
    other = make_finding("missing-value", file="b.xlsx", sheet="建設部", cell="I9", field="current")
    rows = findings_sheet.finding_rows([*many, other])
    n = findings_sheet.FINDINGS_PER_GROUP
    assert len(rows) == n + 2
    assert [r["location"] for r in rows[:n]] == [f.location for f in many[:n]]
    assert rows[n]["location"] == other.location
    summary = rows[-1]
    assert summary["code"] == "missing-value" and summary["severity"] == "エラー"
    assert "ほかに30件" in summary["message"] and f"I{5 + n}、I{6 + n}" in summary["location"]


def test_findings_sheet_and_links_of_a_master(submissions, tmp_path, monkeypatch):
    monkeypatch.setattr(findings_sheet, "FINDINGS_PER_GROUP", 1)
    monkeypatch.setattr(summary_sheet, "LINKS_MAX", 2)
    master = tmp_path / "m.xlsx"
    out = merge_files([submissions], master)
    wb = openpyxl.load_workbook(master)
    checks = wb["チェック結果"]
    assert checks.max_row - 1 == len(findings_sheet.finding_rows(list(out.report))) < len(list(out.report))
    summary = wb["集計"]
    links = [c for row in summary.iter_rows() for c in row if c.hyperlink is not None]
    named = [c for row in summary.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.endswith("行目") and c.hyperlink is None]
    assert len(links) == 2 and named


def test_blank_cells_of_the_master_take_their_column_style(submissions, tmp_path):
    import re
    import zipfile
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    ws = openpyxl.load_workbook(master)["取組状況"]
    assert ws.column_dimensions["L"].border.left.style == "thin"  # 変更後の目標値: mostly blank
    blank = [row[0].row for row in ws.iter_rows(min_row=5, max_col=12)
         if row[11].value is None and row[0].value and not str(row[0].value).startswith("【")]
    xml = zipfile.ZipFile(master).read("xl/worksheets/sheet1.xml").decode()
    written = {int(m) for m in re.findall(r'<c r="L(\d+)"', xml)}
    assert blank and not written & set(blank)  # not written: the column's style shows
    assert re.search(r'<row r="1"[^>]* s="\d+" customFormat="1"', xml)  # the title row keeps its look
