"""Every PL/pgSQL block the package sends passes ``plpgsql_check`` with no error and no
warning (every class on: extra, performance, other): the swap engine, the block that
describes many swaps, and the DO blocks of the native, CHECK-variant and conversion
plans.

Each block is created as a procedure in ``pg_temp`` (a DO body is a procedure body;
a procedure may COMMIT, as the batched remap does) in a database holding the objects
the plans name, then checked with every warning class on.  CI installs the extension
(Debian's ``postgresql-15-plpgsql-check``) and sets ``ENUM_OPS_REQUIRE_PLPGSQL_CHECK=1``
so this module cannot skip there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from alembic_enum_ops.ddl import check as check_ddl
from alembic_enum_ops.ddl import convert as convert_ddl
from alembic_enum_ops.ddl import native as native_ddl
from alembic_enum_ops.ddl.online.convert import plan_online_conversion
from alembic_enum_ops.ddl.online.swap import plan_online_swap
from alembic_enum_ops.ddl.plan import Plan
from alembic_enum_ops.ddl.sqltext import default_dialect, dollar_quote
from alembic_enum_ops.ddl.swap import plan_swap
from alembic_enum_ops.ddl.swap_preview import describe_swaps_sql
from tests.support.catalog import execute

D = default_dialect()

def _plans() -> Iterator[tuple[str, Plan]]:
    lock = {"lock_timeout": "2s"}
    yield "swap", plan_swap(D, "ai", "st", new_values=["a", "c"], mapping={"b": "c"}, **lock)
    yield "remove", plan_swap(D, "ai", "st", new_values=None, remove="b", **lock)
    # the online swap's engine in its modes check, expand and cutover
    yield "online swap", plan_online_swap(
        D, "ai", "st", new_values=["a", "c"], mapping={"b": "c"}, batch_size=100,
        batch_pause=0.0, **lock,
    )
    for direction in ("enum_to_check", "check_to_enum"):
        yield f"online {direction}", plan_online_conversion(
            D, "ai", "t", "s", direction=direction, type_schema="ai", type_name="st",
            values=["a", "b"], constraint_name="ck_t_s", batch_size=100, batch_pause=0.0,
            **lock,
        )
    yield "enum_create if_not_exists", native_ddl.plan_create(
        D, "ai", "st2", ["a"], if_not_exists=True
    )
    yield "check_enum_create", check_ddl.plan_check_create(
        D, "ai", "q", "s", ["a", "b"], "ck_q_s", guard=True, **lock
    )
    for mapping in ({}, {"b": "a"}):
        yield f"check_enum_set_values {mapping}", check_ddl.plan_check_set_values(
            D, "ai", "q", "s", ["a"], "ck_q_s", mapping=mapping, batch_size=100,
            guard=True, **lock,
        )
    yield "enum_to_check", convert_ddl.plan_enum_to_check(
        D, "ai", "t", "s", type_schema="ai", type_name="st", values=["a", "b", "c"],
        constraint_name="ck_t_s", length=None, drop_type=True, **lock,
    )
    yield "check_to_enum", convert_ddl.plan_check_to_enum(
        D, "ai", "q", "s", type_schema="ai", type_name="st3", values=["a", "b"],
        constraint_name="ck_q_s", create_type=True, guard=True, **lock,
    )


def _blocks() -> Iterator[tuple[str, str]]:
    for name, plan in _plans():
        for i, statement in enumerate(plan.statements()):
            if statement.sql.startswith("DO "):
                yield f"{name} #{i}", statement.sql
    yield "describe_swaps", describe_swaps_sql(D, [("ai", "st"), ("public", "other")])


def _body(do_statement: str) -> str:
    match = re.fullmatch(r"DO (\$[A-Za-z0-9_]*\$)(.*)\1", do_statement, re.DOTALL)
    assert match, do_statement[:80]
    return match.group(2)


@pytest.fixture(scope="module")
def checked_db(pg_server: Any) -> Iterator[sa.Connection]:
    from tests.support.databases import create_database, drop_database

    name = create_database(pg_server)
    url = pg_server.url_for(name)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            available = conn.exec_driver_sql(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'plpgsql_check'"
            ).first()
        if available is None:
            if os.environ.get("ENUM_OPS_REQUIRE_PLPGSQL_CHECK") == "1":
                pytest.fail("plpgsql_check is required here but not installed on the server")
            pytest.skip("plpgsql_check is not installed on this server")
        execute(
            url,
            "CREATE EXTENSION plpgsql_check",
            "CREATE SCHEMA ai",
            "CREATE TYPE ai.st AS ENUM ('a', 'b', 'c')",
            "CREATE TABLE ai.t (id int, s ai.st)",
            "CREATE TABLE ai.q (id int, s text)",
        )
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()
        drop_database(pg_server, name)


@pytest.mark.parametrize(("name", "statement"), list(_blocks()), ids=[n for n, _ in _blocks()])
def test_block_passes_plpgsql_check(checked_db: sa.Connection, name: str, statement: str) -> None:
    checked_db.exec_driver_sql(
        "CREATE OR REPLACE PROCEDURE pg_temp.block_under_check() LANGUAGE plpgsql AS "
        + dollar_quote(_body(statement), "checked"),
        execution_options={"no_parameters": True},
    )
    rows = checked_db.exec_driver_sql(
        "SELECT lineno, level, message, detail FROM plpgsql_check_function_tb("
        "'pg_temp.block_under_check()', extra_warnings := true, "
        "performance_warnings := true, other_warnings := true)"
    ).all()
    checked_db.rollback()
    assert [f"line {r.lineno}: {r.level}: {r.message} ({r.detail})" for r in rows] == []
