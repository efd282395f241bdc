"""Autogenerate comparator for VARCHAR + CHECK enum columns.

Columns declared ``sa.Enum(..., native_enum=False, create_constraint=True)`` (or with
:func:`check_enum`) are text columns limited by a CHECK.  Alembic does not compare
CHECK constraints at all, and when it creates such a column it adds the CHECK
validated at once (a full scan under ACCESS EXCLUSIVE for ``add_column`` on a big
table).  This comparator, registered like the native one (after Alembic's own
comparison), therefore:

* for a column of a table that exists in the database: compares the model's values
  with the value-set CHECK found on the column (by the model's constraint name, else
  the one value-set CHECK on that column) and emits ``check_enum_set_values`` when
  the sets differ, or ``check_enum_create`` when the column has none;
* for a column Alembic is creating (``create_table`` / ``add_column``): renders the
  column without the type-bound CHECK and follows the operation with
  ``check_enum_create`` (NOT VALID, then VALIDATE in its own transaction);
* for a column switching between a native enum and VARCHAR + CHECK (Alembic's
  ``alter_column`` with a new type): replaces the type change by ``enum_to_check`` /
  ``check_to_enum``, which carry the default over, refuse bad data first and run under
  ``lock_timeout``.  The native type itself is created / dropped by :mod:`.native`
  (registered first, so it runs first), so the conversions never create or drop it themselves.

Catalog reads: one query for the columns and one for the CHECK constraints of every
table involved, whatever their number.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic.operations import ops as alembic_ops
from sqlalchemy.types import TypeDecorator, TypeEngine

from ..catalog import CheckConstraintInfo, read_check_constraints, read_columns
from ..metadata import check_enum_type
from ..operations.check import CreateCheckEnumOp, SetCheckEnumValuesOp
from ..operations.convert import CheckToEnumOp, EnumToCheckOp
from ..options import EnumOpsOptions
from ..schema_map import SchemaResolver

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

log = logging.getLogger(__name__)


def model_constraint_name(column: sa.Column[Any]) -> str | None:
    """The name SQLAlchemy gives the column's type-bound CHECK (naming convention
    applied), or None when it would be unnamed."""
    from alembic.util import sqla_compat
    from sqlalchemy.dialects import postgresql

    table = column.table
    for constraint in table.constraints:
        if (
            isinstance(constraint, sa.CheckConstraint)
            and getattr(constraint, "_type_bound", False)
            and [c.name for c in constraint.columns] == [column.name]
        ):
            try:
                name = sqla_compat._get_constraint_final_name(
                    constraint,
                    postgresql.dialect(),  # type: ignore[no-untyped-call]
                )
            except sa.exc.InvalidRequestError:
                return None
            return None if name is None else str(name)
    return None


def _without_check(column: sa.Column[Any]) -> sa.Column[Any]:
    """A copy of ``column`` whose Enum does not create its CHECK (the operation that
    follows adds it NOT VALID, then validates it)."""
    enum = check_enum_type(column.type)
    if enum is None:
        return column
    kwargs: dict[str, Any] = {"native_enum": False, "length": enum.length}
    if enum.name:
        kwargs["name"] = str(enum.name)
    new = copy.copy(column) if column.table is None else column._copy()
    new.type = sa.Enum(*enum.enums, **kwargs)
    return new


def _create_op(
    table: str, schema: str | None, column: sa.Column[Any], enum: sa.Enum,
    name: str | None,
) -> CreateCheckEnumOp:
    return CreateCheckEnumOp(
        table, str(column.name), list(enum.enums), schema=schema, constraint_name=name
    )


def _rewrite_new_columns(
    upgrade_ops: alembic_ops.UpgradeOps, names: dict[tuple[str | None, str, str], str | None]
) -> set[tuple[str | None, str]]:
    """Strip the type-bound CHECK from columns Alembic creates and follow each such
    operation with ``check_enum_create``.  Returns the tables being created."""
    created: set[tuple[str | None, str]] = set()
    result: list[alembic_ops.MigrateOperation] = []
    for op in upgrade_ops.ops:
        result.append(op)
        follow: list[alembic_ops.MigrateOperation] = []
        if isinstance(op, alembic_ops.CreateTableOp):
            created.add((op.schema, op.table_name))
            columns: list[Any] = []
            for col in op.columns:
                enum = check_enum_type(col.type) if isinstance(col, sa.Column) else None
                if isinstance(col, sa.Column) and enum is not None:
                    name = names.get((op.schema, op.table_name, str(col.name)))
                    follow.append(_create_op(op.table_name, op.schema, col, enum, name))
                    columns.append(_without_check(col))
                else:
                    columns.append(col)
            op.columns = columns
        elif isinstance(op, alembic_ops.ModifyTableOps):
            for sub in op.ops:
                if isinstance(sub, alembic_ops.AddColumnOp):
                    enum = check_enum_type(sub.column.type)
                    if enum is not None:
                        name = names.get((op.schema, op.table_name, str(sub.column.name)))
                        follow.append(
                            _create_op(op.table_name, op.schema, sub.column, enum, name)
                        )
                        sub.column = _without_check(sub.column)
        result.extend(follow)
    upgrade_ops.ops[:] = result
    return created


def _native_enum(type_: TypeEngine[Any] | None) -> sa.Enum | None:
    if type_ is None:
        return None
    variants = getattr(type_, "_variant_mapping", None)
    if variants and "postgresql" in variants:
        return _native_enum(variants["postgresql"])
    if isinstance(type_, TypeDecorator):
        return _native_enum(type_.impl_instance)
    if isinstance(type_, sa.Enum) and type_.native_enum and type_.name:
        return type_
    return None


def _only_type_changes(op: alembic_ops.AlterColumnOp) -> bool:
    return (
        op.modify_nullable is None
        and op.modify_server_default is False
        and op.modify_comment is False
        and op.modify_name is None
    )


def _convert_alter_columns(
    upgrade_ops: alembic_ops.UpgradeOps,
    names: dict[tuple[str | None, str, str], str | None],
    checks: dict[tuple[str, str], list[CheckConstraintInfo]],
    schemas: SchemaResolver,
    *,
    online: bool = False,
) -> set[tuple[str | None, str, str]]:
    """Replace Alembic's native enum <-> VARCHAR type changes by our conversions
    (``online=True``: the online ones, for ``EnumOpsOptions(online_conversions=True)``).

    Returns the ``(schema, table, column)`` converted to VARCHAR + CHECK (their CHECK
    comes with the conversion)."""
    converted: set[tuple[str | None, str, str]] = set()
    for container in upgrade_ops.ops:
        if not isinstance(container, alembic_ops.ModifyTableOps):
            continue
        result: list[alembic_ops.MigrateOperation] = []
        for op in container.ops:
            replacement: alembic_ops.MigrateOperation | None = None
            if isinstance(op, alembic_ops.AlterColumnOp) and op.modify_type is not None:
                key = (op.schema, op.table_name, op.column_name)
                target = check_enum_type(op.modify_type)
                source = _native_enum(op.existing_type)
                native_target = _native_enum(op.modify_type)
                if target is not None and source is not None:
                    replacement = EnumToCheckOp(
                        op.table_name, op.column_name, schema=op.schema,
                        type_name=str(source.name), type_schema=source.schema,
                        values=list(source.enums), constraint_name=names.get(key),
                        length=target.length, drop_type=False, online=online,
                    )
                    converted.add(key)
                elif native_target is not None and isinstance(op.existing_type, sa.String):
                    found = _db_check(
                        checks.get((schemas.database(op.schema), op.table_name), []),
                        op.column_name, None,
                    )
                    type_schema = native_target.schema
                    if type_schema is None and op.schema is not None:
                        type_schema = schemas.dialect_default
                    replacement = CheckToEnumOp(
                        op.table_name, op.column_name, str(native_target.name),
                        list(native_target.enums), schema=op.schema,
                        type_schema=type_schema,
                        constraint_name=None if found is None else found.name,
                        create_type=False,
                        # the downgrade (enum_to_check) restores varchar(n), not text
                        existing_length=op.existing_type.length, online=online,
                    )
            if replacement is None:
                result.append(op)
                continue
            assert isinstance(op, alembic_ops.AlterColumnOp)
            log.info("Converting %s.%s with %s", op.table_name, op.column_name,
                     type(replacement).__name__)
            result.append(replacement)
            if not _only_type_changes(op):
                op.modify_type = None
                result.append(op)
        container.ops[:] = result
    return converted


def _db_check(
    checks: Sequence[CheckConstraintInfo], column: str, name: str | None
) -> CheckConstraintInfo | None:
    """The CHECK holding the column's value set: the model's name first, else the only
    value-set CHECK on that column."""
    if name is not None:
        for check in checks:
            if check.name == name:
                return check
    candidates = [c for c in checks if c.columns == (column,) and c.values is not None]
    return candidates[0] if len(candidates) == 1 else None


def compare_check_enums(
    autogen_context: AutogenContext,
    upgrade_ops: alembic_ops.UpgradeOps,
    schemas: set[str | None],
) -> None:
    """The schema-level comparator for VARCHAR + CHECK enum columns."""
    dialect = autogen_context.dialect
    connection = autogen_context.connection
    if dialect is None or dialect.name != "postgresql" or connection is None:
        return
    if autogen_context.metadata is None:
        return
    schemas_of = SchemaResolver.of(connection)
    filters: Any = autogen_context

    wanted: list[tuple[sa.Table, sa.Column[Any], sa.Enum]] = []
    names: dict[tuple[str | None, str, str], str | None] = {}
    for table in autogen_context.sorted_tables:
        if table.schema not in schemas:
            continue
        if not filters.run_object_filters(table, table.name, "table", False, None):
            continue
        for column in table.columns:
            enum = check_enum_type(column.type)
            if enum is None:
                continue
            if not filters.run_object_filters(column, column.name, "column", False, None):
                continue
            wanted.append((table, column, enum))
            names[(table.schema, table.name, str(column.name))] = model_constraint_name(column)
    altered = [
        (schemas_of.database(op.schema), op.table_name)
        for op in upgrade_ops.ops
        if isinstance(op, alembic_ops.ModifyTableOps)
        and any(
            isinstance(sub, alembic_ops.AlterColumnOp) and sub.modify_type is not None
            for sub in op.ops
        )
    ]
    if not wanted and not altered:
        return

    created = _rewrite_new_columns(upgrade_ops, names)
    adding = {
        (op.schema, op.table_name, str(sub.column.name))
        for op in upgrade_ops.ops
        if isinstance(op, alembic_ops.ModifyTableOps)
        for sub in op.ops
        if isinstance(sub, alembic_ops.AddColumnOp)
    }
    existing = [
        (table, column, enum)
        for table, column, enum in wanted
        if (table.schema, table.name) not in created
        and (table.schema, table.name, str(column.name)) not in adding
    ]
    keys = sorted(
        {(schemas_of.database(t.schema), t.name) for t, _, _ in existing} | set(altered)
    )
    db_columns = {(c.schema, c.table, c.name) for c in read_columns(connection, keys)}
    db_checks: dict[tuple[str, str], list[CheckConstraintInfo]] = {}
    for check in read_check_constraints(connection, keys):
        db_checks.setdefault((check.schema, check.table), []).append(check)
    converted = _convert_alter_columns(
        upgrade_ops, names, db_checks, schemas_of,
        online=EnumOpsOptions.from_context_opts(autogen_context.opts).online_conversions,
    )
    # the CHECKs this comparator looks after: Alembic's own CHECK comparison
    # (alembic.ext.checkconstraint_byname) must not add or drop them beside us
    managed: set[tuple[str, str, str]] = set()

    for table, column, enum in existing:
        if (table.schema, table.name, str(column.name)) in converted:
            continue
        schema = schemas_of.database(table.schema)
        if (schema, table.name, str(column.name)) not in db_columns:
            continue  # Alembic reports the missing column/table itself
        model_values = list(enum.enums)
        name = names[(table.schema, table.name, str(column.name))]
        found = _db_check(db_checks.get((schema, table.name), []), str(column.name), name)
        for managed_name in (name, None if found is None else found.name):
            if managed_name is not None:
                managed.add((schema, table.name, managed_name))
        if found is None:
            log.info("Detected missing CHECK on %s.%s.%s", schema, table.name, column.name)
            upgrade_ops.ops.append(_create_op(table.name, table.schema, column, enum, name))
            continue
        if found.values is None or set(found.values) == set(model_values):
            continue
        log.info("Detected changed CHECK values on %s.%s.%s", schema, table.name, column.name)
        upgrade_ops.ops.append(
            SetCheckEnumValuesOp(
                table.name, str(column.name), model_values, schema=table.schema,
                constraint_name=found.name, old_values=list(found.values),
            )
        )
    _drop_alembic_check_ops(upgrade_ops, managed, schemas_of)


_OUR_CHECK_OPS = (CreateCheckEnumOp, SetCheckEnumValuesOp, EnumToCheckOp, CheckToEnumOp)


def _drop_alembic_check_ops(
    upgrade_ops: alembic_ops.UpgradeOps, managed: set[tuple[str, str, str]],
    schemas: SchemaResolver,
) -> None:
    """Remove Alembic's ``create_check_constraint`` / ``drop_constraint(type_="check")``
    for the CHECKs of the columns this comparator manages.

    Alembic 1.19.2+ compares named CHECK constraints when
    ``alembic.ext.checkconstraint_byname`` is listed in ``autogenerate_plugins``.  For
    an enum's value-set CHECK it would add the constraint validated at once (a full
    scan under ACCESS EXCLUSIVE), drop it while our conversion drops it too, or drop
    and re-add it under another name: our operation already covers the column.  The
    column's CHECK *name* is therefore not compared.  Other CHECKs stay Alembic's.
    """

    def key(schema: str | None, table: str, name: object) -> tuple[str, str, str]:
        return (schemas.database(schema), str(table), str(name))

    for op in upgrade_ops.ops:
        subs = op.ops if isinstance(op, alembic_ops.ModifyTableOps) else [op]
        for sub in subs:
            if isinstance(sub, _OUR_CHECK_OPS) and sub.constraint_name is not None:
                managed.add(key(sub.schema, sub.table, sub.constraint_name))
    if not managed:
        return

    def alembics(op: alembic_ops.MigrateOperation) -> bool:
        if isinstance(op, alembic_ops.CreateCheckConstraintOp):
            return key(op.schema, op.table_name, op.constraint_name) in managed
        if isinstance(op, alembic_ops.DropConstraintOp) and op.constraint_type == "check":
            return key(op.schema, op.table_name, op.constraint_name) in managed
        return False

    for op in upgrade_ops.ops:
        if isinstance(op, alembic_ops.ModifyTableOps):
            dropped = [sub for sub in op.ops if alembics(sub)]
            for sub in dropped:
                log.info("Leaving the CHECK of %s.%s to alembic-enum-ops", op.table_name,
                         getattr(sub, "constraint_name", "?"))
            op.ops[:] = [sub for sub in op.ops if not alembics(sub)]
    upgrade_ops.ops[:] = [
        op for op in upgrade_ops.ops
        if not alembics(op)
        and not (isinstance(op, alembic_ops.ModifyTableOps) and op.is_empty())
    ]

