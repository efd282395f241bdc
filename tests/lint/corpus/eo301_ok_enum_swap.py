"""remove the paused status

Revision ID: 3e4f5a6b7c8d
Revises: 2d3e4f5a6b7c
Create Date: 2024-07-09 10:00:00.000000
"""
from collections.abc import Sequence

from alembic_enum_ops import op

revision: str = "3e4f5a6b7c8d"
down_revision: str | Sequence[str] | None = "2d3e4f5a6b7c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.enum_swap(
        "ingestionstatus", ["pending", "processing", "done"], schema="ai",
        mapping={"paused": "pending"},
        old_values=["pending", "processing", "paused", "done"],
    )


def downgrade() -> None:
    op.enum_swap(
        "ingestionstatus", ["pending", "processing", "paused", "done"], schema="ai",
        old_values=["pending", "processing", "done"],
    )
