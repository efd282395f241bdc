"""Migrations under load: sessions insert, update and read the whole time.

Zero rows lost, zero failed writes other than the ones the migration must reject
(a label that no longer exists), every reader sees consistent data, and new labels
are usable by other sessions the moment their step commits.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.support.migrate import run_online
from tests.support.sessions import connect

from .procs import DEADLINE, wait_until, with_application_name
from .workload import Outcome, Workload

ROWS = 1000
SETUP_SQL = f"""
CREATE SCHEMA app;
CREATE TYPE app.status AS ENUM ('new', 'done');
CREATE TABLE app.jobs (
    id int PRIMARY KEY,
    s app.status NOT NULL DEFAULT 'new',
    counter int NOT NULL DEFAULT 0
);
CREATE INDEX jobs_s ON app.jobs (s);
INSERT INTO app.jobs (id, s)
SELECT g, CASE WHEN g % 2 = 0 THEN 'done' ELSE 'new' END::app.status
FROM generate_series(1, {ROWS}) g;
"""


# Workload settings for app.jobs while its type is swapped: the writers auto-prepare
# (psycopg does after 5 runs); casting the parameter through text keeps their
# statements valid across the type's new OID (see
# test_swap_breaks_prepared_enum_parameters_of_other_sessions), and the labels are
# looked up by name at run time (a prepared ``NULL::app.status`` would keep the old
# OID and fail after the swap just the same).
SWAP_SAFE_JOBS: dict[str, Any] = {
    "table": "app.jobs",
    "type_sql": "text::app.status",
    "labels_query": (
        "SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e "
        "WHERE e.enumtypid = to_regtype('app.status')"
    ),
}


def _setup(url: str) -> None:
    with connect(url) as conn:
        conn.execute(SETUP_SQL)  # type: ignore[arg-type]


def _labels(url: str) -> list[str]:
    with connect(url) as conn:
        row = conn.execute("SELECT enum_range(NULL::app.status)::text[]").fetchone()
    assert row is not None
    return list(row[0])


def _check_rows(url: str, outcome: Outcome, renamed: dict[str, str]) -> None:
    """Every committed insert is there with its (possibly renamed) label, every
    committed update is counted exactly once, the original rows kept their labels."""
    assert outcome.errors == []
    with connect(url) as conn:
        result = conn.execute("SELECT id, s::text, counter FROM app.jobs")
        rows = {r[0]: (r[1], r[2]) for r in result}
    for row_id in range(1, ROWS + 1):
        original = "done" if row_id % 2 == 0 else "new"
        assert rows[row_id] == (renamed.get(original, original), outcome.increments[row_id])
    for row_id, label in outcome.inserted.items():
        assert rows[row_id] == (renamed.get(label, label), 0), row_id
    assert len(rows) == ROWS + len(outcome.inserted), "rows appeared that no writer committed"


ADDS: list[tuple[str, dict[str, str]]] = [
    ("running", {"before": "done"}),
    ("failed", {}),
    ("queued", {"after": "new"}),
    ("retrying", {"before": "failed"}),
    ("cancelled", {}),
    ("paused", {"after": "running"}),
]


@pytest.mark.e2e
def test_add_values_under_load(db_url: str) -> None:
    _setup(db_url)
    with Workload(
        db_url,
        table="app.jobs",
        type_sql="app.status",
        first_id=ROWS,
        existing_ids=list(range(1, ROWS + 1)),
        writers=2,
        updaters=1,
        readers=1,
    ) as load:
        load.wait_for_progress(20)
        for label, placement in ADDS:

            def add(op: Any, label: str = label, placement: dict[str, str] = placement) -> None:
                op.enum_add_value("status", label, schema="app", **placement)

            run_online(db_url, add)
            load.wait_for_progress(15)
    outcome = load.outcome
    assert _labels(db_url) == [
        "new", "queued", "running", "paused", "done", "retrying", "failed", "cancelled"
    ]
    _check_rows(db_url, outcome, {})
    assert outcome.rejected == []
    assert outcome.reads > 0 and sum(outcome.increments.values()) > 0
    # other sessions wrote the new labels as soon as their step committed
    assert outcome.labels_seen & {label for label, _ in ADDS}


@pytest.mark.e2e
def test_rename_values_under_load(db_url: str) -> None:
    _setup(db_url)
    even_rows = [i for i in range(2, 81, 2)]  # all 'done': renamed together
    with Workload(
        db_url,
        table="app.jobs",
        type_sql="app.status",
        first_id=ROWS,
        existing_ids=list(range(1, ROWS + 1)),
        writers=2,
        updaters=1,
        readers=1,
        # a writer that still sends the old label after the rename is refused with
        # 22P02 (invalid input value for enum): the only failure allowed
        expected_rejections=frozenset({"22P02"}),
        groups=[even_rows],
    ) as load:
        load.wait_for_progress(20)
        for old, new in [("done", "finished"), ("new", "fresh"), ("finished", "complete")]:
            run_online(
                db_url,
                lambda op, old=old, new=new: op.enum_rename_value("status", old, new, schema="app"),
            )
            load.wait_for_progress(15)
    outcome = load.outcome
    assert _labels(db_url) == ["fresh", "complete"]
    renamed = {"done": "complete", "finished": "complete", "new": "fresh"}
    _check_rows(db_url, outcome, renamed)
    assert all(r.split(":")[0].strip("'") in renamed for r in outcome.rejected), outcome.rejected
    assert outcome.reads > 0 and sum(outcome.increments.values()) > 0


@pytest.mark.e2e
def test_swap_under_load(db_url: str) -> None:
    """Removing 'done' (rows go to 'archived') and reordering while sessions write:
    the only failed writes are inserts still sending 'done' after the swap."""
    _setup(db_url)
    with connect(db_url) as conn:
        conn.execute("CREATE VIEW app.done_jobs AS SELECT id, s FROM app.jobs WHERE s = 'done'")
    even_rows = list(range(2, 81, 2))  # all 'done': remapped together
    with Workload(
        db_url,
        **SWAP_SAFE_JOBS,
        first_id=ROWS,
        existing_ids=list(range(1, ROWS + 1)),
        writers=2,
        updaters=1,
        readers=1,
        expected_rejections=frozenset({"22P02"}),
        groups=[even_rows],
    ) as load:
        load.wait_for_progress(30)
        run_online(
            db_url,
            lambda op: op.enum_swap(
                "status", ["archived", "new"], schema="app",
                mapping={"done": "archived"}, old_values=["new", "done"],
            ),
        )
        load.wait_for_progress(30)
    outcome = load.outcome
    assert _labels(db_url) == ["archived", "new"]
    _check_rows(db_url, outcome, {"done": "archived"})
    assert all(r.startswith("'done'") for r in outcome.rejected), outcome.rejected
    assert outcome.reads > 0 and sum(outcome.increments.values()) > 0
    with connect(db_url) as conn:  # the view's literal followed the mapping
        row = conn.execute(
            "SELECT count(*) FROM app.done_jobs WHERE id <= %s", (ROWS,)
        ).fetchone()
    assert row == (ROWS // 2,)


CHECK_SETUP_SQL = f"""
CREATE SCHEMA app;
CREATE TABLE app.jobs (
    id int PRIMARY KEY,
    state varchar(20) NOT NULL DEFAULT 'open',
    counter int NOT NULL DEFAULT 0,
    pad text NOT NULL DEFAULT repeat('x', 700),
    CONSTRAINT ck_jobs_state_enum CHECK (state::text = ANY (ARRAY['open', 'closed', 'stale']))
);
INSERT INTO app.jobs (id, state)
SELECT g, (ARRAY['open', 'closed', 'stale'])[g % 3 + 1] FROM generate_series(1, {ROWS}) g;
"""


@pytest.mark.e2e
def test_check_set_values_under_load(db_url: str) -> None:
    """Changing a CHECK's set with a mapping while sessions write: only inserts of a
    value outside the set in force may fail, updates of other columns never do, and a
    row written with the leaving value during the change is remapped too."""
    with connect(db_url) as conn:
        conn.execute(CHECK_SETUP_SQL)  # type: ignore[arg-type]
    with Workload(
        db_url,
        table="app.jobs",
        type_sql="text",
        column="state",
        # 'stale' leaves the set, 'archived' enters it: each is refused (23514)
        # while the constraint in force does not allow it, and only then
        labels_query="SELECT ARRAY['open', 'closed', 'stale', 'archived']",
        first_id=ROWS,
        existing_ids=list(range(1, ROWS + 1)),
        writers=1,
        updaters=2,
        readers=1,
        expected_rejections=frozenset({"23514"}),
    ) as load:
        load.wait_for_progress(30)
        run_online(
            db_url,
            lambda op: op.check_enum_set_values(
                "jobs", "state", ["open", "closed", "archived"], schema="app",
                mapping={"stale": "archived"}, old_values=["open", "closed", "stale"],
            ),
            enum_ops={"check_batch_size": 10},
        )
        load.wait_for_progress(30)
    outcome = load.outcome
    assert outcome.errors == []
    # updates of rows awaiting the remap are never refused (a transitional CHECK
    # allows old and new values during the remap: the bug this test found)
    for rejection in outcome.rejected:
        assert rejection.startswith(("'stale'", "'archived'")), rejection
    with connect(db_url) as conn:
        result = conn.execute("SELECT id, state, counter FROM app.jobs")
        rows = {r[0]: (r[1], r[2]) for r in result}
    for row_id in range(1, ROWS + 1):
        original = ("open", "closed", "stale")[row_id % 3]
        expected = "archived" if original == "stale" else original
        assert rows[row_id] == (expected, outcome.increments[row_id])
    for row_id, label in outcome.inserted.items():
        # a 'stale' row written during the change was remapped by the second pass
        assert rows[row_id] == ("archived" if label == "stale" else label, 0), row_id


@pytest.mark.e2e
def test_swap_breaks_prepared_enum_parameters_of_other_sessions(db_url: str) -> None:
    """What docs/safety.md warns about, proven: a swap gives the type a new OID, so a
    session that prepared a statement with an enum-typed parameter (psycopg 3 does
    after 5 executions, asyncpg always) fails with XX000 until it re-prepares, and a
    prepared SELECT returning the column fails with 0A000.  A parameter cast through
    ``text`` survives.  Adding and renaming values keep the OID: nothing breaks."""
    _setup(db_url)
    statements = {
        "enum parameter": "INSERT INTO app.jobs (id, s) VALUES (%s, %s)",
        "text cast": "INSERT INTO app.jobs (id, s) VALUES (%s, %s::text::app.status)",
    }
    sessions = {name: connect(db_url) for name in [*statements, "select"]}
    next_id = iter(range(ROWS + 1, ROWS + 1000))

    def attempt() -> dict[str, str]:
        result = {}
        for name, statement in statements.items():
            try:
                sessions[name].execute(statement, (next(next_id), "new"))  # type: ignore[arg-type]
                result[name] = "ok"
            except psycopg.Error as exc:
                result[name] = str(exc.sqlstate)
        try:
            sessions["select"].execute("SELECT s FROM app.jobs WHERE id = %s", (1,)).fetchall()
            result["select"] = "ok"
        except psycopg.Error as exc:
            result["select"] = str(exc.sqlstate)
        return result

    try:
        for _ in range(6):  # past psycopg's prepare_threshold
            assert set(attempt().values()) == {"ok"}
        run_online(db_url, lambda op: op.enum_add_value("status", "x", schema="app"))
        run_online(db_url, lambda op: op.enum_rename_value("status", "x", "y", schema="app"))
        assert set(attempt().values()) == {"ok"}
        run_online(
            db_url,
            lambda op: op.enum_swap(
                "status", ["new", "done", "y"][::-1], schema="app", old_values=["new", "done", "y"]
            ),
        )
        broken = {"enum parameter": "XX000", "text cast": "ok", "select": "0A000"}
        assert attempt() == broken
        assert attempt() == broken  # until the session re-prepares (or reconnects)
    finally:
        for session in sessions.values():
            session.close()


# --- two deploys at once (the pgenum template's migration lock) -------------------------

DEPLOY_0001 = """
op.enum_create("status", ["new", "done"], schema="public")
op.execute("CREATE TABLE jobs (id int PRIMARY KEY, s status NOT NULL)")
op.execute("INSERT INTO jobs SELECT g, 'new' FROM generate_series(1, 100) g")
"""

# ADD VALUE commits on its own before the gate: the migration lock must outlive it
DEPLOY_0002 = """
op.enum_add_value("status", "running", schema="public", before="done")
with op.get_context().autocommit_block():
    op.execute("INSERT INTO runs SELECT pg_backend_pid(), current_setting('application_name')")
