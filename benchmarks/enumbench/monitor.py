"""What a migration costs the server: exclusive-lock holds, WAL, disk.

* **ACCESS EXCLUSIVE holds** -- a thread polls ``pg_locks`` every ``interval`` seconds
  (2 ms by default) for an ``AccessExclusiveLock`` granted on the measured table, and
  records which backends hold it.  An *episode* is a run of consecutive samples that
  saw the migration's backend hold it.  Its length is bracketed: at least the time
  between the first and the last sample that saw it, at most the time between the last
  sample before that did not and the first sample after that did not (the figure
  reported: an upper bound, a few milliseconds above the true hold).
* **WAL** -- ``pg_current_wal_lsn()`` before and after the command; the difference is
  cluster-wide (other databases on a shared server write WAL too), so the WAL rate of
  the baseline period before the command is recorded to estimate that background.
* **what the writers wait on** -- every few polls, the wait events of the load's
  sessions that are active (``pg_stat_activity``): a stall shows up as a run of
  samples of one wait event (a row lock, the relation extension lock, WAL I/O...).
* **disk** -- ``pg_database_size()`` of the run's own database, sampled every
  ``disk_interval`` seconds: its peak above the size before the command is the peak
  extra disk (shadow columns, dead row versions, twin indexes, a rewrite's new copy).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg

from . import db

WAITS_SQL = """
SELECT coalesce(array_agg(wait_event_type || ':' || wait_event), '{}')
FROM pg_catalog.pg_stat_activity
WHERE application_name = 'enumbench-load' AND state = 'active' AND wait_event IS NOT NULL
  AND datname = current_database()
"""

LOCKS_SQL = """
SELECT coalesce(array_agg(l.pid), '{}') FROM pg_catalog.pg_locks l
WHERE l.locktype = 'relation' AND l.relation = %(rel)s AND l.database = %(db)s
  AND l.mode = 'AccessExclusiveLock' AND l.granted
"""


def wal_lsn(dsn: str) -> str:
    with db.admin_connect(dsn) as conn:
        row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert row is not None
    return str(row[0])


def wal_diff(dsn: str, after: str, before: str) -> int:
    with db.admin_connect(dsn) as conn:
        row = conn.execute("SELECT pg_wal_lsn_diff(%s, %s)::bigint", (after, before)).fetchone()
    assert row is not None
    return int(row[0])


def database_size(dsn: str, dbname: str) -> int:
    with db.admin_connect(dsn) as conn:
        row = conn.execute("SELECT pg_database_size(%s)", (dbname,)).fetchone()
    assert row is not None
    return int(row[0])


@dataclass
class Episode:
    start: float  # monotonic, first sample that saw the lock
    end: float  # last sample that saw it
    before: float  # last sample before that did not see it
    after: float  # first sample after that did not see it

    @property
    def lower_ms(self) -> float:
        return (self.end - self.start) * 1000

    @property
    def upper_ms(self) -> float:
        return (self.after - self.before) * 1000


@dataclass
class Monitor:
    """Samples ``pg_locks`` and ``pg_database_size`` while a migration runs."""

    dsn: str  # admin URL of the server
    dbname: str
    table: str
    interval: float = 0.002
    disk_interval: float = 0.25
    samples: list[tuple[float, tuple[int, ...]]] = field(default_factory=list)
    sizes: list[tuple[float, int]] = field(default_factory=list)
    poll_ms: list[float] = field(default_factory=list)
    waits: Counter[str] = field(default_factory=Counter)
    wait_every: int = 5  # polls between two looks at the writers' wait events
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(30)

    def _run(self) -> None:
        conn = psycopg.connect(
            db.with_db(self.dsn, self.dbname), autocommit=True, connect_timeout=10
        )
        try:
            conn.execute("SET application_name = 'enumbench-monitor'")
            row = conn.execute(
                "SELECT %s::regclass::oid, (SELECT oid FROM pg_database "
                "WHERE datname = current_database())",
                (f"{db.SCHEMA}.{self.table}",),
            ).fetchone()
            assert row is not None
            params = {"rel": row[0], "db": row[1]}
            next_disk = 0.0
            polls = 0
            self._ready.set()
            while not self._stop.is_set():
                polls += 1
                if polls % self.wait_every == 0:
                    seen = conn.execute(WAITS_SQL, prepare=True).fetchone()
                    for event in (seen[0] if seen and seen[0] else ()):
                        self.waits[str(event)] += 1
                t0 = time.monotonic()
                got = conn.execute(LOCKS_SQL, params, prepare=True).fetchone()
                t1 = time.monotonic()
                pids = tuple(got[0]) if got and got[0] else ()
                self.samples.append(((t0 + t1) / 2, pids))
                self.poll_ms.append((t1 - t0) * 1000)
                if t1 >= next_disk:
                    size = conn.execute(
                        "SELECT pg_database_size(current_database())"
                    ).fetchone()
                    if size is not None:
                        self.sizes.append((time.monotonic(), int(size[0])))
                    next_disk = t1 + self.disk_interval
                time.sleep(self.interval)
        finally:
            self._ready.set()
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)

    def episodes(self, pid: int | None) -> list[Episode]:
        """Runs of samples that saw ``pid`` (any backend when None) hold the lock."""

        def held(pids: tuple[int, ...]) -> bool:
            return bool(pids) if pid is None else pid in pids

        out: list[Episode] = []
        current: Episode | None = None
        previous = self.samples[0][0] if self.samples else 0.0
        for t, pids in self.samples:
            if held(pids):
                if current is None:
                    current = Episode(t, t, previous, t)
                current.end = t
            else:
                if current is not None:
                    current.after = t
                    out.append(current)
                    current = None
                previous = t
        if current is not None:
            current.after = current.end
            out.append(current)
        return out

    def summary(self, pid: int | None, size_before: int) -> dict[str, Any]:
        episodes = self.episodes(pid)
        peak = max((s for _, s in self.sizes), default=size_before)
        polls = sorted(self.poll_ms)
        times = [t for t, _ in self.samples]
        gaps = [(b - a) * 1000 for a, b in itertools.pairwise(times)]
        return {
            "ael_episodes": len(episodes),
            "ael_max_ms": max((e.upper_ms for e in episodes), default=0.0),
            "ael_max_lower_ms": max((e.lower_ms for e in episodes), default=0.0),
            "ael_last_ms": episodes[-1].upper_ms if episodes else None,
            "ael_total_ms": sum(e.upper_ms for e in episodes),
            "ael_holds_ms": [round(e.upper_ms, 1) for e in episodes],
            "lock_samples": len(self.samples),
            "lock_poll_p50_ms": polls[len(polls) // 2] if polls else None,
            "lock_poll_max_gap_ms": max(gaps, default=None),
            "disk_peak_extra_bytes": max(peak - size_before, 0),
            # wait events of active writer sessions, counted over the samples (each
            # sample that saw one is about wait_every * interval of waiting)
            "writer_waits": dict(self.waits.most_common(8)),
        }
