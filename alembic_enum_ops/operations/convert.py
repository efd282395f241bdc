"""Conversions between a native enum column and text + CHECK, and their executors.

``enum_to_check`` and ``check_to_enum`` rewrite the table (``ALTER COLUMN ... TYPE``)
in a transaction of their own, under ``lock_timeout``; the CHECK is validated later.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..ddl import convert as convert_ddl
from ..ddl.check_sql import guard_sql, guard_step
from ..ddl.online.convert import plan_online_conversion
from ..ddl.plan import Plan
from ..ddl.sqltext import qualified
from ..errors import EnumStateError, InvalidEnumInputError
from ..validation import check_labels, check_name, check_schema
from .base import CheckEnumOperation, check_length, operation
from .executing import Target, executes
from .preflight import (
    constraint_name_for,
    read_target,
    refuse_outside,
    refuse_what_citus_cannot,
    require_enum,
    require_text_column,
)


@operation("enum_to_check")
class EnumToCheckOp(CheckEnumOperation):
    """Native enum column -> text + CHECK (rewrites the table)."""

    def __init__(
        self,
        table: str,
        column: str,
        *,
        schema: str | None = None,
        type_name: str | None = None,
        type_schema: str | None = None,
        values: Sequence[str] | None = None,
        constraint_name: str | None = None,
        length: int | None = None,
        drop_type: bool = True,
        lock_timeout: str | int | None = None,
        online: bool = False,
    ) -> None:
        """Turn a native-enum column into ``text`` (``varchar(length)``) + CHECK.

        Rewrites the table under ACCESS EXCLUSIVE (in its own transaction, under
        ``lock_timeout`` with retries); default, nullability and indexes are kept.
        The CHECK is added ``NOT VALID`` and validated afterwards.  The enum type is
        then dropped when nothing else uses it (``drop_type=False`` keeps it).
        Online, ``type_name``/``values`` are read from the catalog; offline (and for
        the downgrade) pass them.

        ``online=True``: no table rewrite under an exclusive lock -- a shadow column kept
        in sync by a trigger, backfilled in batches, indexed concurrently and swapped in
        by a short cut-over (docs/online.md).  Running it again after an interruption
        resumes it.
        """
        self._init_target(table, column, schema, constraint_name)
        self.type_name = None if type_name is None else check_name(type_name, what="type name")
        self.type_schema = check_schema(type_schema)
        self.values = (
            None if values is None else check_labels(values, type_label=self.column_label)
        )
        self.length = check_length(self.column_label, "length", length, self.values)
        self.drop_type = bool(drop_type)
        self.lock_timeout = lock_timeout
        self.online = bool(online)

    def reverse(self) -> CheckToEnumOp:
        if self.type_name is None or self.values is None:
            raise InvalidEnumInputError(
                f"enum_to_check of {self.column_label} cannot be reversed: pass "
                "type_name=... and values=[...]"
            )
        return CheckToEnumOp(
            self.table, self.column, self.type_name, self.values, schema=self.schema,
            type_schema=self.type_schema, constraint_name=self.constraint_name,
            create_type=self.drop_type, existing_length=self.length,
            lock_timeout=self.lock_timeout, online=self.online,
        )

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return (
            "enum_to_check", self.schema, self.table, self.column,
            self.type_schema, self.type_name, self.values,
        )


@operation("check_to_enum")
class CheckToEnumOp(CheckEnumOperation):
    """text + CHECK column -> native enum (rewrites the table)."""

    def __init__(
        self,
        table: str,
        column: str,
        type_name: str,
        values: Sequence[str],
        *,
        schema: str | None = None,
        type_schema: str | None = None,
        constraint_name: str | None = None,
        create_type: bool = True,
        existing_length: int | None = None,
        lock_timeout: str | int | None = None,
        online: bool = False,
    ) -> None:
        """Turn a text + CHECK column into the native enum ``type_name``.

        Creates the type (unless ``create_type=False``) in ``type_schema`` (default:
        the table's schema), refuses when rows hold a value outside ``values``, then
        rewrites the table under ACCESS EXCLUSIVE in its own transaction (under
        ``lock_timeout`` with retries), keeping default, nullability and indexes, and
        drops the CHECK, which the type now enforces.

        ``existing_length`` records the column's ``varchar(n)`` size (autogenerate
        fills it in): only the reverse uses it, so a downgrade restores
        ``varchar(n)`` rather than ``text`` (``text`` when a label is longer than
        ``n``).

        ``online=True``: no table rewrite under an exclusive lock (as for
        :class:`EnumToCheckOp`; docs/online.md).
        """
        self._init_target(table, column, schema, constraint_name)
        self.type_name = check_name(type_name, what="type name")
        self.type_schema = check_schema(type_schema)
        self.values = check_labels(values, type_label=self.type_name)
        self.create_type = bool(create_type)
        # not checked against ``values``: a new label may outgrow the old varchar(n)
        self.existing_length = check_length(
            self.column_label, "existing_length", existing_length, None
        )
        self.lock_timeout = lock_timeout
        self.online = bool(online)

    def reverse(self) -> EnumToCheckOp:
        return EnumToCheckOp(
            self.table, self.column, schema=self.schema, type_name=self.type_name,
            type_schema=self.type_schema, values=self.values,
            constraint_name=self.constraint_name, length=self._reverse_length(),
            drop_type=self.create_type, lock_timeout=self.lock_timeout, online=self.online,
        )

    def _reverse_length(self) -> int | None:
        """``existing_length`` when every value fits it; else None (``text``): the
        downgrade must not fail on a label longer than the old ``varchar(n)``."""
        if self.existing_length is None:
            return None
        if max(len(v) for v in self.values) > self.existing_length:
            return None
        return self.existing_length

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return (
            "check_to_enum", self.schema, self.table, self.column,
            self.type_schema, self.type_name, self.values,
        )


# --- executors: preflight (online, catalog reads, data check, refusals) + a pure plan --


ONLINE_TRIGGER = (
    "an online conversion keeps its shadow column in sync with a trigger; online=False "
    "rewrites the table (under ACCESS EXCLUSIVE) instead"
)


EnumFacts = tuple[str, str | None, tuple[str, ...]]
"""The enum a column is converted from: (name, schema, labels)."""


def preflight_enum_to_check(op: EnumToCheckOp, target: Target) -> EnumFacts | None:
    """The column's enum as the catalog has it (checked against what the operation
    says), or None when the column is already text (a rerun finishing a conversion)."""
    connection = target.require_connection()
    schema = target.schema(op.schema)
    assert schema is not None
    found, _checks = read_target(connection, schema, op.table, op.column)
    refuse_what_citus_cannot(
        connection, schema, op.table, op.column,
        action=f"convert {op.column_label} to text + CHECK", changes_type=found.is_enum,
        trigger=ONLINE_TRIGGER if op.online else None,
    )
    if found.is_enum:
        type_schema = (
            found.type_schema if op.type_schema is None else target.schema(op.type_schema)
        )
        if op.type_name is not None and (op.type_name, type_schema) != (
            found.type_name, found.type_schema,
        ):
            raise EnumStateError(
                f"{op.column_label} uses enum {found.type_schema}.{found.type_name}, "
                f"not {type_schema}.{op.type_name}"
            )
        current = require_enum(connection, found.type_schema, found.type_name)
        if op.values is not None and tuple(op.values) != current.labels:
            raise EnumStateError(
                f"enum {current.schema}.{current.name} has labels {list(current.labels)!r}, "
                f"not {list(op.values)!r}"
            )
        return current.name, current.schema, current.labels
    if not found.is_text:
        raise EnumStateError(
            f"{op.column_label} has type {found.formatted_type}, not a native enum"
        )
    if op.type_name is None or op.values is None:
        raise EnumStateError(
            f"{op.column_label} is already {found.formatted_type}; to finish an "
            "interrupted conversion pass type_name= and values="
        )
    return None


@executes(EnumToCheckOp, preflight=preflight_enum_to_check)
def plan_enum_to_check(op: EnumToCheckOp, target: Target, facts: EnumFacts | None) -> Plan:
    type_name, type_schema, values = facts or (
        op.type_name, None if op.type_schema is None else target.schema(op.type_schema),
        op.values,
    )
    if type_name is None or values is None:
        raise InvalidEnumInputError(
            f"enum_to_check of {op.column_label}: offline (--sql) the enum is not "
            "read from the database; pass type_name=... and values=[...]"
        )
    schema = target.schema(op.schema)
    type_schema = type_schema if type_schema is not None else schema
    if op.online:
        return plan_online_conversion(
            target.dialect, schema, op.table, op.column, direction="enum_to_check",
            type_schema=type_schema, type_name=type_name, values=values,
            constraint_name=constraint_name_for(op), length=op.length,
            drop_type=op.drop_type, lock_timeout=target.options.lock_timeout,
            batch_size=target.options.online_batch_size,
            batch_pause=target.options.online_batch_pause,
        )
    return convert_ddl.plan_enum_to_check(
        target.dialect, schema, op.table, op.column,
        type_schema=type_schema,
        type_name=type_name, values=values, constraint_name=constraint_name_for(op),
        length=op.length, drop_type=op.drop_type, lock_timeout=target.options.lock_timeout,
    )


def _type_schema(op: CheckToEnumOp, target: Target) -> str | None:
    return target.schema(op.type_schema if op.type_schema is not None else op.schema)


def preflight_check_to_enum(op: CheckToEnumOp, target: Target) -> None:
    connection = target.require_connection()
    schema = target.schema(op.schema)
    type_schema = _type_schema(op, target)
    assert schema is not None and type_schema is not None
    found, _checks = read_target(connection, schema, op.table, op.column)
    already = found.is_enum and (found.type_schema, found.type_name) == (
        type_schema, op.type_name,
    )
    if not already:
        require_text_column(found, op, "it is not a text + CHECK column")
        refuse_what_citus_cannot(
            connection, schema, op.table, op.column,
            action=f"convert {op.column_label} to enum {type_schema}.{op.type_name}",
            changes_type=True, trigger=ONLINE_TRIGGER if op.online else None,
        )
        if target.check_data:
            refuse_outside(
                connection, schema, op.table, op.column, list(op.values),
                action=f"convert {op.column_label} to enum {type_schema}.{op.type_name}",
            )
    if not op.create_type:
        require_enum(connection, type_schema, op.type_name)


@executes(CheckToEnumOp, preflight=preflight_check_to_enum)
def plan_check_to_enum(op: CheckToEnumOp, target: Target, facts: None) -> Plan:
    if op.online:
        schema = target.schema(op.schema)
        label = f"{schema}.{op.table}" if schema else op.table
        type_schema = _type_schema(op, target)
        guard = None if target.online else guard_step(
            guard_sql(
                target.dialect, schema, op.table, op.column, op.values,
                action=f"convert column {op.column} to enum "
                f"{qualified(target.dialect, type_schema, op.type_name)}",
            ),
            f"check the data of {label}.{op.column}",
        )
        return plan_online_conversion(
            target.dialect, schema, op.table, op.column, direction="check_to_enum",
            type_schema=type_schema, type_name=op.type_name, values=op.values,
            constraint_name=constraint_name_for(op), guard=guard, create_type=op.create_type,
            lock_timeout=target.options.lock_timeout,
            batch_size=target.options.online_batch_size,
            batch_pause=target.options.online_batch_pause,
        )
    return convert_ddl.plan_check_to_enum(
        target.dialect, target.schema(op.schema), op.table, op.column,
        type_schema=_type_schema(op, target), type_name=op.type_name, values=op.values,
        constraint_name=constraint_name_for(op), create_type=op.create_type,
        lock_timeout=target.options.lock_timeout, guard=not target.online,
    )
