"""alembic_enum_ops.environment, revision_header and templates: the logic behind the
pgenum templates' env.py and script.py.mako, against a real server."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config

from alembic_enum_ops import cli, environment, templates
from alembic_enum_ops.environment import (
    ConfigError,
    MigrationSettings,
    database_url,
    include_name,
    lock_key,
    migration_session,
    settings_from_config,
)
from tests.support.catalog import execute


def _config(tmp_path: Path, alembic_section: str, pyproject: str | None = None) -> Config:
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = migrations\n" + alembic_section)
    toml = None
    if pyproject is not None:
        toml = tmp_path / "pyproject.toml"
        toml.write_text(pyproject)
    if toml is not None:
        return Config(str(ini), toml_file=str(toml))
    return Config(str(ini))


needs_toml = pytest.mark.skipif(
    not hasattr(Config, "get_alembic_option"),
    reason="[tool.alembic] in pyproject.toml needs Alembic 1.16+",
)


# --- settings -------------------------------------------------------------------------


def test_defaults_are_safe(tmp_path: Path) -> None:
    settings = settings_from_config(_config(tmp_path, ""))
    assert settings.lock_timeout == "2s"
    assert settings.statement_timeout == "5min"
    assert settings.migration_lock is True
    assert settings.lock_key == lock_key("alembic_version", None)
    assert settings.enum_ops() == {"lock_timeout": "2s"}


def test_settings_from_alembic_ini(tmp_path: Path) -> None:
    config = _config(
        tmp_path, "lock_timeout = 750ms\nstatement_timeout = 1h\nmigration_lock = false\n"
    )
    settings = settings_from_config(config)
    assert (settings.lock_timeout, settings.statement_timeout) == ("750ms", "1h")
    assert settings.migration_lock is False
    assert settings.enum_ops({"lock_retries": 9}) == {"lock_timeout": "750ms", "lock_retries": 9}


@needs_toml
def test_settings_from_pyproject_toml(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        "lock_timeout = 3s\n",
        '[tool.alembic]\nlock_timeout = "9s"\nstatement_timeout = 60000\nmigration_lock = false\n',
    )
    settings = settings_from_config(config)
    # the ini file wins over pyproject.toml for a key both have, as in Alembic itself
    assert settings.lock_timeout == "3s"
    assert settings.statement_timeout == "60000ms"
    assert settings.migration_lock is False


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("lock_timeout = soon\n", "lock_timeout: timeout must be a duration like"),
        ("statement_timeout = -5\n", "statement_timeout: timeout must be a duration like"),
        ("migration_lock = maybe\n", "migration_lock must be true or false, got 'maybe'"),
    ],
)
def test_bad_settings_are_refused_with_the_key(
    tmp_path: Path, section: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_from_config(_config(tmp_path, section))


@needs_toml
def test_bad_toml_types_are_refused(tmp_path: Path) -> None:
    config = _config(tmp_path, "", "[tool.alembic]\nlock_timeout = true\n")
    with pytest.raises(ConfigError, match="lock_timeout must be a duration like '2s'"):
        settings_from_config(config)


def test_unknown_enum_ops_key_fails_at_start_up() -> None:
    with pytest.raises(ValueError, match=r"unknown enum_ops option\(s\) \['lock_retry'\]"):
        MigrationSettings().enum_ops({"lock_retry": 3})


def test_lock_key_is_stable_and_per_version_table() -> None:
    assert lock_key() == lock_key("alembic_version", None)
    assert lock_key() != lock_key("other_version", None)
    assert lock_key() != lock_key("alembic_version", "ai")
    assert -(2**63) <= lock_key() < 2**63


# --- URL and schema filter --------------------------------------------------------------


def test_database_url_env_wins_and_bare_urls_mean_psycopg(tmp_path: Path) -> None:
    config = _config(tmp_path, "sqlalchemy.url = postgresql+psycopg://ini/db\n")
    assert database_url(config, environ={}) == "postgresql+psycopg://ini/db"
    assert database_url(config, environ={"DATABASE_URL": "postgres://u@h/d"}) == (
        "postgresql+psycopg://u@h/d"
    )
    assert database_url(config, environ={"DATABASE_URL": "postgresql://u@h/d"}) == (
        "postgresql+psycopg://u@h/d"
    )
    asyncpg = "postgresql+asyncpg://u@h/d"
    assert database_url(config, environ={"DATABASE_URL": asyncpg}) == asyncpg
    assert database_url(config, env_var="APP_DB", environ={"APP_DB": asyncpg}) == asyncpg


def test_database_url_missing(tmp_path: Path) -> None:
    config = _config(tmp_path, "")
    with pytest.raises(ConfigError, match=r"no database URL: set \$DATABASE_URL or sqlalchemy"):
        database_url(config, environ={})


@pytest.mark.parametrize(
    ("name", "included"),
    [
        ("ai", True),
        ("public", True),
        ("pg_catalog", False),
        ("information_schema", False),
        ("pg_toast", False),
        ("pg_temp_3", False),
        ("pg_toast_temp_3", False),
        ("pg_partman", True),  # an extension's schema is the user's business
    ],
)
def test_include_name_leaves_out_system_schemas(name: str, included: bool) -> None:
    assert include_name(name, "schema", {}) is included
    assert include_name(name, "table", {"schema_name": "ai"}) is True


# --- the migration session --------------------------------------------------------------


def _settings(**changes: object) -> MigrationSettings:
    base = {"lock_timeout": "3s", "statement_timeout": "7min", "lock_key": lock_key("t_env")}
    base.update(changes)
    return MigrationSettings(**base)  # type: ignore[arg-type]


def test_session_sets_timeouts_for_later_transactions_and_autocommit(db_url: str) -> None:
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn, migration_session(conn, _settings()):
        assert not conn.in_transaction(), "set-up must be committed before configure()"
        with conn.begin():
            assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "3s"
        auto = conn.execution_options(isolation_level="AUTOCOMMIT")
        assert auto.exec_driver_sql("SHOW statement_timeout").scalar() == "7min"
        held = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND pid = pg_backend_pid() AND granted"
        ).scalar()
        assert held == 1
        conn.rollback()
    engine.dispose()


def test_session_without_migration_lock_takes_no_lock(db_url: str) -> None:
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn, migration_session(conn, _settings(migration_lock=False)):
        held = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        ).scalar()
        assert held == 0
        assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "3s"
        conn.rollback()
    engine.dispose()


def test_second_session_waits_for_the_first_and_logs_the_holder(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings()
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.connect() as first, migration_session(first, settings):
        first_pid = first.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        first.rollback()
        with engine.connect() as second:
            # the same key, tried without waiting, is taken
            assert second.exec_driver_sql(
                f"SELECT pg_try_advisory_lock({settings.lock_key})"
            ).scalar() is False
            second.rollback()
    # released on exit: another session gets it at once, and logs nothing
    with caplog.at_level("WARNING", logger="alembic_enum_ops"), engine.connect() as third:
        with migration_session(third, settings):
            pass
    assert not caplog.records
    assert first_pid is not None
    engine.dispose()


def test_waiting_for_the_lock_ignores_configured_timeouts(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A deploy that starts while another migrates waits for it, however long, even
    when the database or role sets short timeouts for every session."""
    database = sa.engine.make_url(db_url).database
    execute(
        db_url,
        f"ALTER DATABASE {database} SET lock_timeout = '100ms'",
        f"ALTER DATABASE {database} SET statement_timeout = '150ms'",
    )
    settings = _settings()
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    done: list[str] = []

    def second_deploy() -> None:
        with engine.connect() as conn, migration_session(conn, settings):
            done.append(str(conn.exec_driver_sql("SHOW lock_timeout").scalar()))
            conn.rollback()

    with engine.connect() as first, migration_session(first, settings):
        first_pid = first.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        first.rollback()
        with caplog.at_level("WARNING", logger="alembic_enum_ops"):
            waiter = threading.Thread(target=second_deploy)
            waiter.start()
            time.sleep(0.8)  # several times both timeouts
            assert waiter.is_alive() and not done, "the second deploy should still wait"
    waiter.join(timeout=30)
    assert done == ["3s"]  # then it runs with the configured timeouts
    messages = [r.getMessage() for r in caplog.records]
    assert (
        f"alembic_enum_ops: another migration run holds the migration lock (backend pid "
        f"{first_pid}); waiting for it to finish"
    ) in messages
    assert "alembic_enum_ops: got the migration lock; going on" in messages
    engine.dispose()


