"""The inbox API in the app (TestClient), on SQLite and on PostgreSQL: who may submit what, the
check at the moment of submission, the planning division's decisions, and the merge."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from tests.inbox.conftest import KANKYO, KODOMO, PLANNING, SHOKO, as_received, edit, fix_rate, partly
from xl_kpi.server import security
from xl_kpi.server.app import ServerConfig, create_app


def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def make_client(inbox_tokens, database_url, seed, monkeypatch):
    monkeypatch.setenv("XL_KPI_DATABASE_URL", database_url)
    monkeypatch.setenv("XL_KPI_PLAN", str(seed / "計画.xlsx"))
    monkeypatch.delenv("XL_KPI_INBOX_ALLOW_ERRORS", raising=False)
    monkeypatch.delenv("XL_KPI_INBOX_REVIEW", raising=False)

    def make(**env):
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        config = ServerConfig(tokens=security.load_tokens(inbox_tokens), base_url="https://kpi.city.example.jp",
                              max_body=2 * 1024 * 1024, max_book=1024 * 1024)
        return TestClient(create_app(config), raise_server_exceptions=False)
    return make


def post(client, token, path, name=None):
    return client.post("/api/submissions", headers=auth(token),
                       files={"file": (name or path.name, path.read_bytes(), "application/octet-stream")})


def test_a_department_submits_its_own_workbook(make_client, seed):
    client = make_client()
    r = post(client, KANKYO, seed / "環境部.xlsx")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["department"] == "環境部" and body["counts"] == {"error": 0, "warning": 1, "info": 1}
    assert body["detail"] == f"受け付けました（受付番号 {body['id']}）。" and body["state"] == "accepted"
    assert body["received_at"].endswith("+09:00") and len(body["sha256"]) == 64
    assert r.headers["cache-control"] == "no-store" and r.headers["x-content-type-options"] == "nosniff"
    mine = client.get("/api/submissions", headers=auth(KANKYO)).json()["submissions"]
    assert [s["id"] for s in mine] == [body["id"]]
    assert client.get("/api/submissions", headers=auth(SHOKO)).json()["submissions"] == []
    assert client.get(f"/api/submissions/{body['id']}", headers=auth(SHOKO)).status_code == 404
    detail = client.get(f"/api/submissions/{body['id']}", headers=auth(KANKYO)).json()
    assert len(detail["findings"]) == 2 and detail["findings"][0]["file"] == "環境部.xlsx"


def test_another_departments_workbook_is_refused_and_nothing_is_stored(make_client, seed):
    client = make_client()
    r = post(client, SHOKO, seed / "環境部.xlsx")
    assert r.status_code == 403
    assert "「環境部」の提出" in r.json()["detail"] and "商工労働部" in r.json()["detail"]
    assert client.get("/api/submissions", headers=auth(PLANNING)).json()["submissions"] == []


def test_errors_block_a_submission_and_say_what_to_fix(make_client, seed):
    client = make_client()
    r = post(client, KODOMO, seed / "子ども家庭部.xlsx")
    assert r.status_code == 422
    body = r.json()
    assert body["counts"]["error"] == 1 and "直してから" in body["detail"]
    [error] = [f for f in body["findings"] if f["severity"] == "error"]
    assert (error["code"], error["cell"]) == ("rate-mismatch", "J10")
    assert client.get("/api/submissions", headers=auth(PLANNING)).json()["submissions"] == []
    fixed = post(client, KODOMO, edit(seed / "子ども家庭部.xlsx", fix_rate))
    assert fixed.status_code == 201 and fixed.json()["counts"]["error"] == 0


def test_when_allowed_errors_wait_for_the_planning_division(make_client, seed):
    client = make_client(XL_KPI_INBOX_ALLOW_ERRORS="1")
    r = post(client, KODOMO, seed / "子ども家庭部.xlsx")
    assert r.status_code == 201 and r.json()["state"] == "pending" and "企画担当の確認" in r.json()["detail"]
    sid = r.json()["id"]
    assert client.post(f"/api/submissions/{sid}/accept", headers=auth(KODOMO)).status_code == 403
    accepted = client.post(f"/api/submissions/{sid}/accept", headers=auth(PLANNING))
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"


def test_review_mode_holds_every_submission_until_accepted(make_client, seed):
    client = make_client(XL_KPI_INBOX_REVIEW="true")
    r = post(client, KANKYO, seed / "環境部.xlsx")
    assert r.json()["state"] == "pending"
    status = client.get("/api/status", headers=auth(PLANNING)).json()
    assert {d["department"]: d["status"] for d in status["departments"]}["環境部"] == "確認待ち"
    assert status["settings"]["review"] is True


def test_reopen_needs_a_message_and_the_department_sees_it(make_client, seed):
    client = make_client()
    sid = post(client, SHOKO, seed / "商工労働部.xlsx").json()["id"]
    url = f"/api/submissions/{sid}/reopen"
    assert client.post(url, headers=auth(SHOKO), json={"message": "x"}).status_code == 403
    assert client.post(url, headers=auth(PLANNING), json={"message": "  "}).status_code == 400
    assert client.post(url, headers=auth(PLANNING), content=b"not json").status_code == 400
    assert client.post("/api/submissions/999999/reopen", headers=auth(PLANNING), json={"message": "x"}).status_code == 404
    r = client.post(url, headers=auth(PLANNING), json={"message": "施策1-01 の実績値の出典を備考に書いてください。"})
    assert r.status_code == 200 and r.json()["state"] == "reopened"
    assert client.get("/api/status", headers=auth(SHOKO)).json()["role"] == "department"
    mine = client.get("/api/status", headers=auth(SHOKO)).json()["departments"]
    assert [(d["department"], d["status"], d["latest"]["message"]) for d in mine] == [
        ("商工労働部", "差し戻し", "施策1-01 の実績値の出典を備考に書いてください。")]


def test_status_lists_every_department_of_the_plan(make_client, seed):
    client = make_client()
    post(client, KANKYO, edit(seed / "環境部.xlsx", partly))
    states = {d["department"]: d for d in client.get("/api/status", headers=auth(PLANNING)).json()["departments"]}
    assert len(states) == 10 and states["商工労働部"]["status"] == "未提出" and states["商工労働部"]["latest"] is None
    assert states["環境部"]["status"] == "一部"
    assert states["環境部"]["latest"]["missing"] == ["施策4-09 KPI1"]


@pytest.mark.parametrize("name, data, status, words", [
    ("環境部.xlsx", b"", 400, "空"),
    ("環境部.csv", b"a,b\n", 400, ".xlsx"),
    ("環境部.xlsx", b"<html>not a workbook</html>", 400, "安全に読み込め"),
    ("../../etc/passwd.xlsx", b"PK\x03\x04broken", 400, "安全に読み込め"),
])
def test_what_a_client_can_send_is_a_4xx_in_japanese(make_client, name, data, status, words):
    client = make_client()
    r = client.post("/api/submissions", headers=auth(KANKYO), files={"file": (name, data, "application/octet-stream")})
    assert r.status_code == status and words in r.json()["detail"]
    assert client.post("/api/submissions", headers=auth(KANKYO), data={"x": "1"}).status_code == 400
    assert client.post("/api/submissions", files={"file": (name, data)}).status_code == 401
    assert client.get("/api/submissions", headers=auth(PLANNING)).json()["submissions"] == []


def test_the_upload_limit_and_the_audit_line_are_the_apps(make_client, seed, caplog):
    client = make_client()
    big = b"PK" + b"\0" * (3 * 1024 * 1024)
    r = client.post("/api/submissions", headers=auth(KANKYO), files={"file": ("環境部.xlsx", big)})
    assert r.status_code == 413 and "大きすぎます" in r.json()["detail"]
    with caplog.at_level(logging.INFO, logger="xl_kpi.audit"):
        post(client, KANKYO, seed / "環境部.xlsx")
    [line] = [r.getMessage() for r in caplog.records if r.name == "xl_kpi.audit"]
    assert "department=環境部" in line and "route=/api/submissions" in line and "status=201" in line
    assert KANKYO not in line


def test_the_inbox_master_is_the_master_xl_kpi_merge_gives(make_client, seed, tmp_path):
    client = make_client()
    assert client.post("/api/inbox/merge", headers=auth(PLANNING)).status_code == 400  # nothing accepted yet
    received = {name: post(client, token, path).json()["received_at"] for name, token, path in (
        ("環境部.xlsx", KANKYO, seed / "環境部.xlsx"),
        ("子ども家庭部.xlsx", KODOMO, edit(seed / "子ども家庭部.xlsx", fix_rate)))}
    assert client.post("/api/inbox/merge", headers=auth(KANKYO)).status_code == 403
    r = client.post("/api/inbox/merge", headers=auth(PLANNING))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    files = tmp_path / "同じ提出"
    files.mkdir()
    for name in ("環境部.xlsx", "子ども家庭部.xlsx"):
        (files / name).write_bytes((seed / name).read_bytes())
        as_received(files / name, received[name])
    master = tmp_path / "取組状況.xlsx"
    done = subprocess.run([sys.executable, "-m", "xl_kpi.cli", "merge", str(files), "--plan", str(seed / "計画.xlsx"),
                           "-o", str(master)], capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    assert r.content == master.read_bytes()


def test_the_token_id_is_a_fingerprint_or_the_entrys_name_never_the_token(make_client, seed, database_url):
    from dataclasses import dataclass

    from xl_kpi.inbox.store import Inbox
    from xl_kpi.server.inbox import token_id

    @dataclass
    class Named:
        token: str
        name: str

    entries = [Named("a-token-of-sixteen-chars", "商工労働部 担当A")]
    assert token_id(entries, "Bearer a-token-of-sixteen-chars") == "商工労働部 担当A"
    fingerprint = token_id([], f"Bearer {KANKYO}")
    assert fingerprint.startswith("fp:") and len(fingerprint) == 15 and KANKYO not in fingerprint  # as the audit lines
    client = make_client()
    post(client, KANKYO, seed / "環境部.xlsx")
    inbox = Inbox.open(database_url)
    [stored] = inbox.listing()
    assert stored.token_id == fingerprint
    inbox.close()


@pytest.mark.parametrize("number", ["abc", "-1", "1.5", "99999999999999999999", "１２", "0"])
def test_a_submission_number_no_database_holds_is_a_japanese_404(make_client, number):
    client = make_client()
    for method, path in (("GET", f"/api/submissions/{number}"), ("POST", f"/api/submissions/{number}/accept"),
                         ("POST", f"/api/submissions/{number}/reopen")):
        r = client.request(method, path, headers=auth(PLANNING), json={"message": "確認してください。"})
        assert r.status_code == 404 and "の提出はありません" in r.json()["detail"], (method, path, r.text)


@pytest.mark.parametrize("name", ["a" * 300 + ".xlsx", "環境部\r\n.xlsx", "..\\..\\環境部.xlsx", "環境部.XLSX"])
def test_the_stored_file_name_is_the_uploads_own_made_safe(make_client, seed, name):
    client = make_client()
    r = client.post("/api/submissions", headers=auth(KANKYO),
                    files={"file": (name, (seed / "環境部.xlsx").read_bytes(), "application/octet-stream")})
    assert r.status_code == 201, r.text
    stored = r.json()["filename"]
    assert len(stored) <= 120 and stored.lower().endswith(".xlsx")
    assert not any(ch in stored for ch in "\r\n/\\") and not stored.startswith(".")
