"""The planning division's decisions: the 差し戻し message, who decided and when.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("message", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("decided_by", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("decided_at", sa.String(40), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("decided_at")
        batch.drop_column("decided_by")
        batch.drop_column("message")
