"""The autogenerate comparator in-process, against a real server.

``produce_migrations`` / ``compare_metadata`` run Alembic's full comparison (its own
table comparators plus ours, through the global registry), so these tests see exactly
the operations ``revision --autogenerate`` would write, without a subprocess each.
The end-to-end tests in ``tests/e2e/test_autogenerate.py`` drive the real commands.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata, produce_migrations
from alembic.migration import MigrationContext
from alembic.operations import ops as alembic_ops
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql

from alembic_enum_ops import InvalidEnumInputError
from alembic_enum_ops.autogenerate.native import value_changes
from alembic_enum_ops.operations import (
    AddEnumValueOp,
    CreateEnumOp,
    DropEnumOp,
    EnumNoteOp,
    SetEnumSchemaOp,
    SwapEnumOp,
)
from tests.support.catalog import execute

Target = sa.MetaData | list[sa.MetaData]


@contextmanager
def _context(url: str, target: Target, **opts: Any) -> Iterator[MigrationContext]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            opts.setdefault("include_schemas", True)
            opts.setdefault("compare_type", True)
            opts["target_metadata"] = target
            yield MigrationContext.configure(connection, opts=opts)
    finally:
        engine.dispose()


def upgrade_ops(url: str, target: Target, **opts: Any) -> list[alembic_ops.MigrateOperation]:
    """The top-level upgrade operations autogenerate would write."""
    with _context(url, target, **opts) as context:
        script = produce_migrations(context, target)  # type: ignore[arg-type]
        assert script.upgrade_ops is not None
        return list(script.upgrade_ops.ops)


def diffs(url: str, target: Target, **opts: Any) -> list[Any]:
    """What ``alembic check`` reports (``compare_metadata``)."""
    with _context(url, target, **opts) as context:
        return list(compare_metadata(context, target))  # type: ignore[arg-type]


def enum_ops(ops: list[alembic_ops.MigrateOperation]) -> list[tuple[Any, ...]]:
    return [
        op.to_diff_tuple()
        for op in ops
        if isinstance(op, (CreateEnumOp, DropEnumOp, AddEnumValueOp, SetEnumSchemaOp, SwapEnumOp))
    ]


def create_all(url: str, metadata: sa.MetaData) -> None:
    engine = sa.create_engine(url)
    try:
        metadata.create_all(engine)
    finally:
        engine.dispose()


# --- label changes (pure) ----------------------------------------------------------------


def _apply(labels: list[str], op: alembic_ops.MigrateOperation) -> list[str]:
    """PostgreSQL's ADD VALUE semantics (BEFORE / AFTER / append), or a swap."""
    if isinstance(op, SwapEnumOp):
        assert op.old_values == tuple(labels)
        return list(op.new_values)
    assert isinstance(op, AddEnumValueOp)
    assert op.value not in labels
    if op.before is not None:
        labels.insert(labels.index(op.before), op.value)
    elif op.after is not None:
        labels.insert(labels.index(op.after) + 1, op.value)
    else:
        labels.append(op.value)
    return labels


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from("abcdefghij"), min_size=1, max_size=10, unique=True),
    st.data(),
)
def test_value_changes_reach_the_model_order(new: list[str], data: st.DataObject) -> None:
    keep = data.draw(st.lists(st.booleans(), min_size=len(new), max_size=len(new)))
    old = [v for v, k in zip(new, keep, strict=True) if k] or [new[0]]
    if data.draw(st.booleans()):
        old = data.draw(st.permutations(old))
    if data.draw(st.booleans()):
        old = [*old, "zz"]  # a label the model dropped
    result = list(old)
    changes = value_changes("t", "s", old, new)
    for op in changes:
        result = _apply(result, op)
    assert result == new
    insert_only = set(old) <= set(new) and [v for v in new if v in old] == old
    if old == new:
        assert changes == []
    elif insert_only:
        assert all(isinstance(op, AddEnumValueOp) for op in changes)
        assert len(changes) == len(set(new) - set(old))
    else:
        assert [type(op) for op in changes] == [SwapEnumOp]


