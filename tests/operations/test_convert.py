"""enum_to_check / check_to_enum against a live server, online and offline."""

from __future__ import annotations

from typing import Any

import pytest

from alembic_enum_ops import EnumStateError, InvalidEnumInputError, UnsafeOperationError
from alembic_enum_ops.operations import CheckToEnumOp, EnumToCheckOp
from tests.support.catalog import column_snapshot, enum_snapshot, execute, query
from tests.support.migrate import apply_script, render_offline, run_online

INDEXES_SQL = """
SELECT indexname::text, indexdef FROM pg_indexes
WHERE schemaname NOT IN ('pg_catalog') ORDER BY 1
"""
CHECKS_SQL = """
SELECT con.conname::text, pg_get_constraintdef(con.oid), con.convalidated
FROM pg_constraint con WHERE con.contype = 'c' AND con.conrelid <> 0 ORDER BY 1
"""




def state(url: str) -> tuple[Any, ...]:
    return (
        enum_snapshot(url),
        column_snapshot(url),
        query(url, INDEXES_SQL),
        query(url, CHECKS_SQL),
        query(url, "SELECT id, status::text FROM ai.queue ORDER BY id"),
    )


def setup_enum_table(url: str) -> None:
    execute(
        url,
        "CREATE SCHEMA ai",
        "CREATE TYPE ai.status AS ENUM ('pending', 'it''s', 'done')",
        "CREATE TABLE ai.queue (id serial PRIMARY KEY, "
        "status ai.status NOT NULL DEFAULT 'pending')",
        "CREATE INDEX queue_status ON ai.queue (status)",
        "INSERT INTO ai.queue (status) VALUES ('pending'), ('it''s'), ('done')",
    )


def test_enum_to_check_online_and_offline(db_url: str, second_db_url: str) -> None:
    for url in (db_url, second_db_url):
        setup_enum_table(url)

    run_online(db_url, lambda op: op.enum_to_check("queue", "status", schema="ai"))

    def offline(op: Any) -> None:
        op.enum_to_check(
            "queue", "status", schema="ai", type_name="status",
            values=["pending", "it's", "done"],
        )

    script = render_offline(offline)
    not_valid = script.index("NOT VALID")
    validate = script.index("VALIDATE CONSTRAINT")
    assert "COMMIT;" in script[not_valid:validate] and "BEGIN;" in script[not_valid:validate]
    apply_script(second_db_url, script)

    for url in (db_url, second_db_url):
        assert enum_snapshot(url) == {}  # the type was dropped: nothing else used it
        columns = {c[2]: c for c in column_snapshot(url)}
        assert columns["status"][4] == "text"
        assert columns["status"][5] == "'pending'::text"  # the default is kept
        assert columns["status"][6] == "NO"  # NOT NULL kept
        assert [r[0] for r in query(url, INDEXES_SQL)] == ["queue_pkey", "queue_status"]
        assert [(r[0], r[2]) for r in query(url, CHECKS_SQL)] == [
            ("ck_queue_status_enum", True)
        ]
        with pytest.raises(Exception, match="violates check constraint"):
            execute(url, "INSERT INTO ai.queue (status) VALUES ('other')")
        execute(url, "INSERT INTO ai.queue DEFAULT VALUES")
    assert state(db_url) == state(second_db_url)


def test_enum_to_check_keeps_a_type_still_in_use(db_url: str) -> None:
    setup_enum_table(db_url)
    execute(db_url, "CREATE TABLE ai.other (s ai.status)")
    run_online(
        db_url, lambda op: op.enum_to_check("queue", "status", schema="ai", length=20)
    )
    assert enum_snapshot(db_url) == {("ai", "status"): ("pending", "it's", "done")}
    columns = {(c[1], c[2]): c for c in column_snapshot(db_url)}
    assert columns[("queue", "status")][4] == "varchar"
    assert columns[("other", "s")][4] == "status"


def test_enum_to_check_rerun_after_interruption(db_url: str) -> None:
    setup_enum_table(db_url)
    script = render_offline(
        lambda op: op.enum_to_check(
            "queue", "status", schema="ai", type_name="status",
            values=["pending", "it's", "done"],
        )
    )
    cut = script.index("COMMIT;", script.index("NOT VALID")) + len("COMMIT;")
    apply_script(db_url, script[:cut])  # converted, CHECK not validated, type kept
    assert [(r[0], r[2]) for r in query(db_url, CHECKS_SQL)] == [("ck_queue_status_enum", False)]
    assert ("ai", "status") in enum_snapshot(db_url)

    def finish(op: Any) -> None:
        op.enum_to_check(
            "queue", "status", schema="ai", type_name="status",
            values=["pending", "it's", "done"],
        )

    run_online(db_url, finish)
    assert [(r[0], r[2]) for r in query(db_url, CHECKS_SQL)] == [("ck_queue_status_enum", True)]
    assert enum_snapshot(db_url) == {}
    apply_script(db_url, script)  # the whole script again: nothing left to do
    assert [(r[0], r[2]) for r in query(db_url, CHECKS_SQL)] == [("ck_queue_status_enum", True)]


