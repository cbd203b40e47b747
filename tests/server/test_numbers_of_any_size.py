"""Numbers of any size over HTTP (issue 24, point 5): a value of 10^28 in one department's cell is a
finding on that cell, never a 500 — in the merge upload, the ribbon scripts and the custom functions."""

from __future__ import annotations

import base64
import io

import openpyxl
import pytest

from tests.server.conftest import PLANNING, SHOKO, auth
from tests.support.remote import payload_from_wb
from xl_kpi.files.layout import LAYOUT

HUGE = [1e28, "1" + "0" * 28 + "件", "1E+28", "x0y", "=cmd|' /C calc'!A0"]


def _with_current(path, value) -> bytes:
    """The submission with its first KPI's 現在値 set to ``value`` (typed as it is: a number or text)."""
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    col = LAYOUT.col("current")
    for r in range(LAYOUT.first_data_row, ws.max_row + 1):
        if ws.cell(r, LAYOUT.col("kpi_no")).value:
            ws.cell(r, col).value = value
            if isinstance(value, str) and value.startswith("="):
                ws.cell(r, col).data_type = "s"
            break
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("value", HUGE)
def test_one_departments_huge_or_wordy_value_does_not_block_the_merge(client, submissions, value):
    files = []
    for p in sorted(submissions.iterdir()):
        data = _with_current(p, value) if p.name == "商工労働部.xlsx" else p.read_bytes()
        files.append(("files", (p.name, data, "application/octet-stream")))
    r = client.post("/api/merge", files=files, headers=auth(PLANNING))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["rows"] == 38
    mine = [f for f in body["findings"] if f["file"] == "商工労働部.xlsx" and f["field"] == "current"
            and f["severity"] == "error"]
    assert mine and mine[0]["code"] in ("value-out-of-range", "unparseable-value"), mine
    wb = openpyxl.load_workbook(io.BytesIO(base64.b64decode(body["master_base64"])))
    assert "取組状況" in wb.sheetnames


@pytest.mark.parametrize("value", HUGE[:3])
def test_compute_rates_and_validate_of_a_huge_value_answer_with_a_finding(client, submissions, value):
    wb = openpyxl.load_workbook(io.BytesIO(_with_current(submissions / "商工労働部.xlsx", value)))
    payload = payload_from_wb(wb, "商工労働部.xlsx", None)
    for script in ("compute_rates", "validate_sheet"):
        r = client.post(f"/xlwings/custom-scripts-call/{script}", json=payload, headers=auth(SHOKO))
        assert r.status_code == 200, (script, r.text)


@pytest.mark.parametrize("value", [1e28, 1e300, 5e-324, "1" + "0" * 28 + "人", "x0y"])
def test_kpi_rate_custom_function_of_a_huge_value_is_na_with_the_reason(client, value):
    from tests.server.test_http import call_body
    r = client.post("/xlwings/custom-functions-call", json=call_body("kpi_rate", value, "100人"), headers=auth(SHOKO))
    assert r.status_code == 200, r.text
    result = r.json()["result"][0][0]
    assert isinstance(result, str) and result.startswith("#N/A") and len(result) > 5
