"""The v2 swap (``enum_swap`` / ``enum_remove_value``) against a live server.

Every scenario runs online, and where it matters the same operations are rendered to
an ``--sql`` script, replayed with psql on a second database built the same way, and
compared catalog for catalog and row for row.
"""

from __future__ import annotations

from typing import Any

from alembic_enum_ops.operations import RemoveEnumValueOp, SwapEnumOp
from tests.support.catalog import enum_snapshot, execute, query, snapshot
from tests.support.migrate import apply_script, render_offline, run_online

ROLES = """
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'enum_ops_swap_owner') THEN
        CREATE ROLE enum_ops_swap_owner;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'enum_ops_swap_reader') THEN
        CREATE ROLE enum_ops_swap_reader;
    END IF;
END $$
"""

# Every dependent kind in one database: two schemas, an array column with a default,
# a partial index, a CHECK, a view over a view, materialized views (populated with an
# index, and not populated), a partitioned table, a domain, a foreign key, grants,
# owners and comments.  Nothing here is "in the metadata": the swap finds it all.
ALL_TOGETHER = [
    ROLES,
    "CREATE SCHEMA ai",
    "CREATE SCHEMA billing",
    "CREATE TYPE ai.status AS ENUM ('pending', 'running', 'done', 'failed', 'archived')",
    "COMMENT ON TYPE ai.status IS 'job status'",
    "ALTER TYPE ai.status OWNER TO enum_ops_swap_owner",
    "REVOKE ALL ON TYPE ai.status FROM PUBLIC",
    "GRANT USAGE ON TYPE ai.status TO enum_ops_swap_reader",
    "CREATE DOMAIN billing.job_state AS ai.status DEFAULT 'pending' "
    "CONSTRAINT job_state_not_failed CHECK (VALUE <> 'failed')",
    "COMMENT ON DOMAIN billing.job_state IS 'a state billing accepts'",
    """CREATE TABLE ai.queue (
        id int PRIMARY KEY,
        status ai.status NOT NULL DEFAULT 'pending',
        history ai.status[] DEFAULT '{pending}',
        note text,
        CONSTRAINT failed_needs_note CHECK (status <> 'failed' OR note IS NOT NULL)
    )""",
    "COMMENT ON COLUMN ai.queue.status IS 'where the job is'",
    "COMMENT ON CONSTRAINT failed_needs_note ON ai.queue IS 'explain failures'",
    "CREATE INDEX queue_active ON ai.queue (id) WHERE status IN ('pending', 'running')",
    "COMMENT ON INDEX ai.queue_active IS 'hot rows'",
    "CREATE UNIQUE INDEX queue_id_status ON ai.queue (id, status)",
    """CREATE TABLE ai.events (
        id int, status ai.status DEFAULT 'running', at date NOT NULL
    ) PARTITION BY RANGE (at)""",
    "CREATE TABLE ai.events_2024 PARTITION OF ai.events "
    "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    "CREATE TABLE ai.events_2025 PARTITION OF ai.events "
    "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
    "CREATE INDEX events_archived ON ai.events (at) WHERE status = 'archived'",
    """CREATE TABLE billing.invoice (
        id int PRIMARY KEY,
        state billing.job_state,
        job_id int,
        job_status ai.status,
        CONSTRAINT invoice_job FOREIGN KEY (job_id, job_status) REFERENCES ai.queue (id, status)
    )""",
    "CREATE VIEW ai.live_jobs AS SELECT id, status, history FROM ai.queue "
    "WHERE status <> 'archived'",
    "CREATE VIEW billing.live_summary WITH (security_barrier = true) AS "
    "SELECT status, count(*) AS n FROM ai.live_jobs GROUP BY status",
    "GRANT USAGE ON SCHEMA ai TO enum_ops_swap_owner",
    "GRANT SELECT ON ai.live_jobs TO enum_ops_swap_owner",
    "ALTER VIEW billing.live_summary OWNER TO enum_ops_swap_owner",
    "COMMENT ON VIEW billing.live_summary IS 'counts of live jobs'",
    "COMMENT ON COLUMN billing.live_summary.n IS 'how many'",
    "GRANT SELECT ON billing.live_summary TO enum_ops_swap_reader",
    "CREATE MATERIALIZED VIEW billing.status_counts AS "
    "SELECT status, count(*) AS n FROM ai.queue GROUP BY status",
    "CREATE UNIQUE INDEX status_counts_status ON billing.status_counts (status)",
    "GRANT SELECT ON billing.status_counts TO enum_ops_swap_reader",
    "CREATE MATERIALIZED VIEW billing.running_ids AS "
    "SELECT id FROM ai.queue WHERE status = 'running' WITH NO DATA",
    """INSERT INTO ai.queue VALUES
        (1, 'pending', '{pending}', NULL),
        (2, 'running', '{pending,running}', NULL),
        (3, 'done', '{pending,running,done}', NULL),
        (4, 'failed', '{pending,failed}', 'boom'),
        (5, 'archived', '{pending,done,archived}', NULL),
        (6, 'archived', NULL, NULL),
        (7, 'done', '{}', NULL)""",
    """INSERT INTO ai.events VALUES
        (1, 'archived', '2024-03-01'), (2, 'done', '2024-05-01'), (3, 'running', '2025-02-01')""",
    """INSERT INTO billing.invoice VALUES
        (1, 'done', 3, 'done'), (2, 'archived', 5, 'archived'), (3, NULL, NULL, NULL)""",
    "REFRESH MATERIALIZED VIEW billing.status_counts",
]

