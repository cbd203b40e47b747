import csv
import subprocess
from pathlib import Path

import openpyxl
import pytest

from tests.support.xlsxnorm import compare_xlsx, sheet_view
from xl_kpi.files.addressing import column_letter
from xl_kpi.files.layout import (
    COLUMNS,
    DEFAULT_PLAN_END,
    DIRECTION_CHOICES,
    LAYOUT,
    META,
    OFFICIAL_TEMPLATE_YEAR,
    Settings,
    report_title,
    squash,
)
from xl_kpi.files.reading.header import find_header
from xl_kpi.files.reading.reader import read_workbook
from xl_kpi.files.writing.template import build_template

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "templates" / "取組状況_様式.xlsx"


def test_layout_is_one_consistent_declaration():
    fields = [c.field for c in COLUMNS]
    assert len(fields) == len(set(fields))
    for year in (2020, 2025):
        headers = [squash(c.header_for(year, 2024)) for c in COLUMNS]
        for c in COLUMNS:
            hits = [h for h in headers if c.matches(h)]
            assert hits == [squash(c.header_for(year, 2024))], c.field
    assert LAYOUT.letter("target") == "H" and LAYOUT.letter("rate") == "J"
    assert all(c.kind == META for c in LAYOUT.columns[LAYOUT.last_printed_col:])


def test_committed_template_is_not_stale(tmp_path):
    fresh = tmp_path / "fresh.xlsx"
    fresh.write_bytes(build_template(Settings(year=OFFICIAL_TEMPLATE_YEAR)))
    diff = compare_xlsx(fresh, COMMITTED)
    assert diff is None, f"templates/ is stale; run scripts/make-templates.sh\n{diff}"
    again = build_template(Settings(year=OFFICIAL_TEMPLATE_YEAR))
    assert again == fresh.read_bytes()  # the writer is deterministic within one run


def excel_width(characters: float, digit_px: int = 7, padding_px: int = 5) -> float:
    """The width Excel stores for a column `characters` digits wide in Calibri 11 (7-pixel
    digits): whole pixels, plus 5 pixels of padding, in 1/256ths of a digit (ECMA-376 Part 1,
    §18.3.1.13 col/@width)."""
    pixels = int(characters * digit_px + 0.5) + padding_px
    return int(pixels / digit_px * 256) / 256


def declared_headers(year: int, plan_end: int) -> dict[str, str]:
    """The two header rows as the layout declares them: grouped columns have their group in the
    upper row (over the group's first column) and their own header below; the others one header
    in the upper row, merged down."""
    cells: dict[str, str] = {}
    for i, c in enumerate(LAYOUT.columns, start=1):
        letter = LAYOUT.letter(c.field)
        first_of_group = c.group and (i == 1 or LAYOUT.columns[i - 2].group != c.group)
        if c.group:
            if first_of_group:
                cells[f"{letter}{LAYOUT.group_row}"] = c.group
            cells[f"{letter}{LAYOUT.header_row}"] = c.header_for(year, plan_end)
        else:
            cells[f"{letter}{LAYOUT.group_row}"] = c.header_for(year, plan_end)
    return cells


def test_template_is_what_the_layout_declares():
    view = sheet_view(COMMITTED, "入力")
    year, plan_end = OFFICIAL_TEMPLATE_YEAR, DEFAULT_PLAN_END
    headers = {ref: text for ref, text in view.cells.items() if int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) in (3, 4)}
    assert headers == declared_headers(year, plan_end)
    assert view.cells["A1"] == report_title(year)
    assert view.widths == {i: excel_width(c.width) for i, c in enumerate(LAYOUT.columns, start=1)}
    ungrouped = {f"{LAYOUT.letter(c.field)}3:{LAYOUT.letter(c.field)}4" for c in LAYOUT.columns if not c.group}
    groups: dict[str, list[str]] = {}
    for c in LAYOUT.columns:
        if c.group:
            groups.setdefault(c.group, []).append(LAYOUT.letter(c.field))
    example_headings = {f"A{r}:{LAYOUT.letter('sdgs')}{r}" for r in (5, 6)}  # 【基本目標1】, 【基本的方向：ア】
    assert view.merges == ungrouped | {f"{g[0]}3:{g[-1]}3" for g in groups.values()} | example_headings
    measure_cols = sum(c.measure_level for c in LAYOUT.columns)
    assert view.frozen_at == f"{column_letter(measure_cols + 1)}{LAYOUT.first_data_row}"
    lists = {sqref.split(":")[0]: f for sqref, f in view.validations.items()}
    assert lists[f"{LAYOUT.letter('department')}5"] == "部署一覧"
    assert lists[f"{LAYOUT.letter('direction')}5"] == '"' + ",".join(DIRECTION_CHOICES) + '"'


