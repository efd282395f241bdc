"""add failed and move the errored rows to it

Revision ID: c3e6a9b2d587
Revises: b2d5f8a1c476
Create Date: 2024-05-20 17:45:09.100327
"""
import sqlalchemy as sa
from alembic import op

revision = "c3e6a9b2d587"
down_revision = "b2d5f8a1c476"
branch_labels = None
depends_on = None

queue = sa.table("ingestion_queue", sa.column("id"), sa.column("status"), schema="ai")


def upgrade():
    op.execute("ALTER TYPE ai.ingestionstatus ADD VALUE 'failed' AFTER 'processing'")
    op.execute(
        """
        UPDATE ai.ingestion_queue
           SET status = 'failed'
         WHERE error IS NOT NULL
        """
    )
    op.execute("SELECT count(*) FROM ai.ingestion_queue WHERE status = 'failed'::ai.ingestionstatus")
    op.bulk_insert(queue, [{"id": 1000, "status": "failed"}])


def downgrade():
    pass
