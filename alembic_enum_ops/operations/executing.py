"""How every operation runs: one generic executor, fed per class by a *preflight* and a
pure *plan*.

A family registers, for each operation class (:func:`executes`):

* ``preflight(op, target)`` -- online only: the catalog reads (set-based, one query
  each) and the refusals, before any DDL; it returns the facts the plan needs (the
  relations a swap locks, the enum a column uses...);
* ``plan(op, target, facts)`` -- pure: the :class:`~alembic_enum_ops.ddl.plan.Plan`,
  from the operation, the target and those facts (``None`` offline, where nothing can
  be read and the plan carries server-side guards instead).

The same two functions serve an online run, ``--sql``, and the revision header
(:func:`plan_operation` with ``check_data=False``: no table scans at autogenerate
time), so what a header says a revision locks is what its plan locks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from alembic.operations import MigrateOperation, Operations

from ..catalog import current_schema
from ..ddl.plan import Plan
from ..ddl.progress import Progress
from ..ddl.runner import prepare_transaction, run_plan
from ..errors import EnumOpsError
from ..options import EnumOpsOptions
from ..schema_map import translate
from ..validation import check_timeout

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.engine import Connection, Dialect


@dataclass
class Target:
    """What an operation is planned against: a dialect, the options, and -- online --
    the migration's connection."""

    dialect: Dialect
    options: EnumOpsOptions
    connection: Connection | None = None
    """None offline (``--sql``): nothing can be read."""
    check_data: bool = True
    """False for revision headers: catalog reads only, no scan of table data."""
    _default_schema: str | None = field(default=None, init=False, repr=False)

    @property
    def online(self) -> bool:
        return self.connection is not None

    def schema(self, schema: str | None) -> str | None:
        """The database schema an operation's ``schema=`` names.

        Online, through the connection's ``schema_translate_map`` first, as SQLAlchemy
        renders Alembic's own operations (:mod:`alembic_enum_ops.schema_map`); then
        ``None`` (no map entry for it) means the connection's default schema, looked up
        once, so every statement is qualified.  Offline nothing is translated (Alembic
        does not either) and ``None`` stays unqualified."""
        if self.connection is None:
            return schema
        schema = translate(self.connection, schema)
        if schema is not None:
            return schema
        if self._default_schema is None:
            self._default_schema = current_schema(self.connection)
        return self._default_schema

    def require_connection(self) -> Connection:
        assert self.connection is not None, "preflight runs online only"
        return self.connection


Preflight = Callable[[Any, Target], Any]
Planner = Callable[[Any, Target, Any], Plan]
PlannerT = TypeVar("PlannerT", bound=Planner)


@dataclass(frozen=True)
class Executor:
    plan: Planner
    preflight: Preflight | None


_EXECUTORS: dict[type[MigrateOperation], Executor] = {}


def executes(
    op_class: type[MigrateOperation], *, preflight: Preflight | None = None
) -> Callable[[PlannerT], PlannerT]:
    """Decorator for a plan function: register it (with its ``preflight``) as the
    executor of ``op_class`` on Alembic's ``Operations``."""

    def register(plan: PlannerT) -> PlannerT:
        _EXECUTORS[op_class] = Executor(plan, preflight)
        Operations.implementation_for(op_class)(_run)
        return plan

    return register


def has_executor(operation: object) -> bool:
    """Whether ``operation`` is one of ours (planned by an executor of this module)."""
    return type(operation) in _EXECUTORS


def plan_operation(operation: MigrateOperation, target: Target) -> Plan:
    """The plan of ``operation`` against ``target`` (preflight first when online)."""
    executor = _EXECUTORS[type(operation)]
    facts = None
    if target.online and executor.preflight is not None:
        facts = executor.preflight(operation, target)
    return executor.plan(operation, target, facts)


def options_for(context: MigrationContext, lock_timeout: str | int | None = None) -> EnumOpsOptions:
    """The environment's options, with an operation's own ``lock_timeout`` applied."""
    options = EnumOpsOptions.from_context_opts(context.opts)
    if lock_timeout is not None:
        options = options.replace(lock_timeout=check_timeout(lock_timeout))
    return options


def target_for(context: MigrationContext, operation: MigrateOperation) -> Target:
    return Target(
        context.dialect,
        options_for(context, getattr(operation, "lock_timeout", None)),
        None if context.as_sql else context.connection,
    )


def _run(operations: Operations, operation: MigrateOperation) -> None:
    """The one executor: plan (preflight included), then run.  Whatever of ours it
    raises (a refusal, a failed statement, a lock timeout) says which steps are
    already committed, when any are: they stay (:mod:`alembic_enum_ops.ddl.progress`)."""
    context = operations.migration_context
    try:
        target = target_for(context, operation)
        prepare_transaction(context, target.options)
        plan = plan_operation(operation, target)
        run_plan(context, plan, target.options)
    except EnumOpsError as error:
        progress = Progress.peek(context)
        stays = None if progress is None else progress.what_stays()
        if stays is not None and error.args and isinstance(error.args[0], str):
            error.args = (f"{error.args[0]}\n{stays}", *error.args[1:])
        raise
