"""Catalog and data snapshots (for comparing an online run with an offline replay), and
the read/write one-liners the tests set a database up with.

The rich :func:`snapshot` reads with ``search_path = ''`` so every name in a definition
is schema-qualified, and compares grants as sorted lists (their order inside an ACL is
not meaningful).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

_SNAPSHOT_SQL = """
SELECT n.nspname::text, t.typname::text,
       array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_enum e ON e.enumtypid = t.oid
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
GROUP BY 1, 2
ORDER BY 1, 2
"""

_COLUMNS_SQL = """
SELECT c.table_schema::text, c.table_name::text, c.column_name::text,
       c.udt_schema::text, c.udt_name::text, c.column_default::text, c.is_nullable::text
FROM information_schema.columns c
WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
  AND c.table_name <> 'alembic_version'
ORDER BY 1, 2, c.ordinal_position
"""


def enum_snapshot(url: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """``{(schema, type): labels-in-order}`` for every user enum."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(_SNAPSHOT_SQL).all()
    finally:
        engine.dispose()
    return {(r[0], r[1]): tuple(r[2]) for r in rows}


def column_snapshot(url: str) -> list[tuple[Any, ...]]:
    """Every user column with its type, default and nullability."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(_COLUMNS_SQL).all()]
    finally:
        engine.dispose()


def query(url: str, statement: str, **params: Any) -> list[tuple[Any, ...]]:
    """Run one read query and return its rows as tuples."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(statement), params).all()]
    finally:
        engine.dispose()


def execute(url: str, *statements: str) -> None:
    """Run set-up statements in one committed transaction, sent verbatim (no bind
    parsing: ``%`` and ``:x`` stay what they are)."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement, execution_options={"no_parameters": True})
    finally:
        engine.dispose()


run_sql = execute
"""The name the swap tests use for :func:`execute`."""


_USER = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"

SNAPSHOT_QUERIES: dict[str, str] = {
    "types": f"""
        SELECT n.nspname, t.typname, t.typtype,
               (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                  FROM pg_enum e WHERE e.enumtypid = t.oid),
               format_type(t.typbasetype, NULL), t.typnotnull,
               pg_get_expr(t.typdefaultbin, 0),
               pg_get_userbyid(t.typowner), obj_description(t.oid, 'pg_type'),
               (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(t.typacl) x)
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE {_USER} AND t.typtype IN ('e', 'd')
        ORDER BY 1, 2""",
    "columns": f"""
        SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
               a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
               col_description(c.oid, a.attnum),
               (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(a.attacl) x)
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE {_USER} AND c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0
          AND NOT a.attisdropped AND c.relname <> 'alembic_version'
        ORDER BY 1, 2, a.attnum""",
    "indexes": f"""
        SELECT n.nspname, c.relname, pg_get_indexdef(c.oid), obj_description(c.oid, 'pg_class')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER} AND c.relkind IN ('i', 'I') AND c.relname <> 'alembic_version_pkc'
        ORDER BY 1, 2""",
    "constraints": f"""
        SELECT n.nspname, coalesce(c.relname, t.typname), con.conname,
               pg_get_constraintdef(con.oid), con.convalidated,
               obj_description(con.oid, 'pg_constraint')
        FROM pg_constraint con
        JOIN pg_namespace n ON n.oid = con.connamespace
        LEFT JOIN pg_class c ON c.oid = con.conrelid
        LEFT JOIN pg_type t ON t.oid = con.contypid
        WHERE {_USER} AND con.conname <> 'alembic_version_pkc'
          -- PostgreSQL 18 catalogs NOT NULL as constraints: alembic_version's too
          AND coalesce(c.relname, '') <> 'alembic_version'
        ORDER BY 1, 2, 3""",
    "relations": f"""
        SELECT n.nspname, c.relname, c.relkind,
               CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
               pg_get_userbyid(c.relowner), obj_description(c.oid, 'pg_class'),
               (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(c.relacl) x),
               c.reloptions, c.relispopulated, c.relispartition
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER} AND c.relkind IN ('r', 'p', 'v', 'm') AND c.relname <> 'alembic_version'
        ORDER BY 1, 2""",
    "triggers": f"""
        SELECT n.nspname, c.relname, tg.tgname, pg_get_triggerdef(tg.oid)
        FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER} AND NOT tg.tgisinternal
        ORDER BY 1, 2, 3""",
    "functions": f"""
        SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
               obj_description(p.oid, 'pg_proc')
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE {_USER}
        ORDER BY 1, 2, 3""",
}


def snapshot(
    url: str, data: Sequence[str] = (), *, any_column_order: bool = False
) -> dict[str, Any]:
    """Catalog state of every user schema, plus the rows of the ``data`` relations
    (as text, sorted), for comparing an online run with an offline replay.

    ``any_column_order``: columns listed by name and rows as JSON objects, so two
    databases whose columns differ only in position compare equal (an online swap
    moves a converted column to the end of its table)."""
    engine = sa.create_engine(url)
    result: dict[str, Any] = {}
    try:
        with engine.connect() as conn:
            raw = {"no_parameters": True}
            conn.exec_driver_sql("SET search_path = ''", execution_options=raw)
            for key, sql in SNAPSHOT_QUERIES.items():
                rows = conn.exec_driver_sql(sql, execution_options=raw).all()
                result[key] = [tuple(r) for r in rows]
            if any_column_order:
                result["columns"].sort(key=lambda row: tuple(map(str, row[:3])))
            row_text = "to_jsonb(t)::text" if any_column_order else "t::text"
            for relation in data:
                rows = conn.exec_driver_sql(
                    f"SELECT {row_text} FROM {relation} AS t ORDER BY 1",
                    execution_options={"no_parameters": True},
                ).all()
                result[f"data {relation}"] = [r[0] for r in rows]
            conn.rollback()
    finally:
        engine.dispose()
    return result
