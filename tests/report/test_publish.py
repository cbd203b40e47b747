"""``xl-kpi publish``: the publication set a city puts on its website — an accessible HTML report
(axe-core in Chromium), a tagged PDF (pikepdf), the 公開用 workbook and the open-data CSV, each
opened by a real client (LibreOffice)."""

import csv
import io
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.support.axe import check_page, describe
from xl_kpi.cli import main
from xl_kpi.core.municipality import city_code
from xl_kpi.files.layout import META, report_title
from xl_kpi.files.run.master import master_records

YEAR = "令和2年度"
STEM = f"取組状況_{YEAR}"
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def soffice(src: Path, out: Path, target: str, profile: Path, infilter: str = "") -> Path:
    proc = subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                           *([f"--infilter={infilter}"] if infilter else []),
                           "--convert-to", target, "--outdir", str(out), str(src)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    produced = sorted(out.iterdir())
    assert produced, proc.stdout + proc.stderr
    return produced[0]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's master, and its publication set for 富山市."""
    d = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(d / "demo")]) == 0
    master = d / "demo" / "取組状況_統合.xlsx"
    out = d / "公開"
    assert main(["publish", str(master), "--out-dir", str(out), "--city-code", "162019",
                 "--city-name", "富山市"]) == 0
    return master, out


def _bumped(text: str) -> str:
    m = NUMBER.search(text)
    if not m:
        return text
    value = Decimal(m.group().replace(",", "")) * Decimal("1.1") + 1
    return text[:m.start()] + f"{value.quantize(Decimal('0.1')).normalize():f}" + text[m.end():]


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    """令和2 → rollover → the departments type 令和3's values → merge --previous: a master with 推移."""
    from xl_kpi.files.writing.csvio import sample_csv_path
    d = tmp_path_factory.mktemp("two")
    assert main(["import-csv", str(sample_csv_path()), "--out-dir", str(d / "r2"), "--year", "令和2"]) == 0
    assert main(["merge", str(d / "r2"), "-o", str(d / "R2.xlsx")]) == 0
    assert main(["rollover", str(d / "R2.xlsx"), "--year", "令和3", "--out-dir", str(d / "r3")]) == 0
    for path in sorted(p for p in (d / "r3").glob("*.xlsx") if p.name != "計画.xlsx"):
        wb = openpyxl.load_workbook(path)
        ws = wb.worksheets[0]
        head = {str(c.value).split("\n")[0]: c.column for c in ws[4] if c.value}
        for row in range(5, ws.max_row + 1):
            last = ws.cell(row, head["前年度実績"]).value
            if last:
                ws.cell(row, head["令和3年度末時点"]).value = _bumped(str(last))
        wb.save(path)
    master = d / "R3.xlsx"
    assert main(["merge", str(d / "r3"), "-o", str(master), "--previous", str(d / "R2.xlsx")]) == 0
    return master


def test_publish_writes_the_set_named_for_the_year(demo):
    _, out = demo
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{STEM}.html", f"{STEM}.pdf", f"{STEM}.csv", f"{STEM}_公開用.xlsx"])


def test_publish_refuses_a_code_with_a_wrong_check_digit(demo, tmp_path, capsys):
    master, _ = demo
    assert main(["publish", str(master), "--out-dir", str(tmp_path / "o"), "--city-code", "162010"]) == 2
    assert "全国地方公共団体コード" in capsys.readouterr().err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_publish_without_a_code_says_where_to_give_it(demo, tmp_path, capsys):
    master, _ = demo
    assert main(["publish", str(master), "--out-dir", str(tmp_path / "o")]) == 2
    assert "--city-code" in capsys.readouterr().err


# --- the HTML report ------------------------------------------------------------------------------

@pytest.mark.chromium
def test_published_html_of_the_demo_has_no_axe_violations(demo):
    _, out = demo
    violations = check_page(out / f"{STEM}.html", out.parent / "publish.png")
    assert violations == [], describe(violations)


@pytest.mark.chromium
def test_report_of_a_two_year_run_has_no_axe_violations(two_years, tmp_path):
    assert main(["report", str(two_years), "-o", str(tmp_path / "r.html")]) == 0
    assert 'id="trends"' in (tmp_path / "r.html").read_text(encoding="utf-8")
    violations = check_page(tmp_path / "r.html")
    assert violations == [], describe(violations)
    assert main(["publish", str(two_years), "--out-dir", str(tmp_path / "pub"), "--city-code", "162019",
                 "--city-name", "富山市"]) == 0
    violations = check_page(tmp_path / "pub" / "取組状況_令和3年度.html")
    assert violations == [], describe(violations)