def test_value_changes_placement_is_exact() -> None:
    changes = value_changes("t", "s", ["b", "d"], ["a", "b", "c", "d", "e"])
    assert [op.to_diff_tuple() for op in changes] == [
        ("enum_add_value", "s", "t", "a", "b", None),
        ("enum_add_value", "s", "t", "c", "d", None),
        ("enum_add_value", "s", "t", "e", None, "d"),
    ]


# --- comparator against a real server ------------------------------------------------------


def test_new_enum_is_created_before_the_table_with_create_type_false(db_url: str) -> None:
    metadata = sa.MetaData()
    sa.Table("queue", metadata, sa.Column("status", sa.Enum("a", "b", name="st")))
    ops = upgrade_ops(db_url, metadata)
    assert isinstance(ops[0], CreateEnumOp)
    assert ops[0].to_diff_tuple() == ("enum_create", None, "st", ("a", "b"))
    assert isinstance(ops[1], alembic_ops.CreateTableOp)
    column = next(c for c in ops[1].columns if isinstance(c, sa.Column))
    assert isinstance(column.type, postgresql.ENUM)
    assert column.type.create_type is False
    assert "create_type=False" in repr(column.type)
    # the model's own column is untouched
    assert not isinstance(metadata.tables["queue"].c.status.type, postgresql.ENUM)


def test_new_table_reusing_an_existing_enum_does_not_create_it_again(db_url: str) -> None:
    execute(db_url, "CREATE TYPE st AS ENUM ('a', 'b')")
    metadata = sa.MetaData()
    sa.Table("queue", metadata, sa.Column("status", sa.Enum("a", "b", name="st")))
    ops = upgrade_ops(db_url, metadata)
    assert enum_ops(ops) == []
    (create,) = ops
    assert isinstance(create, alembic_ops.CreateTableOp)
    column = next(c for c in create.columns if isinstance(c, sa.Column))
    assert isinstance(column.type, postgresql.ENUM)
    assert column.type.create_type is False


def test_other_dialects_are_left_alone() -> None:
    metadata = sa.MetaData()
    sa.Table("queue", metadata, sa.Column("status", sa.Enum("a", "b", name="st")))
    engine = sa.create_engine("sqlite://")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"target_metadata": metadata})
        script = produce_migrations(context, metadata)
    assert script.upgrade_ops is not None
    (create,) = script.upgrade_ops.ops
    assert isinstance(create, alembic_ops.CreateTableOp)
    column = next(c for c in create.columns if isinstance(c, sa.Column))
    assert column.type is metadata.tables["queue"].c.status.type


def test_add_column_with_new_enum_and_array_column(db_url: str) -> None:
    execute(db_url, "CREATE TABLE queue (id int)")
    metadata = sa.MetaData()
    kind = sa.Enum("x", "y", name="kind")
    sa.Table(
        "queue",
        metadata,
        sa.Column("id", sa.Integer),
        sa.Column("kinds", postgresql.ARRAY(kind)),
    )
    ops = upgrade_ops(db_url, metadata)
    assert enum_ops(ops) == [("enum_create", None, "kind", ("x", "y"))]
    assert isinstance(ops[0], CreateEnumOp)
    assert isinstance(ops[1], alembic_ops.ModifyTableOps)
    add = ops[1].ops[0]
    assert isinstance(add, alembic_ops.AddColumnOp)
    assert repr(add.column.type) == (
        "ARRAY(postgresql.ENUM('x', 'y', name='kind', create_type=False))"
    )


def test_label_and_schema_changes_of_array_columns_are_not_retypes(db_url: str) -> None:
    execute(
        db_url,
        "CREATE SCHEMA ai",
        "CREATE TYPE public.st AS ENUM ('a', 'b')",
        "CREATE TABLE ai.q (one public.st, many public.st[])",
    )
    metadata = sa.MetaData()
    st = sa.Enum("a", "b", "c", name="st", schema="ai")
    sa.Table(
        "q", metadata, sa.Column("one", st), sa.Column("many", postgresql.ARRAY(st)), schema="ai"
    )
    ops = upgrade_ops(db_url, metadata)
    assert [type(op) for op in ops] == [SetEnumSchemaOp, AddEnumValueOp]


