"""A year through the real server (``xl-kpi serve`` on loopback) on SQLite and on PostgreSQL:
departments submit, one with an error fixed and resubmitted, one reopened with a message on the
planning division's page in Chromium, one never submits; the page shows each state; its merge
button gives the master ``xl-kpi merge`` gives; a server killed with SIGKILL keeps every
acknowledged submission; a cut-off upload leaves nothing; the CLI reads the same inbox."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from tests.inbox.conftest import (
    KANKYO,
    KODOMO,
    PLANNING,
    SHOKO,
    Server,
    as_received,
    edit,
    fix_rate,
    multipart,
    partly,
)
from tests.support.axe import axe_violations, describe
from tests.support.browser import chromium_page


def states(server: Server) -> dict[str, tuple]:
    status, data = server.json("GET", "/api/status", PLANNING)
    assert status == 200
    return {d["department"]: (d["status"], d["latest"]["id"] if d["latest"] else None,
                              d["latest"]["message"] if d["latest"] else "") for d in data["departments"]}


def check_accessibility(browser, base: str, submission_id: int) -> None:
    """axe-core over the page with every part shown (the table, a submission's findings, the
    差し戻し form). axe is injected as an inline script, which the page's Content-Security-Policy
    forbids (the clicking above runs under it): this context bypasses the CSP for axe alone."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1100, "height": 900})
    try:
        page = context.new_page()
        page.add_init_script(f"sessionStorage.setItem('xlKpiPlanningToken', '{PLANNING}');")
        page.goto(f"{base}/inbox#submission-{submission_id}")
        wait_text(page, "#status", "表示しました")
        wait_text(page, "#detail-heading", "受付番号")
        page.get_by_role("button", name="子ども家庭部の提出を差し戻し").click()
        assert page.locator("#reopen-section").is_visible()
        violations = axe_violations(page)
        assert violations == [], describe(violations)
    finally:
        context.close()


def wait_text(page, selector: str, text: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in page.locator(selector).inner_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"{selector}: {page.locator(selector).inner_text()!r} has no {text!r}")
        time.sleep(0.1)


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xl_kpi.cli", *args], capture_output=True, text=True, timeout=180,
                          env={**os.environ, **env})


