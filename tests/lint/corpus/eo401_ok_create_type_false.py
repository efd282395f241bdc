"""ingestion queue

Revision ID: 0f1a2b3c4d5e
Revises:
Create Date: 2024-10-02 10:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic_enum_ops import op
from sqlalchemy.dialects import postgresql

revision: str = "0f1a2b3c4d5e"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.enum_create("ingestionstatus", ["pending", "running", "done"], schema="ai")
    op.create_table(
        "ingestion_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            postgresql.ENUM(
                "pending", "running", "done", name="ingestionstatus", schema="ai",
                create_type=False,
            ),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="ai",
    )
    # two tables sharing a type that create_table itself creates: Alembic's DDL runner
    # remembers it within the run, so the second create_table does not create it again
    kind = sa.Enum("pdf", "html", name="doc_kind", schema="ai")
    op.create_table("documents", sa.Column("kind", kind), schema="ai")
    op.create_table("drafts", sa.Column("kind", kind), schema="ai")


def downgrade() -> None:
    op.drop_table("drafts", schema="ai")
    op.drop_table("documents", schema="ai")
    op.drop_table("ingestion_queue", schema="ai")
    op.enum_drop("ingestionstatus", schema="ai", values=["pending", "running", "done"])
