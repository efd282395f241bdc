"""The online swap (``online=True``) against a live server: the same end state as the
rewrite swap, column positions aside, with every dependent kind; its ``--sql`` replay
(psql ``\\gexec``) equal to the online run; every refusal; and the sync trigger
refusing a vanishing label written while the conversion is under way.

Writers running throughout, held locks and interruptions are in
tests/reliability/test_online_swap_writers.py.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext

from alembic_enum_ops import EnumOpsError, EnumOpsOptions, EnumStateError
from alembic_enum_ops.cli import main as cli_main
from alembic_enum_ops.ddl.online.swap import MARKER, plan_online_swap
from alembic_enum_ops.ddl.plan import Plan
from alembic_enum_ops.ddl.runner import run_plan
from alembic_enum_ops.errors import InvalidEnumInputError
from alembic_enum_ops.operations import RemoveEnumValueOp, SwapEnumOp
from alembic_enum_ops.operations.executing import Target, plan_operation
from tests.operations.test_swap import ALL_TOGETHER
from tests.support.catalog import enum_snapshot, execute, query, snapshot
from tests.support.databases import create_database, drop_database
from tests.support.migrate import apply_script, render_offline, run_online
from tests.support.oracle import reset_database
from tests.support.server import Server
from tests.support.sessions import lock_held

FOREIGN_KEY = (
    ",\n        CONSTRAINT invoice_job FOREIGN KEY (job_id, job_status) "
    "REFERENCES ai.queue (id, status)"
)

# ALL_TOGETHER without its foreign key (an online swap refuses one: see below), plus a
# GIN index over the array column, an index on a domain column, an expression index,
# a CHECK on a partitioned table, a NOT NULL domain column and a replica identity.
ONLINE_TOGETHER = [s.replace(FOREIGN_KEY, "") for s in ALL_TOGETHER] + [
    "CREATE INDEX queue_history ON ai.queue USING gin (history)",
    "CREATE INDEX invoice_state ON billing.invoice (state)",
    "CREATE INDEX queue_status_note ON ai.queue (status, (coalesce(note, '')))",
    "ALTER TABLE ai.events ADD CONSTRAINT events_not_failed CHECK (status <> 'failed')",
    "ALTER TABLE ai.queue REPLICA IDENTITY USING INDEX queue_id_status",
    "ALTER TABLE ai.queue CLUSTER ON queue_pkey",
    "GRANT SELECT (status) ON ai.queue TO enum_ops_swap_reader",
]

DATA = [
    "ai.queue",
    "ai.events",
    "billing.invoice",
    "ai.live_jobs",
    "billing.live_summary",
    "billing.status_counts",
]

OLD = ["pending", "running", "done", "failed", "archived"]
NEW = ["pending", "running", "done", "failed"]


def remove_archived(online: bool) -> Any:
    def fn(op: Any) -> None:
        op.enum_swap(
            "status", NEW, schema="ai", mapping={"archived": "done"}, old_values=OLD,
            online=online,
        )

    return fn


def _online_leftovers(url: str) -> list[tuple[Any, ...]]:
    """Every object still carrying the online marker (none after a finished swap)."""
    return query(
        url,
        """
        SELECT classoid::regclass::text, objoid, description FROM pg_description
         WHERE starts_with(description, :marker)
        """,
        marker=MARKER,
    )


def test_online_swap_equals_the_rewrite_swap_and_its_sql_replay(
    db_url: str, second_db_url: str, third_db_url: str
) -> None:
    for url in (db_url, second_db_url, third_db_url):
        execute(url, *ONLINE_TOGETHER)

    run_online(db_url, remove_archived(online=True))
    run_online(second_db_url, remove_archived(online=False))
    online = snapshot(db_url, DATA, any_column_order=True)
    rewrite = snapshot(second_db_url, DATA, any_column_order=True)

    assert enum_snapshot(db_url) == {("ai", "status"): tuple(NEW)}
    assert online == rewrite
    assert _online_leftovers(db_url) == []
    # the converted columns moved to the end of their tables: the one visible difference
    positions = "SELECT attname FROM pg_attribute WHERE attrelid = 'ai.queue'::regclass " \
                "AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
    assert [r[0] for r in query(db_url, positions)] == ["id", "note", "status", "history"]
    assert [r[0] for r in query(second_db_url, positions)] == ["id", "status", "history", "note"]
    # what a rewrite keeps besides the catalog rows the snapshot compares
    facts = """SELECT c.relreplident, i.indexrelid::regclass::text
                 FROM pg_class c JOIN pg_index i ON i.indrelid = c.oid
                WHERE c.oid = 'ai.queue'::regclass AND (i.indisreplident OR i.indisclustered)
                ORDER BY 2"""
    assert query(db_url, facts) == query(second_db_url, facts) == [
        ("i", "ai.queue_id_status"), ("i", "ai.queue_pkey"),
    ]
    # the new columns have statistics (analyzed after the cut-over)
    assert query(
        db_url, "SELECT count(*) FROM pg_stats WHERE schemaname = 'ai' AND tablename = 'queue' "
        "AND attname IN ('status', 'history')"
    ) == [(2,)]

    script = render_offline(remove_archived(online=True))
    assert "\\gexec" in script and "ai.queue" not in script  # found when applied
    apply_script(third_db_url, script)
    assert snapshot(third_db_url, DATA, any_column_order=True) == online
    assert _online_leftovers(third_db_url) == []


def test_reorder_and_rename_online_round_trip_with_downgrade(db_url: str) -> None:
    execute(
        db_url,
        'CREATE SCHEMA "Odd Schema"',
        """CREATE TYPE "Odd Schema"."Mood" AS ENUM ('sad', 'o''k', 'happy')""",
        """CREATE TABLE "Odd Schema"."Diary" (id int PRIMARY KEY, "Mood" "Odd Schema"."Mood"
               NOT NULL DEFAULT 'o''k', moods "Odd Schema"."Mood"[])""",
        """INSERT INTO "Odd Schema"."Diary"
           SELECT g, (ARRAY['sad', 'o''k', 'happy'])[1 + g % 3]::"Odd Schema"."Mood",
                  CASE WHEN g % 2 = 0 THEN ARRAY['sad', 'happy']::"Odd Schema"."Mood"[] END
             FROM generate_series(1, 2000) g""",
    )
    swap = SwapEnumOp(
        "Mood", ["happy", "o'k", "blue"], schema="Odd Schema", mapping={"sad": "blue"},
        old_values=["sad", "o'k", "happy"], online=True,
    )
    counts = """SELECT "Mood"::text, count(*), count(moods) FROM "Odd Schema"."Diary"
                GROUP BY 1 ORDER BY 1"""
    before = query(db_url, counts)
    # small batches: the backfill runs as many committed UPDATEs
    run_online(db_url, lambda op: op.invoke(swap), enum_ops={"online_batch_size": 100})
    assert enum_snapshot(db_url) == {("Odd Schema", "Mood"): ("happy", "o'k", "blue")}
    assert query(db_url, counts) == sorted(
        (label.replace("sad", "blue"), n, m) for label, n, m in before
    )
    assert query(db_url, """SELECT DISTINCT moods::text FROM "Odd Schema"."Diary"
                            WHERE moods IS NOT NULL""") == [("{blue,happy}",)]
    assert query(db_url, """SELECT attnotnull, pg_get_expr(adbin, adrelid)
                              FROM pg_attribute LEFT JOIN pg_attrdef
                                ON adrelid = attrelid AND adnum = attnum
                             WHERE attrelid = '"Odd Schema"."Diary"'::regclass
                               AND attname = 'Mood'""") == [
        (True, """'o''k'::"Odd Schema"."Mood\""""),
    ]

    reverse = swap.reverse()
    assert isinstance(reverse, SwapEnumOp) and reverse.online
    run_online(db_url, lambda op: op.invoke(reverse))
    assert enum_snapshot(db_url) == {("Odd Schema", "Mood"): ("sad", "o'k", "happy")}
    assert _online_leftovers(db_url) == []


