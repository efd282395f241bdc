"""What a migration run has committed that no version stamp records yet.

Steps outside the revision's transaction (``ALTER TYPE ... ADD VALUE``, ``VALIDATE``,
conversions) commit at once, and Alembic's ``autocommit_block`` commits whatever the
revision ran before them.  When something fails later, the revision's transaction
rolls back, but those commits stay: "nothing was changed" would be untrue.  This
module keeps, per ``MigrationContext``, the steps committed since the last version
stamp that is itself committed, so an error can name them:

* with ``transaction_per_migration`` a revision's stamp commits with the revision:
  Alembic's ``on_version_apply`` hook forgets its steps;
* with one transaction for the whole run, an earlier revision's stamp only commits at
  the next commit (our next autocommit block): until then its committed steps are
  named too, as an earlier revision's, since that revision runs again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .plan import Step

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext

_ATTRIBUTE = "_alembic_enum_ops_progress"


@dataclass
class Progress:
    """The committed steps of one migration run not yet covered by a committed stamp."""

    stamp_commits_at_once: bool
    """Each revision's version stamp commits with it (``transaction_per_migration``,
    or no transactional DDL)."""
    applied: int = 0
    """Revisions Alembic has stamped in this run (the running one is number
    ``applied``, counting from 0)."""
    durable: int = 0
    """Of those, the ones whose stamp is committed."""
    committed: list[tuple[int, Step]] = field(default_factory=list)

    @classmethod
    def of(cls, context: MigrationContext) -> Progress:
        """The context's progress, created (and hooked to ``on_version_apply``) on
        first use."""
        found = context.__dict__.get(_ATTRIBUTE)
        if isinstance(found, Progress):
            return found
        progress = cls(
            stamp_commits_at_once=bool(context.opts.get("transaction_per_migration"))
            or not context.impl.transactional_ddl
        )
        setattr(context, _ATTRIBUTE, progress)
        context.on_version_apply_callbacks = [
            *context.on_version_apply_callbacks, progress._revision_applied
        ]
        return progress

    @classmethod
    def peek(cls, context: MigrationContext) -> Progress | None:
        found = context.__dict__.get(_ATTRIBUTE)
        return found if isinstance(found, Progress) else None

    def commit_point(self) -> None:
        """An autocommit block starts: everything before it commits, stamps included."""
        self.durable = self.applied
        self._prune()

    def step_committed(self, step: Step) -> None:
        self.committed.append((self.applied, step))

    def _revision_applied(self, **_: object) -> None:
        self.applied += 1
        if self.stamp_commits_at_once:
            self.durable = self.applied
        self._prune()

    def _prune(self) -> None:
        self.committed = [(n, s) for n, s in self.committed if n >= self.durable]

    def what_stays(self) -> str | None:
        """What an error raised now must add: the committed steps that stay (None when
        there are none)."""
        if not self.committed:
            return None
        earlier = [s for n, s in self.committed if n < self.applied]
        this = [s for n, s in self.committed if n == self.applied]
        lines: list[str] = []
        if earlier:
            lines.append(
                "Committed by an earlier revision of this run, and kept, although that "
                "revision is not recorded as applied (its version stamp rolls back with "
                "this transaction):"
            )
            lines.extend(_item(s) for s in earlier)
        if this:
            lines.append(
                "Already committed by this revision, and kept (with whatever the "
                "revision ran before them):"
            )
            lines.extend(_item(s) for s in this)
        lines.append(
            "After the fix, run `alembic upgrade` again: it starts over from the last "
            "revision recorded as applied, and the steps above find their work done."
        )
        return "\n".join(lines)


def _item(step: Step) -> str:
    if all(statement.idempotent for statement in step.statements):
        return f"  - {step.description}"
    return (
        f"  - {step.description} (not idempotent: it fails when it runs again; make it "
        "re-runnable, e.g. if_not_exists=True, before re-running)"
    )
