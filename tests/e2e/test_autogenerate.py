"""Autogenerate and ``alembic check`` through real ``alembic`` commands.

Each test writes a model, runs ``revision --autogenerate``, asserts on the rendered
revision, runs ``upgrade`` (and ``downgrade`` / ``upgrade`` again where it matters)
and asserts on the catalog, then runs ``check`` to prove the model and the database
are in sync afterwards.  Runs under the main venv and the floor venv (Alembic 1.13,
SQLAlchemy 2.0): ``/tmp/venv-floor/bin/python -m pytest tests/e2e/test_autogenerate.py``.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.catalog import enum_snapshot, execute, query
from tests.support.project import AlembicProject

pytestmark = pytest.mark.e2e


def _models(body: str, header: str = "") -> str:
    return (
        "import enum\n"
        "import sqlalchemy as sa\n"
        "from sqlalchemy.dialects import postgresql\n"
        f"{header}\n"
        "metadata = sa.MetaData()\n" + body
    )


def _queue(labels: list[str], *, schema: str | None = None, extra: str = "") -> str:
    enum_schema = f", schema={schema!r}" if schema else ""
    table_schema = f", schema={schema!r}" if schema else ""
    return _models(
        f"status = sa.Enum(*{labels!r}, name='ingestionstatus'{enum_schema})\n"
        "queue = sa.Table('queue', metadata, sa.Column('id', sa.Integer, primary_key=True),"
        f" sa.Column('status', status){table_schema})\n" + extra
    )


def _calls(path: Path) -> list[str]:
    """The ``op.*`` calls of the revision's upgrade(), one string each."""
    tree = ast.parse(path.read_text())
    upgrade = next(
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"
    )
    return [
        ast.unparse(stmt.value)
        for stmt in upgrade.body
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
    ]


def _downgrade_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    downgrade = next(
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "downgrade"
    )
    return [
        ast.unparse(stmt.value)
        for stmt in downgrade.body
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
    ]


def _ruff(path: Path) -> None:
    """The rendered revision passes ruff (pyflakes rules: undefined names, unused
    imports) and has no ``# type: ignore``."""
    assert "type: ignore" not in path.read_text()
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        return
    result = subprocess.run(
        [str(ruff), "check", "--isolated", "--select", "F,E9", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _assert_in_sync(project: AlembicProject) -> None:
    result = project.check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No new upgrade operations detected" in result.stdout + result.stderr


def test_new_table_with_new_enum_creates_type_once_and_round_trips(
    project: AlembicProject,
) -> None:
    project.write_models(_queue(["pending", "done"], schema=None))
    revision = project.autogenerate("init", "0001")
    calls = _calls(revision)
    assert calls[0] == "op.enum_create('ingestionstatus', ['pending', 'done'])"
    assert calls[1].startswith("op.create_table('queue'")
    assert "postgresql.ENUM('pending', 'done', name='ingestionstatus', create_type=False)" in (
        calls[1]
    )
    assert _downgrade_calls(revision) == [
        "op.drop_table('queue')",
        "op.enum_drop('ingestionstatus', values=['pending', 'done'])",
    ]
    _ruff(revision)
    project.upgrade()
    assert enum_snapshot(project.url) == {("public", "ingestionstatus"): ("pending", "done")}
    _assert_in_sync(project)
    project.downgrade()
    assert enum_snapshot(project.url) == {}
    project.upgrade()
    assert enum_snapshot(project.url) == {("public", "ingestionstatus"): ("pending", "done")}
    _assert_in_sync(project)
