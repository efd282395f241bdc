"""A throw-away Alembic project per tool, driven by real ``python -m alembic``.

It is the test suite's project (:class:`tests.support.project.AlembicProject`) with the
benchmark's settings: every tool gets the same ``env.py`` except its import line
(``import alembic_enum_ops``, ``import alembic_postgresql_enum`` or nothing), revisions
use Alembic's own ``op``, and the env.py is instrumented: it times
``context.run_migrations()`` with ``time.monotonic()`` (CLOCK_MONOTONIC, comparable
across processes, so the migration window lines up with the load's samples) and counts
the SQL statements sent inside that window with an engine event, each with its start,
end and rowcount (an online conversion's own transactions and backfill batches are
read from that log), and the backend pid of the migration's connection.  It writes all
that to the JSON file named by ``$BENCH_STATS``.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.project import AlembicProject

# env.py's hooks (see tests/support/project.py): count the statements and time the run
INSTRUMENTATION = '''
import json
import time

counter = {"n": 0, "on": False, "pid": None}
statements = []  # [start, end or None, first words, rowcount]


def _count(conn, cursor, statement, parameters, ctx, executemany):
    if counter["on"]:
        counter["n"] += 1
        if counter["pid"] is None:
            try:
                counter["pid"] = conn.connection.dbapi_connection.info.backend_pid
            except Exception:
                counter["pid"] = -1
        statements.append([time.monotonic(), None, " ".join(statement.split()[:3])[:48], -1])


def _done(conn, cursor, statement, parameters, ctx, executemany):
    if counter["on"] and statements and statements[-1][1] is None:
        statements[-1][1] = time.monotonic()
        statements[-1][3] = getattr(cursor, "rowcount", -1)


def instrument(engine):
    sa.event.listen(engine, "before_cursor_execute", _count)
    sa.event.listen(engine, "after_cursor_execute", _done)


def run_migrations():
    counter["on"] = True
    start = time.monotonic()
    try:
        with context.begin_transaction():
            context.run_migrations()
    finally:
        end = time.monotonic()
        counter["on"] = False
        with open(os.environ["BENCH_STATS"], "w") as fh:
            json.dump({"start": start, "end": end, "statements": counter["n"],
                       "pid": counter["pid"], "log": statements}, fh)
'''

ENVIRONMENT: dict[str, str | None] = {
    "PYTHONDONTWRITEBYTECODE": "1",
    # One hash seed for every command: with some seeds vanilla Alembic reflects a table
    # twice (set iteration order), which would add ~9 statements per table to whichever
    # tool drew that seed.
    "PYTHONHASHSEED": "0",
    "PYTHONPATH": None,  # the tool's own interpreter and packages only
}


@dataclass
class AlembicRun:
    """What one ``alembic`` command did."""

    returncode: int
    wall: float  # whole process, seconds
    start: float | None  # monotonic, from env.py
    end: float | None
    statements: int | None
    stdout: str
    stderr: str
    proc_start: float = 0.0
    proc_end: float = 0.0
    pid: int | None = None  # the migration's backend
    log: list[list[Any]] = field(default_factory=list)  # [start, end, words, rowcount]

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def migration_seconds(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return self.end - self.start

    def error_tail(self, lines: int = 6) -> str:
        text = (self.stderr or self.stdout).strip().splitlines()
        return "\n".join(text[-lines:])


class Project(AlembicProject):
    """The benchmark's project for one tool, run against a database given per command."""

    def __init__(
        self,
        root: Path,
        python: str,
        tool_import: str,
        extra_configure: dict[str, Any] | None = None,
    ) -> None:
        configure = dict(extra_configure or {})
        super().__init__(
            root,
            env=dict(ENVIRONMENT),
            python=python,
            tool_import=tool_import,
            op_import="from alembic import op",
            enum_ops=configure.pop("enum_ops", {}),
            configure=configure,
            instrumentation=INSTRUMENTATION,
        )

    def set_revision(self, upgrade_body: str, imports: str = "") -> None:
        """Make the project hold exactly one revision, ``r1``, with this upgrade body."""
        for old in self.versions.glob("*.py"):
            old.unlink()
        self.write_revision("r1", upgrade_body, imports=imports)

    def start(self, url: str, *args: str) -> tuple[subprocess.Popen[str], Path, float]:
        stats = self.root / f"stats_{time.monotonic_ns()}.json"
        env = {**self.environment(url), "BENCH_STATS": str(stats)}
        started = time.monotonic()
        proc = subprocess.Popen(
            self.command(*args),
            cwd=self.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return proc, stats, started

    @staticmethod
    def finish(
        proc: subprocess.Popen[str], stats: Path, started: float, timeout: float = 900
    ) -> AlembicRun:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
            stderr += f"\n[benchmark] killed after {timeout}s"
        ended = time.monotonic()
        data: dict[str, Any] = {}
        if stats.exists():
            data = json.loads(stats.read_text())
            stats.unlink()
        return AlembicRun(
            returncode=proc.returncode,
            wall=ended - started,
            start=data.get("start"),
            end=data.get("end"),
            statements=data.get("statements"),
            stdout=stdout,
            stderr=stderr,
            proc_start=started,
            proc_end=ended,
            pid=data.get("pid"),
            log=data.get("log") or [],
        )

    def run(self, url: str, *args: str, timeout: float = 900) -> AlembicRun:
        proc, stats, started = self.start(url, *args)
        return self.finish(proc, stats, started, timeout)
