"""A revision written with our operations: must pass mypy --strict unchanged."""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic_enum_ops import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS ai")
    op.enum_create("ingestionstatus", ["pending", "running", "done"], schema="ai")
    op.create_table(
        "ingestion_queue",
        sa.Column("id", sa.Integer(), primary_key=True),
        schema="ai",
    )
    op.enum_add_value("ingestionstatus", "failed", schema="ai", after="running")
    op.enum_rename_value("ingestionstatus", "done", "completed", schema="ai")
    op.enum_rename("ingestionstatus", "ingestion_status", schema="ai")
    op.enum_set_schema("ingestion_status", "public", schema="ai")
    op.enum_swap(
        "ingestion_status",
        ["pending", "running", "completed"],
        schema="public",
        mapping={"failed": "pending"},
        old_values=["pending", "running", "failed", "completed"],
    )
    op.enum_remove_value("ingestion_status", "running", schema="public", replace_with="pending")
    # VARCHAR + CHECK variant
    op.add_column("ingestion_queue", sa.Column("kind", sa.String(20)), schema="ai")
    op.check_enum_create("ingestion_queue", "kind", ["pdf", "html"], schema="ai")
    op.check_enum_set_values(
        "ingestion_queue",
        "kind",
        ["pdf", "web"],
        schema="ai",
        mapping={"html": "web"},
        old_values=["pdf", "html"],
    )
    op.check_to_enum("ingestion_queue", "kind", "ingestion_kind", ["pdf", "web"], schema="ai")
    op.enum_to_check(
        "ingestion_queue", "kind", schema="ai", type_name="ingestion_kind", values=["pdf", "web"]
    )
    op.check_enum_drop("ingestion_queue", "kind", schema="ai", values=["pdf", "web"])


def downgrade() -> None:
    op.drop_table("ingestion_queue", schema="ai")
    op.enum_drop("ingestion_status", schema="public", values=["pending", "completed"])