def test_session_gives_the_connection_back_as_it_found_it(db_url: str) -> None:
    """A caller's connection between transactions: its own timeouts come back, the
    lock is released, it stays open and out of any transaction."""
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql("SET lock_timeout = '111ms'")
        conn.commit()
        with migration_session(conn, _settings()):
            assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "3s"
            conn.exec_driver_sql("CREATE TABLE t (id int)")  # a migration left open
        assert not conn.closed and not conn.in_transaction()
        assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "111ms"
        assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "0"
        held = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        ).scalar()
        assert held == 0
        # what the session did not commit itself was rolled back, not committed
        assert conn.exec_driver_sql("SELECT to_regclass('t')").scalar() is None
        conn.rollback()
    engine.dispose()


def test_session_in_a_caller_transaction_commits_nothing(db_url: str) -> None:
    from alembic.migration import MigrationContext

    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    settings = _settings()
    with engine.connect() as conn:
        transaction = conn.begin()
        conn.exec_driver_sql("SET lock_timeout = '111ms'")
        with migration_session(conn, settings):
            assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "3s"
            conn.exec_driver_sql("CREATE TABLE t (id int)")
            # a transaction-level lock: it ends with the caller's transaction
            mode = conn.exec_driver_sql(
                "SELECT mode FROM pg_locks WHERE locktype = 'advisory' "
                "AND pid = pg_backend_pid()"
            ).scalar()
            assert mode == "ExclusiveLock"
        assert transaction.is_active
        assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "111ms"
        assert conn.exec_driver_sql("SELECT to_regclass('t')::text").scalar() == "t"
        transaction.rollback()
        assert conn.exec_driver_sql("SELECT to_regclass('t')").scalar() is None
        assert conn.exec_driver_sql(
            f"SELECT pg_try_advisory_lock({settings.lock_key})"
        ).scalar() is True
        conn.rollback()

        # an autocommit block would have to commit the caller's transaction
        transaction = conn.begin()
        with pytest.raises(environment.CallerConnectionError, match=(
            r"^alembic_enum_ops: a migration needs an autocommit block \(ALTER TYPE"
        )), migration_session(conn, settings):
            context = MigrationContext.configure(conn)
            with context.autocommit_block():
                pass  # pragma: no cover - Alembic refuses before
        assert transaction.is_active
        transaction.rollback()
        # other assertion errors are not reworded
        transaction = conn.begin()
        with pytest.raises(AssertionError, match=r"^mine$"), migration_session(conn, settings):
            raise AssertionError("mine")
        transaction.rollback()
    engine.dispose()


