"""Concurrent sessions that insert, update and read while a migration runs.

Each worker is a thread with its own psycopg connection, ``statement_timeout`` and
``lock_timeout`` set, a stop event and a hard deadline, so a migration that blocks
writers shows up as failed writes (or a timeout) instead of a hung test.  Workers
record every error; the tests assert there are none (or only the ones a migration
must cause).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg

from tests.support.server import libpq_url

HARD_LIMIT = 60.0
"""No worker runs longer than this, whatever happens."""


@dataclass
class Outcome:
    """What the workers did and saw."""

    inserted: dict[int, str] = field(default_factory=dict)
    """id -> label written, for every insert that committed."""
    increments: Counter[int] = field(default_factory=Counter)
    """id -> committed ``counter + 1`` updates."""
    reads: int = 0
    errors: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    """Writes refused with an expected SQLSTATE (e.g. a removed label)."""
    labels_seen: set[str] = field(default_factory=set)
    max_write_seconds: float = 0.0
    """The longest a single committed insert took (lock queue stalls show here)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, who: str, exc: BaseException) -> None:
        with self.lock:
            self.errors.append(f"{who}: {type(exc).__name__}: {exc}")


class Workload:
    """Writers insert rows with labels the type currently has and bump counters;
    readers check monotonic counts and that rows changed together are seen together.

    ``table`` has columns ``id int PK, s <enum>, counter int``; ``type_sql`` names the
    enum (``app.status``); ids above ``first_id`` are new inserts.
    ``expected_rejections`` lists SQLSTATEs a write may fail with (e.g. ``22P02``
    for a label removed by the migration) — those are counted, not errors.
    """

    def __init__(
        self,
        url: str,
        *,
        table: str,
        type_sql: str,
        first_id: int,
        existing_ids: list[int],
        writers: int = 2,
        updaters: int = 1,
        readers: int = 1,
        avoid_labels: frozenset[str] = frozenset(),
        expected_rejections: frozenset[str] = frozenset(),
        groups: list[list[int]] | None = None,
        column: str = "s",
        labels_query: str | None = None,
        prepare_threshold: int | None = 5,
    ) -> None:
        self.url = libpq_url(url)
        self.table = table
        self.type_sql = type_sql
        self.next_id = first_id
        self.existing_ids = existing_ids
        self.avoid = avoid_labels
        self.expected_rejections = expected_rejections
        self.groups = groups or []
        self.column = column
        self.prepare_threshold = prepare_threshold
        """psycopg prepares a statement after this many runs (None: never)."""
        self.labels_query = labels_query or f"SELECT enum_range(NULL::{type_sql})::text[]"
        self.outcome = Outcome()
        self.stop = threading.Event()
        self._id_lock = threading.Lock()
        roles = [(self._writer, "writer", writers), (self._updater, "updater", updaters)]
        roles.append((self._reader, "reader", readers))
        self.threads = [
            threading.Thread(target=self._guard, args=(fn, f"{role}{i}"), name=f"{role}{i}")
            for fn, role, count in roles
            for i in range(count)
        ]
        self.deadline = 0.0

    # -- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> Workload:
        self.deadline = time.monotonic() + HARD_LIMIT
        for thread in self.threads:
            thread.daemon = True
            thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=HARD_LIMIT)
        alive = [t.name for t in self.threads if t.is_alive()]
        assert not alive, f"workers still running after {HARD_LIMIT}s: {alive}"

    def running(self) -> bool:
        return not self.stop.is_set() and time.monotonic() < self.deadline

    def wait_for_progress(self, inserts: int, timeout: float = 30.0) -> None:
        """Block until the writers have committed ``inserts`` more rows."""
        target = len(self.outcome.inserted) + inserts
        end = time.monotonic() + timeout
        while len(self.outcome.inserted) < target:
            assert not self.outcome.errors, self.outcome.errors
            assert time.monotonic() < end, "workers made no progress"
            time.sleep(0.01)

    # -- workers ---------------------------------------------------------------------

    def _connect(self, name: str) -> psycopg.Connection[tuple[Any, ...]]:
        conn = psycopg.connect(
            self.url,
            autocommit=True,
            application_name=f"enum_ops_load_{name}",
            options="-c statement_timeout=10s -c lock_timeout=10s",
            connect_timeout=10,
        )
        conn.prepare_threshold = self.prepare_threshold
        return conn

    def _guard(self, fn: Any, name: str) -> None:
        try:
            with self._connect(name) as conn:
                fn(conn, name)
        except BaseException as exc:  # a dead worker must fail the test, not vanish
            self.outcome.error(name, exc)

    def _labels(self, conn: psycopg.Connection[tuple[Any, ...]]) -> list[str]:
        row = conn.execute(self.labels_query).fetchone()  # type: ignore[arg-type]
        assert row is not None
        return [label for label in row[0] if label not in self.avoid]

    def _writer(self, conn: psycopg.Connection[tuple[Any, ...]], name: str) -> None:
        rng = random.Random(name)
        labels = self._labels(conn)
        cast = f"::{self.type_sql}" if self.type_sql else ""
        sql = f"INSERT INTO {self.table} (id, {self.column}, counter) VALUES (%s, %s{cast}, 0)"
        count = 0
        while self.running():
            count += 1
            if count % 5 == 0:  # pick up labels added meanwhile
                labels = self._labels(conn)
            with self._id_lock:
                self.next_id += 1
                new_id = self.next_id
            label = rng.choice(labels)
            started = time.monotonic()
            try:
                conn.execute(sql, (new_id, label))  # type: ignore[arg-type]
            except psycopg.Error as exc:
                if exc.sqlstate in self.expected_rejections:
                    with self.outcome.lock:
                        self.outcome.rejected.append(f"{label!r}: {exc.sqlstate}")
                    labels = self._labels(conn)
                    continue
                raise
            took = time.monotonic() - started
            with self.outcome.lock:
                self.outcome.inserted[new_id] = label
                self.outcome.labels_seen.add(label)
                self.outcome.max_write_seconds = max(self.outcome.max_write_seconds, took)

    def _updater(self, conn: psycopg.Connection[tuple[Any, ...]], name: str) -> None:
        rng = random.Random(name)
        sql = f"UPDATE {self.table} SET counter = counter + 1 WHERE id = %s"
        while self.running():
            row_id = rng.choice(self.existing_ids)
            try:
                result = conn.execute(sql, (row_id,))  # type: ignore[arg-type]
            except psycopg.Error as exc:
                if exc.sqlstate in self.expected_rejections:
                    with self.outcome.lock:
                        self.outcome.rejected.append(f"update of row {row_id}: {exc.sqlstate}")
                    continue
                raise
            assert result.rowcount == 1, f"row {row_id} vanished"
            with self.outcome.lock:
                self.outcome.increments[row_id] += 1

    def _reader(self, conn: psycopg.Connection[tuple[Any, ...]], name: str) -> None:
        last_count = last_sum = -1
        while self.running():
            row = conn.execute(
                f"SELECT count(*), coalesce(sum(counter), 0), count({self.column}::text) "  # type: ignore[arg-type]
                f"FROM {self.table}"
            ).fetchone()
            assert row is not None
            count, total, labelled = row
            assert count >= last_count, f"row count went down: {last_count} -> {count}"
            assert total >= last_sum, f"sum of counters went down: {last_sum} -> {total}"
            assert labelled == count, "a row lost its label"
            last_count, last_sum = count, total
            for group in self.groups:
                seen = conn.execute(
                    f"SELECT array_agg(DISTINCT {self.column}::text) FROM {self.table} "  # type: ignore[arg-type]
                    "WHERE id = ANY(%s)",
                    (group,),
                ).fetchone()
                assert seen is not None and len(seen[0]) == 1, (
                    f"rows changed together were seen apart: {seen}"
                )
            with self.outcome.lock:
                self.outcome.reads += 1
