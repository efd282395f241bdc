"""The online swap under faults and load.

* Interrupted in each phase (its backend terminated while a lock held by the test
  keeps it at a known statement, or between two backfill batches): the database
  keeps working, writes go on and are converted, and then either running the swap
  again finishes it (the same end state as an uninterrupted run) or ``alembic-enum-ops
  online-cleanup`` removes every trace of it (the state before it began).
* The process running the swap killed with SIGKILL in each phase (while a lock held
  by the test keeps its backend at a known statement), then the swap run again: the
  same end state as an uninterrupted run, nothing left behind.
* A real ``alembic upgrade`` killed with SIGKILL mid-backfill, then run again.
* Writers inserting and updating the whole time: no failed write, every row
  converted.
* A reader holding a lock at the cut-over: the cut-over waits at most
  ``lock_timeout`` at a time, retries with backoff, and finishes when the reader lets go.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext

from alembic_enum_ops import EnumOpsOptions
from alembic_enum_ops.catalog.online import read_online_leftovers
from alembic_enum_ops.cli import main as cli_main
from alembic_enum_ops.ddl.online.cleanup import online_cleanup
from alembic_enum_ops.ddl.online.swap import plan_online_swap
from alembic_enum_ops.ddl.plan import Plan
from alembic_enum_ops.ddl.runner import run_plan
from alembic_enum_ops.errors import LockTimeoutExhaustedError, StatementFailedError
from tests.support.catalog import snapshot
from tests.support.migrate import apply_script, render_offline, run_online
from tests.support.oracle import reset_database
from tests.support.project import AlembicProject
from tests.support.sessions import connect

from .procs import (
    Session,
    backends,
    start_alembic,
    start_plan,
    terminate,
    wait_backends_gone,
    wait_for_lock_wait,
    wait_until,
    with_application_name,
)
from .test_load import SWAP_SAFE_JOBS
from .workload import Workload

APP = "enum_ops_online"
ROWS = 600

SETUP_SQL = f"""
CREATE SCHEMA app;
CREATE TYPE app.status AS ENUM ('new', 'done', 'failed');
CREATE TABLE app.jobs (
    id int PRIMARY KEY,
    s app.status NOT NULL DEFAULT 'new',
    counter int NOT NULL DEFAULT 0,
    CONSTRAINT jobs_failed_counted CHECK (s <> 'failed' OR counter >= 0)
);
CREATE INDEX jobs_s ON app.jobs (s);
CREATE VIEW app.done_jobs AS SELECT id, s FROM app.jobs WHERE s = 'done';
INSERT INTO app.jobs (id, s)
SELECT g, (ARRAY['new', 'done', 'failed'])[g % 3 + 1]::app.status
FROM generate_series(1, {ROWS}) g;
"""

OLD = ("new", "done", "failed")
NEW = ("archived", "new", "failed")  # 'done' rows go to 'archived'
MAPPING = {"done": "archived"}


def _swap(op: Any) -> None:
    op.enum_swap("status", list(NEW), schema="app", mapping=MAPPING, old_values=list(OLD),
                 online=True)


def _plan(url: str, batch_size: int = 50, lock_timeout: str = "30s") -> Plan:
    return plan_online_swap(
        sa.create_engine(url).dialect, "app", "status", new_values=list(NEW),
        mapping=MAPPING, old_values=list(OLD), lock_timeout=lock_timeout,
        batch_size=batch_size, batch_pause=0.0,
    )


def _run_steps(url: str, plan: Plan, start: int, stop: int | None = None, **options: Any) -> None:
    """Run ``plan.steps[start:stop]`` in a session named :data:`APP`."""
    engine = sa.create_engine(with_application_name(url, APP))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            part = Plan(plan.description, plan.steps[start:stop])
            settings: dict[str, Any] = {"lock_timeout": "30s", "lock_retries": 0, **options}
            run_plan(context, part, EnumOpsOptions(**settings))
            if connection.in_transaction():  # the revision's transaction, as alembic ends it
                connection.commit()
    finally:
        engine.dispose()


def _state(url: str) -> dict[str, Any]:
    """What the swap changes, column order aside."""
    with connect(url) as conn:
        labels = conn.execute(
            "SELECT array_agg(enumlabel::text ORDER BY enumsortorder) FROM pg_enum "
            "WHERE enumtypid = 'app.status'::regtype"
        ).fetchone()
        rows = conn.execute("SELECT id, s::text, counter FROM app.jobs ORDER BY id").fetchall()
        view = conn.execute("SELECT count(*) FROM app.done_jobs").fetchone()
        catalog = conn.execute(
            """SELECT (SELECT array_agg(indexdef ORDER BY indexname) FROM pg_indexes
                        WHERE schemaname = 'app'),
                      (SELECT array_agg(conname || ' ' || pg_get_constraintdef(oid) || ' '
                                        || convalidated ORDER BY conname)
                         FROM pg_constraint WHERE conrelid = 'app.jobs'::regclass),
                      (SELECT array_agg(attname::text || ' ' || atttypid::regtype::text
                                        ORDER BY attname)
                         FROM pg_attribute WHERE attrelid = 'app.jobs'::regclass
                          AND attnum > 0 AND NOT attisdropped),
                      (SELECT array_agg(typname::text ORDER BY typname) FROM pg_type
                        WHERE typnamespace = 'app'::regnamespace AND typtype = 'e'),
                      (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal),
                      (SELECT count(*) FROM pg_proc WHERE pronamespace = 'app'::regnamespace)"""
        ).fetchone()
    assert labels is not None and catalog is not None
    return {"labels": list(labels[0]), "rows": [tuple(r) for r in rows], "view": view,
            "catalog": tuple(catalog)}


def _leftovers(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [item.describe() for item in read_online_leftovers(connection)]
    finally:
        engine.dispose()


def _expected_after(before: dict[str, Any], inserted: dict[int, str]) -> list[tuple[Any, ...]]:
    rows = {i: (MAPPING.get(s, s), c) for i, s, c in before["rows"]}
    rows.update({i: (MAPPING.get(s, s), 0) for i, s in inserted.items()})
    return [(i, *rows[i]) for i in sorted(rows)]


# -- interrupted in each phase ---------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    """Where the swap is stopped: the step it runs, how the test holds it there, and
    the statement it then waits in (None: terminated between two backfill batches)."""

    name: str
    step: int
    block: Callable[[str], Session | None]
    fragment: str | None


PHASES = [
    # ACCESS SHARE: the expand's ACCESS EXCLUSIVE waits
    Phase("expand", 1, lambda url: Session(url, "SELECT count(*) FROM app.jobs"),
          "p_mode text := 'expand'"),
    # nothing held: terminated between two batches of the backfill (see below)
    Phase("backfill", 2, lambda url: None, None),
    # ACCESS SHARE: ADD CONSTRAINT ... NOT VALID waits
    Phase("constraints", 3, lambda url: Session(url, "SELECT count(*) FROM app.jobs"),
          "ADD CONSTRAINT"),
    # SHARE UPDATE EXCLUSIVE: VALIDATE waits
    Phase("validations", 4,
          lambda url: Session(url, "LOCK TABLE app.jobs IN SHARE UPDATE EXCLUSIVE MODE"),
          "VALIDATE CONSTRAINT"),
    # ROW EXCLUSIVE: CREATE INDEX CONCURRENTLY creates its (invalid) index, then waits
    # for the writers: terminated there, it leaves the invalid index behind
    Phase("indexes", 5, lambda url: Session(url, "LOCK TABLE app.jobs IN ROW EXCLUSIVE MODE"),
          "CREATE INDEX CONCURRENTLY"),
    # ACCESS SHARE: the cut-over's ACCESS EXCLUSIVE waits
    Phase("cut-over", 6, lambda url: Session(url, "SELECT count(*) FROM app.jobs"),
          "p_mode text := 'cutover'"),
]


def _interrupt(url: str, phase: Phase) -> None:
    """Run the swap up to ``phase`` and kill its backend there."""
    plan = _plan(url)
    _run_steps(url, plan, 0, phase.step)
    failure: list[BaseException] = []

    def rest() -> None:
        try:
            if phase.name == "backfill":  # slow batches: time to stop it between two
                slow = Plan(plan.description, (
                    *plan.steps[:2], dataclasses.replace(plan.steps[2], pause=0.05),
                ))
                _run_steps(url, slow, 2, 3)
            else:
                _run_steps(url, plan, phase.step)
        except BaseException as exc:  # the terminated backend
            failure.append(exc)

    blocker = phase.block(url)
    worker = threading.Thread(target=rest)
    worker.start()
    try:
        if phase.fragment is not None:
            pid = wait_for_lock_wait(url, APP, phase.fragment)
        else:
            # some rows converted, not all: the shadow column is half filled
            def half() -> int | None:
                with connect(url) as conn:
                    row = conn.execute(
                        "SELECT count(s__eo_new) FROM app.jobs"
                    ).fetchone()
                assert row is not None
                if 0 < row[0] < ROWS:
                    return next((p for p, _, _ in backends(url, APP)), None)
                return None

            pid = int(wait_until(half, "a half-done backfill"))
        if phase.name == "indexes":  # the interrupted build's invalid index
            with connect(url) as conn:
                assert conn.execute(
                    "SELECT count(*) FROM pg_index WHERE NOT indisvalid "
                    "AND indrelid = 'app.jobs'::regclass"
                ).fetchone() == (1,)
        terminate(url, pid)
        worker.join(timeout=30)
    finally:
        if blocker is not None:
            blocker.release()
        worker.join(timeout=30)
    assert failure and isinstance(failure[0], StatementFailedError), failure
    # terminating connection: the server's FATAL 57P01, or -- when the socket closes
    # before the client reads that message -- libpq's "server closed the connection"
    # (no SQLSTATE); either way the statement failed because its backend went away
    assert failure[0].sqlstate == "57P01" or (
        failure[0].sqlstate is None
        and "server closed the connection unexpectedly" in str(failure[0])
    ), failure
    wait_backends_gone(url, APP)


@pytest.mark.e2e
@pytest.mark.parametrize("phase", PHASES, ids=[p.name for p in PHASES])
@pytest.mark.parametrize("then", ["resume", "online-cleanup"])
def test_online_swap_interrupted_in_each_phase(db_url: str, phase: Phase, then: str) -> None:
    with connect(db_url) as conn:
        conn.execute(SETUP_SQL)
    before = _state(db_url)
    _interrupt(db_url, phase)

    # the conversion is half done, and the application cannot tell: its writes go on,
    # a 'done' written now is converted like the rest
    assert _state(db_url)["labels"] == list(OLD)
    with connect(db_url) as conn:
        conn.execute("INSERT INTO app.jobs (id, s) VALUES (%s, 'done'), (%s, 'new')",
                     (ROWS + 1, ROWS + 2))
        conn.execute("UPDATE app.jobs SET counter = counter + 1 WHERE id = 2")
    before["rows"] = [(i, s, c + 1 if i == 2 else c) for i, s, c in before["rows"]]
    inserted = {ROWS + 1: "done", ROWS + 2: "new"}

    if then == "resume":
        run_online(db_url, _swap)
        after = _state(db_url)
        assert after["labels"] == list(NEW)
        assert after["rows"] == _expected_after(before, inserted)
        # the view's 'done' became 'archived' with the rows
        assert after["view"] == (sum(1 for r in after["rows"] if r[1] == "archived"),)
        assert after["catalog"][1:] == before["catalog"][1:]  # same columns and CHECK
        assert after["catalog"][0] == before["catalog"][0]
        assert _leftovers(db_url) == []
    else:
        assert _leftovers(db_url) != [] or phase.name == "expand"
        assert cli_main(["online-cleanup", "--url", db_url, "--type", "app.status"]) == 0
        after = _state(db_url)
        assert after["labels"] == list(OLD)
        assert after["rows"] == sorted(
            before["rows"] + [(i, s, 0) for i, s in inserted.items()]
        )
        assert after["catalog"] == before["catalog"]
        assert _leftovers(db_url) == []


def test_online_cleanup_removes_only_the_named_enums_leftovers(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two conversions abandoned after their expand: ``--type`` picks one, ``--dry-run``
    changes nothing, and the other's objects stay until asked for."""
    with connect(db_url) as conn:
        conn.execute(SETUP_SQL)
        conn.execute("CREATE TYPE public.\"Mood\" AS ENUM ('ok', 'sad');"
                     "CREATE TABLE public.diary (id int, \"Mood\" \"Mood\");"
                     "INSERT INTO public.diary VALUES (1, 'ok'), (2, 'sad')")
    _run_steps(db_url, _plan(db_url), 0, 3)
    mood = plan_online_swap(
        sa.create_engine(db_url).dialect, "public", "Mood", new_values=["ok", "happy"],
        mapping={"sad": "happy"}, old_values=["ok", "sad"], lock_timeout="2s",
        batch_size=10, batch_pause=0.0,
    )
    _run_steps(db_url, mood, 0, 3)
    found = _leftovers(db_url)
    assert any("diary" in f for f in found) and any("app.jobs" in f for f in found)

    assert cli_main(["online-cleanup", "--url", db_url, "--type", "Mood", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dry run: nothing was changed" in out
    assert 'DROP COLUMN IF EXISTS "Mood__eo_new"' in out and "app.jobs" not in out
    assert _leftovers(db_url) == found

    assert cli_main(["online-cleanup", "--url", db_url, "--type", "Mood"]) == 0
    assert "ran:" in capsys.readouterr().out
    rest = _leftovers(db_url)
    assert rest and all("diary" not in f and "Mood" not in f for f in rest)

    assert cli_main(["online-cleanup", "--url", db_url]) == 0
    assert _leftovers(db_url) == []
    assert cli_main(["online-cleanup", "--url", db_url]) == 0
    assert capsys.readouterr().out.endswith("nothing left by an online conversion\n")
    assert cli_main(["online-cleanup", "--url", db_url, "--type", "app.status"]) == 0
    assert capsys.readouterr().out == "nothing left by an online conversion of enum app.status\n"


def test_online_cleanup_errors(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(SystemExit) as exited:
        cli_main(["online-cleanup"])
    assert exited.value.code == 2
    assert "the following arguments are required: --url (or set $DATABASE_URL)" in (
        capsys.readouterr().err
    )
    assert cli_main(["online-cleanup", "--url", "mysql://x/y"]) == 2
    assert "PostgreSQL only" in capsys.readouterr().err
    assert cli_main(["online-cleanup", "--url", "postgresql://u@h/d", "--type", "a."]) == 2
    assert "expected NAME or SCHEMA.NAME" in capsys.readouterr().err
    assert cli_main(["online-cleanup", "--url", "postgresql://u@h/d",
                     "--lock-timeout", "soon"]) == 2
    assert "invalid --lock-timeout 'soon'" in capsys.readouterr().err


# -- the process killed (SIGKILL) in each phase ---------------------------------------------


def _writes(url: str) -> None:
    """What the application writes while (or before) the swap runs: a 'done' converted
    like the rest, an update of an untouched column."""
    with connect(url) as conn:
        conn.execute("INSERT INTO app.jobs (id, s) VALUES (%s, 'done'), (%s, 'new')",
                     (ROWS + 1, ROWS + 2))
        conn.execute("UPDATE app.jobs SET counter = counter + 1 WHERE id = 2")


def _end_state(url: str) -> dict[str, Any]:
    return snapshot(url, ["app.jobs", "app.done_jobs"])


@pytest.fixture(scope="module")
def uninterrupted(reliability_db: str) -> dict[str, Any]:
    """The end state of the swap run without interruption after :func:`_writes` (the
    module's database is emptied again before each test)."""
    reset_database(reliability_db)
    with connect(reliability_db) as conn:
        conn.execute(SETUP_SQL)
    _writes(reliability_db)
    run_online(reliability_db, _swap)
    return _end_state(reliability_db)


@dataclass(frozen=True)
class Kill:
    """Where the process is killed: the step it runs, the lock the test holds meanwhile,
    the statement its backend then waits in, and what the database holds once that
    backend has gone (checked by ``left``)."""

    name: str
    step: int
    block: str
    fragment: str
    left: Callable[[str], None]


def _one(url: str, sql: str) -> Any:
    with connect(url) as conn:
        row = conn.execute(sql).fetchone()  # type: ignore[arg-type]
    assert row is not None
    return row[0] if len(row) == 1 else tuple(row)


def _left_nothing(url: str) -> None:
    assert _leftovers(url) == []


def _left_half_backfill(url: str) -> None:
    # the batches before the locked row committed, and the batch holding it too: the
    # UPDATE was waiting for the row lock when its client died, and a backend notices a
    # dead client only when it next reads or writes the socket, after the statement
    # (committed: autocommit).  The batches after it never ran.
    filled = _one(url, "SELECT count(s__eo_new) FROM app.jobs")
    assert 0 < filled < ROWS, filled
    assert _one(url, "SELECT s__eo_new IS NOT NULL FROM app.jobs WHERE id = 300") is True
    assert _leftovers(url) != []


def _left_helper_unmarked(url: str) -> None:
    # ADD CONSTRAINT ... NOT VALID finished once the lock came (autocommit); the COMMENT
    # that marks it never ran: the helper carries no marker (online-cleanup would still
    # drop it with the shadow column it reads).  The twin of the CHECK was next.
    assert _one(url, """SELECT count(*), bool_or(convalidated),
                               bool_or(obj_description(oid, 'pg_constraint') IS NOT NULL)
                          FROM pg_constraint WHERE conrelid = 'app.jobs'::regclass
                           AND conname LIKE 'eo_nn_%'""") == (1, False, False)
    assert _one(url, """SELECT count(*) FROM pg_constraint
                         WHERE conname = 'jobs_failed_counted__eo_new'""") == 0


def _left_helper_validated(url: str) -> None:
    # the helper's VALIDATE finished once the lock came; the twin's was next
    assert _one(url, """SELECT array_agg(convalidated ORDER BY conname) FROM pg_constraint
                         WHERE conrelid = 'app.jobs'::regclass
                           AND (conname LIKE 'eo_nn_%' OR conname LIKE '%__eo_new')""") == [
        True, False
    ]


def _left_index_built(url: str) -> None:
    # CREATE INDEX CONCURRENTLY was waiting for the writer's transaction: once it ended
    # the build went on to the end and left a valid index (nothing to rebuild)
    assert _one(url, """SELECT indisvalid FROM pg_index
                         WHERE indexrelid = 'app.jobs_s__eo_new'::regclass""") is True


def _left_no_cutover(url: str) -> None:
    # the cut-over's DO block went on once the lock came, until its first NOTICE met
    # the closed socket and the backend ended; its transaction (BEGIN ... COMMIT, the
    # COMMIT never sent) rolled back: the old type, the shadow, the trigger as before
    assert _state(url)["labels"] == list(OLD)
    assert _one(url, "SELECT count(s__eo_new) FROM app.jobs") == ROWS
    _left_index_built(url)
    assert _leftovers(url) != []


KILLS = [
    # the expand's DO block went on once the lock came; its first NOTICE met the closed
    # socket ("could not send data to client: Broken pipe" in the server log), the
    # backend ended ("connection to client lost"), and its transaction, never
    # committed, rolled back: as if it never started
    Kill("expand", 1, "SELECT count(*) FROM app.jobs", "p_mode text := 'expand'",
         _left_nothing),
    Kill("backfill", 2, "SELECT 1 FROM app.jobs WHERE id = 300 FOR UPDATE",
         "UPDATE app.jobs SET", _left_half_backfill),
    Kill("constraints", 3, "SELECT count(*) FROM app.jobs", "ADD CONSTRAINT",
         _left_helper_unmarked),
    Kill("validations", 4, "LOCK TABLE app.jobs IN SHARE UPDATE EXCLUSIVE MODE",
         "VALIDATE CONSTRAINT", _left_helper_validated),
    Kill("indexes", 5, "LOCK TABLE app.jobs IN ROW EXCLUSIVE MODE",
         "CREATE INDEX CONCURRENTLY", _left_index_built),
    Kill("cut-over", 6, "SELECT count(*) FROM app.jobs", "p_mode text := 'cutover'",
         _left_no_cutover),
]


@pytest.mark.e2e
@pytest.mark.parametrize("kill", KILLS, ids=[k.name for k in KILLS])
def test_online_swap_killed_in_each_phase_then_run_again(
    uninterrupted: dict[str, Any], db_url: str, kill: Kill
) -> None:
    """The steps before the phase run here; the rest runs in a process of its own,
    which is killed (SIGKILL) while its backend waits behind a lock the test holds at
    the phase's statement.  The lock then goes: the orphaned backend finishes the
    statement it was in (PostgreSQL notices a dead client only when it next talks to
    it), and ends.  Then the swap runs again from the start, as a rerun of the
    migration would: the same end state as an uninterrupted run, nothing left."""
    with connect(db_url) as conn:
        conn.execute(SETUP_SQL)
    before = _end_state(db_url)
    plan = _plan(db_url)
    _run_steps(db_url, plan, 0, kill.step)
    blocker = Session(db_url, kill.block)
    run = start_plan(
        with_application_name(db_url, APP), Plan(plan.description, plan.steps[kill.step:]),
        lock_timeout="30s", lock_retries=0,
    )
    try:
        wait_for_lock_wait(db_url, APP, kill.fragment, run)
        run.kill()
        assert run.process.returncode == -9
    finally:
        blocker.release()
        run.close()
    wait_backends_gone(db_url, APP)

    kill.left(db_url)
    if kill.name == "expand":
        assert _end_state(db_url) == before
    _writes(db_url)  # the application went on meanwhile
    run_online(db_url, _swap)
    assert _end_state(db_url) == uninterrupted
    assert _leftovers(db_url) == []


@pytest.mark.e2e
def test_sql_script_resumes_an_online_swap_interrupted_mid_backfill(
    uninterrupted: dict[str, Any], db_url: str
) -> None:
    """The revision's ``--sql`` script, applied with psql where the online swap was
    interrupted mid-backfill (its backend terminated between two batches), resumes it:
    the expand finds its work in place, ``\\gexec`` generates only the batches still
    missing, and the end state is the uninterrupted run's."""
    with connect(db_url) as conn:
        conn.execute(SETUP_SQL)
    _interrupt(db_url, next(p for p in PHASES if p.name == "backfill"))
    filled = _one(db_url, "SELECT count(s__eo_new) FROM app.jobs")
    assert 0 < filled < ROWS, filled
    _writes(db_url)

    apply_script(db_url, render_offline(_swap))
    assert _end_state(db_url) == uninterrupted
    assert _leftovers(db_url) == []


# -- locks not available: the generated statements, the cleanup ------------------------------


def test_generated_statement_gives_up_after_its_retries_then_resumes(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A reader holding the table: the helper CHECK's ADD CONSTRAINT (generated by the
    constraints step) waits ``lock_timeout`` at a time, is retried alone, and gives up
    after ``lock_retries`` naming the step and the statement; nothing of it applied.
    Run again once the reader is gone, the swap finishes."""
    with connect(db_url) as conn:
        conn.execute(SETUP_SQL)
    plan = _plan(db_url, lock_timeout="100ms")
    _run_steps(db_url, plan, 0, 3)
    caplog.set_level(logging.WARNING, logger="alembic_enum_ops")
    reader = Session(db_url, "SELECT count(*) FROM app.jobs")
    try:
        with pytest.raises(LockTimeoutExhaustedError, match=(
            r"helper and twin CHECKs, NOT VALID: ALTER TABLE app\.jobs ADD CONSTRAINT "
            r"eo_nn_\w+ CHECK \(s__eo_new IS NOT NULL\) NOT VALID: lock not available after 3 "
            r"attempts \(lock_retries=2\)"
        )):
            _run_steps(db_url, plan, 3, 4, lock_retries=2, retry_backoff=0.01,
                       retry_backoff_max=0.02)
    finally:
        reader.release()
    retries = [r.getMessage() for r in caplog.records if "NOT VALID" in r.getMessage()]
    assert [m.split(" (attempt ")[1].split(")")[0] for m in retries] == ["1 of 3", "2 of 3"]
    assert all("lock not available" in m and "retrying in" in m for m in retries)
    with connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_constraint WHERE conname LIKE 'eo_%'"
                            ).fetchone() == (0,)
    run_online(db_url, _swap)
    assert _state(db_url)["labels"] == list(NEW)
    assert _leftovers(db_url) == []


def test_online_cleanup_gives_up_behind_a_reader(db_url: str) -> None:
    """The cleanup's per-table transaction behind a reader: after its retries the error
    names the step, the lock and who holds it; nothing of the step applied."""
    with connect(db_url) as conn:
        conn.execute(SETUP_SQL)
    _run_steps(db_url, _plan(db_url), 0, 2)
    found = _leftovers(db_url)
    reader = Session(db_url, "SELECT count(*) FROM app.jobs")
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection, pytest.raises(LockTimeoutExhaustedError) as gave_up:
            online_cleanup(connection, "app", "status", options=EnumOpsOptions(
                lock_timeout="100ms", lock_retries=1, retry_backoff=0.01))
    finally:
        reader.release()
        engine.dispose()
    message = str(gave_up.value)
    assert message.startswith(
        "online cleanup of table app.jobs: the sync trigger and the shadow columns: could "
        "not get ACCESS EXCLUSIVE lock on table app.jobs"
    ), message
    assert "after 2 attempts (lock_retries=1); nothing of this step was applied" in message
    assert "enum_ops_blocker, idle in transaction) holds AccessShareLock" in message
    assert _leftovers(db_url) == found


# -- a real alembic upgrade killed mid-backfill ------------------------------------------


@pytest.mark.e2e
def test_alembic_upgrade_killed_mid_backfill_resumes(tmp_path: Path, db_url: str) -> None:
    with connect(db_url) as conn:
        conn.execute(SETUP_SQL)
    before = _state(db_url)
    project = AlembicProject(tmp_path / "project", with_application_name(db_url, APP))
    project.write_models(
        "import sqlalchemy as sa\nmetadata = sa.MetaData()\n"
        "ENUM_OPS = {'online_batch_size': 20, 'online_batch_pause': 0.05}\n"
    )
    project.write_revision("r1", "pass")
    project.write_revision(
        "r2",
        'op.enum_swap("status", ["archived", "new", "failed"], schema="app", '
        'mapping={"done": "archived"}, old_values=["new", "done", "failed"], online=True)',
        down_revision="r1",
    )
    project.upgrade("r1")
    run = start_alembic(project, "upgrade", "head")
    try:
        def half() -> bool:
            assert run.process.poll() is None, run.output()
            with connect(db_url) as conn:
                has = conn.execute(
                    "SELECT count(*) FROM pg_attribute WHERE attrelid = 'app.jobs'::regclass "
                    "AND attname = 's__eo_new'"
                ).fetchone()
                if has != (1,):
                    return False
                row = conn.execute("SELECT count(s__eo_new) FROM app.jobs").fetchone()
            return row is not None and 0 < row[0] < ROWS

        wait_until(half, "a half-done backfill")
        run.kill()
    finally:
        run.close()
    wait_backends_gone(db_url, APP)
    assert _state(db_url)["labels"] == list(OLD)
    assert _leftovers(db_url) != []

    project.upgrade()
    after = _state(db_url)
    assert after["labels"] == list(NEW)
    assert after["rows"] == _expected_after(before, {})
    assert _leftovers(db_url) == []


# -- writers the whole time ----------------------------------------------------------------


@pytest.mark.e2e
def test_online_swap_under_load_fails_no_write(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Inserts (with every label, 'done' included until the cut-over) and updates run
    from before the expand to after the cut-over: none fails but an insert of 'done'
    after the type lost it, and every row ends converted."""
    with connect(db_url) as conn:
        conn.execute(SETUP_SQL.replace(f"generate_series(1, {ROWS})", "generate_series(1, 5000)"))
    caplog.set_level(logging.INFO, logger="alembic_enum_ops")
    with Workload(
        db_url,
        **SWAP_SAFE_JOBS,
        first_id=5000,
        existing_ids=list(range(1, 5001)),
        writers=2,
        updaters=1,
        readers=1,
        expected_rejections=frozenset({"22P02"}),
    ) as load:
        load.wait_for_progress(30)
        # batches paced so that the backfill lasts several progress intervals
        run_online(db_url, _swap, enum_ops={"online_batch_size": 200,
                                            "online_batch_pause": 0.04,
                                            "online_progress_interval": 0.1})
        load.wait_for_progress(30)
    outcome = load.outcome
    assert outcome.errors == []
    assert all(r.startswith("'done'") for r in outcome.rejected), outcome.rejected
    assert "done" in outcome.labels_seen  # some 'done' went in mid-conversion
    with connect(db_url) as conn:
        rows = {r[0]: (r[1], r[2]) for r in conn.execute(
            "SELECT id, s::text, counter FROM app.jobs")}
    for row_id in range(1, 5001):
        original = OLD[row_id % 3]
        assert rows[row_id] == (MAPPING.get(original, original), outcome.increments[row_id])
    for row_id, label in outcome.inserted.items():
        assert rows[row_id] == (MAPPING.get(label, label), 0), row_id
    assert _leftovers(db_url) == []
    progress = [r.getMessage() for r in caplog.records if "backfill" in r.getMessage()]
    assert any("rows/s" in m and "ETA" in m for m in progress), progress
    # every row there before the expand that no write converted first (the sync
    # trigger fills the shadow of a row the updater touches, and the backfill skips it)
    finished = [m for m in progress if "done:" in m]
    assert len(finished) == 1, progress
    backfilled = int(re.search(r"(\d+) rows,", finished[0]).group(1))  # type: ignore[union-attr]
    updated = sum(1 for row_id in range(1, 5001) if outcome.increments[row_id])
    assert backfilled + updated >= 5000, (backfilled, updated)


# -- a held lock at the cut-over -------------------------------------------------------------


def test_cutover_waits_behind_a_reader_with_backoff(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with connect(db_url) as conn:
        conn.execute(SETUP_SQL)
    plan = _plan(db_url)
    _run_steps(db_url, plan, 0, 6)
    caplog.set_level(logging.WARNING, logger="alembic_enum_ops")
    reader = psycopg.connect(
        with_application_name(db_url, "enum_ops_reader").replace("+psycopg", ""),
        autocommit=False,
    )
    try:
        reader.execute("SELECT count(*) FROM app.jobs")  # ACCESS SHARE, held
        timer = threading.Timer(1.0, reader.rollback)
        timer.start()
        short = Plan(plan.description, tuple(
            dataclasses.replace(s, lock_timeout="100ms") if s.lock_timeout else s
            for s in plan.steps
        ))
        _run_steps(db_url, short, 6, lock_retries=20, retry_backoff=0.05,
                   retry_backoff_max=0.3)
        timer.join()
    finally:
        reader.close()
    retries = [r.getMessage() for r in caplog.records if "cut-over" in r.getMessage()]
    assert retries and all("lock not available" in m for m in retries), retries
    assert _state(db_url)["labels"] == list(NEW)
    assert _leftovers(db_url) == []
