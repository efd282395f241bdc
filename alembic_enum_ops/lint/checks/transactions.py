"""EO2xx: ``ALTER TYPE ... ADD VALUE`` and the migration's transaction.

A label added inside a transaction cannot be used before that transaction commits
(SQLSTATE 55P04), and the ``ADD VALUE`` holds its lock until then.  The linter knows
when the revision's transaction commits: at ``with ...autocommit_block():`` (on
entering and on leaving), around :data:`COMMITTING_OPS`, and at a raw ``COMMIT``
(itself EO204: a transaction ended behind Alembic's back).
"""

from __future__ import annotations

from .. import sql_reader as sql
from ..findings import Span
from ..knowledge import key
from .fix_text import op_call
from .schemas import unqualified_ddl
from .state import AddedLabel, FunctionState

COMMITTING_OPS = frozenset(
    {"enum_add_value", "check_enum_create", "check_enum_set_values", "enum_to_check",
     "check_to_enum"}
)
"""Our operations whose plan commits the revision's transaction midway (their plans
have ``Boundary.OWN`` steps)."""


def add_value(state: FunctionState, fact: sql.AddValue, here: Span) -> None:
    """A raw ``ADD VALUE``: EO203 without a position, EO201 inside the transaction (and
    the label is pending until the next commit); then the history learns the label."""
    type_key = key(fact.type.schema, fact.type.name)
    before = fact.neighbor if fact.neighbor and not fact.after else None
    after = fact.neighbor if fact.neighbor and fact.after else None
    if fact.neighbor is None:
        labels = state.registry.labels(fact.type.schema, fact.type.name)
        after = labels[-1] if labels else None
    fix = op_call(
        "enum_add_value", fact.type.name, fact.label, schema=fact.type.schema,
        before=before, after=after,
    )
    if fact.neighbor is None:
        known_last = after is not None
        state.report(
            "EO203", here,
            f"ALTER TYPE {fact.type} ADD VALUE {fact.label!r} has no BEFORE/AFTER: the "
            "label goes last" + (f" (after {after!r})" if known_last else "")
            + "; if it belongs elsewhere in the sort order (ORDER BY, <, >), say so",
            fix if known_last else fix[:-1] + ", after='<the label it follows>')",
        )
    unqualified_ddl(state, fact.type, here, "ALTER TYPE")
    if not state.autocommit:
        state.report(
            "EO201", here,
            f"ALTER TYPE {fact.type} ADD VALUE {fact.label!r} runs inside the migration's "
            "transaction: it holds an EXCLUSIVE lock on the type until the revision "
            "commits, and the new label cannot be used before that commit (SQLSTATE "
            "55P04, 'unsafe use of new value') -- in this revision, or in the next ones "
            "when env.py runs them all in one transaction",
            f"{fix} -- it commits the value in a transaction of its own (IF NOT EXISTS, so "
            "a re-run passes), under lock_timeout; or wrap the raw statement in "
            "'with op.get_context().autocommit_block():'",
        )
        state.pending.append(AddedLabel(type_key, fact.label, here, state.path, fix))
    state.registry.add_label(fact.type.schema, fact.type.name, fact.label, before, after)


def check_use(state: FunctionState, value: str, cast_to: sql.QName | None, span: Span) -> None:
    """EO202: ``value`` used while a raw ``ADD VALUE`` of it has not committed."""
    for added in state.pending:
        if added.label != value:
            continue
        if cast_to is not None and cast_to.name != added.type[1]:
            continue
        where = f"line {added.span.line}" if added.path == state.path else (
            f"{added.path}:{added.span.line}, an earlier revision run in the same "
            "transaction (env.py does not set transaction_per_migration=True)"
        )
        certain = "" if cast_to is not None else (
            " (if it is compared with, or stored in, a column of that type)"
        )
        state.report(
            "EO202", span,
            f"{value!r} was added to {added.type[0]}.{added.type[1]} by a raw ADD VALUE at "
            f"{where} and its transaction has not committed: using it here{certain} fails "
            "with SQLSTATE 55P04 'unsafe use of new value'",
            f"add the label with {added.fix} (it commits the value first), or move this "
            "statement to a later revision",
        )
        return


def transaction_control(
    state: FunctionState, fact: sql.TransactionControl, here: Span
) -> None:
    """EO204: ``COMMIT``/``BEGIN``/``ROLLBACK`` as SQL; all but BEGIN end the transaction."""
    state.report(
        "EO204", here,
        f"{fact.verb} sent as SQL ends or opens a transaction behind Alembic's back: the "
        "revision is no longer atomic, alembic_version may not match what ran, and "
        "--sql scripts get an unbalanced transaction",
        "'with op.get_context().autocommit_block():' around the statements that must "
        "run outside the transaction (or op.enum_add_value for ADD VALUE)",
    )
    if fact.verb != "BEGIN":
        state.commit()
