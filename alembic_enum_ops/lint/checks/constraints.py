"""EO5xx: CHECK constraints (the VARCHAR + CHECK variant of an enum).

Adding a CHECK validates every row under ``ACCESS EXCLUSIVE`` (EO501) unless it is
added ``NOT VALID`` and validated later under a weaker lock; validating in the
transaction that added it (EO502) keeps the strong lock through the scan anyway.
Tables the revision created are empty: there is nothing to scan.
"""

from __future__ import annotations

from .. import sql_reader as sql
from ..findings import Span
from ..knowledge import Key, key
from .state import FunctionState


def add_check(
    state: FunctionState, span: Span, table: Key, where: str, name: str | None, *,
    not_valid: bool,
) -> None:
    """A CHECK added to ``table`` (raw SQL or ``op.create_check_constraint``): remembered
    when ``NOT VALID`` in the open transaction, EO501 on an existing table otherwise."""
    if not_valid:
        if not state.autocommit and name:
            state.not_valid[(table, name)] = span
        return
    if table in state.created_tables:
        return
    state.report(
        "EO501", span,
        f"CHECK constraint {name or ''} added to existing table {where} without NOT VALID: "
        "the whole table is scanned under an ACCESS EXCLUSIVE lock, blocking every read "
        "and write for the length of the scan".replace("  ", " "),
        "add it NOT VALID (postgresql_not_valid=True), then VALIDATE CONSTRAINT in a "
        "later transaction; for an enum-like column: op.check_enum_create(table, column, "
        "values, schema=...), which does both and refuses first if rows break it",
    )


def validate(state: FunctionState, fact: sql.ValidateConstraint, here: Span) -> None:
    """EO502: ``VALIDATE CONSTRAINT`` in the transaction that added it ``NOT VALID``."""
    table = key(fact.table.schema, fact.table.name)
    added = state.not_valid.get((table, fact.name))
    if added is None or state.autocommit:
        return
    state.report(
        "EO502", here,
        f"VALIDATE CONSTRAINT {fact.name} on {fact.table} runs in the transaction that "
        f"added it NOT VALID (line {added.line}): the ACCESS EXCLUSIVE lock of the ADD is "
        "held through the whole validating scan, which is what NOT VALID was meant to "
        "avoid",
        "validate in a later transaction: 'with op.get_context().autocommit_block(): "
        f"op.execute(\"ALTER TABLE {fact.table} VALIDATE CONSTRAINT {fact.name}\")', or "
        "op.check_enum_create(...), which commits between the two",
    )
