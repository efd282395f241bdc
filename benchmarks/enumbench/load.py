"""Load during a migration: writer/reader processes and lock-queue probes.

Writers are separate processes (not threads) so that a stalled statement in one never
delays the clock of another, and the interpreter lock cannot add latency.  Each loop is
bounded in count and in time and paced (a short sleep between statements) so the load
does not starve a shared two-core machine.  Clients use psycopg 3 defaults, autocommit
and server-side prepared statements after five executions, as an application would:
if a migration invalidates what a client prepared, the failed writes show it.
"""

from __future__ import annotations

import multiprocessing as mp
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg

from . import db

Sample = tuple[float, float, bool]  # (monotonic start, latency seconds, succeeded)

_MP = mp.get_context("fork")


def _statement(kind: str, table: str) -> str:
    qualified = f"{db.SCHEMA}.{table}"
    if kind == "insert":
        return f"INSERT INTO {qualified} (status, payload) VALUES (%s, %s)"
    if kind == "update":
        return f"UPDATE {qualified} SET status = %s WHERE id = %s"
    return f"SELECT id, status FROM {qualified} WHERE id = %s"


def _connect(
    dsn: str, statement_timeout: str, prepare: bool = True
) -> psycopg.Connection[Any]:
    conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10)
    if not prepare:
        conn.prepare_threshold = None  # never use server-side prepared statements
    conn.execute(f"SET statement_timeout = '{statement_timeout}'")
    conn.execute("SET application_name = 'enumbench-load'")
    return conn


def _worker(
    kind: str,
    dsn: str,
    table: str,
    rows: int,
    interval: float,
    max_seconds: float,
    max_ops: int,
    stop: Any,
    ready: Any,
    out: Any,
    seed: int,
    prepare: bool,
) -> None:
    rnd = random.Random(seed)
    sql = _statement(kind, table)
    samples: list[Sample] = []
    errors: Counter[str] = Counter()
    deadline = time.monotonic() + max_seconds
    conn = _connect(dsn, "120s", prepare)
    try:
        while not stop.is_set() and len(samples) < max_ops and time.monotonic() < deadline:
            label = rnd.choice(db.WRITE_LABELS)
            params: tuple[Any, ...]
            if kind == "insert":
                params = (label, "bench")
            elif kind == "update":
                params = (label, rnd.randint(1, rows))
            else:
                params = (rnd.randint(1, rows),)
            t0 = time.monotonic()
            ok = True
            try:
                cur = conn.execute(sql, params)
                if kind == "select":
                    cur.fetchall()
            except psycopg.Error as exc:
                ok = False
                errors[str(exc).strip().splitlines()[0][:160]] += 1
                if conn.broken or conn.closed:
                    conn = _connect(dsn, "120s", prepare)
            samples.append((t0, time.monotonic() - t0, ok))
            if len(samples) == 1:
                ready.set()
            time.sleep(interval)
    finally:
        ready.set()
        out.put((kind, samples, dict(errors)))
        conn.close()


@dataclass
class LoadResult:
    samples: dict[str, list[Sample]]
    errors: dict[str, dict[str, int]]

    def writes(self) -> list[Sample]:
        return sorted(self.samples.get("insert", []) + self.samples.get("update", []))


@dataclass
class Load:
    """One inserting, one updating and one reading session on ``table``."""

    dsn: str
    table: str
    rows: int
    interval: float = 0.004
    max_seconds: float = 3600.0  # an online conversion of 10M rows takes minutes
    max_ops: int = 2_000_000
    kinds: tuple[str, ...] = ("insert", "update", "select")
    prepare: bool = True  # psycopg's default: prepare after five executions
    _procs: list[Any] = field(default_factory=list)

    def start(self) -> None:
        self._stop = _MP.Event()
        self._out: Any = _MP.Queue()
        readies = []
        for i, kind in enumerate(self.kinds):
            ready = _MP.Event()
            proc = _MP.Process(
                target=_worker,
                args=(
                    kind, self.dsn, self.table, self.rows, self.interval, self.max_seconds,
                    self.max_ops, self._stop, ready, self._out, 1000 + i, self.prepare,
                ),
                daemon=True,
            )
            proc.start()
            self._procs.append(proc)
            readies.append(ready)
        for ready in readies:
            ready.wait(30)

    def stop(self) -> LoadResult:
        self._stop.set()
        samples: dict[str, list[Sample]] = {}
        errors: dict[str, dict[str, int]] = {}
        for _ in self._procs:
            kind, got, errs = self._out.get(timeout=180)
            samples[kind] = got
            errors[kind] = errs
        for proc in self._procs:
            proc.join(30)
        return LoadResult(samples, errors)


class LockHolder(threading.Thread):
    """A transaction that reads the table, then sits there holding ACCESS SHARE."""

    def __init__(self, dsn: str, table: str, hold: float) -> None:
        super().__init__(daemon=True)
        self.dsn, self.table, self.hold = dsn, table, hold
        self.locked = threading.Event()
        self.released_at: float | None = None
        self.acquired_at: float | None = None

    def run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute("SET application_name = 'enumbench-long-reader'")
            conn.execute("BEGIN")
            conn.execute(f"SELECT id FROM {db.SCHEMA}.{self.table} LIMIT 1")
            self.acquired_at = time.monotonic()
            self.locked.set()
            time.sleep(self.hold)
            conn.execute("COMMIT")
            self.released_at = time.monotonic()


class Probes:
    """A few sessions issuing ordinary SELECTs in a loop; records how long each waited."""

    def __init__(
        self, dsn: str, table: str, rows: int, sessions: int = 4, interval: float = 0.05
    ) -> None:
        self.dsn, self.table, self.rows = dsn, table, rows
        self.sessions, self.interval = sessions, interval
        self.samples: list[Sample] = []
        self.errors: Counter[str] = Counter()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def _loop(self, index: int) -> None:
        rnd = random.Random(index)
        sql = _statement("select", self.table)
        time.sleep(index * self.interval / self.sessions)  # stagger the sessions
        with _connect(self.dsn, "300s") as conn:
            deadline = time.monotonic() + 600
            while not self._stop.is_set() and time.monotonic() < deadline:
                t0 = time.monotonic()
                ok = True
                try:
                    conn.execute(sql, (rnd.randint(1, self.rows),)).fetchall()
                except psycopg.Error as exc:
                    ok = False
                    with self._lock:
                        self.errors[str(exc).strip().splitlines()[0][:160]] += 1
                with self._lock:
                    self.samples.append((t0, time.monotonic() - t0, ok))
                time.sleep(self.interval)

    def start(self) -> None:
        for i in range(self.sessions):
            thread = threading.Thread(target=self._loop, args=(i,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> list[Sample]:
        self._stop.set()
        for thread in self._threads:
            thread.join(330)
        return sorted(self.samples)
