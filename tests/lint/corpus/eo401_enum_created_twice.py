"""ingestion queue

Revision ID: 9e0f1a2b3c4d
Revises:
Create Date: 2024-10-01 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "9e0f1a2b3c4d"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE SCHEMA IF NOT EXISTS ai")
    op.execute("CREATE TYPE ai.ingestionstatus AS ENUM ('pending', 'running', 'done')")
    op.create_table(
        "ingestion_queue",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "status",
            sa.Enum("pending", "running", "done", name="ingestionstatus", schema="ai"),
            nullable=False,
        ),
        schema="ai",
    )
    priority = postgresql.ENUM("low", "high", name="priority", schema="ai")
    priority.create(op.get_bind())
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("priority", priority),
        schema="ai",
    )


def downgrade():
    op.drop_table("jobs", schema="ai")
    op.drop_table("ingestion_queue", schema="ai")
    op.execute("DROP TYPE ai.priority")
    op.execute("DROP TYPE ai.ingestionstatus")
