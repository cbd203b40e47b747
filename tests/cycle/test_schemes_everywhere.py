"""The grading scheme chosen in 「設定」 is the one 集計, the report and the ribbon use."""

import re
from collections import Counter

import openpyxl
import pytest

from tests.support.remote import remote_book
from xl_kpi.cli import main
from xl_kpi.core.grading import grade_record
from xl_kpi.excel import actions
from xl_kpi.files.run.master import master_records


def _choose(path, label):
    wb = openpyxl.load_workbook(path)
    ws = wb["設定"]
    row = next(r for r in range(1, 12) if ws.cell(r, 1).value == "評価方式")
    ws.cell(row, 2).value = label
    wb.save(path)


@pytest.mark.parametrize("label,name", [("記号（◎○△×）", "symbols"), ("基準値比較（S/A/B/C/−）", "baseline-relative"),
                                        ("進捗（A/B/F/N）", "pace")])
def test_summary_and_report_grade_with_the_scheme_of_the_settings(submissions, tmp_path, label, name):
    for p in submissions.glob("*.xlsx"):
        _choose(p, label)
    master = tmp_path / "取組状況.xlsx"
    assert main(["merge", str(submissions), "-o", str(master)]) == 0
    records, settings = master_records(master)
    assert settings.scheme == name
    scheme = settings.grading()
    kpis = [r for r in records if r.has_kpi]
    expected = Counter(grade_record(r, scheme) for r in kpis)
    ws = openpyxl.load_workbook(master)["集計"]
    header = next(r for r in ws.iter_rows(values_only=True) if r[0] == "区分")
    total = next(r for r in ws.iter_rows(values_only=True) if r[0] == "合計")
    for letter in scheme.letters:
        col = next(i for i, h in enumerate(header) if h and str(h).startswith(f"{letter}（"))
        assert total[col] == expected[letter], letter
    html = tmp_path / "r.html"
    assert main(["report", str(master), "-o", str(html)]) == 0
    shown = Counter(re.findall(r'<tr class="kpi"[^>]*data-grade="([^"]*)"', html.read_text(encoding="utf-8")))
    assert shown == expected


def test_ribbon_compute_rates_reports_grades_of_the_scheme(submissions):
    path = submissions / "商工労働部.xlsx"
    _choose(path, "記号（◎○△×）")
    _, book = remote_book(path)
    result = actions.compute_rates(book)
    assert "記号（◎○△×）" in result.message and set(result.counts["grades"]) >= {"◎", "○", "△", "×"}
    assert sum(result.counts["grades"].values()) == result.counts["rates"]
