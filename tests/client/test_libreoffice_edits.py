"""Edits that survive a real LibreOffice save: a clerk who keeps the submission in LibreOffice Calc
(or whose file passed through it) still gets the displayed values, dates reported, comments listed."""

import csv
import io
from datetime import datetime

import openpyxl
import pytest
from openpyxl.comments import Comment

from tests.client.test_libreoffice import soffice
from tests.files.test_excel_edits import (
    TYPED,
    _type_in_many_formats,
    _type_numbers_at_a_rounding_boundary,
    edit,
)
from xl_kpi.files.layout import LAYOUT
from xl_kpi.files.reading.reader import read_workbook
from xl_kpi.files.run.master import merge_files, validate_files

pytestmark = pytest.mark.libreoffice


def test_number_formats_dates_and_comments_after_a_libreoffice_save(submissions, tmp_path):
    src = submissions / "商工労働部.xlsx"
    wb = openpyxl.load_workbook(src)
    ws = wb["商工労働部"]
    r = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "1-15")
    ws.cell(r, 9).value = 1399
    ws.cell(r, 9).number_format = '#,##0"人(累計)"'
    ws.cell(r, 7).value = datetime(2018, 3, 31)
    ws.cell(r, 7).number_format = "yyyy/m/d"
    ws.cell(r, 9).comment = Comment("速報値", "山田")
    edited = tmp_path / "edited" / "商工労働部.xlsx"
    edited.parent.mkdir()
    wb.save(edited)
    saved = soffice(tmp_path, edited, "xlsx:Calc MS Excel 2007 XML")
    report = validate_files([saved]).report
    assert {(f.code, f.value) for f in report if f.code in ("date-in-value", "cell-comment")} == {
        ("date-in-value", "2018/3/31"), ("cell-comment", "速報値")}
    rec = next(x for x in read_workbook(saved).sheets[0].records if x.measure_id == "1-15")
    assert rec.current == "1,399人(累計)"
    master = tmp_path / "m.xlsx"
    merge_files([saved], master)
    got = next(x for x in read_workbook(master).sheets[0].records if x.measure_id == "1-15")
    assert (got.current, got.rate) == ("1,399人(累計)", "14%")


def test_libreoffice_shows_typed_numbers_in_the_master_as_the_clerk_saw_them(submissions, tmp_path):
    """The master keeps 4949.6 typed in #,##0"人(累計)" (and numbers in other formats) as numbers
    in their formats: LibreOffice (its CSV export writes cells as shown) prints 4,950人(累計) and
    the 達成率 computed from the number, 49 %, and every other cell as xl-kpi read it."""
    def change(wb):
        _type_numbers_at_a_rounding_boundary(wb)
        _type_in_many_formats(wb)
    p = edit(submissions / "商工労働部.xlsx", change)
    read = {r.measure_id: r for r in read_workbook(p).sheets[0].records if r.measure_id}
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    out_csv = soffice(tmp_path, master, "csv:Text - txt - csv (StarCalc):44,34,76")
    rows = {r[0]: r for r in csv.reader(io.StringIO(out_csv.read_text(encoding="utf-8"))) if r and r[0][:1].isdigit()}
    assert rows["1-15"][7:10] == ["10,000人(累計)", "4,950人(累計)", "49%"]
    shown = {(m, name): rows[m][LAYOUT.col(name) - 1] for m, name, _, _ in TYPED}
    assert shown == {(m, name): getattr(read[m], name) for m, name, _, _ in TYPED}
