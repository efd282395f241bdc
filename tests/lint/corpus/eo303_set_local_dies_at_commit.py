"""status back to text

Revision ID: 7c8d9e0f1a2b
Revises: 6b7c8d9e0f1a
Create Date: 2024-09-02 10:00:00.000000
"""
from alembic import op

revision = "7c8d9e0f1a2b"
down_revision = "6b7c8d9e0f1a"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SET LOCAL lock_timeout = '2s'")
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE ai.jobstate ADD VALUE IF NOT EXISTS 'paused' AFTER 'running'")
    op.execute("ALTER TABLE ai.jobs ALTER COLUMN state TYPE text")
    op.execute("SET lock_timeout = '2s'")
    op.execute("ALTER TABLE ai.jobs ALTER COLUMN kind TYPE text")
    op.execute("SET LOCAL lock_timeout = 0")
    op.execute("ALTER TABLE ai.jobs ALTER COLUMN owner TYPE text")


def downgrade():
    pass
