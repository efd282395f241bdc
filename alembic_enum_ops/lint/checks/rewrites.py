"""EO302 and EO303: changing a column's type, and table rewrites without a
``lock_timeout`` in force.

A rewrite holds ``ACCESS EXCLUSIVE`` on the table; the outage comes from the *wait*
for that lock, while every later query queues behind it.  A ``lock_timeout`` makes it
fail fast instead.  The linter follows which one is in force: ``SET LOCAL`` until the
next commit, a plain ``SET`` for the session, else what env.py sets (:mod:`..envpy`).
Tables the revision created are empty: rewriting them costs nothing.
"""

from __future__ import annotations

import re
from typing import Any

from .. import sql_reader as sql
from ..findings import Span
from ..knowledge import Key, key
from ..python_reader import TypeInfo
from .fix_text import qualified
from .state import FunctionState


def lock_timeout(state: FunctionState) -> tuple[bool, str]:
    """Whether a lock_timeout is in force now, and if not, why the linter thinks so."""
    if not state.autocommit and state.local_timeout is not None:
        return state.local_timeout, "SET LOCAL lock_timeout turned it off"
    if state.session_timeout is not None:
        return state.session_timeout, "lock_timeout was reset or set to 0 earlier"
    env = state.env
    if env.lock_timeout:
        return True, ""
    if env.path is None:
        return False, (
            "no SET lock_timeout before it, and no env.py was found for this file, so "
            "the linter cannot tell whether the environment sets one"
        )
    if env.how:
        return False, f"no SET lock_timeout before it, and env.py turns it off ({env.how})"
    return False, f"no SET lock_timeout before it, and {env.path.name} sets none"


def setting(state: FunctionState, fact: sql.Setting) -> None:
    """``SET [LOCAL] lock_timeout``, ``RESET``: what is in force from here on."""
    if fact.name.lower() not in {"lock_timeout", "*"}:
        return
    if fact.local:
        if not state.autocommit:
            state.local_timeout = fact.enabled
    else:
        state.session_timeout = fact.enabled
        state.local_timeout = None


def check_rewrite(state: FunctionState, table: Key | None, what: str, span: Span) -> None:
    """EO303: ``what`` rewrites ``table`` with no lock_timeout in force."""
    if table is not None and table in state.created_tables:
        return
    in_force, why = lock_timeout(state)
    if in_force:
        return
    where = f"{table[0]}.{table[1]}" if table else "the table"
    state.report(
        "EO303", span,
        f"{what} rewrites {where} under an ACCESS EXCLUSIVE lock with no lock_timeout "
        f"in force ({why}): while it waits for its lock, every query on the table "
        "queues behind it",
        "op.execute(\"SET LOCAL lock_timeout = '2s'\") just before it (and retry on "
        "SQLSTATE 55P03), or run migrations with the pgenum env.py, which sets "
        "lock_timeout on every statement"
        + (" (if the project's env.py does, lint with -c path/to/alembic.ini)"
           if state.env.path is None else ""),
    )


def alter_column(
    state: FunctionState, span: Span, table: str | None, column: str, schema: str | None,
    *, new: TypeInfo, old: TypeInfo | None, using: Any,
) -> None:
    """``op.alter_column(type_=...)``: EO302 to or from an enum without
    ``postgresql_using``, a piece of a swap when it casts through text, EO303 unless
    it only changes a string type's length."""
    table_key = key(schema, table) if table else None
    where = qualified(schema, table or "?")
    to_enum = new.kind == "enum"
    from_enum = old is not None and old.kind == "enum" and new.kind not in {"string", "enum"}
    if (to_enum or from_enum) and using is None:
        target = (
            qualified(new.enum.schema, new.enum.name or "?") if new.enum else new.name
        )
        report_no_using(
            state, span, where, column, target,
            fix_using=f"postgresql_using={_using(column, new)!r}",
        )
    if to_enum and isinstance(using, str) and _through_text(using) and new.enum:
        state.swap.alters.append((key(new.enum.schema, new.enum.name or "?"), span))
    same = old is not None and old.kind == new.kind and old.name == new.name and (
        new.kind != "enum"
    )
    strings = new.kind == "string" and old is not None and old.kind == "string"
    if not (same or strings):  # varchar(n) -> varchar(m) / text: no rewrite
        check_rewrite(state, table_key, f"op.alter_column({column!r}, type_=...)", span)


def alter_column_type(state: FunctionState, fact: sql.AlterColumnType, here: Span) -> None:
    """Raw ``ALTER COLUMN ... TYPE``: EO302 to an enum without USING, a piece of a swap
    when USING casts through text, and always a rewrite (EO303)."""
    table = key(fact.table.schema, fact.table.name)
    target = key(fact.type.schema, fact.type.name)
    target_is_enum = (
        state.registry.is_enum_name(fact.type.name) or target in state.swap.created
    )
    if target_is_enum and fact.using is None:
        using = f"USING {fact.column}::text::{fact.type}" + ("[]" if fact.array else "")
        report_no_using(state, here, str(fact.table), fact.column, str(fact.type),
                        fix_using=using)
    if target_is_enum and fact.via_text:
        state.swap.alters.append((target, here))
    check_rewrite(state, table, f"ALTER COLUMN {fact.column} TYPE {fact.type}", here)


def report_no_using(
    state: FunctionState, span: Span, where: str, column: str, target: str, *,
    fix_using: str,
) -> None:
    """EO302: no automatic cast exists between an enum and another type."""
    state.report(
        "EO302", span,
        f"ALTER COLUMN {column} TYPE {target} on {where} without USING: PostgreSQL has no "
        "automatic cast between an enum and another type, so this fails with 'column "
        f"\"{column}\" cannot be cast automatically' (and a swap done this way checks no "
        "data and carries no default, index or view)",
        f"{fix_using}; or op.enum_swap(...) to change an enum's labels, "
        "op.check_to_enum(...) / op.enum_to_check(...) to convert between text + CHECK "
        "and an enum",
    )


def _using(column: str, new: TypeInfo) -> str:
    if new.enum is not None and new.enum.name:
        target = qualified(new.enum.schema, new.enum.name) + ("[]" if new.enum.array else "")
        text = "text[]" if new.enum.array else "text"
        return f"{column}::{text}::{target}"
    return f"{column}::text::<{new.name or 'the new type'}>"


def _through_text(using: str) -> bool:
    return bool(re.search(r"::\s*(text|varchar|character varying)\b|\bAS\s+text\b", using, re.I))
