"""What the subcommands share: the error a user can cause, exit codes, connecting,
importing a model and colour.

Errors a user can cause (bad URL, unreachable server, a --metadata that does not
import) are :class:`CommandError`: one line on stderr, exit status 2, never a
traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNUSABLE = 2


class CommandError(Exception):
    """A problem with the command's input or environment, shown as one line."""


def database_url(raw: str) -> Any:
    """Parse ``--url`` (:func:`alembic_enum_ops.urls.sync_driver`: a driverless
    ``postgresql://`` gets psycopg 3, an async driver its synchronous twin) and refuse
    anything but PostgreSQL."""
    from sqlalchemy.exc import ArgumentError

    from ..urls import sync_driver

    try:
        url = sync_driver(raw)
    except ArgumentError as exc:
        raise CommandError(f"invalid database URL {raw!r}: {exc}") from None
    if not url.drivername.startswith("postgresql"):
        raise CommandError(
            f"invalid database URL {raw!r}: alembic-enum-ops works on PostgreSQL only "
            f"(got {url.drivername!r})"
        )
    return url


def connect(url: Any) -> Any:
    """An open connection, or a one-line CommandError saying why not."""
    import sqlalchemy as sa
    from sqlalchemy.exc import DBAPIError, NoSuchModuleError

    shown = url.render_as_string(hide_password=True)
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
    except (NoSuchModuleError, ImportError) as exc:
        raise CommandError(f"cannot use database URL {shown}: {exc}") from None
    if engine.dialect.is_async:  # an async dialect sync_driver() does not know
        engine.dispose()
        raise CommandError(
            f"cannot use database URL {shown}: alembic-enum-ops reads the catalog with a "
            f"synchronous driver, and {url.get_driver_name()} is asynchronous; use "
            "postgresql+psycopg:// (or postgresql+asyncpg:// / postgresql+psycopg_async://, "
            "which it reads through psycopg 3)"
        )
    try:
        return engine.connect()
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()
        engine.dispose()
        raise CommandError(
            f"cannot connect to {shown}: {reason[0] if reason else type(exc.orig).__name__}"
        ) from None


def load_metadata(spec: str) -> Any:
    """Import ``module:attribute`` (cwd on sys.path) and return a MetaData, a list of
    them, or the ``.metadata`` of a declarative base."""
    import sqlalchemy as sa

    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise CommandError(
            f"invalid --metadata {spec!r}: expected module:attribute, e.g. myapp.models:Base"
        )
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # any error in the user's module is reported, not raised
        raise CommandError(
            f"cannot import {module_name!r} (from --metadata {spec}): "
            f"{type(exc).__name__}: {exc}"
        ) from None
    target: Any = module
    owner = module_name
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise CommandError(f"--metadata {spec}: {owner!r} has no attribute {part!r}")
        target = getattr(target, part)
        owner = f"{owner}.{part}"
    if not isinstance(target, sa.MetaData) and isinstance(
        getattr(target, "metadata", None), sa.MetaData
    ):
        target = target.metadata
    if isinstance(target, sa.MetaData):
        return target
    if isinstance(target, (list, tuple)) and target and all(
        isinstance(m, sa.MetaData) for m in target
    ):
        return list(target)
    raise CommandError(
        f"--metadata {spec}: expected a MetaData, a list of MetaData or a declarative "
        f"base, got {type(target).__name__}"
    )


def use_color(choice: str, stream: Any) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    isatty: Callable[[], bool] | None = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
