"""Execute a :class:`~.plan.Plan` through Alembic's ``MigrationContext``.

Online, statements go to the migration's connection as driver SQL (no bind-parameter
parsing, so a ``:`` or ``%`` inside a quoted label stays what it is).  Offline
(``--sql``), they are written to Alembic's output buffer.  ``Boundary.OWN`` and
``Boundary.AUTOCOMMIT`` steps run inside Alembic's ``autocommit_block`` (consecutive
ones share one); own-transaction steps frame themselves with ``BEGIN``/``COMMIT``, so
online and offline show the same transaction boundaries.

Lock timeouts (SQLSTATE 55P03) are retried online with exponential backoff and
jitter: a migration step through a savepoint, an own-transaction step as a whole.  On
a Citus coordinator the ``lock_timeout`` is propagated to the workers (:func:`distributed`).
After the last try the error names what the step waited on and who held it
(:mod:`.lock_waits`).

A statement that *generates* the work (an online conversion's backfill, validations,
index builds) is run, and each statement it returns runs by itself, retried alone on
55P03, paced and with progress logged (:class:`BatchProgress`); offline it is followed
by psql's ``\\gexec``.

A server error ends up as one of our exceptions (:func:`.server_errors.statement_error`),
raised ``from None``: the message names the step and the server's message once, and
the traceback does not print the statement (the swap engine is ~1,400 lines).  The
steps that commit are remembered (:class:`.progress.Progress`), so an error raised
later can say what stays.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..catalog.citus import citus_installed
from ..errors import LockTimeoutExhaustedError
from ..options import EnumOpsOptions
from .lock_waits import exhausted_message
from .plan import GEXEC, Boundary, Plan, Step, step_sql
from .progress import Progress
from .server_errors import LOCK_NOT_AVAILABLE, sqlstate_of, statement_error
from .server_messages import forwarding_server_messages

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext

log = logging.getLogger("alembic_enum_ops")

_SAVEPOINT = "alembic_enum_ops_step"

Sleeper = Callable[[float], None]


def backoff_delays(options: EnumOpsOptions, rng: random.Random | None = None) -> Iterator[float]:
    """Delays before each retry: doubling from ``retry_backoff``, capped, with jitter."""
    rng = rng or random.Random()
    for attempt in range(options.lock_retries):
        ceiling = min(options.retry_backoff_max, options.retry_backoff * (2**attempt))
        yield ceiling * (0.5 + rng.random() / 2)


def run_plan(
    context: MigrationContext,
    plan: Plan,
    options: EnumOpsOptions,
    *,
    sleep: Sleeper = time.sleep,
) -> None:
    """Run every step of ``plan``, online or offline, in order."""
    steps = list(plan.steps)
    index = 0
    while index < len(steps):
        step = steps[index]
        if step.boundary.commits:
            # consecutive steps outside the revision's transaction share one block
            group = [step]
            while index + 1 < len(steps) and steps[index + 1].boundary.commits:
                index += 1
                group.append(steps[index])
            _run_autocommit_group(context, group, options, sleep)
        else:
            _run_step(context, step, options, sleep)
        index += 1


def _run_autocommit_group(
    context: MigrationContext, group: list[Step], options: EnumOpsOptions, sleep: Sleeper
) -> None:
    """Run ``group`` in Alembic's ``autocommit_block``.  When a step fails because the
    connection died (its backend terminated, the server restarted), leaving the block
    fails too (it commits on a dead connection); the step's error is the one raised,
    not the block's "Can't reconnect until invalid transaction is rolled back"."""
    failure: BaseException | None = None
    progress = None if context.as_sql else Progress.of(context)
    try:
        with context.autocommit_block():
            if progress is not None:
                progress.commit_point()
            try:
                for own in group:
                    _run_step(context, own, options, sleep)
                    if progress is not None:
                        progress.step_committed(own)
            except BaseException as exc:
                failure = exc
                raise
    except sa.exc.SQLAlchemyError as exc:
        if failure is not None and exc is not failure:
            raise failure from None
        raise


def distributed(context: MigrationContext, options: EnumOpsOptions) -> bool:
    """Whether lock timeouts must be propagated to a Citus cluster's workers: as
    ``options.distributed`` says, else (online) whether the database has ``citus``,
    asked once per connection."""
    if options.distributed is not None:
        return options.distributed
    connection = context.connection
    if context.as_sql or connection is None:
        return False
    return citus_installed(connection)


def prepare_transaction(context: MigrationContext, options: EnumOpsOptions) -> None:
    """Before an operation's catalog reads (online, on a Citus coordinator): the
    revision's transaction goes on in sequential mode, so the type commands of the
    steps that follow are not refused for a parallel query of the reads
    (:data:`.plan.CITUS_SEQUENTIAL_SQL`).  ``set_config``, not ``SET LOCAL``: outside a
    transaction block it is silently void."""
    if context.as_sql or context.connection is None or not distributed(context, options):
        return
    _execute(
        context.connection,
        "SELECT pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true)",
    )


def _run_step(
    context: MigrationContext, step: Step, options: EnumOpsOptions, sleep: Sleeper
) -> None:
    sql = step_sql(
        step,
        context.dialect,
        distributed=step.boundary is not Boundary.AUTOCOMMIT and distributed(context, options),
    )
    if context.as_sql:
        for statement in sql:
            if statement.endswith(GEXEC):  # psql runs what the query generates
                context.impl.static_output(statement)
            else:
                context.impl.static_output(statement + context.impl.command_terminator)
        return
    connection = context.connection
    assert connection is not None, "online run without a connection"
    with forwarding_server_messages(connection):
        try:
            _run_online(connection, step, sql, options, sleep)
        except sa.exc.DBAPIError as exc:
            raise statement_error(exc, step.description) from None


