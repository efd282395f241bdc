"""add failed and move the errored rows to it

Revision ID: d4f7b0c3e698
Revises: c3e6a9b2d587
Create Date: 2024-05-21 17:45:09.100327
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic_enum_ops import op

revision: str = "d4f7b0c3e698"
down_revision: str | Sequence[str] | None = "c3e6a9b2d587"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.enum_add_value("ingestionstatus", "failed", schema="ai", after="processing")
    op.execute("UPDATE ai.ingestion_queue SET status = 'failed' WHERE error IS NOT NULL")
    op.execute(sa.text("INSERT INTO ai.audit (note) VALUES ('failed')"))


def downgrade() -> None:
    op.enum_remove_value("ingestionstatus", "failed", schema="ai", replace_with="pending")
