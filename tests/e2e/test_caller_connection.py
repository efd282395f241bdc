"""The templates' env.py on a connection the caller hands in through
``config.attributes["connection"]`` (Alembic's cookbook: "Sharing a Connection across
one or more programmatic migration commands"; what test suites and pytest-alembic do).

Each test runs ``alembic.command.upgrade`` in-process, as a test suite would, with
``$DATABASE_URL`` pointing at *another* database: the migration must land on the
caller's connection, with every safety setting applied to it (lock and statement
timeouts, in autocommit steps too; the advisory lock), and the connection must come
back as the caller left it (its own settings, its transaction state, open).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from alembic_enum_ops.environment import CallerConnectionError, lock_key
from tests.e2e.template_project import TemplateProject, logging_preserved
from tests.support.catalog import enum_snapshot, query

pytestmark = pytest.mark.e2e

PROBE = (
    "INSERT INTO probe SELECT {step!r}, current_setting('lock_timeout'), "
    "current_setting('statement_timeout'), (SELECT count(*) FROM pg_locks "
    "WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted)"
)
CALLER_SETTINGS = ("123ms", "45s")
ADVISORY_HELD = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
)


def _probe(step: str) -> str:
    return f"op.execute({PROBE.format(step=step)!r})"


@pytest.fixture(autouse=True)
def _logging() -> Iterator[None]:
    """env.py's fileConfig() must not change logging for the tests after this one."""
    with logging_preserved():
        yield


def _project(tmp_path: Path, template: str, *, add_value: bool = True) -> Config:
    """A project from ``template`` with a two-revision probe history; returns the
    Config a test suite would build for it."""
    project = TemplateProject(tmp_path / "app", "postgresql://unused")
    project.init(template, by_path=True)
    project.set_ini_option("lock_timeout", "3s")
    project.set_ini_option("statement_timeout", "7min")
    first = (
        "op.execute('CREATE TABLE probe (step text, lock_timeout text, "
        "statement_timeout text, advisory bigint)')\n" + _probe("first migration") + "\n"
    )
    if add_value:
        first += (
            "with op.get_context().autocommit_block():\n    " + _probe("autocommit step") + "\n"
            "op.enum_create('mood', ['ok'], schema='public')\n"
            "op.enum_add_value('mood', 'great', schema='public')\n"
        )
    project.write_revision("0001", first, None)
    project.write_revision("0002", _probe("second migration"), "0001")
    config = Config(str(project.root / "alembic.ini"))
    # Alembic < 1.15's `init` writes a script_location relative to the working directory
    # (later ones: %(here)s); a test suite running from elsewhere names it whole
    config.set_main_option("script_location", str(project.root / "migrations"))
    return config


def _expected_probes(add_value: bool = True) -> list[tuple[Any, ...]]:
    steps = ["first migration", *(["autocommit step"] if add_value else []),
             "second migration"]
    return [(step, "3s", "7min", 1) for step in steps]


def _session_state(connection: sa.Connection) -> tuple[str, str, int]:
    row = connection.exec_driver_sql(
        "SELECT current_setting('lock_timeout'), current_setting('statement_timeout'), "
        f"({ADVISORY_HELD})"
    ).one()
    return (str(row[0]), str(row[1]), int(row[2]))


@pytest.fixture
def elsewhere(monkeypatch: pytest.MonkeyPatch, second_db_url: str) -> str:
    """$DATABASE_URL points at another database, which must stay untouched."""
    monkeypatch.setenv("DATABASE_URL", second_db_url)
    return second_db_url


def _untouched(url: str) -> None:
    assert query(url, "SELECT to_regclass('alembic_version')::text") == [(None,)]


def _caller_options(db_url: str) -> str:
    return make_url(db_url).update_query_dict(
        {"options": f"-c lock_timeout={CALLER_SETTINGS[0]} "
                    f"-c statement_timeout={CALLER_SETTINGS[1]}"}
    ).render_as_string(hide_password=False)


# --- pgenum (sync) ---------------------------------------------------------------------


