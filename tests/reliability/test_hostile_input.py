"""Hostile names and labels: each round-trips exactly, online and offline, or is
refused with ``InvalidEnumInputError`` before any SQL is sent.

Every example resets two databases, runs the operation online in one and replays
the offline (``--sql``) script with psql in the other, then compares both catalogs
with the model.  A canary table proves nothing ran that was not asked for.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from alembic_enum_ops import InvalidEnumInputError
from tests.support.catalog import enum_snapshot
from tests.support.hypothesis import bounded
from tests.support.migrate import OpsFn, apply_script, render_offline, run_online
from tests.support.oracle import canary_intact, create_enum, create_schema, reset_database
from tests.support.sessions import is_read, sql_sent

from .strategies import (
    label_lists,
    label_ok,
    labels,
    name_ok,
    names,
    schema_creatable,
    valid_name,
    valid_schema,
)

Snapshot = dict[tuple[str, str], tuple[str, ...]]


def _setup(dbs: tuple[str, str], schemas: list[str], enums: Snapshot) -> None:
    for url in dbs:
        reset_database(url)
        for schema in schemas:
            create_schema(url, schema)
        for (schema, name), values in enums.items():
            create_enum(url, schema, name, values)


def assert_refused_before_sql(dbs: tuple[str, str], fn: OpsFn, before: Snapshot) -> str:
    """The call raises InvalidEnumInputError online without sending a single statement,
    and offline without rendering anything."""
    online, _ = dbs
    with sql_sent() as sent, pytest.raises(InvalidEnumInputError) as info:
        run_online(online, fn)
    assert sent == [], f"SQL was sent before the refusal: {sent!r}"
    with pytest.raises(InvalidEnumInputError):
        render_offline(fn)
    assert enum_snapshot(online) == before
    assert canary_intact(online)
    return str(info.value)


def assert_refused_after_reads(dbs: tuple[str, str], fn: OpsFn, before: Snapshot) -> str:
    """Refused online after reading the catalog: only reads were sent, nothing changed."""
    online, _ = dbs
    with sql_sent() as sent, pytest.raises(InvalidEnumInputError) as info:
        run_online(online, fn)
    assert all(is_read(s) for s in sent), f"non-read SQL before the refusal: {sent!r}"
    assert enum_snapshot(online) == before
    assert canary_intact(online)
    return str(info.value)


def assert_round_trip(dbs: tuple[str, str], fn: OpsFn, expected: Snapshot) -> None:
    """Online and offline both reach exactly ``expected``; the canary survives."""
    online, offline = dbs
    run_online(online, fn)
    assert enum_snapshot(online) == expected
    assert canary_intact(online)
    script = render_offline(fn)
    apply_script(offline, script)
    assert enum_snapshot(offline) == expected, script
    assert canary_intact(offline), script


def _input_refusal(message: str, offending: list[str]) -> None:
    """A refusal message names the offending value (or says what is wrong with it)."""
    reasons = ("empty", "duplicate", "itself", "equals the old one", "already in schema")
    assert any(repr(v) in message for v in offending) or any(
        word in message for word in reasons
    ), message


@bounded(20)
@given(
    schema=names,
    name=names,
    values=st.lists(labels, min_size=0, max_size=5),
)
def test_enum_create(twin_dbs: tuple[str, str], schema: str, name: str, values: list[str]) -> None:
    assume(schema_creatable(schema) or not name_ok(schema))
    _setup(twin_dbs, [schema] if name_ok(schema) else [], {})

    def fn(op: Any) -> None:
        op.enum_create(name, values, schema=schema)

    valid = (
        name_ok(schema)
        and name_ok(name)
        and bool(values)
        and all(label_ok(v) for v in values)
        and len(set(values)) == len(values)
    )
    if valid:
        assert_round_trip(twin_dbs, fn, {(schema, name): tuple(values)})
    else:
        message = assert_refused_before_sql(twin_dbs, fn, {})
        _input_refusal(message, [schema, name, *values])


placement = st.one_of(
    st.none(),
    st.tuples(st.sampled_from(["before", "after"]), st.integers(min_value=0, max_value=9)),
    st.tuples(st.sampled_from(["before", "after"]), labels),
)


@bounded(20)
@given(schema=valid_schema, name=valid_name, existing=label_lists, value=labels, where=placement)
def test_enum_add_value(
    twin_dbs: tuple[str, str],
    schema: str,
    name: str,
    existing: list[str],
    value: str,
    where: tuple[str, int | str] | None,
) -> None:
    before_state = {(schema, name): tuple(existing)}
    _setup(twin_dbs, [schema], before_state)
    kwargs: dict[str, str] = {}
    anchor: str | None = None
    if where is not None:
        word, which = where
        anchor = existing[which % len(existing)] if isinstance(which, int) else which
        kwargs[word] = anchor

    def fn(op: Any) -> None:
        op.enum_add_value(name, value, schema=schema, **kwargs)

    if not label_ok(value) or (anchor is not None and (not label_ok(anchor) or anchor == value)):
        message = assert_refused_before_sql(twin_dbs, fn, before_state)
        _input_refusal(message, [value, anchor or ""])
        return
    if anchor is not None and anchor not in existing:
        message = assert_refused_after_reads(twin_dbs, fn, before_state)
        assert repr(anchor) in message and "is not a label of the type" in message
        return
    expected = list(existing)
    if value not in expected:  # if_not_exists=True: an existing value is kept as is
        if "before" in kwargs:
            expected.insert(expected.index(kwargs["before"]), value)
        elif "after" in kwargs:
            expected.insert(expected.index(kwargs["after"]) + 1, value)
        else:
            expected.append(value)
    assert_round_trip(twin_dbs, fn, {(schema, name): tuple(expected)})


@bounded(20)
@given(
    schema=valid_schema,
    name=valid_name,
    existing=label_lists,
    index=st.integers(min_value=0, max_value=9),
    new=labels,
)
def test_enum_rename_value(
    twin_dbs: tuple[str, str], schema: str, name: str, existing: list[str], index: int, new: str
) -> None:
    before_state = {(schema, name): tuple(existing)}
    _setup(twin_dbs, [schema], before_state)
    old = existing[index % len(existing)]

    def fn(op: Any) -> None:
        op.enum_rename_value(name, old, new, schema=schema)

    if not label_ok(new) or new == old:
        message = assert_refused_before_sql(twin_dbs, fn, before_state)
        _input_refusal(message, [new])
        return
    if new in existing:
        message = assert_refused_after_reads(twin_dbs, fn, before_state)
        assert f"{new!r} already exists" in message
        return
    expected = tuple(new if label == old else label for label in existing)
    assert_round_trip(twin_dbs, fn, {(schema, name): expected})


@bounded(20)
@given(schema=valid_schema, name=valid_name, new_name=names, values=label_lists)
def test_enum_rename(
    twin_dbs: tuple[str, str], schema: str, name: str, new_name: str, values: list[str]
) -> None:
    before_state = {(schema, name): tuple(values)}
    _setup(twin_dbs, [schema], before_state)

    def fn(op: Any) -> None:
        op.enum_rename(name, new_name, schema=schema)

    if not name_ok(new_name) or new_name == name:
        message = assert_refused_before_sql(twin_dbs, fn, before_state)
        _input_refusal(message, [new_name])
        return
    assert_round_trip(twin_dbs, fn, {(schema, new_name): tuple(values)})


@bounded(20)
@given(schema=valid_schema, new_schema=names, name=valid_name, values=label_lists)
def test_enum_set_schema(
    twin_dbs: tuple[str, str], schema: str, new_schema: str, name: str, values: list[str]
) -> None:
    assume(schema_creatable(new_schema) or not name_ok(new_schema))
    before_state = {(schema, name): tuple(values)}
    _setup(twin_dbs, [schema, new_schema] if name_ok(new_schema) else [schema], before_state)

    def fn(op: Any) -> None:
        op.enum_set_schema(name, new_schema, schema=schema)

    if not name_ok(new_schema) or new_schema == schema:
        message = assert_refused_before_sql(twin_dbs, fn, before_state)
        _input_refusal(message, [new_schema])
        return
    assert_round_trip(twin_dbs, fn, {(new_schema, name): tuple(values)})


def test_every_non_unreserved_keyword_of_this_server_is_quoted(db_url: str) -> None:
    """Regression: SQLAlchemy left ``lateral``, ``collation``, ``concurrently``,
    ``tablesample`` and column-name keywords such as ``int`` unquoted, so
    ``ALTER TYPE ... RENAME TO lateral`` was a syntax error (found by
    test_enum_rename)."""
    from alembic_enum_ops.ddl.sqltext import default_dialect, ident
    from tests.support.sessions import connect

    with connect(db_url) as conn:
        rows = conn.execute("SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'")
        words = [r[0] for r in rows]
    assert len(words) > 50
    unquoted = [w for w in words if ident(default_dialect(), w) != f'"{w}"']
    assert unquoted == []


def test_keywords_as_schema_type_and_new_names_round_trip(
    twin_dbs: tuple[str, str],
) -> None:
    _setup(twin_dbs, ["lateral", "tablesample"], {})

    def fn(op: Any) -> None:
        op.enum_create("collation", ["x"], schema="lateral")
        op.enum_add_value("collation", "int", schema="lateral", before="x")
        op.enum_rename("collation", "int", schema="lateral")
        op.enum_set_schema("int", "tablesample", schema="lateral")
        op.enum_rename("int", "concurrently", schema="tablesample")

    assert_round_trip(twin_dbs, fn, {("tablesample", "concurrently"): ("int", "x")})


def _rows(url: str, schema: str) -> list[tuple[int, str | None]]:
    from psycopg import sql

    from tests.support.sessions import connect

    with connect(url) as conn:
        return [
            (r[0], r[1])
            for r in conn.execute(
                sql.SQL("SELECT id, s::text FROM {}.t ORDER BY id").format(sql.Identifier(schema))
            )
        ]


@bounded(15)
@given(
    schema=valid_schema,
    name=valid_name,
    existing=label_lists,
    new_values=st.lists(labels, min_size=0, max_size=5),
    data=st.data(),
)
def test_enum_swap(
    twin_dbs: tuple[str, str],
    schema: str,
    name: str,
    existing: list[str],
    new_values: list[str],
    data: st.DataObject,
) -> None:
    """The swap engine with hostile names and labels: rows holding every old label,
    each vanishing one mapped (or not: then refused, nothing changed)."""
    from psycopg import sql

    from tests.support.sessions import connect

    before_state = {(schema, name): tuple(existing)}
    _setup(twin_dbs, [schema], before_state)
    typ = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(name))
    for url in twin_dbs:
        with connect(url) as conn:
            conn.execute(
                sql.SQL("CREATE TABLE {}.t (id int PRIMARY KEY, s {})").format(
                    sql.Identifier(schema), typ
                )
            )
            for i, label in enumerate(existing):
                # literals, not parameters: psycopg would read a '%' in a quoted
                # identifier as a placeholder
                conn.execute(
                    sql.SQL("INSERT INTO {}.t VALUES ({}, {}::{})").format(
                        sql.Identifier(schema), sql.Literal(i), sql.Literal(label), typ
                    )
                )
    valid = bool(new_values) and all(label_ok(v) for v in new_values) and (
        len(set(new_values)) == len(new_values)
    )
    vanished = [label for label in existing if label not in new_values]
    mapping = {}
    if valid:
        mapping = {
            old: data.draw(st.sampled_from(new_values), label=f"map {old!r}")
            for old in vanished
            if data.draw(st.booleans(), label=f"map {old!r}?")
        }

    def fn(op: Any) -> None:
        op.enum_swap(name, new_values, schema=schema, mapping=mapping, old_values=existing)

    rows_before = _rows(twin_dbs[0], schema)
    if not valid:
        message = assert_refused_before_sql(twin_dbs, fn, before_state)
        _input_refusal(message, new_values)
        return
    if len(mapping) < len(vanished):
        from alembic_enum_ops import UnsafeOperationError

        with pytest.raises(UnsafeOperationError):
            run_online(twin_dbs[0], fn)
        assert enum_snapshot(twin_dbs[0]) == before_state
        assert _rows(twin_dbs[0], schema) == rows_before
        return
    assert_round_trip(twin_dbs, fn, {(schema, name): tuple(new_values)})
    expected_rows = [(i, mapping.get(label, label)) for i, label in rows_before]
    assert _rows(twin_dbs[0], schema) == expected_rows
    assert _rows(twin_dbs[1], schema) == expected_rows


def _check_probe(url: str, schema: str, table: str, column: str, values: list[str]) -> list[bool]:
    """For each value (and a sentinel no set holds), does the CHECK let it in?"""
    import psycopg
    from psycopg import sql

    from tests.support.sessions import connect

    results = []
    with connect(url) as conn:
        for value in [*values, "\x01 not in any set"]:
            try:
                with conn.transaction(force_rollback=True):
                    conn.execute(
                        sql.SQL("INSERT INTO {}.{} ({}) VALUES ({})").format(
                            sql.Identifier(schema), sql.Identifier(table),
                            sql.Identifier(column), sql.Literal(value),
                        )
                    )
                results.append(True)
            except psycopg.errors.CheckViolation:
                results.append(False)
    return results


@bounded(15)
@given(
    schema=valid_schema,
    table=names,
    column=names,
    values=st.lists(labels, min_size=0, max_size=4),
)
def test_check_enum_create(
    twin_dbs: tuple[str, str], schema: str, table: str, column: str, values: list[str]
) -> None:
    """VARCHAR + CHECK with hostile table, column and values (values may pass 63
    bytes: a CHECK compares text)."""
    from psycopg import sql

    from tests.support.sessions import connect

    names_ok = name_ok(table) and name_ok(column)
    _setup(twin_dbs, [schema], {})
    if names_ok:
        for url in twin_dbs:
            with connect(url) as conn:
                conn.execute(
                    sql.SQL("CREATE TABLE {}.{} ({} text)").format(
                        sql.Identifier(schema), sql.Identifier(table), sql.Identifier(column)
                    )
                )

    def fn(op: Any) -> None:
        op.check_enum_create(table, column, values, schema=schema)

    valid = names_ok and bool(values) and len(set(values)) == len(values)
    if not valid:
        message = assert_refused_before_sql(twin_dbs, fn, {})
        _input_refusal(message, [table, column, *values])
        return
    online, offline = twin_dbs
    run_online(online, fn)
    script = render_offline(fn)
    apply_script(offline, script)
    expected = [True] * len(values) + [False]
    assert _check_probe(online, schema, table, column, values) == expected
    assert _check_probe(offline, schema, table, column, values) == expected, script
    assert canary_intact(online) and canary_intact(offline)


@bounded(12)
@given(
    schema=valid_schema,
    table=valid_name,
    column=valid_name,
    name=valid_name,
    values=label_lists,
    data=st.data(),
)
def test_enum_to_check_and_back(
    twin_dbs: tuple[str, str],
    schema: str,
    table: str,
    column: str,
    name: str,
    values: list[str],
    data: st.DataObject,
) -> None:
    """Convert a hostile-named enum column to VARCHAR + CHECK and back, online and
    offline: rows, labels and the allowed set survive exactly."""
    from psycopg import sql

    from tests.support.sessions import connect

    assume(table != name)  # a table's row type would take the enum's name
    _setup(twin_dbs, [schema], {(schema, name): tuple(values)})
    rows = [data.draw(st.sampled_from(values), label=f"row {i}") for i in range(3)]
    qtable = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))
    qtype = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(name))
    for url in twin_dbs:
        with connect(url) as conn:
            conn.execute(
                sql.SQL("CREATE TABLE {} ({} {})").format(qtable, sql.Identifier(column), qtype)
            )
            for value in rows:
                conn.execute(
                    sql.SQL("INSERT INTO {} VALUES ({}::{})").format(
                        qtable, sql.Literal(value), qtype
                    )
                )

    def to_check(op: Any) -> None:
        op.enum_to_check(
            table, column, schema=schema, type_name=name, type_schema=schema, values=values
        )

    def back(op: Any) -> None:
        op.check_to_enum(table, column, name, values, schema=schema, type_schema=schema)

    def read(url: str) -> list[str]:
        with connect(url) as conn:
            return [
                r[0]
                for r in conn.execute(
                    sql.SQL("SELECT {}::text FROM {}").format(sql.Identifier(column), qtable)
                )
            ]

    online, offline = twin_dbs
    run_online(online, to_check)
    apply_script(offline, render_offline(to_check))
    for url in twin_dbs:
        assert enum_snapshot(url) == {}  # dropped: nothing else uses it
        assert read(url) == rows
        assert _check_probe(url, schema, table, column, values) == [True] * len(values) + [False]
    run_online(online, back)
    script = render_offline(back)
    apply_script(offline, script)
    for url in twin_dbs:
        assert enum_snapshot(url) == {(schema, name): tuple(values)}, script
        assert read(url) == rows
        assert canary_intact(url)


@bounded(12)
@given(
    schema=valid_schema,
    table=valid_name,
    column=valid_name,
    old_values=st.lists(labels, min_size=1, max_size=4, unique=True),
    new_values=st.lists(labels, min_size=1, max_size=4, unique=True),
    data=st.data(),
)
def test_check_enum_set_values(
    twin_dbs: tuple[str, str],
    schema: str,
    table: str,
    column: str,
    old_values: list[str],
    new_values: list[str],
    data: st.DataObject,
) -> None:
    """Change a CHECK's set with hostile values and a mapping (the batched remap's
    CASE literals): rows move exactly as mapped, online and offline."""
    from psycopg import sql

    from tests.support.sessions import connect

    _setup(twin_dbs, [schema], {})
    vanished = [v for v in old_values if v not in new_values]
    mapping = {v: data.draw(st.sampled_from(new_values), label=f"map {v!r}") for v in vanished}
    qtable = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))
    for url in twin_dbs:
        with connect(url) as conn:
            create = sql.SQL("CREATE TABLE {} ({} text)")
            conn.execute(create.format(qtable, sql.Identifier(column)))
            for value in old_values:
                insert = sql.SQL("INSERT INTO {} VALUES ({})")
                conn.execute(insert.format(qtable, sql.Literal(value)))
        run_online(url, lambda op: op.check_enum_create(table, column, old_values, schema=schema))

    def fn(op: Any) -> None:
        op.check_enum_set_values(
            table, column, new_values, schema=schema, mapping=mapping, old_values=old_values
        )

    online, offline = twin_dbs
    run_online(online, fn)
    script = render_offline(fn)
    apply_script(offline, script)
    expected_rows = sorted(mapping.get(v, v) for v in old_values)
    for url in twin_dbs:
        with connect(url) as conn:
            got = sorted(
                r[0]
                for r in conn.execute(
                    sql.SQL("SELECT {} FROM {}").format(sql.Identifier(column), qtable)
                )
            )
        assert got == expected_rows, script
        probe = _check_probe(url, schema, table, column, new_values)
        assert probe == [True] * len(new_values) + [False], script
        assert canary_intact(url)


def test_check_set_values_with_keyword_schema_table_and_column(
    twin_dbs: tuple[str, str],
) -> None:
    """Regression (found by test_check_enum_set_values in a long run): the data check
    before changing a CHECK's set compiled ``lateral.t`` unquoted, a syntax error."""
    from tests.support.sessions import connect

    _setup(twin_dbs, ["lateral"], {})
    online, offline = twin_dbs
    for url in twin_dbs:
        with connect(url) as conn:
            conn.execute('CREATE TABLE "lateral"."int" ("collation" text)')
            conn.execute("""INSERT INTO "lateral"."int" VALUES ('a'), ('b')""")
        run_online(
            url, lambda op: op.check_enum_create("int", "collation", ["a", "b"], schema="lateral")
        )

    def fn(op: Any) -> None:
        op.check_enum_set_values(
            "int", "collation", ["a", "c"], schema="lateral", mapping={"b": "c"},
            old_values=["a", "b"],
        )

    run_online(online, fn)
    apply_script(offline, render_offline(fn))
    for url in twin_dbs:
        with connect(url) as conn:
            query = 'SELECT "collation" FROM "lateral"."int" ORDER BY 1'
            rows = [r[0] for r in conn.execute(query)]
        assert rows == ["a", "c"]
        assert _check_probe(url, "lateral", "int", "collation", ["a", "c"]) == [True, True, False]