def test_html_says_in_text_what_colour_and_pictures_show(demo):
    from lxml import html as lhtml
    _, out = demo
    doc = lhtml.fromstring((out / f"{STEM}.html").read_bytes())
    assert doc.get("lang") == "ja"
    levels = [int(h.tag[1]) for h in doc.iter("h1", "h2", "h3", "h4")]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:]))  # no level skipped
    assert all(th.get("scope") in ("col", "row") for th in doc.iter("th"))
    assert all(t.find("caption") is not None for t in doc.iter("table"))
    charts = doc.xpath("//figure//svg[@role='img']")
    assert len(charts) == 2
    assert all(s.get("aria-label") for s in doc.xpath("//svg"))
    assert all(re.search(r"A（◎）\d+件", c.get("aria-label")) for c in charts)  # counts, not only colours
    rows = doc.xpath("//tr[contains(@class,'kpi')]")
    assert len(rows) == 37
    for tr in rows:
        bar = tr.xpath(".//*[@class='bar']")[0]
        assert bar.get("role") == "img" and "達成率" in bar.get("aria-label")
        grade = tr.xpath("./td[last()]")[0].text_content()
        assert grade == "-" or re.fullmatch(r"[A-D]（[◎○△×]）", grade)
    for select in doc.iter("select"):
        assert doc.xpath(f"//label[@for='{select.get('id')}']")


@pytest.mark.chromium
def test_filters_work_from_the_keyboard(demo):
    from tests.support.browser import chromium_page
    _, out = demo
    with chromium_page() as page:
        page.goto((out / f"{STEM}.html").as_uri())
        page.focus("#f-grade")
        page.keyboard.press("ArrowDown")  # A（◎）
        assert page.locator("tr.kpi:visible").count() == 3
        assert page.locator("#f-count").inner_text() == "3 件"
        assert page.locator("#f-count").get_attribute("aria-live") == "polite"


# --- the PDF --------------------------------------------------------------------------------------

def _page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


@pytest.mark.libreoffice
def test_pdf_is_tagged_in_japanese_with_the_reports_title(demo):
    pikepdf = pytest.importorskip("pikepdf")
    _, out = demo
    with pikepdf.open(out / f"{STEM}.pdf") as pdf:
        root = pdf.Root
        assert "/StructTreeRoot" in root and len(root.StructTreeRoot.K) > 0
        assert str(root.Lang).startswith("ja")
        assert bool(root.MarkInfo.Marked) is True
        assert str(pdf.docinfo.Title) == report_title(2020)
        assert bool(root.ViewerPreferences.DisplayDocTitle) is True
        with pdf.open_metadata() as meta:
            assert meta.get("dc:title") == report_title(2020)


@pytest.mark.libreoffice
def test_pdf_has_the_published_sheets_and_the_summary_fills_its_page(demo, tmp_path):
    if not shutil.which("pdftoppm"):
        pytest.skip("poppler is not installed")
    _, out = demo
    pdf = out / f"{STEM}.pdf"
    pages = _page_texts(pdf)
    assert any("1-01" in p for p in pages) and not any("提出状況" in p or "チェック結果（" in p for p in pages)
    summary = [i for i, p in enumerate(pages, start=1) if "集計（令和2年度）" in p]
    assert summary, "no 集計 page"
    subprocess.run(["pdftoppm", "-r", "30", "-gray", "-png", "-f", str(summary[0]), "-l", str(summary[0]),
                    str(pdf), str(tmp_path / "s")], check=True)
    from PIL import Image
    img = Image.open(next(tmp_path.glob("s*.png"))).convert("L")
    box = img.point(lambda v: 255 if v < 200 else 0).getbbox()
    assert box is not None
    assert (box[2] - box[0]) / img.width > 0.85, (box, img.size)  # the tables span the page, not a corner


# --- the 公開用 workbook -----------------------------------------------------------------------------

def test_public_workbook_has_the_two_published_sheets_and_every_kpi(demo):
    master, out = demo
    wb = openpyxl.load_workbook(out / f"{STEM}_公開用.xlsx")
    assert wb.sheetnames == ["取組状況", "集計"]
    assert all(ws.sheet_state == "visible" for ws in wb.worksheets)
    ws = wb["取組状況"]
    headers = {str(c.value) for row in ws.iter_rows(min_row=3, max_row=4) for c in row if c.value}
    from xl_kpi.files.layout import COLUMNS
    assert not any(c.header in headers for c in COLUMNS if c.kind == META)
    assert "提出元（自動記入）" not in headers
    records, _ = master_records(master)
    items = [ws.cell(r, 6).value for r in range(5, ws.max_row + 1) if ws.cell(r, 6).value]
    assert items == [r.kpi_item for r in records if r.kpi_item] and len(items) == 37
    assert not wb.defined_names.get("部署一覧")


