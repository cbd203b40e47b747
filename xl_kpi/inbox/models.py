"""The inbox's tables (SQLAlchemy Core). The schema itself is made and changed by the Alembic
migrations in :mod:`xl_kpi.inbox.migrations`, never by ``create_all``: these objects describe it
for queries, and a test checks that the migrated schema and this description agree."""

from __future__ import annotations

from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, Text

metadata = MetaData()

submissions = Table(
    "submissions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("department", String(200), nullable=False, index=True),
    Column("token_id", String(200), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("received_at", String(40), nullable=False),  # ISO 8601 in Japan time (+09:00)
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("infos", Integer, nullable=False),
    Column("findings", Text, nullable=False),  # JSON: the findings as Finding.to_dict() gives them
    Column("coverage", String(20), nullable=False),  # 提出済 / 一部: the plan's KPIs of the department all there?
    Column("missing", Text, nullable=False),  # JSON: the plan's KPIs the file lacks (described)
    Column("state", String(20), nullable=False),  # accepted / pending / reopened
    Column("message", Text, nullable=False, server_default=""),  # the planning division's 差し戻し message
    Column("decided_by", String(200), nullable=False, server_default=""),
    Column("decided_at", String(40), nullable=False, server_default=""),
)
