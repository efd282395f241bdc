"""Helpers for the swap tests: a rich catalog + data snapshot, and a busy second session.

The snapshot reads with ``search_path = ''`` so every name in a definition is
schema-qualified, and compares grants as sorted lists (their order inside an ACL is
not meaningful).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import sqlalchemy as sa

import alembic_enum_ops  # noqa: F401  (registers the operations)
from tests.support.server import libpq_url

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
}


def snapshot(url: str, data: Sequence[str] = ()) -> dict[str, Any]:
    """Catalog state of every user schema, plus the rows of the ``data`` relations
    (as text, sorted), for comparing an online run with an offline replay."""
    engine = sa.create_engine(url)
    result: dict[str, Any] = {}
    try:
        with engine.connect() as conn:
            raw = {"no_parameters": True}
            conn.exec_driver_sql("SET search_path = ''", execution_options=raw)
            for key, sql in SNAPSHOT_QUERIES.items():
                rows = conn.exec_driver_sql(sql, execution_options=raw).all()
                result[key] = [tuple(r) for r in rows]
            for relation in data:
                rows = conn.exec_driver_sql(
                    f"SELECT t::text FROM {relation} AS t ORDER BY 1",
                    execution_options={"no_parameters": True},
                ).all()
                result[f"data {relation}"] = [r[0] for r in rows]
            conn.rollback()
    finally:
        engine.dispose()
    return result


@contextmanager
def lock_held(url: str, sql: str, *, release_after: float | None) -> Iterator[int]:
    """A second session that runs ``sql`` (e.g. ``LOCK TABLE ... IN ACCESS SHARE
    MODE``) in an open transaction; yields its pid.  With ``release_after`` a thread
    ends the transaction after that many seconds; otherwise it ends on exit."""
    conn = psycopg.connect(libpq_url(url), autocommit=False)
    timer: threading.Timer | None = None
    try:
        conn.execute(sql)
        pid = int(conn.info.backend_pid)
        if release_after is not None:
            timer = threading.Timer(release_after, conn.rollback)
            timer.start()
        yield pid
    finally:
        if timer is not None:
            timer.join()
        conn.rollback()
        conn.close()


def run_sql(url: str, *statements: str) -> None:
    """Set-up statements, sent verbatim (no bind parsing: ``%`` and ``:x`` stay)."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement, execution_options={"no_parameters": True})
    finally:
        engine.dispose()


KIND_TYPE = "CREATE TYPE st AS ENUM ('a', 'b', 'c')"


def kind_swap(op: Any) -> None:
    """Drop 'c' (rows move to 'a'), put 'b' first, add 'd'."""
    op.enum_swap("st", ["b", "a", "d"], schema="public", mapping={"c": "a"})


def check_kind(
    db_url: str, second_db_url: str, setup: list[str], check: str, expected: list[Any]
) -> None:
    """One dependent kind: online result as expected, offline replay identical."""
    from tests.support.catalog import enum_snapshot, query
    from tests.support.migrate import apply_script, render_offline, run_online

    run_sql(db_url, KIND_TYPE, *setup)
    run_sql(second_db_url, KIND_TYPE, *setup)
    run_online(db_url, kind_swap)
    assert enum_snapshot(db_url) == {("public", "st"): ("b", "a", "d")}
    assert query(db_url, check) == expected
    apply_script(second_db_url, render_offline(kind_swap))
    assert query(second_db_url, check) == expected
    assert snapshot(second_db_url) == snapshot(db_url)
