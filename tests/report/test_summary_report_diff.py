"""Progress at a glance: the 集計 sheet, the HTML report, the PDF and the year-over-year diff."""

import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace

import openpyxl
import pytest

from xl_kpi.cli import main
from xl_kpi.core.diff import diff_records
from xl_kpi.files.layout import Settings
from xl_kpi.files.reading.reader import read_workbook
from xl_kpi.files.run.master import master_records, merge_files
from xl_kpi.files.writing.template import build_template


@pytest.fixture
def master(submissions, tmp_path):
    m = tmp_path / "取組状況.xlsx"
    merge_files([submissions], m)
    return m


# The 集計 of the sample, counted by hand from the published 達成率 column of
# xl_kpi/data/sample_kpis.csv with the default bands (A ≥ 100 %, B ≥ 80 %, C ≥ 50 %, D below):
# label → (KPIs, A, B, C, D, not computable, median in whole percent of the published rates).
# A median over an even count is the mean of the two middle rates; the sheet computes it from
# the exact rates, so it may differ from the published whole percents by up to half a point.
HAND_COUNTED = {
    "基本目標1": (21, 1, 3, 1, 16, 0, 16),     # A 1-05; B 1-06 1-07① 1-08; C 1-04
    "基本目標2": (16, 2, 2, 1, 11, 0, 18),     # A 2-08 2-09; B 2-10 2-12②; C 2-11②; (16+20)/2
    "合計": (37, 3, 5, 2, 27, 0, 16),
    "商工労働部": (11, 2, 0, 0, 9, 0, 13),     # 1-01 1-02 1-14①② 1-15 1-16 1-17 2-05 2-06 2-08 2-09
    "企画管理部": (12, 1, 1, 2, 8, 0, 25),     # 1-03 (「企画管理部 環境部」: the first) 1-04 1-05 1-18①②…; (20+30)/2
    "環境部": (1, 0, 1, 0, 0, 0, 82),
    "農林水産部": (8, 0, 3, 0, 5, 0, 13.5),    # 1-07①② 1-08…1-12 2-10; (13+14)/2
    "福祉保健部": (1, 0, 0, 0, 1, 0, 20),
    "活力都市創造部": (4, 0, 0, 0, 4, 0, 10),  # 2-01①② 2-02 2-03; (4+16)/2
}


def test_summary_sheet_numbers_are_the_hand_counted_ones(master):
    ws = openpyxl.load_workbook(master)["集計"]
    rows = {row[0]: row for row in ws.iter_rows(values_only=True) if row[0] in HAND_COUNTED}
    assert set(rows) == set(HAND_COUNTED)
    for label, (*counts, median_pct) in HAND_COUNTED.items():
        assert list(rows[label][1:7]) == counts, label
        assert rows[label][7] * 100 == pytest.approx(median_pct, abs=0.5), label


def test_summary_chart_references_the_goal_table(master):
    with zipfile.ZipFile(master) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        xml = z.read(charts[0]).decode()
    assert '<c:barDir val="bar"/>' in xml and '<c:grouping val="stacked"/>' in xml
    refs = re.findall(r"<c:f>([^<]+)</c:f>", xml)
    assert "集計!$A$5:$A$6" in refs
    assert {"集計!$C$5:$C$6", "集計!$D$5:$D$6", "集計!$E$5:$E$6", "集計!$F$5:$F$6"} <= set(refs)
    ws = openpyxl.load_workbook(master)["集計"]
    assert [ws.cell(5, 1).value, ws.cell(6, 1).value] == ["基本目標1", "基本目標2"]


def test_kpis_below_half_are_listed_with_links_to_their_rows(master):
    wb = openpyxl.load_workbook(master)
    ws, main_ws = wb["集計"], wb["取組状況"]
    start = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value).startswith("達成率50%未満"))
    listed = []
    for r in range(start + 2, ws.max_row + 1):
        mid, link = ws.cell(r, 1).value, ws.cell(r, 4).hyperlink
        if not mid:
            break
        assert ws.cell(r, 3).value < 0.5
        target_row = int(re.search(r"A(\d+)$", link.location).group(1))
        # merged measure cells hold the id on the measure's first row
        rows_up = [main_ws.cell(k, 1).value for k in range(target_row, 4, -1) if main_ws.cell(k, 1).value]
        assert rows_up[0] == mid
        listed.append(mid)
    assert len(listed) == 27


