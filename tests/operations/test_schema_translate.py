"""Every operation on a connection with ``schema_translate_map`` (a schema per tenant):
our operations land where Alembic's own ``create_table`` lands, for ``schema=None``
and for a named schema the map translates, online; offline nobody translates."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic_enum_ops import EnumStateError
from tests.support.catalog import enum_snapshot, execute, query
from tests.support.migrate import apply_script, render_offline, run_online

SCHEMAS = ("ai", "tenant_a", "tenant_a_ai", "tenant_b", "tenant_b_ai")


def _tenant_map(tenant: str) -> dict[str | None, str | None]:
    return {None: tenant, "ai": f"{tenant}_ai"}


def _every_operation(op: Any) -> None:
    """One revision's worth of every family, beside Alembic's own create_table."""
    op.enum_create("status", ["pending", "done", "archived"])
    op.enum_create("kind", ["a", "b"], schema="ai")
    queue = op.create_table(  # Alembic's own operation: follows the map
        "queue",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", postgresql.ENUM(name="status", create_type=False)),
        sa.Column("kind", postgresql.ENUM(name="kind", schema="ai", create_type=False)),
        sa.Column("note", sa.Text),
    )
    op.get_bind().execute(queue.insert(), [
        {"id": 1, "status": "archived", "kind": "a", "note": "x"},
        {"id": 2, "status": "done", "kind": "b", "note": "y"},
    ])
    op.enum_add_value("status", "cancelled", before="archived")
    op.enum_rename_value("status", "done", "finished")
    op.enum_remove_value("status", "archived", replace_with="cancelled")  # a swap
    op.enum_swap("kind", ["b", "a"], schema="ai")  # a swap in a translated schema
    op.check_enum_create("queue", "note", ["x", "y"])
    op.check_enum_set_values("queue", "note", ["x", "y", "z"])
    op.enum_to_check("queue", "kind", type_schema="ai")  # drops ai.kind
    op.check_to_enum("queue", "note", "note_t", ["x", "y", "z"], type_schema="ai")
    op.enum_create("spare", ["s"])
    op.enum_rename("spare", "spare2")
    op.enum_set_schema("spare2", "ai")
    op.enum_create("gone", ["g"], schema="ai")
    op.enum_drop("gone", schema="ai")


def _tenant_state(url: str, tenant: str) -> dict[str, Any]:
    enums = {
        (schema.replace(tenant, "T"), name): labels
        for (schema, name), labels in enum_snapshot(url).items()
        if schema in (tenant, f"{tenant}_ai")
    }
    rows = query(
        url,
        f"SELECT id, status::text, kind, note::text FROM {tenant}.queue ORDER BY id",
    )
    types = query(
        url,
        "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        f"WHERE a.attrelid = '{tenant}.queue'::regclass AND a.attnum > 0 "
        "AND NOT a.attisdropped ORDER BY a.attnum",
    )
    checks = query(
        url,
        "SELECT conname::text, convalidated FROM pg_constraint "
        f"WHERE conrelid = '{tenant}.queue'::regclass AND contype = 'c' ORDER BY 1",
    )
    return {
        "enums": enums,
        "rows": rows,
        "types": [(n, t.replace(tenant, "T")) for n, t in types],
        "checks": checks,
    }


def test_every_operation_follows_the_map_for_two_tenants(db_url: str) -> None:
    execute(db_url, *(f"CREATE SCHEMA {s}" for s in SCHEMAS))
    for tenant in ("tenant_a", "tenant_b"):
        run_online(db_url, _every_operation, schema_translate_map=_tenant_map(tenant))

    # nothing landed in the schemas the revision names before translation
    assert {s for s, _ in enum_snapshot(db_url)} == {
        "tenant_a", "tenant_a_ai", "tenant_b", "tenant_b_ai"
    }
    assert query(
        db_url,
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname IN ('public', 'ai')",
    ) == [(0,)]
    a, b = _tenant_state(db_url, "tenant_a"), _tenant_state(db_url, "tenant_b")
    assert a == b
    assert a["enums"] == {
        ("T", "status"): ("pending", "finished", "cancelled"),
        ("T_ai", "note_t"): ("x", "y", "z"),
        ("T_ai", "spare2"): ("s",),
    }
    assert a["rows"] == [(1, "cancelled", "a", "x"), (2, "finished", "b", "y")]
    assert a["types"] == [
        ("id", "integer"), ("status", "T.status"), ("kind", "text"), ("note", "T_ai.note_t"),
    ]
    assert a["checks"] == [("ck_queue_kind_enum", True)]


def test_refusals_name_the_translated_schema(db_url: str) -> None:
    """A missing type is looked up (and reported) in the tenant's schema."""
    execute(db_url, "CREATE SCHEMA tenant_a", "CREATE TYPE public.status AS ENUM ('a')")

    def add(op: Any) -> None:
        op.enum_add_value("status", "b")

    with pytest.raises(
        EnumStateError,
        match=r"enum tenant_a\.status does not exist \(an enum of that name exists as "
        r"public\.status\)",
    ):
        run_online(db_url, add, schema_translate_map={None: "tenant_a"})
    assert enum_snapshot(db_url) == {("public", "status"): ("a",)}


def test_offline_nothing_is_translated_as_for_alembic(second_db_url: str) -> None:
    """``--sql``: Alembic compiles with no map, so its create_table and our operations
    render the revision's own schemas; a tenant's script runs under its search_path."""

    def revision(op: Any) -> None:
        op.enum_create("status", ["pending", "done"])
        op.create_table(
            "queue",
            sa.Column("id", sa.Integer),
            sa.Column("status", postgresql.ENUM(name="status", create_type=False)),
            sa.Column("note", sa.Text),
        )
        op.enum_add_value("status", "archived")
        op.enum_remove_value("status", "done")
        op.check_enum_create("queue", "note", ["x"])

    script = render_offline(revision)
    assert "CREATE TABLE queue" in script
    assert "CREATE TYPE status AS ENUM" in script
    assert "ALTER TYPE status ADD VALUE" in script
    execute(second_db_url, "CREATE SCHEMA tenant_c")
    apply_script(second_db_url, "SET search_path TO tenant_c;\n" + script)
    assert enum_snapshot(second_db_url) == {("tenant_c", "status"): ("pending", "archived")}
