import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from xl_kpi.server import security
from xl_kpi.server.app import ServerConfig, create_app

PLANNING = "planning-token-0123456789abcdef"
SHOKO = "shoko-token-0123456789abcdef"
KANKYO = "kankyo-token-0123456789abcdef"


@pytest.fixture
def tokens_file(tmp_path):
    p = tmp_path / "tokens.json"
    p.write_text(json.dumps({"tokens": [
        {"token": PLANNING, "role": "planning"},
        {"token": SHOKO, "role": "department", "department": "商工労働部"},
        {"token": KANKYO, "role": "department", "department": "環境部"},
    ]}), encoding="utf-8")
    return p


@pytest.fixture
def config(tokens_file):
    return ServerConfig(tokens=security.load_tokens(tokens_file), base_url="https://kpi.city.example.jp",
                        max_body=2 * 1024 * 1024, max_book=1024 * 1024)


@pytest.fixture
def client(config):
    return TestClient(create_app(config), raise_server_exceptions=False)


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer(str):
    """The base URL of a real ``xl-kpi serve`` process; ``.log`` is the path of its stderr."""
    log: Path


def start_server(tokens_file, tmp_path, extra_env: dict | None = None, args: tuple[str, ...] = ()):
    """``xl-kpi serve`` on a free loopback port, once it answers /health. A port that another
    process takes between :func:`free_port` and the server's bind (the tests run side by side in
    pytest-xdist workers) is given up for another: the server exits saying the port is in use.
    Ready means its own log says it is listening, so a /health answered by another process's
    server on that port is not taken for its own."""
    for _ in range(5):
        started = _start_server_on_a_free_port(tokens_file, tmp_path, extra_env, args)
        if started is not None:
            return started
    raise AssertionError("no free port for xl-kpi serve after 5 tries")


def _start_server_on_a_free_port(tokens_file, tmp_path, extra_env, args):
    port = free_port()
    env = {**os.environ, "XL_KPI_TOKENS_FILE": str(tokens_file), "XLWINGS_LICENSE_KEY": "noncommercial",
           "XL_KPI_BASE_URL": "https://kpi.city.example.jp", **(extra_env or {})}
    log_path = tmp_path / f"server-{port}.log"
    log = open(log_path, "w")  # noqa: SIM115 - open while the server runs
    proc = subprocess.Popen([sys.executable, "-m", "xl_kpi.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    base = LiveServer(f"http://127.0.0.1:{port}")
    base.log = log_path
    for _ in range(300):
        if proc.poll() is not None:
            log.close()
            text = log_path.read_text()
            if f"ポート {port}" in text or "address already in use" in text.lower():
                return None  # taken by another process since free_port()
            raise AssertionError(text)
        try:
            with urllib.request.urlopen(base + "/health", timeout=1) as r:
                if r.status == 200 and f"Uvicorn running on {base}" in log_path.read_text():
                    break
        except OSError:
            pass
        time.sleep(0.1)
    else:
        proc.terminate()
        raise AssertionError(log_path.read_text())
    return proc, log, base


@contextmanager
def running_server(tokens_file, tmp_path, args: tuple[str, ...] = ()):
    """A live server (:func:`start_server`) for the ``with`` block; its address is given."""
    proc, log, base = start_server(tokens_file, tmp_path, args=args)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture
def live_server(tokens_file, tmp_path):
    with running_server(tokens_file, tmp_path) as base:
        yield base
