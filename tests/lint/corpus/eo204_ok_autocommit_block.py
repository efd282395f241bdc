"""add the retrying status

Revision ID: 1f2a3b4c5d6e
Revises:
Create Date: 2025-02-12 10:00:00.000000
"""
from alembic import op

revision = "1f2a3b4c5d6e"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE ai.ingestionstatus ADD VALUE IF NOT EXISTS 'retrying' BEFORE 'failed'")
    op.execute("SAVEPOINT before_backfill")
    op.execute("UPDATE ai.ingestion_queue SET status = 'retrying' WHERE attempts > 0")
    op.execute("RELEASE SAVEPOINT before_backfill")


def downgrade():
    pass
