"""What the ``pgenum`` templates' ``env.py`` calls: settings, URL, schema filter, and
a migration session that is serialized and time-bounded.

The logic lives here, in the tested package, so the ``env.py`` a user owns stays
short and every project gets fixes with a package upgrade instead of a re-init.

* :func:`settings_from_config` reads ``lock_timeout``, ``statement_timeout`` and
  ``migration_lock`` from ``alembic.ini`` (``[alembic]``) or, on Alembic 1.16+, from
  ``[tool.alembic]`` in ``pyproject.toml``, with safe defaults.
* :func:`migration_session` takes a PostgreSQL advisory lock so two deploys running
  ``alembic upgrade head`` at once run one after the other (the second then finds
  nothing to do), and sets both timeouts on the *session*, so they hold in every
  migration's transaction and in the autocommit steps (``ADD VALUE``) between them.
* :func:`offline_preamble` gives the same settings as SQL for ``--sql`` scripts.
* :func:`connect` (``pgenum``) and :func:`run_async` (``pgenum_async``) give the
  migration its connection: the one the caller handed in through
  ``config.attributes["connection"]`` (Alembic's documented channel, which test
  suites and pytest-alembic use), else a new engine to :func:`database_url`.

A caller's connection is the caller's: :func:`migration_session` applies every
setting to it and then puts it back as it found it (see there), and nothing the
caller owns is closed or disposed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError

from .ddl.sqltext import default_dialect, literal
from .options import EnumOpsOptions
from .urls import with_default_driver
from .validation import check_timeout

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger("alembic_enum_ops")

DEFAULT_LOCK_TIMEOUT = "2s"
"""Fail fast instead of queueing behind a long transaction and blocking every query
on the table behind us (the lock queue)."""

DEFAULT_STATEMENT_TIMEOUT = "5min"
"""Bounds how long one statement may hold its locks; a rewrite that needs longer
should say so in its revision (``SET LOCAL statement_timeout``)."""

DEFAULT_URL_ENV = "DATABASE_URL"

SYSTEM_SCHEMAS = frozenset({"information_schema", "pg_catalog", "pg_toast"})


class ConfigError(ValueError):
    """A setting in alembic.ini / pyproject.toml has a value we cannot use."""


class CallerConnectionError(RuntimeError):
    """What the caller handed in through ``config.attributes["connection"]`` cannot be
    used as it is (a wrong type, an async object where no event loop can run it, or an
    open transaction that an autocommit step would have to commit)."""


CONNECTION_ATTRIBUTE = "connection"
"""The key of ``config.attributes`` that carries the caller's connection (Alembic's
cookbook: "Sharing a Connection across one or more programmatic migration commands")."""


@dataclass(frozen=True)
class MigrationSettings:
    """The env.py settings of the ``pgenum`` templates."""

    lock_timeout: str = DEFAULT_LOCK_TIMEOUT
    statement_timeout: str = DEFAULT_STATEMENT_TIMEOUT
    migration_lock: bool = True
    """Serialize concurrent ``alembic`` runs with a session advisory lock."""
    lock_key: int = 0
    """The advisory lock key (derived from the version table, see :func:`lock_key`)."""

    def enum_ops(self, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The ``enum_ops=`` options for ``context.configure``: our ``lock_timeout``
        plus whatever the project adds (its own keys win)."""
        options: dict[str, Any] = {"lock_timeout": self.lock_timeout}
        options.update(extra or {})
        EnumOpsOptions.coerce(options)  # fail at start-up on an unknown key
        return options


def lock_key(
    version_table: str = "alembic_version", version_table_schema: str | None = None
) -> int:
    """A stable signed 64-bit advisory lock key for one migration history.

    Two Alembic environments sharing a database but not a version table do not
    block each other; every process of one environment computes the same key.
    """
    seed = f"alembic_enum_ops:{version_table_schema or ''}.{version_table}".encode()
    return int.from_bytes(hashlib.sha256(seed).digest()[:8], "big", signed=True)


def _raw_option(config: Config, name: str) -> object:
    getter = getattr(config, "get_alembic_option", None)  # Alembic 1.16+: ini, then toml
    if getter is not None:
        return getter(name)
    return config.get_main_option(name)


