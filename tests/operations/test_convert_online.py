"""``enum_to_check`` / ``check_to_enum`` with ``online=True`` against a live server: the
same end state as the rewrite conversion (column position aside), its ``--sql``
replay (psql ``\\gexec``) equal to the online run, the round trip through
``reverse()``, every refusal with nothing changed, resuming after an interruption
and ``online-cleanup --column``.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext

from alembic_enum_ops import EnumOpsError, EnumOpsOptions, EnumStateError, UnsafeOperationError
from alembic_enum_ops.catalog.online import MARKER, read_online_leftovers
from alembic_enum_ops.cli import main as cli_main
from alembic_enum_ops.ddl.online.convert import plan_online_conversion
from alembic_enum_ops.ddl.plan import Plan
from alembic_enum_ops.ddl.runner import run_plan
from alembic_enum_ops.operations import CheckToEnumOp, EnumToCheckOp
from tests.support.catalog import enum_snapshot, execute, query, snapshot
from tests.support.migrate import apply_script, render_offline, run_online

SETUP = [
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'enum_ops_conv_reader') THEN
            CREATE ROLE enum_ops_conv_reader;
        END IF;
    END $$""",
    "CREATE SCHEMA ai",
    "CREATE TYPE ai.status AS ENUM ('pending', 'it''s', 'done')",
    """CREATE TABLE ai.queue (
        id int NOT NULL,
        status ai.status NOT NULL DEFAULT 'it''s',
        note text,
        CONSTRAINT queue_pk PRIMARY KEY (id, status)
    )""",
    "COMMENT ON COLUMN ai.queue.status IS 'where the job is'",
    "GRANT SELECT (status) ON ai.queue TO enum_ops_conv_reader",
    "CREATE INDEX queue_status ON ai.queue (status) INCLUDE (note)",
    "CREATE UNIQUE INDEX queue_note_status ON ai.queue (note, status) WHERE note IS NOT NULL",
    """CREATE TABLE ai.events (id int, status ai.status, at date NOT NULL)
       PARTITION BY RANGE (at)""",
    "CREATE TABLE ai.events_2024 PARTITION OF ai.events "
    "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    "CREATE TABLE ai.events_2025 PARTITION OF ai.events "
    "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
    "CREATE INDEX events_status ON ai.events (status)",
    """INSERT INTO ai.queue
       SELECT g, (ARRAY['pending', 'it''s', 'done'])[1 + g % 3]::ai.status,
              CASE WHEN g % 2 = 0 THEN 'n' || g END
         FROM generate_series(1, 500) g""",
    """INSERT INTO ai.events
       SELECT g, CASE WHEN g % 4 = 0 THEN NULL ELSE 'done' END::ai.status,
              DATE '2024-06-01' + g FROM generate_series(1, 300) g""",
]
DATA = ["ai.queue", "ai.events"]
LABELS = ["pending", "it's", "done"]


def _setup(*urls: str) -> None:
    for url in urls:
        execute(url, *SETUP)


def to_check(online: bool, table: str = "queue") -> Any:
    def fn(op: Any) -> None:
        op.enum_to_check(table, "status", schema="ai", type_name="status",
                         values=LABELS, drop_type=False, online=online)

    return fn


def to_enum(online: bool, table: str = "queue") -> Any:
    def fn(op: Any) -> None:
        op.check_to_enum(table, "status", "status", LABELS, schema="ai",
                         create_type=False, online=online)

    return fn