@pytest.mark.libreoffice
def test_public_workbook_opens_and_prints_in_libreoffice(demo, tmp_path):
    _, out = demo
    pdf = soffice(out / f"{STEM}_公開用.xlsx", tmp_path / "out", "pdf", tmp_path / "profile")
    pages = _page_texts(pdf)
    assert len(pages) >= 2
    text = "\n".join(pages)
    assert "取組状況" in text and "集計（令和2年度）" in text and "133%" in text
    assert "提出元" not in text and "設定" not in text


# --- the open-data CSV ----------------------------------------------------------------------------

OPEN_DATA_COLUMNS = [
    "全国地方公共団体コード", "ID", "地方公共団体名", "報告年度", "公表日", "基本目標", "基本的方向",
    "施策番号", "施策", "担当部署", "KPI番号", "KPI", "基準値", "目標値", "実績値", "実績値（数値）", "単位",
    "達成率", "達成率（表示）", "評価", "変更後の目標値", "変更後の達成率（表示）", "指標の方向",
]


def test_open_data_csv_is_utf8_with_bom_one_row_a_kpi(demo):
    master, out = demo
    raw = (out / f"{STEM}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == OPEN_DATA_COLUMNS
    records, _ = master_records(master)
    kpis = [r for r in records if r.kpi_item]  # a measure's row without a KPI is no KPI
    assert len(rows) == len(kpis) == 37
    assert [(r["施策番号"], r["KPI"]) for r in rows] == [(k.measure_id, k.kpi_item) for k in kpis]
    assert [r["ID"] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    assert {r["全国地方公共団体コード"] for r in rows} == {"162019"}
    assert {r["地方公共団体名"] for r in rows} == {"富山市"}
    assert {r["報告年度"] for r in rows} == {"2020"}
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["公表日"]) for r in rows)
    by_display = {(r["施策番号"], r["KPI番号"]): r for r in rows}
    first = by_display[("1-06", "1")]  # 115商品(累計) of 140商品(累計): 82%
    assert first["達成率（表示）"] == "82%" and Decimal(first["達成率"]) == Decimal("82")
    assert first["実績値（数値）"] == "115" and first["単位"] == "商品"
    for r in rows:
        if r["達成率（表示）"] not in ("", "-"):
            assert Decimal(r["達成率"]) == Decimal(r["達成率（表示）"].rstrip("%"))
        else:
            assert r["達成率"] == ""


@pytest.mark.libreoffice
def test_open_data_csv_opens_in_libreoffice_with_japanese_intact(demo, tmp_path):
    _, out = demo
    # headless LibreOffice takes the character set it is given (its import dialog reads the BOM)
    xlsx = soffice(out / f"{STEM}.csv", tmp_path / "out", "xlsx", tmp_path / "profile",
                   infilter="Text - txt - csv (StarCalc):44,34,76")
    ws = openpyxl.load_workbook(xlsx).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == OPEN_DATA_COLUMNS
    assert {r[2] for r in rows[1:]} == {"富山市"}
    assert any(r[11] and "創業" in str(r[11]) for r in rows[1:])
    for r in rows[1:]:  # the code column, as LibreOffice read it, is a valid 全国地方公共団体コード
        assert city_code(str(r[0]).zfill(6)) == "162019"


def test_export_stays_the_interchange_csv(demo, tmp_path):
    master, _ = demo
    assert main(["export", str(master), "--csv", str(tmp_path / "e.csv")]) == 0
    from xl_kpi.files.writing.csvio import sample_csv_path
    assert (tmp_path / "e.csv").read_bytes() == sample_csv_path().read_bytes()


def test_publish_takes_the_city_from_the_settings_sheet(demo, tmp_path):
    master, _ = demo
    copy = tmp_path / "m.xlsx"
    wb = openpyxl.load_workbook(master)
    ws = wb["設定"]
    rows = {ws.cell(r, 1).value: r for r in range(1, 30)}
    ws.cell(rows["全国地方公共団体コード"], 2).value = 11002  # 札幌市 011002, typed as a number: the zero went
    ws.cell(rows["地方公共団体名"], 2).value = "札幌市"
    wb.save(copy)
    assert main(["publish", str(copy), "--out-dir", str(tmp_path / "o")]) == 0
    rows_out = list(csv.DictReader(io.StringIO((tmp_path / "o" / f"{STEM}.csv").read_text(encoding="utf-8-sig"))))
    assert {(r["全国地方公共団体コード"], r["地方公共団体名"]) for r in rows_out} == {("011002", "札幌市")}
