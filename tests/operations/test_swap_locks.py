"""The swap under a lock held by another session: lock_timeout, retries, then success
once the lock is released, or a clear error naming the table and the holder."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from alembic_enum_ops import LockTimeoutExhaustedError
from tests.support.catalog import enum_snapshot, execute, query, snapshot
from tests.support.migrate import render_offline, run_online
from tests.support.sessions import lock_held

SETUP = [
    "CREATE SCHEMA ai",
    "CREATE TYPE ai.status AS ENUM ('new', 'old')",
    "CREATE TABLE ai.jobs (id int, s ai.status)",
    "INSERT INTO ai.jobs VALUES (1, 'old'), (2, 'new')",
]

FAST = {"lock_timeout": "100ms", "retry_backoff": 0.05, "retry_backoff_max": 0.2}


def swap(op: Any) -> None:
    op.enum_swap("status", ["new", "done"], schema="ai", mapping={"old": "done"})


def test_retries_until_the_reader_lets_go(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    execute(db_url, *SETUP)
    caplog.set_level(logging.WARNING, logger="alembic_enum_ops")
    with lock_held(db_url, "LOCK TABLE ai.jobs IN ACCESS SHARE MODE", release_after=1.0):
        started = time.monotonic()
        run_online(db_url, swap, enum_ops={**FAST, "lock_retries": 30})
        elapsed = time.monotonic() - started
    retries = [r for r in caplog.records if "lock not available" in r.getMessage()]
    assert retries, "the swap should have hit lock_timeout at least once"
    assert elapsed >= 0.9
    assert enum_snapshot(db_url) == {("ai", "status"): ("new", "done")}
    assert query(db_url, "SELECT id, s::text FROM ai.jobs ORDER BY id") == [
        (1, "done"), (2, "new"),
    ]


def test_gives_up_naming_the_table_and_the_holder(db_url: str) -> None:
    execute(db_url, *SETUP)
    before = snapshot(db_url, ["ai.jobs"])
    with lock_held(db_url, "LOCK TABLE ai.jobs IN ACCESS SHARE MODE", release_after=None) as pid:
        with pytest.raises(LockTimeoutExhaustedError) as caught:
            run_online(db_url, swap, enum_ops={**FAST, "lock_retries": 2})
    message = str(caught.value)
    assert "ACCESS EXCLUSIVE lock on table ai.jobs" in message
    assert f"pid {pid} " in message
    assert "AccessShareLock" in message
    assert "after 3 attempts" in message
    assert snapshot(db_url, ["ai.jobs"]) == before


def test_the_swap_runs_under_lock_timeout_offline_too() -> None:
    script = render_offline(swap, enum_ops={"lock_timeout": "750ms"})
    lines = [line for line in script.splitlines() if line.strip()]
    do_line = next(i for i, line in enumerate(lines) if line.startswith("DO $"))
    assert lines[do_line - 1] == "SET LOCAL lock_timeout = '750ms';"
    # one statement, inside the revision's transaction: no COMMIT before it
    assert "COMMIT;" not in "\n".join(lines[:do_line])


def test_an_operation_can_set_its_own_lock_timeout() -> None:
    script = render_offline(
        lambda op: op.enum_remove_value("status", "old", schema="ai", lock_timeout=300),
        enum_ops={"lock_timeout": "5s"},
    )
    assert "SET LOCAL lock_timeout = '300ms';" in script
    assert "'5s'" not in script
