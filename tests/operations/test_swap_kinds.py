"""Each kind of column alone (plain, array, domain, partitioned, defaults, foreign
keys): the swap (see :func:`tests.swap_helpers.kind_swap`) carries it over, online and
offline alike."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.swap_kinds import check_kind

CASES: dict[str, tuple[list[str], str, list[tuple[Any, ...]]]] = {
    "plain column": (
        ["CREATE TABLE t (x st NOT NULL)", "INSERT INTO t VALUES ('a'), ('b'), ('c')"],
        "SELECT array_agg(x::text ORDER BY x) FROM t",
        [(["b", "a", "a"],)],
    ),
    "array column with default, 2-D and empty arrays": (
        [
            "CREATE TABLE t (xs st[] DEFAULT '{c,b}')",
            "INSERT INTO t VALUES ('{a,c}'), ('{{a,b},{c,c}}'), ('{}'), (NULL), (DEFAULT)",
        ],
        "SELECT xs::text, pg_get_expr(adbin, adrelid) FROM t, pg_attrdef "
        "WHERE adrelid = 't'::regclass ORDER BY 1 NULLS LAST",
        [
            ("{a,a}", "'{a,b}'::st[]"),
            ("{a,b}", "'{a,b}'::st[]"),
            ("{{a,b},{a,a}}", "'{a,b}'::st[]"),
            ("{}", "'{a,b}'::st[]"),
            (None, "'{a,b}'::st[]"),
        ],
    ),
    "domain column": (
        [
            "CREATE DOMAIN st_ok AS st NOT NULL DEFAULT 'c' CONSTRAINT not_b CHECK (VALUE <> 'b')",
            "CREATE TABLE t (x st_ok, xs st_ok[])",
            "INSERT INTO t VALUES ('c', '{a,c}'), (DEFAULT, NULL)",
        ],
        "SELECT x::text, xs::text, pg_typeof(x)::text, "
        "(SELECT pg_get_expr(typdefaultbin, 0) FROM pg_type WHERE typname = 'st_ok'), "
        "(SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'not_b'), "
        "(SELECT typnotnull FROM pg_type WHERE typname = 'st_ok') FROM t ORDER BY 2",
        [
            ("a", "{a,a}", "st_ok", "'a'::st", "CHECK ((VALUE <> 'b'::st))", True),
            ("a", None, "st_ok", "'a'::st", "CHECK ((VALUE <> 'b'::st))", True),
        ],
    ),
    "partitioned table": (
        [
            "CREATE TABLE t (id int, x st DEFAULT 'c', "
            "CONSTRAINT t_not_b CHECK (x <> 'b' OR id > 10))"
            " PARTITION BY RANGE (id)",
            "CREATE TABLE t1 PARTITION OF t (CONSTRAINT t1_own CHECK (x <> 'c' OR id < 5)) "
            "FOR VALUES FROM (0) TO (10)",
            "CREATE TABLE t2 PARTITION OF t FOR VALUES FROM (10) TO (20) PARTITION BY RANGE (id)",
            "CREATE TABLE t2a PARTITION OF t2 FOR VALUES FROM (10) TO (20)",
            "INSERT INTO t VALUES (1, 'c'), (11, 'b'), (12, DEFAULT)",
        ],
        "SELECT tableoid::regclass::text, id, x::text, "
        "(SELECT array_agg(conrelid::regclass::text || ' ' || conname || ' ' "
        "|| pg_get_constraintdef(oid) ORDER BY conrelid::regclass::text, conname) "
        "FROM pg_constraint WHERE contype = 'c' AND conrelid <> 0) FROM t ORDER BY id",
        [
            (table, id_, x, [
                "t t_not_b CHECK (((x <> 'b'::st) OR (id > 10)))",
                "t1 t1_own CHECK (((x <> 'a'::st) OR (id < 5)))",
                "t1 t_not_b CHECK (((x <> 'b'::st) OR (id > 10)))",
                "t2 t_not_b CHECK (((x <> 'b'::st) OR (id > 10)))",
                "t2a t_not_b CHECK (((x <> 'b'::st) OR (id > 10)))",
            ])
            for table, id_, x in [("t1", 1, "a"), ("t2a", 11, "b"), ("t2a", 12, "a")]
        ],
    ),
    "inheritance child with a local enum column": (
        [
            "CREATE TABLE parent (id int, x st DEFAULT 'c')",
            "CREATE TABLE child (y st[]) INHERITS (parent)",
            "INSERT INTO parent VALUES (1, 'c')",
            "INSERT INTO child VALUES (2, 'b', '{c}'), (3, DEFAULT, NULL)",
        ],
        "SELECT tableoid::regclass::text, id, x::text, "
        "(SELECT y::text FROM child c WHERE c.id = p.id) FROM parent p ORDER BY id",
        [("parent", 1, "a", None), ("child", 2, "b", "{a}"), ("child", 3, "a", None)],
    ),
    "defaults": (
        ["CREATE TABLE t (x st DEFAULT 'c', y text DEFAULT ('b'::st)::text)"],
        "SELECT a.attname::text, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d "
        "JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum ORDER BY 1",
        [("x", "'a'::st"), ("y", "('b'::st)::text")],
    ),
    "foreign key between enum columns": (
        [
            "CREATE TABLE p (x st PRIMARY KEY)",
            "CREATE TABLE c (x st REFERENCES p)",
            "INSERT INTO p VALUES ('a'), ('b')",
            "INSERT INTO c VALUES ('a'), ('b')",
        ],
        "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f'",
        [("c_x_fkey", "FOREIGN KEY (x) REFERENCES p(x)")],
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_column_kind_alone(case: str, db_url: str, second_db_url: str) -> None:
    check_kind(db_url, second_db_url, *CASES[case])


def test_domain_with_grants_comments_and_a_not_valid_check(
    db_url: str, second_db_url: str
) -> None:
    check_kind(
        db_url, second_db_url,
        [
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles "
            "WHERE rolname = 'enum_ops_swap_reader') THEN CREATE ROLE enum_ops_swap_reader; "
            "END IF; END $$",
            "CREATE DOMAIN st_d AS st",
            "COMMENT ON DOMAIN st_d IS 'the domain'",
            "CREATE TABLE t (x st_d)",
            "INSERT INTO t VALUES ('b')",
            "ALTER DOMAIN st_d ADD CONSTRAINT not_b CHECK (VALUE <> 'b') NOT VALID",
            "ALTER DOMAIN st_d ADD CONSTRAINT not_c CHECK (VALUE <> 'c')",
            "COMMENT ON CONSTRAINT not_c ON DOMAIN st_d IS 'never c'",
            "REVOKE ALL ON DOMAIN st_d FROM PUBLIC",
            "GRANT USAGE ON DOMAIN st_d TO enum_ops_swap_reader",
        ],
        "SELECT con.conname::text, pg_get_constraintdef(con.oid), con.convalidated, "
        "obj_description(con.oid, 'pg_constraint'), obj_description(t.oid, 'pg_type'), "
        "replace(t.typacl::text, current_user, 'me') "
        "FROM pg_constraint con JOIN pg_type t ON t.oid = con.contypid "
        "WHERE t.typname = 'st_d' ORDER BY 1",
        [
            ("not_b", "CHECK ((VALUE <> 'b'::st)) NOT VALID", False, None, "the domain",
             "{me=U/me,enum_ops_swap_reader=U/me}"),
            ("not_c", "CHECK ((VALUE <> 'a'::st))", True, "never c", "the domain",
             "{me=U/me,enum_ops_swap_reader=U/me}"),
        ],
    )
