"""statuses for jobs

Revision ID: 3c4d5e6f7a8c
Revises:
Create Date: 2024-12-01 10:00:00.000000
"""
from alembic_enum_ops import op

revision = "3c4d5e6f7a8c"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.enum_create("ingestionstatus", ["pending", "done"], schema="ai")
    op.execute("CREATE TYPE jobstate AS ENUM ('new', 'done')")
    op.execute(
        "UPDATE ai.ingestion_queue SET status = 'done'::ingestionstatus WHERE finished_at IS NOT NULL"
    )
    op.execute(
        "INSERT INTO ai.ingestion_queue (status) SELECT CAST(:status AS ingestionstatus)"
    )
    op.execute("CREATE TABLE ai.jobs (id int PRIMARY KEY, state jobstate NOT NULL)")


def downgrade():
    pass
