"""The native enum operations against a live server, online and offline."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from alembic_enum_ops import EnumStateError, InvalidEnumInputError, UnsafeOperationError
from tests.support.catalog import enum_snapshot, execute, query
from tests.support.migrate import apply_script, render_offline, run_online

EXOTIC_SCHEMA = 'Sch"ema ü'
EXOTIC_NAME = "Select"  # a reserved word, mixed case
EXOTIC_LABELS = [
    "it's",
    'say "hi"',
    "back\\slash",
    "with space",
    "MiXeD",
    "ünïcödé",
    "🚀 launch",
    "select",
    "%s and :param",
    "$$ dollar $$",
    "-- not a comment",
    "",
]


def _schema(op: Any, name: str) -> None:
    op.execute(f'CREATE SCHEMA IF NOT EXISTS "{name.replace(chr(34), chr(34) * 2)}"')


def test_create_add_rename_round_trip_online_and_offline(db_url: str, second_db_url: str) -> None:
    def migration(op: Any) -> None:
        _schema(op, EXOTIC_SCHEMA)
        op.enum_create(EXOTIC_NAME, EXOTIC_LABELS[:6], schema=EXOTIC_SCHEMA)
        op.enum_add_value(EXOTIC_NAME, EXOTIC_LABELS[6], schema=EXOTIC_SCHEMA, before="it's")
        op.enum_add_value(EXOTIC_NAME, EXOTIC_LABELS[7], schema=EXOTIC_SCHEMA, after="MiXeD")
        for label in EXOTIC_LABELS[8:]:
            op.enum_add_value(EXOTIC_NAME, label, schema=EXOTIC_SCHEMA)
        op.enum_rename_value(EXOTIC_NAME, "with space", "with  two spaces", schema=EXOTIC_SCHEMA)

    run_online(db_url, migration)
    expected = (
        "🚀 launch",
        "it's",
        'say "hi"',
        "back\\slash",
        "with  two spaces",
        "MiXeD",
        "select",
        "ünïcödé",
        "%s and :param",
        "$$ dollar $$",
        "-- not a comment",
        "",
    )
    assert enum_snapshot(db_url) == {(EXOTIC_SCHEMA, EXOTIC_NAME): expected}

    script = render_offline(migration)
    assert script.count("ADD VALUE") == 6
    apply_script(second_db_url, script)
    assert enum_snapshot(second_db_url) == enum_snapshot(db_url)


def test_add_value_is_committed_before_the_rest_of_the_revision(db_url: str) -> None:
    """A later statement of the same revision can use the value (no SQLSTATE 55P04)."""
    execute(db_url, "CREATE TYPE status AS ENUM ('a')", "CREATE TABLE t (s status)")

    def migration(op: Any) -> None:
        op.enum_add_value("status", "b", schema="public")
        op.execute("INSERT INTO t VALUES ('b')")

    run_online(db_url, migration)
    assert query(db_url, "SELECT s::text FROM t") == [("b",)]


def test_add_value_offline_sits_between_commit_and_begin() -> None:
    script = render_offline(lambda op: op.enum_add_value("status", "b", schema="ai"))
    lines = [line for line in script.splitlines() if line.strip()]
    assert lines == [
        "BEGIN;",
        "COMMIT;",
        "BEGIN;",
        "SET LOCAL lock_timeout = '2s';",
        "ALTER TYPE ai.status ADD VALUE IF NOT EXISTS 'b';",
        "COMMIT;",
        "BEGIN;",
        "COMMIT;",
    ]


def test_add_value_rerun_after_failure_succeeds(db_url: str) -> None:
    execute(db_url, "CREATE TYPE status AS ENUM ('a')")

    def failing(op: Any) -> None:
        op.enum_add_value("status", "b", schema="public")
        op.execute("SELECT 1/0")

    with pytest.raises(Exception, match="division by zero"):
        run_online(db_url, failing)
    assert enum_snapshot(db_url) == {("public", "status"): ("a", "b")}
    run_online(db_url, lambda op: op.enum_add_value("status", "b", schema="public"))
    assert enum_snapshot(db_url) == {("public", "status"): ("a", "b")}


def test_schema_none_means_the_connections_default_schema(db_url: str) -> None:
    execute(
        db_url,
        "CREATE SCHEMA other",
        "CREATE TYPE other.status AS ENUM ('x')",
        "SET search_path TO other, public",
    )
    run_online(db_url, lambda op: op.enum_create("status", ["a"]))
    run_online(db_url, lambda op: op.enum_add_value("status", "b"))
    assert enum_snapshot(db_url) == {
        ("other", "status"): ("x",),
        ("public", "status"): ("a", "b"),
    }


def test_drop_refuses_with_every_dependent_listed(db_url: str) -> None:
    execute(
        db_url,
        "CREATE SCHEMA ai",
        "CREATE TYPE ai.status AS ENUM ('a', 'b')",
        "CREATE TABLE ai.queue (id int, s ai.status, history ai.status[])",
        "CREATE VIEW ai.v AS SELECT s FROM ai.queue",
        "CREATE FUNCTION ai.f(x ai.status) RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE DOMAIN ai.d AS ai.status",
    )
    with pytest.raises(UnsafeOperationError) as info:
        run_online(db_url, lambda op: op.enum_drop("status", schema="ai"))
    message = str(info.value)
    assert "refusing to drop enum ai.status" in message
    for expected in (
        "column s of table ai.queue",
        "column history of table ai.queue (through the array type)",
        "column s of view ai.v",
        "function ai.f(ai.status)",
        "type ai.d",
    ):
        assert expected in message
    assert enum_snapshot(db_url) == {("ai", "status"): ("a", "b")}


def test_drop_and_its_reverse(db_url: str) -> None:
    execute(db_url, "CREATE SCHEMA ai", "CREATE TYPE ai.status AS ENUM ('a', 'b')")
    from alembic_enum_ops.operations import DropEnumOp

    drop = DropEnumOp("status", schema="ai", values=["a", "b"])
    run_online(db_url, lambda op: op.invoke(drop))
    assert enum_snapshot(db_url) == {}
    run_online(db_url, lambda op: op.invoke(drop.reverse()))
    assert enum_snapshot(db_url) == {("ai", "status"): ("a", "b")}
    run_online(db_url, lambda op: op.enum_drop("status", schema="ai", if_exists=True))
    run_online(db_url, lambda op: op.enum_drop("status", schema="ai", if_exists=True))
    assert enum_snapshot(db_url) == {}


def test_missing_type_names_where_same_named_types_are(db_url: str) -> None:
    execute(db_url, "CREATE TYPE status AS ENUM ('a')")
    with pytest.raises(EnumStateError, match=r"enum ai\.status does not exist .*public\.status"):
        run_online(db_url, lambda op: op.enum_add_value("status", "b", schema="ai"))


def test_rename_and_set_schema_round_trip(db_url: str, second_db_url: str) -> None:
    def forward(op: Any) -> None:
        op.execute("CREATE SCHEMA IF NOT EXISTS ai")
        op.enum_create("ingestionstatus", ["pending"], schema="public")
        op.enum_set_schema("ingestionstatus", "ai", schema="public")
        op.enum_rename("ingestionstatus", "IngestionStatus", schema="ai")

    run_online(db_url, forward)
    assert enum_snapshot(db_url) == {("ai", "IngestionStatus"): ("pending",)}
    apply_script(second_db_url, render_offline(forward))
    assert enum_snapshot(second_db_url) == enum_snapshot(db_url)

    from alembic_enum_ops.operations import RenameEnumOp, SetEnumSchemaOp

    def backward(op: Any) -> None:
        op.invoke(RenameEnumOp("ingestionstatus", "IngestionStatus", schema="ai").reverse())
        op.invoke(SetEnumSchemaOp("ingestionstatus", "ai", schema="public").reverse())

    run_online(db_url, backward)
    assert enum_snapshot(db_url) == {("public", "ingestionstatus"): ("pending",)}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda op: op.enum_create("s", []), "enum s: the list of values is empty"),
        (lambda op: op.enum_create("s", ["a", "a"]), "enum s: duplicate label 'a'"),
        (lambda op: op.enum_create("s", "ab"), "values must be a list of strings"),
        (lambda op: op.enum_create("s", ["a", 1]), r"labels must be strings, got 1 \(int\)"),
        (lambda op: op.enum_create("s", ["é" * 32]), "is 64 bytes in UTF-8, over PostgreSQL's"),
        (lambda op: op.enum_create("n" * 64, ["a"]), "enum type name is 64 bytes"),
        (lambda op: op.enum_create("s", ["a"], schema="x" * 64), "schema name of enum s is 64"),
        (lambda op: op.enum_create("s", ["a\x00"]), "contains a NUL byte"),
        (
            lambda op: op.enum_add_value("s", "c", before="a", after="b"),
            "enum s: adding 'c': give before= or after=, not both",
        ),
        (lambda op: op.enum_rename_value("s", "a", "a"), "renaming 'a' to itself"),
        (lambda op: op.enum_set_schema("s", "ai", schema="ai"), "already in schema 'ai'"),
    ],
)
def test_bad_input_is_refused_before_any_sql(
    call: Any, message: str, db_url: str
) -> None:
    statements: list[str] = []
    with pytest.raises(InvalidEnumInputError, match=message):
        render = render_offline(call)
        statements.append(render)
    assert statements == []
    with pytest.raises(InvalidEnumInputError, match=message):
        run_online(db_url, call)


def test_unknown_anchor_and_label_errors_name_the_type(db_url: str) -> None:
    execute(db_url, "CREATE TYPE status AS ENUM ('a', 'b')")
    with pytest.raises(
        InvalidEnumInputError, match=r"enum public\.status: cannot add 'c' before 'zz'"
    ):
        run_online(db_url, lambda op: op.enum_add_value("status", "c", before="zz"))
    with pytest.raises(InvalidEnumInputError, match=r"cannot rename 'zz': no such label"):
        run_online(db_url, lambda op: op.enum_rename_value("status", "zz", "y"))
    with pytest.raises(
        InvalidEnumInputError, match=r"cannot rename 'a' to 'b': 'b' already exists"
    ):
        run_online(db_url, lambda op: op.enum_rename_value("status", "a", "b"))
    with pytest.raises(
        InvalidEnumInputError, match=r"enum public\.status already has the label 'a'"
    ):
        run_online(
            db_url, lambda op: op.enum_add_value("status", "a", if_not_exists=False)
        )
    assert enum_snapshot(db_url) == {("public", "status"): ("a", "b")}


def test_create_if_not_exists_refuses_a_drifted_type(db_url: str) -> None:
    execute(db_url, "CREATE TYPE status AS ENUM ('a', 'b')")
    run_online(db_url, lambda op: op.enum_create("status", ["a", "b"], if_not_exists=True))
    with pytest.raises(Exception, match=r"exists with labels \{a,b\} but \{a,c\} was expected"):
        run_online(db_url, lambda op: op.enum_create("status", ["a", "c"], if_not_exists=True))
    run_online(db_url, lambda op: op.enum_create("fresh", ["x"], if_not_exists=True))
    assert enum_snapshot(db_url)[("public", "fresh")] == ("x",)


def _messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [
        r.getMessage() for r in caplog.records
        if r.name == "alembic_enum_ops" and r.levelno == level
    ]


def test_no_schema_warns_when_the_name_exists_in_other_schemas_too(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The user's story: the same name in ai and in public, an operation without
    schema= acts on the copy of the default schema; it says so, naming both."""
    execute(
        db_url,
        "CREATE SCHEMA ai",
        "CREATE TYPE ai.ingestionstatus AS ENUM ('pending', 'done')",
        "CREATE TYPE public.ingestionstatus AS ENUM ('pending', 'done')",
        "CREATE TYPE ai.spare AS ENUM ('s')",
    )
    caplog.set_level(logging.INFO, logger="alembic_enum_ops")

    def revision(op: Any) -> None:
        op.enum_add_value("ingestionstatus", "cancelled")
        op.enum_rename_value("ingestionstatus", "cancelled", "canceled")
        op.enum_remove_value("ingestionstatus", "canceled")
        op.enum_swap("ingestionstatus", ["done", "pending"])
        op.enum_rename("ingestionstatus", "ingestion_status")
        op.enum_create("ingestionstatus", ["x"])
        op.enum_drop("ingestionstatus")
        op.enum_create("spare", ["s"])
        op.enum_set_schema("spare", "other")

    execute(db_url, "CREATE SCHEMA other")
    run_online(db_url, revision)
    warnings = _messages(caplog, logging.WARNING)
    assert warnings == [
        f"alembic_enum_ops: {name}({type_!r}) without schema= targets public.{type_} (the "
        f"connection's default schema), but an enum of that name also exists as "
        f"ai.{type_}: pass schema= to say which copy is meant"
        for name, type_ in [
            ("enum_add_value", "ingestionstatus"),
            ("enum_rename_value", "ingestionstatus"),
            ("enum_remove_value", "ingestionstatus"),
            ("enum_swap", "ingestionstatus"),
            ("enum_rename", "ingestionstatus"),
            ("enum_create", "ingestionstatus"),
            ("enum_drop", "ingestionstatus"),
            ("enum_create", "spare"),
            ("enum_set_schema", "spare"),
        ]
    ]
    assert enum_snapshot(db_url) == {
        ("ai", "ingestionstatus"): ("pending", "done"),
        ("ai", "spare"): ("s",),
        ("other", "spare"): ("s",),
        ("public", "ingestion_status"): ("done", "pending"),
    }

    caplog.clear()
    run_online(db_url, lambda op: op.enum_add_value("spare", "t", schema="ai"))
    run_online(
        db_url, lambda op: op.enum_add_value("spare", "u"),
        schema_translate_map={None: "other"},  # a tenant's schema: other copies expected
    )
    assert _messages(caplog, logging.WARNING) == []