def test_offline_preamble_quotes_the_values() -> None:
    assert environment.offline_preamble(_settings()) == [
        "SET lock_timeout = '3s';",
        "SET statement_timeout = '7min';",
    ]


# --- template-path ----------------------------------------------------------------------


def test_template_path_command_prints_a_usable_template() -> None:
    for name in templates.TEMPLATES:
        out = subprocess.run(
            [sys.executable, "-m", "alembic_enum_ops", "template-path", name],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        path = Path(out)
        assert path.name == name
        assert {"alembic.ini.mako", "env.py", "script.py.mako", "README"} <= {
            p.name for p in path.iterdir()
        }


def test_template_path_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError, match="unknown template 'generic'; the templates are pgenum"):
        templates.template_path("generic")
    monkeypatch.setattr(templates, "_alembic_templates_dir", lambda: tmp_path / "a")
    monkeypatch.setattr(templates, "_source_templates_dir", lambda: tmp_path / "b")
    with pytest.raises(FileNotFoundError, match="template 'pgenum' is not installed"):
        templates.template_path("pgenum")
    assert cli.main(["template-path", "pgenum"]) == 2
    assert "alembic-enum-ops: template 'pgenum' is not installed (looked in" in (
        capsys.readouterr().err
    )
    result = subprocess.run(
        [sys.executable, "-m", "alembic_enum_ops", "template-path", "generic"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert "invalid choice: 'generic'" in result.stderr
