r"""DDL planned as data: ordered statements grouped into transaction steps.

Every operation first builds a :class:`Plan`; only then does :mod:`.runner` execute it.
The same plan object serves an online run, the ``--sql`` script, a dry run
(:meth:`Plan.as_sql`), the revision header (:meth:`Plan.summary`) and the tests, so
what a reviewer reads in offline output or in a header is exactly what runs online.

A plan is a list of :class:`Step`.  A step's statements commit together:

* ``Boundary.MIGRATION`` steps run inside the revision's own transaction (they commit
  or roll back with it);
* ``Boundary.OWN`` steps run in a transaction of their own, committed before the plan
  goes on: the revision's transaction is committed first (Alembic's
  ``autocommit_block``), the step is wrapped in ``BEGIN`` / ``COMMIT``, and a new
  revision transaction starts afterwards.  ``ALTER TYPE ... ADD VALUE`` and
  ``VALIDATE CONSTRAINT`` live in such steps;
* ``Boundary.AUTOCOMMIT`` steps run outside any transaction block, in the same
  autocommit block: each statement commits by itself, and a ``DO`` block may
  ``COMMIT`` inside (batched data changes), which PostgreSQL allows only there.

A statement of an autocommit step may *generate* the work: it is a query whose rows
are the statements to run, one by one, each committing by itself (the batches of a
backfill, the indexes to build concurrently).  The work is found when the step runs,
from the catalog as it is then, which is what makes such a step resumable; offline
the query is followed by psql's ``\gexec``.

A step with a ``lock_timeout`` starts with ``SET LOCAL lock_timeout`` (on a Citus
cluster preceded by :data:`CITUS_PROPAGATE_SQL`, so the bound holds on the workers
too); the runner retries a step that fails with SQLSTATE 55P03 (online; a script
cannot retry).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.engine import Dialect

from .sqltext import literal

EXCLUSIVE_MODES = frozenset({"ACCESS EXCLUSIVE", "EXCLUSIVE"})
"""Lock modes that stop writers (ACCESS EXCLUSIVE also stops readers)."""


class Boundary(enum.Enum):
    """Which transaction a step's statements belong to."""

    MIGRATION = "migration"
    OWN = "own"
    AUTOCOMMIT = "autocommit"

    @property
    def commits(self) -> bool:
        """Steps of this kind commit before the revision does."""
        return self is not Boundary.MIGRATION


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
    rewrites_found_when_run: bool = False
    """The statement finds the tables it rewrites when it runs (the swap engine in a
    ``--sql`` script): a header can only say "every table with a column of the type"."""
    idempotent: bool = False
    """Safe to run again after a crash (``IF NOT EXISTS`` and the like)."""
    summary: str | None = None
    """What it does under its locks, in a few words (``NOT VALID``, ``VALIDATE``...)."""
    generates: bool = False
    r"""A query whose rows (one text column) are the statements to run, each outside any
    transaction block (``\gexec`` in a psql script)."""

    @property
    def rewrites_tables(self) -> bool:
        return bool(self.rewrites) or self.rewrites_found_when_run


@dataclass(frozen=True)
class Step:
    """Statements that commit together, with their lock policy."""

    boundary: Boundary
    statements: tuple[Statement, ...]
    description: str
    lock_timeout: str | None = None
    """When set, ``SET LOCAL lock_timeout`` precedes the statements."""
    retry_on_lock_timeout: bool = True
    pause: float = 0.0
    """Seconds to wait between the statements a statement generates (throttling)."""
    reports_progress: bool = False
    """Log progress (statements and rows done, rate, ETA) while generated statements
    run."""

    def __post_init__(self) -> None:
        if self.boundary is Boundary.AUTOCOMMIT and self.lock_timeout is not None:
            # SET LOCAL means nothing outside a transaction block, and a plain SET
            # would outlive the step
            raise ValueError(f"{self.description}: an autocommit step takes no lock_timeout")
        if self.boundary is not Boundary.AUTOCOMMIT and any(
            s.generates for s in self.statements
        ):
            raise ValueError(
                f"{self.description}: generated statements run outside any transaction "
                "block: only in an autocommit step"
            )

    def takes_locks(self) -> bool:
        return any(s.locks for s in self.statements)