def test_column_turned_into_a_new_enum_gets_the_type_first(db_url: str) -> None:
    execute(db_url, "CREATE TABLE q (id int, s text)")
    metadata = sa.MetaData()
    sa.Table(
        "q", metadata, sa.Column("id", sa.Integer), sa.Column("s", sa.Enum("a", name="st"))
    )
    ops = upgrade_ops(db_url, metadata)
    # the column conversion itself (check_to_enum, from the VARCHAR + CHECK
    # comparator, with create_type=False) comes after the type is created
    assert isinstance(ops[0], CreateEnumOp)
    assert ops[0].to_diff_tuple() == ("enum_create", None, "st", ("a",))
    assert isinstance(ops[1], alembic_ops.ModifyTableOps)
    assert len(ops) == 2


def test_dropped_table_drops_its_type_last(db_url: str) -> None:
    execute(
        db_url,
        "CREATE SCHEMA ai",
        "CREATE TYPE ai.st AS ENUM ('a', 'b')",
        "CREATE TABLE ai.queue (id int, status ai.st, many ai.st[])",
    )
    ops = upgrade_ops(db_url, sa.MetaData())
    assert isinstance(ops[0], alembic_ops.DropTableOp)
    assert enum_ops(ops) == [("enum_drop", "ai", "st", ("a", "b"))]
    assert isinstance(ops[-1], DropEnumOp)
    # the downgrade re-creates the table without creating the type again
    reverse = ops[0].reverse()
    types = {c.name: c.type for c in reverse.columns if isinstance(c, sa.Column)}
    assert "create_type=False" in repr(types["status"])
    assert "create_type=False" in repr(types["many"])


def test_unused_type_still_used_outside_the_model_is_kept_with_a_note(db_url: str) -> None:
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a')",
        "CREATE TABLE legacy (s st)",
        "CREATE VIEW v AS SELECT 'a'::st AS s",
    )

    def not_legacy(obj: Any, name: str | None, type_: str, *args: Any) -> bool:
        return not (type_ == "table" and name in ("legacy", "v"))

    ops = upgrade_ops(db_url, sa.MetaData(), include_object=not_legacy)
    assert enum_ops(ops) == []
    notes = [op.text for op in ops if isinstance(op, EnumNoteOp)]
    assert len(notes) == 1
    assert "public.st is no longer in the model but is kept" in notes[0]
    assert "column s of table legacy" in notes[0]
    assert diffs(db_url, sa.MetaData(), include_object=not_legacy) == []


def test_dropped_table_whose_type_is_kept_recreates_without_create_type(db_url: str) -> None:
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a')",
        "CREATE TABLE gone (s st)",
        "CREATE TABLE legacy (s st)",
    )

    def not_legacy(obj: Any, name: str | None, type_: str, *args: Any) -> bool:
        return not (type_ == "table" and name == "legacy")

    ops = upgrade_ops(db_url, sa.MetaData(), include_object=not_legacy)
    assert enum_ops(ops) == []
    (drop,) = [op for op in ops if isinstance(op, alembic_ops.DropTableOp)]
    (column,) = [c for c in drop.reverse().columns if isinstance(c, sa.Column)]
    assert "create_type=False" in repr(column.type)


def test_types_owned_by_an_extension_are_never_dropped(db_url: str) -> None:
    execute(
        db_url,
        "CREATE EXTENSION citext",
        "CREATE TYPE ext_owned AS ENUM ('a')",
        "ALTER EXTENSION citext ADD TYPE ext_owned",
        "CREATE TYPE mine AS ENUM ('a')",
    )
    assert enum_ops(upgrade_ops(db_url, sa.MetaData())) == [("enum_drop", None, "mine", ("a",))]


def test_autogenerate_drops_option_turns_drops_off(db_url: str) -> None:
    execute(db_url, "CREATE TYPE st AS ENUM ('a')")
    assert enum_ops(upgrade_ops(db_url, sa.MetaData())) == [
        ("enum_drop", None, "st", ("a",))
    ]
    off = upgrade_ops(db_url, sa.MetaData(), enum_ops={"autogenerate_drops": False})
    assert enum_ops(off) == []


