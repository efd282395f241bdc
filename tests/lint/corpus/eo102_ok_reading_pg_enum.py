"""check the labels before going on

Revision ID: 9b3d2e6f0a54
Revises: 8a2c1d5e9f43
Create Date: 2024-04-16 10:30:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = "9b3d2e6f0a54"
down_revision = "8a2c1d5e9f43"
branch_labels = None
depends_on = None


def upgrade():
    labels = op.get_bind().execute(
        sa.text(
            "SELECT enumlabel FROM pg_enum WHERE enumtypid = 'ai.ingestionstatus'::regtype "
            "ORDER BY enumsortorder"
        )
    ).scalars().all()
    assert "done" in labels


def downgrade():
    pass
