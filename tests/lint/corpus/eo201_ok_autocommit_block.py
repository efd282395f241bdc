"""add the processing status outside the transaction

Revision ID: b2d5f8a1c476
Revises: a1c4e7f0b365
Create Date: 2024-05-04 09:00:17.554021
"""
from alembic import context, op

revision = "b2d5f8a1c476"
down_revision = "a1c4e7f0b365"
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.execute(
            "ALTER TYPE ai.ingestionstatus ADD VALUE IF NOT EXISTS 'processing' AFTER 'pending'"
        )
    op.execute("UPDATE ai.ingestion_queue SET status = 'processing' WHERE worker IS NOT NULL")
    with context.get_context().autocommit_block():
        op.execute("ALTER TYPE ai.ingestionstatus ADD VALUE IF NOT EXISTS 'paused' BEFORE 'done'")
    op.execute("UPDATE ai.ingestion_queue SET status = 'paused' WHERE held")


def downgrade():
    pass
