"""SQLAlchemy's ``schema_translate_map``, applied to the schemas our operations name.

Teams with a schema per tenant run the same revisions once per tenant through a
connection such as ``connection.execution_options(schema_translate_map={None:
"tenant_42"})``.  SQLAlchemy applies the map when it compiles a schema construct for
that connection: Alembic's ``create_table``, ``drop_table``, ``create_index`` and the
constraint operations (and the ``alembic_version`` table) land in ``tenant_42``.  Our
operations send driver SQL with every name already qualified, so they apply the same
rule themselves, here:

* a schema that is a key of the map (``None`` included: the default schema) becomes
  its value; a value of ``None`` means the dialect's default schema, as in SQLAlchemy;
* any other schema stays what it is.

Offline (``--sql``) there is no connection, and Alembic compiles its constructs with
no map at all: its operations and ours then render the schemas written in the
revision, unqualified for ``schema=None`` (a tenant's script starts with ``SET
search_path``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

SchemaMap = Mapping[str | None, str | None]

_SQLALCHEMY_NONE_KEY = "_none"
"""SQLAlchemy's compiler adds ``"_none"`` beside ``None`` to a map it has used (its
placeholder for the default schema); it is not a schema of the user's."""


def schema_translate_map(connection: Connection | None) -> SchemaMap | None:
    """The connection's ``schema_translate_map`` execution option (None: no map)."""
    if connection is None:
        return None
    found = connection.get_execution_options().get("schema_translate_map")
    if not found:
        return None
    if None in found and found.get(_SQLALCHEMY_NONE_KEY) == found[None]:
        return {k: v for k, v in found.items() if k != _SQLALCHEMY_NONE_KEY}
    return dict(found)


def translate(connection: Connection | None, schema: str | None) -> str | None:
    """The schema ``schema`` names on ``connection``, as SQLAlchemy would render it
    (``None`` stays None when the map has no ``None`` key: the caller resolves it)."""
    mapping = schema_translate_map(connection)
    if mapping is None or schema not in mapping:
        return schema
    translated = mapping[schema]
    if translated is None and connection is not None:
        default = connection.dialect.default_schema_name
        return None if default is None else str(default)
    return translated


def model_schema(
    mapping: SchemaMap | None, database_schema: str, default_schema: str
) -> tuple[bool, str | None]:
    """The ``schema=`` a model (or a revision) writes to reach ``database_schema``
    through ``mapping``: ``(True, schema)``, or ``(False, None)`` when no schema can
    reach it (the map translates that name away, to another schema).

    ``default_schema`` is where ``schema=None`` goes without a map entry for None.
    """
    if mapping:
        for source, target in mapping.items():
            if (target if target is not None else default_schema) == database_schema:
                return True, source
        if database_schema in mapping:
            return False, None
    if None not in (mapping or {}) and database_schema == default_schema:
        return True, None
    return True, database_schema


@dataclass(frozen=True)
class SchemaResolver:
    """Model schemas <-> database schemas on one connection (autogenerate, ``verify``):
    ``schema=None`` is the dialect's default schema unless the map translates it."""

    mapping: SchemaMap | None
    dialect_default: str

    @classmethod
    def of(cls, connection: Connection) -> SchemaResolver:
        return cls(
            schema_translate_map(connection), str(connection.dialect.default_schema_name)
        )

    @property
    def default(self) -> str:
        """Where the model's ``schema=None`` lives in the database."""
        return self.database(None)

    def database(self, schema: str | None) -> str:
        """The database schema of a model's (or a revision's) ``schema=``."""
        if self.mapping is not None and schema in self.mapping:
            schema = self.mapping[schema]
            if schema is None:
                return self.dialect_default
        return self.dialect_default if schema is None else schema

    def model(self, database_schema: str) -> tuple[bool, str | None]:
        """:func:`model_schema`: the ``schema=`` reaching ``database_schema``."""
        return model_schema(self.mapping, database_schema, self.dialect_default)