DATA = [
    "ai.queue",
    "ai.events",
    "billing.invoice",
    "ai.live_jobs",
    "billing.live_summary",
    "billing.status_counts",
]


def _remap(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(v.replace("'archived'", "'done'") if isinstance(v, str) else v for v in row)


def remove_archived(op: Any) -> None:
    op.enum_swap(
        "status",
        ["pending", "running", "done", "failed"],
        schema="ai",
        mapping={"archived": "done"},
        old_values=["pending", "running", "done", "failed", "archived"],
    )


def test_every_dependent_kind_together_online_equals_offline(
    db_url: str, second_db_url: str
) -> None:
    execute(db_url, *ALL_TOGETHER)
    execute(second_db_url, *ALL_TOGETHER)
    before = snapshot(db_url, DATA)

    run_online(db_url, remove_archived)
    after = snapshot(db_url, DATA)

    # the type: new labels, same name, owner, comment and grants
    assert enum_snapshot(db_url) == {("ai", "status"): ("pending", "running", "done", "failed")}
    types_before = {t[1]: t for t in before["types"]}
    types_after = {t[1]: t for t in after["types"]}
    assert types_after["status"][3] == ["pending", "running", "done", "failed"]
    assert types_after["status"][7:] == (
        "enum_ops_swap_owner", "job status", ["enum_ops_swap_owner=U/enum_ops_swap_owner",
                                              "enum_ops_swap_reader=U/enum_ops_swap_owner"],
    )
    assert types_after["status"][7:] == types_before["status"][7:]
    # the domain: carried over with its default, constraint and comment
    assert types_after["job_state"] == types_before["job_state"]
    assert after["constraints"] == before["constraints"]
    # data remapped: archived -> done, in plain, array, partitioned and domain columns
    assert after["data ai.queue"] == [
        '(1,pending,{pending},)',
        '(2,running,"{pending,running}",)',
        '(3,done,"{pending,running,done}",)',
        '(4,failed,"{pending,failed}",boom)',
        '(5,done,"{pending,done,done}",)',
        '(6,done,,)',
        '(7,done,{},)',
    ]
    assert after["data ai.events"] == ["(1,done,2024-03-01)", "(2,done,2024-05-01)",
                                       "(3,running,2025-02-01)"]
    assert after["data billing.invoice"] == ["(1,done,3,done)", "(2,done,5,done)", "(3,,,)"]
    assert after["data billing.status_counts"] == ["(done,4)", "(failed,1)", "(pending,1)",
                                                   "(running,1)"]
    # definitions: the same, with the mapped literal remapped
    assert after["columns"] == before["columns"]
    assert after["triggers"] == before["triggers"]
    remapped = [_remap(row) for row in before["relations"]]
    assert [r[:9] for r in after["relations"]] == [r[:9] for r in remapped]
    assert after["indexes"] == [_remap(row) for row in before["indexes"]]
    assert "billing.running_ids" not in DATA  # never populated, and still not
    assert [r[8] for r in after["relations"] if r[1] == "running_ids"] == [False]

    script = render_offline(remove_archived)
    assert "archived" in script and "ai.queue" not in script  # found when applied
    apply_script(second_db_url, script)
    assert snapshot(second_db_url, DATA) == after


def test_reorder_and_rename_round_trip_with_downgrade(db_url: str, second_db_url: str) -> None:
    setup = [
        "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
        "CREATE TABLE diary (id int, mood mood DEFAULT 'ok', moods mood[])",
        "INSERT INTO diary VALUES (1, 'sad', '{sad,happy}'), (2, 'ok', NULL), (3, 'happy', '{ok}')",
    ]
    execute(db_url, *setup)
    execute(second_db_url, *setup)
    swap = SwapEnumOp(
        "mood", ["happy", "ok", "blue"], schema="public", mapping={"sad": "blue"},
        old_values=["sad", "ok", "happy"],
    )
    before = snapshot(db_url, ["public.diary"])

    run_online(db_url, lambda op: op.invoke(swap))
    assert enum_snapshot(db_url) == {("public", "mood"): ("happy", "ok", "blue")}
    assert query(db_url, "SELECT id, mood::text, moods::text FROM diary ORDER BY id") == [
        (1, "blue", "{blue,happy}"), (2, "ok", None), (3, "happy", "{ok}"),
    ]
    # ordering follows the new label list
    assert query(db_url, "SELECT array_agg(mood::text ORDER BY mood) FROM diary") == [
        (["happy", "ok", "blue"],)
    ]

    run_online(db_url, lambda op: op.invoke(swap.reverse()))
    assert snapshot(db_url, ["public.diary"]) == before

    script = render_offline(lambda op: (op.invoke(swap), op.invoke(swap.reverse())))
    apply_script(second_db_url, script)
    assert snapshot(second_db_url, ["public.diary"]) == before


def test_remove_value_without_mapping_when_unused(db_url: str, second_db_url: str) -> None:
    setup = [
        "CREATE TYPE color AS ENUM ('red', 'green', 'blue')",
        "CREATE TABLE paint (c color NOT NULL DEFAULT 'red', cs color[] DEFAULT '{red}')",
        "INSERT INTO paint VALUES ('red', '{red,blue}'), ('blue', '{}')",
    ]
    execute(db_url, *setup)
    execute(second_db_url, *setup)
    remove = RemoveEnumValueOp("color", "green", schema="public")
    run_online(db_url, lambda op: op.invoke(remove))
    assert enum_snapshot(db_url) == {("public", "color"): ("red", "blue")}
    # offline, the label list is computed from the catalog when the script runs
    apply_script(second_db_url, render_offline(lambda op: op.invoke(remove)))
    assert snapshot(second_db_url, ["public.paint"]) == snapshot(db_url, ["public.paint"])
    # the reverse puts the value back where it was (with old_values known)
    back = RemoveEnumValueOp(
        "color", "green", schema="public", old_values=["red", "green", "blue"]
    ).reverse()
    run_online(db_url, lambda op: op.invoke(back))
    assert enum_snapshot(db_url) == {("public", "color"): ("red", "green", "blue")}


def test_remove_value_with_replacement(db_url: str) -> None:
    execute(
        db_url,
        "CREATE TYPE color AS ENUM ('red', 'green', 'blue')",
        "CREATE TABLE paint (c color, cs color[])",
        "INSERT INTO paint VALUES ('green', '{green,red,green}'), ('red', NULL)",
    )
    run_online(db_url, lambda op: op.enum_remove_value("color", "green", replace_with="blue"))
    assert query(db_url, "SELECT c::text, cs::text FROM paint ORDER BY 1") == [
        ("blue", "{blue,red,blue}"), ("red", None),
    ]


def test_mapping_can_exchange_labels(db_url: str) -> None:
    """{a: b, b: a} swaps values in place, in scalars and arrays (no chaining)."""
    execute(
        db_url,
        "CREATE TYPE ab AS ENUM ('a', 'b', 'c')",
        "CREATE TABLE t (x ab, xs ab[])",
        "INSERT INTO t VALUES ('a', '{a,b,c}'), ('b', '{b}')",
    )
    run_online(db_url, lambda op: op.enum_swap("ab", ["a", "b", "c"], mapping={"a": "b", "b": "a"}))
    assert query(db_url, "SELECT x::text, xs::text FROM t ORDER BY 1") == [
        ("a", "{a}"), ("b", "{b,a,c}"),
    ]


def test_each_table_is_rewritten_once(db_url: str) -> None:
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b', 'c')",
        "CREATE TABLE two (x st, y st, z st[])",
        "CREATE TABLE one (x st)",
        "INSERT INTO two VALUES ('a', 'b', '{c}')",
        "INSERT INTO one VALUES ('b')",
        "CREATE TABLE rewrite_log (rel text)",
        """CREATE FUNCTION log_rewrite() RETURNS event_trigger LANGUAGE plpgsql AS
           $f$ BEGIN INSERT INTO public.rewrite_log
                     VALUES (pg_event_trigger_table_rewrite_oid()::regclass::text); END $f$""",
        "CREATE EVENT TRIGGER enum_ops_log_rewrite ON table_rewrite EXECUTE FUNCTION log_rewrite()",
    )
    try:
        run_online(db_url, lambda op: op.enum_swap("st", ["c", "b", "a"]))
        assert sorted(query(db_url, "SELECT rel FROM rewrite_log")) == [
            ("public.one",), ("public.two",)
        ]
    finally:
        execute(db_url, "DROP EVENT TRIGGER enum_ops_log_rewrite")


