"""add the archived status

Revision ID: e5a8c1d4f7a9
Revises: d4f7b0c3e698
Create Date: 2024-06-02 12:00:00.000000
"""
from alembic import op

revision = "e5a8c1d4f7a9"
down_revision = "d4f7b0c3e698"
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE ai.ingestionstatus ADD VALUE IF NOT EXISTS 'archived'")


def downgrade():
    pass