def test_remove_value_online_refuses_rows_that_hold_it(db_url: str) -> None:
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b', 'c')",
        "CREATE TABLE t (id int, s st)",
        "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'b')",
    )
    op = RemoveEnumValueOp("st", "b", schema="public", online=True)
    with pytest.raises(EnumOpsError, match=r"public\.t\.s: 2 row\(s\) hold 'b'"):
        run_online(db_url, lambda o: o.invoke(op))
    assert enum_snapshot(db_url) == {("public", "st"): ("a", "b", "c")}
    assert _online_leftovers(db_url) == []
    assert [r[0] for r in query(
        db_url, "SELECT attname FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0"
    )] == ["id", "s"]


# Each kind of object an online swap cannot carry over, the words its refusal must say,
# and whether the rewrite swap (online=False) can carry it, so the refusal offers it.
ONLINE_ONLY = True  # the rewrite swap carries it: the refusal suggests online=False
NEITHER = False  # the rewrite swap refuses it too (or PostgreSQL does): no such advice

PARTITIONED = [
    "CREATE TABLE p (id int, s st) PARTITION BY LIST (id)",
    "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1)",
]
LATE_TRIGGER = [
    "CREATE TABLE t (id int, s st, updated timestamptz)",
    """CREATE FUNCTION settle() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN IF NEW.s = 'a' THEN NEW.s := 'c'; END IF; RETURN NEW; END $$""",
]

