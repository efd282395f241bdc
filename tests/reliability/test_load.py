"""Migrations under load: sessions insert, update and read the whole time.

Zero rows lost, zero failed writes other than the ones the migration must reject
(a label that no longer exists), every reader sees consistent data, and new labels
are usable by other sessions the moment their step commits.
"""

from __future__ import annotations

from typing import Any

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