@dataclass(frozen=True)
class Plan:
    """An operation's full DDL, in order, with its transaction boundaries."""

    description: str
    steps: tuple[Step, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = ()
    """What a reviewer must know besides the locks (e.g. an online swap moves the
    converted columns to the end of their tables); appended to :meth:`summary`."""

    def statements(self) -> Iterable[Statement]:
        for step in self.steps:
            yield from step.statements

    def locks(self) -> list[LockTarget]:
        return [lock for s in self.statements() for lock in s.locks]

    def rewrites(self) -> list[str]:
        return [t for s in self.statements() for t in s.rewrites]

    def commits_midway(self) -> bool:
        """True when part of the plan commits before the revision does."""
        return any(step.boundary.commits for step in self.steps)

    def summary(self) -> str | None:
        """What the plan locks and rewrites, for a revision header (None: nothing
        anyone waits on).  Built from the statements' own facts: every statement that
        locks gives one phrase (the first of each kind), in order."""
        phrases: list[str] = []
        for statement in self.statements():
            if not statement.locks:
                continue
            phrase = _phrase(statement)
            if phrase not in phrases:
                phrases.append(phrase)
        if not phrases and not self.notes:
            return None
        text = ", then ".join(phrases)
        if self.commits_midway():
            text += "; commits the revision's transaction midway"
        return "; ".join([text, *self.notes]) if text else "; ".join(self.notes)

    def as_sql(self, dialect: Dialect, *, distributed: bool = False) -> str:
        """The plan as an offline script fragment, exactly as ``--sql`` prints it."""
        lines: list[str] = []
        previous: Boundary | None = None
        for step in self.steps:
            if step.boundary.commits and (previous is None or not previous.commits):
                lines.append("COMMIT;")
            if step.boundary is Boundary.MIGRATION and previous is not None and previous.commits:
                lines.append("BEGIN;")
            lines.extend(
                terminated(s) for s in step_sql(step, dialect, distributed=distributed)
            )
            previous = step.boundary
        if previous is not None and previous.commits:
            lines.append("BEGIN;")
        return "\n".join(lines)


def _phrase(statement: Statement) -> str:
    """One statement's locks in words: a rewrite names its tables; an exclusive lock
    without a rewrite is brief (catalog changes only); a weaker lock lets writers on."""
    modes = [lock.mode for lock in statement.locks]
    strongest = max(modes, key=_strength)
    detail = f" ({statement.summary})" if statement.summary else ""
    if statement.rewrites_tables:
        tables = (
            ", ".join(f"table {t}" for t in statement.rewrites)
            if statement.rewrites
            else "every table with a column of the type"
        )
        return f"rewrites {tables} under {strongest} lock{detail}"
    if strongest in EXCLUSIVE_MODES:
        on_type = any(lock.kind == "type" for lock in statement.locks)
        brief = "brief" + (f", {statement.summary}" if statement.summary else "")
        return f"{strongest} lock{' on the type' if on_type else ''} ({brief})"
    return f"{statement.summary or 'a statement'} under {strongest}"


_STRENGTH = ["SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE",
             "ACCESS EXCLUSIVE"]


def _strength(mode: str) -> int:
    return _STRENGTH.index(mode) if mode in _STRENGTH else -1


GEXEC = "\n\\gexec"
"""How a psql script runs the statements a query generates."""


def terminated(statement: str) -> str:
    r"""A statement as a script line: ``;`` ends it, unless psql's ``\gexec`` does."""
    return statement if statement.endswith(GEXEC) else statement + ";"


def lock_timeout_sql(dialect: Dialect, timeout: str) -> str:
    """``SET LOCAL lock_timeout``: scoped to the transaction, so it cannot leak."""
    return f"SET LOCAL lock_timeout = {literal(dialect, timeout)}"


CITUS_PROPAGATE_SQL = "SET LOCAL citus.propagate_set_commands = 'local'"
"""On a Citus coordinator, a ``SET LOCAL`` reaches the workers' connections of the
transaction only with this setting: without it a lock held on a worker is waited for
whatever the coordinator's ``lock_timeout`` (docs/distributed.md)."""

CITUS_SEQUENTIAL_SQL = "SET LOCAL citus.multi_shard_modify_mode = 'sequential'"
"""Citus refuses a type command (``CREATE TYPE``, ``ALTER TYPE``...) after a query that
used parallel connections on a distributed table in the same transaction; in
sequential mode the step's queries (data checks, ``LOCK``, ``ALTER TABLE``) use one
connection per node, and the type commands after them run."""

CITUS_SQL = (CITUS_PROPAGATE_SQL, CITUS_SEQUENTIAL_SQL)
"""What a step in a transaction starts with on a Citus coordinator (``distributed``).
Scoped to the transaction; inert placeholders on a server without Citus."""


def step_sql(step: Step, dialect: Dialect, *, distributed: bool = False) -> list[str]:
    """The statements of one step as they are sent, framing included; ``distributed``:
    a step in a transaction starts with :data:`CITUS_SQL`, so its ``lock_timeout``
    reaches a Citus cluster's workers and its type commands run."""
    body: list[str] = []
    if distributed and step.boundary is not Boundary.AUTOCOMMIT:
        body.extend(CITUS_SQL)
    if step.lock_timeout is not None:
        body.append(lock_timeout_sql(dialect, step.lock_timeout))
    body.extend(s.sql + GEXEC if s.generates else s.sql for s in step.statements)
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
    "CITUS_PROPAGATE_SQL",
    "CITUS_SEQUENTIAL_SQL",
    "CITUS_SQL",
    "EXCLUSIVE_MODES",
    "GEXEC",
    "Boundary",
    "LockTarget",
    "Plan",
    "Statement",
    "Step",
    "lock_timeout_sql",
    "single_step_plan",
    "step_sql",
    "terminated",
]
