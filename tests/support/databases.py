"""Fresh databases per test, cloned from an empty template (fast: a file copy)."""

from __future__ import annotations

import uuid

import psycopg
from psycopg import sql

from .server import Server, libpq_url

TEMPLATE = "enum_ops_template"


def _admin(server: Server) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(libpq_url(server.admin_url), autocommit=True)


def ensure_template(server: Server) -> None:
    """Create the empty UTF-8 template once; concurrent test sessions share it (nobody
    ever connects to it, so cloning it never waits)."""
    with _admin(server) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (TEMPLATE,)
        ).fetchone()
        if exists:
            return
        try:
            conn.execute(
                sql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' "
                    "LC_COLLATE 'C' LC_CTYPE 'C'"
                ).format(sql.Identifier(TEMPLATE))
            )
        except psycopg.errors.DuplicateDatabase:
            pass  # another test session created it first


def create_database(server: Server, prefix: str = "enum_ops_t") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with _admin(server) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(TEMPLATE)
            )
        )
    return name


def drop_database(server: Server, name: str) -> None:
    with _admin(server) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
