"""The swap in a real Alembic project: ``alembic upgrade`` then ``downgrade``."""

from __future__ import annotations

from tests.support.catalog import enum_snapshot, query
from tests.support.migrate import apply_script
from tests.support.project import AlembicProject
from tests.swap_helpers import run_sql, snapshot


def test_upgrade_and_downgrade_with_alembic(project: AlembicProject) -> None:
    """A real revision: upgrade swaps (remapping rows), downgrade restores the old
    labels through the inverse mapping, data intact."""
    run_sql(
        project.url,
        "CREATE SCHEMA ai",
        "CREATE TYPE ai.status AS ENUM ('queued', 'working', 'finished')",
        "CREATE TABLE ai.jobs (id int, s ai.status DEFAULT 'queued', h ai.status[])",
        "CREATE VIEW ai.busy AS SELECT id FROM ai.jobs WHERE s = 'working'",
        "INSERT INTO ai.jobs VALUES (1, 'queued', '{queued}'), (2, 'working', '{queued,working}'),"
        " (3, 'finished', NULL)",
    )
    before = snapshot(project.url, ["ai.jobs", "ai.busy"])
    project.write_revision(
        "r1",
        """
        op.enum_swap(
            "status", ["finished", "running", "queued"], schema="ai",
            mapping={"working": "running"},
            old_values=["queued", "working", "finished"],
        )
        """,
        """
        op.enum_swap(
            "status", ["queued", "working", "finished"], schema="ai",
            mapping={"running": "working"},
            old_values=["finished", "running", "queued"],
        )
        """,
    )
    project.upgrade()
    assert enum_snapshot(project.url) == {("ai", "status"): ("finished", "running", "queued")}
    assert query(project.url, "SELECT id, s::text, h::text FROM ai.jobs ORDER BY id") == [
        (1, "queued", "{queued}"), (2, "running", "{queued,running}"), (3, "finished", None),
    ]
    assert query(project.url, "SELECT id FROM ai.busy") == [(2,)]
    project.downgrade()
    assert snapshot(project.url, ["ai.jobs", "ai.busy"]) == before


def test_upgrade_sql_applies_like_the_online_upgrade(
    project: AlembicProject, second_db_url: str
) -> None:
    """``alembic upgrade --sql`` replayed with psql on a twin database: same catalog,
    same rows as ``alembic upgrade`` online."""
    setup = [
        "CREATE TYPE color AS ENUM ('red', 'green', 'blue')",
        "CREATE TABLE paint (id int, c color DEFAULT 'green', cs color[])",
        "CREATE VIEW greens AS SELECT id FROM paint WHERE c = 'green'",
        "INSERT INTO paint VALUES (1, 'green', '{green,red}'), (2, 'blue', NULL)",
    ]
    run_sql(project.url, *setup)
    run_sql(second_db_url, *setup)
    project.write_revision(
        "r1",
        """
        op.enum_remove_value(
            "color", "green", schema="public", replace_with="red",
            old_values=["red", "green", "blue"],
        )
        """,
    )
    script = project.upgrade_sql()
    assert "DO $" in script and "paint" not in script
    project.upgrade()
    apply_script(second_db_url, script)
    tables = ["public.paint", "public.greens"]
    assert snapshot(second_db_url, tables) == snapshot(project.url, tables)
    assert query(project.url, "SELECT id, c::text, cs::text FROM paint ORDER BY id") == [
        (1, "red", "{red,red}"), (2, "blue", None),
    ]
