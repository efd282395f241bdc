"""The VARCHAR + CHECK variant against a live server, online and offline."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from alembic_enum_ops import EnumStateError, InvalidEnumInputError, UnsafeOperationError
from alembic_enum_ops.catalog import parse_check_values
from alembic_enum_ops.ddl.check_sql import default_constraint_name, shorten_name
from tests.support.catalog import execute, query
from tests.support.migrate import apply_script, render_offline, run_online

EXOTIC = ["it's", 'say "hi"', "back\\slash", "%s and :param", "$$ dollar $$", "ünï 🚀", ""]

CHECKS_SQL = """
SELECT c.relname::text, con.conname::text, pg_get_constraintdef(con.oid), con.convalidated
FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE con.contype = 'c' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1, 2
"""




def checks(url: str) -> list[tuple[Any, ...]]:
    return query(url, CHECKS_SQL)


def allowed(url: str, table: str, name: str) -> tuple[str, ...] | None:
    rows = query(
        url,
        "SELECT pg_get_constraintdef(oid), (SELECT a.attname::text FROM pg_attribute a "
        "WHERE a.attrelid = conrelid AND a.attnum = conkey[1]) FROM pg_constraint "
        "WHERE conrelid = to_regclass(:t) AND conname = :n",
        t=table,
        n=name,
    )
    assert len(rows) == 1, rows
    return parse_check_values(rows[0][0], rows[0][1])


def setup_queue(url: str, *values: str, table: str = "queue") -> None:
    execute(
        url,
        f"CREATE TABLE {table} (id serial PRIMARY KEY, status varchar(40) NOT NULL "
        "DEFAULT 'pending')",
        *(f"INSERT INTO {table} (status) VALUES ('{v}')" for v in values),
    )


# --- check_enum_create -------------------------------------------------------------------


def test_create_online_adds_validated_check(db_url: str) -> None:
    setup_queue(db_url, "pending", "done")
    run_online(db_url, lambda op: op.check_enum_create("queue", "status", ["pending", "done"]))
    assert checks(db_url) == [
        ("queue", "ck_queue_status_enum", checks(db_url)[0][2], True)
    ]
    assert allowed(db_url, "queue", "ck_queue_status_enum") == ("pending", "done")
    with pytest.raises(Exception, match="ck_queue_status_enum"):
        execute(db_url, "INSERT INTO queue (status) VALUES ('other')")
    execute(db_url, "INSERT INTO queue (status) VALUES ('done')")


def test_create_offline_separates_not_valid_and_validate(
    db_url: str, second_db_url: str
) -> None:
    for url in (db_url, second_db_url):
        setup_queue(url, "pending")

    def migration(op: Any) -> None:
        op.check_enum_create("queue", "status", ["pending", "done"], schema="public")

    script = render_offline(migration)
    not_valid = script.index("NOT VALID")
    validate = script.index("VALIDATE CONSTRAINT")
    between = script[not_valid:validate]
    assert "COMMIT;" in between and "BEGIN;" in between
    assert script.count("SET LOCAL lock_timeout") == 2
    apply_script(second_db_url, script)
    run_online(db_url, migration)
    assert checks(db_url) == checks(second_db_url)
    assert checks(db_url)[0][3] is True


def test_create_exotic_values_and_names(db_url: str, second_db_url: str) -> None:
    schema, table, column = 'Sch"ema ü', "Select", "Stat:us %s"
    for url in (db_url, second_db_url):
        execute(
            url,
            'CREATE SCHEMA "Sch""ema ü"',
            'CREATE TABLE "Sch""ema ü"."Select" ("Stat:us %s" text)',
            'INSERT INTO "Sch""ema ü"."Select" VALUES (\'it\'\'s\'), (NULL)',
        )

    def migration(op: Any) -> None:
        op.check_enum_create(table, column, EXOTIC, schema=schema)

    run_online(db_url, migration)
    apply_script(second_db_url, render_offline(migration))
    for url in (db_url, second_db_url):
        name = default_constraint_name(table, column)
        assert allowed(url, '"Sch""ema ü"."Select"', name) == tuple(EXOTIC)
        for value in EXOTIC:
            execute(url, f'INSERT INTO "Sch""ema ü"."Select" VALUES ($q${value}$q$)')
        with pytest.raises(Exception, match="violates check constraint"):
            execute(url, 'INSERT INTO "Sch""ema ü"."Select" VALUES (\'its\')')
    assert checks(db_url) == checks(second_db_url)


def test_create_refuses_rows_outside_the_set_before_any_change(db_url: str) -> None:
    setup_queue(db_url, "pending", "legacy", "legacy", "done")
    with pytest.raises(UnsafeOperationError) as info:
        run_online(db_url, lambda op: op.check_enum_create("queue", "status", ["pending", "done"]))
    message = str(info.value)
    assert "public.queue" in message and "status" in message
    assert "'legacy': 2 row(s)" in message
    assert checks(db_url) == []


def test_create_offline_guard_refuses_before_any_change(db_url: str) -> None:
    setup_queue(db_url, "pending", "legacy")
    script = render_offline(
        lambda op: op.check_enum_create("queue", "status", ["pending"], schema="public")
    )
    with pytest.raises(AssertionError, match=r"'legacy': 1 row\(s\)"):
        apply_script(db_url, script)
    assert checks(db_url) == []


def test_create_rerun_after_interruption_between_steps_finishes(db_url: str) -> None:
    """The NOT VALID step committed, VALIDATE never ran: the rerun validates."""
    setup_queue(db_url, "pending")
    script = render_offline(
        lambda op: op.check_enum_create("queue", "status", ["pending", "done"], schema="public")
    )
    first_step = script[: script.index("VALIDATE CONSTRAINT")]
    first_step = first_step[: first_step.rindex("BEGIN;")]
    apply_script(db_url, first_step)
    assert [(r[1], r[3]) for r in checks(db_url)] == [("ck_queue_status_enum", False)]
    run_online(db_url, lambda op: op.check_enum_create("queue", "status", ["pending", "done"]))
    assert [(r[1], r[3]) for r in checks(db_url)] == [("ck_queue_status_enum", True)]
    # the offline script, rerun as a whole, finishes too
    apply_script(db_url, script)
    assert [(r[1], r[3]) for r in checks(db_url)] == [("ck_queue_status_enum", True)]


def test_create_refuses_enum_columns_and_conflicting_constraints(db_url: str) -> None:
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a')",
        "CREATE TABLE t (e st, n int, s text)",
        "ALTER TABLE t ADD CONSTRAINT ck_t_s_enum CHECK (s IN ('x'))",
    )
    with pytest.raises(EnumStateError, match=r"native enum public\.st; use enum_to_check"):
        run_online(db_url, lambda op: op.check_enum_create("t", "e", ["a"]))
    with pytest.raises(EnumStateError, match="has type integer"):
        run_online(db_url, lambda op: op.check_enum_create("t", "n", ["a"]))
    with pytest.raises(EnumStateError, match="use check_enum_set_values"):
        run_online(db_url, lambda op: op.check_enum_create("t", "s", ["a"]))
    with pytest.raises(EnumStateError, match="has no column 'zz'"):
        run_online(db_url, lambda op: op.check_enum_create("t", "zz", ["a"]))
    with pytest.raises(EnumStateError, match=r"table public\.nope does not exist"):
        run_online(db_url, lambda op: op.check_enum_create("nope", "s", ["a"]))


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ([], "empty"),
        (["a", "a"], "duplicate value 'a'"),
        ("ab", "list of strings"),
        (["a\x00"], "NUL"),
        ([1], "must be strings"),
    ],
)
def test_create_bad_values(values: Any, match: str) -> None:
    with pytest.raises(InvalidEnumInputError, match=match):
        render_offline(lambda op: op.check_enum_create("t", "c", values))


def test_long_names_are_shortened_deterministically() -> None:
    long_table = "t" * 60
    name = default_constraint_name(long_table, "ünï" * 10)
    assert len(name.encode()) <= 63
    assert name == default_constraint_name(long_table, "ünï" * 10)
    assert name != default_constraint_name(long_table, "ünï" * 9 + "x")
    assert shorten_name("short") == "short"
    with pytest.raises(InvalidEnumInputError, match="over PostgreSQL's limit"):
        render_offline(lambda op: op.check_enum_create("t", "c", ["a"], constraint_name="x" * 64))


# --- check_enum_set_values ---------------------------------------------------------------


def _with_check(url: str, values: list[str], *rows: str) -> None:
    setup_queue(url, *rows)
    run_online(url, lambda op: op.check_enum_create("queue", "status", values))


def test_set_values_adds_and_removes_online_and_offline(db_url: str, second_db_url: str) -> None:
    for url in (db_url, second_db_url):
        _with_check(url, ["pending", "done", "old"], "pending", "done")

    def migration(op: Any) -> None:
        op.check_enum_set_values(
            "queue", "status", ["pending", "done", "new"], schema="public",
            old_values=["pending", "done", "old"],
        )

    run_online(db_url, migration)
    script = render_offline(migration)
    apply_script(second_db_url, script)
    for url in (db_url, second_db_url):
        assert [(r[1], r[3]) for r in checks(url)] == [("ck_queue_status_enum", True)]
        assert allowed(url, "queue", "ck_queue_status_enum") == ("pending", "done", "new")
        execute(url, "INSERT INTO queue (status) VALUES ('new')")
        with pytest.raises(Exception, match="violates check constraint"):
            execute(url, "INSERT INTO queue (status) VALUES ('old')")
    assert checks(db_url) == checks(second_db_url)
    # offline: the NOT VALID replacement and VALIDATE are separate transactions
    between = script[script.index("NOT VALID") : script.index("VALIDATE CONSTRAINT")]
    assert "COMMIT;" in between and "BEGIN;" in between
    validate_to_rename = script[script.index("VALIDATE CONSTRAINT") : script.index("RENAME")]
    assert "COMMIT;" in validate_to_rename


def test_set_values_refuses_values_leaving_without_mapping(db_url: str) -> None:
    _with_check(db_url, ["pending", "done", "old", "older"], "pending", "old", "old", "older")
    before = checks(db_url)
    with pytest.raises(UnsafeOperationError) as info:
        run_online(
            db_url,
            lambda op: op.check_enum_set_values(
                "queue", "status", ["pending", "done"], mapping={"older": "done"}
            ),
        )
    message = str(info.value)
    assert "public.queue" in message and "column status" in message
    assert "'old': 2 row(s)" in message and "older" not in message.split("\n")[1]
    assert "This operation changed nothing." in message
    assert checks(db_url) == before


def test_set_values_offline_guard_refuses(db_url: str) -> None:
    _with_check(db_url, ["pending", "old"], "old", "pending")
    before = checks(db_url)
    script = render_offline(
        lambda op: op.check_enum_set_values("queue", "status", ["pending"], schema="public")
    )
    with pytest.raises(AssertionError, match=r"queue hold values of column status(.|\n)*'old': 1"):
        apply_script(db_url, script)
    assert checks(db_url) == before


def test_set_values_mapping_remaps_in_committed_batches(db_url: str, second_db_url: str) -> None:
    for url in (db_url, second_db_url):
        setup_queue(url)
        execute(
            url,
            "INSERT INTO queue (status) SELECT (ARRAY['pending','old','older','done'])[1 + i % 4] "
            "FROM generate_series(1, 4000) AS i",
            "ANALYZE queue",
        )
        run_online(url, lambda op: op.check_enum_create(
            "queue", "status", ["pending", "old", "older", "done"]))

    def migration(op: Any) -> None:
        # 'fresh' is new: the remap writes a value the old constraint did not allow
        op.check_enum_set_values(
            "queue", "status", ["pending", "done", "fresh"], schema="public",
            mapping={"old": "fresh", "older": "done"},
            old_values=["pending", "old", "older", "done"],
        )

    options = {"check_batch_size": 100}
    run_online(db_url, migration, enum_ops=options)
    apply_script(second_db_url, render_offline(migration, enum_ops=options))
    blocks = query(db_url, "SELECT pg_relation_size('queue') / 8192")[0][0]
    assert blocks > 10
    for url in (db_url, second_db_url):
        counts = query(url, "SELECT status, count(*) FROM queue GROUP BY 1 ORDER BY 1")
        assert counts == [("done", 2000), ("fresh", 1000), ("pending", 1000)]
        assert allowed(url, "queue", "ck_queue_status_enum") == ("pending", "done", "fresh")
        assert [(r[1], r[3]) for r in checks(url)] == [("ck_queue_status_enum", True)]
        # every batch committed on its own: the remapped rows carry many xmins
        xmins = query(
            url,
            "SELECT count(DISTINCT xmin::text) FROM queue WHERE status IN ('fresh') "
            "OR (status = 'done' AND id % 4 = 2)",
        )[0][0]
        assert xmins >= blocks // 2


# Where an offline run of a mapped set change is cut (right after the named step
# committed), and the CHECK constraints then present (name suffix, validated).
_MAPPED_CUTS = {
    "transition added": [("__transition", False)],
    "first remap": [("__transition", False)],
    "new set added": [("__new", False), ("__transition", False)],
    "second remap": [("__new", False), ("__transition", False)],
    "validated": [("__new", True), ("__transition", False)],
}


def _cut_after(script: str, step: str) -> str:
    """The script up to the end of ``step`` (every cut lies between transactions)."""
    if step == "transition added":
        end = script.index("COMMIT;", script.index("__transition CHECK"))
    elif step == "first remap":
        end = script.index("$enum_ops$;", script.index("WHILE b < nblocks"))
    elif step == "new set added":
        end = script.index("COMMIT;", script.index("ADD CONSTRAINT ck_queue_status_enum__new"))
    elif step == "second remap":
        second = script.index("WHILE b < nblocks", script.index("WHILE b < nblocks") + 1)
        end = script.index("$enum_ops$;", second)
    else:
        end = script.index("COMMIT;", script.index("VALIDATE CONSTRAINT"))
    return script[: script.index(";", end) + 1]


def _writes(url: str) -> dict[str, bool]:
    """Which writes an application can make now (each rolled back)."""
    attempts = {
        "update another column of row 2":
            "UPDATE queue SET note = 'touched' WHERE id = 2",
        "insert 'old'": "INSERT INTO queue (status) VALUES ('old')",
        "insert 'new'": "INSERT INTO queue (status) VALUES ('new')",
        "insert 'bogus'": "INSERT INTO queue (status) VALUES ('bogus')",
    }
    outcome = {}
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            for what, sql in attempts.items():
                try:
                    conn.exec_driver_sql(sql)
                    outcome[what] = True
                except sa.exc.IntegrityError as exc:
                    assert "violates check constraint" in str(exc), exc
                    outcome[what] = False
                finally:
                    conn.rollback()
    finally:
        engine.dispose()
    return outcome


def _mapped_queue(url: str) -> None:
    _with_check(url, ["pending", "old"], "pending", "old", "pending", "old")
    execute(url, "ALTER TABLE queue ADD COLUMN note text")


def _mapped_change(op: Any) -> None:
    op.check_enum_set_values(
        "queue", "status", ["pending", "new"], schema="public", mapping={"old": "new"}
    )


@pytest.mark.parametrize("step", list(_MAPPED_CUTS))
def test_set_values_mapping_interrupted_after_each_step_then_rerun(
    db_url: str, step: str
) -> None:
    """Cut after each committed step: no write of the application fails before the
    new set is in force (a row still holding a mapped value stays updatable), the
    old value is refused from the moment it is, and a rerun finishes the job."""
    _mapped_queue(db_url)
    script = render_offline(_mapped_change)
    apply_script(db_url, _cut_after(script, step))
    expected = [("ck_queue_status_enum" + suffix, valid) for suffix, valid in _MAPPED_CUTS[step]]
    assert [(r[1], r[3]) for r in checks(db_url)] == expected
    in_force = step not in ("transition added", "first remap")
    remapped = step != "transition added"
    assert query(db_url, "SELECT id, status FROM queue ORDER BY id") == [
        (1, "pending"), (2, "new" if remapped else "old"),
        (3, "pending"), (4, "new" if remapped else "old"),
    ]
    writes = _writes(db_url)
    assert writes == {
        "update another column of row 2": True,
        "insert 'old'": not in_force,
        "insert 'new'": True,
        "insert 'bogus'": False,
    }
    if not in_force:  # the application writes a mapped value meanwhile: remapped too
        execute(db_url, "INSERT INTO queue (status) VALUES ('old')")

    run_online(db_url, _mapped_change)
    assert [(r[1], r[3]) for r in checks(db_url)] == [("ck_queue_status_enum", True)]
    assert allowed(db_url, "queue", "ck_queue_status_enum") == ("pending", "new")
    assert query(db_url, "SELECT count(*) FROM queue WHERE status = 'old'") == [(0,)]
    assert _remap_trigger_left(db_url) == [(0, 0)]
    # a further rerun of the whole revision, online or offline, is harmless
    run_online(db_url, _mapped_change)
    apply_script(db_url, script)
    assert [(r[1], r[3]) for r in checks(db_url)] == [("ck_queue_status_enum", True)]
    assert allowed(db_url, "queue", "ck_queue_status_enum") == ("pending", "new")


def _remap_trigger_left(url: str) -> list[tuple[Any, ...]]:
    return query(
        url,
        "SELECT (SELECT count(*) FROM pg_trigger WHERE tgname = 'ck_queue_status_enum__remap'),"
        " (SELECT count(*) FROM pg_proc WHERE proname = 'ck_queue_status_enum__remap')",
    )


def test_set_values_straggler_stays_updatable_once_new_set_is_in_force(db_url: str) -> None:
    """A row written with a mapped value after the first remap pass (the application
    still writes it) holds it when the new set comes into force: an update leaving
    the column alone remaps it (trigger) instead of failing the new CHECK; writes of
    the removed value itself are refused from then on."""
    _mapped_queue(db_url)
    script = render_offline(_mapped_change)
    first = _cut_after(script, "first remap")
    apply_script(db_url, first)
    execute(db_url, "INSERT INTO queue (id, status) VALUES (100, 'old')")  # a straggler
    apply_script(db_url, _cut_after(script, "new set added")[len(first):])
    assert _remap_trigger_left(db_url) == [(1, 1)]
    assert query(db_url, "SELECT status FROM queue WHERE id = 100") == [("old",)]
    execute(db_url, "UPDATE queue SET note = 'touched' WHERE id = 100")
    assert query(db_url, "SELECT status, note FROM queue WHERE id = 100") == [
        ("new", "touched")
    ]
    with pytest.raises(sa.exc.IntegrityError, match="ck_queue_status_enum__new"):
        execute(db_url, "UPDATE queue SET status = 'old' WHERE id = 1")
    with pytest.raises(sa.exc.IntegrityError, match="ck_queue_status_enum__new"):
        execute(db_url, "INSERT INTO queue (status) VALUES ('old')")
    execute(db_url, "UPDATE queue SET status = 'pending', note = 'set' WHERE id = 100")
    assert query(db_url, "SELECT status FROM queue WHERE id = 100") == [("pending",)]
    apply_script(db_url, script[len(_cut_after(script, "new set added")):])
    assert [(r[1], r[3]) for r in checks(db_url)] == [("ck_queue_status_enum", True)]
    assert _remap_trigger_left(db_url) == [(0, 0)]


def test_set_values_mapping_interrupted_offline_resumes_offline(db_url: str) -> None:
    """The offline script itself resumes: replayed whole after a cut mid-remap."""
    _mapped_queue(db_url)
    script = render_offline(_mapped_change)
    apply_script(db_url, _cut_after(script, "first remap"))
    execute(db_url, "INSERT INTO queue (status) VALUES ('old')")  # a straggler
    apply_script(db_url, script)
    assert [(r[1], r[3]) for r in checks(db_url)] == [("ck_queue_status_enum", True)]
    assert query(db_url, "SELECT status, count(*) FROM queue GROUP BY 1 ORDER BY 1") == [
        ("new", 3), ("pending", 2),
    ]


def test_set_values_resumes_state_left_by_the_previous_release(db_url: str) -> None:
    """0.x releases dropped the old constraint and added the new one NOT VALID before
    the remap; a revision interrupted there finishes with this release."""
    _mapped_queue(db_url)
    execute(
        db_url,
        "ALTER TABLE queue DROP CONSTRAINT ck_queue_status_enum, ADD CONSTRAINT "
        "ck_queue_status_enum__new CHECK (status::text = ANY (ARRAY['pending', 'new'])) "
        "NOT VALID",
        "UPDATE queue SET status = 'new' WHERE id = 2",
    )
    run_online(db_url, _mapped_change)
    assert [(r[1], r[3]) for r in checks(db_url)] == [("ck_queue_status_enum", True)]
    assert query(db_url, "SELECT count(*) FROM queue WHERE status = 'old'") == [(0,)]


def test_set_values_offline_refuses_when_no_constraint_to_replace(db_url: str) -> None:
    setup_queue(db_url, "pending")
    script = render_offline(_mapped_change)
    with pytest.raises(
        AssertionError,
        match=r"table public\.queue has no CHECK constraint ck_queue_status_enum",
    ):
        apply_script(db_url, script)
    assert checks(db_url) == []


def test_set_values_rerun_without_mapping_after_interruption_before_rename(
    db_url: str,
) -> None:
    """Without mapping there is no transitional phase: VALIDATE committed, the
    rename never ran: the rerun only renames."""
    _with_check(db_url, ["pending", "old"], "pending")
    script = render_offline(
        lambda op: op.check_enum_set_values("queue", "status", ["pending", "new"], schema="public")
    )
    assert "__transition" not in script
    cut = script.index("COMMIT;", script.index("VALIDATE CONSTRAINT")) + len("COMMIT;")
    apply_script(db_url, script[:cut])
    assert [(r[1], r[3]) for r in checks(db_url)] == [("ck_queue_status_enum__new", True)]
    run_online(
        db_url, lambda op: op.check_enum_set_values("queue", "status", ["pending", "new"])
    )
    assert [(r[1], r[3]) for r in checks(db_url)] == [("ck_queue_status_enum", True)]
    assert allowed(db_url, "queue", "ck_queue_status_enum") == ("pending", "new")


def test_set_values_errors(db_url: str) -> None:
    setup_queue(db_url, "pending")
    with pytest.raises(EnumStateError, match="no CHECK constraint named ck_queue_status_enum"):
        run_online(db_url, lambda op: op.check_enum_set_values("queue", "status", ["a"]))
    with pytest.raises(InvalidEnumInputError, match="mapping target 'x'"):
        render_offline(
            lambda op: op.check_enum_set_values("t", "c", ["a"], mapping={"b": "x"})
        )
    with pytest.raises(InvalidEnumInputError, match="mapping moves 'a', which stays allowed"):
        render_offline(
            lambda op: op.check_enum_set_values("t", "c", ["a", "b"], mapping={"a": "b"})
        )
    with pytest.raises(InvalidEnumInputError, match="not among old_values"):
        render_offline(
            lambda op: op.check_enum_set_values(
                "t", "c", ["a"], mapping={"b": "a"}, old_values=["a", "c"]
            )
        )
    with pytest.raises(InvalidEnumInputError, match="mapping must be a dict"):
        render_offline(lambda op: op.check_enum_set_values("t", "c", ["a"], mapping=["b"]))


def test_set_values_reverse_restores_the_old_set(db_url: str) -> None:
    from alembic_enum_ops.operations import SetCheckEnumValuesOp

    _with_check(db_url, ["pending", "old"], "pending", "old")
    forward = SetCheckEnumValuesOp(
        "queue", "status", ["pending", "new"], mapping={"old": "new"},
        old_values=["pending", "old"],
    )
    backward = forward.reverse()
    assert backward.values == ("pending", "old")
    assert backward.mapping == {"new": "old"}
    run_online(db_url, lambda op: op.invoke(forward))
    assert query(db_url, "SELECT status FROM queue ORDER BY id") == [("pending",), ("new",)]
    run_online(db_url, lambda op: op.invoke(backward))
    assert query(db_url, "SELECT status FROM queue ORDER BY id") == [("pending",), ("old",)]
    assert allowed(db_url, "queue", "ck_queue_status_enum") == ("pending", "old")
    with pytest.raises(InvalidEnumInputError, match="pass old_values"):
        SetCheckEnumValuesOp("queue", "status", ["a"]).reverse()


# --- check_enum_drop ---------------------------------------------------------------------


def test_drop_online_offline_and_reverse(db_url: str, second_db_url: str) -> None:
    from alembic_enum_ops.operations import DropCheckEnumOp

    for url in (db_url, second_db_url):
        _with_check(url, ["pending", "done"], "pending")

    def migration(op: Any) -> None:
        op.check_enum_drop("queue", "status", schema="public", values=["pending", "done"])

    run_online(db_url, migration)
    script = render_offline(migration)
    assert "SET LOCAL lock_timeout" in script
    apply_script(second_db_url, script)
    assert checks(db_url) == checks(second_db_url) == []
    with pytest.raises(EnumStateError, match="no CHECK constraint named ck_queue_status_enum"):
        run_online(db_url, migration)
    reverse = DropCheckEnumOp("queue", "status", values=["pending", "done"]).reverse()
    run_online(db_url, lambda op: op.invoke(reverse))
    assert [(r[1], r[3]) for r in checks(db_url)] == [("ck_queue_status_enum", True)]
    with pytest.raises(InvalidEnumInputError, match="pass values"):
        DropCheckEnumOp("queue", "status").reverse()


# --- rendering and locks -----------------------------------------------------------------


def _render_ops() -> list[Any]:
    from alembic_enum_ops.operations import (
        CheckToEnumOp,
        CreateCheckEnumOp,
        DropCheckEnumOp,
        EnumToCheckOp,
        SetCheckEnumValuesOp,
    )

    return [
        CreateCheckEnumOp("Queue", "sta'tus", EXOTIC, schema="ai", constraint_name="ck"),
        SetCheckEnumValuesOp(
            "Queue", "status", ["a", "b"], schema="ai", mapping={"c": "a"},
            old_values=["a", "c"],
        ),
        DropCheckEnumOp("Queue", "status", values=["a"]),
        EnumToCheckOp(
            "Queue", "status", type_name="st", type_schema="ai", values=["a"], length=5,
            drop_type=False,
        ),
        CheckToEnumOp("Queue", "status", "st", ["a", "b"], type_schema="ai", create_type=False),
    ]


@pytest.mark.parametrize("operation", _render_ops(), ids=lambda o: type(o).__name__)
def test_rendered_call_rebuilds_the_same_operation(operation: Any) -> None:
    from alembic.autogenerate.api import AutogenContext
    from alembic.autogenerate.render import render_op_text
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    context = AutogenContext(
        MigrationContext.configure(dialect_name="postgresql"),
        opts={"alembic_module_prefix": "op."},
    )
    text = render_op_text(context, operation)
    assert text.startswith("op.")
    calls: list[Any] = []

    class Recorder:
        def __getattr__(self, method: str) -> Any:
            return lambda *a, **k: calls.append((method, a, k))

    eval(text, {"op": Recorder()})  # our own rendered text
    method, args, kwargs = calls[0]
    impl = getattr(Operations, method)
    rebuilt = type(operation)(*args, **kwargs)
    assert impl.__name__ == method
    assert rebuilt.to_diff_tuple() == operation.to_diff_tuple()


def test_not_valid_step_retries_then_names_the_holder(db_url: str) -> None:
    from alembic_enum_ops import LockTimeoutExhaustedError

    setup_queue(db_url, "pending")
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as reader:
            reader.exec_driver_sql("SELECT count(*) FROM queue").all()  # ACCESS SHARE held
            with pytest.raises(LockTimeoutExhaustedError) as info:
                run_online(
                    db_url,
                    lambda op: op.check_enum_create("queue", "status", ["pending"]),
                    enum_ops={"lock_timeout": "50ms", "lock_retries": 2, "retry_backoff": 0.01},
                )
            reader.rollback()
    finally:
        engine.dispose()
    message = str(info.value)
    assert "ACCESS EXCLUSIVE lock on table public.queue" in message
    assert "after 3 attempts" in message and "AccessShareLock" in message
    assert checks(db_url) == []
    run_online(db_url, lambda op: op.check_enum_create("queue", "status", ["pending"]))
    assert [(r[1], r[3]) for r in checks(db_url)] == [("ck_queue_status_enum", True)]


# --- parsing and plan shape --------------------------------------------------------------


@pytest.mark.parametrize(
    ("definition", "column", "expected"),
    [
        (
            "CHECK (((s)::text = ANY ((ARRAY['a'::character varying, "
            "'b''c'::character varying])::text[])))",
            "s",
            ("a", "b'c"),
        ),
        ("CHECK ((\"Weird Col\" = ANY (ARRAY['a'::text, ' x '::text]))) NOT VALID",
         "Weird Col", ("a", " x ")),
        ("CHECK (((s)::text = 'only'::text))", "s", ("only",)),
        ("CHECK ((s <> ''::text))", "s", None),
        ("CHECK ((length((s)::text) < 5))", "s", None),
        ("CHECK (((s)::text = ANY (ARRAY['a'::text]))) ", "other", None),
        ("CHECK (((s)::text = ANY (ARRAY[E'a\\\\b'::text])))", "s", None),
        ("CHECK (((s)::text = 'a'::text) OR ((s)::text = 'b'::text))", "s", None),
        ("FOREIGN KEY (s) REFERENCES t(s)", "s", None),
    ],
)
def test_parse_check_values(definition: str, column: str, expected: Any) -> None:
    assert parse_check_values(definition, column) == expected


def test_parse_matches_what_the_server_stores(db_url: str) -> None:
    """Our own expression, read back from the server, parses to the values given."""
    execute(db_url, 'CREATE TABLE t ("Odd ""col""" varchar(80), plain text)')
    run_online(db_url, lambda op: op.check_enum_create("t", 'Odd "col"', EXOTIC))
    run_online(db_url, lambda op: op.check_enum_create("t", "plain", ["x"]))
    assert allowed(db_url, "t", default_constraint_name("t", 'Odd "col"')) == tuple(EXOTIC)
    assert allowed(db_url, "t", "ck_t_plain_enum") == ("x",)


