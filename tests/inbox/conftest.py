"""The inbox's tests run against SQLite and against a real PostgreSQL server (Debian
``postgresql``, 15) that this fixture starts itself: ``initdb`` a throwaway cluster in a temporary
folder, ``pg_ctl start`` on a free loopback port (no Unix socket but in that folder), one new
database per test, ``pg_ctl stop`` at the end. PostgreSQL refuses to run as root, so as root (CI)
the cluster belongs to the ``postgres`` user the Debian package creates and its commands run
through ``runuser``. Skipped only when the PostgreSQL binaries are not installed."""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest

from tests.server.conftest import free_port, start_server
from tests.support.edits import edit, empty_rows  # noqa: F401  (the inbox tests import them from here)

PG_BIN = Path(os.environ.get("XL_KPI_PG_BIN", "/usr/lib/postgresql/15/bin"))
SEED = Path(__file__).resolve().parents[1] / "data" / "seed_kpis.csv"

PLANNING = "inbox-planning-token-0123456789"
KANKYO = "inbox-kankyo-token-0123456789"
KODOMO = "inbox-kodomo-token-0123456789"
SHOKO = "inbox-shoko-token-0123456789"


class PostgresCluster:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="xl-kpi-pg-", dir="/tmp"))
        self.data = self.root / "data"
        self.port = free_port()
        self.user = "xlkpi"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no postgres user to run PostgreSQL as")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._numbers = count(1)

    def run(self, *args: str) -> None:
        done = subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise AssertionError(f"{args[0]} failed: {done.stdout}\n{done.stderr}")

    def start(self) -> None:
        self.run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust",
                 "--encoding=UTF8", "--locale=C", "--no-sync")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=on"
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                 "-w", "-t", "60", "start")

    def stop(self) -> None:
        try:
            self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "-t", "60", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg
        name = f"inbox_{next(self._numbers)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        pytest.skip(f"PostgreSQL is not installed ({PG_BIN}/initdb; Debian package postgresql)")
    pytest.importorskip("psycopg")
    cluster = PostgresCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """A new, empty inbox database: a SQLite file, or a database on the test PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'inbox.sqlite3'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture(scope="session")
def _seed_once(tmp_path_factory) -> Path:
    from xl_kpi.cli import main
    d = tmp_path_factory.mktemp("inbox-seed") / "配布"
    assert main(["import-csv", str(SEED), "--out-dir", str(d), "--year", "令和2"]) == 0
    return d


@pytest.fixture
def seed(_seed_once, tmp_path) -> Path:
    """The departments' workbooks and 計画.xlsx that ``import-csv`` makes from the seed plan."""
    d = tmp_path / "配布"
    shutil.copytree(_seed_once, d)
    return d


@pytest.fixture
def inbox_tokens(tmp_path) -> Path:
    p = tmp_path / "tokens.json"
    p.write_text(json.dumps({"tokens": [
        {"token": PLANNING, "role": "planning"},
        {"token": KANKYO, "role": "department", "department": "環境部"},
        {"token": KODOMO, "role": "department", "department": "子ども家庭部"},
        {"token": SHOKO, "role": "department", "department": "商工労働部"},
    ]}), encoding="utf-8")
    return p


def wait_for(check, timeout: float = 10.0, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(step)


def fix_rate(ws) -> None:
    """子ども家庭部's seed workbook states 1% as the 達成率 of KPI 3 (J10): the check's error. Fixed
    by emptying the cell (the rate is computed)."""
    ws["J10"] = None


def partly(ws) -> None:
    """環境部's second KPI (施策4-09, row 10) deleted: the submission covers only part of the plan."""
    empty_rows(ws, [10])


def children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


class Server:
    """``xl-kpi serve`` with the inbox on ``database_url``; restartable, killable."""

    def __init__(self, tokens: Path, tmp_path: Path, env: dict[str, str]):
        self.tokens, self.tmp_path, self.env = tokens, tmp_path, {"XL_KPI_WORKERS": "1", **env}
        self.proc = None
        self.start()

    def start(self) -> None:
        self.proc, self.log, self.base = start_server(self.tokens, self.tmp_path, self.env)

    def kill(self) -> None:
        """SIGKILL: no shutdown at all (its worker processes, orphaned, are ended too)."""
        workers = children(self.proc.pid) if Path("/proc").exists() else set()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=20)
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.log.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.log.close()

    def call(self, method: str, path: str, token: str, body: bytes | None = None,
             content_type: str | None = None) -> tuple[int, bytes, dict]:
        headers = {"Authorization": f"Bearer {token}"}
        if content_type:
            headers["Content-Type"] = content_type
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as err:
            return err.code, err.read(), dict(err.headers)

    def json(self, method: str, path: str, token: str, body: bytes | None = None, content_type: str | None = None):
        status, data, _ = self.call(method, path, token, body, content_type)
        return status, json.loads(data)

    def submit(self, token: str, path: Path):
        body, content_type = multipart("file", path.name, path.read_bytes())
        return self.json("POST", "/api/submissions", token, body, content_type)


def multipart(field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def server(inbox_tokens, tmp_path, database_url, seed):
    s = Server(inbox_tokens, tmp_path, {"XL_KPI_DATABASE_URL": database_url,
                                        "XL_KPI_PLAN": str(seed / "計画.xlsx")})
    try:
        yield s
    finally:
        s.stop()


def as_received(path: Path, received_at: str) -> Path:
    """A copy of a submitted file given the time the inbox received it as its modification time, as
    ``xl-kpi inbox export`` writes it: the merge's time of a workbook without 提出日時."""
    from datetime import datetime
    t = datetime.fromisoformat(received_at).timestamp()
    os.utime(path, (t, t))
    return path
