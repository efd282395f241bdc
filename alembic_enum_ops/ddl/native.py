"""Plans for the native enum operations that do not touch tables.

Pure functions from resolved arguments to a :class:`~.plan.Plan`: no connection, no
catalog.  Online checks happen in :mod:`.toimpl` before a plan is built.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Dialect

from .plan import Boundary, LockTarget, Plan, Statement, single_step_plan
from .sqltext import dollar_quote, literal, literal_list, qualified, schema_ident

TYPE_LOCK = "ACCESS EXCLUSIVE"


def _type_lock(schema: str | None, name: str, mode: str = TYPE_LOCK) -> tuple[LockTarget, ...]:
    return (LockTarget("type", schema, name, mode),)


def create_enum_sql(
    dialect: Dialect, schema: str | None, name: str, values: Sequence[str]
) -> str:
    return (
        f"CREATE TYPE {qualified(dialect, schema, name)} AS ENUM "
        f"({literal_list(dialect, list(values))})"
    )


def plan_create(
    dialect: Dialect,
    schema: str | None,
    name: str,
    values: Sequence[str],
    *,
    if_not_exists: bool,
) -> Plan:
    """``CREATE TYPE``; with ``if_not_exists`` a DO block that creates the type when
    absent and raises when a same-named type exists with other labels (silently
    keeping a drifted type would hide exactly the bug this project exists for)."""
    description = f"create enum {qualified(dialect, schema, name)}"
    create = create_enum_sql(dialect, schema, name, values)
    if not if_not_exists:
        return single_step_plan(description, [Statement(create)])
    schema_expr = literal(dialect, schema) if schema is not None else "current_schema()"
    expected = f"ARRAY[{literal_list(dialect, list(values))}]::text[]"
    body = f"""
DECLARE
    existing text[];
BEGIN
    SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) INTO existing
    FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    LEFT JOIN pg_enum e ON e.enumtypid = t.oid
    WHERE n.nspname = {schema_expr} AND t.typname = {literal(dialect, name)};
    IF NOT FOUND OR existing IS NULL THEN
        IF EXISTS (
            SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = {schema_expr} AND t.typname = {literal(dialect, name)}
        ) THEN
            RAISE EXCEPTION 'alembic_enum_ops: type %.% exists and is not an enum',
                {schema_expr}, {literal(dialect, name)};
        END IF;
        {create};
    ELSIF existing IS DISTINCT FROM {expected} THEN
        RAISE EXCEPTION 'alembic_enum_ops: enum %.% exists with labels % but % was expected',
            {schema_expr}, {literal(dialect, name)}, existing, {expected};
    END IF;
END
"""
    return single_step_plan(
        description, [Statement(f"DO {dollar_quote(body)}", idempotent=True)]
    )


def plan_drop(
    dialect: Dialect, schema: str | None, name: str, *, if_exists: bool, lock_timeout: str
) -> Plan:
    """``DROP TYPE`` — never ``CASCADE``: dependents are refused, not destroyed."""
    exists = " IF EXISTS" if if_exists else ""
    target = qualified(dialect, schema, name)
    return single_step_plan(
        f"drop enum {target}",
        [Statement(f"DROP TYPE{exists} {target}", locks=_type_lock(schema, name))],
        lock_timeout=lock_timeout,
    )


def plan_add_value(
    dialect: Dialect,
    schema: str | None,
    name: str,
    value: str,
    *,
    before: str | None,
    after: str | None,
    if_not_exists: bool,
    lock_timeout: str,
) -> Plan:
    """``ALTER TYPE ... ADD VALUE`` committed in a transaction of its own.

    Committing it before the rest of the revision goes on is what lets later
    operations and data steps use the new value (SQLSTATE 55P04 otherwise).
    """
    target = qualified(dialect, schema, name)
    sql = f"ALTER TYPE {target} ADD VALUE"
    if if_not_exists:
        sql += " IF NOT EXISTS"
    sql += f" {literal(dialect, value)}"
    if before is not None:
        sql += f" BEFORE {literal(dialect, before)}"
    elif after is not None:
        sql += f" AFTER {literal(dialect, after)}"
    return single_step_plan(
        f"add value {value!r} to enum {target}",
        [
            Statement(
                sql,
                locks=_type_lock(schema, name, "EXCLUSIVE"),
                idempotent=if_not_exists,
            )
        ],
        boundary=Boundary.OWN,
        lock_timeout=lock_timeout,
    )


def plan_rename_value(
    dialect: Dialect, schema: str | None, name: str, old: str, new: str, *, lock_timeout: str
) -> Plan:
    target = qualified(dialect, schema, name)
    return single_step_plan(
        f"rename value {old!r} to {new!r} in enum {target}",
        [
            Statement(
                f"ALTER TYPE {target} RENAME VALUE {literal(dialect, old)} "
                f"TO {literal(dialect, new)}",
                locks=_type_lock(schema, name, "EXCLUSIVE"),
            )
        ],
        lock_timeout=lock_timeout,
    )


def plan_rename(
    dialect: Dialect, schema: str | None, old_name: str, new_name: str, *, lock_timeout: str
) -> Plan:
    target = qualified(dialect, schema, old_name)
    return single_step_plan(
        f"rename enum {target} to {new_name}",
        [
            Statement(
                f"ALTER TYPE {target} RENAME TO {qualified(dialect, None, new_name)}",
                locks=_type_lock(schema, old_name),
            )
        ],
        lock_timeout=lock_timeout,
    )


def plan_set_schema(
    dialect: Dialect, schema: str | None, name: str, new_schema: str, *, lock_timeout: str
) -> Plan:
    target = qualified(dialect, schema, name)
    return single_step_plan(
        f"move enum {target} to schema {new_schema}",
        [
            Statement(
                f"ALTER TYPE {target} SET SCHEMA {schema_ident(dialect, new_schema)}",
                locks=_type_lock(schema, name),
            )
        ],
        lock_timeout=lock_timeout,
    )
