"""Plans for the conversions between a native enum column and text + CHECK.

The type change rewrites the table under ACCESS EXCLUSIVE (no way around it), in a
transaction of its own under ``lock_timeout``; a CHECK is added ``NOT VALID`` and
validated in a later transaction.  Each step looks at the column's current type
first, so a rerun after an interruption finishes the conversion.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Dialect

from . import native as native_ddl
from .check_sql import (
    ACCESS_EXCLUSIVE,
    check_expression,
    constraint_exists,
    do_block,
    guard_sql,
    guard_step,
    regclass,
    table_label,
    table_lock,
    text_array,
    validate_step,
)
from .plan import Boundary, LockTarget, Plan, Statement, Step
from .sqltext import ident, literal, qualified

CONSTANT_DEFAULT_RE = r"^'(?:[^']|'')*'::[A-Za-z0-9_ .\"]+$"
"""A default that is one constant cast to a type: the only kind a conversion carries
across (evaluated once, re-set as a literal of the new type), rewrite or online."""


def _column_state_sql(dialect: Dialect, schema: str | None, table: str, column: str) -> str:
    return f"""
    SELECT a.atttypid, pg_get_expr(d.adbin, d.adrelid) INTO cur, def
    FROM pg_attribute a
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = {regclass(dialect, schema, table)}
      AND a.attname = {literal(dialect, column)} AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION '%', {literal(dialect, f"alembic_enum_ops: column {column} of table {table_label(schema, table)} does not exist")};
    END IF;"""  # noqa: E501


def _default_capture_sql(dialect: Dialect, schema: str | None, table: str, column: str) -> str:
    """Evaluate a constant default to text and drop it (it would pin the old type)."""
    target = qualified(dialect, schema, table)
    col = ident(dialect, column)
    refuse_head = (
        f"alembic_enum_ops: column {column} of table {table_label(schema, table)} has "
        "the default "
    )
    refuse_tail = (
        ", which is not a constant; drop it before the conversion and set it again "
        "afterwards"
    )
    return f"""
        IF def IS NOT NULL THEN
            IF def !~ {literal(dialect, CONSTANT_DEFAULT_RE)} THEN
                RAISE EXCEPTION '%', {literal(dialect, refuse_head)} || def
                    || {literal(dialect, refuse_tail)};
            END IF;
            EXECUTE 'SELECT (' || def || ')::text' INTO dv;
            ALTER TABLE {target} ALTER COLUMN {col} DROP DEFAULT;
        END IF;"""


def drop_type_if_unused_sql(dialect: Dialect, type_schema: str | None, type_name: str) -> str:
    """Drop the enum unless something still uses it (then a NOTICE says so): the last
    step of ``enum_to_check``, rewrite or online."""
    qtype = qualified(dialect, type_schema, type_name)
    notice = (
        f"alembic_enum_ops: enum {table_label(type_schema, type_name)} is still used "
        "by other objects; it was not dropped"
    )
    body = f"""
DECLARE
    t regtype := to_regtype({literal(dialect, qtype)});
BEGIN
    IF t IS NULL THEN
        RETURN;
    END IF;
    IF EXISTS (
        SELECT 1 FROM pg_depend d JOIN pg_type ty ON ty.oid = t
        WHERE d.refclassid = 'pg_type'::regclass
          AND d.refobjid IN (ty.oid, ty.typarray)
          AND NOT (d.classid = 'pg_type'::regclass AND d.objid = ty.typarray)
          AND d.deptype IN ('n', 'a')
    ) THEN
        RAISE NOTICE '%', {literal(dialect, notice)};
    ELSE
        DROP TYPE {qtype};
    END IF;
END
"""
    return do_block(body)


def plan_enum_to_check(
    dialect: Dialect,
    schema: str | None,
    table: str,
    column: str,
    *,
    type_schema: str | None,
    type_name: str,
    values: Sequence[str],
    constraint_name: str,
    length: int | None,
    drop_type: bool,
    lock_timeout: str,
) -> Plan:
    """Native enum column -> text (or varchar(length)) + CHECK.

    The type change rewrites the table under ACCESS EXCLUSIVE (no way around it);
    the CHECK is added ``NOT VALID`` in the same statement (the rows just came from
    the enum, so they are valid) and validated in a later transaction.
    """
    target = qualified(dialect, schema, table)
    col = ident(dialect, column)
    qtype = qualified(dialect, type_schema, type_name)
    new_type = "text" if length is None else f"varchar({int(length)})"
    label = table_label(schema, table)
    wrong_type = (
        f"alembic_enum_ops: column {column} of table {label} has type ",
        f", not the enum {table_label(type_schema, type_name)}",
    )
    wrong_labels = (
        f"alembic_enum_ops: enum {table_label(type_schema, type_name)} has labels ",
        " but these were expected: ",
    )
    add = (
        f"ALTER TABLE {target} ADD CONSTRAINT {ident(dialect, constraint_name)} "
        f"CHECK ({check_expression(dialect, column, values)}) NOT VALID"
    )
    set_default = literal(dialect, f"ALTER TABLE {target} ALTER COLUMN {col} SET DEFAULT ")
    body = f"""
