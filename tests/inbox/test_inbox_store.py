"""The inbox database on SQLite and on a real PostgreSQL: the schema made and migrated by the
project's Alembic migrations, and the queries the server and the CLI use."""

from __future__ import annotations

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import column, insert, inspect, select, table

from xl_kpi.inbox.models import metadata, submissions
from xl_kpi.inbox.store import (
    ACCEPTED,
    PENDING,
    REOPENED,
    Inbox,
    current_revision,
    database_url,
    describe_url,
    make_engine,
    migrate,
)


def add(inbox: Inbox, department: str, content: bytes = b"PK...", state: str = ACCEPTED, **kw):
    values = {"token_id": "sha256:0123456789ab", "filename": f"{department}.xlsx", "sha256": "0" * 64,
              "counts": {"error": 0, "warning": 1, "info": 2}, "findings": [{"code": "x", "message": "指摘"}],
              "coverage": "提出済", "missing": []}
    values.update(kw)
    return inbox.add(department=department, content=content, state=state, **values)


def test_migrations_make_the_schema_the_models_describe(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    assert current_revision(engine) == "0002"
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    migrate(engine)  # again: nothing to do
    assert current_revision(engine) == "0002"
    engine.dispose()


def test_upgrade_from_the_first_revision_keeps_the_rows(database_url):
    engine = make_engine(database_url)
    migrate(engine, "0001")
    assert "message" not in {c["name"] for c in inspect(engine).get_columns("submissions")}
    row = {"department": "環境部", "token_id": "t", "filename": "環境部.xlsx", "sha256": "a" * 64,
           "content": b"\x00\x01bytes", "size": 7, "received_at": "2026-05-01T09:00:00+09:00", "errors": 0,
           "warnings": 0, "infos": 0, "findings": "[]", "coverage": "提出済", "missing": "[]", "state": ACCEPTED}
    first_revision = table("submissions", *[column(name) for name in row])  # its columns, not the models'
    with engine.begin() as conn:
        conn.execute(insert(first_revision), row)
    migrate(engine)
    inbox = Inbox(engine)
    [kept] = inbox.listing()
    assert (kept.department, kept.received_at, kept.message, kept.state) == ("環境部", row["received_at"], "", ACCEPTED)
    assert inbox.get(kept.id, with_content=True).content == b"\x00\x01bytes"
    engine.dispose()


def test_add_list_decide_and_latest_accepted(database_url):
    inbox = Inbox.open(database_url)
    first = add(inbox, "環境部", b"one")
    assert first.received_at.endswith("+09:00") and first.state == ACCEPTED
    add(inbox, "子ども家庭部", b"bad", state=PENDING, counts={"error": 2, "warning": 0, "info": 0})
    second = add(inbox, "環境部", b"two")
    shoko = add(inbox, "商工労働部", b"shoko")
    assert [s.id for s in inbox.listing()] == sorted(s.id for s in inbox.listing())
    assert [s.department for s in inbox.listing("環境部")] == ["環境部", "環境部"]
    reopened = inbox.decide(shoko.id, REOPENED, "planning", "KPI 2 の実績値を確認してください。")
    assert (reopened.state, reopened.message, reopened.decided_by) == (REOPENED, "KPI 2 の実績値を確認してください。",
                                                                      "planning")
    assert inbox.decide(99999, ACCEPTED, "planning") is None
    latest = inbox.latest_accepted()
    assert [(s.department, s.id, s.content) for s in latest] == [("環境部", second.id, b"two")]
    assert {d: s.state for d, s in inbox.latest().items()} == {"環境部": ACCEPTED, "子ども家庭部": PENDING,
                                                               "商工労働部": REOPENED}
    detail = inbox.get(first.id, with_findings=True)
    assert detail.findings == [{"code": "x", "message": "指摘"}]
    assert detail.counts == {"error": 0, "warning": 1, "info": 2}
    assert json.loads(json.dumps(detail.to_dict(findings=True)))["state_label"] == "受理"
    inbox.close()


def test_a_new_connection_sees_every_committed_submission(database_url):
    """What ``add`` returned is committed: another engine (another process would be the same) reads it."""
    inbox = Inbox.open(database_url)
    stored = add(inbox, "環境部", bytes(range(256)) * 100)
    other = make_engine(database_url)
    with other.connect() as conn:
        content = conn.execute(select(submissions.c.content).where(submissions.c.id == stored.id)).scalar_one()
    assert content == bytes(range(256)) * 100
    other.dispose()
    inbox.close()


def test_where_the_database_is(tmp_path):
    assert database_url({"XL_KPI_DATA_DIR": str(tmp_path / "data")}) == f"sqlite:///{tmp_path / 'data' / 'inbox.sqlite3'}"
    assert (tmp_path / "data").is_dir()
    url = database_url({"XL_KPI_DATABASE_URL": "postgresql://kpi:secret@db.city.example.jp/kpi"})
    assert url == "postgresql+psycopg://kpi:secret@db.city.example.jp/kpi"
    assert describe_url(url) == "PostgreSQL db.city.example.jp/kpi"  # never the password
    from xl_kpi.core.errors import InputError
    with pytest.raises(InputError, match="postgresql://"):
        database_url({"XL_KPI_DATABASE_URL": "mysql://x"})
