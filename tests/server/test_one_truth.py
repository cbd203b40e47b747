"""One truth: the same edited workbook checked by ``xl-kpi validate``, by the ribbon's 入力チェック on
xlwings' remote book, and by the server gives the same findings (code, cell, severity).

The workbook is a department's submission from ``xl-kpi import-csv`` (it carries its part of the
plan as a 「計画」 sheet), edited with openpyxl the way staff edit it in Excel. Each path receives
what its client sends:

- the file: every cell with its number format (the CLI reads the package);
- the add-in: values only (``tests/support/remote.py`` builds the payload as xlwings' Office.js client
  does; a date-formatted cell arrives as ISO text, as ``Date.toISOString()`` gives it in
  ``static/xlkpi.js`` ``convertDates`` and in xlwings-server's ``static/js/…/index.js``; the desktop
  client passes a ``datetime``, as xlwings' ``_xlwindows.py`` converts a date cell).

Where the same information cannot reach a path the comparison leaves the code out and says why
(:data:`FILE_ONLY`, :data:`ADDIN_ONLY`).
"""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
import xlwings as xw

from tests.server.conftest import SHOKO, auth
from tests.support.remote import payload_from_wb
from xl_kpi.cli import main
from xl_kpi.excel import actions
from xl_kpi.files.layout import LAYOUT

SHEET = "商工労働部"
COL = {f: LAYOUT.col(f) for f in LAYOUT.fields}

# Findings only the file reader can make: it sees number formats (a number rounded by its format),
# cell comments and merged areas, which the add-in's payload (values only) does not carry.
FILE_ONLY = {"rounded-display", "cell-comment", "merged-input", "measure-carried-down", "hidden-row",
             "formula-in-input"}
# What only the add-in says: a number whose unit may sit in a number format it cannot see.
ADDIN_ONLY = {"number-format-unseen"}


def _rows(ws) -> dict[tuple[str, str], int]:
    out, measure = {}, ""
    for r in range(LAYOUT.first_data_row, ws.max_row + 1):
        a = ws.cell(r, 1).value
        if isinstance(a, str) and a.startswith("【"):
            continue
        measure = str(a) if a else measure
        out.setdefault((measure, str(ws.cell(r, COL["kpi_no"]).value or "")), r)
    return out


def _edit_as_staff_do(path):
    """A date typed into 現在値 and into 基準値, 施策番号 typed with the IME on, a 目標値 typed over the
    plan's, text where a number goes, a department written across a narrow column, one unknown."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    rows = _rows(ws)
    r115, r117, r102, r101 = rows[("1-15", "1")], rows[("1-17", "1")], rows[("1-02", "1")], rows[("1-01", "1")]
    ws.cell(r115, COL["current"]).value = dt.datetime(2021, 3, 31)
    ws.cell(r115, COL["current"]).number_format = "yyyy/m/d"
    ws.cell(r117, COL["baseline"]).value = dt.datetime(2018, 3, 31)
    ws.cell(r117, COL["baseline"]).number_format = "yyyy/m/d"
    ws.cell(r102, COL["measure_id"]).value = "１－０２"
    ws.cell(r101, COL["target"]).value = "20件(累計)"
    ws.cell(r102, COL["current"]).value = "16件と12件"
    ws.cell(r117, COL["department"]).value = "商 工 労 働 部"
    ws.cell(r115, COL["department"]).value = "商工労働局"
    wb.save(path)
    return path


def _key(f) -> tuple[str, str, str]:
    return (f["code"], f["cell"], f["severity"])


def _same_information(found) -> set[tuple[str, str, str]]:
    return {_key(f) for f in found if f["code"] not in FILE_ONLY | ADDIN_ONLY and f.get("sheet", SHEET) == SHEET}


@pytest.fixture
def edited(submissions):
    return _edit_as_staff_do(submissions / f"{SHEET}.xlsx")


def _cli(path, capsys):
    main(["validate", str(path), "--format", "json"])
    return json.loads(capsys.readouterr().out)["findings"]


def _office_js_payload(path):
    wb = openpyxl.load_workbook(path)
    payload = payload_from_wb(wb, path.name, SHEET)
    for sheet in payload["sheets"]:  # a date cell as the glue sends it: Date.toISOString()
        sheet["values"] = [[v[:19] + ".000Z" if isinstance(v, str) and len(v) == 19 and v[10:11] == "T" else v
                            for v in row] for row in sheet["values"]]
    return payload


def test_validate_the_ribbon_and_the_server_find_the_same(edited, client, capsys):
    by_cli = _cli(edited, capsys)
    result = actions.validate_sheet(xw.Book(json=_office_js_payload(edited)))
    by_ribbon = [f.to_dict() for f in result.findings]
    r = client.post("/xlwings/custom-scripts-call/validate_sheet", json=_office_js_payload(edited),
                    headers=auth(SHOKO))
    assert r.status_code == 200, r.text
    by_server = r.json()["result"]["findings"]
    expected = _same_information(by_cli)
    assert _same_information(by_ribbon) == expected
    assert _same_information(by_server) == expected
    codes = {c for c, _, _ in expected}
    # every edit is seen, the same way, by all three
    assert {"date-in-value", "identity-normalised", "plan-value-changed", "multiple-values",
            "unknown-department"} <= codes
    assert not [f for f in by_cli if f["code"] == "unknown-department" and f["value"] != "商工労働局"]


def test_a_date_agrees_whether_the_client_sends_iso_text_or_a_datetime(edited, capsys):
    by_cli = {_key(f) for f in _cli(edited, capsys) if f["code"] == "date-in-value"}
    wb = openpyxl.load_workbook(edited)
    desktop = payload_from_wb(wb, edited.name, SHEET)  # isoformat(): what xlwings makes of a datetime
    as_iso = {_key(f.to_dict()) for f in actions.validate_sheet(xw.Book(json=_office_js_payload(edited))).findings
              if f.code == "date-in-value"}
    as_python = {_key(f.to_dict()) for f in actions.validate_sheet(xw.Book(json=desktop)).findings
                 if f.code == "date-in-value"}
    assert by_cli == as_iso == as_python
    assert {cell[:1] for _, cell, _ in by_cli} == {"I", "G"}
    assert ("date-in-value", next(c for _, c, _ in by_cli if c[:1] == "G"), "warning") in by_cli