def test_enum_to_check_errors(db_url: str) -> None:
    setup_enum_table(db_url)
    execute(
        db_url,
        "CREATE TABLE ai.t (n int, s text, "
        "e ai.status DEFAULT (CASE WHEN random() < 2 THEN 'done' END)::ai.status)",
    )
    with pytest.raises(InvalidEnumInputError, match="offline"):
        render_offline(lambda op: op.enum_to_check("queue", "status", schema="ai"))
    with pytest.raises(EnumStateError, match="has type integer, not a native enum"):
        run_online(db_url, lambda op: op.enum_to_check("t", "n", schema="ai"))
    with pytest.raises(EnumStateError, match="pass type_name= and values="):
        run_online(db_url, lambda op: op.enum_to_check("t", "s", schema="ai"))
    with pytest.raises(EnumStateError, match=r"uses enum ai\.status, not ai\.other"):
        run_online(
            db_url, lambda op: op.enum_to_check("queue", "status", schema="ai", type_name="other")
        )
    with pytest.raises(EnumStateError, match="has labels"):
        run_online(
            db_url, lambda op: op.enum_to_check("queue", "status", schema="ai", values=["x"])
        )
    with pytest.raises(Exception, match="is not a constant"):
        run_online(db_url, lambda op: op.enum_to_check("t", "e", schema="ai"))
    with pytest.raises(InvalidEnumInputError, match="shorter than the longest value"):
        EnumToCheckOp("t", "c", values=["abc"], length=2)
    with pytest.raises(InvalidEnumInputError, match="positive integer"):
        EnumToCheckOp("t", "c", length=0)
    with pytest.raises(InvalidEnumInputError, match="pass type_name"):
        EnumToCheckOp("t", "c").reverse()


def setup_check_table(url: str) -> None:
    execute(
        url,
        "CREATE SCHEMA ai",
        "CREATE TABLE ai.queue (id serial PRIMARY KEY, "
        "status varchar(20) NOT NULL DEFAULT 'pending' "
        "CONSTRAINT ck_queue_status_enum CHECK (status IN ('pending', 'it''s', 'done')))",
        "CREATE INDEX queue_status ON ai.queue (status)",
        "INSERT INTO ai.queue (status) VALUES ('pending'), ('it''s'), ('done')",
    )


def test_check_to_enum_online_and_offline(db_url: str, second_db_url: str) -> None:
    for url in (db_url, second_db_url):
        setup_check_table(url)

    def migration(op: Any) -> None:
        op.check_to_enum("queue", "status", "status", ["pending", "it's", "done"], schema="ai")

    run_online(db_url, migration)
    apply_script(second_db_url, render_offline(migration))
    for url in (db_url, second_db_url):
        assert enum_snapshot(url) == {("ai", "status"): ("pending", "it's", "done")}
        columns = {c[2]: c for c in column_snapshot(url)}
        assert columns["status"][3:5] == ("ai", "status")
        assert columns["status"][5] == "'pending'::ai.status"
        assert columns["status"][6] == "NO"
        assert [r[0] for r in query(url, INDEXES_SQL)] == ["queue_pkey", "queue_status"]
        assert query(url, CHECKS_SQL) == []  # the type enforces the set now
        execute(url, "INSERT INTO ai.queue DEFAULT VALUES")
    assert state(db_url) == state(second_db_url)


def test_check_to_enum_refuses_values_outside(db_url: str, second_db_url: str) -> None:
    for url in (db_url, second_db_url):
        setup_check_table(url)
    before = state(db_url)
    refusal = r"ai\.queue, column status(.|\n)*\"it's\": 1 row\(s\)"
    with pytest.raises(UnsafeOperationError, match=refusal):
        run_online(
            db_url,
            lambda op: op.check_to_enum("queue", "status", "status", ["pending", "done"],
                                        schema="ai"),
        )
    assert state(db_url) == before
    script = render_offline(
        lambda op: op.check_to_enum("queue", "status", "status", ["pending", "done"],
                                    schema="ai")
    )
    with pytest.raises(AssertionError, match=r"column status(.|\n)*1 row"):
        apply_script(second_db_url, script)
    assert state(second_db_url) == before


def test_round_trip_through_reverse(db_url: str) -> None:
    setup_enum_table(db_url)
    before = state(db_url)
    forward = EnumToCheckOp(
        "queue", "status", schema="ai", type_name="status", values=["pending", "it's", "done"],
        constraint_name="queue_status_allowed",
    )
    run_online(db_url, lambda op: op.invoke(forward))
    assert [r[0] for r in query(db_url, CHECKS_SQL)] == ["queue_status_allowed"]
    backward = forward.reverse()
    assert isinstance(backward, CheckToEnumOp)
    run_online(db_url, lambda op: op.invoke(backward))
    assert state(db_url) == before
    assert backward.reverse().to_diff_tuple() == forward.to_diff_tuple()