def _run_online(
    connection: Connection, step: Step, sql: list[str], options: EnumOpsOptions, sleep: Sleeper
) -> None:
    retry = step.retry_on_lock_timeout and step.takes_locks()
    if step.boundary is Boundary.AUTOCOMMIT:
        # each statement commits as it goes: only a step that can run again is retried
        retry = retry and all(s.idempotent for s in step.statements)
    delays = backoff_delays(options) if retry else iter(())
    attempt = 0
    while True:
        attempt += 1
        try:
            if step.boundary is Boundary.OWN:
                _run_own_transaction(connection, sql)
            elif step.boundary is Boundary.AUTOCOMMIT:
                for statement in step.statements:
                    if statement.generates:
                        _run_generated(connection, step, statement.sql, options, sleep)
                    else:
                        _execute(connection, statement.sql)
            else:
                _run_in_savepoint(connection, sql, use_savepoint=retry)
            return
        except sa.exc.DBAPIError as exc:
            if sqlstate_of(exc) != LOCK_NOT_AVAILABLE or not retry:
                raise
            delay = next(delays, None)
            if delay is None:
                raise LockTimeoutExhaustedError(
                    exhausted_message(connection, step, attempt, options)
                ) from None
            log.warning(
                "alembic_enum_ops: %s: lock not available within lock_timeout %s "
                "(attempt %d of %d); retrying in %.2fs",
                step.description,
                step.lock_timeout,
                attempt,
                options.lock_retries + 1,
                delay,
            )
            sleep(delay)


def _execute(connection: Connection, statement: str) -> int:
    """Run one statement; the number of rows it affected (-1 when not applicable)."""
    result = connection.exec_driver_sql(statement, execution_options={"no_parameters": True})
    return int(result.rowcount)


def _run_generated(
    connection: Connection, step: Step, query: str, options: EnumOpsOptions, sleep: Sleeper
) -> None:
    """Run the statements ``query`` generates, each committing by itself, in order.

    A statement that meets SQLSTATE 55P03 is retried alone with backoff (generated
    statements are idempotent: each only does what is left).  With
    ``step.reports_progress`` the work is logged at a steady cadence: statements and
    rows done, the rate, and the time left.
    """
    generated = [
        str(row[0])
        for row in connection.exec_driver_sql(
            query, execution_options={"no_parameters": True}
        ).all()
        if row[0] is not None
    ]
    progress = BatchProgress(step.description, len(generated), options.online_progress_interval)
    for index, statement in enumerate(generated):
        if index and step.pause:
            sleep(step.pause)
        delays = backoff_delays(options) if step.retry_on_lock_timeout else iter(())
        attempt = 0
        while True:
            attempt += 1
            try:
                rows = _execute(connection, statement)
                break
            except sa.exc.DBAPIError as exc:
                delay = next(delays, None) if sqlstate_of(exc) == LOCK_NOT_AVAILABLE else None
                if delay is None:
                    if sqlstate_of(exc) == LOCK_NOT_AVAILABLE:
                        raise LockTimeoutExhaustedError(
                            f"{step.description}: {statement[:200]}: lock not available "
                            f"after {attempt} attempts (lock_retries={options.lock_retries})"
                        ) from None
                    raise
                log.warning(
                    "alembic_enum_ops: %s: lock not available (attempt %d of %d); "
                    "retrying in %.2fs", step.description, attempt, options.lock_retries + 1,
                    delay,
                )
                sleep(delay)
        if step.reports_progress:
            progress.advance(max(rows, 0))
    if step.reports_progress:
        progress.finish()


class BatchProgress:
    """Progress of generated statements, logged at most every ``interval`` seconds."""

    def __init__(self, what: str, total: int, interval: float) -> None:
        self.what = what
        self.total = total
        self.interval = interval
        self.done = 0
        self.rows = 0
        self.started = self.last = time.monotonic()

    def advance(self, rows: int) -> None:
        self.done += 1
        self.rows += rows
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            self._log(now)

    def finish(self) -> None:
        self._log(time.monotonic(), final=True)

    def _log(self, now: float, *, final: bool = False) -> None:
        elapsed = max(now - self.started, 1e-9)
        rate = self.rows / elapsed
        share = self.done / self.total if self.total else 1.0
        left = elapsed / share - elapsed if share else 0.0
        log.info(
            "alembic_enum_ops: %s: %s %d/%d batches (%.0f%%), %d rows, %.0f rows/s, %s",
            self.what, "done:" if final else "", self.done, self.total, share * 100,
            self.rows, rate, f"took {elapsed:.1f}s" if final else f"ETA {left:.0f}s",
        )


def _run_own_transaction(connection: Connection, sql: list[str]) -> None:
    """``sql`` starts with BEGIN and ends with COMMIT; roll back on any failure."""
    try:
        for statement in sql:
            _execute(connection, statement)
    except BaseException:
        try:
            _execute(connection, "ROLLBACK")
        except sa.exc.SQLAlchemyError:
            # the connection is gone (its backend terminated): the server rolled the
            # transaction back; the error that matters is the one being raised
            pass
        raise


def _run_in_savepoint(connection: Connection, sql: list[str], *, use_savepoint: bool) -> None:
    if not use_savepoint:
        for statement in sql:
            _execute(connection, statement)
        return
    with _savepoint(connection):
        for statement in sql:
            _execute(connection, statement)


@contextmanager
def _savepoint(connection: Connection) -> Iterator[None]:
    _execute(connection, f"SAVEPOINT {_SAVEPOINT}")
    try:
        yield
    except BaseException:
        _execute(connection, f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
        _execute(connection, f"RELEASE SAVEPOINT {_SAVEPOINT}")
        raise
    _execute(connection, f"RELEASE SAVEPOINT {_SAVEPOINT}")