REFUSALS = [
    pytest.param(
        ["CREATE TABLE parent (id int, s st, UNIQUE (id, s))",
         "CREATE TABLE child (id int, s st, FOREIGN KEY (id, s) REFERENCES parent (id, s))"],
        r"foreign key .*(parent|child)", ONLINE_ONLY, id="foreign key",
    ),
    pytest.param(
        ["CREATE EXTENSION IF NOT EXISTS btree_gist",
         "CREATE TABLE t (id int, s st, EXCLUDE USING gist (id WITH =, s WITH <>))"],
        r"exclusion constraint", ONLINE_ONLY, id="exclusion constraint",
    ),
    pytest.param(
        ["CREATE EXTENSION IF NOT EXISTS btree_gist", *PARTITIONED,
         "ALTER TABLE p1 ADD CONSTRAINT p1_ex EXCLUDE USING gist (id WITH =, s WITH <>)"],
        r"exclusion constraint p1_ex on table public\.p1", ONLINE_ONLY,
        id="exclusion constraint of a partition alone",
    ),
    pytest.param(
        ["CREATE TABLE p (id int, s st, PRIMARY KEY (id, s)) PARTITION BY LIST (id)",
         "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1)"],
        r"(primary key|unique).*partitioned", ONLINE_ONLY,
        id="unique key on a partitioned table",
    ),
    pytest.param(
        [*PARTITIONED, "ALTER TABLE p1 ADD CONSTRAINT p1_chk CHECK (s IS NOT NULL)"],
        r"constraint p1_chk on partition public\.p1 \(a CHECK of the partition alone",
        ONLINE_ONLY, id="CHECK of a partition alone",
    ),
    pytest.param(
        ["CREATE TABLE t (id int, s st)",
         "CREATE STATISTICS t_stats (ndistinct) ON id, s FROM t"],
        r"statistics", ONLINE_ONLY, id="extended statistics",
    ),
    pytest.param(
        [*PARTITIONED, "CREATE STATISTICS p1_stats (ndistinct) ON id, s FROM p1"],
        r"statistics object public\.p1_stats", ONLINE_ONLY,
        id="extended statistics on a partition",
    ),
    pytest.param(
        ["CREATE TABLE base (id int, s st)", "CREATE TABLE heir (x int) INHERITS (base)"],
        r"inherit", ONLINE_ONLY, id="inheritance",
    ),
    pytest.param(
        ["CREATE TABLE p (id int, s st) PARTITION BY LIST (id)",
         "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1) PARTITION BY LIST (s)",
         "CREATE TABLE p1a PARTITION OF p1 FOR VALUES IN ('a')"],
        r"table public\.p \(it has sub-partitions", ONLINE_ONLY, id="sub-partitioned table",
    ),
    pytest.param(
        ["CREATE TABLE t (id int, s st, n int)",
         "CREATE INDEX t_n ON t (n) WHERE 'a'::st < 'c'::st"],
        r"index public\.t_n \(it uses the type but no column", ONLINE_ONLY,
        id="index using the type off the column",
    ),
    # a BEFORE trigger sorting after the sync trigger ("~eo_online_...": after every
    # ASCII name) may change the column after the shadow was computed: the cut-over
    # would bring back the old value
    pytest.param(
        [*LATE_TRIGGER, 'CREATE TRIGGER "ωsettle" BEFORE INSERT OR UPDATE ON t FOR EACH ROW '
                        "EXECUTE FUNCTION settle()"],
        r'trigger "ωsettle" on table public\.t \(it fires after the online swap\'s sync '
        r'trigger "~eo_online_\w+" and may change column s', ONLINE_ONLY,
        id="BEFORE trigger firing after the sync trigger",
    ),
    pytest.param(
        ["CREATE TABLE p (id int, s st) PARTITION BY LIST (s)",
         "CREATE TABLE p1 PARTITION OF p FOR VALUES IN ('a')"],
        r"partition key", NEITHER, id="partition key",
    ),
    pytest.param(
        ["CREATE TABLE t (id int, s st, g boolean GENERATED ALWAYS AS (s IS NULL) STORED)"],
        r"default value for column g of table public\.t \(reads column s of table public\.t\)",
        NEITHER, id="generated column reading it",
    ),
    # with a literal of the type the generation expression depends on the type, which the
    # rewrite's own check (40_column_users) leaves out: the online swap would fail at
    # its cut-over (cannot drop column s), the rewrite fails on PostgreSQL's error
    pytest.param(
        ["CREATE TABLE t (id int, s st, g boolean GENERATED ALWAYS AS (s = 'a') STORED)"],
        r"default value for column g of table public\.t \(reads column s of table public\.t\)",
        NEITHER, id="generated column reading it with a literal",
    ),
    pytest.param(
        ["CREATE TABLE t (id int, s st)", "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
         "CREATE POLICY p ON t USING (s IS NOT NULL)"],
        r"policy p on table public\.t \(reads column s", NEITHER, id="policy reading it",
    ),
    pytest.param(
        ["CREATE TABLE t (id int, s st)", "CREATE POLICY p ON t USING (s <> 'a')"],
        r"policy p on table public\.t \(uses type public\.st\)", NEITHER,
        id="policy reading it with a literal",
    ),
    pytest.param(
        ["CREATE TYPE comp AS (x st)", "CREATE TABLE t (id int, s st, c comp)"],
        r"column x of composite type public\.comp", NEITHER, id="column of a composite type",
    ),
    pytest.param(
        ["CREATE TABLE t (id int, s st)",
         "CREATE RULE r AS ON INSERT TO t WHERE NEW.s IS NULL DO INSTEAD NOTHING"],
        r"rule r on table public\.t", NEITHER, id="rule",
    ),
    pytest.param(
        ["CREATE TABLE t (id int, s st)",
         "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$",
         "CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW "
         "WHEN (OLD.s IS DISTINCT FROM NEW.s) EXECUTE FUNCTION f()"],
        r"trigger tr on table public\.t \(reads column s", NEITHER,
        id="trigger WHEN clause",
    ),
    pytest.param(
        ["CREATE TABLE t (id int, s st)",
         "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$",
         "CREATE TRIGGER tr BEFORE UPDATE OF s ON t FOR EACH ROW EXECUTE FUNCTION f()"],
        r"trigger tr on table public\.t \(reads column s", NEITHER,
        id="trigger UPDATE OF the column",
    ),
    pytest.param(
        ["CREATE TABLE t (id int, s st)", "CREATE INDEX t_pred ON t (id) WHERE s <> 'b'"],
        r"index public\.t_pred names 'b'", NEITHER, id="index naming a vanishing label",
    ),
    # a column holding the table's row type: after the cut-over its values would read
    # NULL for the swapped-in column (PostgreSQL refuses the rewrite: "uses its row type")
    pytest.param(
        ["CREATE TABLE t (id int, s st)", "CREATE TABLE u (id int, x t)",
         "INSERT INTO u VALUES (1, ROW(1, 'a'))"],
        r"column x of table public\.u \(it holds rows of table public\.t", NEITHER,
        id="row type held by another table",
    ),
    pytest.param(
        [*PARTITIONED, "CREATE TYPE wrap AS (inner_rows p1[])", "CREATE TABLE u (w wrap)"],
        r"column w of table public\.u \(it holds rows of table public\.p1", NEITHER,
        id="row type of a partition held through a composite and an array",
    ),
]


