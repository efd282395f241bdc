"""limit the job states

Revision ID: 5e6f7a8b9c0e
Revises:
Create Date: 2025-01-10 10:00:00.000000
"""
from alembic import op

revision = "5e6f7a8b9c0e"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "ALTER TABLE ai.jobs ADD CONSTRAINT jobs_state_check "
        "CHECK (state IN ('new', 'running', 'done'))"
    )
    op.create_check_constraint(
        "ck_queue_status", "ingestion_queue", "status IN ('pending', 'done')", schema="ai"
    )


def downgrade():
    op.drop_constraint("ck_queue_status", "ingestion_queue", schema="ai")
    op.execute("ALTER TABLE ai.jobs DROP CONSTRAINT jobs_state_check")