@pytest.mark.parametrize(
    ("value", "kwargs", "level", "message"),
    [
        ("pending", {"after": "done"}, logging.WARNING,
         "enum public.st already has 'pending', but first, before 'running', not after "
         "'done' as this operation asks: skipped, so the order stays as it is (labels: "
         "'pending', 'running', 'done'); to move it, use enum_swap with the order you want"),
        ("done", {}, logging.INFO,
         "enum public.st already has 'done' (last, after 'running'): skipped"),
        ("running", {"before": "done"}, logging.INFO,
         "enum public.st already has 'running' (between 'pending' and 'done'): skipped"),
        ("running", {"after": "pending"}, logging.INFO,
         "enum public.st already has 'running' (between 'pending' and 'done'): skipped"),
        ("running", {}, logging.INFO,
         "enum public.st already has 'running' (between 'pending' and 'done'): skipped"),
        ("running", {"before": "pending"}, logging.WARNING,
         "enum public.st already has 'running', but between 'pending' and 'done', not "
         "before 'pending' as this operation asks: skipped, so the order stays as it is "
         "(labels: 'pending', 'running', 'done'); to move it, use enum_swap with the "
         "order you want"),
        ("running", {"after": "done"}, logging.WARNING,
         "enum public.st already has 'running', but between 'pending' and 'done', not "
         "after 'done' as this operation asks: skipped, so the order stays as it is "
         "(labels: 'pending', 'running', 'done'); to move it, use enum_swap with the "
         "order you want"),
    ],
)
def test_add_value_already_there_says_where_it_is(
    db_url: str, caplog: pytest.LogCaptureFixture, value: str, kwargs: dict[str, str],
    level: int, message: str,
) -> None:
    execute(db_url, "CREATE TYPE st AS ENUM ('pending', 'running', 'done')")
    caplog.set_level(logging.INFO, logger="alembic_enum_ops")
    run_online(db_url, lambda op: op.enum_add_value("st", value, **kwargs))
    assert _messages(caplog, level) == [f"alembic_enum_ops: {message}"]
    assert enum_snapshot(db_url) == {("public", "st"): ("pending", "running", "done")}


def test_add_value_already_the_only_label(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    execute(db_url, "CREATE TYPE one AS ENUM ('only')")
    caplog.set_level(logging.INFO, logger="alembic_enum_ops")
    run_online(db_url, lambda op: op.enum_add_value("one", "only"))
    assert _messages(caplog, logging.INFO) == [
        "alembic_enum_ops: enum public.one already has 'only' (its only label): skipped"
    ]
