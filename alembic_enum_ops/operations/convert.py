"""Conversions between a native enum column and text + CHECK, and their executors.

``enum_to_check`` and ``check_to_enum`` rewrite the table (``ALTER COLUMN ... TYPE``)
in a transaction of their own, under ``lock_timeout``; the CHECK is validated later.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic.operations import Operations

from ..ddl import convert as convert_ddl
from ..errors import EnumStateError, InvalidEnumInputError
from ..validation import check_labels, check_name, check_schema
from .base import CheckEnumOperation, check_length, operation
from .preflight import (
    constraint_name_for,
    read_target,
    refuse_outside,
    require_enum,
    require_text_column,
)
from .runtime import execute, online_connection, options_for, resolve_schema


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
    ) -> None:
        """Turn a native-enum column into ``text`` (``varchar(length)``) + CHECK.

        Rewrites the table under ACCESS EXCLUSIVE (in its own transaction, under
        ``lock_timeout`` with retries); default, nullability and indexes are kept.
        The CHECK is added ``NOT VALID`` and validated afterwards.  The enum type is
        then dropped when nothing else uses it (``drop_type=False`` keeps it).
        Online, ``type_name``/``values`` are read from the catalog; offline (and for
        the downgrade) pass them.
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
            lock_timeout=self.lock_timeout,
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

    def reverse(self) -> EnumToCheckOp:
        return EnumToCheckOp(
            self.table, self.column, schema=self.schema, type_name=self.type_name,
            type_schema=self.type_schema, values=self.values,
            constraint_name=self.constraint_name, length=self._reverse_length(),
            drop_type=self.create_type, lock_timeout=self.lock_timeout,
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


# --- executors ------------------------------------------------------------


@Operations.implementation_for(EnumToCheckOp)
def enum_to_check(operations: Operations, operation: EnumToCheckOp) -> None:
    context = operations.migration_context
    options = options_for(context, operation.lock_timeout)
    schema = resolve_schema(context, operation.schema)
    name = constraint_name_for(operation)
    type_name, type_schema, values = operation.type_name, operation.type_schema, operation.values
    connection = online_connection(context)
    if connection is not None and schema is not None:
        found, _checks = read_target(connection, schema, operation.table, operation.column)
        if found.is_enum:
            if type_name is not None and (type_name, type_schema or found.type_schema) != (
                found.type_name, found.type_schema,
            ):
                raise EnumStateError(
                    f"{operation.column_label} uses enum {found.type_schema}."
                    f"{found.type_name}, not {type_schema or found.type_schema}.{type_name}"
                )
            current = require_enum(connection, found.type_schema, found.type_name)
            if values is not None and tuple(values) != current.labels:
                raise EnumStateError(
                    f"enum {current.schema}.{current.name} has labels {list(current.labels)!r}, "
                    f"not {list(values)!r}"
                )
            type_name, type_schema, values = current.name, current.schema, current.labels
        elif not found.is_text:
            raise EnumStateError(
                f"{operation.column_label} has type {found.formatted_type}, not a native enum"
            )
        elif type_name is None or values is None:
            raise EnumStateError(
                f"{operation.column_label} is already {found.formatted_type}; to finish an "
                "interrupted conversion pass type_name= and values="
            )
    if type_name is None or values is None:
        raise InvalidEnumInputError(
            f"enum_to_check of {operation.column_label}: offline (--sql) the enum is not "
            "read from the database; pass type_name=... and values=[...]"
        )
    if type_schema is None:
        type_schema = schema
    plan = convert_ddl.plan_enum_to_check(
        context.dialect, schema, operation.table, operation.column,
        type_schema=type_schema, type_name=type_name, values=values, constraint_name=name,
        length=operation.length, drop_type=operation.drop_type,
        lock_timeout=options.lock_timeout,
    )
    execute(context, plan, options)


@Operations.implementation_for(CheckToEnumOp)
def check_to_enum(operations: Operations, operation: CheckToEnumOp) -> None:
    context = operations.migration_context
    options = options_for(context, operation.lock_timeout)
    schema = resolve_schema(context, operation.schema)
    type_schema = operation.type_schema if operation.type_schema is not None else schema
    name = constraint_name_for(operation)
    connection = online_connection(context)
    if connection is not None and schema is not None and type_schema is not None:
        found, _checks = read_target(connection, schema, operation.table, operation.column)
        already = found.is_enum and (found.type_schema, found.type_name) == (
            type_schema, operation.type_name,
        )
        if not already:
            require_text_column(found, operation, "it is not a text + CHECK column")
            refuse_outside(
                connection, schema, operation.table, operation.column, list(operation.values),
                action=f"convert {operation.column_label} to enum "
                f"{type_schema}.{operation.type_name}",
            )
        if not operation.create_type:
            require_enum(connection, type_schema, operation.type_name)
    plan = convert_ddl.plan_check_to_enum(
        context.dialect, schema, operation.table, operation.column,
        type_schema=type_schema, type_name=operation.type_name, values=operation.values,
        constraint_name=name, create_type=operation.create_type,
        lock_timeout=options.lock_timeout, guard=connection is None,
    )
    execute(context, plan, options)
