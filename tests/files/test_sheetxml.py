"""The package-XML reader of number formats and formulas gives what openpyxl gives.

The reference is openpyxl's ``cell.number_format`` and ``cell.value`` (formula text): for every
number-format case the tests use (literal text, percent, dates, thousands …) the format string
and the displayed text (:func:`cell_text` over calamine's value and our format) equal openpyxl's,
for files written by openpyxl, by XlsxWriter (built-in format ids without a numFmt element) and
by LibreOffice Calc (a real round trip through ``soffice --convert-to xlsx``).
"""

import datetime as dt
import shutil
import subprocess
import zipfile

import openpyxl
import pytest
import python_calamine
import xlsxwriter

from xl_kpi.files.reading.preflight import preflight
from xl_kpi.files.reading.reader import read_workbook
from xl_kpi.files.reading.rows import cell_text
from xl_kpi.files.reading.sheetxml import BUILTIN_FORMATS, sheet_cells, style_formats
from xl_kpi.files.run.master import validate_files

# (value, number format, column kind): tests/files/test_reader_findings.py's display cases and
# the formats staff type in value cells.
CASES = [
    (15, "General", ""), (1943.0, "General", ""), (1943, "#,##0", ""), (0.634, "0.0%", ""),
    (1.125, "0%", "rate"), (0.0333333, "General", "rate"), (6, '#,##0"件"', ""), (12.5, '#,##0.0"人"', ""),
    (1234567, "#,##0", ""), (1234, "#,##0_);(#,##0)", ""), (0.5, "0.00%", ""), (42, "@", ""),
    (dt.datetime(2021, 3, 31), "yyyy/m/d", ""), (dt.datetime(2021, 3, 31), 'yyyy"年"m"月"d"日"', ""),
    (dt.datetime(2021, 3, 31), "mm-dd-yy", ""), (dt.datetime(2021, 3, 31, 10, 30), "yyyy-mm-dd h:mm", ""),
    (dt.time(12, 30), "h:mm", ""), (3, '0"人(累計)"', ""), (-5, '#,##0;[Red]-#,##0', ""),
]


# Built-in ids written without a numFmt element. 31 and 57 are ja-JP date formats (ECMA-376
# Part 1, §18.8.30: ids 27–36 and 50–58 are locale-dependent East Asian date formats) that
# openpyxl's table lacks: openpyxl says "General" and so do we, but calamine reads the value as
# the date Excel shows, so their display differs from openpyxl's (on purpose: Excel shows a date).
BUILTIN_IDS = (3, 9, 10, 14, 38, 49, 31, 57)
EAST_ASIAN_DATE_ROWS = (7, 8)


def test_builtin_formats_are_openpyxls():
    from openpyxl.styles.numbers import BUILTIN_FORMATS as reference
    assert reference == BUILTIN_FORMATS