@pytest.fixture(scope="module")
def module_db(pg_server: Server) -> Iterator[str]:
    name = create_database(pg_server, "enum_ops_online")
    try:
        yield pg_server.url_for(name)
    finally:
        drop_database(pg_server, name)


@pytest.fixture
def emptied_db(module_db: str) -> str:
    """The module's database, emptied (every user schema dropped): for the tests below
    that create no role, publication or other database-wide object; creating and
    dropping a database per test costs most of their time."""
    reset_database(module_db)
    return module_db


@pytest.mark.parametrize(("setup", "message", "rewrite_can"), REFUSALS)
def test_online_swap_refuses_what_it_cannot_carry(
    emptied_db: str, setup: list[str], message: str, rewrite_can: bool
) -> None:
    db_url = emptied_db
    execute(db_url, "CREATE TYPE st AS ENUM ('a', 'b', 'c')", *setup)
    before = snapshot(db_url)
    op = SwapEnumOp("st", ["a", "c"], schema="public", old_values=["a", "b", "c"], online=True)
    with pytest.raises(EnumOpsError, match=message) as refused:
        run_online(db_url, lambda o: o.invoke(op))
    # the way out, offered only when there is one: the rewrite swap
    assert ("online=False" in str(refused.value)) == rewrite_can, str(refused.value)
    assert snapshot(db_url) == before
    assert _online_leftovers(db_url) == []