def test_check_to_enum_script_rerun_is_harmless(db_url: str) -> None:
    setup_check_table(db_url)
    script = render_offline(
        lambda op: op.check_to_enum(
            "queue", "status", "status", ["pending", "it's", "done"], schema="ai"
        )
    )
    apply_script(db_url, script)
    after = state(db_url)
    apply_script(db_url, script)
    assert state(db_url) == after
    assert enum_snapshot(db_url) == {("ai", "status"): ("pending", "it's", "done")}


def test_every_conversion_refusal(db_url: str) -> None:
    setup_enum_table(db_url)
    execute(
        db_url,
        "CREATE TYPE ai.other AS ENUM ('z')",
        "CREATE TABLE ai.t (n int, o ai.other, s text)",
    )
    with pytest.raises(EnumStateError, match="use enum_swap for native enums"):
        run_online(
            db_url, lambda op: op.check_enum_set_values("queue", "status", ["a"], schema="ai")
        )
    with pytest.raises(EnumStateError, match="has type integer"):
        run_online(db_url, lambda op: op.check_to_enum("t", "n", "st", ["a"], schema="ai"))
    with pytest.raises(EnumStateError, match=r"native enum ai\.other; it is not a text"):
        run_online(db_url, lambda op: op.check_to_enum("t", "o", "st", ["a"], schema="ai"))
    with pytest.raises(EnumStateError, match=r"enum ai\.missing does not exist"):
        run_online(
            db_url,
            lambda op: op.check_to_enum(
                "t", "s", "missing", ["a"], schema="ai", create_type=False
            ),
        )
    # the DO blocks of offline scripts refuse with the same facts
    wrong_labels = render_offline(
        lambda op: op.enum_to_check(
            "queue", "status", schema="ai", type_name="status", values=["pending"]
        )
    )
    with pytest.raises(AssertionError, match=r"enum ai\.status has labels .* expected"):
        apply_script(db_url, wrong_labels)
    wrong_type = render_offline(
        lambda op: op.enum_to_check("t", "n", schema="ai", type_name="st", values=["a"])
    )
    with pytest.raises(AssertionError, match=r"column n of table ai\.t has type integer"):
        apply_script(db_url, wrong_type)
    no_column = render_offline(
        lambda op: op.check_to_enum("t", "nope", "st", ["a"], schema="ai", create_type=False)
    )
    with pytest.raises(AssertionError, match=r"column nope of table ai\.t does not exist"):
        apply_script(db_url, no_column)
    not_text = render_offline(
        lambda op: op.check_to_enum("t", "n", "st", ["a"], schema="ai", create_type=False)
    )
    with pytest.raises(AssertionError, match=r"neither a text type nor the enum ai\.st"):
        apply_script(db_url, not_text)


def test_type_still_used_is_kept_with_a_notice_offline(db_url: str) -> None:
    setup_enum_table(db_url)
    execute(db_url, "CREATE VIEW ai.v AS SELECT 'done'::ai.status AS s")
    result = apply_script(
        db_url,
        render_offline(
            lambda op: op.enum_to_check(
                "queue", "status", schema="ai", type_name="status",
                values=["pending", "it's", "done"],
            )
        ),
    )
    assert "enum ai.status is still used by other objects; it was not dropped" in result.stderr
    assert ("ai", "status") in enum_snapshot(db_url)


def test_conversion_blocked_by_a_view_changes_nothing(db_url: str) -> None:
    setup_enum_table(db_url)
    execute(db_url, "CREATE VIEW ai.pending AS SELECT id FROM ai.queue WHERE status = 'pending'")
    before = state(db_url)
    with pytest.raises(Exception, match="used by a view or rule"):
        run_online(db_url, lambda op: op.enum_to_check("queue", "status", schema="ai"))
    assert state(db_url) == before


def test_check_to_enum_existing_length_round_trips_through_reverse() -> None:
    """``existing_length`` is what the reverse (and so a downgrade) restores."""
    forward = CheckToEnumOp("q", "kind", "kind", ["x", "yy"], schema="ai", existing_length=10)
    back = forward.reverse()
    assert isinstance(back, EnumToCheckOp) and back.length == 10
    assert back.reverse().existing_length == 10
    assert CheckToEnumOp("q", "kind", "kind", ["x"]).reverse().length is None
    # a label outgrowing the old varchar(n): the downgrade goes to text, never fails
    outgrown = CheckToEnumOp("q", "kind", "kind", ["x", "yyy"], existing_length=2)
    assert outgrown.reverse().length is None
    with pytest.raises(InvalidEnumInputError, match="existing_length must be a positive integer"):
        CheckToEnumOp("q", "kind", "kind", ["x"], existing_length=True)
