"""A clerk types a placeholder in 基準値; validate and merge keep the published rate and say where.

The submission is made by ``xl-kpi import-csv`` from the sample, then edited with openpyxl the way
Excel leaves a typed ``-``: a plain text cell (Excel stores a lone ``-`` as a shared string; it is not
a number or a formula). The 達成率 of the sample's 1-15 (1,399人 of 10,000人, published 14 %) is
current ÷ target and does not need the baseline.
"""

from __future__ import annotations

import json

import openpyxl
import pytest

from xl_kpi.cli import main
from xl_kpi.files.layout import FINDINGS_SHEET
from xl_kpi.files.reading.reader import read_workbook
from xl_kpi.files.writing.csvio import sample_csv_path

DEPARTMENT = "商工労働部"


@pytest.mark.parametrize("mark", ["-", "－", "―", "なし", "未集計"])
def test_placeholder_baseline_keeps_the_rate_and_a_finding_names_the_cell(tmp_path, capsys, mark):
    subs = tmp_path / "提出"
    assert main(["import-csv", str(sample_csv_path()), "--out-dir", str(subs), "--year", "令和2"]) == 0
    path = subs / f"{DEPARTMENT}.xlsx"
    [sheet] = read_workbook(path).sheets
    rec = next(r for r in sheet.records if (r.measure_id, r.kpi_no) == ("1-15", "1"))
    cell = rec.source.cell("baseline")
    wb = openpyxl.load_workbook(path)
    wb[DEPARTMENT][cell].value = mark  # typed over 1,943人(平成30年度)
    wb.save(path)
    capsys.readouterr()

    assert main(["validate", str(subs), "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)["findings"]
    hits = {f["code"]: f for f in found if f["cell"] == cell and f["sheet"] == DEPARTMENT}
    assert sorted(hits) == ["no-value", "plan-value-changed"]  # the workbook carries its plan
    assert [(h["severity"], h["value"]) for h in hits.values()] == [("info", mark)] * 2
    assert not [f for f in found if f["code"] in ("unparseable-value", "rate-not-computable")
                and f["measure_id"] == "1-15"]

    master = tmp_path / "master.xlsx"
    assert main(["merge", str(subs), "-o", str(master)]) == 0
    capsys.readouterr()
    rows = next(s for s in read_workbook(master).sheets if s.is_master).records
    merged = next(r for r in rows if (r.measure_id, r.kpi_no) == ("1-15", "1"))
    # the plan's 基準値 stands in the master, and an info at the cell says so
    assert (merged.baseline, merged.rate) == ("1,943人(平成30年度)", "14%")
    listed = list(openpyxl.load_workbook(master)[FINDINGS_SHEET].iter_rows(values_only=True))
    assert any("plan-value-changed" in row and "情報" in row and any(cell in str(v) for v in row)
               for row in listed[1:]), listed[:3]


@pytest.mark.parametrize("current", ["―", "-", "未集計", "調査中"])
def test_rate_of_a_placeholder_current_is_a_dash_with_the_reason_not_exit_2(current, capsys):
    assert main(["rate", f"--current={current}", "--target=2.5km"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "-" and current in err and err.strip().endswith("。")
    assert main(["rate", f"--current={current}", "--target=2.5km", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["reason_code"] == "missing-current"


def test_rate_ignores_a_placeholder_baseline_when_the_ratio_does_not_need_it(capsys):
    assert main(["rate", "--current=0.22 km(整備延長)", "--target=2.5 km(整備延長)", "--baseline=-"]) == 0
    assert capsys.readouterr().out.strip() == "9%"


def test_rate_still_refuses_text_that_is_not_a_quantity(capsys):
    assert main(["rate", "--current=たくさん", "--target=10件"]) == 2
    assert "現在値" in capsys.readouterr().err
