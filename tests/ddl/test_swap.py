"""The swap's plan (pure) and its one catalog read in Python."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alembic_enum_ops import (
    Boundary,
    EnumStateError,
    InvalidEnumInputError,
    StatementFailedError,
    UnsafeOperationError,
)
from alembic_enum_ops.ddl.sqltext import default_dialect
from alembic_enum_ops.ddl.swap import plan_swap, swap_engine_sql, temp_name
from alembic_enum_ops.ddl.swap_preview import SwapRelation, describe_swap, preview_swap
from alembic_enum_ops.operations import SwapEnumOp
from tests.support.catalog import execute, query, snapshot
from tests.support.migrate import run_online
from tests.support.sessions import lock_held


def test_plan_is_one_locked_step_in_the_revision_transaction() -> None:
    plan = plan_swap(
        default_dialect(), "ai", "status", new_values=["b", "a"], mapping={"c": "a"},
        lock_timeout="3s", relations=[("ai", "jobs", True), ("ai", "live", False)],
    )
    (step,) = plan.steps
    assert step.boundary is Boundary.MIGRATION
    assert step.lock_timeout == "3s"
    assert step.retry_on_lock_timeout
    assert [t.describe() for t in plan.locks()] == [
        "ACCESS EXCLUSIVE lock on type ai.status",
        "ACCESS EXCLUSIVE lock on table ai.jobs",
        "ACCESS EXCLUSIVE lock on table ai.live",
    ]
    assert plan.rewrites() == ["ai.jobs"]
    assert not plan.commits_midway()
    sql = plan.as_sql(default_dialect())
    assert sql.startswith("SET LOCAL lock_timeout = '3s';\nDO $")
    assert "p_from text[] := ARRAY['c']::text[];" in sql
    assert "p_new text[] := ARRAY['b', 'a']::text[];" in sql


def test_engine_parameters_are_quoted_literals() -> None:
    sql = swap_engine_sql(
        default_dialect(), None, "it's", new_values=None, remove="$enum_ops$ '",
        mapping={"$enum_ops$ '": "x"},
    )
    assert "p_schema text := current_schema();" in sql
    assert "p_name text := 'it''s';" in sql
    assert "p_remove text := '$enum_ops$ ''';" in sql
    # the dollar-quote tag is one the body does not contain
    assert sql.startswith("DO $enum_ops1$")
    assert sql.rstrip().endswith("$enum_ops1$")


def test_engine_needs_exactly_one_of_new_values_and_remove() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        swap_engine_sql(default_dialect(), "s", "t", new_values=["a"], remove="a")
    with pytest.raises(ValueError, match="exactly one"):
        swap_engine_sql(default_dialect(), "s", "t", new_values=None)
    with pytest.raises(ValueError, match="exactly one"):
        swap_engine_sql(default_dialect(), "s", "t", new_values=["a"], remove="a",
                        mode="describe")
    # a description may leave both out: the current labels
    assert "p_mode text := 'describe';" in swap_engine_sql(
        default_dialect(), "s", "t", new_values=None, mode="describe"
    )
    with pytest.raises(ValueError, match=r"mode must be one of \('run', 'preview', 'describe',"):
        swap_engine_sql(default_dialect(), "s", "t", new_values=["a"], mode="dry")
    with pytest.raises(ValueError, match=r"strategy must be one of \('rewrite', 'online'\)"):
        swap_engine_sql(default_dialect(), "s", "t", new_values=["a"], strategy="fast")


def test_temp_name_is_deterministic_and_fits() -> None:
    assert temp_name("status") == "status__v2"
    long = "é" * 30  # 60 bytes: no room for the suffix
    assert temp_name(long) == temp_name(long)
    assert temp_name(long).startswith("enum_ops_v2_")
    assert len(temp_name(long).encode()) <= 63


def test_relations_described_by_the_engine(db_url: str) -> None:
    execute(
        db_url,
        "CREATE SCHEMA ai",
        "CREATE TYPE ai.st AS ENUM ('a', 'b')",
        "CREATE DOMAIN ai.d AS ai.st",
        "CREATE TABLE ai.plain (x ai.st)",
        "CREATE TABLE ai.arr (x ai.st[])",
        "CREATE TABLE ai.dom (x ai.d)",
        "CREATE TABLE ai.parted (x ai.st, k int) PARTITION BY RANGE (k)",
        "CREATE TABLE ai.part1 PARTITION OF ai.parted FOR VALUES FROM (0) TO (1)",
        "CREATE TABLE ai.untouched (x text)",
        "CREATE VIEW ai.v1 AS SELECT 1 AS one FROM ai.plain WHERE x = 'a'",
        "CREATE VIEW ai.v2 AS SELECT one FROM ai.v1",
    )
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            described = describe_swap(conn, "ai", "st")
    finally:
        engine.dispose()
    assert sorted(described.relations, key=lambda r: r.name) == [
        SwapRelation("ai", "arr", "table", True),
        SwapRelation("ai", "dom", "table", True),
        SwapRelation("ai", "part1", "table", False),
        SwapRelation("ai", "parted", "partitioned table", True),
        SwapRelation("ai", "plain", "table", True),
        SwapRelation("ai", "v1", "view", False),
        SwapRelation("ai", "v2", "view", False),
    ]
    assert described.rewritten_tables == ["ai.arr", "ai.dom", "ai.parted", "ai.plain"]


def test_the_session_settings_are_restored_after_the_swap(db_url: str) -> None:
    """The engine reads definitions with search_path = '': the rest of the revision
    must see the migration's own settings again."""
    execute(db_url, "CREATE TYPE st AS ENUM ('a', 'b')", "CREATE TABLE t (x st)")
    seen: list[object] = []

    def migration(op: object) -> None:
        op.execute("SET LOCAL search_path = public, pg_catalog")  # type: ignore[attr-defined]
        op.enum_swap("st", ["b", "a"])  # type: ignore[attr-defined]
        bind = op.get_bind()  # type: ignore[attr-defined]
        seen.append(bind.exec_driver_sql("SELECT current_setting('search_path')").scalar())
        op.execute("INSERT INTO t VALUES ('b')")  # type: ignore[attr-defined]

    run_online(db_url, migration)
    assert seen == ["public, pg_catalog"]
    assert query(db_url, "SELECT x::text FROM t") == [("b",)]


