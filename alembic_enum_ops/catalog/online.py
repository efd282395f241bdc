"""What online conversions left in the database: every object whose comment starts
with the online marker (sync triggers and their functions, shadow columns, helper and
twin CHECKs, the new type and the domain twins), in one query.

An online swap or conversion marks everything it creates this way; its cut-over
removes the marks of what it keeps.  So after a finished conversion this read returns
nothing, and after an abandoned one it returns exactly what ``alembic-enum-ops
online-cleanup`` may remove (:mod:`alembic_enum_ops.ddl.online.cleanup`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

MARKER = "alembic_enum_ops online"
"""Every object an online conversion creates carries a comment starting with this."""

KINDS = ("trigger", "column", "constraint", "function", "domain", "type")
"""The kinds of leftovers, in the order a cleanup removes them."""


@dataclass(frozen=True)
class Leftover:
    """One object an online conversion created and has not removed (yet)."""

    kind: str
    """One of :data:`KINDS`."""
    schema: str
    table: str | None
    """The table of a trigger, column or constraint."""
    name: str
    """The object's name (a function's takes no arguments: ``name()``)."""
    subject: str
    """What was being converted, as the comment names it: ``enum ai.status`` (a swap)
    or ``column ai.jobs.status`` (a conversion between enum and CHECK)."""
    comment: str

    def describe(self) -> str:
        where = f"{self.schema}.{self.table}" if self.table else self.schema
        return f"{self.kind} {self.name} on {where}" if self.table else \
            f"{self.kind} {where}.{self.name}"


_LEFTOVERS_SQL = sa.text(
    r"""
    WITH marked AS (
        SELECT d.classoid, d.objoid, d.objsubid, d.description
          FROM pg_catalog.pg_description d
         WHERE starts_with(d.description, :marker)
    ), found AS (
        SELECT 'trigger' AS kind, n.nspname AS schema, c.relname AS tbl,
               tg.tgname AS name,
               CAST(substr(m.description, length(:marker) + 2) AS jsonb)->>'subject' AS subject,
               m.description
          FROM marked m
          JOIN pg_catalog.pg_trigger tg
            ON m.classoid = 'pg_catalog.pg_trigger'::regclass AND tg.oid = m.objoid
          JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        UNION ALL
        SELECT 'column', n.nspname, c.relname, a.attname, NULL, m.description
          FROM marked m
          JOIN pg_catalog.pg_class c
            ON m.classoid = 'pg_catalog.pg_class'::regclass AND c.oid = m.objoid
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = m.objsubid
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE m.objsubid > 0 AND NOT a.attisdropped
        UNION ALL
        SELECT 'constraint', n.nspname, c.relname, con.conname, NULL, m.description
          FROM marked m
          JOIN pg_catalog.pg_constraint con
            ON m.classoid = 'pg_catalog.pg_constraint'::regclass AND con.oid = m.objoid
          JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        UNION ALL
        SELECT 'function', n.nspname, NULL, p.proname, NULL, m.description
          FROM marked m
          JOIN pg_catalog.pg_proc p
            ON m.classoid = 'pg_catalog.pg_proc'::regclass AND p.oid = m.objoid
          JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
         WHERE p.pronargs = 0
        UNION ALL
        SELECT CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END, n.nspname, NULL,
               t.typname, NULL, m.description
          FROM marked m
          JOIN pg_catalog.pg_type t
            ON m.classoid = 'pg_catalog.pg_type'::regclass AND t.oid = m.objoid
          JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    )
    SELECT kind, schema, tbl, name,
           coalesce(subject, substring(description from '\(((?\:enum|column) .*)\)$'), '')
               AS subject,
           description
      FROM found
     ORDER BY array_position(CAST(:kinds AS text[]), kind), schema, tbl, name
    """
)


def read_online_leftovers(connection: Connection) -> list[Leftover]:
    """Every marked object, in cleanup order (one query)."""
    rows = connection.execute(_LEFTOVERS_SQL, {"marker": MARKER, "kinds": list(KINDS)}).all()
    return [
        Leftover(
            kind=str(r.kind), schema=str(r.schema), table=None if r.tbl is None else str(r.tbl),
            name=str(r.name), subject=str(r.subject), comment=str(r.description),
        )
        for r in rows
    ]


def subject_of(connection: Connection, kind: str, *names: str) -> str:
    """How the comments name what is converted: ``enum`` + ``schema.name`` or
    ``column`` + ``schema.table.column``, each part quoted by the server
    (``format('%I')``) so the quoting rules are PostgreSQL's own."""
    value = connection.execute(
        sa.text("SELECT array_to_string(ARRAY(SELECT format('%I', n) "
                "FROM unnest(CAST(:names AS text[])) WITH ORDINALITY AS x(n, i) "
                "ORDER BY i), '.')"),
        {"names": list(names)},
    ).scalar_one()
    return f"{kind} {value}"
