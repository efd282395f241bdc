"""status becomes a native enum

Revision ID: 5a6b7c8d9e0f
Revises: 4f5a6b7c8d9e
Create Date: 2024-08-02 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "5a6b7c8d9e0f"
down_revision = "4f5a6b7c8d9e"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SET LOCAL lock_timeout = '2s'")
    op.execute("CREATE TYPE ai.jobstate AS ENUM ('new', 'running', 'done')")
    op.execute("ALTER TABLE ai.jobs ALTER COLUMN state TYPE ai.jobstate USING state::ai.jobstate")
    op.alter_column(
        "ingestion_queue",
        "status",
        type_=postgresql.ENUM("pending", "done", name="ingestionstatus", schema="ai"),
        existing_type=sa.VARCHAR(length=20),
        postgresql_using="status::ai.ingestionstatus",
        schema="ai",
    )
    op.alter_column(
        "jobs", "label", type_=sa.String(length=200), existing_type=sa.String(length=50),
        schema="ai",
    )


def downgrade():
    pass
