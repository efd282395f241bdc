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
from .errors import EnumStateError, InvalidEnumInput, UnsafeOperationError
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


# Section-local imports keep this shared file's header untouched by the swap.
from sqlalchemy import exc as sa_exc  # noqa: E402

from . import swap as swap_planner  # noqa: E402
from .runner import sqlstate_of  # noqa: E402
from .swap_catalog import read_swap_relations  # noqa: E402


def _run_swap(
    operations: Operations,
    schema_arg: str | None,
    name: str,
    *,
    new_values: tuple[str, ...] | None,
    remove: str | None,
    mapping: dict[str, str],
    old_values: tuple[str, ...] | None,
    lock_timeout: str | int | None,
) -> None:
    """Plan the swap engine and run it, turning its refusals into our exceptions.

    Online, the relations the swap will lock are read first (one query) so a lock
    timeout names them; the engine itself does every check, online and offline alike.
    """
    context = operations.migration_context
    options = options_for(context, lock_timeout)
    schema = resolve_schema(context, schema_arg)
    connection = _online(context)
    relations: list[tuple[str, str, bool]] = []
    if connection is not None and schema is not None:
        relations = [
            (r.schema, r.name, r.rewritten)
            for r in read_swap_relations(connection, schema, name)
        ]
    plan = swap_planner.plan_swap(
        context.dialect, schema, name,
        new_values=new_values, remove=remove, mapping=mapping, old_values=old_values,
        lock_timeout=options.lock_timeout, relations=relations,
    )
    try:
        execute(context, plan, options)
    except sa_exc.DBAPIError as exc:
        error = swap_planner.engine_error(exc, sqlstate_of(exc))
        if error is exc:
            raise
        raise error from exc


@Operations.implementation_for(SwapEnumOp)
def enum_swap(operations: Operations, operation: SwapEnumOp) -> None:
    _run_swap(
        operations, operation.schema, operation.name,
        new_values=operation.new_values, remove=None, mapping=operation.mapping,
        old_values=operation.old_values, lock_timeout=operation.lock_timeout,
    )


@Operations.implementation_for(RemoveEnumValueOp)
def enum_remove_value(operations: Operations, operation: RemoveEnumValueOp) -> None:
    mapping = {} if operation.replace_with is None else {operation.value: operation.replace_with}
    _run_swap(
        operations, operation.schema, operation.name,
        new_values=None, remove=operation.value, mapping=mapping,
        old_values=operation.old_values, lock_timeout=operation.lock_timeout,
    )


# --- VARCHAR + CHECK variant executors -------------------------------------------------
# Section-local imports keep this shared file's header untouched by the variant.
from . import check_ddl  # noqa: E402
from .check_catalog import (  # noqa: E402
    CheckConstraintInfo,
    ColumnInfo,
    count_values_outside,
    read_check_constraints,
    read_columns,
)
from .ops import (  # noqa: E402
    CheckEnumOperation,
    CheckToEnumOp,
    CreateCheckEnumOp,
    DropCheckEnumOp,
    EnumToCheckOp,
    SetCheckEnumValuesOp,
)


def _table_text(schema: str | None, table: str) -> str:
    return f"{schema}.{table}" if schema else table


def _constraint_name_for(operation: CheckEnumOperation) -> str:
    return operation.constraint_name or check_ddl.default_constraint_name(
        operation.table, operation.column
    )