DECLARE
    cur oid;
    def text;
    dv text;
    labels text[];
BEGIN
{_column_state_sql(dialect, schema, table, column)}
    IF cur = to_regtype({literal(dialect, qtype)}) THEN
        SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) INTO labels
        FROM pg_enum e WHERE e.enumtypid = cur;
        IF labels IS DISTINCT FROM {text_array(dialect, values)} THEN
            RAISE EXCEPTION '%', {literal(dialect, wrong_labels[0])} || labels::text
                || {literal(dialect, wrong_labels[1])} || {text_array(dialect, values)}::text;
        END IF;
{_default_capture_sql(dialect, schema, table, column)}
        ALTER TABLE {target} ALTER COLUMN {col} TYPE {new_type} USING {col}::text;
        IF dv IS NOT NULL THEN
            EXECUTE {set_default} || quote_literal(dv);
        END IF;
    ELSIF cur NOT IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype) THEN
        RAISE EXCEPTION '%', {literal(dialect, wrong_type[0])} || cur::regtype::text
            || {literal(dialect, wrong_type[1])};
    END IF;
    IF NOT {constraint_exists(dialect, schema, table, constraint_name)} THEN
        {add};
    END IF;
END
"""
    steps = [
        Step(
            Boundary.OWN,
            (
                Statement(
                    do_block(body),
                    locks=table_lock(schema, table, ACCESS_EXCLUSIVE),
                    rewrites=(label,),
                    idempotent=True,
                    summary="ALTER COLUMN ... TYPE",
                ),
            ),
            f"convert {label}.{column} from enum {qtype} to {new_type} NOT VALID CHECK",
            lock_timeout=lock_timeout,
        ),
        validate_step(dialect, schema, table, constraint_name, lock_timeout),
    ]
    if drop_type:
        steps.append(
            Step(
                Boundary.MIGRATION,
                (
                    Statement(
                        drop_type_if_unused_sql(dialect, type_schema, type_name),
                        locks=(LockTarget("type", type_schema, type_name, ACCESS_EXCLUSIVE),),
                        idempotent=True,
                    ),
                ),
                f"drop enum {qtype} if nothing uses it",
                lock_timeout=lock_timeout,
            )
        )
    return Plan(f"enum_to_check {label}.{column}", tuple(steps))


def plan_check_to_enum(
    dialect: Dialect,
    schema: str | None,
    table: str,
    column: str,
    *,
    type_schema: str | None,
    type_name: str,
    values: Sequence[str],
    constraint_name: str,
    create_type: bool,
    lock_timeout: str,
    guard: bool,
) -> Plan:
    """text/varchar + CHECK column -> native enum (the CHECK is dropped: the type
    enforces the set).  Rewrites the table under ACCESS EXCLUSIVE, in its own
    transaction under ``lock_timeout``."""
    target = qualified(dialect, schema, table)
    col = ident(dialect, column)
    qtype = qualified(dialect, type_schema, type_name)
    label = table_label(schema, table)
    steps: list[Step] = []
    if guard:
        steps.append(
            guard_step(
                guard_sql(
                    dialect, schema, table, column, values,
                    action=f"convert column {column} to enum {qtype}",
                ),
                f"check the data of {label}.{column}",
            )
        )
    if create_type:
        steps.extend(
            native_ddl.plan_create(
                dialect, type_schema, type_name, values, if_not_exists=True
            ).steps
        )
    wrong_type = (
        f"alembic_enum_ops: column {column} of table {label} has type ",
        f", neither a text type nor the enum {table_label(type_schema, type_name)}",
    )
    set_default = literal(dialect, f"ALTER TABLE {target} ALTER COLUMN {col} SET DEFAULT ")
    body = f"""
DECLARE
    cur oid;
    def text;
    dv text;
BEGIN
{_column_state_sql(dialect, schema, table, column)}
    IF cur = to_regtype({literal(dialect, qtype)}) THEN
        RETURN;
    END IF;
    IF cur NOT IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype) THEN
        RAISE EXCEPTION '%', {literal(dialect, wrong_type[0])} || cur::regtype::text
            || {literal(dialect, wrong_type[1])};
    END IF;
{_default_capture_sql(dialect, schema, table, column)}
    IF {constraint_exists(dialect, schema, table, constraint_name)} THEN
        ALTER TABLE {target} DROP CONSTRAINT {ident(dialect, constraint_name)};
    END IF;
    ALTER TABLE {target} ALTER COLUMN {col} TYPE {qtype} USING {col}::text::{qtype};
    IF dv IS NOT NULL THEN
        EXECUTE {set_default} || quote_literal(dv) || {literal(dialect, "::" + qtype)};
    END IF;
END
"""
    steps.append(
        Step(
            Boundary.OWN,
            (
                Statement(
                    do_block(body),
                    locks=table_lock(schema, table, ACCESS_EXCLUSIVE),
                    rewrites=(label,),
                    idempotent=True,
                    summary="ALTER COLUMN ... TYPE",
                ),
            ),
            f"convert {label}.{column} to enum {qtype}",
            lock_timeout=lock_timeout,
        )
    )
    return Plan(f"check_to_enum {label}.{column}", tuple(steps))