@pytest.mark.chromium
@pytest.mark.slow
def test_a_year_through_the_server(server, seed, tmp_path, database_url):
    # 環境部 submits part of its KPIs; 子ども家庭部's first try has an error, refused; fixed, taken.
    status, kankyo = server.submit(KANKYO, edit(seed / "環境部.xlsx", partly))
    assert status == 201 and kankyo["department"] == "環境部" and kankyo["counts"]["error"] == 0
    status, refused = server.submit(KODOMO, seed / "子ども家庭部.xlsx")
    assert status == 422 and [f["cell"] for f in refused["findings"] if f["severity"] == "error"] == ["J10"]
    status, body = server.submit(KODOMO, edit(seed / "子ども家庭部.xlsx", fix_rate))
    assert status == 201 and "受付番号" in body["detail"]
    status, shoko = server.submit(SHOKO, seed / "商工労働部.xlsx")
    assert status == 201
    # 企画管理部 and the other departments of the plan never submit.

    reason = "施策1-01 の実績値の出典を備考に書いてから、もう一度提出してください。"
    with chromium_page() as page:
        page.goto(server.base + "/inbox")
        page.get_by_label("企画担当のアクセストークン").fill(SHOKO)  # a department's token: not this page's
        page.get_by_role("button", name="表示").click()
        wait_text(page, "#status", "企画担当（planning）のアクセストークンで開きます")
        assert page.locator("#states tbody tr").count() == 0
        page.get_by_label("企画担当のアクセストークン").fill(PLANNING)
        page.get_by_role("button", name="表示").click()
        wait_text(page, "#status", "表示しました")
        page.get_by_role("button", name="商工労働部の提出を差し戻し").click()
        page.get_by_label("部署へのメッセージ").fill(reason)
        page.get_by_role("button", name="差し戻す", exact=True).click()
        wait_text(page, "#status", "差し戻しました")
        rows = {r.locator("th").inner_text(): r.locator("td").all_inner_texts()
                for r in page.locator("#states tbody tr").all()}
        assert len(rows) == 10
        assert rows["子ども家庭部"][0] == "提出済" and rows["子ども家庭部"][2] == str(body["id"])
        assert rows["環境部"][0].startswith("一部") and "施策4-09 KPI1" in rows["環境部"][0]
        assert rows["商工労働部"][0].startswith("差し戻し") and reason in rows["商工労働部"][0]
        assert rows["企画管理部"][0] == "未提出" and rows["企画管理部"][1] == ""
        assert rows["子ども家庭部"][1].startswith(time.strftime("%Y-"))  # 提出日時
        assert rows["環境部"][3:5] == ["0", str(kankyo["counts"]["warning"])]  # errors, warnings
        page.get_by_role("link", name=f"子ども家庭部の提出（受付番号 {body['id']}）の指摘").click()
        wait_text(page, "#detail-heading", "子ども家庭部")
        assert page.locator("#findings li").count() == body["counts"]["warning"] + body["counts"]["info"]
        with page.expect_download() as download:
            page.get_by_role("button", name="受理した提出からマスターを作成してダウンロード").click()
        downloaded = tmp_path / "ページの取組状況.xlsx"
        download.value.save_as(downloaded)
        wait_text(page, "#status", "マスターを作成しました")
        page.screenshot(path=str(tmp_path / "inbox.png"), full_page=True)
        check_accessibility(page.context.browser, server.base, body["id"])

    # The department sees the message (its task pane reads its own status).
    status, mine = server.json("GET", "/api/status", SHOKO)
    assert [(d["status"], d["latest"]["message"]) for d in mine["departments"]] == [("差し戻し", reason)]

    # The master of the page = `xl-kpi merge` over the same files (the latest accepted of each).
    same = tmp_path / "同じ提出"
    same.mkdir()
    received = {s["filename"]: s["received_at"] for s in server.json("GET", "/api/submissions", PLANNING)[1]["submissions"]
                if s["state"] == "accepted"}
    for name in ("環境部.xlsx", "子ども家庭部.xlsx"):
        (same / name).write_bytes((seed / name).read_bytes())
        as_received(same / name, received[name])
    by_hand = tmp_path / "手作業の取組状況.xlsx"
    done = cli("merge", str(same), "--plan", str(seed / "計画.xlsx"), "-o", str(by_hand), env={})
    assert done.returncode in (0, 1), done.stderr
    assert downloaded.read_bytes() == by_hand.read_bytes()

    # SIGKILL right after the answers, then a restart: everything acknowledged is there.
    before = states(server)
    listing = server.json("GET", "/api/submissions", PLANNING)[1]["submissions"]
    server.kill()
    server.start()
    assert states(server) == before
    assert server.json("GET", "/api/submissions", PLANNING)[1]["submissions"] == listing
    status, again, _ = server.call("POST", "/api/inbox/merge", PLANNING)
    assert status == 200 and again == downloaded.read_bytes()

    # The CLI reads the same inbox: list, and export → merge gives the same master again.
    env = {"XL_KPI_DATABASE_URL": database_url, "XL_KPI_PLAN": str(seed / "計画.xlsx")}
    listed = cli("inbox", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    lines = {line.split("\t")[0]: line.split("\t")[1] for line in listed.stdout.splitlines() if "\t" in line
             and not line.startswith("\t")}
    assert [lines[d] for d in ("子ども家庭部", "環境部", "商工労働部", "企画管理部")] == ["提出済", "一部", "差し戻し", "未提出"]
    assert f"差し戻しの理由: {reason}" in listed.stdout
    exported = cli("inbox", "export", "--out-dir", str(tmp_path / "書き出し"), env=env)
    assert exported.returncode == 0, exported.stderr
    assert sorted(p.name for p in (tmp_path / "書き出し").iterdir()) == ["子ども家庭部.xlsx", "環境部.xlsx"]
    from_cli = tmp_path / "CLIの取組状況.xlsx"
    done = cli("merge", str(tmp_path / "書き出し"), "--plan", str(seed / "計画.xlsx"), "-o", str(from_cli), env={})
    assert done.returncode in (0, 1), done.stderr
    assert from_cli.read_bytes() == downloaded.read_bytes()


def test_an_acknowledged_submission_survives_sigkill_and_a_cut_off_upload_leaves_nothing(server, seed, database_url):
    data = (seed / "環境部.xlsx").read_bytes()
    body, content_type = multipart("file", "環境部.xlsx", data)
    # Cut off: the headers promise the whole body, half of it arrives, the connection closes.
    host, port = server.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall((f"POST /api/submissions HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {KANKYO}\r\n"
                   f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n").encode())
        s.sendall(body[: len(body) // 2])
    time.sleep(1.0)
    assert server.json("GET", "/api/submissions", PLANNING)[1]["submissions"] == []
    status, stored = server.submit(KANKYO, seed / "環境部.xlsx")
    assert status == 201
    server.kill()  # at once after the 201
    server.start()
    said = server.base.log.read_text(encoding="utf-8", errors="replace")
    assert "提出箱のデータベース: " + ("SQLite" if database_url.startswith("sqlite") else "PostgreSQL 127.0.0.1") in said
    status, found = server.json("GET", f"/api/submissions/{stored['id']}", PLANNING)
    assert status == 200 and found["sha256"] == stored["sha256"]
    [only] = server.json("GET", "/api/submissions", PLANNING)[1]["submissions"]
    assert only["id"] == stored["id"]
    status, master, _ = server.call("POST", "/api/inbox/merge", PLANNING)
    assert status == 200 and master[:2] == b"PK"


def test_submissions_at_the_same_moment_are_all_kept(server, seed):
    """Departments submitting at once (the last afternoon before the deadline): every 201 is a row."""
    from concurrent.futures import ThreadPoolExecutor
    jobs = [(KANKYO, seed / "環境部.xlsx"), (SHOKO, seed / "商工労働部.xlsx")] * 3
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda job: server.submit(*job), jobs))
    assert [status for status, _ in answers] == [201] * 6
    ids = sorted(body["id"] for _, body in answers)
    assert len(set(ids)) == 6
    listed = server.json("GET", "/api/submissions", PLANNING)[1]["submissions"]
    assert sorted(s["id"] for s in listed) == ids
