"""limit the job states

Revision ID: 2a3b4c5d6e7f
Revises:
Create Date: 2025-02-13 10:00:00.000000
"""
from alembic import op

revision = "2a3b4c5d6e7f"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SET LOCAL lock_timeout = '2s'")
    op.execute(
        "ALTER TABLE ai.jobs ADD CONSTRAINT jobs_state_check "
        "CHECK (state IN ('new', 'running', 'done')) NOT VALID"
    )
    with op.get_context().autocommit_block():
        op.execute("ALTER TABLE ai.jobs VALIDATE CONSTRAINT jobs_state_check")


def downgrade():
    op.execute("ALTER TABLE ai.jobs DROP CONSTRAINT jobs_state_check")
