"""status back to text; ids for the queue

Revision ID: 6b7c8d9e0f1a
Revises: 5a6b7c8d9e0f
Create Date: 2024-09-01 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = "6b7c8d9e0f1a"
down_revision = "5a6b7c8d9e0f"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE ai.jobs ALTER COLUMN state TYPE text")
    op.execute("ALTER TABLE ai.jobs ADD COLUMN public_id uuid DEFAULT gen_random_uuid()")
    op.add_column(
        "ingestion_queue",
        sa.Column("token", sa.Uuid(), server_default=sa.text("gen_random_uuid()")),
        schema="ai",
    )


def downgrade():
    pass
