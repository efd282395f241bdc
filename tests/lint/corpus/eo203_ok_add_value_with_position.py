"""add the archived status after done

Revision ID: 0e1f2a3b4c5d
Revises:
Create Date: 2025-02-11 10:00:00.000000
"""
from alembic import op

revision = "0e1f2a3b4c5d"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE ai.ingestionstatus ADD VALUE IF NOT EXISTS 'archived' AFTER 'done'")


def downgrade():
    pass
