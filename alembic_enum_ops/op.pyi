# Type stub of alembic_enum_ops.op: Alembic's operations plus ours.
# Generated from the operation classes (each operation's arguments are declared in its
# __init__) by scripts/write_pyi.py: do not edit; run `python scripts/write_pyi.py`.
# tests/test_op_stub.py checks that it is current.
from collections.abc import Mapping, Sequence

from alembic.op import *  # noqa: F403

# --- native enums (alembic_enum_ops.operations.native) ---

def enum_create(
    name: str,
    values: Sequence[str],
    *,
    schema: str | None = None,
    if_not_exists: bool = False,
) -> None:
    """Create a native enum type with ``values`` in order.

    ``schema=None`` means the connection's default schema (``current_schema()``).
    With ``if_not_exists=True`` an existing type with the same labels is kept; one
    with other labels is an error, never silently accepted.
    """

def enum_drop(
    name: str,
    *,
    schema: str | None = None,
    if_exists: bool = False,
    values: Sequence[str] | None = None,
) -> None:
    """Drop a native enum type.

    Before dropping, the catalog is checked: columns (plain or array), views,
    functions, domains or anything else using the type make it refuse, listing
    each.  ``values`` records the labels so the operation can be reversed.
    """

def enum_add_value(
    name: str,
    value: str,
    *,
    schema: str | None = None,
    before: str | None = None,
    after: str | None = None,
    if_not_exists: bool = True,
    lock_timeout: str | int | None = None,
) -> None:
    """Add ``value`` to the enum, at the end or ``before``/``after`` a label.

    Runs in a transaction of its own, committed at once (Alembic's autocommit
    block), so the rest of the revision can use the new value.  Because that part
    is committed even if a later operation fails, ``if_not_exists`` defaults to
    True: rerunning the revision skips the value already added.
    """

def enum_rename_value(name: str, old: str, new: str, *, schema: str | None = None) -> None:
    """Rename label ``old`` to ``new``; stored rows follow at once."""

def enum_rename(old_name: str, new_name: str, *, schema: str | None = None) -> None:
    """Rename the type (its array type follows)."""

def enum_set_schema(name: str, new_schema: str, *, schema: str | None = None) -> None:
    """Move the type (and its array type) to ``new_schema``."""

# --- native enums: swaps (alembic_enum_ops.operations.swap) ---

def enum_swap(
    name: str,
    new_values: Sequence[str],
    *,
    schema: str | None = None,
    mapping: Mapping[str, str] | None = None,
    old_values: Sequence[str] | None = None,
    lock_timeout: str | int | None = None,
    online: bool = False,
) -> None:
    """Give the type exactly ``new_values``, in order, under the same name.

    Rows holding a label that disappears are remapped by ``mapping``
    (``{old: new}``); without a mapping for them the operation refuses before
    changing anything.  ``old_values`` records the current labels so the
    operation can be reversed (autogenerate always fills it in).

    With ``online=True`` no table is rewritten under an exclusive lock: each column
    gets a shadow of the new type kept in sync by a trigger, backfilled in
    committed batches and indexed concurrently, then swapped in by a short
    cut-over (docs/online.md).  Running it again after an interruption resumes.
    """

def enum_remove_value(
    name: str,
    value: str,
    *,
    schema: str | None = None,
    replace_with: str | None = None,
    old_values: Sequence[str] | None = None,
    lock_timeout: str | int | None = None,
    online: bool = False,
) -> None:
    """Remove ``value``; rows holding it move to ``replace_with`` or it refuses.

    ``online=True``: as :class:`SwapEnumOp`'s, without rewriting any table under an
    exclusive lock (docs/online.md).
    """

# --- VARCHAR + CHECK variant (alembic_enum_ops.operations.check) ---

