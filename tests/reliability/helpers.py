"""Helpers shared by the reliability suites (this folder only).

The reliability tests build their own expectations with an independent quoting path
(psycopg's ``sql.Identifier`` / ``sql.Literal``), so a quoting bug in the package
cannot hide behind the same bug in the test's set-up or oracle.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, settings
from psycopg import sql

import alembic_enum_ops  # noqa: F401  (registers op.enum_* for run_online)
from tests.support.server import libpq_url

LONG = os.environ.get("ENUM_OPS_LONG") == "1"
"""``ENUM_OPS_LONG=1``: many more (random) examples; CI runs a small fixed sample."""


def bounded(examples: int, *, long_examples: int | None = None) -> settings:
    """Hypothesis settings for a database-backed property.

    In CI: ``examples`` derandomized examples (reproducible, a few seconds); with
    ``ENUM_OPS_LONG=1``: ``long_examples`` (default 20x) random ones.  No deadline:
    a shared CI box makes per-example timing meaningless.  CI keeps no example
    database (nothing is written to ``.hypothesis/``); long runs do, so a failure
    found there replays first next time.
    """
    return settings(
        max_examples=(long_examples or examples * 20) if LONG else examples,
        deadline=None,
        derandomize=not LONG,
        database=None if not LONG else settings.default.database,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
        print_blob=True,
        # the explain phase re-runs a failing case hundreds of times against the
        # database to annotate lines; the shrunk example is what we need
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    )


def connect(url: str, **kwargs: Any) -> psycopg.Connection[tuple[Any, ...]]:
    """A psycopg connection (autocommit) to a SQLAlchemy URL.  Its statements time
    out after 60 s, so a test blocked behind a lock fails instead of hanging CI."""
    kwargs.setdefault("options", "-c statement_timeout=60s")
    return psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=10, **kwargs)


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


@contextmanager
def sql_sent() -> Iterator[list[str]]:
    """Record every statement any SQLAlchemy engine sends while the block runs."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def is_read(statement: str) -> bool:
    """A catalog read (what executors may send before refusing)."""
    return statement.lstrip().upper().startswith(("SELECT", "WITH"))


OpsFn = Callable[[Any], None]
