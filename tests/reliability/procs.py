"""Driving ``alembic`` processes and database sessions for fault and load tests.

Everything waits with a deadline: a test that cannot reach the state it needs fails
with what it saw instead of hanging CI.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psycopg
from sqlalchemy.engine import make_url

from alembic_enum_ops.ddl.plan import Plan
from tests.support.project import AlembicProject
from tests.support.server import libpq_url

DEADLINE = 30.0
"""Seconds any wait in these tests may take before it fails."""


def with_application_name(url: str, application_name: str) -> str:
    """The URL with ``application_name`` set, so ``pg_stat_activity`` shows who is who."""
    return (
        make_url(url)
        .update_query_dict({"application_name": application_name})
        .render_as_string(hide_password=False)
    )


def wait_until(
    predicate: Callable[[], Any], what: str, timeout: float = DEADLINE, interval: float = 0.05
) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Session:
    """A psycopg session that takes locks in an open transaction and holds them."""

    def __init__(self, url: str, *statements: str, application_name: str = "enum_ops_blocker"):
        self.conn = psycopg.connect(
            libpq_url(url),
            autocommit=False,
            application_name=application_name,
            connect_timeout=10,
            options=f"-c statement_timeout={int(DEADLINE)}s",
        )
        for statement in statements:
            self.conn.execute(statement)  # type: ignore[arg-type]

    def run(self, statement: str) -> None:
        self.conn.execute(statement)  # type: ignore[arg-type]

    def release(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()
            self.conn.close()


@dataclass
class AlembicRun:
    """A running ``python -m alembic`` subprocess, or a plan run by
    :func:`start_plan` (output to temporary files)."""

    process: subprocess.Popen[bytes]
    out: IO[bytes]
    err: IO[bytes]
    args: Sequence[str] = field(default_factory=list)

    def wait(self, timeout: float = DEADLINE) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            self.kill()
            raise AssertionError(
                f"alembic {' '.join(self.args)} did not end in {timeout}s"
            ) from exc

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=DEADLINE)

    def output(self) -> str:
        self.out.seek(0)
        self.err.seek(0)
        return (
            f"--- stdout ---\n{self.out.read().decode(errors='replace')}\n"
            f"--- stderr ---\n{self.err.read().decode(errors='replace')}"
        )

    def close(self) -> None:
        self.kill()
        self.out.close()
        self.err.close()


def start_alembic(project: AlembicProject, *args: str) -> AlembicRun:
    """Start ``alembic`` in ``project`` without waiting (own process group, so a
    SIGKILL reaches it and nothing else)."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    process = subprocess.Popen(
        project.command(*args),
        cwd=project.root,
        stdout=out,
        stderr=err,
        env=project.environment(),
        start_new_session=True,
    )
    return AlembicRun(process, out, err, list(args))


def start_plan(url: str, plan: Plan, **options: Any) -> AlembicRun:
    """Run ``plan`` against ``url`` in a Python process of its own
    (:mod:`tests.reliability.plan_process`; own process group, so a SIGKILL reaches it
    and nothing else), ``options`` being its ``EnumOpsOptions``.  The process imports
    the package and the tests from this checkout."""
    root = Path(__file__).resolve().parents[2]
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    path = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH")) if p)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.plan_process"],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=out,
        stderr=err,
        env={**os.environ, "PYTHONPATH": path},
        start_new_session=True,
    )
    assert process.stdin is not None
    process.stdin.write(pickle.dumps((url, plan, options)))
    process.stdin.close()
    return AlembicRun(process, out, err, ["plan", plan.description])


def backends(url: str, application_name: str) -> list[tuple[int, str | None, str]]:
    """``(pid, wait_event_type, query)`` of the sessions with that application name."""
    with psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT pid, wait_event_type, query FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid() "
            "AND datname = current_database()",
            (application_name,),
        ).fetchall()
    return [(int(r[0]), r[1], str(r[2])) for r in rows]


def wait_for_lock_wait(
    url: str, application_name: str, fragment: str, run: AlembicRun | None = None
) -> int:
    """The pid of the session waiting on a lock while running a statement that
    contains ``fragment``."""

    def find() -> int | None:
        if run is not None and run.process.poll() is not None:
            raise AssertionError(
                f"alembic ended (exit {run.process.returncode}) before waiting at "
                f"{fragment!r}\n{run.output()}"
            )
        for pid, wait_type, query in backends(url, application_name):
            if wait_type == "Lock" and fragment in query:
                return pid
        return None

    return int(wait_until(find, f"a session blocked at {fragment!r}"))


def wait_backends_gone(url: str, application_name: str) -> None:
    wait_until(
        lambda: not backends(url, application_name), f"sessions of {application_name} to end"
    )


def terminate(url: str, pid: int) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        assert conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
