"""The settings of the ``pgenum`` templates' env.py (``alembic.ini`` / ``pyproject.toml``),
the database URL and the schema filter."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import ArgumentError

from ..options import EnumOpsOptions
from ..urls import with_default_driver
from ..validation import check_timeout

if TYPE_CHECKING:
    from alembic.config import Config

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
