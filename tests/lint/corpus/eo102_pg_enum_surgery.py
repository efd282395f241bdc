"""remove the 'running' status

Revision ID: 8a2c1d5e9f43
Revises: 6f1b0c4d8e32
Create Date: 2024-04-15 14:02:51.660210
"""
from alembic import op

revision = "8a2c1d5e9f43"
down_revision = "6f1b0c4d8e32"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        DELETE FROM pg_enum
        WHERE enumlabel = 'running'
          AND enumtypid = 'ai.ingestionstatus'::regtype
        """
    )
    op.execute(
        "UPDATE pg_catalog.pg_enum SET enumlabel = 'done' "
        "WHERE enumlabel = 'completed' AND enumtypid = 'ai.ingestionstatus'::regtype"
    )


def downgrade():
    pass
