"""Project mode: the revisions Alembic would run, in revision order, with env.py read.

Projects here are folders on disk (``alembic.ini`` or ``[tool.alembic]``, env.py,
versions); nothing connects to a database.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import alembic
import pytest

from alembic_enum_ops.lint.linter import Options, lint
from alembic_enum_ops.templates import template_path

from .conftest import codes

PLAIN_ENV = "from alembic import context\n\ncontext.configure(url='postgresql://x/y')\n"
PER_MIGRATION_ENV = (
    "from alembic import context\n\n"
    "context.configure(url='postgresql://x/y', transaction_per_migration=True)\n"
)


def revision(folder: Path, name: str, rev: str, down: str | None, upgrade: str,
             downgrade: str = "pass") -> Path:
    path = folder / name
    path.write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n"
        "from sqlalchemy.dialects import postgresql\n\n"
        f"revision = {rev!r}\ndown_revision = {down!r}\n\n\n"
        "def upgrade():\n" + textwrap.indent(textwrap.dedent(upgrade).strip(), "    ")
        + "\n\n\ndef downgrade():\n"
        + textwrap.indent(textwrap.dedent(downgrade).strip(), "    ") + "\n"
    )
    return path


def project(root: Path, env: str = PLAIN_ENV, ini_extra: str = "") -> Path:
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "migrations" / "env.py").write_text(env)
    (root / "alembic.ini").write_text(
        f"[alembic]\nscript_location = %(here)s/migrations\n{ini_extra}"
    )
    return root / "migrations" / "versions"


def run(root: Path, *paths: str, **options: object) -> list[tuple[str, str, int]]:
    result = lint(Options(paths=list(paths), **options), cwd=root)  # type: ignore[arg-type]
    return [(f.path, f.code, f.line) for f in result.findings]


def test_history_is_replayed_in_revision_order(tmp_path: Path) -> None:
    versions = project(tmp_path)
    # file names sort against the revision order: 'a_' is the second revision
    revision(versions, "a_second.py", "r2", "r1", """
        op.create_table(
            "queue",
            sa.Column("s", postgresql.ENUM("x", name="st", schema="ai")),
            schema="ai",
        )
    """)
    revision(versions, "z_first.py", "r1", None, """
        op.enum_create("st", ["x"], schema="ai")
    """, downgrade='op.enum_drop("st", schema="ai")')
    assert run(tmp_path) == [("migrations/versions/a_second.py", "EO401", 12)]


def test_paths_report_only_those_files_with_the_history_as_context(tmp_path: Path) -> None:
    """What pre-commit does: pass the changed files; the rest is still read."""
    versions = project(tmp_path)
    revision(versions, "0001.py", "r1", None, """
        op.execute("CREATE TYPE ai.st AS ENUM ('x')")
        op.execute("DROP TYPE old CASCADE")
    """)
    revision(versions, "0002.py", "r2", "r1", """
        op.execute("UPDATE ai.t SET s = 'x'::st")
    """)
    assert run(tmp_path, "migrations/versions/0002.py") == [
        ("migrations/versions/0002.py", "EO403", 10)
    ]
    assert {c for _, c, _ in run(tmp_path)} == {"EO101", "EO403"}


def test_a_label_added_in_one_revision_and_used_in_the_next(tmp_path: Path) -> None:
    """Alembic's default runs all revisions of one upgrade in a single transaction."""
    versions = project(tmp_path)
    revision(versions, "0001.py", "r1", None, """
        op.execute("ALTER TYPE ai.st ADD VALUE 'y' AFTER 'x'")
    """)
    revision(versions, "0002.py", "r2", "r1", """
        op.execute("UPDATE ai.t SET s = 'y'")
    """)
    result = lint(Options(), cwd=tmp_path)
    assert [(f.path, f.code) for f in result.findings] == [
        ("migrations/versions/0001.py", "EO201"), ("migrations/versions/0002.py", "EO202"),
    ]
    assert "migrations/versions/0001.py:10, an earlier revision run in the same transaction" in (
        result.findings[1].message
    )
    (tmp_path / "migrations" / "env.py").write_text(PER_MIGRATION_ENV)
    assert [c for _, c, _ in run(tmp_path)] == ["EO201"]


def test_downgrade_does_not_change_the_history(tmp_path: Path) -> None:
    versions = project(tmp_path)
    revision(versions, "0001.py", "r1", None, 'op.enum_create("st", ["x"], schema="ai")',
             downgrade='op.enum_drop("st", schema="ai")')
    revision(versions, "0002.py", "r2", "r1", """
        op.create_table("t", sa.Column("s", sa.Enum("x", name="st", schema="ai")), schema="ai")
    """)
    assert [c for _, c, _ in run(tmp_path)] == ["EO401"]


