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

The package's modules, by job: :mod:`.settings` (alembic.ini / pyproject.toml, the
URL, the schema filter), :mod:`.session` (advisory lock and session timeouts),
:mod:`.connection` (whose connection, sync or async).  Every public name is
re-exported here; import them from ``alembic_enum_ops.environment``.
"""

from __future__ import annotations

from .connection import CONNECTION_ATTRIBUTE, CallerConnectionError, connect, run_async
from .session import (
    acquire_migration_lock,
    log,
    migration_session,
    offline_preamble,
    release_migration_lock,
    session_sql,
)
from .settings import (
    DEFAULT_LOCK_TIMEOUT,
    DEFAULT_STATEMENT_TIMEOUT,
    DEFAULT_URL_ENV,
    READ_ONLY_COMMANDS,
    SYSTEM_SCHEMAS,
    ConfigError,
    MigrationSettings,
    command_name,
    database_url,
    include_name,
    is_system_schema,
    lock_key,
    settings_from_config,
)

__all__ = [
    "CONNECTION_ATTRIBUTE",
    "DEFAULT_LOCK_TIMEOUT",
    "DEFAULT_STATEMENT_TIMEOUT",
    "DEFAULT_URL_ENV",
    "READ_ONLY_COMMANDS",
    "SYSTEM_SCHEMAS",
    "CallerConnectionError",
    "ConfigError",
    "MigrationSettings",
    "acquire_migration_lock",
    "command_name",
    "connect",
    "database_url",
    "include_name",
    "is_system_schema",
    "lock_key",
    "log",
    "migration_session",
    "offline_preamble",
    "release_migration_lock",
    "run_async",
    "session_sql",
    "settings_from_config",
]
