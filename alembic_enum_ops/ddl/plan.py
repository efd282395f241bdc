"""DDL planned as data: ordered statements grouped into transaction steps.

Every operation first builds a :class:`Plan`; only then does :mod:`.runner` execute it.
The same plan object serves an online run, the ``--sql`` script, a dry run
(:meth:`Plan.as_sql`) and the tests, so what a reviewer reads in offline output is
exactly what runs online.

A plan is a list of :class:`Step`.  A step's statements commit together:

* ``Boundary.MIGRATION`` steps run inside the revision's own transaction (they commit
  or roll back with it);
* ``Boundary.OWN`` steps run in a transaction of their own, committed before the plan
  goes on: the revision's transaction is committed first (Alembic's
  ``autocommit_block``), the step is wrapped in ``BEGIN`` / ``COMMIT``, and a new
  revision transaction starts afterwards.  ``ALTER TYPE ... ADD VALUE`` and
  ``VALIDATE CONSTRAINT`` live in such steps.

A step with a ``lock_timeout`` starts with ``SET LOCAL lock_timeout``; the runner
retries a step that fails with SQLSTATE 55P03 (online; a script cannot retry).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.engine import Dialect

from .sqltext import literal


class Boundary(enum.Enum):
    """Which transaction a step's statements belong to."""

    MIGRATION = "migration"
    OWN = "own"


@dataclass(frozen=True)
class LockTarget:
    """An object a statement locks, for lock-timeout messages and plan summaries."""

    kind: str  # "table" or "type"
    schema: str | None
    name: str
    mode: str  # e.g. "ACCESS EXCLUSIVE"

    def describe(self) -> str:
        where = f"{self.schema}.{self.name}" if self.schema else self.name
        return f"{self.mode} lock on {self.kind} {where}"


@dataclass(frozen=True)
class Statement:
    """One SQL statement (without the trailing semicolon), already fully quoted."""

    sql: str
    locks: tuple[LockTarget, ...] = ()
    rewrites: tuple[str, ...] = ()
    """Tables (``schema.table``) this statement rewrites, for revision headers."""
    idempotent: bool = False
    """Safe to run again after a crash (``IF NOT EXISTS`` and the like)."""


@dataclass(frozen=True)
class Step:
    """Statements that commit together, with their lock policy."""

    boundary: Boundary
    statements: tuple[Statement, ...]
    description: str
    lock_timeout: str | None = None
    """When set, ``SET LOCAL lock_timeout`` precedes the statements."""
    retry_on_lock_timeout: bool = True

    def takes_locks(self) -> bool:
        return any(s.locks for s in self.statements)


@dataclass(frozen=True)
class Plan:
    """An operation's full DDL, in order, with its transaction boundaries."""

    description: str
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def statements(self) -> Iterable[Statement]:
        for step in self.steps:
            yield from step.statements

    def locks(self) -> list[LockTarget]:
        return [lock for s in self.statements() for lock in s.locks]

    def rewrites(self) -> list[str]:
        return [t for s in self.statements() for t in s.rewrites]

    def commits_midway(self) -> bool:
        """True when part of the plan commits before the revision does."""
        return any(step.boundary is Boundary.OWN for step in self.steps)

    def as_sql(self, dialect: Dialect) -> str:
        """The plan as an offline script fragment, exactly as ``--sql`` prints it."""
        lines: list[str] = []
        previous: Boundary | None = None
        for step in self.steps:
            if step.boundary is Boundary.OWN and previous is not Boundary.OWN:
                lines.append("COMMIT;")
            if step.boundary is Boundary.MIGRATION and previous is Boundary.OWN:
                lines.append("BEGIN;")
            lines.extend(s + ";" for s in step_sql(step, dialect))
            previous = step.boundary
        if previous is Boundary.OWN:
            lines.append("BEGIN;")
        return "\n".join(lines)


def lock_timeout_sql(dialect: Dialect, timeout: str) -> str:
    """``SET LOCAL lock_timeout``: scoped to the transaction, so it cannot leak."""
    return f"SET LOCAL lock_timeout = {literal(dialect, timeout)}"


def step_sql(step: Step, dialect: Dialect) -> list[str]:
    """The statements of one step as they are sent, framing included."""
    body: list[str] = []
    if step.lock_timeout is not None:
        body.append(lock_timeout_sql(dialect, step.lock_timeout))
    body.extend(s.sql for s in step.statements)
    if step.boundary is Boundary.OWN:
        return ["BEGIN", *body, "COMMIT"]
    return body


def single_step_plan(
    description: str,
    statements: Iterable[Statement],
    *,
    boundary: Boundary = Boundary.MIGRATION,
    lock_timeout: str | None = None,
) -> Plan:
    """A plan of one step: the shape of every simple operation."""
    stmts = tuple(statements)
    timeout = lock_timeout if any(s.locks for s in stmts) else None
    return Plan(
        description,
        (Step(boundary, stmts, description, lock_timeout=timeout),),
    )


__all__ = [
    "Boundary",
    "LockTarget",
    "Plan",
    "Statement",
    "Step",
    "lock_timeout_sql",
    "single_step_plan",
    "step_sql",
]
