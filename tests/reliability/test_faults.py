"""Faults in the middle of a migration: the database is exactly as before or exactly
as after each committed step, and ``alembic upgrade head`` run again completes.

A real ``alembic upgrade`` subprocess is stopped at a known statement by a lock held
in another session (so the fault lands at a chosen point, not at a random one), then
either its backend is terminated (``pg_terminate_backend``) or the ``alembic``
process is killed with SIGKILL.  After the blocker lets go, the state is compared
with a model of every committed step; then the upgrade is rerun to the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.project import AlembicProject

from .helpers import connect
from .procs import (
    Session,
    start_alembic,
    terminate,
    wait_backends_gone,
    wait_for_lock_wait,
    with_application_name,
)

APP = "enum_ops_fault"
ROWS = 200

BASE_SQL = f"""
CREATE SCHEMA app;
CREATE TYPE app.status AS ENUM ('new', 'done');
CREATE TABLE app.jobs (
    id int PRIMARY KEY,
    s app.status NOT NULL DEFAULT 'new',
    history app.status[] NOT NULL DEFAULT '{{}}',
    note text
);
CREATE INDEX jobs_s ON app.jobs (s);
CREATE VIEW app.open_jobs AS SELECT id, s FROM app.jobs WHERE s <> 'done';
INSERT INTO app.jobs
SELECT g, CASE WHEN g % 2 = 0 THEN 'done' ELSE 'new' END::app.status,
       ARRAY['new']::app.status[], 'row ' || g
FROM generate_series(1, {ROWS}) g;
CREATE TABLE alembic_version (
    version_num varchar(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version VALUES ('r1');
"""

# The data step sits between two ADD VALUEs, so it is committed before the revision
# ends and runs again on a rerun: it must be idempotent (``history || 'running'``
# would append twice; the first version of this test did exactly that).
ADD_VALUE_REVISION = """
op.enum_add_value("status", "running", schema="app", before="done")
op.execute(
    "UPDATE app.jobs SET s = 'running', history = ARRAY['new', 'running']::app.status[] "
    "WHERE id % 3 = 0"
)
op.enum_add_value("status", "failed", schema="app")
"""

Row = tuple[int, str, list[str], str]


@dataclass(frozen=True)
class State:
    labels: tuple[str, ...]
    rows: tuple[Row, ...]
    version: str


def base_rows() -> list[Row]:
    return [(i, "done" if i % 2 == 0 else "new", ["new"], f"row {i}") for i in range(1, ROWS + 1)]


def updated_rows() -> list[Row]:
    return [
        (i, "running", ["new", "running"], n) if i % 3 == 0 else (i, s, h, n)
        for i, s, h, n in base_rows()
    ]


# the committed steps of the add-value revision, in order
S0 = State(("new", "done"), tuple(base_rows()), "r1")
S1 = State(("new", "running", "done"), tuple(base_rows()), "r1")  # ADD VALUE 'running'
S2 = State(("new", "running", "done"), tuple(updated_rows()), "r1")  # UPDATE committed
S3 = State(("new", "running", "done", "failed"), tuple(updated_rows()), "r1")  # ADD 'failed'
S4 = State(S3.labels, S3.rows, "r2")  # version stamped


def read_state(url: str) -> State:
    with connect(url) as conn:
        labels = conn.execute(
            "SELECT array_agg(enumlabel::text ORDER BY enumsortorder) FROM pg_enum "
            "WHERE enumtypid = 'app.status'::regtype"
        ).fetchone()
        rows = conn.execute(
            "SELECT id, s::text, history::text[], note FROM app.jobs ORDER BY id"
        ).fetchall()
        version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        view = conn.execute("SELECT count(*) FROM app.open_jobs").fetchone()
    assert labels is not None and len(version) == 1
    state = State(
        tuple(labels[0]), tuple((r[0], r[1], list(r[2]), r[3]) for r in rows), version[0][0]
    )
    assert view == (sum(1 for r in state.rows if r[1] != "done"),)
    return state


def setup_project(tmp_path: Path, db_url: str) -> AlembicProject:
    with connect(db_url) as conn:
        conn.execute(BASE_SQL)  # type: ignore[arg-type]
    project = AlembicProject(tmp_path / "project", with_application_name(db_url, APP))
    # a long lock_timeout keeps the blocked statement waiting where the test put it
    project.write_models(
        "import sqlalchemy as sa\nmetadata = sa.MetaData()\n"
        "ENUM_OPS = {'lock_timeout': '60s', 'lock_retries': 0}\n"
    )
    project.write_revision("r1", "pass")
    project.write_revision("r2", ADD_VALUE_REVISION, down_revision="r1")
    return project


@dataclass(frozen=True)
class FaultPoint:
    """Where the migration is stopped and the state it must leave behind."""

    name: str
    block: Callable[[str, Any], list[Session]]
    fragment: str
    expected: State


def _lock_type(url: str, run: Any) -> list[Session]:
    return [Session(url, "COMMENT ON TYPE app.status IS 'held by the test'")]


def _lock_table(url: str, run: Any) -> list[Session]:
    return [Session(url, "LOCK TABLE app.jobs IN SHARE MODE")]


def _lock_type_after_update(url: str, run: Any) -> list[Session]:
    """Hold the table until the migration waits in its UPDATE, take the type, then
    let the UPDATE go: the second ADD VALUE is the next thing that blocks."""
    table = Session(url, "LOCK TABLE app.jobs IN SHARE MODE")
    try:
        wait_for_lock_wait(url, APP, "UPDATE app.jobs", run)
        type_lock = Session(url, "COMMENT ON TYPE app.status IS 'held by the test'")
    finally:
        table.release()
    return [type_lock]


def _lock_version_row(url: str, run: Any) -> list[Session]:
    return [Session(url, "SELECT * FROM alembic_version FOR UPDATE")]


POINTS = [
    FaultPoint("first ADD VALUE", _lock_type, "ADD VALUE IF NOT EXISTS 'running'", S0),
    FaultPoint("data UPDATE", _lock_table, "UPDATE app.jobs", S1),
    FaultPoint("second ADD VALUE", _lock_type_after_update, "'failed'", S2),
    FaultPoint("version stamp", _lock_version_row, "UPDATE alembic_version", S3),
]


@pytest.mark.e2e
@pytest.mark.parametrize("fault", ["pg_terminate_backend", "SIGKILL"])
@pytest.mark.parametrize("point", POINTS, ids=[p.name for p in POINTS])
def test_add_value_revision_interrupted(
    tmp_path: Path, db_url: str, point: FaultPoint, fault: str
) -> None:
    project = setup_project(tmp_path, db_url)
    assert read_state(db_url) == S0
    run = start_alembic(project, "upgrade", "head")
    sessions: list[Session] = []
    try:
        sessions = point.block(db_url, run)
        pid = wait_for_lock_wait(db_url, APP, point.fragment, run)
        if fault == "SIGKILL":
            run.kill()
            assert run.process.returncode == -9
        else:
            terminate(db_url, pid)
            assert run.wait() != 0, run.output()
            assert "terminat" in run.output(), run.output()
    finally:
        for session in sessions:
            session.release()
        run.close()
    # a killed client's backend finishes its statement, then sees EOF and rolls back
    wait_backends_gone(db_url, APP)
    assert read_state(db_url) == point.expected

    project.upgrade()
    assert read_state(db_url) == S4
