"""Catalog checks executors run online before planning: refusals with exact messages.

Each check is one set-based read (:mod:`alembic_enum_ops.catalog`); offline nothing
can be read, so the plans carry server-side guards instead.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..catalog import (
    CheckConstraintInfo,
    ColumnInfo,
    EnumType,
    count_values_outside,
    read_check_constraints,
    read_citus_tables,
    read_columns,
    read_enum_dependents,
    read_enums,
)
from ..ddl.check_sql import default_constraint_name
from ..errors import EnumStateError, UnsafeOperationError
from ..schema_map import schema_translate_map
from ..validation import qualified_label
from .base import CheckEnumOperation, EnumOperation, operation_name

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from .executing import Target

log = logging.getLogger("alembic_enum_ops")


def enums_for(op: EnumOperation, target: Target) -> tuple[str, list[EnumType]]:
    """The schema ``op`` acts on and every enum of the database (one query), with a
    warning when ``op`` has no ``schema=`` and its type name exists elsewhere too."""
    schema = target.schema(op.schema)
    assert schema is not None
    enums = read_enums(target.require_connection())
    warn_other_copies(op, target, schema, enums)
    return schema, enums


def warn_other_copies(
    op: EnumOperation, target: Target, schema: str, enums: list[EnumType]
) -> None:
    """Without ``schema=``, the operation acts on the copy in the default schema: say
    so when other schemas have an enum of the same name (the shadowing copy of the
    user's story).  A ``schema_translate_map`` that translates ``None`` pins the
    schema (a tenant's), so other tenants' copies are expected there."""
    if op.schema is not None:
        return
    mapping = schema_translate_map(target.connection)
    if mapping is not None and None in mapping:
        return
    others = sorted(e.schema for e in enums if e.name == op.name and e.schema != schema)
    if not others:
        return
    log.warning(
        "alembic_enum_ops: %s(%r) without schema= targets %s (the connection's default "
        "schema), but an enum of that name also exists as %s: pass schema= to say which "
        "copy is meant",
        operation_name(type(op)), op.name, qualified_label(schema, op.name),
        ", ".join(qualified_label(other, op.name) for other in others),
    )


def require_enum(
    connection: Connection, schema: str, name: str, enums: list[EnumType] | None = None
) -> EnumType:
    """The enum ``schema.name``, or an error that says where same-named types are
    (``enums``: every enum of the database, when already read)."""
    if enums is None:
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



def refuse_what_citus_cannot(
    connection: Connection,
    schema: str,
    table: str,
    column: str,
    *,
    action: str,
    changes_type: bool = False,
    trigger: str | None = None,
) -> None:
    """On a Citus coordinator, refuse before anything changes what Citus would refuse
    midway: changing the type of a distribution column (``changes_type``), and a
    trigger (``trigger`` says what it is for) on a distributed or reference table.
    Nothing is read beyond one cached query when the database has no Citus."""
    facts = read_citus_tables(connection, [(schema, table)]).get((schema, table))
    if facts is None:
        return
    label = f"{schema}.{table}"
    if changes_type and facts.distribution_column == column:
        raise UnsafeOperationError(
            f"alembic_enum_ops: refusing to {action}: column {column} of table {label} is "
            "its Citus distribution column (Citus cannot change the type of a "
            "distribution column); nothing was changed. undistribute_table() first, or "
            "distribute the table by another column."
        )
    if trigger is not None and not facts.supports_triggers:
        raise UnsafeOperationError(
            f"alembic_enum_ops: refusing to {action}: table {label} is {facts.describe()}, "
            f"and {trigger} (Citus supports no trigger on distributed or reference "
            "tables); nothing was changed."
        )
