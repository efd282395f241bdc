"""What each error-level rule says happens at run time, happening on a real server.

Every case writes a revision, checks the linter reports it, runs ``alembic upgrade``
in a real project and asserts the failure (or the damage) the finding's message
names.  Then, where the fix is one of our operations, the fixed revision upgrades.
"""

from __future__ import annotations

import pytest

from tests.support.catalog import enum_snapshot, execute, query
from tests.support.project import AlembicProject

from .conftest import lint_files

pytestmark = pytest.mark.e2e

BASE = """
op.execute("CREATE SCHEMA ai")
op.execute("CREATE TYPE ai.status AS ENUM ('pending', 'done')")
op.execute("CREATE TABLE ai.queue (id int PRIMARY KEY, status ai.status, label varchar(20))")
op.execute("INSERT INTO ai.queue VALUES (1, 'pending', 'pending')")
"""


def codes_of(project: AlembicProject, name: str) -> list[str]:
    return [f.code for f in lint_files([project.versions / name], project.root)]


def upgrade_fails(project: AlembicProject) -> str:
    result = project.alembic("upgrade", "head", check=False)
    assert result.returncode != 0, result.stdout + result.stderr
    return result.stderr


def test_eo202_new_label_used_in_the_same_transaction(project: AlembicProject) -> None:
    project.write_revision("0001", BASE)
    project.write_revision("0002", """
        op.execute("ALTER TYPE ai.status ADD VALUE 'failed' AFTER 'pending'")
        op.execute("UPDATE ai.queue SET status = 'failed' WHERE id = 1")
    """, down_revision="0001")
    assert codes_of(project, "0002.py") == ["EO201", "EO202"]
    assert 'unsafe use of new value "failed"' in upgrade_fails(project)
    project.write_revision("0002", """
        op.enum_add_value("status", "failed", schema="ai", after="pending")
        op.execute("UPDATE ai.queue SET status = 'failed' WHERE id = 1")
    """, down_revision="0001")
    assert codes_of(project, "0002.py") == []
    project.upgrade()
    assert query(project.url, "SELECT status::text FROM ai.queue") == [("failed",)]


def test_eo202_across_revisions_run_in_one_transaction(project: AlembicProject) -> None:
    """Alembic's default (no transaction_per_migration): fine one revision at a time,
    55P04 when both are applied by the same ``alembic upgrade``."""
    env = project.root / "migrations" / "env.py"
    text = env.read_text()
    marker = 'CONFIGURE.setdefault("transaction_per_migration", True)\n'
    assert marker in text
    env.write_text(text.replace(marker, ""))
    project.write_revision("0001", BASE)
    project.write_revision("0002", """
        op.execute("ALTER TYPE ai.status ADD VALUE 'failed' AFTER 'pending'")
    """, down_revision="0001")
    project.write_revision("0003", """
        op.execute("UPDATE ai.queue SET status = 'failed' WHERE id = 1")
    """, down_revision="0002")
    findings = lint_files([], project.root)
    assert [(f.path, f.code) for f in findings] == [
        ("migrations/versions/0002.py", "EO201"), ("migrations/versions/0003.py", "EO202"),
    ]
    # the type from an earlier deploy (PostgreSQL 17+ lets a type created in the same
    # transaction use its new labels at once: see the test below)
    project.upgrade("0001")
    assert "unsafe use of new value" in upgrade_fails(project)
    project.upgrade("0002")  # one at a time it works: the trap CI does not see
    project.upgrade()


def test_eo302_alter_column_to_an_enum_without_using(project: AlembicProject) -> None:
    project.write_revision("0001", BASE)
    project.write_revision("0002", """
        op.alter_column("queue", "label", schema="ai",
                        type_=sa.Enum(name="status", schema="ai", create_type=False),
                        existing_type=sa.VARCHAR(20))
    """, down_revision="0001")
    assert codes_of(project, "0002.py") == ["EO302", "EO303"]
    assert 'column "label" cannot be cast automatically to type ai.status' in (
        upgrade_fails(project)
    )


