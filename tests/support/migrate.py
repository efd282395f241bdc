"""Run operations in-process through a real ``MigrationContext``, online or offline.

Online runs use a real connection and ``begin_transaction()`` exactly as an env.py
does, so autocommit blocks behave as in production.  Offline runs render the same
operations to an ``--sql`` script; :func:`apply_script` replays it with psql.
"""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from .server import libpq_url

OpsFn = Callable[[Any], None]


def run_online(
    url: str,
    fn: OpsFn,
    *,
    enum_ops: Mapping[str, Any] | None = None,
    transaction_per_migration: bool = False,
    schema_translate_map: Mapping[str | None, str | None] | None = None,
) -> None:
    """Call ``fn(op)`` against ``url`` inside a migration transaction (on a connection
    with ``schema_translate_map``, when given, as a per-tenant env.py does)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as base:
            connection = base
            if schema_translate_map is not None:
                connection = base.execution_options(
                    schema_translate_map=dict(schema_translate_map)
                )
            opts: dict[str, Any] = {"transaction_per_migration": transaction_per_migration}
            if enum_ops is not None:
                opts["enum_ops"] = dict(enum_ops)
            context = MigrationContext.configure(connection, opts=opts)
            operations = Operations(context)
            with context.begin_transaction():
                fn(operations)
            if connection.in_transaction():
                connection.commit()
    finally:
        engine.dispose()


def render_offline(fn: OpsFn, *, enum_ops: Mapping[str, Any] | None = None) -> str:
    """The ``--sql`` script ``fn(op)`` produces, with its BEGIN/COMMIT frame."""
    buffer = io.StringIO()
    opts: dict[str, Any] = {"as_sql": True, "output_buffer": buffer}
    if enum_ops is not None:
        opts["enum_ops"] = dict(enum_ops)
    context = MigrationContext.configure(dialect_name="postgresql", opts=opts)
    operations = Operations(context)
    with context.begin_transaction():
        fn(operations)
    return buffer.getvalue()


def apply_script(url: str, script: str) -> subprocess.CompletedProcess[str]:
    """Replay an offline script with psql; raise with psql's output when it fails."""
    result = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", libpq_url(url)],
        input=script,
        capture_output=True,
        text=True,
        env={**os.environ, "PGCLIENTENCODING": "UTF8"},
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"psql failed (exit {result.returncode}):\n{result.stderr}\n--- script ---\n{script}"
        )
    return result
