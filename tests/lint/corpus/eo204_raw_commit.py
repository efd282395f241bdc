"""add the retrying status

Revision ID: f6b9d2e5a8ba
Revises: e5a8c1d4f7a9
Create Date: 2024-06-10 08:30:00.000000
"""
from alembic import op

revision = "f6b9d2e5a8ba"
down_revision = "e5a8c1d4f7a9"
branch_labels = None
depends_on = None


def upgrade():
    # ALTER TYPE ... ADD VALUE cannot run inside a transaction block (PostgreSQL < 12)
    op.execute("COMMIT")
    op.execute("ALTER TYPE ai.ingestionstatus ADD VALUE 'retrying' BEFORE 'failed'")


def downgrade():
    pass
