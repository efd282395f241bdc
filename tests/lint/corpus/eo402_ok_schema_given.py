"""ingestion queue in the ai schema

Revision ID: 2b3c4d5e6f7b
Revises:
Create Date: 2024-11-02 10:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic_enum_ops import op
from sqlalchemy.dialects import postgresql

revision: str = "2b3c4d5e6f7b"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.enum_create("ingestionstatus", ["pending", "done"], schema="ai")
    # a type deliberately kept in the default schema, used by a table in "ai"
    op.enum_create("priority", ["low", "high"])
    op.create_table(
        "ingestion_queue",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "status",
            postgresql.ENUM(name="ingestionstatus", schema="ai", create_type=False),
        ),
        sa.Column("priority", postgresql.ENUM(name="priority", create_type=False)),
        sa.Column("kind", sa.Enum("a", "b", name="kind", inherit_schema=True)),
        sa.Column("note", sa.Enum("x", "y", name="note_kind", native_enum=False)),
        schema="ai",
    )


def downgrade() -> None:
    op.drop_table("ingestion_queue", schema="ai")
    op.enum_drop("priority", values=["low", "high"])
    op.enum_drop("ingestionstatus", schema="ai", values=["pending", "done"])