@pytest.mark.libreoffice
def test_libreoffice_reads_the_declared_headers(tmp_path):
    """LibreOffice opens the template and reads the header rows the layout declares (its CSV
    export writes a merged area's text in its first cell)."""
    out = tmp_path / "out"
    proc = subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                           "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(out),
                           str(COMMITTED)], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    with open(next(out.iterdir()), encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    read = {f"{column_letter(c)}{r}": text for r in (3, 4) for c, text in enumerate(rows[r - 1], start=1) if text}
    assert read == declared_headers(OFFICIAL_TEMPLATE_YEAR, DEFAULT_PLAN_END)
    assert rows[0][0] == report_title(OFFICIAL_TEMPLATE_YEAR)


def test_template_look(tmp_path):
    wb = openpyxl.load_workbook(COMMITTED)
    ws = wb["入力"]
    assert ws["A1"].value == "総合戦略に記載されている各種施策の取組状況（令和6年度）"
    assert ws["A3"].value == "施策番号" and ws["E3"].value == "KPI(重要業績評価指標)"
    assert ws["I4"].value == "令和6年度末時点" and ws["H4"].value == "目標値\n(令和6年度末時点)"
    assert ws["R3"].value == "新型コロナウイルス感染に関して"
    assert "A3:A4" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.freeze_panes == "E5"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 8
    assert ws.print_title_rows == "$3:$4"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["D"].width > 20
    sqrefs = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    assert sqrefs["C5"].formula1 == "部署一覧" and sqrefs["N5"].formula1 == '"高いほど良い,低いほど良い"'
    assert "部署一覧" in wb.defined_names
    assert wb["設定"]["B3"].value == "xl-kpi/1"
    header = find_header(list(ws.iter_rows(min_row=1, max_row=12, values_only=True)))
    assert header is not None and header.row == 4 and header.missing == ()


def test_template_reads_back_with_its_settings():
    wb = read_workbook(COMMITTED)
    assert wb.settings.year == 2024 and wb.settings.plan_end == 2024  # the year is never after the plan end
    assert "商工労働部" in wb.settings.departments
    assert wb.settings.severities["basis-mismatch"] == "info"  # 指摘の重要度, read back
    assert [s.records for s in wb.sheets] == [[]]
    assert wb.findings == []


def test_template_for_a_department(tmp_path):
    from xl_kpi.cli import main
    out = tmp_path / "t.xlsx"
    assert main(["template", "-o", str(out), "--year", "R3", "--department", "こども未来部"]) == 0
    wb = read_workbook(out)
    assert wb.sheets[0].name == "こども未来部" and wb.sheets[0].department == "こども未来部"
    assert wb.settings.year == 2021 and "こども未来部" in wb.settings.departments


def test_column_letters_and_numbers():
    from xl_kpi.files.addressing import column_number
    assert [column_letter(n) for n in (1, 26, 27, 52, 53, 702, 703, 16384)] == \
        ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD"]
    assert [column_number(s) for s in ("A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD")] == \
        [1, 26, 27, 52, 53, 702, 703, 16384]
    assert all(column_number(column_letter(n)) == n for n in range(1, 16385))
