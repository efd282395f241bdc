"""SQL pieces shared by the VARCHAR + CHECK plans and the conversions: names,
the value-set expression, the data guard and the step shapes.

The whole point of the variant is to never hold an exclusive lock on a user table
through a scan: constraint additions run ``NOT VALID`` in a short transaction of
their own under ``lock_timeout`` (:func:`exclusive_step`), and ``VALIDATE`` in a later
one (:func:`validate_step`, SHARE UPDATE EXCLUSIVE).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy.engine import Dialect

from ..validation import MAX_IDENTIFIER_BYTES
from .plan import Boundary, LockTarget, Statement, Step
from .sqltext import dollar_quote, ident, literal, literal_list, qualified

ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"

# --- names -------------------------------------------------------------------------------


def shorten_name(name: str, limit: int = MAX_IDENTIFIER_BYTES) -> str:
    """``name`` if it fits in ``limit`` UTF-8 bytes, else a prefix plus a hash suffix.

    PostgreSQL would silently truncate a long name, and two long names could then
    collide; the hash of the full name keeps them apart and the result is stable, so
    offline scripts are reproducible.
    """
    encoded = name.encode("utf-8")
    if len(encoded) <= limit:
        return name
    suffix = "_" + hashlib.md5(encoded, usedforsecurity=False).hexdigest()[:8]
    prefix = encoded[: limit - len(suffix)].decode("utf-8", errors="ignore")
    return prefix + suffix


def default_constraint_name(table: str, column: str) -> str:
    """``ck_<table>_<column>_enum``, shortened to 63 bytes when needed."""
    return shorten_name(f"ck_{table}_{column}_enum")


def temp_constraint_name(name: str) -> str:
    """The deterministic temporary name of the replacement constraint."""
    return shorten_name(f"{name}__new")


def remap_trigger_name(name: str) -> str:
    """The deterministic name of the trigger (and its function) that remaps a row
    still holding a mapped value when an update leaves the column alone."""
    return shorten_name(f"{name}__remap")


def transition_constraint_name(name: str) -> str:
    """The deterministic name of the transitional constraint (old or new values)
    that guards the column while ``check_enum_set_values`` remaps rows."""
    return shorten_name(f"{name}__transition")


# --- SQL fragments -----------------------------------------------------------------------


def check_expression(dialect: Dialect, column: str, values: Sequence[str]) -> str:
    """``col::text = ANY (ARRAY[...]::text[])``.

    Comparing as ``text`` keeps the expression valid whatever the column's type is
    (varchar, text, or a native enum during a conversion) and holds no enum cast, so
    no later type change can break it.  NULL passes, as with any CHECK; the column's
    own NOT NULL decides about NULLs.
    """
    col = ident(dialect, column)
    return f"{col}::text = ANY (ARRAY[{literal_list(dialect, list(values))}]::text[])"


def text_array(dialect: Dialect, values: Sequence[str]) -> str:
    return f"ARRAY[{literal_list(dialect, list(values))}]::text[]"


def regclass(dialect: Dialect, schema: str | None, table: str) -> str:
    return f"{literal(dialect, qualified(dialect, schema, table))}::regclass"


def table_label(schema: str | None, table: str) -> str:
    return f"{schema}.{table}" if schema else table


def table_lock(schema: str | None, table: str, mode: str) -> tuple[LockTarget, ...]:
    return (LockTarget("table", schema, table, mode),)


def constraint_exists(dialect: Dialect, schema: str | None, table: str, name: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = "
        f"{regclass(dialect, schema, table)} AND conname = {literal(dialect, name)})"
    )


def do_block(body: str) -> str:
    return f"DO {dollar_quote(body)}"


def guard_sql(
    dialect: Dialect,
    schema: str | None,
    table: str,
    column: str,
    allowed: Sequence[str],
    *,
    action: str,
) -> str:
    """A DO block that refuses (RAISE) when rows hold a value outside ``allowed``.

    The offline twin of the online check: the script stops before changing anything,
    naming the table, the column, each value and its row count.
    """
    col = ident(dialect, column)
    target = qualified(dialect, schema, table)
    prefix = (
        f"alembic_enum_ops: refusing to {action}: rows of table "
        f"{table_label(schema, table)} hold values of column {column} that are not "
        "allowed and have no mapping:"
    )
    body = f"""
DECLARE
    r record;
    found text := '';
BEGIN
    FOR r IN
        SELECT {col}::text AS value, count(*) AS n FROM {target}
        WHERE {col} IS NOT NULL AND NOT ({col}::text = ANY ({text_array(dialect, allowed)}))
        GROUP BY 1 ORDER BY 1
    LOOP
        found := found || format(E'\\n  - %L: %s row(s)', r.value, r.n);
    END LOOP;
    IF found <> '' THEN
        RAISE EXCEPTION '%', {literal(dialect, prefix)} || found
            USING ERRCODE = 'check_violation';
    END IF;
END
"""
    return do_block(body)


def guard_step(sql: str, description: str) -> Step:
    return Step(Boundary.MIGRATION, (Statement(sql, idempotent=True),), description)


def validate_step(
    dialect: Dialect, schema: str | None, table: str, name: str, lock_timeout: str
) -> Step:
    target = qualified(dialect, schema, table)
    return Step(
        Boundary.OWN,
        (
            Statement(
                f"ALTER TABLE {target} VALIDATE CONSTRAINT {ident(dialect, name)}",
                locks=table_lock(schema, table, SHARE_UPDATE_EXCLUSIVE),
                idempotent=True,
                summary="VALIDATE",
            ),
        ),
        f"validate constraint {name} on {table_label(schema, table)}",
        lock_timeout=lock_timeout,
    )


def exclusive_step(
    dialect: Dialect,
    schema: str | None,
    table: str,
    body: str,
    description: str,
    lock_timeout: str,
    *,
    summary: str | None = None,
) -> Step:
    """A DO block in its own short transaction, under ``lock_timeout`` (ACCESS
    EXCLUSIVE for milliseconds: catalog changes only, never a scan)."""
    return Step(
        Boundary.OWN,
        (
            Statement(
                do_block(body),
                locks=table_lock(schema, table, ACCESS_EXCLUSIVE),
                idempotent=True,
                summary=summary,
            ),
        ),
        description,
        lock_timeout=lock_timeout,
    )


