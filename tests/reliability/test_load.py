"""Migrations under load: sessions insert, update and read the whole time.

Zero rows lost, zero failed writes other than the ones the migration must reject
(a label that no longer exists), every reader sees consistent data, and new labels
are usable by other sessions the moment their step commits.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.support.migrate import run_online

from .helpers import connect
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
        table="app.jobs",
        # the writers auto-prepare (psycopg does after 5 runs); casting the parameter
        # through text keeps their statements valid across the type's new OID (see
        # test_swap_breaks_prepared_enum_parameters_of_other_sessions)
        type_sql="text::app.status",
        # looked up by name at run time: a prepared ``NULL::app.status`` would keep
        # the old OID and fail after the swap just the same
        labels_query=(
            "SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e "
            "WHERE e.enumtypid = to_regtype('app.status')"
        ),
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
    """Changing a CHECK's set with a mapping while sessions write: only writes of
    the value leaving the set may fail; updates of other columns never do."""
    with connect(db_url) as conn:
        conn.execute(CHECK_SETUP_SQL)  # type: ignore[arg-type]
    with Workload(
        db_url,
        table="app.jobs",
        type_sql="text",
        column="state",
        labels_query="SELECT ARRAY['open', 'closed']",
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
    # KNOWN BUG (check_ddl, owned by the CHECK variant): while the remap runs, the
    # NOT VALID replacement CHECK rejects any UPDATE of a row still holding the
    # mapped value, even one that leaves the column alone.  Pinned deterministically
    # by test_faults.py::test_update_of_a_row_awaiting_remap_is_not_rejected
    # (xfail strict); once fixed, tighten this to ``outcome.rejected == []``.
    stale_ids = {i for i in range(1, ROWS + 1) if i % 3 == 2}
    for rejection in outcome.rejected:
        assert rejection.startswith("update of row "), rejection
        row_id = int(rejection.split()[3].rstrip(":"))
        assert row_id in stale_ids, rejection
    with connect(db_url) as conn:
        result = conn.execute("SELECT id, state, counter FROM app.jobs")
        rows = {r[0]: (r[1], r[2]) for r in result}
    for row_id in range(1, ROWS + 1):
        original = ("open", "closed", "stale")[row_id % 3]
        expected = "archived" if original == "stale" else original
        assert rows[row_id] == (expected, outcome.increments[row_id])
    for row_id, label in outcome.inserted.items():
        assert rows[row_id] == (label, 0)


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
