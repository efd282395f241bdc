"""add the processing status

Revision ID: a1c4e7f0b365
Revises: 9b3d2e6f0a54
Create Date: 2024-05-03 09:00:17.554021
"""
from alembic import op

revision = "a1c4e7f0b365"
down_revision = "9b3d2e6f0a54"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TYPE ai.ingestionstatus ADD VALUE 'processing' AFTER 'pending'")


def downgrade():
    pass
