"""Two reporting years end to end, as the planning division runs them: the sample's master
(令和2) → rollover to 令和3 → departments fill in their values (edited with openpyxl, as a clerk
types them) → merge --previous → 「推移」 holds both years of every KPI, 集計 counts KPIs on and
off track, and the report draws the trends."""

import json
import re
from decimal import Decimal

import openpyxl
import pytest

from xl_kpi.cli import main
from xl_kpi.core.yearly import history_key
from xl_kpi.files.reading.reader import read_workbook
from xl_kpi.files.run.master import master_records

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _bumped(text: str) -> str:
    """Last year's value grown by 10 % and one, written the way the department wrote it."""
    m = NUMBER.search(text)
    if not m:
        return text  # 継続実施 and the like stay as they are
    value = Decimal(m.group().replace(",", "")) * Decimal("1.1") + 1
    return text[:m.start()] + f"{value.quantize(Decimal('0.1')).normalize():f}" + text[m.end():]


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    from xl_kpi.files.writing.csvio import sample_csv_path
    d = tmp_path_factory.mktemp("cycle")
    assert main(["import-csv", str(sample_csv_path()), "--out-dir", str(d / "r2"), "--year", "令和2"]) == 0
    assert main(["merge", str(d / "r2"), "-o", str(d / "取組状況_R2.xlsx")]) == 0
    assert main(["rollover", str(d / "取組状況_R2.xlsx"), "--year", "令和3", "--out-dir", str(d / "r3")]) == 0
    stale = target_changed = typed = None
    assert (d / "r3" / "計画.xlsx").exists()  # the plan travels with next year's submissions
    for path in sorted(p for p in (d / "r3").glob("*.xlsx") if p.name != "計画.xlsx"):
        wb = openpyxl.load_workbook(path)
        ws = wb.worksheets[0]
        head = {str(c.value).split("\n")[0]: c.column for c in ws[4] if c.value}
        cur, prev, tgt = head["令和3年度末時点"], head["前年度実績"], head["目標値"]
        for row in range(5, ws.max_row + 1):
            last = ws.cell(row, prev).value
            if not last:
                continue
            mid = ws.cell(row, 1).value
            if mid == "1-06" and stale is None:      # not updated: the same as last year
                ws.cell(row, cur).value, stale = last, (path.name, row)
            elif mid == "1-13" and typed is None:    # a clerk types a bare number
                ws.cell(row, cur).value, typed = 9, (path.name, row)
                ws.cell(row, cur).number_format = "#,##0"
            else:
                ws.cell(row, cur).value = _bumped(str(last))
            if mid == "2-02" and target_changed is None:  # target overwritten instead of 変更後
                ws.cell(row, tgt).value, target_changed = "5件(累計)", (path.name, row)
        wb.save(path)
    out = d / "取組状況_R3.xlsx"
    # exit 1: the 目標値 overwritten in place is an error against the plan
    assert main(["merge", str(d / "r3"), "-o", str(out), "--previous", str(d / "取組状況_R2.xlsx"),
                 "--format", "json"]) == 1
    return d, out, stale, target_changed


def _kpis(records):
    return [r for r in records if r.has_kpi and not r.is_relisted]


def test_rollover_carries_last_years_values_and_empties_this_years(tmp_path_factory, cycle):
    d, _, _, _ = cycle
    r2, _ = master_records(d / "取組状況_R2.xlsx")
    read = read_workbook(d / "r3" / "商工労働部.xlsx")
    assert read.settings.year == 2021 and read.settings.plan_end == 2024
    rows = read.sheets[0].records
    before = {history_key(r): r for r in r2 if r.submitted_by == "商工労働部"}
    assert {history_key(r) for r in rows} == set(before)
    # the values typed in by the fixture are there now; the carried columns are last year's
    for r in rows:
        old = before[history_key(r)]
        assert (r.previous_value, r.baseline, r.revised_target, r.sdgs, r.progress, r.plan) == \
            (old.current, old.baseline, old.revised_target, old.sdgs, old.progress, old.plan)


def test_history_has_both_years_of_every_kpi(cycle):
    d, out, _, _ = cycle
    r2, _ = master_records(d / "取組状況_R2.xlsx")
    ws = openpyxl.load_workbook(out)["推移"]
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "施策番号")
    years = [v for v in rows[head] if v and str(v).endswith("年度")]
    assert "令和2年度" in years and "令和3年度" in years
    c2, c3 = rows[head].index("令和2年度"), rows[head].index("令和3年度")
    table = {(str(r[0]), str(r[1])): r for r in rows[head + 2:] if r[0]}
    for rec in _kpis(r2):
        row = table[(rec.measure_id, rec.kpi_no)]
        assert row[c2] == rec.current, rec.measure_id
        assert row[c3], f"{rec.measure_id} ② has no 令和3年度 value"
    assert len(table) == len({history_key(r) for r in _kpis(r2)})


def test_merge_previous_flags_stale_values_and_targets_changed_against_the_plan(cycle):
    _, out, stale, target_changed = cycle
    rows = list(openpyxl.load_workbook(out)["チェック結果"].iter_rows(values_only=True))
    codes = {(r[0], r[4]) for r in rows[1:]}
    assert ("stale-value", "1-06") in codes
    assert ("plan-value-changed", "2-02") in codes
    assert ("target-changed-without-revision", "2-02") not in codes  # the plan is the reference, said once
    where = {r[0]: r[2] for r in rows[1:] if r[0] in ("stale-value", "plan-value-changed")}
    # in the rolled-over files 前年度実績 is column I, so this year's value is J and 目標値 stays H
    assert where["stale-value"] == f"'{stale[0][:-5]}'!J{stale[1]}"
    assert where["plan-value-changed"] == f"'{target_changed[0][:-5]}'!H{target_changed[1]}"
    assert sum(r[0] == "stale-value" for r in rows[1:]) == 1  # 継続実施 again is no stale value


