"""Catalog checks executors run online before planning: refusals with exact messages.

Each check is one set-based read (:mod:`alembic_enum_ops.catalog`); offline nothing
can be read, so the plans carry server-side guards instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..catalog import (
    CheckConstraintInfo,
    ColumnInfo,
    EnumType,
    count_values_outside,
    read_check_constraints,
    read_columns,
    read_enum_dependents,
    read_enums,
)
from ..ddl.check_sql import default_constraint_name
from ..errors import EnumStateError, UnsafeOperationError
from .base import CheckEnumOperation

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def require_enum(connection: Connection, schema: str, name: str) -> EnumType:
    """The enum ``schema.name``, or an error that says where same-named types are."""
    enums = read_enums(connection)
    for found in enums:
        if found.key == (schema, name):
            return found
    elsewhere = [f"{e.schema}.{e.name}" for e in enums if e.name == name]
    hint = f" (an enum of that name exists as {', '.join(elsewhere)})" if elsewhere else ""
    raise EnumStateError(f"enum {schema}.{name} does not exist{hint}")



def check_no_dependents(connection: Connection, schema: str, name: str) -> None:
    """Refuse to drop a type that anything still uses, listing every dependent."""
    dependents = read_enum_dependents(connection, [(schema, name)])
    if not dependents:
        return
    lines = [
        f"  - {d.description}{' (through the array type)' if d.via_array else ''}"
        for d in dependents
    ]
    raise UnsafeOperationError(
        f"refusing to drop enum {schema}.{name}: {len(dependents)} object(s) depend on it "
        "and DROP TYPE ... CASCADE would destroy them:\n"
        + "\n".join(lines)
        + "\nDrop or convert these first (e.g. alter the columns to another type), "
        "then drop the type."
    )



def constraint_name_for(operation: CheckEnumOperation) -> str:
    return operation.constraint_name or default_constraint_name(
        operation.table, operation.column
    )


def read_target(
    connection: Connection, schema: str, table: str, column: str
) -> tuple[ColumnInfo, list[CheckConstraintInfo]]:
    """The column and the table's CHECK constraints (two set-based queries)."""
    columns = read_columns(connection, [(schema, table)])
    if not columns:
        raise EnumStateError(f"table {schema}.{table} does not exist")
    for found in columns:
        if found.name == column:
            return found, read_check_constraints(connection, [(schema, table)])
    raise EnumStateError(
        f"table {schema}.{table} has no column {column!r} "
        f"(it has {[c.name for c in columns]!r})"
    )


def find_check(checks: list[CheckConstraintInfo], name: str) -> CheckConstraintInfo | None:
    return next((c for c in checks if c.name == name), None)


def refuse_outside(
    connection: Connection,
    schema: str,
    table: str,
    column: str,
    allowed: list[str],
    *,
    action: str,
) -> None:
    """Refuse, before any change, when rows hold a value outside ``allowed``."""
    outside = count_values_outside(connection, schema, table, column, allowed)
    if not outside:
        return
    lines = [f"  - {value!r}: {count} row(s)" for value, count in outside]
    raise UnsafeOperationError(
        f"refusing to {action}: table {schema}.{table}, column {column}: rows hold "
        f"{len(outside)} value(s) outside the allowed set {allowed!r}:\n"
        + "\n".join(lines)
        + "\nUpdate those rows first, or pass mapping={old: new} to say where they go. "
        "This operation changed nothing."
    )


def require_text_column(found: ColumnInfo, operation: CheckEnumOperation, hint: str) -> None:
    if found.is_enum:
        raise EnumStateError(
            f"{operation.column_label} is the native enum "
            f"{found.type_schema}.{found.type_name}; {hint}"
        )
    if not found.is_text:
        raise EnumStateError(
            f"{operation.column_label} has type {found.formatted_type}; the CHECK variant "
            "needs a text, varchar or char column"
        )