def test_plan_shapes() -> None:
    from alembic_enum_ops.ddl import check as check_ddl
    from alembic_enum_ops.ddl import convert as convert_ddl
    from alembic_enum_ops.ddl.plan import Boundary
    from alembic_enum_ops.ddl.sqltext import default_dialect

    dialect = default_dialect()
    create = check_ddl.plan_check_create(
        dialect, "ai", "q", "s", ["a"], "ck", lock_timeout="1s", guard=False
    )
    assert [s.boundary for s in create.steps] == [Boundary.OWN, Boundary.OWN]
    assert [s.lock_timeout for s in create.steps] == ["1s", "1s"]
    assert [lock.mode for lock in create.locks()] == ["ACCESS EXCLUSIVE", "SHARE UPDATE EXCLUSIVE"]
    assert "NOT VALID" in create.steps[0].statements[0].sql
    assert "VALIDATE" not in create.steps[0].statements[0].sql
    assert "VALIDATE CONSTRAINT" in create.steps[1].statements[0].sql
    changed = check_ddl.plan_check_set_values(
        dialect, "ai", "q", "s", ["a"], "ck", mapping={"b": "a"}, lock_timeout="1s",
        batch_size=10, guard=True,
    )
    dry_run = changed.as_sql(dialect)
    order = [
        "refusing", "ck__transition CHECK ((", "COMMIT;\nDO", "ADD CONSTRAINT ck__new",
        "COMMIT;\nDO", "VALIDATE CONSTRAINT", "DROP CONSTRAINT IF EXISTS ck__transition",
        "RENAME CONSTRAINT",
    ]
    positions, start = [], 0
    for marker in order:
        start = dry_run.index(marker, start)
        positions.append(start)
    assert dry_run.count("WHILE b < nblocks") == 2  # the remap, then the stragglers'
    # the remap passes run outside any transaction block, between the locked steps
    assert [s.boundary for s in changed.steps] == [
        Boundary.MIGRATION, Boundary.OWN, Boundary.AUTOCOMMIT, Boundary.OWN,
        Boundary.AUTOCOMMIT, Boundary.OWN, Boundary.OWN,
    ]
    steps = [s for s in changed.steps if s.boundary is not Boundary.AUTOCOMMIT]
    assert [s.boundary for s in steps] == [Boundary.MIGRATION] + [Boundary.OWN] * 4
    for step in steps[1:]:  # every lock on the table is taken under lock_timeout
        assert step.lock_timeout == "1s"
        sql = " ".join(statement.sql for statement in step.statements)
        assert not ("NOT VALID" in sql and "VALIDATE CONSTRAINT" in sql)
    for step in changed.steps:
        if step.boundary is Boundary.AUTOCOMMIT:  # no lock, no lock_timeout to leak
            assert step.lock_timeout is None and not step.takes_locks()
            assert all(s.idempotent for s in step.statements)
    unmapped = check_ddl.plan_check_set_values(
        dialect, "ai", "q", "s", ["a"], "ck", mapping={}, lock_timeout="1s",
        batch_size=10, guard=False,
    )
    assert Boundary.AUTOCOMMIT not in {s.boundary for s in unmapped.steps}
    assert "transition" not in unmapped.as_sql(dialect)
    to_check = convert_ddl.plan_enum_to_check(
        dialect, "ai", "q", "s", type_schema="ai", type_name="st", values=["a"],
        constraint_name="ck", length=None, drop_type=True, lock_timeout="1s",
    )
    assert to_check.rewrites() == ["ai.q"]
    assert [s.boundary for s in to_check.steps] == [
        Boundary.OWN, Boundary.OWN, Boundary.MIGRATION,
    ]


