"""The inbox database: where it is, its schema (Alembic migrations), and the queries.

SQLite by default — ``inbox.sqlite3`` in ``XL_KPI_DATA_DIR`` (default ``./xl-kpi-data``) — or
PostgreSQL when ``XL_KPI_DATABASE_URL=postgresql://…`` is set. A submission is stored in one
transaction, committed before anyone is told it arrived: SQLite with ``synchronous=FULL`` syncs
its journal and the database file at every commit, PostgreSQL flushes its WAL at commit
(``synchronous_commit`` on, its default).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, func, insert, inspect, select, update

from ..core.errors import InputError
from .models import submissions

JST = timezone(timedelta(hours=9), "JST")
DEFAULT_DATA_DIR = "xl-kpi-data"
SQLITE_FILE = "inbox.sqlite3"
MIGRATIONS = Path(__file__).parent / "migrations"

ACCEPTED, PENDING, REOPENED = "accepted", "pending", "reopened"
STATE_LABELS = {ACCEPTED: "受理", PENDING: "確認待ち", REOPENED: "差し戻し"}


def now_jst() -> str:
    """The time now in Japan, ISO 8601 with its offset (2026-04-30T17:05:12+09:00)."""
    return datetime.now(JST).isoformat(timespec="seconds")


def database_url(env: Mapping[str, str] | None = None) -> str:
    """``XL_KPI_DATABASE_URL`` (``postgresql://`` is spoken with psycopg 3), else the SQLite file
    under ``XL_KPI_DATA_DIR`` (the folder is made)."""
    env = os.environ if env is None else env
    url = env.get("XL_KPI_DATABASE_URL", "").strip()
    if url:
        if url.startswith(("postgresql://", "postgres://")):
            return "postgresql+psycopg://" + url.split("://", 1)[1]
        if url.startswith(("postgresql+psycopg://", "sqlite:///")):
            return url
        raise InputError("XL_KPI_DATABASE_URL は postgresql://（ユーザー:パスワード@ホスト/データベース）で指定してください。"
                         "省くと XL_KPI_DATA_DIR のフォルダーに SQLite のファイルを作ります。")
    folder = Path(env.get("XL_KPI_DATA_DIR", "") or DEFAULT_DATA_DIR).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / SQLITE_FILE}"


def describe_url(url: str) -> str:
    """The database for a start-up message, without a password."""
    if url.startswith("sqlite:///"):
        return f"SQLite {url.removeprefix('sqlite:///')}"
    rest = url.split("://", 1)[1]
    host = rest.rsplit("@", 1)[-1]
    return f"PostgreSQL {host}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):  # every connection: durable commits, waits for the lock
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(connection=None):
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Create or bring the schema up to ``revision`` with the project's Alembic migrations."""
    from alembic import command
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def has_schema(engine: Engine) -> bool:
    return inspect(engine).has_table("submissions")


@dataclass
class Stored:
    """One submission as the inbox keeps it (the file's bytes only when asked for)."""

    id: int
    department: str
    token_id: str
    filename: str
    sha256: str
    size: int
    received_at: str
    counts: dict[str, int]
    coverage: str
    missing: list[str]
    state: str
    message: str = ""
    decided_by: str = ""
    decided_at: str = ""
    findings: list[dict] = field(default_factory=list)
    content: bytes | None = None

    def to_dict(self, findings: bool = False) -> dict:
        out = {"id": self.id, "department": self.department, "filename": self.filename, "sha256": self.sha256,
               "size": self.size, "received_at": self.received_at, "counts": self.counts,
               "coverage": self.coverage, "missing": self.missing, "state": self.state,
               "state_label": STATE_LABELS.get(self.state, self.state), "message": self.message,
               "decided_at": self.decided_at}
        if findings:
            out["findings"] = self.findings
        return out


_SUMMARY = [c for c in submissions.c if c.name != "content"]


def _stored(row, with_findings: bool = False, content: bytes | None = None) -> Stored:
    m = row._mapping
    return Stored(m["id"], m["department"], m["token_id"], m["filename"], m["sha256"], m["size"],
                  m["received_at"], {"error": m["errors"], "warning": m["warnings"], "info": m["infos"]},
                  m["coverage"], json.loads(m["missing"]), m["state"], m["message"], m["decided_by"],
                  m["decided_at"], json.loads(m["findings"]) if with_findings else [], content)


class Inbox:
    """The queries of the inbox over one engine (thread-safe: one connection a call)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, url: str | None = None, migrate_schema: bool = True) -> Inbox:
        engine = make_engine(url or database_url())
        if migrate_schema:
            migrate(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def add(self, *, department: str, token_id: str, filename: str, content: bytes, sha256: str,
            counts: Mapping[str, int], findings: list[dict], coverage: str, missing: list[str],
            state: str) -> Stored:
        """Store one submission; committed when this returns."""
        received = now_jst()
        values = {"department": department, "token_id": token_id, "filename": filename, "sha256": sha256,
                  "content": content, "size": len(content), "received_at": received,
                  "errors": counts.get("error", 0), "warnings": counts.get("warning", 0),
                  "infos": counts.get("info", 0), "findings": json.dumps(findings, ensure_ascii=False),
                  "coverage": coverage, "missing": json.dumps(missing, ensure_ascii=False), "state": state,
                  "message": "", "decided_by": "", "decided_at": ""}
        with self.engine.begin() as conn:
            new_id = conn.execute(insert(submissions).returning(submissions.c.id), values).scalar_one()
        return self.get(int(new_id)) or Stored(int(new_id), department, token_id, filename, sha256, len(content),
                                                received, dict(counts), coverage, missing, state)

    def get(self, submission_id: int, with_findings: bool = False, with_content: bool = False) -> Stored | None:
        cols = list(submissions.c) if with_content else _SUMMARY
        with self.engine.connect() as conn:
            row = conn.execute(select(*cols).where(submissions.c.id == submission_id)).first()
        if row is None:
            return None
        return _stored(row, with_findings, row._mapping["content"] if with_content else None)

    def listing(self, department: str | None = None) -> list[Stored]:
        """Every submission (or one department's), oldest first."""
        query = select(*_SUMMARY).order_by(submissions.c.id)
        if department is not None:
            query = query.where(submissions.c.department == department)
        with self.engine.connect() as conn:
            return [_stored(r) for r in conn.execute(query)]

    def decide(self, submission_id: int, state: str, by: str, message: str = "") -> Stored | None:
        with self.engine.begin() as conn:
            done = conn.execute(update(submissions).where(submissions.c.id == submission_id).values(
                state=state, message=message, decided_by=by, decided_at=now_jst()))
        return self.get(submission_id) if done.rowcount else None

    def latest(self) -> dict[str, Stored]:
        """Each department's latest submission, whatever its state."""
        out: dict[str, Stored] = {}
        for s in self.listing():
            out[s.department] = s
        return out

    def latest_accepted(self, with_content: bool = True) -> list[Stored]:
        """The latest accepted submission of each department, by department."""
        newest = (select(submissions.c.department, func.max(submissions.c.id).label("id"))
                  .where(submissions.c.state == ACCEPTED).group_by(submissions.c.department).subquery())
        cols = list(submissions.c) if with_content else _SUMMARY
        query = select(*cols).join(newest, submissions.c.id == newest.c.id).order_by(submissions.c.department)
        with self.engine.connect() as conn:
            return [_stored(r, content=r._mapping["content"] if with_content else None) for r in conn.execute(query)]
