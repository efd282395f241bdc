"""Each kind of definition alone (indexes, CHECKs, views, materialized views, the
type's owner/comment/grants): recreated with remapped literals, online = offline."""

from __future__ import annotations

from typing import Any

import pytest

from tests.swap_helpers import check_kind

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