def test_enum_in_another_schema_is_moved(db_url: str) -> None:
    execute(db_url, "CREATE SCHEMA ai", "CREATE TYPE public.st AS ENUM ('a', 'b')")
    metadata = sa.MetaData()
    sa.Enum("a", "b", "c", name="st", schema="ai", metadata=metadata)
    ops = upgrade_ops(db_url, metadata)
    assert enum_ops(ops) == [
        ("enum_set_schema", "public", "st", "ai"),
        ("enum_add_value", "ai", "st", "c", None, "b"),
    ]


def test_same_name_in_both_schemas_leaves_the_other_alone(db_url: str) -> None:
    execute(
        db_url,
        "CREATE SCHEMA ai",
        "CREATE TYPE public.st AS ENUM ('x')",
        "CREATE TYPE ai.st AS ENUM ('a')",
    )
    metadata = sa.MetaData()
    sa.Enum("a", name="st", schema="ai", metadata=metadata)
    ops = upgrade_ops(db_url, metadata)
    assert enum_ops(ops) == []
    (note,) = [op for op in ops if isinstance(op, EnumNoteOp)]
    assert "enum public.st is left alone" in note.text
    assert "ai.st" in note.text
    assert diffs(db_url, metadata) == []


def test_removed_and_reordered_values_become_a_swap(db_url: str) -> None:
    execute(db_url, "CREATE TYPE st AS ENUM ('a', 'b', 'c')", "CREATE TYPE od AS ENUM ('x', 'y')")
    metadata = sa.MetaData()
    sa.Enum("a", "c", name="st", metadata=metadata)
    sa.Enum("y", "x", name="od", metadata=metadata)
    assert sorted(enum_ops(upgrade_ops(db_url, metadata))) == [
        ("enum_swap", None, "od", ("x", "y"), ("y", "x"), ()),
        ("enum_swap", None, "st", ("a", "b", "c"), ("a", "c"), ()),
    ]


def test_filters_are_respected(db_url: str) -> None:
    execute(
        db_url,
        "CREATE SCHEMA ai",
        "CREATE SCHEMA other",
        "CREATE TYPE other.gone AS ENUM ('a')",
        "CREATE TYPE ai.skip_me AS ENUM ('a')",
        "CREATE TYPE public.kept AS ENUM ('a')",
    )
    metadata = sa.MetaData()
    sa.Enum("a", "b", name="kept", metadata=metadata)
    sa.Enum("a", "b", name="new_one", schema="ai", metadata=metadata)
    everything = enum_ops(upgrade_ops(db_url, metadata))
    assert ("enum_drop", "other", "gone", ("a",)) in everything
    assert ("enum_drop", "ai", "skip_me", ("a",)) in everything
    assert ("enum_add_value", None, "kept", "b", None, "a") in everything

    def include_name(name: str | None, type_: str, parent: dict[str, Any]) -> bool:
        if type_ == "schema":
            return name != "other"
        if type_ == "enum":
            return name != "skip_me"
        return True

    def include_object(obj: Any, name: str | None, type_: str, *args: Any) -> bool:
        return not (type_ == "enum" and name == "kept")

    filtered = enum_ops(
        upgrade_ops(db_url, metadata, include_name=include_name, include_object=include_object)
    )
    assert filtered == [("enum_create", "ai", "new_one", ("a", "b"))]
    # include_schemas=False: only the default schema is looked at
    default_only = enum_ops(upgrade_ops(db_url, metadata, include_schemas=False))
    assert ("enum_add_value", None, "kept", "b", None, "a") in default_only
    assert not any(d[0] == "enum_drop" and d[1] in ("ai", "other") for d in default_only)


def test_conflicting_declarations_are_refused(db_url: str) -> None:
    metadata = sa.MetaData()
    sa.Table("a", metadata, sa.Column("s", sa.Enum("x", name="st")))
    sa.Table("b", metadata, sa.Column("s", sa.Enum("x", "y", name="st")))
    message = r"enum st is declared twice .*\['x'\].*\['x', 'y'\]"
    with pytest.raises(InvalidEnumInputError, match=message):
        upgrade_ops(db_url, metadata)


