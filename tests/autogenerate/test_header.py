"""The "locks and rewrites" header: read off the plans the operations would run."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import ops as alembic_ops

from alembic_enum_ops.autogenerate.header import TITLE, describe_op, header_lines
from alembic_enum_ops.operations import (
    AddEnumValueOp,
    CheckToEnumOp,
    CreateCheckEnumOp,
    CreateEnumOp,
    DropCheckEnumOp,
    EnumToCheckOp,
    RemoveEnumValueOp,
    RenameEnumValueOp,
    SetCheckEnumValuesOp,
    SwapEnumOp,
)
from tests.support.catalog import execute


def _lines(db_url: str, upgrade: list[object], downgrade: list[object]) -> list[str]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return header_lines(upgrade, downgrade, conn)
    finally:
        engine.dispose()


def test_header_names_the_tables_a_swap_rewrites(db_url: str) -> None:
    execute(
        db_url,
        "CREATE SCHEMA ai",
        "CREATE TYPE ai.ingestionstatus AS ENUM ('pending', 'running', 'done')",
        "CREATE TABLE ai.ingestion_queue (id int, status ai.ingestionstatus)",
        "CREATE TABLE ai.history (id int, statuses ai.ingestionstatus[])",
    )
    upgrade = [
        alembic_ops.ModifyTableOps(
            "ingestion_queue",
            [alembic_ops.AddColumnOp("ingestion_queue", sa.Column("n", sa.Integer()), schema="ai")],
            schema="ai",
        ),
        CreateEnumOp("other", ["a"], schema="ai"),
        AddEnumValueOp("ingestionstatus", "failed", schema="ai", after="running"),
        RemoveEnumValueOp(
            "ingestionstatus", "done", schema="ai", replace_with="pending",
            old_values=["pending", "running", "failed", "done"],
        ),
    ]
    downgrade = [
        SwapEnumOp(
            "ingestionstatus", ["pending", "running", "done"], schema="ai",
            old_values=["pending", "running", "failed"],
        )
    ]
    lines = _lines(db_url, upgrade, downgrade)
    assert lines[0] == TITLE
    text = "\n".join(lines)
    assert "add_column ai.ingestion_queue.n: ACCESS EXCLUSIVE lock" in text
    assert (
        "enum_add_value ai.ingestionstatus 'failed': EXCLUSIVE lock on the type (brief); "
        "commits the revision's transaction midway"
    ) in text
    assert (
        "enum_remove_value ai.ingestionstatus: rewrites table ai.history, "
        "table ai.ingestion_queue under ACCESS EXCLUSIVE lock"
    ) in text
    assert "#   downgrade:\n#   - enum_swap ai.ingestionstatus: rewrites table ai.history" in text
    assert "other" not in text  # creating a type locks nothing anyone waits on


def test_no_header_for_harmless_revisions() -> None:
    assert header_lines([CreateEnumOp("s", ["a"], schema="ai")], []) == []
    assert header_lines([], []) == []


def test_header_without_catalog_still_warns_of_the_rewrite() -> None:
    (line,) = describe_op(SwapEnumOp("s", ["a"], schema="ai", old_values=["a", "b"]))
    assert "rewrites every table with a column of the type under ACCESS EXCLUSIVE" in line
    (line,) = describe_op(RenameEnumValueOp("s", "a", "b", schema="ai"))
    assert line == "enum_rename_value ai.s: EXCLUSIVE lock on the type (brief)"
    alter = alembic_ops.AlterColumnOp("t", "c", schema="ai", modify_type=sa.Text())
    assert describe_op(alter) == [
        "alter_column ai.t.c type: rewrites the table and its indexes under ACCESS EXCLUSIVE lock"
    ]
    concurrent = alembic_ops.CreateIndexOp("ix", "t", ["c"], postgresql_concurrently=True)
    assert describe_op(concurrent) == []
    assert describe_op(alembic_ops.CreateIndexOp("ix", "t", ["c"])) == [
        "create_index ix on t: SHARE lock, blocks writes while the index builds"
    ]


def test_header_for_the_check_variant() -> None:
    lines = header_lines(
        [
            CreateCheckEnumOp("q", "status", ["a", "b"], schema="ai"),
            SetCheckEnumValuesOp("q", "status", ["a"], schema="ai", old_values=["a", "b"]),
            EnumToCheckOp("q", "kind", schema="ai", type_name="kind", values=["x"]),
        ],
        [
            CheckToEnumOp("q", "kind", schema="ai", type_name="kind", values=["x"]),
            DropCheckEnumOp("q", "status", schema="ai"),
        ],
    )
    assert lines == [
        TITLE,
        "#   upgrade:",
        "#   - check_enum_create ai.q.status: ACCESS EXCLUSIVE lock (brief, NOT VALID), then "
        "VALIDATE under SHARE UPDATE EXCLUSIVE; commits the revision's transaction midway",
        "#   - check_enum_set_values ai.q.status: ACCESS EXCLUSIVE lock (brief, NOT VALID), "
        "then VALIDATE under SHARE UPDATE EXCLUSIVE, then ACCESS EXCLUSIVE lock (brief, "
        "RENAME CONSTRAINT); commits the revision's transaction midway",
        # a conversion commits midway too: the rewrite and the VALIDATE run on their own
        "#   - enum_to_check ai.q.kind: rewrites table ai.q under ACCESS EXCLUSIVE lock "
        "(ALTER COLUMN ... TYPE), then VALIDATE under SHARE UPDATE EXCLUSIVE, then "
        "ACCESS EXCLUSIVE lock on the type (brief); commits the revision's transaction midway",
        "#   downgrade:",
        "#   - check_to_enum ai.q.kind: rewrites table ai.q under ACCESS EXCLUSIVE lock "
        "(ALTER COLUMN ... TYPE); commits the revision's transaction midway",
        "#   - check_enum_drop ai.q.status: ACCESS EXCLUSIVE lock (brief)",
    ]


# --- regressions: the header comes from catalog facts, not from message text -----------


def test_header_lists_a_table_whose_column_uses_a_domain_over_the_enum(db_url: str) -> None:
    """The table behind a domain is rewritten too; a view is recreated, not rewritten."""
    execute(
        db_url,
        "CREATE SCHEMA ai",
        "CREATE TYPE ai.st AS ENUM ('a', 'b')",
        "CREATE DOMAIN ai.st_domain AS ai.st",
        "CREATE TABLE ai.direct (s ai.st)",
        "CREATE TABLE ai.through_domain (s ai.st_domain)",
        "CREATE VIEW ai.live AS SELECT s FROM ai.direct",
    )
    (line,) = describe_op_online(db_url, SwapEnumOp("st", ["b", "a"], schema="ai"))
    assert line.startswith(
        "enum_swap ai.st: rewrites table ai.direct, table ai.through_domain under "
        "ACCESS EXCLUSIVE lock"
    ), line
    assert "live" not in line


def test_header_does_not_parse_message_text(db_url: str) -> None:
    """pg_describe_object() text follows lc_messages and embeds names as they are: a
    column named "status of record" read as "column status of record of table ..."
    made the old header name a table "record of table public.t"."""
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b')",
        'CREATE TABLE t ("status of record" st)',
    )
    lines = describe_op_online(db_url, SwapEnumOp("st", ["b", "a"], schema="public"))
    assert lines == [
        "enum_swap public.st: rewrites table public.t under ACCESS EXCLUSIVE lock "
        "(ALTER COLUMN ... TYPE, then drops and renames the type)"
    ]


def test_header_of_an_operation_that_cannot_be_planned_says_why() -> None:
    (line,) = describe_op(EnumToCheckOp("q", "kind", schema="ai"))
    assert line == (
        "enum_to_check ai.q.kind: cannot be planned without a database: enum_to_check of "
        "column ai.q.kind: offline (--sql) the enum is not read from the database; pass "
        "type_name=... and values=[...]"
    )


def describe_op_online(db_url: str, op: object) -> list[str]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return describe_op(op, conn)
    finally:
        engine.dispose()


def test_header_of_an_online_swap_names_the_shadowed_tables_and_the_caveats(
    db_url: str,
) -> None:
    execute(
        db_url,
        "CREATE SCHEMA ai",
        "CREATE TYPE ai.st AS ENUM ('a', 'b', 'c')",
        "CREATE TABLE ai.queue (id int, s ai.st)",
        "CREATE VIEW ai.live AS SELECT id, s FROM ai.queue",
    )
    swap = SwapEnumOp("st", ["a", "c"], schema="ai", mapping={"b": "c"},
                      old_values=["a", "b", "c"], online=True)
    (line,) = _lines(db_url, [swap], [])[2:]
    assert line.startswith(
        "#   - enum_swap ai.st: ACCESS EXCLUSIVE lock (brief, adds a shadow column and a "
        "sync trigger to table ai.queue), then backfills the shadow columns in committed "
        "batches under ROW EXCLUSIVE"
    ), line
    assert "builds the twin indexes concurrently under SHARE UPDATE EXCLUSIVE" in line
    assert "rewrites" not in line
    assert "the converted columns move to the end of ai.queue (SELECT * column order" in line
    assert "prepared statements that use the type must reconnect after the cut-over" in line
    # the downgrade of an online swap is online too, and says so
    (down,) = _lines(db_url, [], [swap.reverse()])[2:]
    assert "adds a shadow column and a sync trigger to table ai.queue" in down