def test_same_labels_is_a_no_op(db_url: str) -> None:
    execute(db_url, "CREATE TYPE st AS ENUM ('a', 'b')", "CREATE TABLE t (x st)")
    oid = query(db_url, "SELECT 'st'::regtype::oid")
    run_online(db_url, lambda op: op.enum_swap("st", ["a", "b"]))
    assert query(db_url, "SELECT 'st'::regtype::oid") == oid


def test_add_value_then_swap_in_one_revision(db_url: str, second_db_url: str) -> None:
    """ADD VALUE commits on its own; the swap that follows sees the new label."""
    setup = [
        "CREATE TYPE st AS ENUM ('a', 'b')",
        "CREATE TABLE t (x st)",
        "INSERT INTO t VALUES ('a'), ('b')",
    ]
    execute(db_url, *setup)
    execute(second_db_url, *setup)

    def migration(op: Any) -> None:
        op.enum_add_value("st", "z", schema="public")
        op.execute("UPDATE t SET x = 'z' WHERE x = 'a'")
        op.enum_swap("st", ["z", "b"], schema="public", old_values=["a", "b", "z"])

    run_online(db_url, migration)
    assert enum_snapshot(db_url) == {("public", "st"): ("z", "b")}
    assert query(db_url, "SELECT x::text FROM t ORDER BY 1") == [("b",), ("z",)]
    apply_script(second_db_url, render_offline(migration))
    assert snapshot(second_db_url, ["public.t"]) == snapshot(db_url, ["public.t"])
