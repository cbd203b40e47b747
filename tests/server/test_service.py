"""Slow and many clients, the manifest's AppDomains, and `serve` itself (issue 25): header and body
read timeouts and a connection limit, set by `xl-kpi serve`'s options; Microsoft's AppDomain rules;
a busy port and missing settings answered in Japanese. Loopback only, every wait bounded."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.server.conftest import PLANNING, free_port, running_server
from xl_kpi.cli import main

README = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"  # the deployment guide the README links
TESTED_OPTIONS = ("--header-timeout", "2", "--body-timeout", "2", "--max-connections", "24")


def connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def read_until_closed(sock: socket.socket, limit: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection (at most ``limit`` seconds)."""
    start = time.monotonic()
    sock.settimeout(0.5)
    data = b""
    for _ in range(int(limit / 0.5) + 1):
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            if time.monotonic() - start > limit:
                break
            continue
        if not chunk:
            break
        data += chunk
    return data, time.monotonic() - start


@pytest.fixture
def guarded_server(tokens_file, tmp_path):
    with running_server(tokens_file, tmp_path, args=TESTED_OPTIONS) as base:
        yield base


@pytest.mark.timing
def test_a_client_trickling_its_headers_is_cut_off(guarded_server):
    """Fails before: a connection sending a header line now and then was held open for as long as it liked."""
    with connect(guarded_server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: kpi\r\n")
        for _ in range(3):  # a header every 0.9 s: each within any per-read timeout, never complete
            time.sleep(0.9)
            try:
                sock.sendall(b"X-Slow: 1\r\n")
            except OSError:
                break
        answer, took = read_until_closed(sock, limit=8)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert took < 8
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-security-policy" in head.lower() and "ヘッダー" in json.loads(body)["detail"]


@pytest.mark.timing
def test_a_client_trickling_its_body_is_cut_off(guarded_server):
    with connect(guarded_server) as sock:
        sock.sendall(b"POST /xlwings/custom-functions-call HTTP/1.1\r\nHost: kpi\r\nAuthorization: Bearer " +
                     PLANNING.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"func")
        start = time.monotonic()
        answer, _took = read_until_closed(sock, limit=10)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert time.monotonic() - start < 8
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-security-policy" in head.lower() and "本文" in json.loads(body)["detail"]


@pytest.mark.timing
def test_twenty_slow_clients_hold_nothing_and_connections_over_the_limit_are_refused(guarded_server):
    """Fails before: 20 clients trickling headers for 30 s were all held open, with no limit."""
    slow = [connect(guarded_server) for _ in range(20)]
    idle = [*slow, *(connect(guarded_server) for _ in range(4))]  # 24 open: --max-connections 24
    try:
        for s in slow:
            s.sendall(b"GET /health HTTP/1.1\r\n")
        time.sleep(0.3)
        with connect(guarded_server) as extra:  # one more is refused at once
            answer, _ = read_until_closed(extra, limit=5)
        assert answer.startswith(b"HTTP/1.1 503"), answer[:200]
        assert "同時接続" in json.loads(answer.partition(b"\r\n\r\n")[2])["detail"]
        started = time.monotonic()
        cut = 0
        for s in idle:  # all cut off by the header timeout (2 s), not held for 30 s
            data, _took = read_until_closed(s, limit=6)
            cut += data.startswith(b"HTTP/1.1 408")
        assert cut == len(idle) and time.monotonic() - started < 6
    finally:
        for s in idle:
            s.close()
    with connect(guarded_server) as sock:  # and the server answers again
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: kpi\r\nConnection: close\r\n\r\n")
        answer, _ = read_until_closed(sock, limit=5)
    assert answer.startswith(b"HTTP/1.1 200")


def test_the_readme_shows_the_tested_server_options_and_proxy_limits():
    """The deployment section documents the options these tests run with and the proxy's own limits."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Deploying the Office.js add-in"):text.index("### What was checked against")]
    for option in ("--header-timeout", "--body-timeout", "--max-connections", "--trusted-proxy", "--keep-alive-timeout"):
        assert option in section, option
    for directive in ("client_header_timeout", "client_body_timeout", "limit_conn", "keepalive_timeout",
                      "client_max_body_size", "X-Forwarded-For", "add_header Content-Security-Policy",
                      "add_header X-Content-Type-Options", "add_header Strict-Transport-Security"):
        assert directive in section, directive
    command = re.search(r"xl-kpi serve(?:[^`\n\\]|\\\n)*", section).group(0)  # with its continued lines
    assert all(option in command for option in ("--header-timeout", "--body-timeout", "--max-connections",
                                                  "--trusted-proxy 127.0.0.1"))


# --- the manifest ---------------------------------------------------------------------------------

def app_domains(xml: str) -> list[str]:
    ns = {"o": "http://schemas.microsoft.com/office/appforoffice/1.1"}
    return [e.text or "" for e in ET.fromstring(xml.encode()).iterfind("o:AppDomains/o:AppDomain", ns)]


def test_the_manifest_lists_no_app_domain_of_its_own(tmp_path, capsys):
    """Fails before: `<AppDomain>` held the add-in's own origin and path, which Microsoft's AppDomain
    page (learn.microsoft.com/javascript/api/manifest/appdomain) says not to list — "has no effect
    and may be misleading" — and never with a path or a trailing slash."""
    out = tmp_path / "manifest.xml"
    assert main(["manifest", "--base-url", "https://www.city.example.jp/kpi", "-o", str(out)]) == 0
    xml = out.read_text(encoding="utf-8")
    assert app_domains(xml) == [] and "<AppDomains" not in xml  # the element may not be empty: left out
    assert "https://www.city.example.jp/kpi/static/taskpane.html" in xml
    assert main(["manifest", "--base-url", "https://www.city.example.jp/kpi", "-o", str(out),
                 "--app-domain", "https://Login.City.Example.jp", "--app-domain", "https://sso.example.jp:8443"]) == 0
    assert app_domains(out.read_text(encoding="utf-8")) == ["https://login.city.example.jp", "https://sso.example.jp:8443"]


@pytest.mark.parametrize("domain", ["https://login.city.example.jp/", "https://login.city.example.jp/path",
                                    "https://*.city.example.jp", "login.city.example.jp", "ftp://login.city.example.jp",
                                    "https://www.city.example.jp"])
def test_an_app_domain_against_microsofts_rules_is_refused_in_japanese(domain, tmp_path, capsys):
    """Each rule of the AppDomain page: a protocol, http or https; nothing after the domain; no
    trailing slash; no wildcard; and not the add-in's own domain."""
    assert main(["manifest", "--base-url", "https://www.city.example.jp/kpi", "-o", str(tmp_path / "m.xml"),
                 "--app-domain", domain]) == 2
    assert "AppDomain" in capsys.readouterr().err


# --- serve ------------------------------------------------------------------------------------------

def test_serve_on_a_busy_port_exits_2_in_japanese(tokens_file):
    """Fails before: exit 3 with uvicorn's English `[Errno 98] address already in use`."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "XL_KPI_TOKENS_FILE": str(tokens_file), "XLWINGS_LICENSE_KEY": "noncommercial",
               "XL_KPI_BASE_URL": "https://kpi.city.example.jp"}
        proc = subprocess.run([sys.executable, "-m", "xl_kpi.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr[-500:]
    assert f"ポート {port}" in proc.stderr and "Errno" not in proc.stderr and "Traceback" not in proc.stderr


def test_serve_names_every_missing_setting_at_once(monkeypatch, capsys):
    """Fails before: only the first missing setting was named; the second came after fixing it."""
    monkeypatch.delenv("XL_KPI_TOKENS_FILE", raising=False)
    monkeypatch.delenv("XLWINGS_LICENSE_KEY", raising=False)
    assert main(["serve", "--port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert "XL_KPI_TOKENS_FILE" in err and "XLWINGS_LICENSE_KEY" in err


def test_the_server_configuration_names_every_missing_setting_at_once():
    from xl_kpi.core.errors import XlKpiError
    from xl_kpi.server.app import ServerConfig
    with pytest.raises(XlKpiError) as info:
        ServerConfig.from_env({})
    assert "XL_KPI_TOKENS_FILE" in str(info.value) and "XLWINGS_LICENSE_KEY" in str(info.value)