@pytest.mark.parametrize(
    ("old", "new", "mapping", "inverse"),
    [
        (["a", "b"], ["x", "b"], {"a": "x"}, {"x": "a"}),  # rename-like
        (["a", "b", "c"], ["b", "c"], {"a": "b"}, {}),  # merged into a label that stays
        (["a", "b"], ["a", "b"], {"a": "b", "b": "a"}, {"b": "a", "a": "b"}),  # exchange
        (["a", "b", "c"], ["x", "c"], {"b": "x", "a": "x"}, {"x": "a"}),  # first source
        (["a", "b"], ["b", "a", "z"], {}, {}),  # reorder and addition
    ],
    ids=["rename", "merge", "exchange", "two-into-one", "reorder"],
)
def test_reverse_of_a_swap(
    old: list[str], new: list[str], mapping: dict[str, str], inverse: dict[str, str]
) -> None:
    forward = SwapEnumOp("st", new, schema="s", mapping=mapping, old_values=old)
    back = forward.reverse()
    assert back.new_values == tuple(old)
    assert back.old_values == tuple(new)
    assert back.mapping == inverse
    assert back.schema == "s"


def test_reverse_needs_old_values() -> None:
    with pytest.raises(InvalidEnumInputError, match="pass old_values"):
        SwapEnumOp("st", ["a"]).reverse()


def test_exchange_round_trip_restores_the_data(db_url: str) -> None:
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b', 'c')",
        "CREATE TABLE t (id int, x st, xs st[])",
        "INSERT INTO t VALUES (1, 'a', '{a,b,c}'), (2, 'b', '{b}'), (3, 'c', NULL)",
    )
    before = query(db_url, "SELECT id, x::text, xs::text FROM t ORDER BY id")
    swap = SwapEnumOp(
        "st", ["c", "b", "a"], schema="public", mapping={"a": "b", "b": "a"},
        old_values=["a", "b", "c"],
    )
    run_online(db_url, lambda op: op.invoke(swap))
    assert query(db_url, "SELECT id, x::text, xs::text FROM t ORDER BY id") == [
        (1, "b", "{b,a,c}"), (2, "a", "{a}"), (3, "c", None),
    ]
    run_online(db_url, lambda op: op.invoke(swap.reverse()))
    assert query(db_url, "SELECT id, x::text, xs::text FROM t ORDER BY id") == before