def test_set_values_exotic_names_and_mapping(db_url: str, second_db_url: str) -> None:
    schema, table, column = 'Sch"ema ü', "Select", "Stat:us %s"
    for url in (db_url, second_db_url):
        execute(
            url,
            'CREATE SCHEMA "Sch""ema ü"',
            'CREATE TABLE "Sch""ema ü"."Select" ("Stat:us %s" text)',
            *(f'INSERT INTO "Sch""ema ü"."Select" VALUES ($q${v}$q$)' for v in EXOTIC),
        )
        run_online(url, lambda op: op.check_enum_create(table, column, EXOTIC, schema=schema))
    new_values = [*EXOTIC[3:], "new 'one'"]
    mapping = {EXOTIC[0]: "new 'one'", EXOTIC[1]: EXOTIC[4], EXOTIC[2]: ""}

    def migration(op: Any) -> None:
        op.check_enum_set_values(
            table, column, new_values, schema=schema, mapping=mapping, old_values=EXOTIC
        )

    run_online(db_url, migration)
    apply_script(second_db_url, render_offline(migration))
    name = default_constraint_name(table, column)
    expected = sorted([mapping.get(v, v) for v in EXOTIC])
    for url in (db_url, second_db_url):
        rows = query(url, 'SELECT "Stat:us %s" FROM "Sch""ema ü"."Select"')
        assert sorted(r[0] for r in rows) == expected
        assert allowed(url, '"Sch""ema ü"."Select"', name) == tuple(new_values)
    assert checks(db_url) == checks(second_db_url)


