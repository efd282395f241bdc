"""The connection to migrate on: the caller's (``config.attributes["connection"]``) or a
new engine to the configured URL, synchronous (``pgenum``) or through asyncio
(``pgenum_async``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection, Engine

from .settings import DEFAULT_URL_ENV, database_url

if TYPE_CHECKING:
    from alembic.config import Config


class CallerConnectionError(RuntimeError):
    """What the caller handed in through ``config.attributes["connection"]`` cannot be
    used as it is (a wrong type, an async object where no event loop can run it, or an
    open transaction that an autocommit step would have to commit)."""


CONNECTION_ATTRIBUTE = "connection"
"""The key of ``config.attributes`` that carries the caller's connection (Alembic's
cookbook: "Sharing a Connection across one or more programmatic migration commands")."""


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
