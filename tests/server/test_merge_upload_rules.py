"""/api/merge applies exactly the rules of `xl-kpi merge` (issue 11): a refused upload is a 400
with every finding, never ``valid: true`` with 0 rows; a workbook named without an extension is
read by its content; error findings are returned with the merged master."""

import openpyxl

from tests.server.conftest import PLANNING, auth
from tests.support import hostile


def upload(name, data):
    return ("files", (name, data, "application/octet-stream"))


def test_an_xls_upload_is_refused_with_its_finding(client, submissions):
    files = [upload("商工労働部.xls", hostile.legacy_xls())]
    r = client.post("/api/merge", files=files, headers=auth(PLANNING))
    assert r.status_code == 400, r.text
    data = r.json()
    assert [(f["code"], f["file"]) for f in data["findings"]] == [("legacy-xls", "商工労働部.xls")]
    skip = client.post("/api/merge", files=files + [upload("環境部.xlsx", (submissions / "環境部.xlsx").read_bytes())],
                       data={"skip_invalid": "1"}, headers=auth(PLANNING))
    assert skip.status_code == 200 and skip.json()["rows"] == 1
    assert [(f["code"], f["severity"]) for f in skip.json()["skipped"]] == [("legacy-xls", "warning")]


def test_a_workbook_named_without_an_extension_is_read(client, submissions):
    r = client.post("/api/merge", files=[upload("商工労働部", (submissions / "商工労働部.xlsx").read_bytes())],
                    headers=auth(PLANNING))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["rows"] == 11 and all(f["file"] in ("商工労働部", "") for f in data["findings"])


def test_error_findings_come_back_with_the_master(client, submissions, tmp_path):
    p = submissions / "商工労働部.xlsx"
    wb = openpyxl.load_workbook(p)
    wb["商工労働部"]["A2"] = "部署: 環境部"
    wb.save(p)
    r = client.post("/api/merge", files=[upload(p.name, p.read_bytes())], headers=auth(PLANNING))
    assert r.status_code == 200
    data = r.json()
    assert not data["valid"] and "department-mismatch" in {f["code"] for f in data["findings"]}


def test_no_workbook_at_all_is_refused(client):
    r = client.post("/api/merge", files=[upload("~$商工労働部.xlsx", b"\x00" * 165)], headers=auth(PLANNING))
    assert r.status_code == 400 and "提出ブックがありません" in r.json()["detail"]
