"""The pgenum / pgenum_async templates through real ``alembic`` commands.

The first group runs the source tree's templates (``alembic init -t <path>``, what
``alembic-enum-ops template-path`` prints) in the test venv: settings, concurrency,
offline scripts, asyncpg.  The last group builds the wheel, installs it in a fresh
virtual environment and runs the user's story (the README quickstart) there.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.config import Config
from sqlalchemy.engine import make_url

from tests.e2e.template_project import (
    ENV_LINE_EDITED,
    README,
    AlembicError,
    TemplateProject,
    readme_models,
    story_models,
)
from tests.support.catalog import column_snapshot, enum_snapshot, execute, query
from tests.support.migrate import apply_script
from tests.support.revision_edits import (
    CREATE_SCHEMA,
    DATA_STEP,
    edit_revision,
    map_removed_value,
)

pytestmark = pytest.mark.e2e

TEMPLATES = ["pgenum", "pgenum_async"]

PROBE = """
op.execute(
    "INSERT INTO probe SELECT {step!r}, current_setting('lock_timeout'), "
    "current_setting('statement_timeout')"
)
"""


def _probe(step: str) -> str:
    return PROBE.format(step=step)


@pytest.fixture(params=TEMPLATES)
def template(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _project(tmp_path: Path, url: str, template: str) -> TemplateProject:
    project = TemplateProject(tmp_path / "app", url)
    project.init(template, by_path=True)
    return project


def _write_probe_history(project: TemplateProject) -> None:
    project.write_revision(
        "0001",
        "op.execute('CREATE TABLE probe (step text, lock_timeout text, statement_timeout text)')\n"
        + _probe("first migration")
        + "with op.get_context().autocommit_block():\n"
        + "    " + _probe("autocommit step").strip().replace("\n", "\n    ")
        + "\nop.enum_create('mood', ['ok'], schema='public')\n"
        + "op.enum_add_value('mood', 'great', schema='public')\n",
        None,
    )
    project.write_revision("0002", _probe("second migration"), "0001")


def test_timeouts_hold_in_every_migration_and_autocommit_step(
    tmp_path: Path, db_url: str, template: str
) -> None:
    project = _project(tmp_path, db_url, template)
    project.set_ini_option("lock_timeout", "3s")
    project.set_ini_option("statement_timeout", "7min")
    _write_probe_history(project)
    project.alembic("upgrade", "head")
    assert query(db_url, "SELECT * FROM probe") == [
        ("first migration", "3s", "7min"),
        ("autocommit step", "3s", "7min"),
        ("second migration", "3s", "7min"),
    ]
    # enum operations get the same lock_timeout for their own SET LOCAL
    script = project.alembic("upgrade", "head", "--sql").stdout
    assert script.startswith("SET lock_timeout = '3s';\n\nSET statement_timeout = '7min';")
    assert "SET LOCAL lock_timeout = '3s';\n\nALTER TYPE public.mood ADD VALUE" in script


@pytest.mark.skipif(
    not hasattr(Config, "get_alembic_option"),
    reason="[tool.alembic] in pyproject.toml needs Alembic 1.16+",
)
def test_settings_from_pyproject_toml(tmp_path: Path, db_url: str) -> None:
    """A project configured through [tool.alembic]: alembic.ini keeps only the URL and
    logging."""
    project = _project(tmp_path, db_url, "pgenum")
    for key in ("script_location", "prepend_sys_path", "path_separator",
                "lock_timeout", "statement_timeout", "migration_lock"):
        project.remove_ini_option(key)
    (project.root / "pyproject.toml").write_text(
        "[tool.alembic]\n"
        'script_location = "%(here)s/migrations"\n'
        'prepend_sys_path = ["."]\n'
        'lock_timeout = "4s"\n'
        'statement_timeout = "8min"\n'
        "migration_lock = true\n"
    )
    _write_probe_history(project)
    project.alembic("upgrade", "head")
    assert set(query(db_url, "SELECT lock_timeout, statement_timeout FROM probe")) == {
        ("4s", "8min")
    }


def test_bad_setting_stops_before_connecting(tmp_path: Path, db_url: str) -> None:
    project = _project(tmp_path, db_url, "pgenum")
    project.set_ini_option("lock_timeout", "forever")
    result = project.alembic("upgrade", "head", check=False)
    assert result.returncode != 0
    assert "lock_timeout: timeout must be a duration like '2s'" in result.stderr
    assert query(db_url, "SELECT to_regclass('alembic_version')::text") == [(None,)]


def _advisory_waiters(url: str) -> int:
    rows = query(
        url,
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    return int(rows[0][0])


def _wait_for(predicate: object, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_concurrent_upgrades_migrate_once(tmp_path: Path, db_url: str, template: str) -> None:
    """Two deploys run `alembic upgrade head` at once: the second waits for the
    advisory lock, then finds nothing to do."""
    project = _project(tmp_path, db_url, template)
    execute(db_url, "CREATE TABLE runs (pid int)", "CREATE TABLE gate (open bool)")
    project.write_revision(
        "0001",
        """
        with op.get_context().autocommit_block():
            op.execute("INSERT INTO runs SELECT pg_backend_pid()")
        # hold the migration until the test opens the gate
        op.execute(
            "DO $$ BEGIN WHILE NOT EXISTS (SELECT 1 FROM gate) LOOP "
            "PERFORM pg_sleep(0.05); END LOOP; END $$"
        )
        op.execute("CREATE TABLE migrated (id int)")
        """,
        None,
    )
    first = project.popen_alembic("upgrade", "head")
    second: subprocess.Popen[str] | None = None
    try:
        _wait_for(lambda: query(db_url, "SELECT count(*) FROM runs")[0][0] == 1, "first run")
        second = project.popen_alembic("upgrade", "head")
        _wait_for(lambda: _advisory_waiters(db_url) == 1, "the second run to wait")
        # a read-only command does not queue behind the deploy
        current = project.run(sys.executable, "-m", "alembic", "current", timeout=30)
        assert current.returncode == 0 and _advisory_waiters(db_url) == 1
        execute(db_url, "INSERT INTO gate VALUES (true)")
        _out1, err1 = first.communicate(timeout=60)
        _out2, err2 = second.communicate(timeout=60)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert query(db_url, "SELECT count(*) FROM runs") == [(1,)]
    assert query(db_url, "SELECT version_num FROM alembic_version") == [("0001",)]
    assert "Running upgrade  -> 0001" in err1
    assert "Running upgrade" not in err2
    assert "another migration run holds the migration lock" in err2
    assert "got the migration lock; going on" in err2


def test_without_migration_lock_both_would_run(tmp_path: Path, db_url: str) -> None:
    """The control: with migration_lock = false the same race runs the revision twice
    (so the test above proves the lock, not luck)."""
    project = _project(tmp_path, db_url, "pgenum")
    project.set_ini_option("migration_lock", "false")
    # the version table exists already, as in every deploy after the first: two runs
    # creating it at once would race on the catalog and one would fail before the
    # revision (a CI run lost that race), proving nothing about the lock
    execute(
        db_url,
        "CREATE TABLE runs (pid int)",
        "CREATE TABLE gate (open bool)",
        "CREATE TABLE alembic_version (version_num varchar(32) NOT NULL, "
        "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))",
    )
    project.write_revision(
        "0001",
        """
        with op.get_context().autocommit_block():
            op.execute("INSERT INTO runs SELECT pg_backend_pid()")
        op.execute(
            "DO $$ BEGIN WHILE NOT EXISTS (SELECT 1 FROM gate) LOOP "
            "PERFORM pg_sleep(0.05); END LOOP; END $$"
        )
        """,
        None,
    )
    procs = [project.popen_alembic("upgrade", "head") for _ in range(2)]
    try:
        _wait_for(lambda: query(db_url, "SELECT count(*) FROM runs")[0][0] == 2, "both runs")
    finally:
        execute(db_url, "INSERT INTO gate VALUES (true)")
        for proc in procs:
            proc.communicate(timeout=60)
    assert query(db_url, "SELECT count(*) FROM runs") == [(2,)]


def test_offline_script_replays_with_psql(
    tmp_path: Path, db_url: str, second_db_url: str, template: str
) -> None:
    project = _project(tmp_path, db_url, template)
    project.write_revision(
        "0001",
        """
        op.execute("CREATE SCHEMA ai")
        op.enum_create("ingestionstatus", ["pending", "done"], schema="ai")
        op.execute("CREATE TABLE ai.ingestion_queue (id int, status ai.ingestionstatus)")
        """,
        None,
    )
    project.write_revision(
        "0002",
        """
        op.enum_add_value("ingestionstatus", "running", schema="ai", after="pending")
        op.execute("INSERT INTO ai.ingestion_queue VALUES (1, 'running')")
        """,
        "0001",
    )
    project.alembic("upgrade", "head")
    script = project.alembic("upgrade", "head", "--sql").stdout
    apply_script(second_db_url, script)
    assert enum_snapshot(second_db_url) == enum_snapshot(db_url)
    assert column_snapshot(second_db_url) == column_snapshot(db_url)
    assert query(second_db_url, "SELECT status::text FROM ai.ingestion_queue") == [("running",)]
    assert query(second_db_url, "SELECT version_num FROM alembic_version") == [("0002",)]


def test_asyncpg_runs_autocommit_steps(tmp_path: Path, db_url: str) -> None:
    """What docs/templates.md claims about asyncpg: the async template with
    ``postgresql+asyncpg://`` runs ADD VALUE (Alembic's autocommit block) and a data
    step using the new value, within a bounded time."""
    pytest.importorskip("asyncpg")
    url = make_url(db_url).set(drivername="postgresql+asyncpg").render_as_string(
        hide_password=False
    )
    project = _project(tmp_path, url, "pgenum_async")
    project.write_revision(
        "0001",
        """
        op.execute("CREATE SCHEMA ai")
        op.enum_create("ingestionstatus", ["pending"], schema="ai")
        op.execute("CREATE TABLE ai.ingestion_queue (id int, status ai.ingestionstatus)")
        op.enum_add_value("ingestionstatus", "done", schema="ai")
        op.execute("INSERT INTO ai.ingestion_queue VALUES (1, 'done')")
        """,
        None,
    )
    started = time.monotonic()
    project.run(sys.executable, "-m", "alembic", "upgrade", "head", timeout=60)
    assert time.monotonic() - started < 60
    assert query(db_url, "SELECT status::text FROM ai.ingestion_queue") == [("done",)]
    project.run(sys.executable, "-m", "alembic", "downgrade", "base", timeout=60)


def test_generated_empty_revision_passes_mypy_strict(
    tmp_path: Path, db_url: str, mypy_cache: Path
) -> None:
    project = _project(tmp_path, db_url, "pgenum")
    project.alembic("revision", "-m", "hand written", "--rev-id", "0001")
    (path,) = project.versions.glob("0001_*.py")
    text = path.read_text()
    assert "from alembic_enum_ops import op" in text
    assert "Locks and rewrites" not in text
    pytest.importorskip("mypy")  # the floor-versions venv of scripts/matrix.py has none
    _mypy(sys.executable, project.versions, mypy_cache)


def test_template_env_py_passes_mypy_strict(tmp_path: Path, mypy_cache: Path) -> None:
    """Projects that type-check their migrations folder keep passing."""
    pytest.importorskip("mypy")
    root = Path(__file__).resolve().parents[2]
    for name in TEMPLATES:
        (tmp_path / f"env_{name}.py").write_text((root / "templates" / name / "env.py").read_text())
    _mypy(sys.executable, tmp_path, mypy_cache)


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for the module: SQLAlchemy and Alembic are analysed once."""
    return tmp_path_factory.mktemp("mypy_cache")


