"""The swap engine's literal scanner (``swap_engine/90_remap_literals.sql``), alone.

Each case is a definition as PostgreSQL's deparsers print it (views through
``pg_get_viewdef``, indexes, constraints, defaults, domain CHECKs; the spellings of
PostgreSQL 14-15 and of 16+, which stopped qualifying the columns of a single-relation
view), the swap's mapping and new labels, and what the scanner must make of it: the
remapped text, the definitions it refuses, the warnings.  The unit runs on the server
in a block that declares exactly the variables it reads and writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from alembic_enum_ops.ddl.sqltext import default_dialect, dollar_quote, literal
from alembic_enum_ops.ddl.swap import engine_units

D = default_dialect()
OLD = ["a", "b", "c", "it's"]


def _text_array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join(literal(D, v) for v in values) + "]::text[]"


def scan(
    connection: sa.Connection,
    definitions: list[str],
    *,
    new: list[str],
    mapping: dict[str, str] | None = None,
    retarget: bool = False,
    qtype: str = "public.st",
) -> tuple[list[str], list[str], list[str]]:
    """Run the scanner unit over ``definitions`` (as recreated definitions of a swap of
    ``qtype`` from :data:`OLD` to ``new``); returns (texts, problems, warnings)."""
    mapping = mapping or {}
    (unit,) = [text for name, text in engine_units() if name.startswith("90_")]
    gone = [label for label in OLD if label not in new]
    vanish = [label for label in gone if label not in mapping]
    entries = [
        {"sql": sql, "what": f"definition {i}", "definition": True, "retarget": retarget}
        for i, sql in enumerate(definitions)
    ]
    cands = [
        {"text": qtype + "[]", "array": True},
        {"text": qtype, "array": False},
        {"text": "public.dom[]", "array": True},
        {"text": "public.dom", "array": False},
    ]
    body = f"""
DECLARE
    p_schema text := 'public';
    p_name text := 'st';
    p_mode text := 'describe';
    p_from text[] := {_text_array(list(mapping))};
    p_to text[] := {_text_array(list(mapping.values()))};
    new_labels text[] := {_text_array(new)};
    gone text[] := {_text_array(gone)};
    vanish text[] := {_text_array(vanish)};
    qtype text := {literal(D, qtype)};
    qtmp text := 'public.st__v2';
    cands jsonb := {literal(D, json.dumps(cands))};
    pre jsonb := '[]';
    creates jsonb := {literal(D, json.dumps(entries))};
    captured jsonb := '[]';
    problems jsonb := '[]';
    warnings jsonb := '[]';
    refusals jsonb := '[]';
BEGIN
    <<swap>>
    BEGIN
{unit}
    END swap;
    RAISE EXCEPTION USING ERRCODE = 'EO003', DETAIL = jsonb_build_object(
        'creates', creates, 'problems', problems, 'warnings', warnings)::text;
