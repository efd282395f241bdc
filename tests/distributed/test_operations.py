"""Every operation on a coordinator, through real ``alembic`` commands, with a
hash-distributed table, a reference table and a local table on the same enum type: the
same labels in the same order on every node, and the same data as on a single server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.catalog import execute, query
from tests.support.citus import distribute_sql, labels_by_node
from tests.support.project import AlembicProject

pytestmark = pytest.mark.e2e


def sql_calls(*statements: str) -> str:
    """Revision code running ``statements`` with ``op.execute``."""
    return "\n".join(f"op.execute({s!r})" for s in statements)


def write_setup(project: AlembicProject, s: str) -> None:
    """0001: the type, the three tables (distributed, reference, local) and their rows."""
    project.write_revision(
        "0001",
        f'op.enum_create("status", ["new", "busy", "done", "gone"], schema={s!r})\n'
        + sql_calls(
            f"CREATE TABLE {s}.d (id int PRIMARY KEY, s {s}.status, arr {s}.status[])",
            distribute_sql("distributed", f"{s}.d"),
            f"CREATE TABLE {s}.r (id int PRIMARY KEY, s {s}.status NOT NULL)",
            distribute_sql("reference", f"{s}.r"),
            f"CREATE TABLE {s}.l (id int PRIMARY KEY, s {s}.status)",
            f"INSERT INTO {s}.d SELECT g, (ARRAY['new','busy','done'])[1 + mod(g, 3)]::{s}.status,"
            f" ARRAY['new', 'done']::{s}.status[] FROM generate_series(1, 30) g",
            f"INSERT INTO {s}.r VALUES (1, 'new'), (2, 'busy'), (3, 'done')",
            f"INSERT INTO {s}.l VALUES (1, 'busy'), (2, 'gone')",
        ),
    )


def write_changes(project: AlembicProject, s: str) -> None:
    """0002 the native operations; 0003 removals (swaps, one with a mapping); 0004 a
    type created, renamed and dropped, and the type renamed and moved to another
    schema, there and back."""
    project.write_revision(
        "0002",
        # the multi-shard UPDATE comes after the type commands: before them, in the
        # same transaction, Citus refuses the type command (docs/distributed.md)
        f'op.enum_add_value("status", "queued", schema={s!r}, after="new")\n'
        f'op.enum_rename_value("status", "done", "finished", schema={s!r})\n'
        + sql_calls(f"UPDATE {s}.d SET s = 'queued' WHERE id <= 5"),
        down_revision="0001",
    )
    project.write_revision(
        "0003",
        sql_calls(f"DELETE FROM {s}.l WHERE s = 'gone'")
        + f'\nop.enum_remove_value("status", "gone", schema={s!r})'
        + f'\nop.enum_remove_value("status", "busy", schema={s!r}, replace_with="queued")',
        down_revision="0002",
    )
    project.write_revision(
        "0004",
        f'op.enum_create("spare", ["x"], schema={s!r})\n'
        f'op.enum_rename("spare", "extra", schema={s!r})\n'
        f'op.enum_drop("extra", schema={s!r})\n'
        f'op.enum_rename("status", "state", schema={s!r})\n'
        f'op.enum_rename("state", "status", schema={s!r})\n'
        f'op.execute("CREATE SCHEMA {s}_b")\n'
        f'op.enum_set_schema("status", "{s}_b", schema={s!r})\n'
        f'op.enum_set_schema("status", {s!r}, schema="{s}_b")',
        down_revision="0003",
    )


def state(url: str, s: str) -> list[tuple[object, ...]]:
    return [
        *query(url, f"SELECT 'd', id, s::text, arr::text[] FROM {s}.d ORDER BY id"),
        *query(url, f"SELECT 'r', id, s::text, NULL FROM {s}.r ORDER BY id"),
        *query(url, f"SELECT 'l', id, s::text, NULL FROM {s}.l ORDER BY id"),
    ]


def test_native_ops_and_swaps_agree_on_every_node_and_with_one_server(
    citus_project: AlembicProject, schema: str, tmp_path: Path, db_url: str
) -> None:
    single = AlembicProject(tmp_path / "single", db_url)
    for project in (citus_project, single):
        write_setup(project, schema)
        write_changes(project, schema)
    execute(db_url, f"CREATE SCHEMA {schema}")
    single.upgrade()
    citus_project.upgrade()

    nodes = labels_by_node(citus_project.url, schema, "status")
    assert nodes == dict.fromkeys(nodes, ("new", "queued", "finished"))
    assert len(nodes) == 3
    for gone in ("spare", "extra", "state"):
        assert set(labels_by_node(citus_project.url, schema, gone).values()) == {()}
    assert set(labels_by_node(citus_project.url, f"{schema}_b", "status").values()) == {()}
    assert state(citus_project.url, schema) == state(db_url, schema)
    assert ("d", 1, "queued", ["new", "finished"]) in state(citus_project.url, schema)


def test_removal_without_mapping_counts_rows_across_all_shards(
    citus_project: AlembicProject, schema: str
) -> None:
    s = schema
    write_setup(citus_project, s)
    citus_project.write_revision(
        "0002", f'op.enum_remove_value("status", "busy", schema={s!r})', down_revision="0001"
    )
    failed = citus_project.alembic("upgrade", "head", check=False)
    assert failed.returncode != 0
    # 10 of the 30 distributed rows, on both workers; one reference row, one local row
    assert query(
        citus_project.url,
        "SELECT count(DISTINCT sh.nodeport) FROM citus_shards sh WHERE sh.shardid IN ("
        f"SELECT get_shard_id_for_distribution_column('{s}.d', id) FROM {s}.d "
        "WHERE s = 'busy')",
    ) == [(2,)]
    assert f"refusing to swap enum {s}.status" in failed.stderr
    assert f"{s}.d.s: 10 row(s) hold 'busy'" in failed.stderr
    assert f"{s}.r.s: 1 row(s) hold 'busy'" in failed.stderr
    assert f"{s}.l.s: 1 row(s) hold 'busy'" in failed.stderr
    assert "complex table expressions" not in failed.stderr
    assert set(labels_by_node(citus_project.url, s, "status").values()) == {
        ("new", "busy", "done", "gone")
    }


def test_a_distribution_column_is_refused_before_anything_changes(
    citus_project: AlembicProject, schema: str
) -> None:
    s = schema
    write_setup(citus_project, s)
    citus_project.write_revision(
        "0002",
        sql_calls(
            f"CREATE TABLE {s}.k (s {s}.status, n int)",
            distribute_sql("distributed", f"{s}.k", "s"),
            f"INSERT INTO {s}.k VALUES ('new', 1)",
        ),
        down_revision="0001",
    )
    citus_project.upgrade()
    citus_project.write_revision(
        "0003",
        f'op.enum_remove_value("status", "gone", schema={s!r})',
        down_revision="0002",
    )
    failed = citus_project.alembic("upgrade", "head", check=False)
    assert failed.returncode != 0
    assert (
        f"column s of table {s}.k is its Citus distribution column (Citus cannot change "
        "the type of a distribution column" in failed.stderr
    )
    assert "partition column" not in failed.stderr  # Citus's own error never came
    assert set(labels_by_node(citus_project.url, s, "status").values()) == {
        ("new", "busy", "done", "gone")
    }