def _mypy(python: str, folder: Path, cache: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-executable", python,
         "--cache-dir", str(cache / Path(python).parent.parent.name), str(folder)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the wheel, in a fresh virtual environment ------------------------------------------


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Build the wheel (``python -m build --wheel``) and install it, with its
    ``[async]`` extra, into a new virtual environment; yield its python."""
    root = Path(__file__).resolve().parents[2]
    dist = tmp_path_factory.mktemp("dist")
    has_build = subprocess.run(
        [sys.executable, "-m", "build", "--version"], cwd=dist, capture_output=True, check=False
    )
    if has_build.returncode != 0:  # in [dev]; the floor-versions venv has none
        pytest.skip("the 'build' package is not installed")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(root)],
        cwd=dist, capture_output=True, text=True, check=False, timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("alembic_enum_ops-*.whl")
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"{wheel}[async]"],
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    yield python


@pytest.mark.slow
def test_wheel_lists_and_inits_both_templates(fresh_venv: Path, tmp_path: Path) -> None:
    listing = subprocess.run(
        [str(fresh_venv), "-m", "alembic", "list_templates"],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    ).stdout
    root = Path(__file__).resolve().parents[2]
    for name in TEMPLATES:
        description = (root / "templates" / name / "README").read_text().splitlines()[0]
        assert f"\n{name} - {description}\n" in listing
    for name in TEMPLATES:
        project = TemplateProject(tmp_path / name, "postgresql://unused", python=str(fresh_venv))
        project.init(name)
        assert (project.root / "alembic.ini").read_text().count("migration_lock = true") == 1
        assert project.env_py.read_text() == (root / "templates" / name / "env.py").read_text()
    # the console script prints the installed copy
    out = subprocess.run(
        [str(fresh_venv.parent / "alembic-enum-ops"), "template-path", "pgenum"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert out.endswith(os.path.join("alembic", "templates", "pgenum"))
    assert "site-packages" in out


@pytest.mark.slow
def test_users_story_with_the_installed_wheel(
    fresh_venv: Path,
    tmp_path: Path,
    db_url: str,
    second_db_url: str,
    template: str,
    mypy_cache: Path,
) -> None:
    """The README quickstart, step by step, with the installed wheel."""
    project = TemplateProject(tmp_path / "app", db_url, python=str(fresh_venv))
    # 1. alembic init -t pgenum migrations ; 2. one line of env.py ; 3. models
    project.init(template)
    project.edit_env()
    project.write_models(story_models("pending", "running", "done"))

    # 4. the first revision, autogenerated; Alembic leaves schemas to us
    first = project.autogenerate("ingestion queue", "0001")
    assert "op.enum_create('ingestionstatus', ['pending', 'running', 'done'], schema='ai')" in (
        first.read_text()
    )
    edit_revision(
        first,
        "    op.enum_create(",
        f"    {CREATE_SCHEMA}\n    op.enum_create(",
    )
    project.alembic("upgrade", "head")
    assert enum_snapshot(db_url) == {("ai", "ingestionstatus"): ("pending", "running", "done")}
    execute(
        db_url,
        "INSERT INTO ai.ingestion_queue (id, status) VALUES "
        "(1, 'pending'), (2, 'running'), (3, 'done')",
    )

    # 5. a new status, used by a data step in the same revision
    project.write_models(story_models("pending", "running", "failed", "done"))
    second = project.autogenerate("add failed", "0002")
    text = second.read_text()
    assert re.search(r"op\.enum_add_value\('ingestionstatus', 'failed', schema='ai'", text), text
    assert "# Locks and rewrites (review before deploying):" in text
    assert "commits the revision's transaction midway" in text
    edit_revision(
        second,
        "    # ### end Alembic commands ###",
        f"    {DATA_STEP}\n    # ### end Alembic commands ###",
    )
    # ...and its downgrade says where rows holding 'failed' go
    map_removed_value(second, "failed", "pending")
    project.alembic("upgrade", "head")
    assert query(db_url, "SELECT id, status::text FROM ai.ingestion_queue ORDER BY id") == [
        (1, "pending"), (2, "failed"), (3, "done"),
    ]

    # 6. a status removed, its rows mapped to another one
    project.write_models(story_models("pending", "failed", "done"))
    third = project.autogenerate("remove running", "0003")
    text = third.read_text()
    assert "rewrites table ai.ingestion_queue under ACCESS EXCLUSIVE lock" in text, text
    execute(db_url, "UPDATE ai.ingestion_queue SET status = 'running' WHERE id = 1")
    refused = project.alembic("upgrade", "head", check=False)
    assert refused.returncode != 0
    assert "running" in refused.stderr and "ai.ingestion_queue" in refused.stderr
    map_removed_value(third, "running", "pending")
    project.alembic("upgrade", "head")
    assert query(db_url, "SELECT id, status::text FROM ai.ingestion_queue ORDER BY id") == [
        (1, "pending"), (2, "failed"), (3, "done"),
    ]
    assert enum_snapshot(db_url) == {("ai", "ingestionstatus"): ("pending", "failed", "done")}
    online_enums, online_columns = enum_snapshot(db_url), column_snapshot(db_url)

    # 7. check passes; the revisions type-check unchanged (but for our edits)
    check = project.alembic("check")
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    if importlib.util.find_spec("mypy") is not None:  # floor venv: no mypy
        _mypy(str(fresh_venv), project.versions, mypy_cache)

    # 8. downgrade to base, then the offline script replayed with psql
    project.alembic("downgrade", "base")
    assert enum_snapshot(db_url) == {}
    script = project.alembic("upgrade", "head", "--sql").stdout
    apply_script(second_db_url, script)
    assert enum_snapshot(second_db_url) == online_enums
    assert column_snapshot(second_db_url) == online_columns


def test_readme_quickstart_is_the_tested_flow() -> None:
    """The README shows the very edits and commands the story test makes."""
    readme = README.read_text()
    for fragment in [
        "alembic init -t pgenum migrations",
        "-t pgenum_async",
        ENV_LINE_EDITED,
        CREATE_SCHEMA,
        'add `FAILED = "failed"` before `DONE`',
        f"`{DATA_STEP}`",
        "add `replace_with='pending'` to its `op.enum_remove_value(...)`",
        "delete `RUNNING`",
        "add `mapping={'running': 'pending'}` to the\n   swap",
        "alembic check ",
        "mypy --strict migrations/versions",
        "alembic downgrade base",
        "alembic upgrade head --sql > upgrade.sql",
        "createdb app_replica",
        "psql -v ON_ERROR_STOP=1 -d app_replica",
        "'psycopg[binary]'",
    ]:
        assert fragment in readme, fragment
    assert story_models("pending", "running", "done") == readme_models()
    # the docs site's quickstart runs the same story, with the same model
    quickstart = (README.parent / "docs" / "quickstart.md").read_text()
    assert f"<!-- test: file models.py -->\n```python\n{readme_models()}```" in quickstart
    for fragment in ["'psycopg[binary]'", "createdb app_replica", CREATE_SCHEMA,
                     "alembic revision --autogenerate", "## Writing a revision by hand"]:
        assert fragment in quickstart, fragment
    assert quickstart.index("alembic revision --autogenerate") < quickstart.index(
        "## Writing a revision by hand"
    )


def test_alembic_error_class_is_raised(tmp_path: Path, db_url: str) -> None:
    project = _project(tmp_path, db_url, "pgenum")
    with pytest.raises(AlembicError, match="exited"):
        project.alembic("upgrade", "nonexistent")