def test_check_reports_drift_and_passes_in_sync(db_url: str) -> None:
    metadata = sa.MetaData()
    sa.Table("q", metadata, sa.Column("s", sa.Enum("a", "b", name="st")))
    create_all(db_url, metadata)
    assert diffs(db_url, metadata) == []
    changed = sa.MetaData()
    sa.Table("q", changed, sa.Column("s", sa.Enum("a", "new", "b", name="st")))
    assert diffs(db_url, changed) == [("enum_add_value", None, "st", "new", "b", None)]


# --- declaration styles: no spurious differences ---------------------------------------------


class Status(enum.Enum):
    PENDING = "pending"
    DONE = "done"


class StatusType(sa.types.TypeDecorator[Status]):
    impl = sa.Enum(Status, name="decorated", values_callable=lambda e: [m.value for m in e])
    cache_ok = True


def _styles() -> list[sa.MetaData]:
    plain = sa.MetaData()
    sa.Table(
        "t",
        plain,
        sa.Column("explicit", sa.Enum("a", name="explicit", schema="ai")),
        sa.Column("unqualified", sa.Enum("a", name="unqualified")),
        sa.Column("names", sa.Enum(Status, name="member_names")),
        sa.Column(
            "values",
            sa.Enum(Status, name="member_values", values_callable=lambda e: [m.value for m in e]),
        ),
        sa.Column("decorated", StatusType()),
        sa.Column("array", postgresql.ARRAY(sa.Enum("a", "b", name="in_array", schema="ai"))),
        sa.Column("pg", postgresql.ENUM("p", "q", name="pg_enum", schema="ai")),
        schema="ai",
    )
    sa.Enum("s", name="standalone", schema="ai", metadata=plain)
    with pytest.warns() if sa.__version__ >= "2.1" else _nothing():
        inherited = sa.MetaData()
        sa.Table(
            "t2",
            inherited,
            sa.Column("inherits", sa.Enum("a", name="inherits", inherit_schema=True)),
            schema="ai",
        )
    defaulted = sa.MetaData(schema="ms")
    sa.Table("t3", defaulted, sa.Column("meta", sa.Enum("a", name="meta_schema")))
    return [plain, inherited, defaulted]


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def test_every_declaration_style_is_in_sync_after_create_all(db_url: str) -> None:
    execute(db_url, "CREATE SCHEMA ai", "CREATE SCHEMA ms")
    target = _styles()
    for metadata in target:
        create_all(db_url, metadata)
    assert diffs(db_url, target) == []
    assert enum_ops(upgrade_ops(db_url, target)) == []
    # and each is really compared: without the types, every one is to be created
    execute(db_url, "DROP SCHEMA ai CASCADE", "DROP SCHEMA ms CASCADE", "DROP TABLE IF EXISTS t")
    execute(
        db_url,
        "DROP TYPE IF EXISTS unqualified, member_names, member_values, decorated, meta_schema",
    )
    creates = {d[2]: d for d in enum_ops(upgrade_ops(db_url, target)) if d[0] == "enum_create"}
    # MetaData(schema="ms") is inherited by SQLAlchemy 2.1's Enum, not by 2.0's (BRIEF 5)
    expected_meta_schema = "ms" if sa.__version__ >= "2.1" else None
    assert creates["meta_schema"] == ("enum_create", expected_meta_schema, "meta_schema", ("a",))
    assert creates["inherits"][1] == "ai"
    assert creates["unqualified"][1] is None
    assert creates["decorated"][3] == ("pending", "done")
    assert creates["member_names"][3] == ("PENDING", "DONE")
    assert set(creates) == {
        "explicit",
        "unqualified",
        "member_names",
        "member_values",
        "decorated",
        "in_array",
        "pg_enum",
        "standalone",
        "inherits",
        "meta_schema",
    }


# --- fixed number of catalog queries -----------------------------------------------------------


