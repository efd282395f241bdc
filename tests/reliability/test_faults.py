"""Faults in the middle of a migration: the database is exactly as before or exactly
as after each committed step, and ``alembic upgrade head`` run again completes.

A real ``alembic upgrade`` subprocess is stopped at a known statement by a lock held
in another session (so the fault lands at a chosen point, not at a random one), then
either its backend is terminated (``pg_terminate_backend``) or the ``alembic``
process is killed with SIGKILL.  After the blocker lets go, the state is compared
with a model of every committed step; then the upgrade is rerun to the end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.support.project import AlembicProject
from tests.support.sessions import connect

from .procs import (
    AlembicRun,
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


FAULT_CASES = [
    pytest.param(point, fault, id=f"{point.name}-{fault}")
    for point in POINTS
    for fault in ("pg_terminate_backend", "SIGKILL")
    # SIGKILL at the ADD VALUE and the stamp behaves like the backend's end (the
    # statement finishes, EOF rolls back); two points suffice to keep CI short
    if fault == "pg_terminate_backend" or point.name in ("data UPDATE", "second ADD VALUE")
]


@pytest.mark.e2e
@pytest.mark.parametrize(("point", "fault"), FAULT_CASES)
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


# --- swap: all or nothing -------------------------------------------------------------

SWAP_BASE_SQL = f"""
CREATE SCHEMA app;
CREATE TYPE app.status AS ENUM ('new', 'done', 'failed');
CREATE TABLE app.jobs (
    id int PRIMARY KEY,
    s app.status NOT NULL DEFAULT 'new',
    history app.status[] NOT NULL DEFAULT '{{}}'
);
CREATE INDEX jobs_s ON app.jobs (s);
CREATE VIEW app.open_jobs AS SELECT id, s FROM app.jobs WHERE s <> 'done';
CREATE TABLE app.audit (id int PRIMARY KEY, s app.status);
INSERT INTO app.jobs
SELECT g, (ARRAY['new', 'done', 'failed'])[g % 3 + 1]::app.status,
       ARRAY['new', (ARRAY['new', 'done', 'failed'])[g % 3 + 1]]::app.status[]