def test_set_values_mapping_on_a_partitioned_table(db_url: str, second_db_url: str) -> None:
    """A partitioned table has no heap of its own: the remap walks each leaf
    partition (a remap of the parent alone would change nothing and VALIDATE would
    then fail), online and offline alike."""
    for url in (db_url, second_db_url):
        execute(
            url,
            "CREATE TABLE parts (id int NOT NULL, status text NOT NULL, note text, "
            "CONSTRAINT ck_parts_status_enum CHECK (status = ANY (ARRAY['a', 'b', 'c']))) "
            "PARTITION BY RANGE (id)",
            "CREATE TABLE parts_low PARTITION OF parts FOR VALUES FROM (0) TO (1000)",
            "CREATE TABLE parts_high PARTITION OF parts FOR VALUES FROM (1000) TO (3000)",
            "INSERT INTO parts SELECT g, (ARRAY['a', 'b', 'c'])[1 + g % 3] "
            "FROM generate_series(1, 2999) g",
        )

    def migration(op: Any) -> None:
        op.check_enum_set_values(
            "parts", "status", ["a", "c", "d"], schema="public", mapping={"b": "d"}
        )

    run_online(db_url, migration, enum_ops={"check_batch_size": 100})
    apply_script(second_db_url, render_offline(migration, enum_ops={"check_batch_size": 100}))
    for url in (db_url, second_db_url):
        assert query(url, "SELECT status, count(*) FROM parts GROUP BY 1 ORDER BY 1") == [
            ("a", 999), ("c", 1000), ("d", 1000),
        ]
        assert [(r[0], r[1], r[3]) for r in checks(url)] == [
            ("parts", "ck_parts_status_enum", True),
            ("parts_high", "ck_parts_status_enum", True),
            ("parts_low", "ck_parts_status_enum", True),
        ]
        assert allowed(url, "parts", "ck_parts_status_enum") == ("a", "c", "d")
        assert query(url, "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal") == [(0,)]
    assert checks(db_url) == checks(second_db_url)