def _count_statements(url: str, target: sa.MetaData) -> list[str]:
    engine = sa.create_engine(url)
    statements: list[str] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"include_schemas": True, "compare_type": True, "target_metadata": target},
            )
            statements.clear()
            assert compare_metadata(context, target) == []
    finally:
        engine.dispose()
    return statements


def test_one_enum_query_per_comparison(db_url: str) -> None:
    execute(db_url, "CREATE SCHEMA ai", "CREATE SCHEMA b")
    metadata = sa.MetaData()
    for schema in ("ai", "b", None):
        sa.Enum("a", name="e", schema=schema, metadata=metadata)
    create_all(db_url, metadata)
    statements = _count_statements(db_url, metadata)
    assert sum("pg_enum" in s for s in statements) == 1


@pytest.mark.parametrize("mode", ["standalone", "columns"])
def test_catalog_queries_do_not_grow_with_the_number_of_enums(db_url: str, mode: str) -> None:
    counts = []
    for n in (1, 200):
        execute(db_url, "DROP SCHEMA IF EXISTS ai CASCADE", "CREATE SCHEMA ai")
        metadata = sa.MetaData()
        if mode == "columns":
            types = [sa.Enum("a", "b", name=f"e{i}", schema="ai") for i in range(n)]
            sa.Table(
                "wide",
                metadata,
                *[sa.Column(f"c{i}", t) for i, t in enumerate(types)],
                schema="ai",
            )
        else:
            for i in range(n):
                sa.Enum("a", "b", name=f"e{i}", schema="ai", metadata=metadata)
        create_all(db_url, metadata)
        counts.append(len(_count_statements(db_url, metadata)))
    # every statement of the whole comparison (Alembic's reflection included)
    assert counts[0] == counts[1]


# --- label comparison switches (coming from alembic-postgresql-enum) --------------------


def _st(metadata: sa.MetaData, *labels: str, schema: str | None = None, name: str = "st") -> None:
    sa.Enum(*labels, name=name, schema=schema, metadata=metadata)


def test_ignore_label_order_reorder_only_is_no_change(db_url: str) -> None:
    execute(db_url, "CREATE TYPE st AS ENUM ('a', 'b', 'c')")
    metadata = sa.MetaData()
    _st(metadata, "c", "a", "b")
    assert enum_ops(upgrade_ops(db_url, metadata)) == [
        ("enum_swap", None, "st", ("a", "b", "c"), ("c", "a", "b"), ())
    ]
    options = {"enum_ops": {"ignore_label_order": True}}
    assert enum_ops(upgrade_ops(db_url, metadata, **options)) == []
    assert diffs(db_url, metadata, **options) == []  # alembic check agrees


def test_ignore_label_order_new_labels_go_at_the_end(db_url: str) -> None:
    execute(db_url, "CREATE TYPE st AS ENUM ('a', 'b', 'c')")
    metadata = sa.MetaData()
    _st(metadata, "c", "x", "a", "b", "y")
    options = {"enum_ops": {"ignore_label_order": True}}
    expected = [
        ("enum_add_value", None, "st", "x", None, "c"),
        ("enum_add_value", None, "st", "y", None, "x"),
    ]
    assert enum_ops(upgrade_ops(db_url, metadata, **options)) == expected
    assert [d for d in diffs(db_url, metadata, **options)] == expected


def test_ignore_label_order_removal_keeps_the_database_order(db_url: str) -> None:
    execute(db_url, "CREATE TYPE st AS ENUM ('a', 'b', 'c')")
    metadata = sa.MetaData()
    _st(metadata, "c", "a", "n")
    options = {"enum_ops": {"ignore_label_order": True}}
    expected = [("enum_swap", None, "st", ("a", "b", "c"), ("a", "c", "n"), ())]
    assert enum_ops(upgrade_ops(db_url, metadata, **options)) == expected
    assert diffs(db_url, metadata, **options) == expected


