"""Autogenerate: a revision that creates objects in a schema the database lacks says so.

Alembic never creates schemas, so a model in ``schema="ai"`` on a database without
``ai`` autogenerates a revision whose first statement there fails with ``schema "ai"
does not exist``.  This comparator (registered after the others, so it sees every
operation) reads which of the schemas the revision creates objects in exist (one
query), and puts a comment at the top of ``upgrade()`` naming each missing one with the
line to add: ``op.execute('CREATE SCHEMA IF NOT EXISTS ai')``, the name quoted as
PostgreSQL needs it and the SQL written as a Python literal.

Through a ``schema_translate_map`` (a schema per tenant) a raw ``op.execute`` would not
follow the map, so the comment says to create each tenant's schema before migrating it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic.operations import ops as alembic_ops
from sqlalchemy.dialects.postgresql import ARRAY

from ..ddl.sqltext import ident
from ..operations.convert import CheckToEnumOp
from ..operations.native import CreateEnumOp, SetEnumSchemaOp
from ..operations.notes import EnumNoteOp
from ..schema_map import SchemaResolver

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

log = logging.getLogger(__name__)

_EXISTING_SQL = sa.text(
    "SELECT nspname::text FROM pg_namespace WHERE nspname = ANY(:names)"
).bindparams(sa.bindparam("names", type_=ARRAY(sa.Text())))


def _created_in(op: alembic_ops.MigrateOperation) -> Iterator[str]:
    """The named schemas an operation creates something in."""
    if isinstance(op, alembic_ops.CreateTableOp) and op.schema is not None:
        yield op.schema
    elif isinstance(op, CreateEnumOp) and op.schema is not None:
        yield op.schema
    elif isinstance(op, SetEnumSchemaOp):
        yield op.new_schema
    elif isinstance(op, CheckToEnumOp) and op.create_type:
        schema = op.type_schema if op.type_schema is not None else op.schema
        if schema is not None:
            yield schema
    elif isinstance(op, alembic_ops.OpContainer):
        for sub in op.ops:
            yield from _created_in(sub)


def note_missing_schemas(
    autogen_context: AutogenContext,
    upgrade_ops: alembic_ops.UpgradeOps,
    schemas: set[str | None],
) -> None:
    """The schema-level comparator (see the module docs)."""
    dialect = autogen_context.dialect
    connection = autogen_context.connection
    if dialect is None or dialect.name != "postgresql" or connection is None:
        return
    wanted = sorted({s for op in upgrade_ops.ops for s in _created_in(op)})
    if not wanted:
        return
    resolver = SchemaResolver.of(connection)
    database = {s: resolver.database(s) for s in wanted}
    existing = set(
        connection.execute(_EXISTING_SQL, {"names": sorted(set(database.values()))}).scalars()
    )
    notes = []
    for schema in wanted:
        name = database[schema]
        if name in existing:
            continue
        log.info("Detected missing schema %s", name)
        if name == schema:
            line = f"CREATE SCHEMA IF NOT EXISTS {ident(dialect, schema)}"
            notes.append(EnumNoteOp(
                f"Schema {schema!r} does not exist in the database: the first statement "
                f"of this revision in it fails (schema {schema!r} does not exist).\n"
                "Add this line first in upgrade():\n"
                f"    op.execute({line!r})"
            ))
        else:
            notes.append(EnumNoteOp(
                f"Schema {name!r} (what {schema!r} names through schema_translate_map) does "
                "not exist in the database: create each tenant's schema before migrating "
                "it (an op.execute in the revision would not follow the map)."
            ))
    upgrade_ops.ops[:0] = notes
