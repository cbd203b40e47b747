from pathlib import Path

import openpyxl

from tests.support.xlsxnorm import compare_xlsx
from xl_kpi.files.grid import find_header
from xl_kpi.files.layout import COLUMNS, LAYOUT, META, OFFICIAL_TEMPLATE_YEAR, squash
from xl_kpi.files.reader import read_workbook
from xl_kpi.files.writer import Settings, build_template

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
    assert fresh.read_bytes() == COMMITTED.read_bytes()  # the writer is deterministic


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
