"""Plans as data: transaction framing is explicit and identical for dry runs and --sql."""

from __future__ import annotations

import pytest

from alembic_enum_ops.ddl import native as ddl
from alembic_enum_ops.ddl.plan import Boundary, LockTarget, Plan, Statement, Step
from alembic_enum_ops.ddl.sqltext import default_dialect, dollar_quote, literal, qualified
from tests.support.migrate import render_offline

DIALECT = default_dialect()


def test_own_steps_are_framed_and_split_from_the_revision_transaction() -> None:
    lock = (LockTarget("table", "ai", "t", "ACCESS EXCLUSIVE"),)
    plan = Plan(
        "demo",
        (
            Step(Boundary.MIGRATION, (Statement("SELECT 1"),), "first"),
            Step(Boundary.OWN, (Statement("SELECT 2", locks=lock),), "own", lock_timeout="1s"),
            Step(Boundary.OWN, (Statement("SELECT 3"),), "own again"),
            Step(Boundary.MIGRATION, (Statement("SELECT 4"),), "last"),
        ),
    )
    assert plan.as_sql(DIALECT).splitlines() == [
        "SELECT 1;",
        "COMMIT;",
        "BEGIN;",
        "SET LOCAL lock_timeout = '1s';",
        "SELECT 2;",
        "COMMIT;",
        "BEGIN;",
        "SELECT 3;",
        "COMMIT;",
        "BEGIN;",
        "SELECT 4;",
    ]
    assert plan.commits_midway()
    assert [lk.describe() for lk in plan.locks()] == ["ACCESS EXCLUSIVE lock on table ai.t"]


def test_dry_run_equals_the_offline_script() -> None:
    plan = ddl.plan_add_value(
        DIALECT, "ai", "status", "b", before="a", after=None,
        if_not_exists=True, lock_timeout="2s",
    )
    script = render_offline(lambda op: op.enum_add_value("status", "b", schema="ai", before="a"))
    body = "\n".join(line for line in script.splitlines() if line.strip())
    assert plan.as_sql(DIALECT) in body


def test_quoting_helpers() -> None:
    assert qualified(DIALECT, "Ai", "select") == '"Ai"."select"'
    assert qualified(DIALECT, None, "plain") == "plain"
    assert literal(DIALECT, "it's 100%") == "'it''s 100%'"
    assert literal(DIALECT, "a\\b") == "'a\\b'"
    assert dollar_quote("x") == "$enum_ops$x$enum_ops$"
    assert dollar_quote("has $enum_ops$ inside") == "$enum_ops1$has $enum_ops$ inside$enum_ops1$"


def test_autocommit_steps_share_the_block_and_are_not_framed() -> None:
    lock = (LockTarget("table", "ai", "t", "ACCESS EXCLUSIVE"),)
    plan = Plan(
        "demo",
        (
            Step(Boundary.OWN, (Statement("SELECT 1", locks=lock),), "own", lock_timeout="1s"),
            Step(Boundary.AUTOCOMMIT, (Statement("DO $$ BEGIN COMMIT; END $$"),), "batches"),
            Step(Boundary.OWN, (Statement("SELECT 2"),), "own again"),
            Step(Boundary.MIGRATION, (Statement("SELECT 3"),), "last"),
        ),
    )
    assert plan.as_sql(DIALECT).splitlines() == [
        "COMMIT;",
        "BEGIN;",
        "SET LOCAL lock_timeout = '1s';",
        "SELECT 1;",
        "COMMIT;",
        "DO $$ BEGIN COMMIT; END $$;",
        "BEGIN;",
        "SELECT 2;",
        "COMMIT;",
        "BEGIN;",
        "SELECT 3;",
    ]
    assert plan.commits_midway()
    only_autocommit = Plan("x", (Step(Boundary.AUTOCOMMIT, (Statement("VACUUM t"),), "v"),))
    assert only_autocommit.as_sql(DIALECT).splitlines() == ["COMMIT;", "VACUUM t;", "BEGIN;"]


def test_an_autocommit_step_takes_no_lock_timeout() -> None:
    """SET LOCAL means nothing outside a transaction block and SET would outlive it."""
    with pytest.raises(ValueError, match="batches: an autocommit step takes no lock_timeout"):
        Step(Boundary.AUTOCOMMIT, (Statement("SELECT 1"),), "batches", lock_timeout="1s")


def test_summary_is_read_off_the_statements() -> None:
    table = LockTarget("table", "ai", "t", "ACCESS EXCLUSIVE")
    kind = LockTarget("type", "ai", "st", "EXCLUSIVE")
    weak = LockTarget("table", "ai", "t", "SHARE UPDATE EXCLUSIVE")
    plan = Plan(
        "demo",
        (
            Step(Boundary.MIGRATION, (Statement("SELECT 0"),), "no lock, no phrase"),
            Step(
                Boundary.OWN,
                (Statement("a", locks=(table,), summary="NOT VALID"),
                 Statement("b", locks=(table,), summary="NOT VALID")),  # said once
                "own",
            ),
            Step(Boundary.OWN, (Statement("c", locks=(weak,), summary="VALIDATE"),), "v"),
            Step(Boundary.MIGRATION, (Statement("d", locks=(kind,)),), "type"),
            Step(Boundary.MIGRATION, (Statement("e", locks=(table,), rewrites=("ai.t",)),), "r"),
        ),
    )
    assert plan.summary() == (
        "ACCESS EXCLUSIVE lock (brief, NOT VALID), then VALIDATE under SHARE UPDATE "
        "EXCLUSIVE, then EXCLUSIVE lock on the type (brief), then rewrites table ai.t under "
        "ACCESS EXCLUSIVE lock; commits the revision's transaction midway"
    )
    unknown = Statement("DO", locks=(table,), rewrites_found_when_run=True, summary="x")
    assert Plan("u", (Step(Boundary.MIGRATION, (unknown,), "u"),)).summary() == (
        "rewrites every table with a column of the type under ACCESS EXCLUSIVE lock (x)"
    )
    harmless = Plan("none", (Step(Boundary.MIGRATION, (Statement("SELECT 1"),), "s"),))
    assert harmless.summary() is None


def test_distributed_steps_start_with_the_citus_settings() -> None:
    """On a Citus coordinator a step in a transaction starts with the settings that
    carry its lock_timeout to the workers and keep its type commands allowed; an
    autocommit step (no transaction) takes neither."""
    lock = (LockTarget("type", "ai", "t", "ACCESS EXCLUSIVE"),)
    plan = Plan(
        "demo",
        (
            Step(Boundary.MIGRATION, (Statement("SELECT 1", locks=lock),), "m", lock_timeout="1s"),
            Step(Boundary.AUTOCOMMIT, (Statement("SELECT 2"),), "a"),
            Step(Boundary.OWN, (Statement("SELECT 3"),), "o"),
        ),
    )
    assert plan.as_sql(DIALECT, distributed=True).splitlines() == [
        "SET LOCAL citus.propagate_set_commands = 'local';",
        "SET LOCAL citus.multi_shard_modify_mode = 'sequential';",
        "SET LOCAL lock_timeout = '1s';",
        "SELECT 1;",
        "COMMIT;",
        "SELECT 2;",
        "BEGIN;",
        "SET LOCAL citus.propagate_set_commands = 'local';",
        "SET LOCAL citus.multi_shard_modify_mode = 'sequential';",
        "SELECT 3;",
        "COMMIT;",
        "BEGIN;",
    ]
    assert "citus" not in plan.as_sql(DIALECT)
