"""The online path (``online=True``) on a coordinator: on the tables it can serve (a
plain table of the coordinator; distributed and reference tables are refused, see
test_refusals.py) it ends as on a single server, and the type's labels agree on every
node."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.catalog import execute, query
from tests.support.citus import labels_by_node
from tests.support.migrate import apply_script
from tests.support.project import AlembicProject

pytestmark = pytest.mark.e2e


def write_history(project: AlembicProject, s: str) -> None:
    setup = [
        f"CREATE TABLE {s}.l (id int PRIMARY KEY, s {s}.status NOT NULL DEFAULT 'new', "
        "c text)",
        f"CREATE INDEX ON {s}.l (s)",
        f"INSERT INTO {s}.l SELECT g, (ARRAY['new', 'old', 'gone'])[1 + mod(g, 3)]::{s}.status, "
        "(ARRAY['a', 'b'])[1 + mod(g, 2)] FROM generate_series(1, 40) g",
    ]
    project.write_revision(
        "0001",
        f'op.enum_create("status", ["new", "old", "gone"], schema={s!r})\n'
        + "\n".join(f"op.execute({x!r})" for x in setup)
        + f"\nop.check_enum_create('l', 'c', ['a', 'b'], schema={s!r})",
    )
    project.write_revision(
        "0002",
        f'op.enum_swap("status", ["new", "done", "old"], schema={s!r}, '
        "mapping={'gone': 'done'}, online=True)\n"
        f"op.check_to_enum('l', 'c', 'letter', ['a', 'b'], schema={s!r}, online=True)",
        down_revision="0001",
    )
    project.write_revision(
        "0003",
        f"op.enum_to_check('l', 'c', schema={s!r}, online=True, drop_type=False, "
        "type_name='letter', values=['a', 'b'])",
        down_revision="0002",
    )


def state(url: str, s: str) -> list[tuple[object, ...]]:
    return query(
        url,
        f"SELECT id, s::text, pg_typeof(s)::text, c::text, pg_typeof(c)::text FROM {s}.l "
        "ORDER BY id",
    )


def test_online_operations_on_a_coordinator_table(
    citus_project: AlembicProject, schema: str, tmp_path: Path, db_url: str
) -> None:
    single = AlembicProject(tmp_path / "single", db_url)
    execute(db_url, f"CREATE SCHEMA {schema}")
    for project in (single, citus_project):
        write_history(project, schema)
        project.upgrade()
    assert state(citus_project.url, schema) == state(db_url, schema)
    for name, labels in (("status", ("new", "done", "old")), ("letter", ("a", "b"))):
        nodes = labels_by_node(citus_project.url, schema, name)
        assert nodes == dict.fromkeys(nodes, labels)


def test_online_operations_replay_offline_on_a_coordinator(
    citus_project: AlembicProject, schema: str, tmp_path: Path, db_url: str
) -> None:
    """The same revisions as an ``--sql`` script (psql's ``\\gexec`` runs the batches
    and index builds), replayed on the coordinator."""
    single = AlembicProject(tmp_path / "single", db_url)
    execute(db_url, f"CREATE SCHEMA {schema}")
    for project in (single, citus_project):
        write_history(project, schema)
    single.upgrade()
    citus_project.write_models(
        "import sqlalchemy as sa\nmetadata = sa.MetaData()\nENUM_OPS = {'distributed': True}\n"
    )
    apply_script(citus_project.url, citus_project.upgrade_sql())
    assert state(citus_project.url, schema) == state(db_url, schema)
    nodes = labels_by_node(citus_project.url, schema, "status")
    assert nodes == dict.fromkeys(nodes, ("new", "done", "old"))
