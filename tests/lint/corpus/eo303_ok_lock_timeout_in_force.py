"""status back to text; a note column

Revision ID: 8d9e0f1a2b3c
Revises: 7c8d9e0f1a2b
Create Date: 2024-09-03 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = "8d9e0f1a2b3c"
down_revision = "7c8d9e0f1a2b"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SELECT set_config('lock_timeout', '2s', true)")  # SET LOCAL, as a function
    op.execute("ALTER TABLE ai.jobs ALTER COLUMN state TYPE text")
    op.add_column("jobs", sa.Column("note", sa.Text(), server_default="none"), schema="ai")
    op.execute("ALTER TABLE ai.jobs ADD COLUMN created_at timestamptz DEFAULT now()")
    op.create_table("archive", sa.Column("id", sa.Integer(), primary_key=True), schema="ai")
    op.execute("ALTER TABLE ai.archive ADD COLUMN token uuid DEFAULT gen_random_uuid()")


def downgrade():
    pass
