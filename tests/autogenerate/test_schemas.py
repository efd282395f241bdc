"""The note on schemas the database lacks, in-process (the real ``alembic`` command and
a hostile name: ``tests/e2e/test_autogenerate.py``)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import produce_migrations
from alembic.migration import MigrationContext

from alembic_enum_ops.operations import EnumNoteOp
from tests.support.catalog import execute


def _model() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "queue", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", sa.Enum("a", "b", name="status", schema="ai")),
        schema="ai",
    )
    return metadata


def _notes(url: str, schema_map: dict[str | None, str | None] | None) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if schema_map is not None:
                connection = connection.execution_options(schema_translate_map=schema_map)
            metadata = _model()
            context = MigrationContext.configure(
                connection, opts={"target_metadata": metadata, "include_schemas": True}
            )
            script = produce_migrations(context, metadata)
            assert script.upgrade_ops is not None
            return [op.text for op in script.upgrade_ops.ops if isinstance(op, EnumNoteOp)]
    finally:
        engine.dispose()


def test_no_note_when_the_schema_exists(db_url: str) -> None:
    execute(db_url, "CREATE SCHEMA ai")
    assert _notes(db_url, None) == []


def test_through_a_map_the_tenants_schema_is_named(db_url: str) -> None:
    """A raw op.execute would not follow the map: the note says to create each
    tenant's schema before migrating it, and names the translated one."""
    execute(db_url, "CREATE SCHEMA ai")  # the untranslated name exists: irrelevant
    assert _notes(db_url, {None: "tenant_a", "ai": "tenant_a_ai"}) == [
        "Schema 'tenant_a_ai' (what 'ai' names through schema_translate_map) does not "
        "exist in the database: create each tenant's schema before migrating it (an "
        "op.execute in the revision would not follow the map)."
    ]
    execute(db_url, "CREATE SCHEMA tenant_a_ai")
    assert _notes(db_url, {None: "tenant_a", "ai": "tenant_a_ai"}) == []