def _leftovers(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [item.describe() for item in read_online_leftovers(connection)]
    finally:
        engine.dispose()


@pytest.mark.parametrize("table", ["queue", "events"])
def test_online_conversions_equal_the_rewrite_and_the_sql_replay(
    db_url: str, second_db_url: str, third_db_url: str, table: str
) -> None:
    _setup(db_url, second_db_url, third_db_url)
    before = snapshot(db_url, DATA, any_column_order=True)

    run_online(db_url, to_check(True, table), enum_ops={"online_batch_size": 50})
    run_online(second_db_url, to_check(False, table))
    online = snapshot(db_url, DATA, any_column_order=True)
    assert online == snapshot(second_db_url, DATA, any_column_order=True)
    assert _leftovers(db_url) == []
    column = f"SELECT format_type(atttypid, atttypmod), attnotnull FROM pg_attribute " \
             f"WHERE attrelid = 'ai.{table}'::regclass AND attname = 'status'"
    assert query(db_url, column) == [("text", table == "queue")]

    script = render_offline(to_check(True, table))
    assert "\\gexec" in script
    apply_script(third_db_url, script)
    assert snapshot(third_db_url, DATA, any_column_order=True) == online

    # and back: the enum again, the CHECK gone, everything else as before
    run_online(db_url, to_enum(True, table))
    run_online(second_db_url, to_enum(False, table))
    back = snapshot(db_url, DATA, any_column_order=True)
    assert back == snapshot(second_db_url, DATA, any_column_order=True)
    assert back == before
    assert _leftovers(db_url) == []
    apply_script(third_db_url, render_offline(to_enum(True, table)))
    assert snapshot(third_db_url, DATA, any_column_order=True) == before


def test_online_round_trip_through_reverse_creates_and_drops_the_type(db_url: str) -> None:
    _setup(db_url)
    op = EnumToCheckOp("queue", "status", schema="ai", type_name="status", values=LABELS,
                       length=20, online=True)
    execute(db_url, "DROP TABLE ai.events")
    run_online(db_url, lambda o: o.invoke(op))
    assert enum_snapshot(db_url) == {}  # dropped: nothing uses it any more
    assert query(db_url, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                 "WHERE attrelid = 'ai.queue'::regclass AND attname = 'status'") == [
        ("character varying(20)",)
    ]
    reverse = op.reverse()
    assert isinstance(reverse, CheckToEnumOp) and reverse.online
    run_online(db_url, lambda o: o.invoke(reverse))
    assert enum_snapshot(db_url) == {("ai", "status"): tuple(LABELS)}
    assert query(db_url, "SELECT status::text, count(*) FROM ai.queue GROUP BY 1 ORDER BY 1") \
        == [("done", 167), ("it's", 167), ("pending", 166)]
    assert _leftovers(db_url) == []


def test_check_to_enum_online_refuses_values_outside(db_url: str, second_db_url: str) -> None:
    setup = [
        "CREATE TABLE q (id int, state varchar(20) CONSTRAINT ck_q_state_enum "
        "CHECK (state::text = ANY (ARRAY['a', 'b', 'x']::text[])))",
        "INSERT INTO q VALUES (1, 'a'), (2, 'x'), (3, 'x')",
    ]
    execute(db_url, *setup)
    execute(second_db_url, *setup)

    def fn(op: Any) -> None:
        op.check_to_enum("q", "state", "st", ["a", "b"], schema="public", online=True)

    before = snapshot(db_url)
    with pytest.raises(UnsafeOperationError, match=r"(?s)public\.q, column state.*'x': 2 row"):
        run_online(db_url, fn)
    assert snapshot(db_url) == before
    # offline: the script refuses when applied, before it creates anything
    before = snapshot(second_db_url)
    with pytest.raises(AssertionError, match="'x'"):
        apply_script(second_db_url, render_offline(fn))
    assert snapshot(second_db_url) == before


def test_check_to_enum_online_without_the_type_refuses(db_url: str) -> None:
    execute(db_url, "CREATE TABLE q (id int, state text)")
    with pytest.raises(EnumStateError, match=r"public\.st"):
        run_online(db_url, lambda op: op.check_to_enum(
            "q", "state", "st", ["a"], schema="public", create_type=False, online=True))
    before = snapshot(db_url)
    with pytest.raises(AssertionError, match=r"enum public\.st does not exist"):
        apply_script(db_url, render_offline(lambda op: op.check_to_enum(
            "q", "state", "st", ["a"], schema="public", create_type=False, online=True)))
    assert snapshot(db_url) == before


# What neither conversion can carry over, refused before anything changes.
REFUSALS = [
    pytest.param("enum_to_check",
                 ["CREATE VIEW v AS SELECT id, s FROM t"], r"view public\.v\n", id="view"),
    pytest.param("enum_to_check",
                 ["CREATE INDEX t_a ON t (id) WHERE s = 'a'"],
                 r"index public\.t_a \(its expression or predicate reads column s\)",
                 id="partial index on the column"),
    pytest.param("enum_to_check",
                 ["ALTER TABLE t ADD CONSTRAINT t_not_c CHECK (s <> 'c')"],
                 r"constraint t_not_c on public\.t \(a CHECK on column s\)", id="CHECK"),
    pytest.param("enum_to_check",
                 ["CREATE TABLE p (id int, s st, UNIQUE (id, s))",
                  "INSERT INTO p VALUES (1, 'a')",
                  "ALTER TABLE t ADD FOREIGN KEY (id, s) REFERENCES p (id, s)"],
                 r"constraint t_id_s_fkey on table public\.t", id="foreign key"),
    pytest.param("enum_to_check",
                 ["ALTER TABLE t ADD COLUMN g boolean GENERATED ALWAYS AS (s = 'a') STORED"],
                 r"generated column g of table public\.t", id="generated column"),
    pytest.param("enum_to_check",
                 ["ALTER TABLE t ENABLE ROW LEVEL SECURITY",
                  "CREATE POLICY only_a ON t USING (s = 'a')"],
                 r"policy only_a on table public\.t", id="policy"),
    pytest.param("enum_to_check",
                 ["CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS "
                  "'BEGIN RETURN NEW; END'",
                  "CREATE TRIGGER tg BEFORE UPDATE OF s ON t FOR EACH ROW EXECUTE FUNCTION f()"],
                 r"trigger tg on table public\.t", id="trigger UPDATE OF"),
    pytest.param("enum_to_check",
                 ["CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS "
                  "'BEGIN NEW.s := ''b''; RETURN NEW; END'",
                  # sorts after '~eo_online_...' (bytes): it would fire after the sync
                  'CREATE TRIGGER "ωsettle" BEFORE INSERT ON t FOR EACH ROW '
                  "EXECUTE FUNCTION f()"],
                 r"trigger \"ωsettle\" on table public\.t \(it fires after the online "
                 r"conversion's sync trigger \"~eo_online_\w+\" and may change column s",
                 id="BEFORE trigger firing after the sync trigger"),
    pytest.param("enum_to_check",
                 ["CREATE STATISTICS t_stats (ndistinct) ON id, s FROM t"],
                 r"statistics object public\.t_stats", id="statistics"),
    pytest.param("enum_to_check",
                 ["ALTER TABLE t ALTER COLUMN s SET DEFAULT (CASE WHEN random() < 2 "
                  "THEN 'a' END)::st"],
                 r"(?s)the default of column s .*not a constant", id="volatile default"),
    pytest.param("enum_to_check",
                 ["CREATE TABLE heir (x int) INHERITS (t)"],
                 r"table public\.t has inheritance children", id="inheritance"),
    pytest.param("check_to_enum",
                 ["CREATE INDEX t_s_pattern ON t (s text_pattern_ops)"],
                 r"index public\.t_s_pattern \(its operator class or collation",
                 id="text operator class"),
    pytest.param("check_to_enum",
                 ["ALTER TABLE t ADD CONSTRAINT t_s_short CHECK (length(s) < 5)"],
                 r"constraint t_s_short on public\.t \(a CHECK on column s\)",
                 id="another CHECK"),
]


@pytest.mark.parametrize(("direction", "setup", "message"), REFUSALS)
def test_online_conversion_refuses_what_it_cannot_carry(
    db_url: str, direction: str, setup: list[str], message: str
) -> None:
    if direction == "enum_to_check":
        execute(db_url, "CREATE TYPE st AS ENUM ('a', 'b', 'c')",
                "CREATE TABLE t (id int, s st)", "INSERT INTO t VALUES (1, 'a')", *setup)

        def fn(op: Any) -> None:
            op.enum_to_check("t", "s", schema="public", type_name="st",
                             values=["a", "b", "c"], online=True)
    else:
        execute(db_url, "CREATE TABLE t (id int, s text CONSTRAINT ck_t_s_enum "
                "CHECK (s::text = ANY (ARRAY['a', 'b']::text[])))",
                "INSERT INTO t VALUES (1, 'a')", *setup)

        def fn(op: Any) -> None:
            op.check_to_enum("t", "s", "st", ["a", "b"], schema="public", online=True)

    before = snapshot(db_url)
    with pytest.raises(EnumOpsError, match=message) as refused:
        run_online(db_url, fn)
    assert "refusing to convert column public.t.s online" in str(refused.value)
    assert "nothing was changed" in str(refused.value)
    assert snapshot(db_url) == before


def _plan(url: str) -> Plan:
    return plan_online_conversion(
        sa.create_engine(url).dialect, "ai", "queue", "status", direction="enum_to_check",
        type_schema="ai", type_name="status", values=LABELS,
        constraint_name="ck_queue_status_enum", lock_timeout="2s", batch_size=40,
        batch_pause=0.0,
    )


def _run_steps(url: str, plan: Plan, stop: int) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            run_plan(MigrationContext.configure(connection),
                     Plan(plan.description, plan.steps[:stop]), EnumOpsOptions())
    finally:
        engine.dispose()


@pytest.mark.parametrize("stop", [1, 2, 3, 4, 5])
def test_interrupted_online_conversion_resumes_or_is_cleaned_up(
    db_url: str, second_db_url: str, stop: int
) -> None:
    """Stopped after each phase, written to meanwhile: run again it ends as an
    uninterrupted run; given up, ``online-cleanup --column`` leaves the table as it
    was (the rows written meanwhile kept)."""
    _setup(db_url, second_db_url)
    _run_steps(db_url, _plan(db_url), stop)
    assert _leftovers(db_url)  # mid-way: the shadow column, the trigger...
    for url in (db_url, second_db_url):
        execute(url, "INSERT INTO ai.queue (id, status, note) VALUES (1000, 'done', 'late')",
                "UPDATE ai.queue SET status = 'pending' WHERE id = 3")
    before = snapshot(second_db_url, DATA, any_column_order=True)

    # the cut-over alone refuses until every phase is done
    if stop < 5:
        with pytest.raises(EnumStateError, match="not ready to finish"):  # EO002
            _run_steps(db_url, Plan("cut-over", (_plan(db_url).steps[5],)), 1)

    if stop % 2:
        run_online(db_url, to_check(True))
        run_online(second_db_url, to_check(False))
        assert snapshot(db_url, DATA, any_column_order=True) == snapshot(
            second_db_url, DATA, any_column_order=True
        )
    else:
        assert cli_main(["online-cleanup", "--url", db_url,
                         "--column", "ai.queue.status"]) == 0
        assert snapshot(db_url, DATA, any_column_order=True) == before
    assert _leftovers(db_url) == []


def test_the_conversions_mark_what_they_create(db_url: str) -> None:
    _setup(db_url)
    _run_steps(db_url, _plan(db_url), 5)
    comments = query(db_url, "SELECT description FROM pg_description "
                     "WHERE starts_with(description, :m) ORDER BY 1", m=MARKER)
    assert comments and all(c[0].endswith("(column ai.queue.status)") or
                            '"subject": "column ai.queue.status"' in c[0] for c in comments)
    with pytest.raises(EnumOpsError, match="is already text; to finish an interrupted"):
        run_online(db_url, lambda op: op.enum_to_check("queue", "note", schema="ai",
                                                       online=True))