PREVIEW_SETUP = [
    "CREATE SCHEMA ai",
    "CREATE TYPE ai.st AS ENUM ('a', 'b', 'c')",
    "CREATE TABLE ai.t (id int, x ai.st DEFAULT 'c', xs ai.st[])",
    "CREATE VIEW ai.v AS SELECT id FROM ai.t WHERE x = 'c'",
    "INSERT INTO ai.t VALUES (1, 'c', '{a,c}')",
]


def _preview(url: str, **kwargs: object) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return preview_swap(conn, "ai", "st", **kwargs)  # type: ignore[arg-type]
    finally:
        engine.dispose()


def test_preview_lists_the_statements_and_changes_nothing(
    db_url: str, second_db_url: str
) -> None:
    execute(db_url, *PREVIEW_SETUP)
    execute(second_db_url, *PREVIEW_SETUP)
    before = snapshot(db_url, ["ai.t"])
    # a reader holding the table does not block a preview: it takes no exclusive lock
    with lock_held(db_url, "LOCK TABLE ai.t IN ACCESS SHARE MODE", release_after=None):
        statements = _preview(db_url, new_values=["b", "a"], mapping={"c": "a"})
    assert snapshot(db_url, ["ai.t"]) == before
    assert statements[0] == "LOCK TABLE ai.t IN ACCESS EXCLUSIVE MODE"
    assert statements[1] == "CREATE TYPE ai.st__v2 AS ENUM ('b', 'a')"
    assert "DROP VIEW ai.v" in statements
    assert [s for s in statements if s.startswith("ALTER TABLE ai.t ALTER COLUMN")] == [
        "ALTER TABLE ai.t ALTER COLUMN x TYPE ai.st__v2 USING "
        "(CASE x::text WHEN 'c' THEN 'a' ELSE x::text END)::ai.st__v2, "
        "ALTER COLUMN xs TYPE ai.st__v2[] USING "
        "array_replace(array_replace(xs::text[], 'c', '\x01alembic_enum_ops_1\x01'), "
        "'\x01alembic_enum_ops_1\x01', 'a')::ai.st__v2[]",
    ]
    assert "DROP TYPE ai.st" in statements
    assert "ALTER TYPE ai.st__v2 RENAME TO st" in statements
    assert "ALTER TABLE ONLY ai.t ALTER COLUMN x SET DEFAULT 'a'::ai.st" in statements
    assert any(s.startswith("CREATE VIEW ai.v AS") and "'a'::ai.st" in s for s in statements)
    # running exactly these statements gives what the swap itself gives
    execute(db_url, *statements)
    run_online(
        second_db_url,
        lambda op: op.enum_swap("st", ["b", "a"], schema="ai", mapping={"c": "a"}),
    )
    assert snapshot(db_url, ["ai.t", "ai.v"]) == snapshot(second_db_url, ["ai.t", "ai.v"])


def test_preview_refuses_like_the_swap(db_url: str) -> None:
    execute(db_url, *PREVIEW_SETUP)
    with pytest.raises(UnsafeOperationError, match=r"ai\.t\.x: 1 row\(s\) hold 'c'"):
        _preview(db_url, remove="c")
    with pytest.raises(EnumStateError, match="has labels"):
        _preview(db_url, new_values=["a"], old_values=["x"])
    assert _preview(db_url, new_values=["a", "b", "c"]) == []


@pytest.mark.parametrize("mode", ["preview", "describe"])
def test_a_server_error_in_preview_or_describe_is_short(db_url: str, mode: str) -> None:
    """Not a refusal (here a lock timeout on the catalog): our exception names what ran
    and the server's message, without the engine's text."""
    execute(db_url, "CREATE TYPE st AS ENUM ('a', 'b')")
    engine = sa.create_engine(db_url)
    try:
        with lock_held(db_url, "LOCK TABLE pg_enum IN ACCESS EXCLUSIVE MODE",
                       release_after=None), engine.connect() as conn:
            conn.exec_driver_sql("SET lock_timeout = '100ms'")
            with pytest.raises(StatementFailedError) as caught:
                if mode == "preview":
                    preview_swap(conn, "public", "st", new_values=["a"])
                else:
                    describe_swap(conn, "public", "st", new_values=["a"])
    finally:
        engine.dispose()
    message = str(caught.value)
    assert message.startswith(
        f"alembic_enum_ops: {mode} the swap of enum public.st: the server refused a "
        "statement (SQLSTATE 55P03): canceling statement due to lock timeout"
    )
    assert caught.value.sqlstate == "55P03"
    assert "$enum_ops$" not in message and len(message.splitlines()) <= 8
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