def check_enum_create(
    table: str,
    column: str,
    values: Sequence[str],
    *,
    schema: str | None = None,
    constraint_name: str | None = None,
    lock_timeout: str | int | None = None,
) -> None:
    """Limit ``table.column`` (text/varchar) to ``values`` with a CHECK.

    The constraint is added ``NOT VALID`` in a short transaction of its own (ACCESS
    EXCLUSIVE for milliseconds, under ``lock_timeout`` with retries) and validated
    in a later one (SHARE UPDATE EXCLUSIVE: reads and writes go on).  Rows holding
    another value make it refuse first.  ``constraint_name`` defaults to
    ``ck_<table>_<column>_enum``.
    """

def check_enum_set_values(
    table: str,
    column: str,
    values: Sequence[str],
    *,
    schema: str | None = None,
    constraint_name: str | None = None,
    mapping: Mapping[str, str] | None = None,
    old_values: Sequence[str] | None = None,
    lock_timeout: str | int | None = None,
) -> None:
    """Make the CHECK on ``table.column`` allow exactly ``values``.

    Rows holding a value that leaves the set make it refuse before any change,
    unless ``mapping`` (``{old: new}``) says where they go; they are then
    remapped in committed batches (``check_batch_size`` rows) while a
    transitional CHECK allows the old or the new values, so no write of the
    application fails before the new set is in force, and the new constraint is
    validated afterwards.  ``old_values`` records the current set so the
    operation can be reversed (autogenerate fills it in).
    """

def check_enum_drop(
    table: str,
    column: str,
    *,
    schema: str | None = None,
    constraint_name: str | None = None,
    values: Sequence[str] | None = None,
    lock_timeout: str | int | None = None,
) -> None:
    """Drop the CHECK (brief ACCESS EXCLUSIVE under ``lock_timeout``); ``values``
    records the set so the downgrade can re-create it.
    """

# --- conversions between a native enum and a CHECK (alembic_enum_ops.operations.convert) ---

def enum_to_check(
    table: str,
    column: str,
    *,
    schema: str | None = None,
    type_name: str | None = None,
    type_schema: str | None = None,
    values: Sequence[str] | None = None,
    constraint_name: str | None = None,
    length: int | None = None,
    drop_type: bool = True,
    lock_timeout: str | int | None = None,
    online: bool = False,
) -> None:
    """Turn a native-enum column into ``text`` (``varchar(length)``) + CHECK.

    Rewrites the table under ACCESS EXCLUSIVE (in its own transaction, under
    ``lock_timeout`` with retries); default, nullability and indexes are kept.
    The CHECK is added ``NOT VALID`` and validated afterwards.  The enum type is
    then dropped when nothing else uses it (``drop_type=False`` keeps it).
    Online, ``type_name``/``values`` are read from the catalog; offline (and for
    the downgrade) pass them.

    ``online=True``: no table rewrite under an exclusive lock -- a shadow column kept
    in sync by a trigger, backfilled in batches, indexed concurrently and swapped in
    by a short cut-over (docs/online.md).  Running it again after an interruption
    resumes it.
    """

def check_to_enum(
    table: str,
    column: str,
    type_name: str,
    values: Sequence[str],
    *,
    schema: str | None = None,
    type_schema: str | None = None,
    constraint_name: str | None = None,
    create_type: bool = True,
    existing_length: int | None = None,
    lock_timeout: str | int | None = None,
    online: bool = False,
) -> None:
    """Turn a text + CHECK column into the native enum ``type_name``.

    Creates the type (unless ``create_type=False``) in ``type_schema`` (default:
    the table's schema), refuses when rows hold a value outside ``values``, then
    rewrites the table under ACCESS EXCLUSIVE in its own transaction (under
    ``lock_timeout`` with retries), keeping default, nullability and indexes, and
    drops the CHECK, which the type now enforces.

    ``existing_length`` records the column's ``varchar(n)`` size (autogenerate
    fills it in): only the reverse uses it, so a downgrade restores
    ``varchar(n)`` rather than ``text`` (``text`` when a label is longer than
    ``n``).

    ``online=True``: no table rewrite under an exclusive lock (as for
    :class:`EnumToCheckOp`; docs/online.md).
    """