def test_eo401_create_table_creates_the_type_a_second_time(project: AlembicProject) -> None:
    project.write_revision("0001", """
        op.execute("CREATE SCHEMA ai")
        op.enum_create("status", ["pending", "done"], schema="ai")
        op.create_table("jobs", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("s", sa.Enum("pending", "done", name="status", schema="ai")),
                        schema="ai")
    """)
    assert codes_of(project, "0001.py") == ["EO401"]
    assert 'type "status" already exists' in upgrade_fails(project)


def test_eo402_the_type_lands_in_the_default_schema(project: AlembicProject) -> None:
    project.write_revision("0001", """
        op.execute("CREATE SCHEMA ai")
        op.create_table("jobs", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("s", sa.Enum("pending", "done", name="status")),
                        schema="ai")
    """)
    assert codes_of(project, "0001.py") == ["EO402"]
    project.upgrade()
    assert enum_snapshot(project.url) == {("public", "status"): ("pending", "done")}


def test_eo101_cascade_drops_the_column_and_its_data(project: AlembicProject) -> None:
    project.write_revision("0001", BASE, 'op.execute("DROP SCHEMA ai CASCADE")')
    project.write_revision("0002", 'op.execute("DROP TYPE ai.status CASCADE")',
                           down_revision="0001")
    assert codes_of(project, "0002.py") == ["EO101"]
    project.upgrade()
    assert query(
        project.url,
        "SELECT column_name::text FROM information_schema.columns "
        "WHERE table_schema = 'ai' AND table_name = 'queue' ORDER BY ordinal_position",
    ) == [("id",), ("label",)]
    project.write_revision("0002", 'op.enum_drop("status", schema="ai")', down_revision="0001")
    project.downgrade("base")
    project.upgrade("0001")
    refused = upgrade_fails(project)
    assert "refusing to drop enum ai.status" in refused and "column status of table ai.queue" in (
        refused
    )


def test_eo102_deleting_from_pg_enum_breaks_rows(project: AlembicProject) -> None:
    project.write_revision("0001", BASE)
    project.write_revision("0002", """
        op.execute(
            "DELETE FROM pg_enum WHERE enumlabel = 'pending' "
            "AND enumtypid = 'ai.status'::regtype"
        )
    """, down_revision="0001")
    assert codes_of(project, "0002.py") == ["EO102"]
    project.upgrade()
    with pytest.raises(Exception, match="invalid internal value for enum"):
        query(project.url, "SELECT status::text FROM ai.queue")


def test_eo403_unqualified_name_depends_on_search_path(project: AlembicProject) -> None:
    project.write_revision("0001", BASE)
    project.write_revision("0002", """
        op.execute("UPDATE ai.queue SET status = 'done'::status")
    """, down_revision="0001")
    assert codes_of(project, "0002.py") == ["EO403"]
    assert 'type "status" does not exist' in upgrade_fails(project)
    execute(project.url, "CREATE TYPE public.status AS ENUM ('done')")
    # now it resolves -- to the other type: the shadowing failure
    assert "column \"status\" is of type ai.status but expression is of type status" in (
        upgrade_fails(project)
    )


def test_eo202_for_a_type_created_in_the_same_transaction(db_url: str) -> None:
    """Why EO202 has no exemption for a type created earlier in the transaction: up to
    PostgreSQL 16 the label an ADD VALUE added is unusable before commit all the same
    (only the labels of the CREATE TYPE itself are exempt); 17 exempts the labels added
    to a type created in the transaction too, but a revision may run on an older
    server, and the type of a real ADD VALUE comes from an earlier deploy."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            version = connection.dialect.server_version_info or (0,)
            connection.exec_driver_sql("CREATE TYPE fresh AS ENUM ('a')")
            connection.exec_driver_sql("SELECT 'a'::fresh")
            connection.exec_driver_sql("ALTER TYPE fresh ADD VALUE 'b'")
            if version >= (17,):
                assert connection.exec_driver_sql("SELECT 'b'::fresh::text").scalar() == "b"
            else:
                with pytest.raises(sa.exc.DBAPIError, match='unsafe use of new value "b"'):
                    connection.exec_driver_sql("SELECT 'b'::fresh")
            connection.rollback()
    finally:
        engine.dispose()
