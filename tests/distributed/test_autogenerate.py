"""``alembic revision --autogenerate`` and ``alembic check`` on a coordinator see what
they see on a single server and nothing else: no shard, no type of the ``citus``
extension (``citus.distribution_type`` and the others)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.catalog import execute
from tests.support.citus import distribute_sql
from tests.support.project import AlembicProject

pytestmark = pytest.mark.e2e


def models(s: str, labels: list[str], *, mood: bool) -> str:
    mood_column = (
        f"    sa.Column('mood', sa.Enum('calm', 'busy', name='mood', schema={s!r})),\n"
        if mood else ""
    )
    return (
        "import sqlalchemy as sa\n"
        "metadata = sa.MetaData()\n"
        f"status = sa.Enum(*{labels!r}, name='status', schema={s!r})\n"
        f"sa.Table('d', metadata, sa.Column('id', sa.Integer, primary_key=True),\n"
        f"    sa.Column('s', status),\n{mood_column}    schema={s!r})\n"
        f"sa.Table('l', metadata, sa.Column('id', sa.Integer, primary_key=True),\n"
        f"    sa.Column('s', status), schema={s!r})\n"
    )


def upgrade_body(path: Path) -> str:
    text = path.read_text()
    return re.search(r"def upgrade\(\) -> None:(.*?)def downgrade", text, re.S).group(1)  # type: ignore[union-attr]


def test_autogenerate_and_check_see_what_one_server_sees(
    citus_project: AlembicProject, schema: str, tmp_path: Path, db_url: str
) -> None:
    s = schema
    single = AlembicProject(tmp_path / "single", db_url)
    execute(db_url, f"CREATE SCHEMA {s}")
    for project in (single, citus_project):
        project.write_models(models(s, ["new", "old"], mood=False))
        project.write_revision(
            "0001",
            f'op.enum_create("status", ["new", "old"], schema={s!r})\n'
            + "\n".join(f"op.execute({x!r})" for x in (
                f"CREATE TABLE {s}.d (id serial PRIMARY KEY, s {s}.status)",
                distribute_sql("distributed", f"{s}.d"),
                f"CREATE TABLE {s}.l (id serial PRIMARY KEY, s {s}.status)",
            )),
        )
        project.upgrade()
        assert project.check().returncode == 0, project.check().stderr
        project.write_models(models(s, ["new", "done", "old"], mood=True))
    generated = [upgrade_body(p.autogenerate("change")) for p in (single, citus_project)]
    assert generated[0] == generated[1]
    assert "enum_add_value" in generated[1] and "mood" in generated[1]
    assert "citus" not in generated[1] and "distribution_type" not in generated[1]
    citus_project.upgrade()
    checked = citus_project.check()
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No new upgrade operations detected" in checked.stdout + checked.stderr