def test_online_swap_refuses_a_column_a_publication_lists(db_url: str) -> None:
    """A publication's column list (PostgreSQL 15+) naming the column: the cut-over's
    DROP COLUMN would fail after every other phase ran (the rewrite fails too)."""
    if int(query(db_url, "SHOW server_version_num")[0][0]) < 150000:
        pytest.skip("publication column lists need PostgreSQL 15")
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b', 'c')",
        "CREATE TABLE t (id int PRIMARY KEY, s st)",
        "CREATE PUBLICATION enum_ops_pub FOR TABLE t (id, s)",
    )
    before = snapshot(db_url)
    with pytest.raises(EnumOpsError, match=(
        r"publication of table public\.t in publication enum_ops_pub \(it depends on "
        r"column s of table public\.t, which an online swap drops at the cut-over"
    )) as refused:
        run_online(db_url, lambda o: o.enum_swap(
            "st", ["a", "c"], schema="public", old_values=["a", "b", "c"], online=True))
    assert "online=False" not in str(refused.value)
    assert snapshot(db_url) == before
    assert _online_leftovers(db_url) == []


def test_online_swap_carries_what_it_may(
    db_url: str, second_db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """What the online swap carries like the rewrite swap: indexes whose expression or
    predicate reads the column with a literal (a partition's own index and unique
    constraint too), a BEFORE trigger firing before the sync trigger, one that does not
    name the column, a function returning the table's rows.  The backfill fires the
    tables' UPDATE triggers (a rewrite fires none): the expand says so."""
    setup = [
        "CREATE TYPE st AS ENUM ('a', 'b', 'c')",
        "CREATE TABLE t (id int PRIMARY KEY, s st, updated timestamptz)",
        "CREATE INDEX t_pred ON t (id) WHERE s <> 'a'",
        "CREATE INDEX t_expr ON t ((s = 'c'))",
        *PARTITIONED,
        "CREATE INDEX p1_pred ON p1 (id) WHERE s = 'b'",
        "ALTER TABLE p1 ADD CONSTRAINT p1_uq UNIQUE (id, s)",
        """CREATE FUNCTION settle() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN IF NEW.s = 'a' THEN NEW.s := 'c'; END IF; RETURN NEW; END $$""",
        "CREATE TRIGGER a_settle BEFORE INSERT OR UPDATE ON t FOR EACH ROW "
        "EXECUTE FUNCTION settle()",
        """CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN NEW.updated := now(); RETURN NEW; END $$""",
        "CREATE TRIGGER z_stamp BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION stamp()",
        "CREATE FUNCTION t_rows() RETURNS SETOF t LANGUAGE sql AS 'SELECT * FROM t'",
        "INSERT INTO t VALUES (1, 'b', NULL), (2, 'c', NULL)",
        "INSERT INTO p VALUES (1, 'b'), (1, 'c')",
    ]
    for url in (db_url, second_db_url):
        execute(url, *setup)
    caplog.set_level(logging.WARNING, logger="alembic_enum_ops")
    for url, online in ((db_url, True), (second_db_url, False)):
        run_online(url, lambda o, online=online: o.enum_swap(
            "st", ["a", "c"], schema="public", mapping={"b": "a"}, old_values=["a", "b", "c"],
            online=online,
        ))
    warnings = [r.getMessage() for r in caplog.records if "backfill" in r.getMessage()]
    assert warnings == [
        "alembic_enum_ops: table public.t has row triggers on UPDATE (a_settle, z_stamp): "
        "the online backfill's UPDATEs fire them for every row"
    ]
    online = snapshot(db_url, ["public.t", "public.p"], any_column_order=True)
    rewrite = snapshot(second_db_url, ["public.t", "public.p"], any_column_order=True)
    # the backfill's UPDATE fired z_stamp: the one difference
    assert query(db_url, "SELECT id, s::text, updated IS NOT NULL FROM t ORDER BY id") == [
        (1, "a", True), (2, "c", True)
    ]
    assert query(second_db_url, "SELECT id, s::text, updated FROM t ORDER BY id") == [
        (1, "a", None), (2, "c", None)
    ]
    for key in ("types", "indexes", "constraints", "triggers", "functions", "data public.p"):
        assert online[key] == rewrite[key], key
    assert ("public", "p1_pred", "CREATE INDEX p1_pred ON public.p1 USING btree (id) "
            "WHERE (s = 'a'::public.st)", None) in online["indexes"]
    assert _online_leftovers(db_url) == []


def test_sync_trigger_refuses_a_vanishing_label_written_mid_conversion(db_url: str) -> None:
    """Between the expand and the cut-over, a writer storing a label the swap removes
    with no mapping gets an error naming the table, the column and the labels to use,
    instead of a row the cut-over could not convert."""
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b', 'c')",
        "CREATE TABLE t (id int, s st NOT NULL)",
        "INSERT INTO t VALUES (1, 'a'), (2, 'c')",
    )
    plan = plan_online_swap(
        sa.create_engine(db_url).dialect, "public", "st", new_values=["a", "c"],
        old_values=["a", "b", "c"], lock_timeout="2s", batch_size=10, batch_pause=0.0,
    )
    engine = sa.create_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        first_two = Plan(plan.description, plan.steps[:2])
        run_plan(context, first_two, EnumOpsOptions())
    engine.dispose()
    with pytest.raises(sa.exc.DBAPIError) as refused:
        execute(db_url, "INSERT INTO t VALUES (3, 'b')")
    assert refused.value.orig.sqlstate == "EO001"  # type: ignore[union-attr]
    assert "public.t.s: 'b'" in str(refused.value)
    assert "{a,c}" in str(refused.value)
    execute(db_url, "INSERT INTO t VALUES (3, 'c')")  # any other label goes in

    run_online(db_url, lambda o: o.enum_swap("st", ["a", "c"], schema="public",
                                             old_values=["a", "b", "c"], online=True))
    assert query(db_url, "SELECT id, s::text FROM t ORDER BY id") == [
        (1, "a"), (2, "c"), (3, "c")
    ]
    assert _online_leftovers(db_url) == []


