"""The plan period and grading scheme in 「設定」, and the optional 前年度実績 column of the layout."""

import openpyxl

from xl_kpi.files.layout import LAYOUT, ROLLOVER_LAYOUT, Settings
from xl_kpi.files.reading.reader import read_workbook
from xl_kpi.files.writing.template import build_template


def _template(tmp_path, **kw):
    p = tmp_path / "t.xlsx"
    p.write_bytes(build_template(Settings(year=2021, **kw), "環境部"))
    return p


def test_plan_period_and_scheme_round_trip_through_the_settings_sheet(tmp_path):
    p = _template(tmp_path, plan_start=2020, plan_end=2024, scheme="pace")
    ws = openpyxl.load_workbook(p)["設定"]
    labels = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, 10)}
    assert labels["計画開始年度"] == "令和2" and labels["計画最終年度"] == "令和6"
    assert labels["評価方式"] == "進捗（A/B/F/N）"
    s = read_workbook(p).settings
    assert (s.plan_start, s.plan_end, s.scheme) == (2020, 2024, "pace")
    assert s.grading().plan.elapsed_share * 5 == 2


def test_settings_edited_by_staff_are_read_or_reported(tmp_path):
    p = _template(tmp_path)
    wb = openpyxl.load_workbook(p)
    ws = wb["設定"]
    rows = {ws.cell(r, 1).value: r for r in range(1, 10)}
    ws.cell(rows["計画開始年度"], 2).value = 2019          # typed as a number
    ws.cell(rows["評価方式"], 2).value = "記号"            # the short Japanese name
    ws.cell(rows["計画最終年度"], 2).value = "いつか"       # unreadable
    wb.save(p)
    read = read_workbook(p)
    assert (read.settings.plan_start, read.settings.scheme, read.settings.plan_end) == (2019, "symbols", 2024)
    bad = [f for f in read.findings if f.value == "いつか"]
    assert bad and "計画最終年度" in bad[0].message and "令和6年度" in bad[0].message


def test_previous_value_column_is_optional_and_keeps_the_letters_of_files_without_it():
    assert "previous_value" not in LAYOUT.fields
    assert (LAYOUT.letter("target"), LAYOUT.letter("current")) == ("H", "I")
    assert (ROLLOVER_LAYOUT.letter("previous_value"), ROLLOVER_LAYOUT.letter("current")) == ("I", "J")
    assert ROLLOVER_LAYOUT.column("previous_value").matches("前年度実績(令和2年度末)")
    assert not LAYOUT.column("current").matches("前年度実績(令和2年度末)")

