"""A schema per tenant: the same revisions run once per tenant through an env.py that
hands Alembic a connection with ``schema_translate_map`` (``alembic -x tenant=...``).

Through real ``alembic`` commands: autogenerate against one tenant writes revisions
naming the model's schemas only; ``upgrade`` puts every type, CHECK and swap in the
tenant's schemas (``None`` -> ``tenant``, ``ai`` -> ``tenant_ai``); ``alembic check`` is
clean per tenant; ``verify()`` checks one tenant; ``upgrade --sql`` translates nothing,
exactly like Alembic's own operations, so a tenant's script runs under its search_path.
"""

from __future__ import annotations

import textwrap

import pytest
import sqlalchemy as sa

from alembic_enum_ops import EnumVerificationError, verify
from tests.support.catalog import enum_snapshot, execute, query
from tests.support.migrate import apply_script
from tests.support.project import AlembicProject

pytestmark = pytest.mark.e2e

TENANT_ENV_PY = '''
import os

import sqlalchemy as sa
from alembic import context
from sqlalchemy.dialects import postgresql
from sqlalchemy.pool import NullPool

import alembic_enum_ops  # noqa: F401  (registers the operations)
import models

config = context.config
tenant = context.get_x_argument(as_dictionary=True)["tenant"]
SCHEMA_MAP = {None: tenant, "ai": tenant + "_ai"}
url = os.environ["ENUM_OPS_URL"]
options = dict(
    target_metadata=models.metadata,
    transaction_per_migration=True,
    compare_type=True,
)

if context.is_offline_mode():
    # nothing is translated offline (Alembic compiles with no map): the script runs
    # under the tenant's search_path
    context.configure(url=url, literal_binds=True, **options)
    quoted = postgresql.dialect().identifier_preparer.quote_schema(tenant)
    context.get_context().impl.static_output(f"SET search_path TO {quoted};")
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = sa.create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        # Alembic's own table comparison reads the tables on the search_path
        connection.execute(
            sa.text("SELECT set_config('search_path', :path, false)"),
            {"path": connection.dialect.identifier_preparer.quote_schema(tenant)},
        )
        connection.commit()
        connection = connection.execution_options(schema_translate_map=SCHEMA_MAP)
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
'''


def _model(status: list[str], kind: list[str], color: list[str]) -> str:
    return textwrap.dedent(f"""
        import sqlalchemy as sa

        metadata = sa.MetaData()
        queue = sa.Table(
            "queue", metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("status", sa.Enum(*{status!r}, name="status")),
            sa.Column("kind", sa.Enum(*{kind!r}, name="kind", schema="ai")),
            sa.Column("color", sa.Enum(*{color!r}, name="color", native_enum=False,
                                       create_constraint=True, length=20)),
        )
    """)


def _tenant(project: AlembicProject, tenant: str, *args: str) -> str:
    result = project.alembic("-x", f"tenant={tenant}", *args)
    return result.stdout + result.stderr


def _autogenerate(project: AlembicProject, tenant: str, rev_id: str) -> str:
    _tenant(project, tenant, "revision", "--autogenerate", "-m", rev_id, "--rev-id", rev_id)
    (path,) = project.versions.glob(f"{rev_id}_*.py")
    return path.read_text()


def _checks(url: str, tenant: str) -> list[tuple[object, ...]]:
    return query(
        url,
        "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint "
        f"WHERE conrelid = '{tenant}.queue'::regclass AND contype = 'c' ORDER BY 1",
    )


def _tenant_metadata(project: AlembicProject) -> sa.MetaData:
    namespace: dict[str, object] = {}
    exec((project.root / "models.py").read_text(), namespace)  # the test's own model
    metadata = namespace["metadata"]
    assert isinstance(metadata, sa.MetaData)
    return metadata


