"""The plan runner: lock_timeout, retries with backoff, and its messages, on a live server."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from alembic_enum_ops import EnumOpsOptions, LockTimeoutExhaustedError
from alembic_enum_ops.ddl.runner import backoff_delays
from tests.support.catalog import enum_snapshot, execute
from tests.support.migrate import run_online
from tests.support.server import libpq_url

FAST = {"lock_timeout": "100ms", "lock_retries": 2, "retry_backoff": 0.01}


@contextmanager
def holding_type_lock(url: str) -> Iterator[tuple[psycopg.Connection[tuple[object, ...]], int]]:
    """Another session with an uncommitted ADD VALUE: it holds the type's lock."""
    conn = psycopg.connect(libpq_url(url))
    conn.execute("ALTER TYPE status ADD VALUE 'held'")
    pid = conn.info.backend_pid
    try:
        yield conn, pid
    finally:
        conn.close()


def test_exhausted_retries_name_the_type_and_the_holder(db_url: str) -> None:
    execute(db_url, "CREATE TYPE status AS ENUM ('a')")
    with holding_type_lock(db_url) as (_, pid):
        with pytest.raises(LockTimeoutExhaustedError) as info:
            run_online(db_url, lambda op: op.enum_add_value("status", "b"), enum_ops=FAST)
    message = str(info.value)
    assert "EXCLUSIVE lock on type public.status" in message
    assert "within lock_timeout 100ms after 3 attempts" in message
    assert f"pid {pid}" in message
    assert enum_snapshot(db_url) == {("public", "status"): ("a",)}


def test_retry_succeeds_once_the_lock_is_released(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    execute(db_url, "CREATE TYPE status AS ENUM ('a')")
    with holding_type_lock(db_url) as (holder, _):
        timer = threading.Timer(0.4, holder.rollback)
        timer.start()
        try:
            with caplog.at_level(logging.WARNING, logger="alembic_enum_ops"):
                run_online(
                    db_url,
                    lambda op: op.enum_rename_value("status", "a", "renamed"),
                    enum_ops={"lock_timeout": "100ms", "lock_retries": 10, "retry_backoff": 0.05},
                )
        finally:
            timer.join()
    assert any("retrying in" in r.getMessage() for r in caplog.records)
    assert enum_snapshot(db_url) == {("public", "status"): ("renamed",)}


def test_a_retried_migration_step_keeps_earlier_work_of_the_revision(db_url: str) -> None:
    """The retry rolls back to a savepoint, not the whole revision transaction."""
    execute(db_url, "CREATE TYPE status AS ENUM ('a')")
    with holding_type_lock(db_url) as (holder, _):
        timer = threading.Timer(0.3, holder.rollback)
        timer.start()
        try:
            run_online(
                db_url,
                lambda op: (
                    op.execute("CREATE TABLE before_the_retry (i int)"),
                    op.enum_rename_value("status", "a", "b"),
                ),
                enum_ops={"lock_timeout": "100ms", "lock_retries": 10, "retry_backoff": 0.05},
            )
        finally:
            timer.join()
    assert enum_snapshot(db_url) == {("public", "status"): ("b",)}
    from tests.support.catalog import query

    assert query(db_url, "SELECT to_regclass('before_the_retry') IS NOT NULL") == [(True,)]


def test_lock_timeout_is_scoped_to_the_step(db_url: str) -> None:
    """SET LOCAL: the setting is gone once the revision commits."""
    execute(db_url, "CREATE TYPE status AS ENUM ('a')")
    seen: list[str] = []

    def migration(op: object) -> None:
        op.enum_rename_value("status", "a", "b")  # type: ignore[attr-defined]
        conn = op.get_bind()  # type: ignore[attr-defined]
        seen.append(conn.exec_driver_sql("SHOW lock_timeout").scalar())

    run_online(db_url, migration, enum_ops={"lock_timeout": "1234ms"})
    assert seen == ["1234ms"]
    engine_conn = psycopg.connect(libpq_url(db_url))
    try:
        assert engine_conn.execute("SHOW lock_timeout").fetchone() == ("0",)
    finally:
        engine_conn.close()


def test_backoff_doubles_with_jitter_and_is_bounded() -> None:
    options = EnumOpsOptions(lock_retries=6, retry_backoff=0.5, retry_backoff_max=3.0)
    delays = list(backoff_delays(options, random.Random(7)))
    assert len(delays) == 6
    ceilings = [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling


def test_options_are_validated() -> None:
    with pytest.raises(ValueError, match="timeout must be a duration"):
        EnumOpsOptions(lock_timeout="soon")
    with pytest.raises(ValueError, match=r"unknown enum_ops option\(s\) \['lock_timout'\]"):
        EnumOpsOptions.coerce({"lock_timout": "1s"})
    with pytest.raises(ValueError, match="lock_retries must be >= 0"):
        EnumOpsOptions(lock_retries=-1)
    with pytest.raises(TypeError, match="enum_ops must be an EnumOpsOptions or a dict"):
        EnumOpsOptions.coerce(3)
    assert EnumOpsOptions(lock_timeout=250).lock_timeout == "250ms"
