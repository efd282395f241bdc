"""backfill statuses

Revision ID: 7c9e2d11aa01
Revises: 3b1f0c2a9d10
Create Date: 2024-03-09 08:01:55.402113
"""
import sqlalchemy as sa
from alembic import op

revision = "7c9e2d11aa01"
down_revision = "3b1f0c2a9d10"
branch_labels = None
depends_on = None

SCHEMA = "ai"
NEW_LABELS = ["failed", "cancelled"]

queue = sa.table("ingestion_queue", sa.column("status", sa.String), schema=SCHEMA)


def upgrade():
    for label in NEW_LABELS:
        op.execute(f"ALTER TYPE {SCHEMA}.ingestionstatus ADD VALUE IF NOT EXISTS '{label}'")
    op.execute(queue.update().where(queue.c.status == "error").values(status="failed"))
    statement = "UPDATE ai.ingestion_queue SET status = 'failed' WHERE status = '%s'" % "x"
    op.execute(statement)


def downgrade():
    pass
