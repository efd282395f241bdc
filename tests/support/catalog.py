"""Snapshots of catalog state, for comparing an online run with an offline replay."""

from __future__ import annotations

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
    """Run set-up statements in one committed transaction."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()
