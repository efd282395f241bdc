"""``alembic upgrade --sql`` replayed with psql on a coordinator reaches what an online
upgrade reaches on a single server: the native operations, the swaps, the CHECK
variant and the conversions, with the same labels on every node."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.distributed import test_check_variant as check_variant
from tests.distributed import test_operations as operations
from tests.support.catalog import execute
from tests.support.citus import labels_by_node
from tests.support.migrate import apply_script
from tests.support.project import AlembicProject

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("distributed", [True, None], ids=["distributed", "default"])
def test_offline_script_replays_on_a_coordinator(
    citus_project: AlembicProject,
    schema: str,
    tmp_path: Path,
    db_url: str,
    distributed: bool | None,
) -> None:
    single = AlembicProject(tmp_path / "single", db_url)
    execute(db_url, f"CREATE SCHEMA {schema}")
    for project in (single, citus_project):
        operations.write_setup(project, schema)
        operations.write_changes(project, schema)
    citus_project.write_models(
        "import sqlalchemy as sa\nmetadata = sa.MetaData()\n"
        f"ENUM_OPS = {{'distributed': {distributed!r}}}\n"
    )
    single.upgrade()
    script = citus_project.upgrade_sql()
    assert ("SET LOCAL citus.propagate_set_commands = 'local'" in script) is bool(distributed)
    apply_script(citus_project.url, script)
    assert operations.state(citus_project.url, schema) == operations.state(db_url, schema)
    nodes = labels_by_node(citus_project.url, schema, "status")
    assert nodes == dict.fromkeys(nodes, ("new", "queued", "finished"))


def test_offline_check_variant_replays_on_a_coordinator(
    citus_project: AlembicProject, schema: str, tmp_path: Path, db_url: str
) -> None:
    single = AlembicProject(tmp_path / "single", db_url)
    execute(db_url, f"CREATE SCHEMA {schema}")
    for project in (single, citus_project):
        check_variant.write_history(project, schema)
    citus_project.write_models(
        "import sqlalchemy as sa\nmetadata = sa.MetaData()\nENUM_OPS = {'distributed': True}\n"
    )
    single.upgrade()
    apply_script(citus_project.url, citus_project.upgrade_sql())
    assert check_variant.state(citus_project.url, schema) == check_variant.state(db_url, schema)
    nodes = labels_by_node(citus_project.url, schema, "kind")
    assert nodes == dict.fromkeys(nodes, ("a", "b", "y"))
