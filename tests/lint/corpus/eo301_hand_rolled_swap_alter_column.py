"""remove the paused status

Revision ID: 2d3e4f5a6b7c
Revises: 1c2d3e4f5a6b
Create Date: 2024-07-08 10:00:00.000000
"""
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "2d3e4f5a6b7c"
down_revision = "1c2d3e4f5a6b"
branch_labels = None
depends_on = None

new_status = postgresql.ENUM(
    "pending", "processing", "done", name="ingestionstatus", schema="ai", create_type=False
)


def upgrade():
    op.execute("SET LOCAL lock_timeout = '3s'")
    op.execute("ALTER TYPE ai.ingestionstatus RENAME TO ingestionstatus_old")
    op.execute("CREATE TYPE ai.ingestionstatus AS ENUM ('pending', 'processing', 'done')")
    op.alter_column(
        "ingestion_queue",
        "status",
        type_=new_status,
        existing_type=postgresql.ENUM(name="ingestionstatus_old", schema="ai"),
        postgresql_using="status::text::ai.ingestionstatus",
        schema="ai",
    )
    op.execute("DROP TYPE ai.ingestionstatus_old")


def downgrade():
    pass