def _track_by_hand(row, target_col: int, projected_col: int) -> str:
    """順調 when the 推移 row's projection (shown in the target's unit: 「269件」) reaches its
    target's number (no KPI of the sample is lower-is-better), or when a 継続実施 target is still
    継続実施; 遅れ when it falls short; 判定不可 when there is no projection (「-」)."""
    target, projected = str(row[target_col]), NUMBER.search(str(row[projected_col]))
    goal = NUMBER.search(target)
    if projected is None or goal is None:
        return "順調" if row[projected_col - 2] == target == "継続実施" else "判定不可"
    number = lambda m: Decimal(m.group().replace(",", ""))  # noqa: E731
    return "順調" if number(projected) >= number(goal) else "遅れ"


def test_summary_counts_kpis_on_and_off_track(cycle):
    """Each of 集計's 順調 / 遅れ / 判定不可 counts, per 基本目標 and in total, is the number of 推移
    rows whose projection reaches (or misses) the target, judged here from the row's numbers."""
    d, out, _, _ = cycle
    r2, _ = master_records(d / "取組状況_R2.xlsx")
    wb = openpyxl.load_workbook(out)
    rows = list(wb["推移"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "施策番号")
    target_col = rows[head].index("目標値")
    projected_col = next(i for i, v in enumerate(rows[head]) if str(v).startswith("見込み"))
    by_hand: dict[str, dict[str, int]] = {}
    for r in rows[head + 2:]:
        if r[0]:
            track = _track_by_hand(r, target_col, projected_col)
            for group in (f"基本目標{str(r[0]).split('-')[0]}", "合計"):
                by_hand.setdefault(group, {"順調": 0, "遅れ": 0, "判定不可": 0})[track] += 1
    # 順調: 1-04 1-05 1-06 1-08 1-10 2-01② 2-08 2-09; 判定不可: 1-13 (a bare 9 after 5件(累計))
    assert by_hand["合計"] == {"順調": 8, "遅れ": 28, "判定不可": 1}
    assert sum(by_hand["合計"].values()) == len({history_key(r) for r in _kpis(r2)})
    summary = list(wb["集計"].iter_rows(values_only=True))
    header = next(r for r in summary if r[0] == "区分")
    for group, counts in by_hand.items():
        row = next(r for r in summary if r[0] == group)
        assert {label: row[header.index(label)] for label in counts} == counts, group


def test_report_draws_a_trend_line_per_kpi(cycle, tmp_path):
    d, out, _, _ = cycle
    html = tmp_path / "report.html"
    assert main(["report", str(out), "-o", str(html)]) == 0
    text = html.read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="trend" data-track="([a-z-]+)">(.*?)</tr>', text, re.S)
    r2, _ = master_records(d / "取組状況_R2.xlsx")
    assert len(rows) == len({history_key(r) for r in _kpis(r2)})
    drawn = [body for _, body in rows if "<polyline" in body]
    assert len(drawn) >= len(rows) - 3  # all but KPIs without numbers (継続実施 …)
    assert "令和2: " in text and "令和3: " in text and "令和6年度末の見込み" in text


def test_rate_cli_grades_a_sample_kpi_under_every_scheme(capsys):
    # 1-01: current 1件(累計), target 30件(累計), baseline 6件(平成30年度); 令和2 of 令和2–6 → share 0.2
    args = ["rate", "--current", "1件(累計)", "--target", "30件(累計)", "--baseline", "6件(平成30年度)",
            "--plan-start", "令和2", "--plan-end", "令和6", "--year", "令和2", "--format", "json"]
    expected = {"bands": "D",                # 1/30 = 3 %
                "symbols": "×",              # 3 % and below the baseline 6
                "baseline-relative": "C",    # 5 below 6: more than 10 %
                "pace": "B"}                 # (1 − 6)/(30 − 6) = −0.21 < 0.2
    for scheme, grade in expected.items():
        assert main([*args, "--scheme", scheme]) == 0
        out = json.loads(capsys.readouterr().out)
        assert (out["scheme"], out["grade"], out["display"]) == (scheme, grade, "3%")
    assert main(["rate", "--current", "1", "--target", "2", "--scheme", "pace"]) == 2
    assert "報告年度" in capsys.readouterr().err


@pytest.mark.chromium
def test_trend_section_renders_in_chromium(cycle, tmp_path):
    """The trend lines are drawn (each KPI's polyline has one point per comparable year); the
    README's picture comes from here when XL_KPI_SCREENSHOTS names a folder."""
    import os
    from pathlib import Path

    from tests.support.browser import chromium_page
    _, out, _, _ = cycle
    html = tmp_path / "report.html"
    assert main(["report", str(out), "-o", str(html)]) == 0
    with chromium_page() as page:
        page.goto(html.as_uri())
        rows = page.locator("#trend-table tr.trend")
        assert rows.count() > 30
        box = page.locator("#trend-table tr.trend polyline").first.bounding_box()
        assert box is not None and box["width"] > 20  # a line, not a dot
        on = page.locator('#trend-table tr.trend[data-track="on-track"] .badge').first.inner_text()
        assert on == "順調"
        shots = os.environ.get("XL_KPI_SCREENSHOTS")
        if shots:
            page.locator("#trends").scroll_into_view_if_needed()
            top = page.locator("#trends").bounding_box()
            page.screenshot(path=str(Path(shots) / "trends.png"),
                            clip={"x": 0, "y": top["y"] + page.evaluate("window.scrollY"), "width": 1100,
                                  "height": 620}, full_page=True)
