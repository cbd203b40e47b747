"""Edits that survive a real LibreOffice save: a clerk who keeps the submission in LibreOffice Calc
(or whose file passed through it) still gets the displayed values, dates reported, comments listed."""

from datetime import datetime

import openpyxl
import pytest
from openpyxl.comments import Comment

from tests.client.test_libreoffice import soffice
from xl_kpi.files.master import merge_files, validate_files
from xl_kpi.files.reader import read_workbook

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