def openpyxl_book(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, (value, fmt, _) in enumerate(CASES, start=1):
        ws.cell(i, 1, value).number_format = fmt
    ws.cell(len(CASES) + 1, 1, "=10+5").number_format = '#,##0"件"'
    wb.save(path)
    return path


def xlsxwriter_book(path):
    """Built-in formats by id, as Excel writes them (no numFmt element for ids < 164)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for i, (value, fmt, _) in enumerate(CASES):
        f = wb.add_format({"num_format": fmt})
        if isinstance(value, (dt.datetime, dt.time)):
            ws.write_datetime(i, 0, value, f)
        else:
            ws.write(i, 0, value, f)
    for j, index in enumerate(BUILTIN_IDS):
        ws.write_number(j, 1, 1234.5, wb.add_format({"num_format": index}))
    ws.write_formula(len(CASES), 0, "=10+5", None, 15)
    ws.write_formula(len(CASES) + 1, 0, "=A1*2", None, 30)
    wb.close()
    return path


def libreoffice_book(path, tmp_path):
    src = openpyxl_book(tmp_path / "src.xlsx")
    out = tmp_path / "lo"
    subprocess.run([shutil.which("soffice"), f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), str(src)], check=True, capture_output=True,
                   timeout=300)
    shutil.copyfile(out / "src.xlsx", path)
    return path


def assert_same_as_openpyxl(path):
    ws = openpyxl.load_workbook(path).active
    cached = openpyxl.load_workbook(path, data_only=True).active
    values = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    part = preflight(path).sheet_parts[ws.title]
    with zipfile.ZipFile(path) as zf:
        cells = sheet_cells(zf, part, style_formats(zf))
    formulas = {(r, c): text for r, c, text in cells.formulas}
    kinds = {i: kind for i, (_, _, kind) in enumerate(CASES, start=1)}
    checked = 0
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            ours = cells.formats.get((cell.row, cell.column), "General")
            assert ours == cell.number_format, cell.coordinate
            if cell.data_type == "f":
                assert formulas[cell.row, cell.column] == cell.value, cell.coordinate
                theirs_value = cached[cell.coordinate].value
            else:
                assert (cell.row, cell.column) not in formulas
                theirs_value = cell.value
            kind = kinds.get(cell.row, "") if cell.column == 1 else ""
            if cell.column == 2 and cell.row in EAST_ASIAN_DATE_ROWS:
                assert isinstance(values[cell.row - 1][1], dt.datetime)  # the date Excel shows
                continue
            ours_text = cell_text(values[cell.row - 1][cell.column - 1], ours, kind)
            assert ours_text == cell_text(theirs_value, cell.number_format, kind), cell.coordinate
            checked += 1
    assert checked >= len(CASES)


def test_formats_and_formulas_of_an_openpyxl_file(tmp_path):
    p = openpyxl_book(tmp_path / "a.xlsx")
    ws = openpyxl.load_workbook(p).active
    # openpyxl saves no cached value for its formulas: compare formats and formula text only
    part = preflight(p).sheet_parts[ws.title]
    with zipfile.ZipFile(p) as zf:
        cells = sheet_cells(zf, part, style_formats(zf))
    assert cells.formulas == [(len(CASES) + 1, 1, "=10+5")]
    for row in ws.iter_rows():
        for cell in row:
            assert cells.formats.get((cell.row, cell.column), "General") == cell.number_format


def test_the_fast_scan_and_the_parser_agree(tmp_path):
    from xl_kpi.files.reading.sheetxml import _parse
    for p in (openpyxl_book(tmp_path / "a.xlsx"), xlsxwriter_book(tmp_path / "x.xlsx")):
        with zipfile.ZipFile(p) as zf:
            styles = style_formats(zf)
            scanned = sheet_cells(zf, "xl/worksheets/sheet1.xml", styles, want_formulas=False)
            parsed = _parse(zf.read("xl/worksheets/sheet1.xml"), styles, True)
        assert scanned.formats == parsed.formats and len(scanned.formats) >= len(CASES) - 2


def test_display_text_of_an_xlsxwriter_file_matches_openpyxl(tmp_path):
    assert_same_as_openpyxl(xlsxwriter_book(tmp_path / "x.xlsx"))


@pytest.mark.libreoffice
def test_display_text_of_a_libreoffice_file_matches_openpyxl(tmp_path):
    assert_same_as_openpyxl(libreoffice_book(tmp_path / "lo.xlsx", tmp_path))


def test_shared_formulas_are_translated_like_openpyxl(tmp_path):
    p = tmp_path / "shared.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.save(p)
    with zipfile.ZipFile(p) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    cells = ('<row r="2"><c r="B2"><f t="shared" ref="B2:B4" si="0">A2*2</f><v>2</v></c></row>'
             '<row r="3"><c r="B3"><f t="shared" si="0"/><v>4</v></c></row>'
             '<row r="4"><c r="B4"><f t="shared" si="0"/><v>6</v></c></row>')
    parts["xl/worksheets/sheet1.xml"] = sheet.replace("</row>", "</row>" + cells, 1).encode()
    with zipfile.ZipFile(p, "w") as zf:
        for n, data in parts.items():
            zf.writestr(n, data)
    ws = openpyxl.load_workbook(p).active
    with zipfile.ZipFile(p) as zf:
        got = sheet_cells(zf, "xl/worksheets/sheet1.xml", style_formats(zf)).formulas
    assert got == [(r, 2, ws.cell(r, 2).value) for r in (2, 3, 4)] == [(2, 2, "=A2*2"), (3, 2, "=A3*2"), (4, 2, "=A4*2")]


def snapshot(path, engine):
    wb = read_workbook(path, engine=engine)
    return [([(r.to_dict(), r.source.row) for r in s.records], sorted(f.to_dict().items() for f in s.findings))
            for s in wb.sheets]


def type_numbers(path):
    """Staff's edit: numbers typed over value cells with formats, a formula, a comment, a fill."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    rows = [r for r in range(5, ws.max_row + 1) if ws.cell(r, 5).value]
    for (value, fmt, _), r in zip(CASES, rows):
        ws.cell(r, 9).value, ws.cell(r, 9).number_format = value, fmt
    ws.cell(rows[-1], 8).value = "=10+5"
    ws.cell(rows[0], 9).comment = Comment("確認済み", "担当者")
    ws.cell(rows[0], 14).fill = PatternFill("solid", fgColor="FFFF00")
    wb.save(path)
    return path


def test_typed_numbers_read_like_openpyxl_without_loading_it(submissions, monkeypatch):
    p = type_numbers(submissions / "商工労働部.xlsx")
    reference = snapshot(p, "openpyxl")
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl loaded the file"))
    assert snapshot(p, "auto") == reference
    rec = next(r for r in read_workbook(p).sheets[0].records if r.current == "63.4%")
    assert rec.current == "63.4%"


@pytest.mark.libreoffice
def test_a_libreoffice_round_trip_reads_like_openpyxl(submissions, tmp_path):
    src = type_numbers(submissions / "環境部.xlsx")
    subprocess.run([shutil.which("soffice"), f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(tmp_path / "lo"), str(src)], check=True,
                   capture_output=True, timeout=300)
    p = tmp_path / "lo" / "環境部.xlsx"
    assert snapshot(p, "auto") == snapshot(p, "openpyxl")
    f = next(x for x in validate_files([p]).report if x.code == "formula-in-input")
    assert (f.value, f.severity) == ("=10+5", "warning")  # LibreOffice saved the cached value
