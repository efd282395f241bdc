"""The VARCHAR + CHECK variant and the conversions between it and a native enum on a
coordinator: a hash-distributed, a reference and a local table, the same data as on a
single server, the same labels on every node."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.catalog import execute, query
from tests.support.citus import distribute_sql, labels_by_node
from tests.support.project import AlembicProject

pytestmark = pytest.mark.e2e

TABLES = ("d", "r", "l")


def calls(*lines: str) -> str:
    return "\n".join(lines)


def sql(statement: str) -> str:
    """Revision code running ``statement``."""
    return f"op.execute({statement!r})"


def write_history(project: AlembicProject, s: str) -> None:
    project.write_revision(
        "0001",
        calls(
            *(f"op.execute({f'CREATE TABLE {s}.{t} (id int PRIMARY KEY, c text)'!r})"
              for t in TABLES),
            f"op.execute({distribute_sql('distributed', f'{s}.d')!r})",
            f"op.execute({distribute_sql('reference', f'{s}.r')!r})",
            *(sql(f"INSERT INTO {s}.{t} SELECT g, (ARRAY['a', 'b', 'x'])[1 + mod(g, 3)] "
                  "FROM generate_series(1, 12) g") for t in TABLES),
        ),
    )
    project.write_revision(
        "0002",
        calls(*(f"op.check_enum_create({t!r}, 'c', ['a', 'b', 'x'], schema={s!r})"
                for t in TABLES)),
        down_revision="0001",
    )
    # a mapping needs a trigger, which Citus refuses on distributed and reference
    # tables: there the rows are moved by hand between two changes of the set
    project.write_revision(
        "0003",
        calls(
            f"op.check_enum_set_values('l', 'c', ['a', 'b', 'y'], schema={s!r}, "
            "mapping={'x': 'y'})",
            *(f"op.check_enum_set_values({t!r}, 'c', ['a', 'b', 'x', 'y'], schema={s!r})"
              for t in ("d", "r")),
            *(sql(f"UPDATE {s}.{t} SET c = 'y' WHERE c = 'x'") for t in ("d", "r")),
            *(f"op.check_enum_set_values({t!r}, 'c', ['a', 'b', 'y'], schema={s!r})"
              for t in ("d", "r")),
        ),
        down_revision="0002",
    )
    project.write_revision(
        "0004",
        calls(
            f"op.check_to_enum('d', 'c', 'kind', ['a', 'b', 'y'], schema={s!r})",
            f"op.check_to_enum('r', 'c', 'kind', ['a', 'b', 'y'], schema={s!r}, "
            "create_type=False)",
            f"op.check_to_enum('l', 'c', 'kind', ['a', 'b', 'y'], schema={s!r}, "
            "create_type=False)",
        ),
        down_revision="0003",
    )
    project.write_revision(
        "0005",
        calls(
            # type_name and values: an --sql script reads no catalog
            f"op.enum_to_check('l', 'c', schema={s!r}, drop_type=False, type_name='kind', "
            "values=['a', 'b', 'y'])",
            f"op.enum_to_check('r', 'c', schema={s!r}, drop_type=False, type_name='kind', "
            "values=['a', 'b', 'y'])",
            f"op.enum_to_check('d', 'c', schema={s!r}, drop_type=False, type_name='kind', "
            "values=['a', 'b', 'y'])",
        ),
        down_revision="0004",
    )


def state(url: str, s: str) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for t in TABLES:
        rows += query(url, f"SELECT '{t}', id, c::text, pg_typeof(c)::text FROM {s}.{t} "
                           "ORDER BY id")
        rows += query(url, "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint "
                           f"WHERE conrelid = '{s}.{t}'::regclass AND contype = 'c' ORDER BY 1")
    return rows


def test_check_variant_and_conversions_agree_with_one_server(
    citus_project: AlembicProject, schema: str, tmp_path: Path, db_url: str
) -> None:
    single = AlembicProject(tmp_path / "single", db_url)
    execute(db_url, f"CREATE SCHEMA {schema}")
    for project in (single, citus_project):
        write_history(project, schema)
        project.upgrade()
    assert state(citus_project.url, schema) == state(db_url, schema)
    nodes = labels_by_node(citus_project.url, schema, "kind")
    assert nodes == dict.fromkeys(nodes, ("a", "b", "y"))
