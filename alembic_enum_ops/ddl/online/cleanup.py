"""Removing what an abandoned online conversion left: ``alembic-enum-ops
online-cleanup``.

An online swap interrupted between its expand and its cut-over leaves its work in
place on purpose: running the migration again resumes it.  A team that gives the
conversion up instead (a revision reverted before it ever finished) removes the
leftovers with this plan, and only them: every object it drops carries the online
marker in its comment (:mod:`alembic_enum_ops.catalog.online`), and it drops nothing
else.  The tables' own columns, data, indexes and constraints are untouched; the
twin indexes and helper CHECKs go with the shadow columns they are built on.

Per table, one short transaction under ``lock_timeout`` (retried on SQLSTATE 55P03)
drops the sync trigger and the shadow columns (catalog only: ``DROP COLUMN`` does not
rewrite); then the trigger functions, the domain twins and the new type go.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection, Dialect

from ...catalog.online import Leftover, read_online_leftovers, subject_of
from ...options import EnumOpsOptions
from ..plan import Boundary, LockTarget, Plan, Statement, Step
from ..runner import run_plan
from ..sqltext import ident, qualified


def plan_online_cleanup(
    dialect: Dialect, leftovers: Sequence[Leftover], *, lock_timeout: str
) -> Plan:
    """The statements that remove ``leftovers`` (as :func:`read_online_leftovers`
    lists them), in order; an empty plan when there is nothing to remove."""
    steps: list[Step] = []
    tables: dict[tuple[str, str], list[Leftover]] = {}
    for item in leftovers:
        if item.table is not None and item.kind in ("trigger", "column"):
            tables.setdefault((item.schema, item.table), []).append(item)
    for (schema, table), items in sorted(tables.items()):
        target = qualified(dialect, schema, table)
        lock = (LockTarget("table", schema, table, "ACCESS EXCLUSIVE"),)
        sql = [
            f"DROP TRIGGER IF EXISTS {ident(dialect, i.name)} ON {target}"
            for i in items if i.kind == "trigger"
        ]
        columns = [i.name for i in items if i.kind == "column"]
        if columns:
            sql.append(
                f"ALTER TABLE {target} "
                + ", ".join(f"DROP COLUMN IF EXISTS {ident(dialect, c)}" for c in columns)
            )
        steps.append(
            Step(
                Boundary.OWN,
                tuple(Statement(s, locks=lock, idempotent=True) for s in sql),
                f"online cleanup of table {schema}.{table}: the sync trigger and the "
                "shadow columns",
                lock_timeout=lock_timeout,
            )
        )
    rest: list[Statement] = []
    for item in leftovers:
        if item.kind == "function":
            rest.append(Statement(
                f"DROP FUNCTION IF EXISTS {qualified(dialect, item.schema, item.name)}()",
                idempotent=True,
            ))
    for kind in ("domain", "type"):
        for item in leftovers:
            if item.kind == kind:
                rest.append(Statement(
                    f"DROP {kind.upper()} IF EXISTS "
                    f"{qualified(dialect, item.schema, item.name)}",
                    locks=(LockTarget("type", item.schema, item.name, "ACCESS EXCLUSIVE"),),
                    idempotent=True,
                ))
    if rest:
        steps.append(
            Step(
                Boundary.OWN, tuple(rest),
                "online cleanup: the trigger functions, the domain twins and the new type",
                lock_timeout=lock_timeout,
            )
        )
    return Plan("remove what abandoned online conversions left", tuple(steps))


def matching(leftovers: Sequence[Leftover], subject: str | None) -> list[Leftover]:
    """The leftovers of one conversion (``subject`` as the comments spell it:
    ``enum ai.status``, ``column ai.jobs.status``); all of them when None."""
    return [item for item in leftovers if subject is None or item.subject == subject]


def online_cleanup(
    connection: Connection,
    schema: str | None = None,
    type_name: str | None = None,
    *,
    table: str | None = None,
    column: str | None = None,
    options: EnumOpsOptions | None = None,
    dry_run: bool = False,
) -> tuple[list[Leftover], Plan]:
    """Find what abandoned online conversions left and, unless ``dry_run``, remove it:
    those of the swap of enum ``schema.type_name``, or of the conversion of
    ``schema.table.column``, or every one (neither given; ``schema`` defaults to
    ``public``).  Returns the leftovers found and the plan (run, or to be run)."""
    options = options or EnumOpsOptions()
    if type_name is not None and (table is not None or column is not None):
        raise ValueError("give type_name, or table and column, not both")
    if (table is None) != (column is None):
        raise ValueError("give table and column together")
    subject = None
    if type_name is not None:
        subject = subject_of(connection, "enum", schema or "public", type_name)
    elif table is not None and column is not None:
        subject = subject_of(connection, "column", schema or "public", table, column)
    leftovers = matching(read_online_leftovers(connection), subject)
    if connection.in_transaction():
        connection.commit()
    plan = plan_online_cleanup(connection.dialect, leftovers, lock_timeout=options.lock_timeout)
    if not dry_run and plan.steps:
        run_plan(MigrationContext.configure(connection), plan, options)
        if connection.in_transaction():
            connection.commit()
    return leftovers, plan