@pytest.mark.chromium
def test_html_report_renders_and_filters_in_chromium(master, tmp_path):
    out = tmp_path / "report.html"
    assert main(["report", str(master), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in text
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium"):
        pytest.skip("chromium is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        page.goto(out.as_uri())
        assert page.locator("h1").inner_text().startswith("総合戦略")
        assert page.locator("figure svg").count() == 2
        assert page.locator("tr.kpi").count() == 37
        page.select_option("#f-dept", "環境部")
        assert page.locator("tr.kpi:visible").count() == 1
        page.select_option("#f-dept", "")
        page.select_option("#f-grade", "A")
        assert page.locator("tr.kpi:visible").count() == 3
        assert page.locator("#f-count").inner_text() == "3 件"
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert (tmp_path / "report.png").stat().st_size > 10_000


@pytest.mark.libreoffice
def test_report_pdf_prints_every_kpi_then_the_hand_counted_summary(master, tmp_path):
    pdf = tmp_path / "m.pdf"
    assert main(["report", str(master), "-o", str(tmp_path / "r.html"), "--pdf", str(pdf)]) == 0
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    first_summary = next(i for i, p in enumerate(pages) if p.lstrip().startswith("集計（令和2年度）"))
    kpi_pages, summary = "\n".join(pages[:first_summary]), pages[first_summary]
    assert first_summary >= 1 and kpi_pages.lstrip().startswith("総合戦略に記載されている各種施策の取組状況（令和2年度）")
    measures = {r.measure_id for r in master_records(master)[0] if r.has_kpi}
    printed = set(re.findall(r"(?<![\d-])\d-\d\d(?![\d-])", kpi_pages))
    assert len(measures) > 20 and measures <= printed, sorted(measures - printed)
    assert not set(re.findall(r"\d-\d\d", summary.split("基本目標別の達成状況")[0]))  # the counts, not the rows
    for label in ("基本目標1", "基本目標2", "合計"):
        line = next(ln for ln in summary.splitlines() if ln.strip().startswith(label + " "))
        numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", line.split(label, 1)[1])]
        assert numbers[:7] == [*HAND_COUNTED[label][:6], HAND_COUNTED[label][6]], line
    pikepdf = pytest.importorskip("pikepdf")
    with pikepdf.open(pdf) as doc:  # tagged, in Japanese, titled as publish's (tests/report/test_publish.py)
        assert "/StructTreeRoot" in doc.Root and str(doc.Root.Lang) == "ja-JP"
        assert str(doc.docinfo.Title) == "総合戦略に記載されている各種施策の取組状況（令和2年度）"


def test_diff_lists_exactly_the_changes_made(submissions, master, tmp_path):
    # Next year's copy: one value moved (so its rate and grade), one KPI dropped (kept as 未提出), one added,
    # one target revised, one text edited.
    recs = read_workbook(submissions / "環境部.xlsx").sheets[0].records
    env = [replace(recs[0], current="150商品(累計)", plan="新しい計画")]
    agri = read_workbook(submissions / "農林水産部.xlsx").sheets[0].records
    old_112 = next(r.current for r in agri if r.measure_id == "1-12")
    agri = [r for r in agri if r.measure_id != "1-12"]
    agri = [replace(r, revised_target="2.5ha(累計)", revision_note="見直し") if r.measure_id == "1-10" else r for r in agri]
    agri.append(replace(agri[0], measure_id="1-19", kpi_item="新しいKPI", current="1人", target="10人"))
    d = tmp_path / "next"
    d.mkdir()
    (d / "環境部.xlsx").write_bytes(build_template(Settings(year=2021), "環境部", env))
    (d / "農林水産部.xlsx").write_bytes(build_template(Settings(year=2021), "農林水産部", agri))
    new = tmp_path / "next.xlsx"
    shutil.copy(master, new)
    merge_files([d], new)
    old_recs, _ = master_records(master)
    new_recs, _ = master_records(new)
    got = sorted((c.kind, c.measure_id, c.field, c.old, c.new) for c in diff_records(old_recs, new_recs))
    # 1-12, dropped from 農林水産部's resubmission, stays in the master as the plan has it: 未提出
    dropped = [c for c in got if c[1] == "1-12"]
    assert [c[3:] for c in dropped if c[0] == "value"] == [(old_112, "未提出")] and "dropped" not in {c[0] for c in dropped}
    assert ("rate", "1-12", "rate", "0%", "-") in dropped
    got = [c for c in got if c[1] != "1-12"]
    assert got == sorted([
        ("value", "1-06", "current", "115商品(累計)", "150商品(累計)"),
        ("rate", "1-06", "rate", "82%", "107%"),
        ("grade", "1-06", "grade", "B", "A"),
        ("text", "1-06", "plan", recs[0].plan, "新しい計画"),
        ("added", "1-19", "", "", ""),
        ("revised", "1-10", "revised_target", "", "2.5ha(累計)"),
        ("rate", "1-10", "revised_rate", "", "0%"),
        ("text", "1-10", "revision_note", "", "見直し"),
    ])
    assert main(["diff", str(master), str(new), "--format", "json", "-o", str(tmp_path / "d.json")]) == 0
    assert len(json.loads((tmp_path / "d.json").read_text())["changes"]) == len(got) + len(dropped)
    assert main(["diff", str(master), str(new), "--format", "xlsx", "-o", str(tmp_path / "d.xlsx")]) == 0
    ws = openpyxl.load_workbook(tmp_path / "d.xlsx")["差分"]
    assert ws.max_row == 3 + len(got) + len(dropped)


def test_diff_text_output(master, capsys):
    assert main(["diff", str(master), str(master)]) == 0
    assert capsys.readouterr().out.strip() == "変更 0 件"


def test_diff_describes_each_kind_in_japanese():
    from xl_kpi.core.diff import Change
    assert Change("added", "1-19", "1", "", "", "", "新しいKPI").describe() == "[追加] 1-19 KPI1 新しいKPI"
    assert Change("rate", "1-06", "1", "rate", "82%", "107%").describe() == "[達成率] 1-06 KPI1 達成率: 82% → 107%"
    assert Change("revised", "1-10", "1", "revised_target", "", "2.5ha").describe() == \
        "[目標値の変更] 1-10 KPI1 変更後の目標値: （空欄） → 2.5ha"
    assert Change("text", "", "", "plan", "a", "b").describe() == "[文章] - KPI- 今後の取組予定: a → b"