def test_set_values_keeping_the_name_for_citus_replays_on_one_server(
    db_url: str, second_db_url: str
) -> None:
    """A script rendered with ``distributed=True`` (for a Citus cluster: no RENAME
    CONSTRAINT on a distributed table) drops and adds the constraint under its own
    name; the Citus settings are inert on a server without Citus."""
    for url in (db_url, second_db_url):
        _with_check(url, ["pending", "done", "old"], "pending", "done")

    def migration(op: Any) -> None:
        op.check_enum_set_values("queue", "status", ["pending", "done", "new"], schema="public")

    run_online(db_url, migration)
    script = render_offline(migration, enum_ops={"distributed": True})
    assert "RENAME" not in script and "citus.propagate_set_commands" in script
    apply_script(second_db_url, script)
    assert checks(db_url) == checks(second_db_url)
    assert allowed(second_db_url, "queue", "ck_queue_status_enum") == ("pending", "done", "new")


def test_keeping_the_name_does_not_go_with_a_mapping() -> None:
    from alembic_enum_ops.ddl.check import plan_check_set_values
    from alembic_enum_ops.ddl.sqltext import default_dialect

    with pytest.raises(ValueError, match=r"keep_name: without mapping only \(a remap needs "
                       r"a trigger\)"):
        plan_check_set_values(
            default_dialect(), "public", "queue", "status", ["a"], "ck", mapping={"b": "a"},
            lock_timeout="1s", batch_size=10, guard=True, keep_name=True,
        )