def test_caller_connection_outside_a_transaction(
    tmp_path: Path, db_url: str, elsewhere: str
) -> None:
    config = _project(tmp_path, "pgenum")
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        connection.exec_driver_sql(f"SET lock_timeout = '{CALLER_SETTINGS[0]}'")
        connection.exec_driver_sql(f"SET statement_timeout = '{CALLER_SETTINGS[1]}'")
        connection.commit()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        # as the caller left it: open, no transaction, its settings, no lock
        assert not connection.closed
        assert not connection.in_transaction()
        assert _session_state(connection) == (*CALLER_SETTINGS, 0)
        connection.rollback()
    engine.dispose()
    # committed, revision by revision, on the caller's database
    assert query(db_url, "SELECT * FROM probe") == _expected_probes()
    assert query(db_url, "SELECT version_num FROM alembic_version") == [("0002",)]
    assert enum_snapshot(db_url) == {("public", "mood"): ("ok", "great")}
    _untouched(elsewhere)


def test_caller_engine_lends_a_connection_and_gets_it_back_clean(
    tmp_path: Path, db_url: str, elsewhere: str
) -> None:
    config = _project(tmp_path, "pgenum")
    engine = sa.create_engine(_caller_options(db_url), pool_size=1, max_overflow=0)
    try:
        config.attributes["connection"] = engine
        command.upgrade(config, "head")
        # the engine is not disposed: its one pooled connection is back, clean
        assert engine.pool.checkedin() == 1
        with engine.connect() as connection:
            assert _session_state(connection) == (*CALLER_SETTINGS, 0)
        command.downgrade(config, "0001")  # the engine still serves
    finally:
        engine.dispose()
    assert query(db_url, "SELECT * FROM probe") == _expected_probes()
    assert query(db_url, "SELECT version_num FROM alembic_version") == [("0001",)]
    _untouched(elsewhere)


def test_caller_transaction_is_left_to_the_caller(
    tmp_path: Path, db_url: str, elsewhere: str
) -> None:
    """The cookbook's ``with engine.begin() as connection:``: every migration runs in
    the caller's transaction, nothing is committed; the advisory lock is held until
    the caller's transaction ends."""
    config = _project(tmp_path, "pgenum", add_value=False)
    engine = sa.create_engine(_caller_options(db_url), poolclass=sa.pool.NullPool)
    other = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            assert connection.in_transaction() and transaction.is_active
            assert connection.exec_driver_sql("SELECT * FROM probe").all() == (
                _expected_probes(add_value=False)
            )
            assert _session_state(connection)[:2] == CALLER_SETTINGS
            # nothing visible outside, and another run waits for the caller's commit
            _untouched(db_url)
            with other.connect() as second:
                taken = second.exec_driver_sql(f"SELECT pg_try_advisory_lock({lock_key()})")
                assert taken.scalar() is False
                second.rollback()
            transaction.rollback()
            assert _session_state(connection) == (*CALLER_SETTINGS, 0)
        _untouched(db_url)  # the caller rolled back: nothing happened

        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        assert query(db_url, "SELECT version_num FROM alembic_version") == [("0002",)]
    finally:
        engine.dispose()
        other.dispose()
    _untouched(elsewhere)


def test_add_value_in_a_caller_transaction_is_refused_clearly(
    tmp_path: Path, db_url: str, elsewhere: str
) -> None:
    config = _project(tmp_path, "pgenum")
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            config.attributes["connection"] = connection
            with pytest.raises(CallerConnectionError) as refused:
                command.upgrade(config, "head")
            assert str(refused.value) == (
                "alembic_enum_ops: a migration needs an autocommit block (ALTER TYPE ... "
                "ADD VALUE, op.get_context().autocommit_block()), which must commit the "
                "transaction first, but the connection in config.attributes['connection'] "
                "is inside a transaction its caller opened; nothing was committed. Hand "
                "env.py a connection with no transaction open (engine.connect() instead of "
                "engine.begin()) or the Engine itself: each migration then commits on its own"
            )
            assert transaction.is_active  # still the caller's to end
            transaction.rollback()
            assert _session_state(connection)[2] == 0
    finally:
        engine.dispose()
    _untouched(db_url)
    _untouched(elsewhere)


@pytest.mark.parametrize("template", ["pgenum", "pgenum_async"])
def test_wrong_objects_are_refused(tmp_path: Path, template: str, db_url: str) -> None:
    config = _project(tmp_path, template)
    config.attributes["connection"] = db_url  # a URL is not a connection
    with pytest.raises(CallerConnectionError) as refused:
        command.upgrade(config, "head")
    expected = (
        "a SQLAlchemy Connection or Engine" if template == "pgenum"
        else "a SQLAlchemy Connection, Engine, AsyncConnection or AsyncEngine"
    )
    assert str(refused.value) == (
        f"alembic_enum_ops: config.attributes['connection'] must be {expected}, got "
        "builtins.str"
    )


