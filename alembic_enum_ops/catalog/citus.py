"""Citus: which tables a coordinator distributes, and how.

On a Citus coordinator some refusals depend on what Citus cannot do: it refuses to
change the type of a table's distribution column, and it supports no trigger on a
distributed or reference table (the online conversions and a remapping
``check_enum_set_values`` keep rows in sync with one).  The executors read these facts
before planning, so the refusal names the object and comes before anything changes.

Two queries at most, whatever the number of tables: whether ``citus`` is installed
(once per connection), then every table asked about in one read of
``pg_dist_partition``, which exists only where Citus is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

_INSTALLED_KEY = "alembic_enum_ops.citus"

_INSTALLED_SQL = (
    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus')"
)


def citus_installed(connection: Connection) -> bool:
    """Whether the database has the ``citus`` extension (asked once per connection)."""
    if _INSTALLED_KEY not in connection.info:
        found = connection.exec_driver_sql(
            _INSTALLED_SQL, execution_options={"no_parameters": True}
        ).scalar()
        connection.info[_INSTALLED_KEY] = bool(found)
    return bool(connection.info[_INSTALLED_KEY])


@dataclass(frozen=True)
class CitusTable:
    """A table Citus manages."""

    schema: str
    table: str
    kind: str
    """``distributed`` (hash-distributed or single-shard), ``reference`` or ``local``
    (a Citus local table, which keeps its triggers)."""
    distribution_column: str | None

    @property
    def supports_triggers(self) -> bool:
        return self.kind == "local"

    def describe(self) -> str:
        return f"a Citus {self.kind} table"


_TABLES_SQL = sa.text(
    """
    SELECT n.nspname::text AS schema, c.relname::text AS table,
           CASE WHEN p.partmethod <> 'n' THEN 'distributed'
                WHEN p.repmodel = 't' THEN 'reference'
                WHEN p.colocationid <> 0 THEN 'distributed'
                ELSE 'local' END AS kind,
           CASE WHEN p.partmethod <> 'n'
                THEN pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) END
               AS distribution_column
    FROM pg_catalog.pg_dist_partition p
    JOIN pg_catalog.pg_class c ON c.oid = p.logicalrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    -- (schema, table) pairs: a name holding a dot cannot stand for another table
    WHERE (n.nspname::text, c.relname::text) IN (
        SELECT w.s, w.t FROM unnest(CAST(:schemas AS text[]), CAST(:tables AS text[])) AS w(s, t))
    """
).bindparams(
    sa.bindparam("schemas", type_=ARRAY(sa.Text())),
    sa.bindparam("tables", type_=ARRAY(sa.Text())),
)


def read_citus_tables(
    connection: Connection, tables: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], CitusTable]:
    """``{(schema, table): CitusTable}`` for the tables of ``tables`` Citus manages
    (empty without Citus)."""
    wanted = sorted(set(tables))
    if not wanted or not citus_installed(connection):
        return {}
    rows = connection.execute(
        _TABLES_SQL, {"schemas": [s for s, _ in wanted], "tables": [t for _, t in wanted]}
    ).all()
    return {
        (r.schema, r.table): CitusTable(r.schema, r.table, r.kind, r.distribution_column)
        for r in rows
    }
