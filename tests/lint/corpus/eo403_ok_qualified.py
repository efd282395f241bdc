"""statuses for jobs

Revision ID: 4d5e6f7a8b9d
Revises:
Create Date: 2024-12-02 10:00:00.000000
"""
from alembic_enum_ops import op

revision = "4d5e6f7a8b9d"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.enum_create("ingestionstatus", ["pending", "done"], schema="ai")
    op.execute(
        "UPDATE ai.ingestion_queue SET status = 'done'::ai.ingestionstatus, note = 'x'::text"
    )
    op.execute("INSERT INTO ai.log (status) SELECT CAST(:status AS ai.ingestionstatus)")


def downgrade():
    pass
