"""The nginx configuration of docs/deployment.md, run in front of a live `xl-kpi serve` on loopback (issue 25).

The configuration is taken from docs/deployment.md as written; for the test only the TLS lines become a
plain loopback `listen`, the upstream port is the test server's and the two timeouts shrink to
2 s. Behaviour relied on, as nginx documents it (nginx.org/en/docs/http/ngx_http_core_module.html):
`client_header_timeout` — "If a client does not transmit the entire header within this time, the
request is terminated with the 408 (Request Time-out) error"; `client_body_timeout` — set "only for
a period between two successive read operations"; `add_header … always` adds the header "regardless
of the response code" (ngx_http_headers_module); `proxy_hide_header` drops a header of the upstream
response (ngx_http_proxy_module)."""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.server.conftest import free_port, start_server
from tests.server.test_service import TESTED_OPTIONS, connect, read_until_closed
from xl_kpi.server import security

README = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"  # the deployment guide the README links
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (scripts/test.sh installs nginx-light)")


def readme_nginx() -> str:
    text = README.read_text(encoding="utf-8")
    return re.search(r"```nginx\n(.*?)```", text, re.S).group(1)


def test_the_readme_sets_the_same_security_headers_as_the_server():
    conf = readme_nginx()
    headers = dict(re.findall(r'add_header (\S+) "([^"]*)" always;', conf))
    assert headers == security.security_headers(https=True)
    assert set(re.findall(r"proxy_hide_header (\S+);", conf)) == set(headers)  # each header once


def start_nginx(base: str, prefix: Path) -> tuple[subprocess.Popen, str]:
    """nginx running the README's configuration in front of ``base``, on a free loopback port, and
    its own URL. A port another process takes between :func:`free_port` and nginx's bind (the
    tests run side by side in pytest-xdist workers) is given up for another: nginx exits saying
    so. Ready once nginx has written its pid file (after it bound its port) and accepts a connection."""
    for d in ("logs", "tmp"):
        (prefix / d).mkdir(parents=True, exist_ok=True)
    pid = prefix / "nginx.pid"
    for _ in range(5):
        port = free_port()
        conf = readme_nginx()
        conf = re.sub(r"listen 443 ssl;", f"listen 127.0.0.1:{port};", conf)
        conf = re.sub(r"\s*ssl_certificate\S* [^;]+;", "", conf)
        conf = conf.replace("http://127.0.0.1:8000", base)
        conf = re.sub(r"client_header_timeout \d+s;", "client_header_timeout 2s;", conf)
        conf = re.sub(r"client_body_timeout \d+s;", "client_body_timeout 2s;", conf)
        (prefix / "nginx.conf").write_text(
            f"error_log {prefix}/logs/error.log warn;\npid {pid};\nevents {{ worker_connections 64; }}\n"
            f"http {{\n access_log off;\n client_body_temp_path {prefix}/tmp/body;\n proxy_temp_path {prefix}/tmp/proxy;\n"
            f"{conf}\n}}\n", encoding="utf-8")
        nginx = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                                  "-g", "daemon off; master_process off;"], stderr=subprocess.PIPE)
        front = f"http://127.0.0.1:{port}"
        for _ in range(100):
            if nginx.poll() is not None:
                break
            if pid.exists():
                try:
                    connect(front).close()
                    return nginx, front
                except OSError:
                    pass
            time.sleep(0.1)
        else:
            nginx.terminate()
            nginx.wait(timeout=10)
            raise AssertionError("nginx did not start")
        error = nginx.stderr.read().decode()
        if "Address already in use" not in error:
            raise AssertionError(error)
    raise AssertionError("no free port for nginx after 5 tries")


@pytest.fixture
def proxied(tokens_file, tmp_path):
    """(nginx's base URL, the server's) — nginx running the README's configuration."""
    proc, log, base = start_server(tokens_file, tmp_path, args=TESTED_OPTIONS + ("--trusted-proxy", "127.0.0.1"))
    try:
        nginx, front = start_nginx(base, tmp_path / "nginx")
        try:
            yield front, base
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_through_the_readmes_nginx_each_header_once_and_nginxs_own_errors_carry_them(proxied):
    front, _ = proxied
    host, port = front.removeprefix("http://").split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    c.request("GET", "/health")
    r = c.getresponse()
    assert r.status == 200 and r.read()
    assert len(r.headers.get_all("Content-Security-Policy")) == 1
    assert len(r.headers.get_all("X-Content-Type-Options")) == 1
    c.close()
    c = http.client.HTTPConnection(host, int(port), timeout=10)  # over client_max_body_size: nginx's own 413
    c.putrequest("POST", "/api/merge")
    c.putheader("Content-Length", str(21 * 1024 * 1024))
    c.endheaders()
    r = c.getresponse()
    assert r.status == 413 and r.headers["Content-Security-Policy"] == security.security_headers(True)[
        "Content-Security-Policy"]
    c.close()


@pytest.mark.timing
def test_the_readmes_nginx_cuts_off_a_slow_client(proxied):
    front, _ = proxied
    with connect(front) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: kpi\r\n")
        _data, took = read_until_closed(sock, limit=8)
    assert took < 6  # closed by client_header_timeout (2 s here), not held
    with connect(front) as sock:
        sock.sendall(b"POST /xlwings/custom-functions-call HTTP/1.1\r\nHost: kpi\r\nContent-Length: 1000\r\n\r\n{")
        _data, took = read_until_closed(sock, limit=8)
    assert took < 6  # client_body_timeout
