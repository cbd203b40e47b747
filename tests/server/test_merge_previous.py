"""The task pane's merge upload takes last year's master and carries its 「推移」 forward."""

import base64
import io

import openpyxl

from tests.server.conftest import PLANNING, auth
from xl_kpi.files.run.master import merge_files
from xl_kpi.files.run.rollover import rollover


def test_merge_upload_with_last_years_master_keeps_the_history(client, submissions, tmp_path):
    last = tmp_path / "取組状況_R2.xlsx"
    merge_files([submissions], last)
    files = [("files", (p.name, p.read_bytes(), "application/octet-stream"))
             for p in rollover(last, 2021, tmp_path / "r3")]
    r = client.post("/api/merge", files=files + [("previous", (last.name, last.read_bytes(), "application/octet-stream"))],
                    headers=auth(PLANNING))
    assert r.status_code == 200, r.text
    assert _value_in(r, "1-01", "令和2年度") == "1件(累計)"  # last year's value, carried
    r = client.post("/api/merge", files=files, headers=auth(PLANNING))  # without it: no 令和2 value
    assert not _value_in(r, "1-01", "令和2年度")


def _value_in(response, measure_id, year):
    wb = openpyxl.load_workbook(io.BytesIO(base64.b64decode(response.json()["master_base64"])))
    rows = list(wb["推移"].iter_rows(values_only=True))
    header = next(row for row in rows if row[0] == "施策番号")
    row = next(r for r in rows if r[0] == measure_id)
    return row[header.index(year)] if year in header else None
