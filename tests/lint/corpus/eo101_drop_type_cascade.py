"""drop the legacy status types

Revision ID: 5e0a9b3c7d21
Revises: 0d3f55e7b2c8
Create Date: 2024-04-01 09:12:44.771203
"""
import sqlalchemy as sa
from alembic import op

revision = "5e0a9b3c7d21"
down_revision = "0d3f55e7b2c8"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DROP TYPE ai.legacystatus CASCADE")
    op.execute(sa.text("DROP TYPE IF EXISTS public.ingestionstatus, public.jobstate CASCADE"))
    op.execute("DROP DOMAIN IF EXISTS ai.status_code CASCADE")


def downgrade():
    pass