op.execute(
    "DO $$ BEGIN WHILE NOT EXISTS (SELECT 1 FROM gate) LOOP "
    "PERFORM pg_sleep(0.05); END LOOP; END $$"
)
op.execute("UPDATE jobs SET s = 'running' WHERE id <= 10")
op.enum_swap(
    "status", ["new", "running", "finished"], schema="public",
    mapping={"done": "finished"}, old_values=["new", "running", "done"],
)
"""


def _advisory_waiters(url: str) -> int:
    with connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchone()
    return int(row[0]) if row else 0


@pytest.mark.e2e
@pytest.mark.parametrize("holder_fate", ["finishes", "SIGKILL"])
def test_two_deploys_at_once_migrate_once(tmp_path: Path, db_url: str, holder_fate: str) -> None:
    """Two ``alembic upgrade head`` from the pgenum template start together: one
    migrates, the other waits on the migration lock and then has nothing to do.  If
    the holder is SIGKILLed mid-revision, its lock dies with its session and the other
    deploy completes the revision (its committed ADD VALUE is skipped, not repeated)."""
    from tests.e2e.template_project import TemplateProject

    project = TemplateProject(tmp_path / "app", db_url)
    project.init("pgenum", by_path=True)
    project.write_revision("0001", DEPLOY_0001, None)
    project.write_revision("0002", DEPLOY_0002, "0001")
    project.alembic("upgrade", "0001")
    with connect(db_url) as conn:
        conn.execute("CREATE TABLE runs (pid int, app text)")
        conn.execute("CREATE TABLE gate (open bool)")

    def deploy(name: str) -> subprocess.Popen[bytes]:
        environ = {**os.environ, "DATABASE_URL": with_application_name(db_url, name)}
        return subprocess.Popen(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=project.root, env=environ,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )

    procs = {name: deploy(name) for name in ("deploy_a", "deploy_b")}
    try:
        runs = wait_until(lambda: query_all(db_url, "SELECT app FROM runs"), "one deploy to run")
        holder = runs[0][0]
        (waiter,) = [name for name in procs if name != holder]
        wait_until(lambda: _advisory_waiters(db_url) == 1, "the other deploy to wait")
        if holder_fate == "SIGKILL":
            procs[holder].kill()
            procs[holder].wait(timeout=DEADLINE)
        with connect(db_url) as conn:
            conn.execute("INSERT INTO gate VALUES (true)")
        errors = {name: proc.communicate(timeout=120)[1].decode() for name, proc in procs.items()}
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=DEADLINE)
    assert procs[waiter].returncode == 0, errors[waiter]
    if holder_fate == "SIGKILL":
        assert procs[holder].returncode == -9
        # the waiter ran the revision after the holder's session died
        assert [r[0] for r in query_all(db_url, "SELECT app FROM runs")] == [holder, waiter]
    else:
        assert procs[holder].returncode == 0, errors[holder]
        assert "Running upgrade" not in errors[waiter]
        assert [r[0] for r in query_all(db_url, "SELECT app FROM runs")] == [holder]
    assert query_all(db_url, "SELECT version_num FROM alembic_version") == [("0002",)]
    assert _labels_of(db_url, "public.status") == ["new", "running", "finished"]
    assert query_all(db_url, "SELECT s::text, count(*) FROM jobs GROUP BY 1 ORDER BY 1") == [
        ("new", 90), ("running", 10),
    ]


def query_all(url: str, statement: str) -> list[tuple[Any, ...]]:
    with connect(url) as conn:
        return [tuple(r) for r in conn.execute(statement)]  # type: ignore[arg-type]


def _labels_of(url: str, type_name: str) -> list[str]:
    with connect(url) as conn:
        row = conn.execute(
            "SELECT array_agg(enumlabel::text ORDER BY enumsortorder) FROM pg_enum "
            "WHERE enumtypid = to_regtype(%s)", (type_name,)
        ).fetchone()
    assert row is not None
    return list(row[0])


@pytest.mark.e2e
def test_conversion_to_check_and_back_under_load(db_url: str) -> None:
    """enum -> VARCHAR + CHECK -> enum while sessions write plain parameters (the
    column's type changes twice, so the writers do not prepare: see
    test_swap_breaks_prepared_enum_parameters_of_other_sessions): no failed write,
    no row lost or changed."""
    _setup(db_url)
    with Workload(
        db_url,
        table="app.jobs",
        type_sql="",  # a plain parameter: PostgreSQL infers the column's type
        labels_query="SELECT ARRAY['new', 'done']",
        first_id=ROWS,
        existing_ids=list(range(1, ROWS + 1)),
        writers=2,
        updaters=1,
        readers=1,
        prepare_threshold=None,
    ) as load:
        load.wait_for_progress(30)
        run_online(
            db_url,
            lambda op: op.enum_to_check(
                "jobs", "s", schema="app", type_name="status", type_schema="app",
                values=["new", "done"],
            ),
        )
        load.wait_for_progress(30)
        with connect(db_url) as conn:
            column = conn.execute(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_schema = 'app' AND table_name = 'jobs' AND column_name = 's'"
            ).fetchone()
        assert column == ("text",)
        run_online(
            db_url,
            lambda op: op.check_to_enum(
                "jobs", "s", "status", ["new", "done"], schema="app", type_schema="app",
            ),
        )
        load.wait_for_progress(30)
    outcome = load.outcome
    assert outcome.rejected == []
    assert _labels(db_url) == ["new", "done"]
    _check_rows(db_url, outcome, {})
    assert outcome.reads > 0 and sum(outcome.increments.values()) > 0


@pytest.mark.e2e
def test_swap_behind_a_long_reader_never_stalls_writers_beyond_lock_timeout(db_url: str) -> None:
    """A report holds a long read on the table; the swap's ACCESS EXCLUSIVE request
    would queue every writer behind it for the reader's whole duration.  With
    lock_timeout the swap gives up after 0.3 s, lets the queue drain, retries with
    backoff, and succeeds once the reader is gone: writers wait at most about one
    lock_timeout, never the reader's 4 s."""
    import threading
    import time

    _setup(db_url)
    reader_done = threading.Event()

    def long_reader() -> None:
        with connect(db_url) as conn, conn.transaction():
            conn.execute("SELECT count(*) FROM app.jobs")
            time.sleep(4)
        reader_done.set()

    with Workload(
        db_url,
        **SWAP_SAFE_JOBS,
        first_id=ROWS,
        existing_ids=list(range(1, ROWS + 1)),
        writers=2,
        updaters=1,
        readers=0,
        expected_rejections=frozenset({"22P02"}),
    ) as load:
        load.wait_for_progress(20)
        reader = threading.Thread(target=long_reader, daemon=True)
        reader.start()
        time.sleep(0.2)
        started = time.monotonic()
        run_online(
            db_url,
            lambda op: op.enum_swap(
                "status", ["archived", "new"], schema="app",
                mapping={"done": "archived"}, old_values=["new", "done"],
            ),
            enum_ops={
                "lock_timeout": "300ms", "lock_retries": 30,
                "retry_backoff": 0.1, "retry_backoff_max": 0.4,
            },
        )
        swap_seconds = time.monotonic() - started
        reader.join(timeout=30)
        load.wait_for_progress(20)
    outcome = load.outcome
    assert reader_done.is_set()
    assert swap_seconds > 3, "the swap should have waited for the reader"
    assert outcome.max_write_seconds < 2.0, outcome.max_write_seconds
    assert _labels(db_url) == ["archived", "new"]
    _check_rows(db_url, outcome, {"done": "archived"})
    assert all(r.startswith("'done'") for r in outcome.rejected), outcome.rejected