def test_async_engine_in_the_sync_template_is_refused(tmp_path: Path, db_url: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    config = _project(tmp_path, "pgenum")
    engine = create_async_engine(db_url)
    config.attributes["connection"] = engine
    with pytest.raises(CallerConnectionError) as refused:
        command.upgrade(config, "head")
    assert str(refused.value) == (
        "alembic_enum_ops: config.attributes['connection'] holds an AsyncEngine, but this "
        "env.py (alembic init -t pgenum) is synchronous: hand it a Connection (inside "
        "`await conn.run_sync(fn)`, fn gets one) or an Engine, or use the pgenum_async "
        "template"
    )
    _untouched(db_url)


# --- pgenum_async ----------------------------------------------------------------------


def _async_url(db_url: str, driver: str = "postgresql+psycopg") -> str:
    return make_url(_caller_options(db_url)).set(drivername=driver).render_as_string(
        hide_password=False
    )


def test_async_cookbook_run_sync_connection(
    tmp_path: Path, db_url: str, elsewhere: str
) -> None:
    """Alembic's asyncio cookbook: ``await conn.run_sync(fn)``, fn puts the Connection
    it gets in config.attributes (an event loop is running: env.py must not start one)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    config = _project(tmp_path, "pgenum_async")

    def upgrade(connection: sa.Connection) -> tuple[str, str, int]:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        assert not connection.in_transaction()
        return _session_state(connection)

    async def main() -> tuple[str, str, int]:
        engine = create_async_engine(_async_url(db_url))
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(upgrade)
        finally:
            await engine.dispose()

    assert asyncio.run(main()) == (*CALLER_SETTINGS, 0)
    assert query(db_url, "SELECT * FROM probe") == _expected_probes()
    _untouched(elsewhere)


@pytest.mark.parametrize("driver", ["postgresql+psycopg", "postgresql+asyncpg"])
def test_async_engine_lends_a_connection(
    tmp_path: Path, db_url: str, elsewhere: str, driver: str
) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    config = _project(tmp_path, "pgenum_async")
    url = _async_url(db_url, driver)
    if driver == "postgresql+asyncpg":  # asyncpg takes server settings its own way
        url = make_url(url).difference_update_query(["options"]).render_as_string(
            hide_password=False
        )
    engine = create_async_engine(url)
    config.attributes["connection"] = engine
    command.upgrade(config, "head")
    command.downgrade(config, "0001")  # the engine still serves, from another loop

    async def state() -> tuple[str, str, int]:
        async with engine.connect() as connection:
            result = await connection.run_sync(_session_state)
        await engine.dispose()
        return result

    caller_state = asyncio.run(state())
    assert caller_state[2] == 0
    if driver == "postgresql+psycopg":
        assert caller_state[:2] == CALLER_SETTINGS
    assert query(db_url, "SELECT * FROM probe") == _expected_probes()
    assert query(db_url, "SELECT version_num FROM alembic_version") == [("0001",)]
    _untouched(elsewhere)


def test_async_connection_is_run_and_left_open(
    tmp_path: Path, db_url: str, elsewhere: str
) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    config = _project(tmp_path, "pgenum_async")
    engine = create_async_engine(_async_url(db_url))
    connection = asyncio.run(engine.connect().start())
    try:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        assert not connection.closed
        assert not connection.in_transaction()

        async def after() -> tuple[str, str, int]:
            return await connection.run_sync(_session_state)

        assert asyncio.run(after()) == (*CALLER_SETTINGS, 0)
    finally:
        async def close() -> None:
            await connection.close()
            await engine.dispose()

        asyncio.run(close())
    assert query(db_url, "SELECT * FROM probe") == _expected_probes()
    _untouched(elsewhere)


def test_async_engine_inside_a_running_loop_is_refused(tmp_path: Path, db_url: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    config = _project(tmp_path, "pgenum_async")

    async def main() -> None:
        engine = create_async_engine(_async_url(db_url))
        config.attributes["connection"] = engine
        try:
            command.upgrade(config, "head")
        finally:
            await engine.dispose()

    with pytest.raises(CallerConnectionError) as refused:
        asyncio.run(main())
    assert str(refused.value) == (
        "alembic_enum_ops: config.attributes['connection'] holds an AsyncEngine, but an "
        "event loop is already running in this thread, so env.py cannot run it: call the "
        "alembic command through `await conn.run_sync(fn)` and put the Connection fn "
        "receives in config.attributes['connection'] (Alembic's cookbook, asyncio)"
    )
    _untouched(db_url)
