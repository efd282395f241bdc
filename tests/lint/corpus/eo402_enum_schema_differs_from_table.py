"""ingestion queue in the ai schema

Revision ID: 1a2b3c4d5e6a
Revises:
Create Date: 2024-11-01 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "1a2b3c4d5e6a"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ingestion_queue",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("status", sa.Enum("pending", "done", name="ingestionstatus"), nullable=False),
        schema="ai",
    )
    op.add_column(
        "jobs",
        sa.Column("state", postgresql.ENUM(name="jobstate", create_type=False)),
        schema="ai",
    )


def downgrade():
    op.drop_column("jobs", "state", schema="ai")
    op.drop_table("ingestion_queue", schema="ai")
