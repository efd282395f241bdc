"""limit the job states

Revision ID: 6f7a8b9c0d1f
Revises:
Create Date: 2025-01-11 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = "6f7a8b9c0d1f"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "ALTER TABLE ai.jobs ADD CONSTRAINT jobs_state_check "
        "CHECK (state IN ('new', 'running', 'done')) NOT VALID"
    )
    op.create_check_constraint(
        "ck_queue_status", "ingestion_queue", "status IN ('pending', 'done')", schema="ai",
        postgresql_not_valid=True,
    )
    with op.get_context().autocommit_block():
        op.execute("ALTER TABLE ai.jobs VALIDATE CONSTRAINT jobs_state_check")
        op.execute("ALTER TABLE ai.ingestion_queue VALIDATE CONSTRAINT ck_queue_status")
    op.create_table("archive", sa.Column("state", sa.Text()), schema="ai")
    op.create_check_constraint("ck_archive_state", "archive", "state <> ''", schema="ai")
    op.execute("CREATE TABLE ai.log (state text)")
    op.execute("ALTER TABLE ai.log ADD CONSTRAINT log_state CHECK (state <> '')")


def downgrade():
    pass
