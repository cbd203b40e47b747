"""Access that follows the tokens file, and audit lines that say who and from where (issue 25:
a token removed while the server runs, two planning tokens told apart, the client address from a
proxy header only when the proxy is trusted, a token in the path never logged, uvicorn's own 400)."""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import time
import urllib.request

import pytest
from fastapi.testclient import TestClient

from tests.server.conftest import KANKYO, PLANNING, SHOKO, auth, start_server
from xl_kpi.server import security
from xl_kpi.server.app import ServerConfig, create_app

OTHER_PLANNER = "planning-token-second-0123456789"


def write_tokens(path, tokens: list[dict]) -> None:
    """Replace the file as an editor or `mv` does: a new file renamed over the old one."""
    tmp = path.with_suffix(".new")
    tmp.write_text(json.dumps({"tokens": tokens}), encoding="utf-8")
    os.replace(tmp, path)


ALL = [{"token": PLANNING, "role": "planning", "name": "企画課_山田"},
       {"token": SHOKO, "role": "department", "department": "商工労働部"},
       {"token": KANKYO, "role": "department", "department": "環境部"},
       {"token": OTHER_PLANNER, "role": "planning"}]


def store_client(tmp_path, tokens=ALL):
    path = tmp_path / "tokens.json"
    write_tokens(path, tokens)
    config = ServerConfig(tokens=security.TokenStore(path, interval=0.1), base_url="https://kpi.city.example.jp")
    return path, TestClient(create_app(config), raise_server_exceptions=False)


def call(client, token):
    return client.post("/xlwings/custom-functions-call", json={"func_name": "kpi_value", "args": [[["5件"]]]},
                       headers=auth(token))


def until(predicate, seconds: float = 5.0, step: float = 0.1) -> float:
    """Seconds until ``predicate()`` holds (at most ``seconds``; raises AssertionError after)."""
    start = time.monotonic()
    for _ in range(int(seconds / step) + 1):
        if predicate():
            return time.monotonic() - start
        time.sleep(step)
    raise AssertionError(f"not within {seconds} s")


@pytest.mark.timing
def test_a_token_removed_from_the_file_stops_working_within_seconds(tmp_path):
    """Fails before: the tokens were read once at start; a removed token worked until a restart."""
    path, client = store_client(tmp_path)
    assert call(client, KANKYO).status_code == 200
    write_tokens(path, [t for t in ALL if t["token"] != KANKYO])
    took = until(lambda: call(client, KANKYO).status_code == 401)
    assert took < 3
    assert call(client, SHOKO).status_code == 200  # the others go on working
    write_tokens(path, ALL)  # and a token added works without a restart
    until(lambda: call(client, KANKYO).status_code == 200)


def test_a_broken_tokens_file_keeps_the_last_good_set_and_logs_why(tmp_path, caplog):
    path, client = store_client(tmp_path)
    with caplog.at_level(logging.INFO, logger="xl_kpi.server"):
        path.write_text('{"tokens": [{"token": "half-writ', encoding="utf-8")
        time.sleep(0.3)
        for _ in range(3):
            assert call(client, SHOKO).status_code == 200
        path.write_text(json.dumps({"tokens": [{"token": "short", "role": "planning"}]}), encoding="utf-8")
        time.sleep(0.3)
        assert call(client, KANKYO).status_code == 200
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and all("last good set (4 tokens)" in w for w in warnings)
    assert "16文字以上" in warnings[1]
    assert all(t["token"] not in w for t in ALL for w in warnings)


def test_two_planning_tokens_are_told_apart_in_the_audit_never_by_the_token(tmp_path, caplog):
    """Fails before: both wrote `role=planning department=-`, nothing else."""
    _path, client = store_client(tmp_path)
    with caplog.at_level(logging.INFO, logger="xl_kpi.audit"):
        call(client, PLANNING)
        call(client, OTHER_PLANNER)
    lines = [r.getMessage() for r in caplog.records if r.name == "xl_kpi.audit"]
    assert "who=企画課_山田 role=planning" in lines[0]
    assert f"who={security.fingerprint(OTHER_PLANNER)} role=planning" in lines[1]
    assert re.fullmatch(r"fp:[0-9a-f]{12}", security.fingerprint(OTHER_PLANNER))
    assert lines[0] != lines[1]
    assert not any(t["token"] in line for t in ALL for line in lines)


def test_a_token_in_the_url_path_is_never_logged(client, caplog):
    """Fails before: the audit line wrote the path as it came, token and all."""
    random_like = "Zx81kQ2mN7pL4vR9tY3w"  # looks like a token though it is in no file
    with caplog.at_level(logging.INFO, logger="xl_kpi.audit"):
        client.post(f"/xlwings/custom-scripts-call/{PLANNING}", headers=auth(SHOKO))
        client.get(f"/static/{SHOKO}/x.js")
        client.get(f"/{random_like}")
        client.get("/static/icon-32.png")
    lines = [r.getMessage() for r in caplog.records if r.name == "xl_kpi.audit"]
    assert len(lines) == 4
    assert not any(secret in line for secret in (PLANNING, SHOKO, random_like) for line in lines)
    assert "route=/xlwings/custom-scripts-call/[token]" in lines[0] and "route=/static/[token]/x.js" in lines[1]
    assert "route=/static/icon-32.png" in lines[3]  # ordinary paths stay readable


def audit_clients(text: str) -> list[str]:
    return re.findall(r"xl_kpi\.audit .*? client=(\S+) method=GET route=/health", text)


def test_the_client_address_comes_from_a_proxy_header_only_when_the_proxy_is_trusted(tokens_file, tmp_path):
    """Fails before: no client address in the audit line; uvicorn trusted 127.0.0.1 by default."""
    for args, expected in (((), "127.0.0.1"), (("--trusted-proxy", "127.0.0.1"), "203.0.113.9")):
        proc, log, base = start_server(tokens_file, tmp_path, args=args)
        try:
            before = len(audit_clients(base.log.read_text()))  # start_server's own probes, without the header
            request = urllib.request.Request(base + "/health", headers={"X-Forwarded-For": "203.0.113.9"})
            urllib.request.urlopen(request, timeout=5).read()
            until(lambda log_path=base.log, n=before: len(audit_clients(log_path.read_text())) > n, seconds=5)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            log.close()
        clients = audit_clients(base.log.read_text())
        assert clients[-1] == expected, (args, clients)


def raw_exchange(base: str, data: bytes, wait: float = 5.0) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(data)
        chunks = []
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def test_a_request_uvicorn_cannot_parse_gets_japanese_headers_and_an_audit_line(tokens_file, tmp_path):
    """Fails before: uvicorn's own bare English 400, no security headers, no audit line."""
    proc, log, base = start_server(tokens_file, tmp_path)
    try:
        answer = raw_exchange(base, b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header\x00: 1\r\n\r\n")
        until(lambda: "status=400" in base.log.read_text(), seconds=5)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"content-security-policy" in head.lower() and b"x-content-type-options: nosniff" in head.lower()
    assert "形式" in json.loads(body)["detail"]
    assert re.search(r"xl_kpi\.audit .*client=127\.0\.0\.1 .*status=400", base.log.read_text())