def _read_target(
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


def _find_check(checks: list[CheckConstraintInfo], name: str) -> CheckConstraintInfo | None:
    return next((c for c in checks if c.name == name), None)


def _refuse_outside(
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
        "Nothing was changed."
    )


def _require_text_column(found: ColumnInfo, operation: CheckEnumOperation, hint: str) -> None:
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


@Operations.implementation_for(CreateCheckEnumOp)
def check_enum_create(operations: Operations, operation: CreateCheckEnumOp) -> None:
    context = operations.migration_context
    options = options_for(context, operation.lock_timeout)
    schema = resolve_schema(context, operation.schema)
    name = _constraint_name_for(operation)
    connection = _online(context)
    if connection is not None and schema is not None:
        found, checks = _read_target(connection, schema, operation.table, operation.column)
        _require_text_column(found, operation, "use enum_to_check to convert it")
        existing = _find_check(checks, name)
        if existing is not None and (
            existing.values is None or set(existing.values) != set(operation.values)
        ):
            raise EnumStateError(
                f"{operation.column_label}: constraint {name} already exists as "
                f"{existing.definition}; use check_enum_set_values to change its values"
            )
        _refuse_outside(
            connection, schema, operation.table, operation.column, list(operation.values),
            action=f"add CHECK constraint {name}",
        )
    plan = check_ddl.plan_check_create(
        context.dialect, schema, operation.table, operation.column, operation.values, name,
        lock_timeout=options.lock_timeout, guard=connection is None,
    )
    execute(context, plan, options)


def _run_remap(context: MigrationContext, sql: str) -> None:
    """Send the batched remap outside any transaction block (its DO block commits)."""
    with context.autocommit_block():
        if context.as_sql:
            context.impl.static_output(sql + context.impl.command_terminator)
            return
        connection = context.connection
        assert connection is not None
        connection.exec_driver_sql(sql, execution_options={"no_parameters": True})


@Operations.implementation_for(SetCheckEnumValuesOp)
def check_enum_set_values(operations: Operations, operation: SetCheckEnumValuesOp) -> None:
    context = operations.migration_context
    options = options_for(context, operation.lock_timeout)
    schema = resolve_schema(context, operation.schema)
    name = _constraint_name_for(operation)
    # an interrupted run leaves the replacement (F) or the transitional (T) one
    resumable = (
        name, check_ddl.temp_constraint_name(name), check_ddl.transition_constraint_name(name)
    )
    connection = _online(context)
    if connection is not None and schema is not None:
        found, checks = _read_target(connection, schema, operation.table, operation.column)
        _require_text_column(found, operation, "use enum_swap for native enums")
        if all(_find_check(checks, n) is None for n in resumable):
            present = [c.name for c in checks if operation.column in c.columns]
            raise EnumStateError(
                f"{operation.column_label}: no CHECK constraint named {name} "
                f"(CHECK constraints on the column: {present!r}); pass constraint_name="
            )
        _refuse_outside(
            connection, schema, operation.table, operation.column,
            [*operation.values, *operation.mapping],
            action=f"change the values allowed by {name}",
        )
    plan = check_ddl.plan_check_set_values(
        context.dialect, schema, operation.table, operation.column, operation.values, name,
        mapping=operation.mapping, lock_timeout=options.lock_timeout,
        batch_size=options.check_batch_size, guard=connection is None,
    )
    for phase in plan.phases:
        if isinstance(phase, check_ddl.Remap):
            _run_remap(context, phase.sql)
        else:
            execute(context, phase, options)


@Operations.implementation_for(DropCheckEnumOp)
def check_enum_drop(operations: Operations, operation: DropCheckEnumOp) -> None:
    context = operations.migration_context
    options = options_for(context, operation.lock_timeout)
    schema = resolve_schema(context, operation.schema)
    name = _constraint_name_for(operation)
    connection = _online(context)
    if connection is not None and schema is not None:
        _found, checks = _read_target(connection, schema, operation.table, operation.column)
        if _find_check(checks, name) is None:
            raise EnumStateError(
                f"{operation.column_label}: no CHECK constraint named {name} to drop"
            )
    plan = check_ddl.plan_check_drop(
        context.dialect, schema, operation.table, name, lock_timeout=options.lock_timeout
    )
    execute(context, plan, options)


@Operations.implementation_for(EnumToCheckOp)
def enum_to_check(operations: Operations, operation: EnumToCheckOp) -> None:
    context = operations.migration_context
    options = options_for(context, operation.lock_timeout)
    schema = resolve_schema(context, operation.schema)
    name = _constraint_name_for(operation)
    type_name, type_schema, values = operation.type_name, operation.type_schema, operation.values
    connection = _online(context)
    if connection is not None and schema is not None:
        found, _checks = _read_target(connection, schema, operation.table, operation.column)
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
        raise InvalidEnumInput(
            f"enum_to_check of {operation.column_label}: offline (--sql) the enum is not "
            "read from the database; pass type_name=... and values=[...]"
        )
    if type_schema is None:
        type_schema = schema
    plan = check_ddl.plan_enum_to_check(
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
    name = _constraint_name_for(operation)
    connection = _online(context)
    if connection is not None and schema is not None and type_schema is not None:
        found, _checks = _read_target(connection, schema, operation.table, operation.column)
        already = found.is_enum and (found.type_schema, found.type_name) == (
            type_schema, operation.type_name,
        )
        if not already:
            _require_text_column(found, operation, "it is not a text + CHECK column")
            _refuse_outside(
                connection, schema, operation.table, operation.column, list(operation.values),
                action=f"convert {operation.column_label} to enum "
                f"{type_schema}.{operation.type_name}",
            )
        if not operation.create_type:
            require_enum(connection, type_schema, operation.type_name)
    plan = check_ddl.plan_check_to_enum(
        context.dialect, schema, operation.table, operation.column,
        type_schema=type_schema, type_name=operation.type_name, values=operation.values,
        constraint_name=name, create_type=operation.create_type,
        lock_timeout=options.lock_timeout, guard=connection is None,
    )
    execute(context, plan, options)
