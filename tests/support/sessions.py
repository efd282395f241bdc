"""Sessions beside the one under test: a second connection holding a lock, a plain
autocommit connection, and a recorder of every statement SQLAlchemy sends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import sqlalchemy as sa

from tests.support.server import libpq_url


def connect(url: str, **kwargs: Any) -> psycopg.Connection[tuple[Any, ...]]:
    """A psycopg connection (autocommit) to a SQLAlchemy URL.  Its statements time
    out after 60 s, so a test blocked behind a lock fails instead of hanging CI."""
    kwargs.setdefault("options", "-c statement_timeout=60s")
    return psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=10, **kwargs)


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