def test_compare_labels_off_globally(db_url: str) -> None:
    execute(db_url, "CREATE TYPE st AS ENUM ('a', 'b')", "CREATE TYPE gone AS ENUM ('x')")
    metadata = sa.MetaData()
    _st(metadata, "b", "c")
    _st(metadata, "n", name="fresh")
    options = {"enum_ops": {"compare_labels": False}}
    # labels are left alone; types are still created and dropped
    expected = [("enum_create", None, "fresh", ("n",)), ("enum_drop", None, "gone", ("x",))]
    assert enum_ops(upgrade_ops(db_url, metadata, **options)) == expected
    assert diffs(db_url, metadata, **options) == expected


def test_skip_label_comparison_per_enum(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    execute(
        db_url,
        "CREATE SCHEMA ai",
        "CREATE TYPE ai.st AS ENUM ('a')",
        "CREATE TYPE public.st AS ENUM ('a')",
        "CREATE TYPE ai.other AS ENUM ('a')",
    )
    metadata = sa.MetaData()
    _st(metadata, "a", "b", schema="ai")
    _st(metadata, "a", "b")  # the default schema: public
    _st(metadata, "a", "b", schema="ai", name="other")

    def compared(**enum_options: Any) -> set[tuple[str | None, str]]:
        options = {"enum_ops": enum_options}
        ops = enum_ops(upgrade_ops(db_url, metadata, **options))
        assert all(op[0] == "enum_add_value" and op[3:] == ("b", None, "a") for op in ops)
        assert sorted(map(repr, diffs(db_url, metadata, **options))) == sorted(
            map(repr, ops)
        )  # alembic check agrees
        return {(op[1], op[2]) for op in ops}

    everything = {("ai", "st"), (None, "st"), ("ai", "other")}
    assert compared() == everything
    # "schema.name", the default schema spelled out; (schema, name); a bare name
    assert compared(skip_label_comparison={"ai.st"}) == {(None, "st"), ("ai", "other")}
    assert compared(skip_label_comparison={"public.st"}) == {("ai", "st"), ("ai", "other")}
    assert compared(skip_label_comparison=[("ai", "st"), ("ai", "other")]) == {(None, "st")}
    assert compared(skip_label_comparison=frozenset({"st"})) == {("ai", "other")}
    # an entry that matches nothing is not an error (another database, a later
    # revision), but it is logged
    with caplog.at_level("WARNING", logger="alembic_enum_ops"):
        assert compared(skip_label_comparison={"ai.stauts"}) == everything
    assert (
        "alembic_enum_ops: skip_label_comparison entry 'ai.stauts' matches no enum "
        "in the model or the database" in caplog.text
    )


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"ignore_label_order": "yes"}, TypeError,
         "ignore_label_order must be True or False, got 'yes'"),
        ({"compare_labels": 0}, TypeError, "compare_labels must be True or False, got 0"),
        ({"distributed": "yes"}, TypeError,
         "distributed must be None, True or False, got 'yes'"),
        ({"skip_label_comparison": "ai.st"}, TypeError,
         "skip_label_comparison must be a collection of 'schema.name' strings or "
         "(schema, name) tuples, got the string 'ai.st': write {'ai.st'}"),
        ({"skip_label_comparison": {"a.b.c"}}, ValueError,
         "skip_label_comparison entry 'a.b.c' is ambiguous (more than one dot): "
         "write it as a (schema, name) tuple"),
        ({"skip_label_comparison": {"ai."}}, ValueError,
         "skip_label_comparison entry 'ai.' needs a schema and a name"),
        ({"skip_label_comparison": [""]}, ValueError,
         "skip_label_comparison entry '' needs a schema and a name"),
        ({"skip_label_comparison": [("ai", "st", "x")]}, TypeError,
         r"skip_label_comparison entries are 'schema.name', 'name' or \(schema, name\), "
         r"got \('ai', 'st', 'x'\)"),
        ({"skip_label_comparison": [3]}, TypeError,
         r"skip_label_comparison entries are 'schema.name', 'name' or \(schema, name\), got 3"),
    ],
)
def test_label_switches_are_validated(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    from alembic_enum_ops import EnumOpsOptions

    with pytest.raises(error, match=message if error is TypeError and "\\(" in message
                       else re.escape(message)):
        EnumOpsOptions.coerce(options)