def _timeout_option(config: Config, name: str, default: str) -> str:
    value = _raw_option(config, name)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ConfigError(
            f"{name} must be a duration like '2s', '500ms' or '5min', got {value!r}"
        )
    try:
        return check_timeout(value)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def _bool_option(config: Config, name: str, default: bool) -> bool:
    value = _raw_option(config, name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "yes", "on", "1"}:
        return True
    if text in {"false", "no", "off", "0"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {value!r}")


READ_ONLY_COMMANDS = frozenset({"current"})
"""Commands that only read: they never wait for the migration lock (a health check
calling ``alembic current`` during a deploy must not hang until it ends)."""


def command_name(config: Config) -> str | None:
    """The ``alembic`` subcommand running (None when called from code)."""
    cmd = getattr(getattr(config, "cmd_opts", None), "cmd", None)
    if not cmd:
        return None
    return getattr(cmd[0], "__name__", None)


def settings_from_config(
    config: Config,
    *,
    version_table: str = "alembic_version",
    version_table_schema: str | None = None,
) -> MigrationSettings:
    """Read the settings from ``[alembic]`` in alembic.ini or ``[tool.alembic]`` in
    pyproject.toml (Alembic 1.16+; the ini file wins when both have a key)."""
    return MigrationSettings(
        lock_timeout=_timeout_option(config, "lock_timeout", DEFAULT_LOCK_TIMEOUT),
        statement_timeout=_timeout_option(
            config, "statement_timeout", DEFAULT_STATEMENT_TIMEOUT
        ),
        migration_lock=(
            _bool_option(config, "migration_lock", True)
            and command_name(config) not in READ_ONLY_COMMANDS
        ),
        lock_key=lock_key(version_table, version_table_schema),
    )


def database_url(
    config: Config, *, env_var: str = DEFAULT_URL_ENV, environ: Mapping[str, str] | None = None
) -> str:
    """``$DATABASE_URL`` when set, else ``sqlalchemy.url`` from the config.

    A bare ``postgres://`` or ``postgresql://`` URL (as hosting platforms hand out)
    is pointed at psycopg 3, the driver this package depends on
    (:func:`alembic_enum_ops.urls.with_default_driver`); a URL that names a driver is
    used as is.
    """
    env = os.environ if environ is None else environ
    url = env.get(env_var) or config.get_main_option("sqlalchemy.url")
    if not url:
        raise ConfigError(
            f"no database URL: set ${env_var} or sqlalchemy.url in {config.config_file_name}"
        )
    try:
        return with_default_driver(url).render_as_string(hide_password=False)
    except ArgumentError as exc:
        raise ConfigError(f"invalid database URL in ${env_var} or sqlalchemy.url: {exc}") from None


def include_name(
    name: str | None, type_: str, parent_names: Mapping[Any, str | None]
) -> bool:
    """``include_name`` hook: with ``include_schemas=True``, leave out PostgreSQL's
    own schemas (``pg_catalog``, ``information_schema``, ``pg_toast``, temp schemas)."""
    if type_ == "schema" and name is not None:
        return not is_system_schema(name)
    return True


def is_system_schema(name: str) -> bool:
    return (
        name in SYSTEM_SCHEMAS
        or name.startswith("pg_temp_")
        or name.startswith("pg_toast_temp_")
    )


def _set_sql(setting: str, value: str) -> str:
    return f"SET {setting} = {literal(default_dialect(), value)}"


def session_sql(settings: MigrationSettings) -> list[str]:
    """Session-level ``SET``s (not ``SET LOCAL``: they must survive the commits of
    ``transaction_per_migration`` and of autocommit steps)."""
    return [
        _set_sql("lock_timeout", settings.lock_timeout),
        _set_sql("statement_timeout", settings.statement_timeout),
    ]


def offline_preamble(settings: MigrationSettings) -> list[str]:
    """What an ``--sql`` script starts with, so psql runs it under the same limits."""
    return [s + ";" for s in session_sql(settings)]


def _execute(connection: Connection, statement: str) -> Any:
    return connection.exec_driver_sql(statement, execution_options={"no_parameters": True})


def _lock_functions(transaction: bool) -> tuple[str, str]:
    if transaction:  # released by the caller's COMMIT or ROLLBACK
        return "pg_try_advisory_xact_lock", "pg_advisory_xact_lock"
    return "pg_try_advisory_lock", "pg_advisory_lock"


def acquire_migration_lock(connection: Connection, key: int, *, transaction: bool = False) -> None:
    """Wait for the advisory lock ``key``, logging who holds it: a session lock, or
    with ``transaction=True`` one that ends with the current transaction.

    The wait itself runs with no lock or statement timeout: a deploy that starts
    while another one migrates should wait for it, however long it takes.
    """
    try_lock, lock = _lock_functions(transaction)
    if _execute(connection, f"SELECT {try_lock}({int(key)})").scalar():
        return
    holders = _execute(
        connection,
        "SELECT string_agg(pid::text, ', ') FROM pg_locks "
        f"WHERE locktype = 'advisory' AND granted AND database = "
        f"(SELECT oid FROM pg_database WHERE datname = current_database()) "
        f"AND classid = {(key >> 32) & 0xFFFFFFFF} AND objid = {key & 0xFFFFFFFF} "
        "AND objsubid = 1",
    ).scalar()
    log.warning(
        "alembic_enum_ops: another migration run holds the migration lock (backend pid %s); "
        "waiting for it to finish",
        holders or "?",
    )
    _execute(connection, "SET lock_timeout = 0")
    _execute(connection, "SET statement_timeout = 0")
    _execute(connection, f"SELECT {lock}({int(key)})")
    log.warning("alembic_enum_ops: got the migration lock; going on")


def release_migration_lock(connection: Connection, key: int) -> None:
    _execute(connection, f"SELECT pg_advisory_unlock({int(key)})")


_SESSION_SETTINGS = ("lock_timeout", "statement_timeout")


def _read_settings(connection: Connection) -> list[str]:
    row = _execute(
        connection,
        "SELECT " + ", ".join(f"current_setting('{name}')" for name in _SESSION_SETTINGS),
    ).one()
    return [str(value) for value in row]


def _restore_settings(connection: Connection, values: list[str]) -> None:
    for name, value in zip(_SESSION_SETTINGS, values, strict=True):
        _execute(connection, _set_sql(name, value))


@contextmanager
def migration_session(connection: Connection, settings: MigrationSettings) -> Iterator[None]:
    """Hold the migration lock and the session timeouts around ``run_migrations()``.

    Call it before ``context.configure(connection=...)``.  On exit the connection is as
    it was: its ``lock_timeout`` and ``statement_timeout`` are set back, the lock is
    released, the connection stays open.  What happens in between depends on the
    transaction the connection is in when it is handed over:

    * **none** (a new connection, ``engine.connect()``, the caller's connection between
      transactions): the set-up is committed, so Alembic sees no open transaction and
      runs one transaction per migration, with ``ADD VALUE`` (an autocommit step)
      between them; the advisory lock is a session lock;
    * **a transaction the caller opened** (``with engine.begin() as connection:``, the
      cookbook's pattern): nothing is committed.  Every migration runs inside the
      caller's transaction, which the caller commits or rolls back; the advisory lock
      is a transaction lock, released by that commit or rollback.  A step that needs
      an autocommit block (``enum_add_value``, ``autocommit_block()``) cannot run
      there: it would have to commit the caller's transaction, so it raises
      :class:`CallerConnectionError` instead, with nothing committed.
    """
    if connection.in_transaction():
        with _in_caller_transaction(connection, settings):
            yield
        return
    prior = _read_settings(connection)
    locked = False
    try:
        if settings.migration_lock:
            acquire_migration_lock(connection, settings.lock_key)
            locked = True
        for statement in session_sql(settings):
            _execute(connection, statement)
        connection.commit()
        yield
    finally:
        try:
            if connection.in_transaction():
                connection.rollback()
            if locked:
                release_migration_lock(connection, settings.lock_key)
            _restore_settings(connection, prior)
            connection.commit()
        except Exception:  # pragma: no cover - the lock dies with the session anyway
            log.debug("alembic_enum_ops: could not release the migration session",
                      exc_info=True)


@contextmanager
def _in_caller_transaction(connection: Connection, settings: MigrationSettings) -> Iterator[None]:
    prior = _read_settings(connection)
    if settings.migration_lock:
        acquire_migration_lock(connection, settings.lock_key, transaction=True)
    for statement in session_sql(settings):
        _execute(connection, statement)
    try:
        yield
    except AssertionError as exc:
        if _raised_by_autocommit_block(exc):
            raise CallerConnectionError(
                "alembic_enum_ops: a migration needs an autocommit block (ALTER TYPE ... "
                "ADD VALUE, op.get_context().autocommit_block()), which must commit the "
                "transaction first, but the connection in config.attributes['connection'] "
                "is inside a transaction its caller opened; nothing was committed. Hand "
                "env.py a connection with no transaction open (engine.connect() instead of "
                "engine.begin()) or the Engine itself: each migration then commits on its own"
            ) from exc
        raise
    finally:
        # the SETs are part of the caller's transaction: restore them in it (a rollback
        # undoes both); in a failed transaction only the rollback can, so leave it
        try:
            with connection.begin_nested():
                _restore_settings(connection, prior)
        except Exception:
            log.debug("alembic_enum_ops: session settings left to the caller's rollback",
                      exc_info=True)


def _raised_by_autocommit_block(exc: BaseException) -> bool:
    """Alembic's ``autocommit_block()`` asserts it owns the transaction it must commit."""
    tb: types.TracebackType | None = exc.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_code
        tb = tb.tb_next
    return last is not None and last.co_name == "autocommit_block" and (
        last.co_filename.replace("\\", "/").endswith("alembic/runtime/migration.py")
    )


# --- the connection to migrate on ----------------------------------------------------


def _caller_object(config: Config) -> Any:
    return config.attributes.get(CONNECTION_ATTRIBUTE)


def _async_types() -> tuple[type, ...]:
    """``(AsyncConnection, AsyncEngine)``, or nothing when SQLAlchemy's asyncio
    extension is not importable (SQLAlchemy 2.1 without greenlet)."""
    try:
        from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
    except ImportError:  # pragma: no cover - the test extra installs greenlet
        return ()
    return (AsyncConnection, AsyncEngine)


def _wrong_type(given: object, expected: str) -> CallerConnectionError:
    return CallerConnectionError(
        f"alembic_enum_ops: config.attributes['connection'] must be {expected}, "
        f"got {type(given).__module__}.{type(given).__qualname__}"
    )


@contextmanager
def connect(config: Config, *, env_var: str = DEFAULT_URL_ENV) -> Iterator[Connection]:
    """The connection the ``pgenum`` env.py migrates on.

    ``config.attributes["connection"]`` when the caller set it: a ``Connection`` is
    used as it is (and left open), an ``Engine`` lends one of its connections (given
    back to its pool afterwards; the engine is not disposed).  Otherwise a new engine
    to :func:`database_url` (``$DATABASE_URL`` or ``sqlalchemy.url``), disposed after.
    """
    given = _caller_object(config)
    if given is None:
        engine = create_engine(database_url(config, env_var=env_var), poolclass=pool.NullPool)
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()
    elif isinstance(given, Connection):
        yield given
    elif isinstance(given, Engine):
        with given.connect() as connection:
            yield connection
    elif isinstance(given, _async_types()):
        raise CallerConnectionError(
            "alembic_enum_ops: config.attributes['connection'] holds an "
            f"{type(given).__name__}, but this env.py (alembic init -t pgenum) is "
            "synchronous: hand it a Connection (inside `await conn.run_sync(fn)`, fn "
            "gets one) or an Engine, or use the pgenum_async template"
        )
    else:
        raise _wrong_type(given, "a SQLAlchemy Connection or Engine")


def run_async(
    config: Config,
    run: Callable[[Connection], None],
    *,
    env_var: str = DEFAULT_URL_ENV,
) -> None:
    """Call ``run(connection)`` the way the ``pgenum_async`` env.py migrates.

    On ``config.attributes["connection"]`` when the caller set it:

    * a ``Connection`` or an ``Engine`` (the cookbook's asyncio pattern hands env.py
      the ``Connection`` that ``await conn.run_sync(fn)`` gives ``fn``): as
      :func:`connect` does, in the caller's thread and event loop;
    * an ``AsyncConnection``: ``asyncio.run(connection.run_sync(run))``, left open;
      it must be usable from a new event loop (psycopg's are; asyncpg's belong to the
      loop that opened them: hand the ``AsyncEngine`` or the ``Connection`` instead);
    * an ``AsyncEngine``: one of its connections, in ``asyncio.run``; that connection
      is then discarded, not returned to the pool (it belongs to a loop that is about
      to close), and the engine is not disposed.

    Both async cases need ``asyncio.run``, so they refuse when an event loop is
    already running in this thread.  Without a caller's connection: a new async
    engine to :func:`database_url`, disposed after.
    """
    given = _caller_object(config)
    if isinstance(given, (Connection, Engine)):
        with connect(config, env_var=env_var) as connection:
            run(connection)
        return
    if given is None:
        asyncio.run(_run_on_new_engine(database_url(config, env_var=env_var), run))
        return
    async_types = _async_types()
    if not isinstance(given, async_types):
        raise _wrong_type(
            given, "a SQLAlchemy Connection, Engine, AsyncConnection or AsyncEngine"
        )
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise CallerConnectionError(
            "alembic_enum_ops: config.attributes['connection'] holds an "
            f"{type(given).__name__}, but an event loop is already running in this thread, "
            "so env.py cannot run it: call the alembic command through "
            "`await conn.run_sync(fn)` and put the Connection fn receives in "
            "config.attributes['connection'] (Alembic's cookbook, asyncio)"
        )
    from sqlalchemy.ext.asyncio import AsyncConnection

    if isinstance(given, AsyncConnection):
        asyncio.run(_run_on_connection(given, run))
    else:
        asyncio.run(_run_on_caller_engine(given, run))


async def _run_on_connection(connection: Any, run: Callable[[Connection], None]) -> None:
    await connection.run_sync(run)


async def _run_on_caller_engine(engine: Any, run: Callable[[Connection], None]) -> None:
    async with engine.connect() as connection:
        try:
            await connection.run_sync(run)
        finally:
            await connection.invalidate()


async def _run_on_new_engine(url: str, run: Callable[[Connection], None]) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()
