"""The submissions table: each submission's file, who sent it, when, its findings and its state.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("token_id", sa.String(200), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("received_at", sa.String(40), nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("infos", sa.Integer, nullable=False),
        sa.Column("findings", sa.Text, nullable=False),
        sa.Column("coverage", sa.String(20), nullable=False),
        sa.Column("missing", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
    )
    op.create_index("ix_submissions_department", "submissions", ["department"])


def downgrade() -> None:
    op.drop_index("ix_submissions_department", "submissions")
    op.drop_table("submissions")
