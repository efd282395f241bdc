"""drop the unused legacy type

Revision ID: 6f1b0c4d8e32
Revises: 5e0a9b3c7d21
Create Date: 2024-04-02 11:20:03.003918
"""
from alembic_enum_ops import op

revision = "6f1b0c4d8e32"
down_revision = "5e0a9b3c7d21"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP TYPE IF EXISTS ai.legacystatus")
    op.enum_drop("oldstatus", schema="ai", values=["a", "b"])
    # a comment that mentions DROP TYPE ai.x CASCADE is not SQL


def downgrade() -> None:
    op.enum_create("oldstatus", ["a", "b"], schema="ai")
