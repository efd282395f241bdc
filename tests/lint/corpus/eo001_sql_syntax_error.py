"""add a note column

Revision ID: 3b1f0c2a9d10
Revises: 1a2b3c4d5e6f
Create Date: 2024-03-02 10:14:07.118211
"""
from alembic import op

revision = "3b1f0c2a9d10"
down_revision = "1a2b3c4d5e6f"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABEL ai.ingestion_queue ADD COLUMN note text")


def downgrade():
    op.execute("ALTER TABLE ai.ingestion_queue DROP COLUMN note")