FROM generate_series(1, {ROWS}) g;
INSERT INTO app.audit SELECT g, 'done' FROM generate_series(1, 50) g;
CREATE TABLE alembic_version (
    version_num varchar(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version VALUES ('r1');
"""

# remove 'done' (rows go to 'archived'), reorder, add 'archived'
SWAP_REVISION = """
op.enum_swap(
    "status", ["failed", "new", "archived"], schema="app",
    mapping={"done": "archived"}, old_values=["new", "done", "failed"],
)
"""


def read_swap_state(url: str) -> dict[str, Any]:
    """Everything the swap touches: types (no leftovers), rows, view, index, default."""
    with connect(url) as conn:
        types = conn.execute(
            "SELECT n.nspname || '.' || t.typname, "
            "array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_type t "
            "JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
        jobs = conn.execute(
            "SELECT id, s::text, history::text[] FROM app.jobs ORDER BY id"
        ).fetchall()
        audit = conn.execute("SELECT id, s::text FROM app.audit ORDER BY id").fetchall()
        view = conn.execute("SELECT id, s::text FROM app.open_jobs ORDER BY id").fetchall()
        index = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'jobs_s'"
        ).fetchall()
        with conn.transaction(force_rollback=True):
            default = conn.execute(
                "INSERT INTO app.jobs (id) VALUES (-1) RETURNING s::text, history::text[]"
            ).fetchone()
        version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    return {
        "types": [tuple(r) for r in types],
        "jobs": [tuple(r) for r in jobs],
        "audit": [tuple(r) for r in audit],
        "view": [tuple(r) for r in view],
        "index": len(index),
        "default": default,
        "version": [r[0] for r in version],
    }


def _swap_expected(before: dict[str, Any]) -> dict[str, Any]:
    def m(label: str) -> str:
        return "archived" if label == "done" else label

    jobs = [(i, m(s), [m(h) for h in hist]) for i, s, hist in before["jobs"]]
    return {
        "types": [("app.status", ["failed", "new", "archived"])],
        "jobs": jobs,
        "audit": [(i, m(s)) for i, s in before["audit"]],
        # the view's literal follows the mapping: 'done' rows became 'archived' and
        # stay out of the view
        "view": [(i, s) for i, s, _ in jobs if s != "archived"],
        "index": 1,
        "default": ("new", []),
        "version": ["r2"],
    }


@pytest.mark.e2e
@pytest.mark.parametrize("fault", ["pg_terminate_backend", "SIGKILL"])
def test_swap_interrupted_is_all_or_nothing(tmp_path: Path, db_url: str, fault: str) -> None:
    """A reader holding a lock on the second table stops the swap midway (the type
    ``status__v2`` exists, the first table may be converted); the fault must leave
    nothing of it behind."""
    with connect(db_url) as conn:
        conn.execute(SWAP_BASE_SQL)  # type: ignore[arg-type]
    before = read_swap_state(db_url)
    project = AlembicProject(tmp_path / "project", with_application_name(db_url, APP))
    project.write_models(
        "import sqlalchemy as sa\nmetadata = sa.MetaData()\n"
        "ENUM_OPS = {'lock_timeout': '60s', 'lock_retries': 0}\n"
    )
    project.write_revision("r1", "pass")
    project.write_revision("r2", SWAP_REVISION, down_revision="r1")
    run = start_alembic(project, "upgrade", "head")
    reader = Session(db_url, "SELECT count(*) FROM app.audit")  # holds ACCESS SHARE
    try:
        pid = wait_for_lock_wait(db_url, APP, "p_name text :=", run)
        if fault == "SIGKILL":
            run.kill()
        else:
            terminate(db_url, pid)
            assert run.wait() != 0, run.output()
    finally:
        reader.release()
        run.close()
    wait_backends_gone(db_url, APP)
    assert read_swap_state(db_url) == before

    project.upgrade()
    assert read_swap_state(db_url) == _swap_expected(before)


# --- VARCHAR + CHECK: a rerun finishes ---------------------------------------------------

CHECK_ROWS = 600
CHECK_BASE_SQL = f"""
CREATE SCHEMA app;
CREATE TABLE app.tickets (
    id int PRIMARY KEY,
    state varchar(20) NOT NULL DEFAULT 'open',
    pad text NOT NULL,
    CONSTRAINT ck_tickets_state_enum CHECK (state::text = ANY (ARRAY['open', 'closed', 'stale']))
);
-- wide rows (about 8 per heap block), so the remap commits dozens of block batches
INSERT INTO app.tickets SELECT g, (ARRAY['open', 'closed', 'stale'])[g % 3 + 1], repeat('x', 900)
FROM generate_series(1, {CHECK_ROWS}) g;
CREATE TABLE alembic_version (
    version_num varchar(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version VALUES ('r1');
"""

CHECK_REVISION = """
op.check_enum_set_values(
    "tickets", "state", ["open", "closed", "archived"], schema="app",
    mapping={"stale": "archived"}, old_values=["open", "closed", "stale"],
)
"""


def read_tickets(url: str) -> tuple[list[tuple[int, str]], list[str], list[str]]:
    with connect(url) as conn:
        rows = conn.execute("SELECT id, state FROM app.tickets ORDER BY id").fetchall()
        checks = conn.execute(
            "SELECT conname || ':' || convalidated::text FROM pg_constraint "
            "WHERE conrelid = 'app.tickets'::regclass AND contype = 'c' ORDER BY 1"
        ).fetchall()
        version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    return [(r[0], r[1]) for r in rows], [r[0] for r in checks], [r[0] for r in version]


def _check_allows(url: str, value: str) -> bool:
    with connect(url) as conn:
        try:
            with conn.transaction(force_rollback=True):
                conn.execute("INSERT INTO app.tickets VALUES (-1, %s, '')", (value,))
            return True
        except psycopg.errors.CheckViolation:
            return False


class QueuedLock:
    """A lock requested while the migration waits for ACCESS EXCLUSIVE: it queues
    behind the migration and is granted right after that step commits, so the
    migration's next step blocks on it (a fault point between two committed steps)."""

    APP = "enum_ops_queued_lock"

    def __init__(self, url: str, statement: str) -> None:
        self.sessions: list[Session] = []
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._lock, args=(url, statement), daemon=True)
        self.thread.start()
        wait_for_lock_wait(url, self.APP, statement)

    def _lock(self, url: str, statement: str) -> None:
        try:
            self.sessions.append(Session(url, statement, application_name=self.APP))
        except BaseException as exc:
            self.errors.append(exc)

    def granted(self) -> None:
        self.thread.join(timeout=30)
        assert not self.thread.is_alive() and not self.errors, self.errors

    def release(self) -> None:
        self.thread.join(timeout=30)
        for session in self.sessions:
            session.release()


class QueuedRowLock:
    """Lock one ticket row right after the migration's exclusive step commits, before
    the batched remap can reach it, so the remap blocks on it.

    A row lock alone would race: the lock manager grants the queued table lock
    (ROW SHARE) at the migration's commit, but the tuple is locked only once that
    backend runs again, while the migration's UPDATE (ROW EXCLUSIVE, no conflict)
    may already be past the row (a CI run lost that race).  So a gate session queues
    SHARE (which ROW EXCLUSIVE waits for) next to the row lock; both are granted at
    the same release, the gate is dropped only once the row is locked.
    """

    def __init__(self, url: str, row_id: int) -> None:
        self.gate = QueuedLock(url, "LOCK TABLE app.tickets IN SHARE MODE")
        self.row = QueuedLock(url, f"SELECT * FROM app.tickets WHERE id = {row_id} FOR UPDATE")
        self.sessions = self.row.sessions

    def granted(self) -> None:
        self.gate.granted()
        self.row.granted()
        self.gate.release()

    def release(self) -> None:
        self.gate.release()
        self.row.release()


def queued_row_lock(url: str, row_id: int) -> QueuedRowLock:
    """Lock one ticket row: the batched remap blocks on it."""
    return QueuedRowLock(url, row_id)


def lock_row_after_step(
    url: str, run: AlembicRun, blocker: Session, row_id: int, fragment: str = ""
) -> QueuedRowLock:
    """Stage a fault point between two committed steps: once the migration waits (at a
    statement containing ``fragment``) behind ``blocker``, queue a lock on ``row_id``
    behind it and release the blocker; returns when the row is locked, before the
    migration's next step can reach it."""
    wait_for_lock_wait(url, APP, fragment, run)
    lock = queued_row_lock(url, row_id)
    try:
        blocker.release()
        lock.granted()
    except BaseException:
        lock.release()
        raise
    return lock


def check_remap_project(
    tmp_path: Path, db_url: str
) -> tuple[AlembicProject, list[tuple[int, str]]]:
    """The tickets table (``CHECK_BASE_SQL``) and a project whose ``r2`` remaps
    'stale' to 'archived' in committed batches of about 10 rows; returns the project
    and the rows before."""
    with connect(db_url) as conn:
        conn.execute(CHECK_BASE_SQL)  # type: ignore[arg-type]
    rows_before, _, _ = read_tickets(db_url)
    project = AlembicProject(tmp_path / "project", with_application_name(db_url, APP))
    project.write_models(
        "import sqlalchemy as sa\nmetadata = sa.MetaData()\n"
        "ENUM_OPS = {'lock_timeout': '60s', 'lock_retries': 0, 'check_batch_size': 10}\n"
    )
    project.write_revision("r1", "pass")
    project.write_revision("r2", CHECK_REVISION, down_revision="r1")
    return project, rows_before


@pytest.mark.e2e
@pytest.mark.parametrize("fault", ["pg_terminate_backend", "SIGKILL"])
def test_check_set_values_interrupted_mid_remap_then_rerun(
    tmp_path: Path, db_url: str, fault: str
) -> None:
    """A row lock held by another session stops the batched remap after some
    batches committed; every row is then either unchanged or remapped, the old
    constraint still guards writes, and the rerun finishes the job."""
    project, rows_before = check_remap_project(tmp_path, db_url)
    last_stale = max(i for i, state in rows_before if state == "stale")
    reader = Session(db_url, "SELECT count(*) FROM app.tickets")  # holds ACCESS SHARE
    run = start_alembic(project, "upgrade", "head")
    row_lock: QueuedRowLock | None = None
    try:
        # the NOT VALID step waits for the reader; the remap then waits for the row
        row_lock = lock_row_after_step(db_url, run, reader, last_stale)
        pid = wait_for_lock_wait(db_url, APP, "ctid", run)  # the remap waits for the row
        if fault == "SIGKILL":
            run.kill()
        else:
            terminate(db_url, pid)
            assert run.wait() != 0, run.output()
    finally:
        reader.release()
        if row_lock is not None:
            row_lock.release()
        run.close()
    wait_backends_gone(db_url, APP)

    rows_mid, checks_mid, version_mid = read_tickets(db_url)
    assert version_mid == ["r1"]
    for (i, before), (j, mid) in zip(rows_before, rows_mid, strict=True):
        assert i == j and mid in ({before, "archived"} if before == "stale" else {before})
    moved = sum(1 for _, state in rows_mid if state == "archived")
    stale = sum(1 for _, state in rows_before if state == "stale")
    if fault == "SIGKILL":
        # the orphaned backend runs its DO block to the end once the row is free
        # (PostgreSQL notices a vanished client only when it reads the next command)
        assert 0 < moved <= stale, moved
    else:
        assert 0 < moved < stale, moved  # some batches committed, the rest did not
    # the NOT VALID transitional constraint (old or new values) committed first and
    # guards new writes meanwhile; the new set is not in force yet
    assert checks_mid == ["ck_tickets_state_enum__transition:false"], checks_mid
    assert not _check_allows(db_url, "bogus")
    assert _check_allows(db_url, "stale") and _check_allows(db_url, "archived")

    project.upgrade()
    rows_after, checks_after, version_after = read_tickets(db_url)
    assert rows_after == [(i, "archived" if s == "stale" else s) for i, s in rows_before]
    assert checks_after == ["ck_tickets_state_enum:true"]
    assert version_after == ["r2"]
    assert _check_allows(db_url, "archived") and not _check_allows(db_url, "stale")


@pytest.mark.e2e
def test_update_of_a_row_awaiting_remap_is_not_rejected(tmp_path: Path, db_url: str) -> None:
    project, rows_before = check_remap_project(tmp_path, db_url)
    last_stale = max(i for i, state in rows_before if state == "stale")
    reader = Session(db_url, "SELECT count(*) FROM app.tickets")
    run = start_alembic(project, "upgrade", "head")
    row_lock: QueuedRowLock | None = None
    try:
        row_lock = lock_row_after_step(db_url, run, reader, last_stale)
        terminate(db_url, wait_for_lock_wait(db_url, APP, "ctid", run))
        assert run.wait() != 0, run.output()
    finally:
        reader.release()
        if row_lock is not None:
            row_lock.release()
        run.close()
    wait_backends_gone(db_url, APP)
    assert dict(read_tickets(db_url)[0])[last_stale] == "stale"
    with connect(db_url) as conn:  # an application touching another column of that row
        conn.execute("UPDATE app.tickets SET pad = 'touched' WHERE id = %s", (last_stale,))


CONVERT_BASE_SQL = f"""
CREATE SCHEMA app;
CREATE TYPE app.status AS ENUM ('new', 'done');
CREATE TABLE app.jobs (id int PRIMARY KEY, s app.status NOT NULL DEFAULT 'new');
CREATE INDEX jobs_s ON app.jobs (s);
INSERT INTO app.jobs SELECT g, (ARRAY['new', 'done'])[g % 2 + 1]::app.status
FROM generate_series(1, {ROWS}) g;
CREATE TABLE alembic_version (
    version_num varchar(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version VALUES ('r1');
"""

CONVERT_REVISION = """
op.enum_to_check(
    "jobs", "s", schema="app", type_name="status", type_schema="app", values=["new", "done"],
)
"""


def read_jobs(url: str) -> dict[str, Any]:
    with connect(url) as conn:
        column = conn.execute(
            "SELECT data_type, column_default FROM information_schema.columns "
            "WHERE table_schema = 'app' AND table_name = 'jobs' AND column_name = 's'"
        ).fetchone()
        checks = conn.execute(
            "SELECT conname || ':' || convalidated::text FROM pg_constraint "
            "WHERE conrelid = 'app.jobs'::regclass AND contype = 'c' ORDER BY 1"
        ).fetchall()
        return {
            "rows": conn.execute("SELECT id, s::text FROM app.jobs ORDER BY id").fetchall(),
            "type": column[0] if column else None,
            "default": column[1] if column else None,
            "checks": [r[0] for r in checks],
            "enum exists": conn.execute(
                "SELECT to_regtype('app.status') IS NOT NULL"
            ).fetchone() == (True,),
            "indexes": conn.execute(
                "SELECT count(*) FROM pg_indexes WHERE schemaname = 'app' AND tablename = 'jobs'"
            ).fetchone(),
            "version": [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")],
        }


@pytest.mark.e2e
@pytest.mark.parametrize("fault", ["pg_terminate_backend", "SIGKILL"])
def test_enum_to_check_interrupted_before_validate_then_rerun(
    tmp_path: Path, db_url: str, fault: str
) -> None:
    """The conversion's rewrite (with its NOT VALID CHECK) commits, then the process
    dies waiting to VALIDATE: the column is text, guarded, every row intact; the rerun
    validates and drops the unused type."""
    with connect(db_url) as conn:
        conn.execute(CONVERT_BASE_SQL)  # type: ignore[arg-type]
    before = read_jobs(db_url)
    project = AlembicProject(tmp_path / "project", with_application_name(db_url, APP))
    project.write_models(
        "import sqlalchemy as sa\nmetadata = sa.MetaData()\n"
        "ENUM_OPS = {'lock_timeout': '60s', 'lock_retries': 0}\n"
    )
    project.write_revision("r1", "pass")
    project.write_revision("r2", CONVERT_REVISION, down_revision="r1")
    reader = Session(db_url, "SELECT count(*) FROM app.jobs")  # blocks the rewrite
    run = start_alembic(project, "upgrade", "head")
    queued: QueuedLock | None = None
    try:
        wait_for_lock_wait(db_url, APP, "", run)
        queued = QueuedLock(db_url, "LOCK TABLE app.jobs IN SHARE UPDATE EXCLUSIVE MODE")
        reader.release()
        queued.granted()
        pid = wait_for_lock_wait(db_url, APP, "VALIDATE", run)
        if fault == "SIGKILL":
            run.kill()
        else:
            terminate(db_url, pid)
            assert run.wait() != 0, run.output()
    finally:
        reader.release()
        if queued is not None:
            queued.release()
        run.close()
    wait_backends_gone(db_url, APP)

    mid = read_jobs(db_url)
    assert mid["rows"] == before["rows"] and mid["indexes"] == before["indexes"]
    assert mid["type"] == "text" and mid["default"].startswith("'new'")
    assert mid["checks"] == ["ck_jobs_s_enum:false"] and mid["enum exists"]
    assert mid["version"] == ["r1"]
    with connect(db_url) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO app.jobs VALUES (-1, 'bogus')")

    project.upgrade()
    after = read_jobs(db_url)
    assert after["rows"] == before["rows"] and after["indexes"] == before["indexes"]
    assert after["checks"] == ["ck_jobs_s_enum:true"]
    assert not after["enum exists"] and after["version"] == ["r2"]


@pytest.mark.e2e
def test_row_moved_past_the_first_remap_pass_stays_updatable(
    tmp_path: Path, db_url: str
) -> None:
    """Found by test_check_set_values_under_load: an application UPDATE during the
    first remap pass moves a row still holding the leaving value to a new heap block,
    past the range the pass scans; once the final CHECK (new values only) is added,
    every update of that row must still succeed (it is remapped on the way) until the
    second pass reaches it.  Staged deterministically with locks: the first pass is
    held on one row while the application moves another, the second pass is held on
    the moved row while the application updates it."""
    project, rows_before = check_remap_project(tmp_path, db_url)
    stale = [i for i, state in rows_before if state == "stale"]
    # the first pass is held at the first block; the row the application moves sits
    # in the last one, not reached yet
    hold, moved = stale[0], stale[-1]
    with connect(db_url) as conn:
        size = conn.execute(
            "SELECT pg_relation_size('app.tickets') / current_setting('block_size')::int"
        ).fetchone()
    assert size is not None
    blocks = int(size[0])
    reader = Session(db_url, "SELECT count(*) FROM app.tickets")
    run = start_alembic(project, "upgrade", "head")
    locks: list[QueuedRowLock] = []
    second_reader: Session | None = None
    try:
        # the transitional CHECK waits for the reader; the first pass, for `hold`
        locks.append(lock_row_after_step(db_url, run, reader, hold))
        wait_for_lock_wait(db_url, APP, "ctid", run)  # first pass held on `hold`
        with connect(db_url) as conn:  # the application rewrites `moved` (new block)
            before_ctid = conn.execute(
                "SELECT ctid::text FROM app.tickets WHERE id = %s", (moved,)
            ).fetchone()
            conn.execute(
                "UPDATE app.tickets SET pad = repeat('y', 900) WHERE id = %s", (moved,)
            )
            after_ctid = conn.execute(
                "SELECT ctid::text, state FROM app.tickets WHERE id = %s", (moved,)
            ).fetchone()
        assert after_ctid is not None and before_ctid is not None
        block = int(after_ctid[0].strip("()").split(",")[0])
        assert block >= blocks, (after_ctid, blocks)  # past the range the pass scans
        if after_ctid[1] == "stale":
            # still holding the leaving value: stage the window between the final
            # CHECK and the second pass, and update the row inside it
            second_reader = Session(db_url, "SELECT count(*) FROM app.tickets")
            locks[-1].release()  # the first pass ends; the final CHECK waits
            # (matched by its text: a bare lock wait could still be the first pass)
            locks.append(lock_row_after_step(
                db_url, run, second_reader, moved, "ADD CONSTRAINT ck_tickets_state_enum__new"
            ))
            wait_for_lock_wait(db_url, APP, "ctid", run)  # second pass held on `moved`
            with connect(db_url) as conn:
                checks = conn.execute(
                    "SELECT conname FROM pg_constraint WHERE "
                    "conrelid = 'app.tickets'::regclass AND contype = 'c' ORDER BY 1"
                ).fetchall()
            assert ("ck_tickets_state_enum__new",) in checks, checks
            # the application updates the row it holds: must not fail with 23514
            holder = locks[-1].sessions[0]
            holder.run(f"UPDATE app.tickets SET pad = 'touched' WHERE id = {moved}")
            holder.conn.commit()
        else:  # remapped by the very update that moved it: nothing left to go wrong
            assert after_ctid[1] == "archived"
            locks[-1].release()
        assert run.wait(timeout=60) == 0, run.output()
    finally:
        reader.release()
        if second_reader is not None:
            second_reader.release()
        for lock in locks:
            lock.release()
        run.close()
    rows_after, checks_after, version_after = read_tickets(db_url)
    assert rows_after == [(i, "archived" if s == "stale" else s) for i, s in rows_before]
    assert checks_after == ["ck_tickets_state_enum:true"] and version_after == ["r2"]
