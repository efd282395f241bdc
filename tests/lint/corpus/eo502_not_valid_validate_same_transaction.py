"""limit the job states

Revision ID: 7a8b9c0d1e2a
Revises:
Create Date: 2025-01-12 10:00:00.000000
"""
from alembic import op

revision = "7a8b9c0d1e2a"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        ALTER TABLE ai.jobs ADD CONSTRAINT jobs_state_check
            CHECK (state IN ('new', 'running', 'done')) NOT VALID;
        ALTER TABLE ai.jobs VALIDATE CONSTRAINT jobs_state_check;
        """
    )
    op.create_check_constraint(
        "ck_queue_status", "ingestion_queue", "status IN ('pending', 'done')", schema="ai",
        postgresql_not_valid=True,
    )
    op.execute("ALTER TABLE ai.ingestion_queue VALIDATE CONSTRAINT ck_queue_status")


def downgrade():
    pass
