"""The native operations through real ``alembic`` commands: upgrade, downgrade, and the
``--sql`` script replayed with psql reaching the same catalog."""

from __future__ import annotations

import pytest

from tests.support.catalog import column_snapshot, enum_snapshot, query
from tests.support.migrate import apply_script
from tests.support.project import AlembicProject

pytestmark = pytest.mark.e2e

LABELS = ["pending", "it's", 'say "hi"', "back\\slash", "🚀", "select", "%s :x"]


def _write_history(project: AlembicProject) -> None:
    project.write_revision(
        "0001",
        f"""
        op.execute('CREATE SCHEMA IF NOT EXISTS "Ai Schema"')
        op.enum_create("IngestionStatus", {LABELS!r}, schema="Ai Schema")
        op.execute('CREATE TABLE "Ai Schema".queue (id int, status "Ai Schema"."IngestionStatus")')
        """,
        f"""
        op.execute('DROP TABLE "Ai Schema".queue')
        op.enum_drop("IngestionStatus", schema="Ai Schema", values={LABELS!r})
        op.execute('DROP SCHEMA "Ai Schema"')
        """,
    )
    project.write_revision(
        "0002",
        """
        op.enum_add_value("IngestionStatus", "done", schema="Ai Schema", after="pending")
        op.execute(
            \"\"\"INSERT INTO "Ai Schema".queue VALUES (1, 'done'), (2, 'it''s')\"\"\"
        )
        op.enum_rename_value("IngestionStatus", "🚀", "launched", schema="Ai Schema")
        op.enum_rename("IngestionStatus", "ingestion status", schema="Ai Schema")
        op.enum_set_schema("ingestion status", "public", schema="Ai Schema")
        """,
        """
        op.execute('DELETE FROM "Ai Schema".queue')
        op.enum_set_schema("ingestion status", "Ai Schema", schema="public")
        op.enum_rename("ingestion status", "IngestionStatus", schema="Ai Schema")
        op.enum_rename_value("IngestionStatus", "launched", "🚀", schema="Ai Schema")
        op.enum_remove_value("IngestionStatus", "done", schema="Ai Schema")
        """,
        down_revision="0001",
    )


def test_upgrade_downgrade_and_offline_replay(project: AlembicProject, second_db_url: str) -> None:
    _write_history(project)
    project.upgrade()
    expected_labels = ("pending", "done", "it's", 'say "hi"', "back\\slash", "launched",
                       "select", "%s :x")
    assert enum_snapshot(project.url) == {("public", "ingestion status"): expected_labels}
    assert query(project.url, 'SELECT status::text FROM "Ai Schema".queue ORDER BY id') == [
        ("done",),
        ("it's",),
    ]

    project.downgrade("0001")
    assert enum_snapshot(project.url) == {("Ai Schema", "IngestionStatus"): tuple(LABELS)}
    project.downgrade("base")
    assert enum_snapshot(project.url) == {}
    project.upgrade()

    script = project.upgrade_sql()
    assert "COMMIT;\n\nBEGIN;\n\nSET LOCAL lock_timeout = '2s';\n\nALTER TYPE" in script
    apply_script(second_db_url, script)
    assert enum_snapshot(second_db_url) == enum_snapshot(project.url)
    assert column_snapshot(second_db_url) == column_snapshot(project.url)
    assert query(second_db_url, 'SELECT status::text FROM "Ai Schema".queue ORDER BY id') == [
        ("done",),
        ("it's",),
    ]


def test_failed_revision_after_add_value_succeeds_when_rerun(project: AlembicProject) -> None:
    project.write_revision(
        "0001",
        """
        op.enum_create("status", ["a"], schema="public")
        op.execute("CREATE TABLE t (s status)")
        """,
    )
    project.write_revision(
        "0002",
        """
        op.enum_add_value("status", "b", schema="public")
        op.execute("INSERT INTO t VALUES ('b')")
        op.execute("SELECT 1/0")
        """,
        down_revision="0001",
    )
    failed = project.alembic("upgrade", "head", check=False)
    assert failed.returncode != 0
    assert "division by zero" in failed.stderr
    # the ADD VALUE step committed; the rest of 0002 rolled back; 0001 is stamped
    assert enum_snapshot(project.url) == {("public", "status"): ("a", "b")}
    assert query(project.url, "SELECT count(*) FROM t") == [(0,)]
    assert query(project.url, "SELECT version_num FROM alembic_version") == [("0001",)]

    fixed = project.versions / "0002.py"
    fixed.write_text(fixed.read_text().replace('op.execute("SELECT 1/0")', "pass"))
    project.upgrade()
    assert enum_snapshot(project.url) == {("public", "status"): ("a", "b")}
    assert query(project.url, "SELECT s::text FROM t") == [("b",)]
    assert query(project.url, "SELECT version_num FROM alembic_version") == [("0002",)]
