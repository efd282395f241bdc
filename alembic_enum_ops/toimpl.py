"""Executors: turn an operation into a plan and run it.

Online, each executor first reads the catalog (one set-based query) and refuses bad
requests with a message naming the type and the value, before any DDL; offline it
cannot read, so it renders the plan and lets PostgreSQL's own checks fail the script
loudly when it is applied to a database in another state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic.operations import Operations

from . import ddl
from .catalog import EnumType, current_schema, read_enums, read_type_dependents
from .errors import EnumOpsError, EnumStateError, InvalidEnumInput, UnsafeOperationError
from .ops import (
    AddEnumValueOp,
    CreateEnumOp,
    DropEnumOp,
    RemoveEnumValueOp,
    RenameEnumOp,
    RenameEnumValueOp,
    SetEnumSchemaOp,
    SwapEnumOp,
)
from .options import EnumOpsOptions
from .plan import Plan
from .runner import run_plan
from .sqltext import check_timeout
from .validation import qualified_label

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.engine import Connection


def options_for(context: MigrationContext, lock_timeout: str | int | None = None) -> EnumOpsOptions:
    """The environment's options, with an operation's own ``lock_timeout`` applied."""
    options = EnumOpsOptions.from_context_opts(context.opts)
    if lock_timeout is not None:
        options = options.replace(lock_timeout=check_timeout(lock_timeout))
    return options


def resolve_schema(context: MigrationContext, schema: str | None) -> str | None:
    """``schema=None`` means the connection's default schema: online it is looked up,
    so every statement is qualified; offline it stays unqualified (pass ``schema=``,
    as autogenerate always does, to pin it in scripts)."""
    if schema is not None or context.as_sql:
        return schema
    assert context.connection is not None
    return current_schema(context.connection)


def execute(context: MigrationContext, plan: Plan, options: EnumOpsOptions) -> None:
    run_plan(context, plan, options)


def _online(context: MigrationContext) -> Connection | None:
    return None if context.as_sql else context.connection


def require_enum(connection: Connection, schema: str, name: str) -> EnumType:
    """The enum ``schema.name``, or an error that says where same-named types are."""
    enums = read_enums(connection)
    for found in enums:
        if found.key == (schema, name):
            return found
    elsewhere = [f"{e.schema}.{e.name}" for e in enums if e.name == name]
    hint = f" (an enum of that name exists as {', '.join(elsewhere)})" if elsewhere else ""
    raise EnumStateError(f"enum {schema}.{name} does not exist{hint}")


@Operations.implementation_for(CreateEnumOp)
def enum_create(operations: Operations, operation: CreateEnumOp) -> None:
    context = operations.migration_context
    options = options_for(context)
    schema = resolve_schema(context, operation.schema)
    plan = ddl.plan_create(
        context.dialect, schema, operation.name, operation.values,
        if_not_exists=operation.if_not_exists,
    )
    execute(context, plan, options)


@Operations.implementation_for(DropEnumOp)
def enum_drop(operations: Operations, operation: DropEnumOp) -> None:
    context = operations.migration_context
    options = options_for(context)
    schema = resolve_schema(context, operation.schema)
    connection = _online(context)
    if connection is not None and schema is not None:
        found = [e for e in read_enums(connection, [schema]) if e.name == operation.name]
        if not found:
            if operation.if_exists:
                return
            require_enum(connection, schema, operation.name)
        check_no_dependents(connection, schema, operation.name)
    plan = ddl.plan_drop(
        context.dialect, schema, operation.name,
        if_exists=operation.if_exists, lock_timeout=options.lock_timeout,
    )
    execute(context, plan, options)


def check_no_dependents(connection: Connection, schema: str, name: str) -> None:
    """Refuse to drop a type that anything still uses, listing every dependent."""
    dependents = read_type_dependents(connection, [(schema, name)])
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


@Operations.implementation_for(AddEnumValueOp)
def enum_add_value(operations: Operations, operation: AddEnumValueOp) -> None:
    context = operations.migration_context
    options = options_for(context, operation.lock_timeout)
    schema = resolve_schema(context, operation.schema)
    connection = _online(context)
    if connection is not None and schema is not None:
        current = require_enum(connection, schema, operation.name)
        label = qualified_label(schema, operation.name)
        for anchor, word in ((operation.before, "before"), (operation.after, "after")):
            if anchor is not None and anchor not in current.labels:
                raise InvalidEnumInput(
                    f"enum {label}: cannot add {operation.value!r} {word} {anchor!r}: "
                    f"{anchor!r} is not a label of the type (it has {list(current.labels)!r})"
                )
        if operation.value in current.labels and not operation.if_not_exists:
            raise InvalidEnumInput(
                f"enum {label} already has the label {operation.value!r}"
            )
    plan = ddl.plan_add_value(
        context.dialect, schema, operation.name, operation.value,
        before=operation.before, after=operation.after,
        if_not_exists=operation.if_not_exists, lock_timeout=options.lock_timeout,
    )
    execute(context, plan, options)


@Operations.implementation_for(RenameEnumValueOp)
def enum_rename_value(operations: Operations, operation: RenameEnumValueOp) -> None:
    context = operations.migration_context
    options = options_for(context)
    schema = resolve_schema(context, operation.schema)
    connection = _online(context)
    if connection is not None and schema is not None:
        current = require_enum(connection, schema, operation.name)
        label = qualified_label(schema, operation.name)
        if operation.old not in current.labels:
            raise InvalidEnumInput(
                f"enum {label}: cannot rename {operation.old!r}: no such label "
                f"(it has {list(current.labels)!r})"
            )
        if operation.new in current.labels:
            raise InvalidEnumInput(
                f"enum {label}: cannot rename {operation.old!r} to {operation.new!r}: "
                f"{operation.new!r} already exists"
            )
    plan = ddl.plan_rename_value(
        context.dialect, schema, operation.name, operation.old, operation.new,
        lock_timeout=options.lock_timeout,
    )
    execute(context, plan, options)


@Operations.implementation_for(RenameEnumOp)
def enum_rename(operations: Operations, operation: RenameEnumOp) -> None:
    context = operations.migration_context
    options = options_for(context)
    schema = resolve_schema(context, operation.schema)
    connection = _online(context)
    if connection is not None and schema is not None:
        require_enum(connection, schema, operation.name)
    plan = ddl.plan_rename(
        context.dialect, schema, operation.name, operation.new_name,
        lock_timeout=options.lock_timeout,
    )
    execute(context, plan, options)


@Operations.implementation_for(SetEnumSchemaOp)
def enum_set_schema(operations: Operations, operation: SetEnumSchemaOp) -> None:
    context = operations.migration_context
    options = options_for(context)
    schema = resolve_schema(context, operation.schema)
    connection = _online(context)
    if connection is not None and schema is not None:
        if schema == operation.new_schema:
            raise InvalidEnumInput(
                f"enum {schema}.{operation.name} is already in schema {operation.new_schema!r}"
            )
        require_enum(connection, schema, operation.name)
    plan = ddl.plan_set_schema(
        context.dialect, schema, operation.name, operation.new_schema,
        lock_timeout=options.lock_timeout,
    )
    execute(context, plan, options)


# --- swap executors ------------------------------------------------------------------


@Operations.implementation_for(SwapEnumOp)
def enum_swap(operations: Operations, operation: SwapEnumOp) -> None:
    raise EnumOpsError(
        f"enum_swap of {operation.type_label} is not available in this version"
    )


@Operations.implementation_for(RemoveEnumValueOp)
def enum_remove_value(operations: Operations, operation: RemoveEnumValueOp) -> None:
    raise EnumOpsError(
        f"removing {operation.value!r} from {operation.type_label} needs enum_swap, "
        "which is not available in this version"
    )


# --- VARCHAR + CHECK variant executors -------------------------------------------------
