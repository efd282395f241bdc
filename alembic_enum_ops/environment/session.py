"""The migration session: the advisory lock that serializes concurrent runs and the
session timeouts, on a connection of our own or inside the caller's transaction."""

from __future__ import annotations

import logging
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Connection

from ..ddl.sqltext import default_dialect, literal
from .connection import CallerConnectionError
from .settings import MigrationSettings

log = logging.getLogger("alembic_enum_ops")


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
