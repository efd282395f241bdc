"""The lock table in ``docs/locks.md`` is measured, not remembered.

Each statement runs in a transaction on a real server; before it rolls back,
``pg_locks`` is read for the locks that transaction holds on the enum type (an
``object`` lock in ``pg_type``) and on the user table.  The strongest of each is what the
docs table must say.  This runs on every PostgreSQL of the version matrix, so a version
that locks differently fails here instead of in someone's deploy.

``ENUM_OPS_DOCS_UPDATE=1`` rewrites the table between its markers.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.support.server import libpq_url

PAGE = Path(__file__).resolve().parents[2] / "docs" / "locks.md"
BEGIN, END = "<!-- locks:begin -->", "<!-- locks:end -->"

# weakest to strongest (PostgreSQL's table lock modes; also used for object locks)
MODES = [
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
]

SETUP = """
CREATE SCHEMA ai;
CREATE SCHEMA archive;
CREATE TYPE ai.status AS ENUM ('pending', 'done');
CREATE TYPE ai.status_v2 AS ENUM ('pending', 'done');
CREATE TYPE ai.unused AS ENUM ('x');
CREATE TABLE ai.queue (id int PRIMARY KEY, status ai.status NOT NULL);
INSERT INTO ai.queue SELECT g, 'pending' FROM generate_series(1, 100) g;
CREATE TABLE ai.jobs (id int PRIMARY KEY, status varchar(32) NOT NULL);
INSERT INTO ai.jobs SELECT g, 'pending' FROM generate_series(1, 100) g;
ALTER TABLE ai.jobs ADD CONSTRAINT jobs_status_nv CHECK (status IN ('pending', 'done')) NOT VALID;
"""


@dataclass(frozen=True)
class Case:
    operation: str
    statement: str
    type_name: str  # the enum whose lock is reported
    table: str  # the table whose lock is reported


CASES = [
    Case("`enum_create`", "CREATE TYPE ai.priority AS ENUM ('low', 'high')", "ai.status",
         "ai.queue"),
    Case("`enum_add_value`", "ALTER TYPE ai.status ADD VALUE 'failed'", "ai.status", "ai.queue"),
    Case("`enum_rename_value`", "ALTER TYPE ai.status RENAME VALUE 'done' TO 'completed'",
         "ai.status", "ai.queue"),
    Case("`enum_rename`", "ALTER TYPE ai.status RENAME TO state", "ai.status", "ai.queue"),
    Case("`enum_set_schema`", "ALTER TYPE ai.status SET SCHEMA archive", "ai.status",
         "ai.queue"),
    Case("`enum_drop`", "DROP TYPE ai.unused", "ai.unused", "ai.queue"),
    Case("swap: move a column to the new type",
         "ALTER TABLE ai.queue ALTER COLUMN status TYPE ai.status_v2 "
         "USING status::text::ai.status_v2", "ai.status", "ai.queue"),
    Case("VARCHAR + CHECK: add the constraint `NOT VALID`",
         "ALTER TABLE ai.jobs ADD CONSTRAINT jobs_status CHECK "
         "(status IN ('pending', 'done', 'failed')) NOT VALID", "ai.status", "ai.jobs"),
    Case("VARCHAR + CHECK: `VALIDATE CONSTRAINT`",
         "ALTER TABLE ai.jobs VALIDATE CONSTRAINT jobs_status_nv", "ai.status", "ai.jobs"),
    Case("a CHECK added without `NOT VALID` (avoid)",
         "ALTER TABLE ai.jobs ADD CONSTRAINT jobs_status CHECK "
         "(status IN ('pending', 'done', 'failed'))", "ai.status", "ai.jobs"),
]

BLOCKS = {
    "AccessExclusiveLock": "every read and write of the table",
    "ShareUpdateExclusiveLock": "other DDL and VACUUM only; reads and writes go on",
    "ShareLock": "writes (reads go on)",
    "ShareRowExclusiveLock": "writes and other DDL (reads go on)",
    "ExclusiveLock": "writes (reads go on)",
}

_LOCKS_SQL = """
SELECT locktype, mode FROM pg_locks
WHERE pid = pg_backend_pid() AND granted
  AND ((locktype = 'relation' AND relation = %(table)s::regclass)
       OR (locktype = 'object' AND classid = 'pg_type'::regclass AND objid = %(type)s))
"""


def strongest(modes: list[str]) -> str:
    return max(modes, key=MODES.index) if modes else "none"


def measure(url: str, case: Case) -> tuple[str, str]:
    with psycopg.connect(libpq_url(url)) as conn:
        type_oid = conn.execute("SELECT to_regtype(%s)::oid", (case.type_name,)).fetchone()
        assert type_oid is not None and type_oid[0] is not None, case.type_name
        conn.execute(case.statement)
        rows = conn.execute(_LOCKS_SQL, {"table": case.table, "type": type_oid[0]}).fetchall()
        conn.rollback()
    on_type = strongest([mode for kind, mode in rows if kind == "object"])
    on_table = strongest([mode for kind, mode in rows if kind == "relation"])
    return on_type, on_table


def render(url: str) -> str:
    lines = [
        "| operation / statement | lock on the enum type | lock on the table "
        "| the table lock blocks |",
        "|---|---|---|---|",
    ]
    for case in CASES:
        on_type, on_table = measure(url, case)
        blocks = BLOCKS.get(on_table, "nothing" if on_table == "none" else "see PostgreSQL docs")
        lines.append(
            f"| {case.operation}<br>`{case.statement}` | {on_type} | {on_table} | {blocks} |"
        )
    return "\n".join(lines)


def documented() -> str:
    text = PAGE.read_text()
    return text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip()


@pytest.fixture
def lock_db(db_url: str) -> str:
    with psycopg.connect(libpq_url(db_url), autocommit=True) as conn:
        conn.execute(SETUP)
    return db_url


def test_lock_table_in_the_docs_is_what_postgresql_takes(lock_db: str) -> None:
    measured = render(lock_db)
    if os.environ.get("ENUM_OPS_DOCS_UPDATE") == "1":
        text = PAGE.read_text()
        start, stop = text.index(BEGIN) + len(BEGIN), text.index(END)
        PAGE.write_text(text[:start] + "\n" + measured + "\n" + text[stop:])
    assert documented() == measured, (
        "docs/locks.md's lock table is not what this server takes "
        "(ENUM_OPS_DOCS_UPDATE=1 rewrites it):\n" + measured
    )


def test_measurement_sees_a_lock_when_there_is_one(lock_db: str) -> None:
    """Guard against a measurement that always says "none"."""
    assert measure(lock_db, CASES[6])[1] == "AccessExclusiveLock"  # table rewrite
    assert measure(lock_db, CASES[5])[0] == "AccessExclusiveLock"  # DROP TYPE
    assert measure(lock_db, CASES[8])[1] == "ShareUpdateExclusiveLock"  # VALIDATE
    assert re.fullmatch(r"\w+Lock|none", measure(lock_db, CASES[0])[1])
