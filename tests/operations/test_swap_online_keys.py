"""The online swap carries a primary key and a unique constraint that include a
converted column: their indexes depend on the constraint, not on the column, so the
capture finds them by their key columns (a bug the conversions' tests found)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import alembic_enum_ops  # noqa: F401  (registers op.enum_*)
from tests.support.catalog import execute, query, snapshot
from tests.support.migrate import run_online

SETUP = [
    "CREATE TYPE st AS ENUM ('a', 'b', 'c')",
    "CREATE TABLE t (id int, s st NOT NULL, other int, "
    "CONSTRAINT t_pk PRIMARY KEY (id, s), "
    "CONSTRAINT t_other_s UNIQUE (other, s) DEFERRABLE INITIALLY DEFERRED)",
    "INSERT INTO t SELECT g, (ARRAY['a', 'b', 'c'])[1 + g % 3]::st, g "
    "FROM generate_series(1, 300) g",
]


def swap(online: bool) -> Any:
    def fn(op: Any) -> None:
        op.enum_swap("st", ["c", "a"], schema="public", mapping={"b": "a"},
                     old_values=["a", "b", "c"], online=online)

    return fn


def test_online_swap_carries_primary_and_unique_keys_on_the_column(
    db_url: str, second_db_url: str
) -> None:
    execute(db_url, *SETUP)
    execute(second_db_url, *SETUP)
    run_online(db_url, swap(True))
    run_online(second_db_url, swap(False))
    online = snapshot(db_url, ["public.t"], any_column_order=True)
    assert online == snapshot(second_db_url, ["public.t"], any_column_order=True)
    # (PostgreSQL 18 catalogs NOT NULL as constraints too: the keys are what matters)
    assert [c[2:5] for c in online["constraints"] if not c[3].startswith("NOT NULL")] == [
        ("t_other_s", "UNIQUE (other, s) DEFERRABLE INITIALLY DEFERRED", True),
        ("t_pk", "PRIMARY KEY (id, s)", True),
    ]


def test_online_backfill_fires_the_tables_update_triggers_and_says_so(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The backfill is UPDATEs: a table's own row triggers on UPDATE fire for every
    row (an ``updated_at`` trigger bumps every row).  The expand warns, naming them."""
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b')",
        "CREATE TABLE t (id int, s st, touched int NOT NULL DEFAULT 0)",
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS "
        "'BEGIN NEW.touched := OLD.touched + 1; RETURN NEW; END'",
        "CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()",
        "INSERT INTO t SELECT g, 'a', 0 FROM generate_series(1, 50) g",
    )
    caplog.set_level(logging.WARNING, logger="alembic_enum_ops")
    run_online(db_url, swap_ab(online=True))
    messages = [r.getMessage() for r in caplog.records]
    warnings = [m for m in messages if "row triggers on UPDATE" in m]
    assert warnings == [
        "alembic_enum_ops: table public.t has row triggers on UPDATE (t_touch): the online "
        "backfill's UPDATEs fire them for every row"
    ]
    assert query(db_url, "SELECT min(touched), max(touched) FROM t") == [(1, 1)]


def swap_ab(online: bool) -> Any:
    def fn(op: Any) -> None:
        op.enum_swap("st", ["b", "a"], schema="public", old_values=["a", "b"], online=online)

    return fn