END
"""
    with pytest.raises(sa.exc.DBAPIError) as caught, connection.begin_nested():
        connection.exec_driver_sql(
            "DO " + dollar_quote(body), execution_options={"no_parameters": True}
        )
    result: dict[str, Any] = json.loads(caught.value.orig.diag.message_detail)  # type: ignore[union-attr]
    return (
        [entry["sql"] for entry in result["creates"]],
        list(result["problems"]),
        list(result["warnings"]),
    )


@pytest.fixture(scope="module")
def connection(pg_server: Any) -> Any:
    engine = sa.create_engine(pg_server.admin_url)
    with engine.connect() as conn:
        conn.exec_driver_sql("SET statement_timeout = '20s'")  # a scanner loop fails fast
        yield conn
    engine.dispose()


@dataclass(frozen=True)
class Case:
    """One definition, the swap, and what the scanner must do with it."""

    source: str
    new: list[str]
    expected: str | None = None  # None: unchanged
    mapping: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()  # pieces each problem must contain, in order
    warnings: tuple[str, ...] = ()
    retarget: bool = False


CASES: dict[str, Case] = {
    # --- views: PostgreSQL 14/15 qualify columns, 16+ do not ----------------------
    "view 15 spelling, remapped": Case(
        " SELECT t.id, t.s\n   FROM public.t\n  WHERE (t.s = 'b'::public.st)",
        new=["a", "c", "it's"], mapping={"b": "c"},
        expected=" SELECT t.id, t.s\n   FROM public.t\n  WHERE (t.s = 'c'::public.st)",
    ),
    "view 16 spelling, remapped": Case(
        " SELECT id,\n    s\n   FROM public.t\n  WHERE (s = 'b'::public.st)",
        new=["a", "c", "it's"], mapping={"b": "c"},
        expected=" SELECT id,\n    s\n   FROM public.t\n  WHERE (s = 'c'::public.st)",
    ),
    "view naming a vanishing label": Case(
        " SELECT id FROM public.t WHERE (s = 'b'::public.st)", new=["a", "c", "it's"],
        problems=("definition 0 names 'b'",),
    ),
    "IN list as ANY(ARRAY[...])": Case(
        "(s = ANY (ARRAY['a'::public.st, 'b'::public.st]))",
        new=["a", "c", "it's"], mapping={"b": "a"},
        expected="(s = ANY (ARRAY['a'::public.st, 'a'::public.st]))",
    ),
    "array literal": Case(
        "(h && '{a,b,NULL}'::public.st[])", new=["a", "c", "it's"], mapping={"b": "c"},
        expected="(h && '{a,c,NULL}'::public.st[])",
    ),
    "array literal naming a vanishing label": Case(
        "(h @> '{c,b}'::public.st[])", new=["a", "c", "it's"],
        problems=("definition 0 names 'b'",),
    ),
    "multi-dimensional array literal": Case(
        "(h = '{{a,b},{c,a}}'::public.st[])", new=["a", "b", "c", "it's"],
        problems=("definition 0 has a multi-dimensional array literal",),
    ),
    "quoted label": Case(
        "(s <> 'it''s'::public.st)", new=["a", "b", "c", "it is"],
        mapping={"it's": "it is"}, expected="(s <> 'it is'::public.st)",
    ),
    "labels exchanged": Case(
        "(s = ANY (ARRAY['a'::public.st, 'b'::public.st]))", new=["b", "a", "c", "it's"],
        mapping={"a": "b", "b": "a"},
        expected="(s = ANY (ARRAY['b'::public.st, 'a'::public.st]))",
    ),
    # --- indexes, constraints, defaults ---------------------------------------------
    "partial index": Case(
        "CREATE INDEX ix ON public.t USING btree (id) WHERE (s = 'b'::public.st)",
        new=["a", "c", "it's"], mapping={"b": "c"},
        expected="CREATE INDEX ix ON public.t USING btree (id) WHERE (s = 'c'::public.st)",
    ),
    "CHECK constraint": Case(
        "ALTER TABLE public.t ADD CONSTRAINT ck CHECK ((s <> 'b'::public.st))",
        new=["a", "c", "it's"], mapping={"b": "c"},
        expected="ALTER TABLE public.t ADD CONSTRAINT ck CHECK ((s <> 'c'::public.st))",
    ),
    "default": Case(
        "ALTER TABLE ONLY public.t ALTER COLUMN s SET DEFAULT 'b'::public.st",
        new=["a", "c", "it's"], problems=("definition 0 names 'b'",),
    ),
    "literal of a domain over the type": Case(
        "(d = 'b'::public.dom)", new=["a", "c", "it's"], mapping={"b": "c"},
        expected="(d = 'c'::public.dom)",
    ),
    "domain twin CHECK, retargeted to the new type": Case(
        "CREATE DOMAIN public.dom__v2 AS public.st__v2 CONSTRAINT no_b "
        "CHECK ((VALUE <> 'a'::public.st))",
        new=["a", "c", "it's"], mapping={"b": "c"}, retarget=True,
        expected="CREATE DOMAIN public.dom__v2 AS public.st__v2 CONSTRAINT no_b "
        "CHECK ((VALUE <> 'a'::public.st__v2))",
    ),
    # --- what is not a literal of the type ----------------------------------------
    "another type whose name starts the same": Case(
        "(x = 'b'::public.st2) AND (y = '{b}'::public.st[]) AND (z = 'b'::public.st_x)",
        new=["a", "c", "it's"], mapping={"b": "c"},
        expected="(x = 'b'::public.st2) AND (y = '{c}'::public.st[]) "
        "AND (z = 'b'::public.st_x)",
    ),
    "quoted identifiers are skipped, quotes and all": Case(
        'SELECT "we""ird\'s" FROM public.t WHERE ("it\'s" = \'b\'::public.st)',
        new=["a", "c", "it's"], mapping={"b": "c"},
        expected='SELECT "we""ird\'s" FROM public.t WHERE ("it\'s" = \'c\'::public.st)',
    ),
    "other string literals are kept": Case(
        "(note = 'a''b'::text) AND (s = 'a'::public.st)", new=["a", "c", "it's"],
    ),
    # --- the blind spot: a vanishing label the remap cannot rewrite -------------------
    "compared as text, no mapping": Case(
        " SELECT id FROM public.t WHERE ((s)::text = 'b'::text)", new=["a", "c", "it's"],
        problems=("definition 0 names 'b' in a form the swap cannot remap",),
    ),
    "compared as text, mapped: a warning": Case(
        " SELECT id FROM public.t WHERE ((s)::text = 'b'::text)", new=["a", "c", "it's"],
        mapping={"b": "c"},
        warnings=("definition 0 names 'b' in a form the swap does not remap",
                  "while the rows holding it move to 'c'"),
    ),
    "text array, no mapping": Case(
        "((s)::text = ANY ('{a,b}'::text[]))", new=["a", "c", "it's"],
        problems=("definition 0 names 'b' in a form the swap cannot remap",),
    ),
    "varchar cast, no mapping": Case(
        "((s)::text = ('b'::character varying)::text)", new=["a", "c", "it's"],
        problems=("definition 0 names 'b' in a form the swap cannot remap",),
    ),
    "untyped literal": Case(
        "CASE WHEN (s = 'a'::public.st) THEN 'b' ELSE 'x' END", new=["a", "c", "it's"],
        problems=("definition 0 names 'b' in a form the swap cannot remap",),
    ),
    "a label that stays is fine as text": Case(
        "((s)::text = 'a'::text)", new=["a", "c", "it's"],
    ),
    "exchanged labels compared as text warn": Case(
        "((s)::text = 'a'::text)", new=["b", "a", "c", "it's"],
        mapping={"a": "b", "b": "a"}, warnings=("names 'a'",),
    ),
    # --- input the scanner must survive ------------------------------------------
    "unterminated string literal": Case(
        "(s = 'b", new=["a", "c", "it's"],
        problems=("definition 0 has an unterminated string literal",),
    ),
    "unterminated quoted identifier": Case(
        '(s = "b', new=["a", "c", "it's"],
        problems=("definition 0 has an unterminated quoted identifier",),
    ),
    "empty definition": Case("", new=["a", "c", "it's"]),
    "literal at the very end": Case(
        "'b'::public.st", new=["a", "c", "it's"], mapping={"b": "a"},
        expected="'a'::public.st",
    ),
    "percent and dollar signs in labels": Case(
        "(s = 'it''s'::public.st)", new=["a", "b", "c", "50% $x$"],
        mapping={"it's": "50% $x$"}, expected="(s = '50% $x$'::public.st)",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_scanner(connection: Any, name: str) -> None:
    case = CASES[name]
    (text,), problems, warnings = scan(
        connection, [case.source], new=case.new, mapping=case.mapping,
        retarget=case.retarget,
    )
    assert text == (case.source if case.expected is None else case.expected)
    assert len(problems) == (1 if case.problems else 0), problems
    for piece in case.problems:
        assert piece in problems[0], problems
    assert len(warnings) == (1 if case.warnings else 0), warnings
    for piece in case.warnings:
        assert piece in warnings[0], warnings


def test_definitions_from_this_server_are_scanned_as_printed(connection: Any) -> None:
    """Whatever the server's version prints, a view's enum literals are remapped and
    nothing else of its text changes."""
    connection.exec_driver_sql("CREATE TEMP TABLE scan_t (id int, note text)")
    connection.exec_driver_sql(
        "CREATE TEMP VIEW scan_v AS SELECT id, note FROM scan_t "
        "WHERE note = 'b' OR note IN ('a', 'b')"
    )
    printed = connection.exec_driver_sql(
        "SELECT pg_get_viewdef('scan_v'::regclass)"
    ).scalar_one()
    (text,), problems, _ = scan(connection, [printed], new=["a", "c", "it's"])
    assert text == printed
    # 'b' compared as text and removed with no mapping: refused, naming the definition
    assert problems and "names 'b' in a form the swap cannot remap" in problems[0]
    connection.rollback()