@pytest.mark.parametrize("template", ["pgenum", "pgenum_async"])
def test_the_pgenum_env_puts_lock_timeout_in_force(tmp_path: Path, template: str) -> None:
    env = (template_path(template) / "env.py").read_text()
    versions = project(tmp_path, env=env)
    revision(versions, "0001.py", "r1", None, 'op.execute("ALTER TABLE t ALTER c TYPE text")')
    assert run(tmp_path) == []
    (tmp_path / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/migrations\nlock_timeout = 0\n"
    )
    result = lint(Options(), cwd=tmp_path)
    assert [f.code for f in result.findings] == ["EO303"]
    assert "env.py turns it off (lock_timeout = 0 in the project's settings (off))" in (
        result.findings[0].message
    )


def test_an_env_without_lock_timeout_is_named(tmp_path: Path) -> None:
    versions = project(tmp_path)
    revision(versions, "0001.py", "r1", None, 'op.execute("ALTER TABLE t ALTER c TYPE text")')
    (finding,) = lint(Options(), cwd=tmp_path).findings
    assert "no SET lock_timeout before it, and env.py sets none" in finding.message
    (tmp_path / "migrations" / "env.py").write_text(
        PLAIN_ENV + "connect_args = {'options': '-c lock_timeout=2s'}\n"
    )
    assert run(tmp_path) == []


def test_bare_paths_find_their_env_py(tmp_path: Path) -> None:
    """Linting files outside a project (no alembic.ini here): versions/../env.py."""
    versions = project(tmp_path / "app", env=PER_MIGRATION_ENV + "SET = 'SET lock_timeout = 2s'\n")
    revision(versions, "0001.py", "r1", None, 'op.execute("ALTER TABLE t ALTER c TYPE text")')
    assert run(tmp_path, "app/migrations/versions/0001.py") == []


def test_version_locations_and_recursion(tmp_path: Path) -> None:
    versions = project(
        tmp_path,
        ini_extra="version_locations = %(here)s/migrations/versions %(here)s/more\n"
        "recursive_version_locations = true\npath_separator = space\n",
    )
    (tmp_path / "more" / "nested").mkdir(parents=True)
    revision(versions, "0001.py", "r1", None, 'op.execute("DROP TYPE a CASCADE")')
    revision(tmp_path / "more" / "nested", "0002.py", "r2", "r1",
             'op.execute("DROP TYPE b CASCADE")')
    (versions / "__init__.py").write_text("")
    (versions / ".#0003.py").write_text("lock file of an editor")
    assert run(tmp_path) == [
        ("migrations/versions/0001.py", "EO101", 10), ("more/nested/0002.py", "EO101", 10),
    ]


def test_config_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    versions = project(tmp_path / "app")
    revision(versions, "0001.py", "r1", None, 'op.execute("DROP TYPE a CASCADE")')
    ini = tmp_path / "app" / "alembic.ini"
    ini.write_text(ini.read_text().replace("[alembic]", "[main]"))
    assert run(tmp_path, configs=["app/alembic.ini"], section="main") == [
        (str(Path("app/migrations/versions/0001.py")), "EO101", 10)
    ]
    monkeypatch.setenv("ALEMBIC_CONFIG", str(tmp_path / "app" / "alembic.ini"))
    assert len(run(tmp_path, section="main")) == 1


def test_pyproject_tool_alembic(tmp_path: Path) -> None:
    if tuple(int(p) for p in alembic.__version__.split(".")[:2]) < (1, 16):
        pytest.skip("[tool.alembic] is read from Alembic 1.16")
    versions = project(tmp_path)
    (tmp_path / "alembic.ini").unlink()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic]\nscript_location = "%(here)s/migrations"\n'
    )
    revision(versions, "0001.py", "r1", None, 'op.execute("DROP TYPE a CASCADE")')
    assert run(tmp_path) == [("migrations/versions/0001.py", "EO101", 10)]


def test_catalog_names_enums_and_schemas(tmp_path: Path) -> None:
    """What --url adds: names that are enums only in the database."""
    versions = project(tmp_path)
    revision(versions, "0001.py", "r1", None, """
        op.execute("UPDATE ai.t SET s = 'x'::mood")
        op.add_column("t", sa.Column("m", postgresql.ENUM(name="mood", create_type=False)),
                      schema="ai")
    """)
    assert [c for _, c, _ in run(tmp_path)] == ["EO402"]
    catalog = [("public", "mood", ("x",))]
    assert [c for _, c, _ in run(tmp_path, catalog=catalog)] == ["EO403"]
    catalog = [("ai", "mood", ("x",))]
    assert [c for _, c, _ in run(tmp_path, catalog=catalog)] == ["EO403", "EO402"]


def test_not_revisions_in_a_walked_folder_are_skipped(tmp_path: Path) -> None:
    versions = project(tmp_path)
    (versions / "helpers.py").write_text("X = 1\n")
    revision(versions, "0001.py", "r1", None, "pass")
    result = lint(Options(paths=["migrations"]), cwd=tmp_path)
    assert result.files == 1
    result = lint(Options(paths=["migrations/versions/helpers.py"]), cwd=tmp_path)
    assert result.files == 1


def test_codes_helper() -> None:
    assert codes([]) == []
