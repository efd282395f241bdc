"""Autogenerate comparator for VARCHAR + CHECK enum columns.

Columns declared ``sa.Enum(..., native_enum=False, create_constraint=True)`` (or with
:func:`check_enum`) are text columns limited by a CHECK.  Alembic does not compare
CHECK constraints at all, and when it creates such a column it adds the CHECK
validated at once (a full scan under ACCESS EXCLUSIVE for ``add_column`` on a big
table).  This comparator, registered like :mod:`.compare`'s (after Alembic's own
comparison), therefore:

* for a column of a table that exists in the database: compares the model's values
  with the value-set CHECK found on the column (by the model's constraint name, else
  the one value-set CHECK on that column) and emits ``check_enum_set_values`` when
  the sets differ, or ``check_enum_create`` when the column has none;
* for a column Alembic is creating (``create_table`` / ``add_column``): renders the
  column without the type-bound CHECK and follows the operation with
  ``check_enum_create`` (NOT VALID, then VALIDATE in its own transaction).

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

from .check_catalog import CheckConstraintInfo, read_check_constraints, read_columns
from .compare import register_schema_comparator
from .ops import CreateCheckEnumOp, SetCheckEnumValuesOp

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

log = logging.getLogger(__name__)


def check_enum(
    *values: str, name: str | None = None, length: int | None = None
) -> sa.Enum:
    """A VARCHAR + CHECK enum column type: ``sa.Enum(*values, native_enum=False,
    create_constraint=True)``, the declaration this package's comparator manages.

    ``name`` names the CHECK (through the MetaData naming convention when there is
    one); ``length`` defaults to the longest value, as SQLAlchemy does.
    """
    kwargs: dict[str, Any] = {"native_enum": False, "create_constraint": True}
    if name is not None:
        kwargs["name"] = name
    if length is not None:
        kwargs["length"] = length
    return sa.Enum(*values, **kwargs)


def check_enum_type(type_: TypeEngine[Any] | None) -> sa.Enum | None:
    """The ``sa.Enum(native_enum=False, create_constraint=True)`` inside ``type_``
    (looking through the PostgreSQL variant and ``TypeDecorator``), or None."""
    if type_ is None:
        return None
    variants = getattr(type_, "_variant_mapping", None)
    if variants and "postgresql" in variants:
        return check_enum_type(variants["postgresql"])
    if isinstance(type_, TypeDecorator):
        return check_enum_type(type_.impl_instance)
    if isinstance(type_, sa.Enum) and not type_.native_enum and type_.create_constraint:
        return type_
    return None


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
    default_schema = str(connection.dialect.default_schema_name)
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
    if not wanted:
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
    keys = sorted({(t.schema or default_schema, t.name) for t, _, _ in existing})
    db_columns = {(c.schema, c.table, c.name) for c in read_columns(connection, keys)}
    db_checks: dict[tuple[str, str], list[CheckConstraintInfo]] = {}
    for check in read_check_constraints(connection, keys):
        db_checks.setdefault((check.schema, check.table), []).append(check)

    for table, column, enum in existing:
        schema = table.schema or default_schema
        if (schema, table.name, str(column.name)) not in db_columns:
            continue  # Alembic reports the missing column/table itself
        model_values = list(enum.enums)
        name = names[(table.schema, table.name, str(column.name))]
        found = _db_check(db_checks.get((schema, table.name), []), str(column.name), name)
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


register_schema_comparator(compare_check_enums)
