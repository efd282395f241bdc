"""Each kind of definition alone (indexes, CHECKs, views, materialized views, the
type's owner/comment/grants): recreated with remapped literals, online = offline."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.support.server import Server, libpq_url
from tests.support.swap_kinds import check_kind, kind_swap

CASES: dict[str, tuple[list[str], str, list[tuple[Any, ...]]]] = {
    "partial and expression indexes": (
        [
            "CREATE TABLE t (id int, x st)",
            "CREATE INDEX t_partial ON t (id) WHERE x IN ('b', 'c')",
            "CREATE INDEX t_expr ON t ((x = 'c'))",
            "CREATE INDEX t_plain ON t (x)",
        ],
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = 't'::regclass ORDER BY 1",
        [
            ("t_expr", "CREATE INDEX t_expr ON public.t USING btree (((x = 'a'::st)))"),
            (
                "t_partial",
                "CREATE INDEX t_partial ON public.t USING btree (id) "
                "WHERE (x = ANY (ARRAY['b'::st, 'a'::st]))",
            ),
            ("t_plain", "CREATE INDEX t_plain ON public.t USING btree (x)"),
        ],
    ),
    "CHECK constraints, NOT VALID kept": (
        [
            "CREATE TABLE t (x st, CONSTRAINT not_c CHECK (x <> 'c'))",
            "ALTER TABLE t ADD CONSTRAINT not_b CHECK (x <> 'b') NOT VALID",
        ],
        "SELECT conname::text, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
        "WHERE conrelid = 't'::regclass ORDER BY 1",
        [
            ("not_b", "CHECK ((x <> 'b'::st)) NOT VALID", False),
            ("not_c", "CHECK ((x <> 'a'::st))", True),
        ],
    ),
    "exclusion constraint with a predicate": (
        [
            "CREATE TABLE t (id int, x st, "
            "CONSTRAINT one_c_per_id EXCLUDE USING btree (id WITH =) WHERE (x = 'c'))",
            "INSERT INTO t VALUES (1, 'c'), (1, 'b')",
        ],
        "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 't'::regclass",
        [("one_c_per_id", "EXCLUDE USING btree (id WITH =) WHERE ((x = 'a'::st))")],
    ),
    "view over a view": (
        [
            "CREATE TABLE t (id int, x st)",
            "INSERT INTO t VALUES (1, 'c'), (2, 'b')",
            "CREATE VIEW v1 AS SELECT id, x FROM t WHERE x <> 'b'",
            "CREATE VIEW v2 AS SELECT x, count(*) AS n FROM v1 GROUP BY x",
            "CREATE VIEW v3 AS SELECT n FROM v2",
            "CREATE VIEW unrelated AS SELECT id FROM t",
            "COMMENT ON VIEW v2 IS 'two'",
        ],
        "SELECT (SELECT array_agg(x::text) FROM v2), (SELECT array_agg(n) FROM v3), "
        "obj_description('v2'::regclass, 'pg_class'), "
        # recreated views get the swap's xmin; the unrelated one keeps the set-up's
        "(SELECT xmin FROM pg_class WHERE relname = 'unrelated')::text <> "
        "(SELECT xmin FROM pg_class WHERE relname = 'v1')::text",
        [(["a"], [1], "two", True)],
    ),
    "view column default, clustered expression index": (
        [
            "CREATE TABLE t (id int, x st)",
            "CREATE VIEW v AS SELECT id, x FROM t WHERE x <> 'b'",
            "ALTER VIEW v ALTER COLUMN x SET DEFAULT 'c'",
            "CREATE INDEX t_c ON t ((x = 'c'))",
            "ALTER TABLE t CLUSTER ON t_c",
        ],
        "SELECT (SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef "
        "WHERE adrelid = 'v'::regclass), "
        "(SELECT indisclustered FROM pg_index WHERE indexrelid = 't_c'::regclass)",
        [("'a'::st", True)],
    ),
    "view grants (table and column), rule-free": (
        [
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles "
            "WHERE rolname = 'enum_ops_swap_reader') THEN CREATE ROLE enum_ops_swap_reader; "
            "END IF; END $$",
            "CREATE TABLE t (id int, x st)",
            "CREATE VIEW v AS SELECT id, x FROM t WHERE x <> 'b'",
            "GRANT SELECT ON v TO enum_ops_swap_reader",
            "GRANT UPDATE (x) ON v TO enum_ops_swap_reader WITH GRANT OPTION",
            "GRANT INSERT (id) ON v TO PUBLIC",
        ],
        # the owner's own entry lists every privilege the server knows (PostgreSQL 17
        # added MAINTAIN): compare it with the server's default for the owner
        "SELECT (SELECT array_agg(CASE WHEN a = ANY(acldefault('r', c.relowner)) "
        "THEN 'me=ALL/me' ELSE replace(a::text, current_user, 'me') END ORDER BY a::text) "
        "FROM pg_class c, unnest(c.relacl) a WHERE c.relname = 'v'), "
        "(SELECT array_agg(attname || ':' || replace(attacl::text, current_user, 'me') "
        "ORDER BY attname) FROM pg_attribute "
        "WHERE attrelid = 'v'::regclass AND attacl IS NOT NULL)",
        [
            (
                ["enum_ops_swap_reader=r/me", "me=ALL/me"],
                ["id:{=a/me}", "x:{enum_ops_swap_reader=w*/me}"],
            )
        ],
    ),
    "view with an INSTEAD OF trigger and its comment": (
        [
            "CREATE TABLE t (id int, x st)",
            "CREATE VIEW v AS SELECT id, x FROM t WHERE x <> 'b'",
            "CREATE FUNCTION v_ins() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO t VALUES (NEW.id, NEW.x); RETURN NEW; END $$",
            "CREATE TRIGGER v_ins INSTEAD OF INSERT ON v FOR EACH ROW EXECUTE FUNCTION v_ins()",
            "COMMENT ON TRIGGER v_ins ON v IS 'writes through'",
        ],
        "SELECT tgname::text, obj_description(oid, 'pg_trigger'), "
        "pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 'v'::regclass",
        [
            (
                "v_ins",
                "writes through",
                "CREATE TRIGGER v_ins INSTEAD OF INSERT ON public.v "
                "FOR EACH ROW EXECUTE FUNCTION v_ins()",
            )
        ],
    ),
    "materialized views": (
        [
            "CREATE TABLE t (id int, x st)",
            "INSERT INTO t VALUES (1, 'c'), (2, 'b')",
            "CREATE MATERIALIZED VIEW m AS SELECT x, count(*) AS n FROM t GROUP BY x",
            "CREATE UNIQUE INDEX m_x ON m (x)",
            "CREATE MATERIALIZED VIEW m_empty AS SELECT id FROM t WHERE x = 'b' WITH NO DATA",
        ],
        "SELECT (SELECT array_agg(x::text || n ORDER BY x) FROM m), "
        "(SELECT relispopulated FROM pg_class WHERE relname = 'm_empty'), "
        "(SELECT pg_get_indexdef('m_x'::regclass))",
        [(["b1", "a1"], False, "CREATE UNIQUE INDEX m_x ON public.m USING btree (x)")],
    ),
    "type owner, comment and grants": (
        [
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles "
            "WHERE rolname = 'enum_ops_swap_owner') THEN CREATE ROLE enum_ops_swap_owner; "
            "END IF; END $$",
            "ALTER TYPE st OWNER TO enum_ops_swap_owner",
            "COMMENT ON TYPE st IS 'the state'",
            "REVOKE USAGE ON TYPE st FROM PUBLIC",
        ],
        "SELECT pg_get_userbyid(typowner)::text, obj_description(oid, 'pg_type'), typacl::text "
        "FROM pg_type WHERE typname = 'st'",
        [
            (
                "enum_ops_swap_owner",
                "the state",
                "{enum_ops_swap_owner=U/enum_ops_swap_owner}",
            )
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_definition_kind_alone(case: str, db_url: str, second_db_url: str) -> None:
    check_kind(db_url, second_db_url, *CASES[case])


@pytest.fixture
def tablespace(pg_server: Server) -> Iterator[str]:
    """A throwaway tablespace in a fresh directory owned by the server's user (servers
    on this machine only: a remote one cannot see its directories).  Request it
    before ``db_url`` so it is dropped after the databases using it."""
    host = make_url(pg_server.admin_url).host
    if host not in (None, "", "127.0.0.1", "localhost", "::1"):
        pytest.skip("a tablespace needs a directory on the server's machine")
    directory = Path(tempfile.mkdtemp(prefix="enum_ops_ts_"))
    name = f"enum_ops_ts_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(libpq_url(pg_server.admin_url), autocommit=True) as conn:
            data_directory = conn.execute("SHOW data_directory").fetchone()
            assert data_directory is not None
            if os.geteuid() == 0:  # the directory must belong to the server's user
                os.chown(directory, os.stat(data_directory[0]).st_uid, -1)
            conn.execute(
                sql.SQL("CREATE TABLESPACE {} LOCATION {}").format(
                    sql.Identifier(name), sql.Literal(str(directory))
                )
            )
        yield name
        with psycopg.connect(libpq_url(pg_server.admin_url), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP TABLESPACE {}").format(sql.Identifier(name)))
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_recreated_indexes_and_materialized_views_keep_their_tablespace(
    tablespace: str, db_url: str, second_db_url: str
) -> None:
    """pg_get_indexdef() omits the tablespace: the swap puts each recreated index (and
    materialized view) back where it was, and leaves ``default_tablespace`` as it
    found it for the rest of the migration."""
    from tests.support.catalog import execute, query, snapshot
    from tests.support.migrate import apply_script, render_offline, run_online
    from tests.support.swap_kinds import KIND_TYPE

    ts = '"' + tablespace.replace('"', '""') + '"'
    setup = [
        KIND_TYPE,
        "CREATE TABLE t (id int, x st)",
        "INSERT INTO t VALUES (1, 'c'), (2, 'b')",
        f"CREATE INDEX t_partial ON t (id) TABLESPACE {ts} WHERE x = 'c'",
        "CREATE INDEX t_expr ON t ((x = 'b'))",  # default tablespace: stays there
        f"CREATE MATERIALIZED VIEW m TABLESPACE {ts} AS "
        "SELECT x, count(*) AS n FROM t GROUP BY x",
        f"CREATE UNIQUE INDEX m_x ON m (x) TABLESPACE {ts}",
    ]

    def swap_then_create(op: Any) -> None:
        kind_swap(op)
        op.execute("CREATE TABLE after_swap (id int)")  # same transaction

    check = (
        "SELECT c.relname::text, coalesce(s.spcname::text, '(default)') FROM pg_class c "
        "LEFT JOIN pg_tablespace s ON s.oid = c.reltablespace "
        "WHERE c.relname IN ('t_partial', 't_expr', 'm', 'm_x', 'after_swap') ORDER BY 1"
    )
    expected = [
        ("after_swap", "(default)"),
        ("m", tablespace),
        ("m_x", tablespace),
        ("t_expr", "(default)"),
        ("t_partial", tablespace),
    ]
    for url in (db_url, second_db_url):
        execute(url, *setup)
    run_online(db_url, swap_then_create)
    assert query(db_url, check) == expected
    assert query(db_url, "SELECT pg_get_indexdef('t_partial'::regclass)") == [
        ("CREATE INDEX t_partial ON public.t USING btree (id) WHERE (x = 'a'::st)",)
    ]
    assert query(db_url, "SELECT x::text AS label, n FROM m ORDER BY m.x") == [("b", 1), ("a", 1)]
    apply_script(second_db_url, render_offline(swap_then_create))
    assert query(second_db_url, check) == expected
    assert snapshot(second_db_url) == snapshot(db_url)
