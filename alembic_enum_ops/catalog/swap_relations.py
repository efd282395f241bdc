"""Which relations a swap of one type locks (tables rewritten, views recreated)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class SwapRelation:
    """A table or view the swap of one type locks."""

    schema: str
    name: str
    relkind: str
    rewritten: bool
    """True for the tables the swap rewrites (``ALTER COLUMN ... TYPE``)."""


_RELATIONS_SQL = sa.text(
    r"""
    WITH RECURSIVE base AS (
        SELECT t.oid, t.typarray
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = :schema AND t.typname = :name AND t.typtype = 'e'
    ), types AS (
        SELECT oid FROM base
        UNION SELECT typarray FROM base
        UNION SELECT d.oid FROM pg_type d JOIN base ON d.typbasetype = base.oid
        UNION SELECT d.typarray FROM pg_type d JOIN base ON d.typbasetype = base.oid
    ), cols AS (
        SELECT a.attrelid, a.attnum, a.attinhcount
        FROM pg_attribute a
        WHERE a.atttypid IN (SELECT oid FROM types) AND a.attnum > 0 AND NOT a.attisdropped
    ), views(relid) AS (
        SELECT rw.ev_class
        FROM pg_depend d JOIN pg_rewrite rw ON rw.oid = d.objid
        WHERE d.classid = 'pg_rewrite'::regclass AND rw.rulename = '_RETURN'
          AND rw.ev_class <> d.refobjid
          AND ((d.refclassid = 'pg_class'::regclass
                AND (d.refobjid, d.refobjsubid) IN (SELECT attrelid, attnum::int FROM cols))
               OR (d.refclassid = 'pg_type'::regclass AND d.refobjid IN (SELECT oid FROM types)))
        UNION
        SELECT rw.ev_class
        FROM views JOIN pg_depend d
          ON d.refclassid = 'pg_class'::regclass AND d.refobjid = views.relid
         AND d.classid = 'pg_rewrite'::regclass
        JOIN pg_rewrite rw ON rw.oid = d.objid
        WHERE rw.ev_class <> views.relid AND rw.rulename = '_RETURN'
    ), rels AS (
        SELECT attrelid AS relid, bool_or(attinhcount = 0) AS root FROM cols GROUP BY attrelid
        UNION ALL
        SELECT relid, false FROM views
    )
    SELECT n.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS relkind,
           bool_or(rels.root AND c.relkind IN ('r', 'p')) AS rewritten
    FROM rels
    JOIN pg_class c ON c.oid = rels.relid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm')
    GROUP BY n.nspname, c.relname, c.relkind
    ORDER BY 1, 2
    """
)


def read_swap_relations(connection: Connection, schema: str, name: str) -> list[SwapRelation]:
    """Tables (plain, array, domain columns, partitions) and views a swap locks."""
    rows = connection.execute(_RELATIONS_SQL, {"schema": schema, "name": name}).all()
    return [
        SwapRelation(r.schema, r.name, r.relkind, bool(r.rewritten)) for r in rows
    ]


