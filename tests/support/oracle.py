"""Set-up through an independent quoting path (psycopg's ``sql.Identifier`` /
``sql.Literal``), so a quoting bug in the package cannot hide behind the same bug in a
test's set-up or oracle."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import sql

from tests.support.sessions import connect

RESET_SQL = r"""
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid();
DO $reset$
DECLARE s text;
BEGIN
    FOR s IN SELECT nspname FROM pg_namespace
             WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
    LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', s);
    END LOOP;
    CREATE SCHEMA public;
    CREATE TABLE public.canary (id int PRIMARY KEY);
    INSERT INTO public.canary VALUES (1), (2), (3);
END
$reset$
"""


def reset_database(url: str) -> None:
    """Drop every user schema and start from an empty ``public`` with a canary table.

    Hypothesis runs many examples per test; resetting one database is much cheaper
    than creating a new one per example.
    """
    with connect(url) as conn:
        conn.execute(RESET_SQL)


def canary_intact(url: str) -> bool:
    """The canary table exists with its three rows: nothing ran that we did not ask for."""
    with connect(url) as conn:
        rows = conn.execute("SELECT id FROM public.canary ORDER BY id").fetchall()
    return [r[0] for r in rows] == [1, 2, 3]


def create_schema(url: str, schema: str) -> None:
    with connect(url) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


def create_enum(url: str, schema: str, name: str, labels: Sequence[str]) -> None:
    """``CREATE TYPE`` quoted by psycopg, not by the package under test."""
    with connect(url) as conn:
        conn.execute(
            sql.SQL("CREATE TYPE {}.{} AS ENUM ({})").format(
                sql.Identifier(schema),
                sql.Identifier(name),
                sql.SQL(", ").join(sql.Literal(label) for label in labels),
            )
        )
