"""The VARCHAR + CHECK variant: a text column limited by a value-set CHECK.

``check_enum_create``, ``check_enum_set_values`` and ``check_enum_drop``, and their
executors.  The plans (:mod:`alembic_enum_ops.ddl.check`) never hold an exclusive
lock through a scan: ``NOT VALID`` first, ``VALIDATE`` in a later transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..catalog import read_citus_tables
from ..ddl import check as check_ddl
from ..ddl.check_sql import temp_constraint_name, transition_constraint_name
from ..ddl.plan import Plan
from ..errors import EnumStateError, InvalidEnumInputError
from .base import CheckEnumOperation, check_values, operation
from .executing import Target, executes
from .preflight import (
    constraint_name_for,
    find_check,
    read_target,
    refuse_outside,
    refuse_what_citus_cannot,
    require_text_column,
)


@operation("check_enum_create")
class CreateCheckEnumOp(CheckEnumOperation):
    """Add a value-set CHECK: ``NOT VALID`` first, ``VALIDATE`` in a later transaction."""

    def __init__(
        self,
        table: str,
        column: str,
        values: Sequence[str],
        *,
        schema: str | None = None,
        constraint_name: str | None = None,
        lock_timeout: str | int | None = None,
    ) -> None:
        """Limit ``table.column`` (text/varchar) to ``values`` with a CHECK.

        The constraint is added ``NOT VALID`` in a short transaction of its own (ACCESS
        EXCLUSIVE for milliseconds, under ``lock_timeout`` with retries) and validated
        in a later one (SHARE UPDATE EXCLUSIVE: reads and writes go on).  Rows holding
        another value make it refuse first.  ``constraint_name`` defaults to
        ``ck_<table>_<column>_enum``.
        """
        self._init_target(table, column, schema, constraint_name)
        self.values = check_values(values, where=self.column_label)
        self.lock_timeout = lock_timeout

    def reverse(self) -> DropCheckEnumOp:
        return DropCheckEnumOp(
            self.table, self.column, schema=self.schema,
            constraint_name=self.constraint_name, values=self.values,
            lock_timeout=self.lock_timeout,
        )

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return (
            "check_enum_create", self.schema, self.table, self.column,
            self.values, self.constraint_name,
        )


@operation("check_enum_set_values")
class SetCheckEnumValuesOp(CheckEnumOperation):
    """Replace the allowed set: new CHECK ``NOT VALID``, ``VALIDATE``, rename; with a
    mapping, a transitional CHECK (old or new values) guards the batched remap first."""

    def __init__(
        self,
        table: str,
        column: str,
        values: Sequence[str],
        *,
        schema: str | None = None,
        constraint_name: str | None = None,
        mapping: Mapping[str, str] | None = None,
        old_values: Sequence[str] | None = None,
        lock_timeout: str | int | None = None,
    ) -> None:
        """Make the CHECK on ``table.column`` allow exactly ``values``.

        Rows holding a value that leaves the set make it refuse before any change,
        unless ``mapping`` (``{old: new}``) says where they go; they are then
        remapped in committed batches (``check_batch_size`` rows) while a
        transitional CHECK allows the old or the new values, so no write of the
        application fails before the new set is in force, and the new constraint is
        validated afterwards.  ``old_values`` records the current set so the
        operation can be reversed (autogenerate fills it in).
        """
        self._init_target(table, column, schema, constraint_name)
        where = self.column_label
        self.values = check_values(values, where=where)
        self.old_values = (
            None if old_values is None else check_values(old_values, where=where)
        )
        if mapping is not None and not isinstance(mapping, Mapping):
            raise InvalidEnumInputError(
                f"{where}: mapping must be a dict of old value -> new value, got {mapping!r}"
            )
        self.mapping: dict[str, str] = {}
        for old, new in (mapping or {}).items():
            check_values([old], where=where)
            check_values([new], where=where)
            if old in self.values:
                raise InvalidEnumInputError(
                    f"{where}: mapping moves {old!r}, which stays allowed; only values "
                    "that leave the set can be mapped"
                )
            if new not in self.values:
                raise InvalidEnumInputError(
                    f"{where}: mapping target {new!r} (for {old!r}) is not among the new "
                    f"values {list(self.values)!r}"
                )
            if self.old_values is not None and old not in self.old_values:
                raise InvalidEnumInputError(
                    f"{where}: mapping names {old!r}, which is not among old_values "
                    f"{list(self.old_values)!r}"
                )
            self.mapping[old] = new
        self.lock_timeout = lock_timeout

    def reverse(self) -> SetCheckEnumValuesOp:
        if self.old_values is None:
            raise InvalidEnumInputError(
                f"check_enum_set_values of {self.column_label} cannot be reversed: pass "
                "old_values=[...]"
            )
        inverse: dict[str, str] = {}
        for target in set(self.mapping.values()):
            if target in self.old_values:
                continue
            sources = [o for o, n in self.mapping.items() if n == target]
            if len(sources) == 1:
                inverse[target] = sources[0]
        return SetCheckEnumValuesOp(
            self.table, self.column, self.old_values, schema=self.schema,
            constraint_name=self.constraint_name, mapping=inverse or None,
            old_values=self.values, lock_timeout=self.lock_timeout,
        )

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return (
            "check_enum_set_values", self.schema, self.table, self.column,
            self.old_values, self.values, tuple(sorted(self.mapping.items())),
        )


@operation("check_enum_drop")
class DropCheckEnumOp(CheckEnumOperation):
    """Drop the value-set CHECK of a column."""

    def __init__(
        self,
        table: str,
        column: str,
        *,
        schema: str | None = None,
        constraint_name: str | None = None,
        values: Sequence[str] | None = None,
        lock_timeout: str | int | None = None,
    ) -> None:
        """Drop the CHECK (brief ACCESS EXCLUSIVE under ``lock_timeout``); ``values``
        records the set so the downgrade can re-create it."""
        self._init_target(table, column, schema, constraint_name)
        self.values = None if values is None else check_values(values, where=self.column_label)
        self.lock_timeout = lock_timeout

    def reverse(self) -> CreateCheckEnumOp:
        if self.values is None:
            raise InvalidEnumInputError(
                f"check_enum_drop of {self.column_label} cannot be reversed: pass values=[...]"
            )
        return CreateCheckEnumOp(
            self.table, self.column, self.values, schema=self.schema,
            constraint_name=self.constraint_name, lock_timeout=self.lock_timeout,
        )

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return (
            "check_enum_drop", self.schema, self.table, self.column,
            self.values, self.constraint_name,
        )



# --- executors: preflight (online, catalog reads, data check, refusals) + a pure plan --
# Offline nothing can be read: the plans then start with a server-side guard step that
# refuses, when the script is applied, on rows holding a value that is not allowed.


def preflight_check_create(op: CreateCheckEnumOp, target: Target) -> None:
    connection = target.require_connection()
    schema = target.schema(op.schema)
    assert schema is not None
    name = constraint_name_for(op)
    found, checks = read_target(connection, schema, op.table, op.column)
    require_text_column(found, op, "use enum_to_check to convert it")
    existing = find_check(checks, name)
    if existing is not None and (
        existing.values is None or set(existing.values) != set(op.values)
    ):
        raise EnumStateError(
            f"{op.column_label}: constraint {name} already exists as "
            f"{existing.definition}; use check_enum_set_values to change its values"
        )
    if target.check_data:
        refuse_outside(
            connection, schema, op.table, op.column, list(op.values),
            action=f"add CHECK constraint {name}",
        )


@executes(CreateCheckEnumOp, preflight=preflight_check_create)
def plan_check_create(op: CreateCheckEnumOp, target: Target, facts: None) -> Plan:
    return check_ddl.plan_check_create(
        target.dialect, target.schema(op.schema), op.table, op.column, op.values,
        constraint_name_for(op), lock_timeout=target.options.lock_timeout,
        guard=not target.online,
    )


def preflight_check_set_values(op: SetCheckEnumValuesOp, target: Target) -> bool:
    """Checks and refusals; whether the constraint must keep its name throughout (a
    Citus distributed or reference table: no ``RENAME CONSTRAINT`` there)."""
    connection = target.require_connection()
    schema = target.schema(op.schema)
    assert schema is not None
    name = constraint_name_for(op)
    # an interrupted run leaves the replacement (F) or the transitional (T) one
    resumable = (name, temp_constraint_name(name), transition_constraint_name(name))
    found, checks = read_target(connection, schema, op.table, op.column)
    require_text_column(found, op, "use enum_swap for native enums")
    if all(find_check(checks, n) is None for n in resumable):
        present = [c.name for c in checks if op.column in c.columns]
        raise EnumStateError(
            f"{op.column_label}: no CHECK constraint named {name} "
            f"(CHECK constraints on the column: {present!r}); pass constraint_name="
        )
    if op.mapping:
        refuse_what_citus_cannot(
            connection, schema, op.table, op.column,
            action=f"change the values allowed by {name} with a mapping",
            trigger="the remap keeps rows written meanwhile mapped with a BEFORE UPDATE "
            "trigger; remap with op.execute('UPDATE ...') first, then call "
            "check_enum_set_values without mapping",
        )
    if target.check_data:
        refuse_outside(
            connection, schema, op.table, op.column, [*op.values, *op.mapping],
            action=f"change the values allowed by {name}",
        )
    citus = read_citus_tables(connection, [(schema, op.table)]).get((schema, op.table))
    return citus is not None and not citus.supports_triggers


@executes(SetCheckEnumValuesOp, preflight=preflight_check_set_values)
def plan_check_set_values(
    op: SetCheckEnumValuesOp, target: Target, facts: bool | None
) -> Plan:
    # offline nothing is read: a script for a Citus cluster keeps the name when the
    # options say the cluster is distributed
    keep_name = facts if facts is not None else bool(target.options.distributed)
    return check_ddl.plan_check_set_values(
        target.dialect, target.schema(op.schema), op.table, op.column, op.values,
        constraint_name_for(op), mapping=op.mapping,
        lock_timeout=target.options.lock_timeout,
        batch_size=target.options.check_batch_size, guard=not target.online,
        keep_name=keep_name and not op.mapping,
    )


def preflight_check_drop(op: DropCheckEnumOp, target: Target) -> None:
    schema = target.schema(op.schema)
    assert schema is not None
    name = constraint_name_for(op)
    _found, checks = read_target(target.require_connection(), schema, op.table, op.column)
    if find_check(checks, name) is None:
        raise EnumStateError(f"{op.column_label}: no CHECK constraint named {name} to drop")


@executes(DropCheckEnumOp, preflight=preflight_check_drop)
def plan_check_drop(op: DropCheckEnumOp, target: Target, facts: None) -> Plan:
    return check_ddl.plan_check_drop(
        target.dialect, target.schema(op.schema), op.table, constraint_name_for(op),
        lock_timeout=target.options.lock_timeout,
    )