def test_running_a_finished_online_swap_again_is_a_no_op(
    emptied_db: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The same online swap twice: the second run finds the labels already in place,
    says so, and changes nothing (no error, nothing left behind)."""
    db_url = emptied_db
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b', 'c')",
        "CREATE TABLE t (id int PRIMARY KEY, s st NOT NULL DEFAULT 'a', h st[])",
        "CREATE INDEX t_s ON t (s) WHERE s <> 'c'",
        "INSERT INTO t SELECT g, 'c', ARRAY['a']::st[] FROM generate_series(1, 50) g",
    )

    def swap(op: Any) -> None:
        op.enum_swap("st", ["c", "a"], schema="public", online=True)

    run_online(db_url, swap)
    after = snapshot(db_url, ["public.t"])
    caplog.set_level(logging.DEBUG, logger="alembic_enum_ops")
    run_online(db_url, swap)
    assert snapshot(db_url, ["public.t"]) == after
    assert enum_snapshot(db_url) == {("public", "st"): ("c", "a")}
    assert _online_leftovers(db_url) == []
    assert any("already has labels {c,a}; nothing to do" in r.getMessage()
               for r in caplog.records)


@pytest.mark.parametrize("remove", [False, True], ids=["enum_swap", "enum_remove_value"])
def test_running_a_finished_online_swap_with_its_mapping_again_is_a_no_op(
    emptied_db: str, remove: bool
) -> None:
    db_url = emptied_db
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b', 'c')",
        "CREATE TABLE t (id int PRIMARY KEY, s st NOT NULL)",
        "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    )
    op: SwapEnumOp | RemoveEnumValueOp = (
        RemoveEnumValueOp("st", "b", schema="public", replace_with="c",
                          old_values=["a", "b", "c"], online=True)
        if remove else
        SwapEnumOp("st", ["a", "c"], schema="public", mapping={"b": "c"},
                   old_values=["a", "b", "c"], online=True)
    )
    # killed after the cut-over committed, before the revision was recorded: every
    # step but the last (which removes the mark, in the revision's transaction)
    engine = sa.create_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        plan = plan_operation(op, Target(context.dialect, EnumOpsOptions(), connection))
        connection.commit()
        run_plan(context, Plan(plan.description, plan.steps[:-1]), EnumOpsOptions())
        connection.commit()
    engine.dispose()
    after = snapshot(db_url, ["public.t"])
    assert query(db_url, "SELECT id, s::text FROM t ORDER BY id") == [
        (1, "a"), (2, "c"), (3, "c")
    ]
    assert [row[2] for row in _online_leftovers(db_url)] == [
        f"{MARKER}: finished, until its revision is recorded (enum public.st)"
    ]
    # run again, with its old_values and mapping as autogenerate writes them: done,
    # nothing checked or changed, and the mark goes with the revision
    run_online(db_url, lambda o: o.invoke(op))
    assert snapshot(db_url, ["public.t"]) == {**after, "functions": []}  # the mark gone
    assert _online_leftovers(db_url) == []


def test_an_online_mapping_without_new_labels_is_refused_when_written() -> None:
    """A mapping between labels that all stay converts nothing: an online swap (a
    shadow column per column) would be all cost.  Refused when the operation is built,
    before any connection; the rewrite swap takes it."""
    with pytest.raises(InvalidEnumInputError, match=(
        r"enum public\.st: an online swap converts columns to new labels; with the same "
        r"labels a mapping is only an UPDATE of the rows: use online=False"
    )):
        SwapEnumOp("st", ["a", "b"], schema="public", mapping={"a": "b"},
                   old_values=["a", "b"], online=True)
    SwapEnumOp("st", ["a", "b"], schema="public", mapping={"a": "b"}, old_values=["a", "b"])


PHASED_SETUP = [
    "CREATE TYPE st AS ENUM ('a', 'b', 'c')",
    """CREATE TABLE t (id int PRIMARY KEY, s st NOT NULL,
                      CONSTRAINT t_chk CHECK (s <> 'a' OR id > 0))""",
    "CREATE INDEX t_s ON t (s)",
    "INSERT INTO t SELECT g, (ARRAY['a', 'b', 'c'])[1 + g % 3]::st FROM generate_series(1, 30) g",
]


def _phased_plan(url: str) -> Plan:
    return plan_online_swap(
        sa.create_engine(url).dialect, "public", "st", new_values=["a", "c"],
        mapping={"b": "c"}, old_values=["a", "b", "c"], lock_timeout="2s", batch_size=10,
        batch_pause=0.0,
    )


def _run_steps(url: str, plan: Plan, start: int, stop: int) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            run_plan(MigrationContext.configure(connection),
                     Plan(plan.description, plan.steps[start:stop]), EnumOpsOptions())
    finally:
        engine.dispose()


CUTOVER_TOO_EARLY = [
    pytest.param(
        [], [r"validated constraint eo_nn_\w+ on public\.t \(the backfill of s\)",
             r"valid index public\.t_s__eo_new \(the twin of t_s\)",
             r"constraint t_chk__eo_new on public\.t \(the twin of t_chk\)"],
        id="after the expand only",
    ),
    pytest.param(
        ["ALTER TABLE t DROP COLUMN s__eo_new"],
        [r"shadow column s__eo_new of public\.t"], id="shadow column dropped by hand",
    ),
    pytest.param(
        ["DO $$BEGIN EXECUTE (SELECT format('DROP TRIGGER %I ON t', tgname) FROM pg_trigger "
         "WHERE tgrelid = 't'::regclass AND NOT tgisinternal); END$$"],
        [r"the sync trigger of table public\.t"], id="sync trigger dropped by hand",
    ),
]


@pytest.mark.parametrize(("tamper", "missing"), CUTOVER_TOO_EARLY)
def test_cutover_refuses_until_every_phase_finished(
    emptied_db: str, tamper: list[str], missing: list[str]
) -> None:
    """The cut-over step run after the expand alone (or after someone removed a piece)
    refuses (EO002), naming every missing piece, and changes nothing; the operation
    run again then resumes and finishes."""
    db_url = emptied_db
    execute(db_url, *PHASED_SETUP)
    plan = _phased_plan(db_url)
    _run_steps(db_url, plan, 0, 2)  # the check and the expand
    if tamper:
        execute(db_url, *tamper)
    before = snapshot(db_url, ["public.t"])
    with pytest.raises(EnumStateError) as refused:  # SQLSTATE EO002
        _run_steps(db_url, plan, 6, 7)
    error = str(refused.value)
    assert error.startswith(
        "alembic_enum_ops: the online swap of enum public.st is not ready to finish "
        "(nothing was changed by this step):\n  - "
    )
    for piece in missing:
        assert re.search(r"\n  - " + piece, error), (piece, error)
    assert error.endswith("Run the operation again: each phase resumes where it stopped.")
    assert snapshot(db_url, ["public.t"]) == before

    run_online(db_url, lambda o: o.enum_swap(
        "st", ["a", "c"], schema="public", mapping={"b": "c"}, old_values=["a", "b", "c"],
        online=True))
    assert enum_snapshot(db_url) == {("public", "st"): ("a", "c")}
    assert query(db_url, "SELECT s::text, count(*) FROM t GROUP BY 1 ORDER BY 1") == [
        ("a", 10), ("c", 20)
    ]
    assert _online_leftovers(db_url) == []


def test_cutover_without_an_expand_refuses(emptied_db: str) -> None:
    db_url = emptied_db
    execute(db_url, *PHASED_SETUP)
    before = snapshot(db_url, ["public.t"])
    with pytest.raises(EnumStateError) as refused:  # SQLSTATE EO002
        _run_steps(db_url, _phased_plan(db_url), 6, 7)
    assert (
        "alembic_enum_ops: cannot finish the online swap of enum public.st: its new type "
        "public.st__v2 does not exist (the expand phase did not run, or another migration "
        "removed it); run the operation again from the start"
    ) in str(refused.value)
    assert snapshot(db_url, ["public.t"]) == before


def test_online_swap_refuses_a_taken_temporary_name(emptied_db: str) -> None:
    """``st__v2`` taken by an object the online swap did not create, or by the new type
    of an abandoned online swap to other labels: refused before anything changes;
    ``alembic-enum-ops online-cleanup`` clears the abandoned one."""
    db_url = emptied_db
    execute(db_url, *PHASED_SETUP, "CREATE TYPE st__v2 AS ENUM ('x')")
    before = snapshot(db_url, ["public.t"])
    taken = (r"cannot swap enum public\.st: its temporary name public\.st__v2 is already "
             r"taken .*drop or rename that object first")

    def swap(op: Any) -> None:
        op.enum_swap("st", ["c", "a"], schema="public", mapping={"b": "c"},
                     old_values=["a", "b", "c"], online=True)

    with pytest.raises(EnumOpsError, match=taken):
        run_online(db_url, swap)
    assert snapshot(db_url, ["public.t"]) == before

    execute(db_url, "DROP TYPE st__v2")
    _run_steps(db_url, _phased_plan(db_url), 0, 3)  # to ['a', 'c'], then abandoned
    abandoned = snapshot(db_url, ["public.t"])
    unfinished = (
        r"cannot swap enum public\.st: its temporary name public\.st__v2 is taken by the "
        r"new type of an unfinished online swap to other labels; finish that migration, "
        r"or give it up with `alembic-enum-ops online-cleanup --type public\.st`"
    )
    with pytest.raises(EnumOpsError, match=unfinished):
        run_online(db_url, swap)  # to ['c', 'a']: not the abandoned one's labels
    assert snapshot(db_url, ["public.t"]) == abandoned
    assert cli_main(["online-cleanup", "--url", db_url, "--type", "st"]) == 0
    run_online(db_url, swap)
    assert enum_snapshot(db_url) == {("public", "st"): ("c", "a")}
    assert _online_leftovers(db_url) == []


def test_online_cleanup_command_names_the_holder_of_a_lock_it_cannot_get(
    emptied_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A session holding the table: the command gives up after its retries with one
    error (exit 2, no traceback) naming the holder once and its own option, and the
    leftovers stay for a later run."""
    db_url = emptied_db
    execute(db_url, *PHASED_SETUP)
    _run_steps(db_url, _phased_plan(db_url), 0, 2)  # expanded, then abandoned
    left = _online_leftovers(db_url)
    assert left
    with lock_held(db_url, "LOCK TABLE t IN ACCESS SHARE MODE", release_after=None) as pid:
        code = cli_main(["online-cleanup", "--url", db_url, "--type", "st",
                         "--lock-timeout", "20ms"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("alembic-enum-ops online-cleanup: error: ")
    assert "Traceback" not in err
    assert err.count(f"pid {pid} ") == 1, err
    assert "could not get" in err and "within lock_timeout 20ms" in err
    assert err.rstrip().endswith("Run the command again when the long transaction ends, "
                                 "or raise --lock-timeout.")
    assert "EnumOpsOptions" not in err
    assert _online_leftovers(db_url) == left
    assert cli_main(["online-cleanup", "--url", db_url, "--type", "st"]) == 0
    assert _online_leftovers(db_url) == []


def test_sync_trigger_sees_writes_applied_as_a_replica(emptied_db: str) -> None:
    db_url = emptied_db
    execute(db_url, *PHASED_SETUP)
    plan = _phased_plan(db_url)
    _run_steps(db_url, plan, 0, 3)  # expanded and backfilled
    execute(db_url, "SET session_replication_role = replica",
            "UPDATE t SET s = 'c' WHERE id = 3")  # was 'a'
    run_online(db_url, lambda o: o.enum_swap(
        "st", ["a", "c"], schema="public", mapping={"b": "c"}, old_values=["a", "b", "c"],
        online=True))
    assert query(db_url, "SELECT s::text FROM t WHERE id = 3") == [("c",)]


def test_online_swap_keeps_the_comment_of_a_key_on_the_column(emptied_db: str) -> None:
    db_url = emptied_db
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b', 'c')",
        "CREATE TABLE t (id int, s st NOT NULL, CONSTRAINT t_pk PRIMARY KEY (id, s))",
        "COMMENT ON CONSTRAINT t_pk ON t IS 'one row per id and state'",
    )
    run_online(db_url, lambda o: o.enum_swap(
        "st", ["a", "c"], schema="public", old_values=["a", "b", "c"], online=True))
    assert query(db_url, "SELECT obj_description(oid, 'pg_constraint') FROM pg_constraint "
                         "WHERE conname = 't_pk'") == [("one row per id and state",)]


def test_the_engine_and_the_cleanup_agree_on_the_marker() -> None:
    """The swap engine writes the marker the cleanup looks for (one constant)."""
    from alembic_enum_ops.ddl.swap import engine_units

    (state,) = [text for name, text in engine_units() if name.startswith("00_")]
    assert f"online_marker text := '{MARKER}';" in state
