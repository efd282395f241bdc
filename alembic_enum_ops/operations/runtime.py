"""What every executor does around its plan: options, the schema, and running it.

An executor reads the environment's :class:`~alembic_enum_ops.options.EnumOpsOptions`
(with the operation's own ``lock_timeout``), resolves ``schema=None`` to the
connection's default schema online, and hands its plan to the runner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..catalog import current_schema
from ..ddl.plan import Plan
from ..ddl.runner import run_plan
from ..ddl.sqltext import check_timeout
from ..options import EnumOpsOptions

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.engine import Connection


def options_for(context: MigrationContext, lock_timeout: str | int | None = None) -> EnumOpsOptions:
    """The environment's options, with an operation's own ``lock_timeout`` applied."""
    options = EnumOpsOptions.from_context_opts(context.opts)
    if lock_timeout is not None:
        options = options.replace(lock_timeout=check_timeout(lock_timeout))
    return options


def resolve_schema(context: MigrationContext, schema: str | None) -> str | None:
    """``schema=None`` means the connection's default schema: online it is looked up,
    so every statement is qualified; offline it stays unqualified (pass ``schema=``,
    as autogenerate always does, to pin it in scripts)."""
    if schema is not None or context.as_sql:
        return schema
    assert context.connection is not None
    return current_schema(context.connection)


def execute(context: MigrationContext, plan: Plan, options: EnumOpsOptions) -> None:
    run_plan(context, plan, options)


def online_connection(context: MigrationContext) -> Connection | None:
    return None if context.as_sql else context.connection



def run_autocommit(context: MigrationContext, sql: str) -> None:
    """Send ``sql`` outside any transaction block (a DO block that commits itself)."""
    with context.autocommit_block():
        if context.as_sql:
            context.impl.static_output(sql + context.impl.command_terminator)
            return
        connection = context.connection
        assert connection is not None
        connection.exec_driver_sql(sql, execution_options={"no_parameters": True})
