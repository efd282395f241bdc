"""status becomes a native enum

Revision ID: 4f5a6b7c8d9e
Revises: 3e4f5a6b7c8d
Create Date: 2024-08-01 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "4f5a6b7c8d9e"
down_revision = "3e4f5a6b7c8d"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SET lock_timeout = '2s'")
    op.execute("CREATE TYPE ai.jobstate AS ENUM ('new', 'running', 'done')")
    op.execute("ALTER TABLE ai.jobs ALTER COLUMN state TYPE ai.jobstate")
    op.alter_column(
        "ingestion_queue",
        "status",
        type_=postgresql.ENUM("pending", "done", name="ingestionstatus", schema="ai"),
        existing_type=sa.VARCHAR(length=20),
        schema="ai",
    )
    op.alter_column(
        "jobs", "priority", type_=sa.Integer(), existing_type=sa.Enum(name="jobpriority"),
        schema="ai",
    )


def downgrade():
    pass
