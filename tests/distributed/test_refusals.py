"""What Citus cannot do is refused before anything changes, naming the object and the
reason: each refusal triggered on a coordinator."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alembic_enum_ops import UnsafeOperationError, preview_swap
from tests.support.catalog import query
from tests.support.citus import distribute_sql, labels_by_node
from tests.support.project import AlembicProject

pytestmark = pytest.mark.e2e


def setup(project: AlembicProject, s: str) -> None:
    """A type on a distributed table (by id), a reference table, a table distributed by
    the enum column, and a text column of a distributed table under a CHECK."""
    statements = [
        f"CREATE TABLE {s}.d (id int PRIMARY KEY, s {s}.status, c text)",
        distribute_sql("distributed", f"{s}.d"),
        f"CREATE TABLE {s}.r (id int PRIMARY KEY, s {s}.status)",
        distribute_sql("reference", f"{s}.r"),
        f"CREATE TABLE {s}.k (s {s}.status, n int)",
        distribute_sql("distributed", f"{s}.k", "s"),
        f"CREATE TABLE {s}.dk (c text, n int)",
        distribute_sql("distributed", f"{s}.dk", "c"),
        f"INSERT INTO {s}.d VALUES (1, 'new', 'a'), (2, 'old', 'b')",
        f"INSERT INTO {s}.k VALUES ('new', 1)",
        f"INSERT INTO {s}.dk VALUES ('a', 1)",
    ]
    project.write_revision(
        "0001",
        f'op.enum_create("status", ["new", "old"], schema={s!r})\n'
        + "\n".join(f"op.execute({x!r})" for x in statements)
        + f"\nop.check_enum_create('d', 'c', ['a', 'b'], schema={s!r})"
        + f"\nop.check_enum_create('dk', 'c', ['a', 'b'], schema={s!r})",
    )
    project.upgrade()


def refused(project: AlembicProject, upgrade: str) -> str:
    project.write_revision("0002", upgrade, down_revision="0001")
    failed = project.alembic("upgrade", "head", check=False)
    assert failed.returncode != 0
    versions = f"{project.configure['version_table_schema']}.alembic_version"
    assert query(project.url, f"SELECT version_num FROM {versions}") == [("0001",)]
    return failed.stderr


def test_swaps_refuse_a_distribution_column_and_online_triggers(
    citus_project: AlembicProject, schema: str
) -> None:
    s = schema
    setup(citus_project, s)
    message = refused(
        citus_project,
        f'op.enum_swap("status", ["new", "old", "gone"], schema={s!r}, online=True)',
    )
    assert f"refusing to swap enum {s}.status" in message
    assert (f"column s of table {s}.d: a Citus distributed table, and Citus supports no "
            "trigger on it") in message
    assert f"column s of table {s}.r: a Citus reference table" in message
    assert f"column s of table {s}.k is its Citus distribution column" in message
    assert "online=False" in message  # the hint for what only the online swap cannot do
    assert set(labels_by_node(citus_project.url, s, "status").values()) == {("new", "old")}


def test_conversions_refuse_a_distribution_column(
    citus_project: AlembicProject, schema: str
) -> None:
    s = schema
    setup(citus_project, s)
    message = refused(citus_project, f"op.enum_to_check('k', 's', schema={s!r})")
    assert (f"refusing to convert column {s}.k.s to text + CHECK: column s of table {s}.k is its "
            "Citus distribution column") in message
    message = refused(
        citus_project, f"op.check_to_enum('dk', 'c', 'letter', ['a', 'b'], schema={s!r})"
    )
    assert (f"refusing to convert column {s}.dk.c to enum {s}.letter: column c of table {s}.dk is "
            "its Citus distribution column") in message


def test_online_conversions_and_a_mapping_refuse_triggers_on_distributed_tables(
    citus_project: AlembicProject, schema: str
) -> None:
    s = schema
    setup(citus_project, s)
    message = refused(citus_project, f"op.enum_to_check('r', 's', schema={s!r}, online=True)")
    assert (f"refusing to convert column {s}.r.s to text + CHECK: table {s}.r is a Citus reference "
            "table, and an online conversion keeps its shadow column in sync with a "
            "trigger") in message
    message = refused(
        citus_project,
        f"op.check_to_enum('d', 'c', 'letter', ['a', 'b'], schema={s!r}, online=True)",
    )
    assert f"table {s}.d is a Citus distributed table, and an online conversion" in message
    message = refused(
        citus_project,
        f"op.check_enum_set_values('d', 'c', ['a', 'z'], schema={s!r}, mapping={{'b': 'z'}})",
    )
    assert (f"refusing to change the values allowed by ck_d_c_enum with a mapping: table "
            f"{s}.d is a Citus distributed table, and the remap keeps rows written "
            "meanwhile mapped with a BEFORE UPDATE trigger") in message
    assert query(citus_project.url, f"SELECT c FROM {s}.d ORDER BY id") == [("a",), ("b",)]


def test_a_preview_reports_what_citus_cannot_do(
    citus_project: AlembicProject, schema: str
) -> None:
    """``preview_swap()`` (the engine in preview mode: every check, nothing changed)
    raises the same refusal as the swap."""
    s = schema
    setup(citus_project, s)
    engine = sa.create_engine(citus_project.url)
    try:
        with engine.connect() as conn:
            with pytest.raises(UnsafeOperationError) as info:
                preview_swap(conn, s, "status", new_values=["new", "old", "gone"])
    finally:
        engine.dispose()
    assert f"column s of table {s}.k is its Citus distribution column" in str(info.value)