def test_two_tenants_through_schema_translate_map(
    project: AlembicProject, second_db_url: str
) -> None:
    (project.root / "migrations" / "env.py").write_text(TENANT_ENV_PY)
    execute(project.url, *(
        f"CREATE SCHEMA {s}" for s in ("tenant_a", "tenant_a_ai", "tenant_b", "tenant_b_ai")
    ))
    project.write_models(_model(["pending", "done"], ["a", "b", "c"], ["red", "blue"]))

    first = _autogenerate(project, "tenant_a", "0001")
    assert "tenant" not in first
    assert "op.enum_create('kind', ['a', 'b', 'c'], schema='ai')" in first
    assert "op.enum_create('status', ['pending', 'done'])" in first
    assert "op.check_enum_create('queue', 'color', ['red', 'blue']" in first
    for tenant in ("tenant_a", "tenant_b"):
        _tenant(project, tenant, "upgrade", "head")
    snapshot = enum_snapshot(project.url)
    assert snapshot == {
        (f"{t}{s}", n): labels
        for t in ("tenant_a", "tenant_b")
        for s, n, labels in (("", "status", ("pending", "done")), ("_ai", "kind", ("a", "b", "c")))
    }
    for tenant in ("tenant_a", "tenant_b"):
        assert "No new upgrade operations detected" in _tenant(project, tenant, "check")

    # a label inserted, a label removed (a swap in the translated schema ai), a CHECK set
    project.write_models(
        _model(["pending", "running", "done"], ["a", "c"], ["red", "blue", "green"])
    )
    second = _autogenerate(project, "tenant_a", "0002")
    assert "tenant" not in second
    assert "op.enum_add_value('status', 'running', before='done')" in second
    assert "op.enum_swap('kind', ['a', 'c'], schema='ai', old_values=['a', 'b', 'c'])" in second
    assert "op.check_enum_set_values('queue', 'color', ['red', 'blue', 'green']" in second
    execute(project.url, "INSERT INTO tenant_b.queue (id, kind) VALUES (1, 'a')")
    for tenant in ("tenant_a", "tenant_b"):
        _tenant(project, tenant, "upgrade", "head")
        assert "No new upgrade operations detected" in _tenant(project, tenant, "check")
        assert enum_snapshot(project.url)[(tenant, "status")] == ("pending", "running", "done")
        assert enum_snapshot(project.url)[(f"{tenant}_ai", "kind")] == ("a", "c")
        assert "'green'" in str(_checks(project.url, tenant))
    assert {s for s, _ in enum_snapshot(project.url)} == {
        "tenant_a", "tenant_a_ai", "tenant_b", "tenant_b_ai"
    }
    assert query(
        project.url, "SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'ai')"
    ) == [(0,)]

    # verify(): one tenant at a time, through the same map
    metadata = _tenant_metadata(project)
    execute(project.url, "ALTER TYPE tenant_b.status ADD VALUE 'stray'")
    engine = sa.create_engine(project.url)
    try:
        with engine.connect() as connection:
            verify(connection.execution_options(
                schema_translate_map={None: "tenant_a", "ai": "tenant_a_ai"}), metadata)
            with pytest.raises(EnumVerificationError, match=r"Enum tenant_b\.status has labels"):
                verify(connection.execution_options(
                    schema_translate_map={None: "tenant_b", "ai": "tenant_b_ai"}), metadata)
    finally:
        engine.dispose()

    # --sql: Alembic compiles with no map, and neither do we: the revision's own
    # schemas, unqualified for schema=None, run under the tenant's search_path
    script = project.alembic("-x", "tenant=tenant_c", "upgrade", "head", "--sql").stdout
    assert script.startswith("SET search_path TO tenant_c;")
    assert "CREATE TABLE queue" in script and "CREATE TYPE status AS ENUM" in script
    assert "tenant" not in script.replace("tenant_c", "")
    execute(second_db_url, "CREATE SCHEMA tenant_c", "CREATE SCHEMA ai")
    apply_script(second_db_url, script)
    assert enum_snapshot(second_db_url) == {
        ("tenant_c", "status"): ("pending", "running", "done"),
        ("ai", "kind"): ("a", "c"),
    }
