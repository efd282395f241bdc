"""fix the status labels (v2 -> migrate -> drop -> rename)

Revision ID: 1c2d3e4f5a6b
Revises: f6b9d2e5a8ba
Create Date: 2024-07-01 10:00:00.000000
"""
from alembic import op

revision = "1c2d3e4f5a6b"
down_revision = "f6b9d2e5a8ba"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SET LOCAL lock_timeout = '3s'")
    op.execute(
        "CREATE TYPE ai.ingestionstatus_v2 AS ENUM "
        "('pending', 'processing', 'succeeded', 'failed')"
    )
    op.execute(
        """
        ALTER TABLE ai.ingestion_queue
          ALTER COLUMN status TYPE ai.ingestionstatus_v2
          USING status::text::ai.ingestionstatus_v2
        """
    )
    op.execute("DROP TYPE ai.ingestionstatus")
    op.execute("ALTER TYPE ai.ingestionstatus_v2 RENAME TO ingestionstatus")


def downgrade():
    pass
