"""Autogenerate of VARCHAR + CHECK enum columns through real ``alembic`` commands."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from tests.support.catalog import query
from tests.support.project import AlembicProject

pytestmark = pytest.mark.e2e

CHECKS_SQL = """
SELECT c.relname::text, con.conname::text, pg_get_constraintdef(con.oid), con.convalidated
FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
WHERE con.contype = 'c' AND c.relname <> 'alembic_version' ORDER BY 1, 2
"""


def _models(values: list[str], *, extra_column: bool = False, convention: bool = True) -> str:
    naming = "{'ck': 'ck_%(table_name)s_%(constraint_name)s'}" if convention else "{}"
    extra = (
        ",\n    sa.Column('kind', check_enum('pdf', 'html', name='kind'))" if extra_column else ""
    )
    return (
        "import sqlalchemy as sa\n"
        "from alembic_enum_ops import check_enum\n"
        f"metadata = sa.MetaData(naming_convention={naming})\n"
        "queue = sa.Table(\n"
        "    'queue', metadata, sa.Column('id', sa.Integer, primary_key=True),\n"
        f"    sa.Column('status', sa.Enum(*{values!r}, name='status', native_enum=False,"
        f" create_constraint=True, length=20)){extra},\n"
        ")\n"
    )


def _calls(path: Path, function: str = "upgrade") -> list[str]:
    tree = ast.parse(path.read_text())
    body = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function)
    return [
        ast.unparse(stmt.value)
        for stmt in body.body
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
    ]


def test_new_table_changed_set_new_column_and_check(project: AlembicProject) -> None:
    project.write_models(_models(["pending", "done"]))
    first = project.autogenerate("create", rev_id="0001")
    calls = _calls(first)
    assert calls[0].startswith("op.create_table('queue'")
    assert "create_constraint" not in calls[0]
    assert calls[1] == (
        "op.check_enum_create('queue', 'status', ['pending', 'done'], "
        "constraint_name='ck_queue_status')"
    )
    script = project.upgrade_sql()
    create = script[script.index("CREATE TABLE queue") :]
    assert "CHECK" not in create[: create.index(";")]
    assert create.index("NOT VALID") < create.index("VALIDATE CONSTRAINT")
    project.upgrade()
    assert [(r[1], r[3]) for r in query(project.url, CHECKS_SQL)] == [("ck_queue_status", True)]
    assert project.check().returncode == 0

    # the allowed set changes: check_enum_set_values with old_values, and drift is seen
    project.write_models(_models(["pending", "done", "failed"]))
    drift = project.check()
    assert drift.returncode != 0 and "check_enum_set_values" in drift.stdout + drift.stderr
    second = project.autogenerate("more", rev_id="0002")
    assert _calls(second) == [
        "op.check_enum_set_values('queue', 'status', ['pending', 'done', 'failed'], "
        "constraint_name='ck_queue_status', old_values=['pending', 'done'])"
    ]
    assert _calls(second, "downgrade") == [
        "op.check_enum_set_values('queue', 'status', ['pending', 'done'], "
        "constraint_name='ck_queue_status', old_values=['pending', 'done', 'failed'])"
    ]
    project.upgrade()
    assert project.check().returncode == 0

    # a new column on an existing table: added without CHECK, then NOT VALID + VALIDATE
    project.write_models(_models(["pending", "done", "failed"], extra_column=True))
    third = project.autogenerate("kind", rev_id="0003")
    calls = _calls(third)
    assert calls[0].startswith("op.add_column('queue'") and "create_constraint" not in calls[0]
    assert calls[1] == (
        "op.check_enum_create('queue', 'kind', ['pdf', 'html'], constraint_name='ck_queue_kind')"
    )
    project.upgrade()
    assert [(r[1], r[3]) for r in query(project.url, CHECKS_SQL)] == [
        ("ck_queue_kind", True),
        ("ck_queue_status", True),
    ]
    assert project.check().returncode == 0
    project.downgrade("0001")
    assert [(r[1], r[3]) for r in query(project.url, CHECKS_SQL)] == [("ck_queue_status", True)]
    assert "'failed'" not in query(project.url, CHECKS_SQL)[0][2]


def test_existing_column_without_check_gets_one(project: AlembicProject) -> None:
    from tests.support.catalog import execute

    execute(
        project.url,
        "CREATE TABLE queue (id serial PRIMARY KEY, status varchar(20))",
        "INSERT INTO queue (status) VALUES ('pending'), ('done')",
    )
    project.write_models(_models(["pending", "done"], convention=False))
    drift = project.check()
    assert drift.returncode != 0 and "check_enum_create" in drift.stdout + drift.stderr
    revision = project.autogenerate("ck", rev_id="0001")
    assert _calls(revision) == [
        "op.check_enum_create('queue', 'status', ['pending', 'done'], constraint_name='status')"
    ]
    project.upgrade()
    assert [(r[1], r[3]) for r in query(project.url, CHECKS_SQL)] == [("status", True)]
    assert project.check().returncode == 0


def test_hand_written_revision_with_mapping_online_and_sql(
    project: AlembicProject, second_db_url: str
) -> None:
    """A real ``alembic upgrade`` (transaction per migration) runs the batched remap
    inside the revision, and ``upgrade --sql`` replays to the same state."""
    from tests.support.catalog import execute
    from tests.support.migrate import apply_script

    for url in (project.url, second_db_url):
        execute(
            url,
            "CREATE TABLE queue (id serial PRIMARY KEY, status varchar(20))",
            "INSERT INTO queue (status) SELECT (ARRAY['pending','html','pdf'])[1 + mod(i, 3)] "
            "FROM generate_series(1, 3000) AS i",
        )
    project.write_revision(
        "0001",
        """
        op.check_enum_create("queue", "status", ["pending", "html", "pdf"], schema="public")
        op.check_enum_set_values(
            "queue", "status", ["pending", "web", "pdf"], schema="public",
            mapping={"html": "web"}, old_values=["pending", "html", "pdf"],
        )
        op.execute("INSERT INTO queue (status) VALUES ('web')")
        """,
        """
        op.check_enum_set_values(
            "queue", "status", ["pending", "html", "pdf"], schema="public",
            mapping={"web": "html"}, old_values=["pending", "web", "pdf"],
        )
        op.check_enum_drop("queue", "status", schema="public")
        """,
    )
    script = project.upgrade_sql()
    project.upgrade()
    apply_script(second_db_url, script)
    counts = "SELECT status, count(*) FROM queue GROUP BY 1 ORDER BY 1"
    for url in (project.url, second_db_url):
        assert query(url, counts) == [("pdf", 1000), ("pending", 1000), ("web", 1001)]
        assert [(r[1], r[3]) for r in query(url, CHECKS_SQL)] == [
            ("ck_queue_status_enum", True)
        ]
    assert query(project.url, CHECKS_SQL) == query(second_db_url, CHECKS_SQL)
    project.downgrade()
    assert query(project.url, counts) == [("html", 1001), ("pdf", 1000), ("pending", 1000)]
    assert query(project.url, CHECKS_SQL) == []


@pytest.mark.parametrize("online", [False, True], ids=["rewrite", "online"])
def test_switching_between_native_enum_and_check(project: AlembicProject, online: bool) -> None:
    """Alembic's bare ``alter_column`` type change is replaced by the conversions; the
    native type is created / dropped by the native comparator around them.  With
    ``online_conversions=True`` both conversions are the online ones, both ways."""
    from tests.support.catalog import column_snapshot, enum_snapshot, execute

    execute(
        project.url,
        "CREATE TYPE status AS ENUM ('a', 'b')",
        "CREATE TABLE queue (id serial PRIMARY KEY, status status NOT NULL DEFAULT 'a', "
        "kind varchar(10) CONSTRAINT ck_queue_kind CHECK (kind IN ('x', 'y')))",
        "INSERT INTO queue (status, kind) VALUES ('b', 'y'), ('a', NULL)",
    )
    project.write_models(
        "import sqlalchemy as sa\n"
        "metadata = sa.MetaData(\n"
        "    naming_convention={'ck': 'ck_%(table_name)s_%(constraint_name)s'})\n"
        "queue = sa.Table('queue', metadata, sa.Column('id', sa.Integer, primary_key=True),\n"
        "    sa.Column('status', sa.Enum('a', 'b', name='status', native_enum=False,\n"
        "              create_constraint=True, length=10), nullable=False, server_default='a'),\n"
        "    sa.Column('kind', sa.Enum('x', 'y', name='kind'), nullable=True))\n"
        + ("ENUM_OPS = {'online_conversions': True}\n" if online else "")
    )
    revision = project.autogenerate("switch", rev_id="0001")
    flag = ", online=True" if online else ""
    assert _calls(revision) == [
        "op.enum_create('kind', ['x', 'y'])",
        "op.enum_to_check('queue', 'status', type_name='status', values=['a', 'b'], "
        f"constraint_name='ck_queue_status', length=10, drop_type=False{flag})",
        "op.check_to_enum('queue', 'kind', 'kind', ['x', 'y'], "
        f"constraint_name='ck_queue_kind', create_type=False, existing_length=10{flag})",
        "op.enum_drop('status', values=['a', 'b'])",
    ]
    project.upgrade()
    assert enum_snapshot(project.url) == {("public", "kind"): ("x", "y")}
    columns = {c[2]: c for c in column_snapshot(project.url)}
    assert columns["status"][4:] == ("varchar", "'a'::character varying", "NO")
    assert columns["kind"][3:5] == ("public", "kind")
    assert [(r[1], r[3]) for r in query(project.url, CHECKS_SQL)] == [
        ("ck_queue_status", True)
    ]
    assert query(project.url, "SELECT status, kind::text FROM queue ORDER BY id") == [
        ("b", "y"), ("a", None),
    ]
    assert project.check().returncode == 0
    project.downgrade()
    assert enum_snapshot(project.url) == {("public", "status"): ("a", "b")}
    columns = {c[2]: c for c in column_snapshot(project.url)}
    assert columns["status"][3:] == ("public", "status", "'a'::status", "NO")
    assert [(r[1], r[3]) for r in query(project.url, CHECKS_SQL)] == [("ck_queue_kind", True)]
    # the downgrade restores the column's varchar(10), not text
    assert query(
        project.url,
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = 'queue'::regclass AND attname = 'kind'",
    ) == [("character varying(10)",)]
    assert query(project.url, "SELECT status::text, kind FROM queue ORDER BY id") == [
        ("b", "y"), ("a", None),
    ]


# --- next to Alembic's own CHECK comparison (alembic.ext.checkconstraint_byname) ----------

BYNAME = "alembic.ext.checkconstraint_byname"


def _has_byname() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(BYNAME) is not None
    except ModuleNotFoundError:  # Alembic < 1.19.2: no alembic.ext at all
        return False


@pytest.fixture(params=[False, True], ids=["alembic-checks-off", "alembic-checks-on"])
def byname(request: pytest.FixtureRequest) -> bool:
    if request.param and not _has_byname():
        pytest.skip(f"{BYNAME} needs Alembic 1.19.2+")
    return bool(request.param)


def _in_process(url: str, metadata: Any, byname: bool) -> tuple[list[Any], list[Any]]:
    """(top-level upgrade ops, alembic check's diffs) with or without Alembic's CHECK
    plugin enabled next to ours."""
    import sqlalchemy as sa
    from alembic.autogenerate import compare_metadata, produce_migrations
    from alembic.migration import MigrationContext

    import alembic_enum_ops  # noqa: F401  (registers the comparators)

    opts: dict[str, Any] = {"target_metadata": metadata, "compare_type": True}
    if byname:
        opts["autogenerate_plugins"] = ["alembic.autogenerate.*", BYNAME]
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=opts)
            script = produce_migrations(context, metadata)
            assert script.upgrade_ops is not None
            context = MigrationContext.configure(connection, opts=opts)
            return list(script.upgrade_ops.ops), list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def _flat(ops: list[Any]) -> list[str]:
    """Operation class names, container contents inlined."""
    from alembic.operations import ops as alembic_ops

    names: list[str] = []
    for op in ops:
        if isinstance(op, alembic_ops.ModifyTableOps):
            names.extend(_flat(op.ops))
        else:
            names.append(type(op).__name__)
    return names


def _check_model(values: list[str], *, extra: bool = False, native: bool = False,
                 own_check: bool = False) -> Any:
    import sqlalchemy as sa

    metadata = sa.MetaData(naming_convention={"ck": "ck_%(table_name)s_%(constraint_name)s"})
    status = (
        sa.Enum(*values, name="status") if native
        else sa.Enum(*values, name="status", native_enum=False, create_constraint=True,
                     length=20)
    )
    columns: list[Any] = [sa.Column("id", sa.Integer, primary_key=True),
                          sa.Column("status", status)]
    if extra:
        columns.append(sa.Column("kind", sa.Enum("pdf", "html", name="kind", native_enum=False,
                                                 create_constraint=True, length=10)))
    if own_check:
        columns.append(sa.CheckConstraint("id > 0", name="id_positive"))
    sa.Table("queue", metadata, *columns)
    return metadata


QUEUE = (
    "CREATE TABLE queue (id serial PRIMARY KEY, status varchar(20) "
    "CONSTRAINT ck_queue_status CHECK (status IN ('pending', 'done')))"
)


@pytest.mark.parametrize(
    ("setup", "model", "expected"),
    [
        ([QUEUE], dict(values=["pending", "done"]), []),
        ([QUEUE], dict(values=["pending", "done", "failed"]), ["SetCheckEnumValuesOp"]),
        ([QUEUE], dict(values=["pending", "done"], extra=True),
         ["AddColumnOp", "CreateCheckEnumOp"]),
        # the database's CHECK has PostgreSQL's name, the model's another one
        (["CREATE TABLE queue (id serial PRIMARY KEY, status varchar(20) "
          "CHECK (status IN ('pending', 'done')))"],
         dict(values=["pending", "done", "failed"]), ["SetCheckEnumValuesOp"]),
        (["CREATE TABLE queue (id serial PRIMARY KEY, status varchar(20))"],
         dict(values=["pending", "done"]), ["CreateCheckEnumOp"]),
        (["CREATE TYPE status AS ENUM ('pending', 'done')",
          "CREATE TABLE queue (id serial PRIMARY KEY, status status)"],
         dict(values=["pending", "done"]), ["EnumToCheckOp", "DropEnumOp"]),
        ([QUEUE], dict(values=["pending", "done"], native=True),
         ["CreateEnumOp", "CheckToEnumOp"]),
    ],
    ids=["same", "changed", "new-column", "other-name", "missing", "to-check", "to-native"],
)
def test_with_alembic_check_comparison_no_duplicate_operations(
    db_url: str, byname: bool, setup: list[str], model: dict[str, Any], expected: list[str]
) -> None:
    """With Alembic's CHECK comparison enabled, a column we manage still gets exactly
    our operation (no add/drop of the same CHECK beside it), and alembic check agrees."""
    from tests.support.catalog import execute

    execute(db_url, *setup)
    ops, diffs = _in_process(db_url, _check_model(**model), byname)
    assert _flat(ops) == expected
    assert len(diffs) == len(expected)


def test_with_alembic_check_comparison_other_checks_are_still_alembics(
    db_url: str, byname: bool
) -> None:
    """A CHECK we do not manage (not an enum's value set) stays Alembic's business."""
    from tests.support.catalog import execute

    execute(db_url, QUEUE)
    ops, _ = _in_process(
        db_url, _check_model(["pending", "done", "failed"], own_check=True), byname
    )
    expected = ["SetCheckEnumValuesOp"]
    if byname:
        expected.insert(0, "CreateCheckConstraintOp")
    assert sorted(_flat(ops)) == sorted(expected)
