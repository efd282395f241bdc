"""The native enum operations that need no table rewrite, and their executors.

``enum_create``, ``enum_drop``, ``enum_add_value`` (committed in a transaction of its
own), ``enum_rename_value``, ``enum_rename`` and ``enum_set_schema``.  Online, each
executor reads the catalog first (one set-based query) and refuses a bad request with
a message naming the type and the value, before any DDL; offline it cannot read, so
it renders the plan and lets PostgreSQL's own checks fail the script loudly when it is
applied to a database in another state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic.operations import MigrateOperation

from ..ddl import native as ddl
from ..ddl.plan import Plan
from ..errors import InvalidEnumInputError
from ..validation import check_label, check_labels, check_name, check_schema, qualified_label
from .base import EnumOperation, label_for, operation, operation_class
from .executing import Target, executes
from .preflight import check_no_dependents, enums_for, log, require_enum


@operation("enum_create")
class CreateEnumOp(EnumOperation):
    """``CREATE TYPE schema.name AS ENUM (...)``."""

    def __init__(
        self,
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
        self.schema = check_schema(schema, type_label=label_for(None, name))
        self.name = check_name(name, what="enum type name")
        self.values = check_labels(values, type_label=self.type_label)
        self.if_not_exists = bool(if_not_exists)

    def reverse(self) -> DropEnumOp:
        return DropEnumOp(self.name, schema=self.schema, values=self.values)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("enum_create", self.schema, self.name, self.values)


@operation("enum_drop")
class DropEnumOp(EnumOperation):
    """``DROP TYPE`` (never ``CASCADE``); refuses while anything depends on the type."""

    def __init__(
        self,
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
        self.schema = check_schema(schema, type_label=label_for(None, name))
        self.name = check_name(name, what="enum type name")
        self.if_exists = bool(if_exists)
        self.values = (
            None if values is None else check_labels(values, type_label=self.type_label)
        )

    def reverse(self) -> CreateEnumOp:
        if self.values is None:
            raise InvalidEnumInputError(
                f"enum_drop of {self.type_label} cannot be reversed: pass values=[...] "
                "so the downgrade knows which labels to re-create"
            )
        return CreateEnumOp(self.name, self.values, schema=self.schema)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("enum_drop", self.schema, self.name, self.values)


@operation("enum_add_value")
class AddEnumValueOp(EnumOperation):
    """``ALTER TYPE ... ADD VALUE``, committed in its own transaction."""

    def __init__(
        self,
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
        self.schema = check_schema(schema, type_label=label_for(None, name))
        self.name = check_name(name, what="enum type name")
        self.value = check_label(value, type_label=self.type_label)
        if before is not None and after is not None:
            raise InvalidEnumInputError(
                f"enum {self.type_label}: adding {value!r}: give before= or after=, "
                f"not both (before={before!r}, after={after!r})"
            )
        self.before = None if before is None else check_label(before, type_label=self.type_label)
        self.after = None if after is None else check_label(after, type_label=self.type_label)
        if value in (self.before, self.after):
            raise InvalidEnumInputError(
                f"enum {self.type_label}: cannot place {value!r} relative to itself"
            )
        self.if_not_exists = bool(if_not_exists)
        self.lock_timeout = lock_timeout

    @property
    def described_target(self) -> str:
        return f"{self.type_label} {self.value!r}"

    def reverse(self) -> MigrateOperation:
        """Remove the value again: ``enum_remove_value``, a swap."""
        remove: Any = operation_class("enum_remove_value")
        reverse: MigrateOperation = remove(self.name, self.value, schema=self.schema)
        return reverse

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("enum_add_value", self.schema, self.name, self.value, self.before, self.after)


@operation("enum_rename_value")
class RenameEnumValueOp(EnumOperation):
    """``ALTER TYPE ... RENAME VALUE``: instant, no table is touched."""

    def __init__(self, name: str, old: str, new: str, *, schema: str | None = None) -> None:
        """Rename label ``old`` to ``new``; stored rows follow at once."""
        self.schema = check_schema(schema, type_label=label_for(None, name))
        self.name = check_name(name, what="enum type name")
        self.old = check_label(old, type_label=self.type_label)
        self.new = check_label(new, type_label=self.type_label)
        if self.old == self.new:
            raise InvalidEnumInputError(
                f"enum {self.type_label}: renaming {old!r} to itself does nothing"
            )

    def reverse(self) -> RenameEnumValueOp:
        return RenameEnumValueOp(self.name, self.new, self.old, schema=self.schema)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("enum_rename_value", self.schema, self.name, self.old, self.new)


@operation("enum_rename")
class RenameEnumOp(EnumOperation):
    """``ALTER TYPE ... RENAME TO``."""

    def __init__(self, old_name: str, new_name: str, *, schema: str | None = None) -> None:
        """Rename the type (its array type follows)."""
        self.schema = check_schema(schema, type_label=label_for(None, old_name))
        self.name = check_name(old_name, what="enum type name")
        self.new_name = check_name(new_name, what="new enum type name", type_label=self.type_label)
        if self.name == self.new_name:
            raise InvalidEnumInputError(f"enum {self.type_label}: new name equals the old one")

    @property
    def old_name(self) -> str:
        return self.name

    def reverse(self) -> RenameEnumOp:
        return RenameEnumOp(self.new_name, self.name, schema=self.schema)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("enum_rename", self.schema, self.name, self.new_name)


@operation("enum_set_schema")
class SetEnumSchemaOp(EnumOperation):
    """``ALTER TYPE ... SET SCHEMA``: columns keep using the type where it moves."""

    def __init__(self, name: str, new_schema: str, *, schema: str | None = None) -> None:
        """Move the type (and its array type) to ``new_schema``."""
        self.schema = check_schema(schema, type_label=label_for(None, name))
        self.name = check_name(name, what="enum type name")
        self.new_schema = check_name(
            new_schema, what="new schema name", type_label=self.type_label
        )
        if self.schema == self.new_schema:
            raise InvalidEnumInputError(
                f"enum {self.type_label} is already in schema {new_schema!r}"
            )

    def reverse(self) -> SetEnumSchemaOp:
        if self.schema is None:
            raise InvalidEnumInputError(
                f"enum_set_schema of {self.name} cannot be reversed without the original "
                "schema: pass schema=..."
            )
        return SetEnumSchemaOp(self.name, self.schema, schema=self.new_schema)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("enum_set_schema", self.schema, self.name, self.new_schema)



# --- executors: preflight (online, catalog reads and refusals) + a pure plan ---------


def preflight_enum_create(op: CreateEnumOp, target: Target) -> None:
    """Without ``schema=``: warn when the name exists in another schema (a second
    copy is the shadowing trap); with ``schema=`` nothing is read."""
    if op.schema is None:
        enums_for(op, target)


@executes(CreateEnumOp, preflight=preflight_enum_create)
def plan_enum_create(op: CreateEnumOp, target: Target, facts: None) -> Plan:
    return ddl.plan_create(
        target.dialect, target.schema(op.schema), op.name, op.values,
        if_not_exists=op.if_not_exists,
    )


def preflight_enum_drop(op: DropEnumOp, target: Target) -> bool:
    """Whether the type exists (False only with ``if_exists``); refuses while anything
    depends on it."""
    connection = target.require_connection()
    schema, enums = enums_for(op, target)
    if not any(e.key == (schema, op.name) for e in enums):
        if op.if_exists:
            return False
        require_enum(connection, schema, op.name, enums)
    check_no_dependents(connection, schema, op.name)
    return True


@executes(DropEnumOp, preflight=preflight_enum_drop)
def plan_enum_drop(op: DropEnumOp, target: Target, exists: bool | None) -> Plan:
    if exists is False:
        return Plan(f"drop enum {op.type_label}: it does not exist (if_exists)")
    return ddl.plan_drop(
        target.dialect, target.schema(op.schema), op.name,
        if_exists=op.if_exists, lock_timeout=target.options.lock_timeout,
    )


def preflight_enum_add_value(op: AddEnumValueOp, target: Target) -> None:
    schema, enums = enums_for(op, target)
    current = require_enum(target.require_connection(), schema, op.name, enums)
    label = qualified_label(schema, op.name)
    for anchor, word in ((op.before, "before"), (op.after, "after")):
        if anchor is not None and anchor not in current.labels:
            raise InvalidEnumInputError(
                f"enum {label}: cannot add {op.value!r} {word} {anchor!r}: "
                f"{anchor!r} is not a label of the type (it has {list(current.labels)!r})"
            )
    if op.value in current.labels:
        if not op.if_not_exists:
            raise InvalidEnumInputError(f"enum {label} already has the label {op.value!r}")
        _log_present(op, label, current.labels)


def _place(labels: tuple[str, ...], index: int) -> str:
    """Where ``labels[index]`` sits, in words."""
    if len(labels) == 1:
        return "its only label"
    if index == 0:
        return f"first, before {labels[1]!r}"
    if index == len(labels) - 1:
        return f"last, after {labels[index - 1]!r}"
    return f"between {labels[index - 1]!r} and {labels[index + 1]!r}"


def _log_present(op: AddEnumValueOp, label: str, labels: tuple[str, ...]) -> None:
    """The label is there already (a re-run): ``ADD VALUE IF NOT EXISTS`` skips it.
    INFO when it sits where the operation would put it; a warning saying where it is
    when it does not (the skip leaves that order)."""
    index = labels.index(op.value)
    neighbours = _place(labels, index)
    if op.before is not None:
        wanted, matches = f"before {op.before!r}", labels[index + 1:index + 2] == (op.before,)
    elif op.after is not None:
        wanted, matches = f"after {op.after!r}", index > 0 and labels[index - 1] == op.after
    else:
        wanted, matches = "at the end", True  # no place asked: wherever it is will do
    if matches:
        log.info(
            "alembic_enum_ops: enum %s already has %r (%s): skipped", label, op.value,
            neighbours,
        )
        return
    log.warning(
        "alembic_enum_ops: enum %s already has %r, but %s, not %s as this operation asks: "
        "skipped, so the order stays as it is (labels: %s); to move it, use enum_swap "
        "with the order you want",
        label, op.value, neighbours, wanted, ", ".join(repr(x) for x in labels),
    )


@executes(AddEnumValueOp, preflight=preflight_enum_add_value)
def plan_enum_add_value(op: AddEnumValueOp, target: Target, facts: None) -> Plan:
    return ddl.plan_add_value(
        target.dialect, target.schema(op.schema), op.name, op.value,
        before=op.before, after=op.after,
        if_not_exists=op.if_not_exists, lock_timeout=target.options.lock_timeout,
    )


def preflight_enum_rename_value(op: RenameEnumValueOp, target: Target) -> None:
    schema, enums = enums_for(op, target)
    current = require_enum(target.require_connection(), schema, op.name, enums)
    label = qualified_label(schema, op.name)
    if op.old not in current.labels:
        raise InvalidEnumInputError(
            f"enum {label}: cannot rename {op.old!r}: no such label "
            f"(it has {list(current.labels)!r})"
        )
    if op.new in current.labels:
        raise InvalidEnumInputError(
            f"enum {label}: cannot rename {op.old!r} to {op.new!r}: {op.new!r} already exists"
        )


@executes(RenameEnumValueOp, preflight=preflight_enum_rename_value)
def plan_enum_rename_value(op: RenameEnumValueOp, target: Target, facts: None) -> Plan:
    return ddl.plan_rename_value(
        target.dialect, target.schema(op.schema), op.name, op.old, op.new,
        lock_timeout=target.options.lock_timeout,
    )


def preflight_enum_exists(op: RenameEnumOp | SetEnumSchemaOp, target: Target) -> None:
    schema = target.schema(op.schema)
    assert schema is not None
    if isinstance(op, SetEnumSchemaOp) and schema == target.schema(op.new_schema):
        raise InvalidEnumInputError(
            f"enum {schema}.{op.name} is already in schema {target.schema(op.new_schema)!r}"
        )
    schema, enums = enums_for(op, target)
    require_enum(target.require_connection(), schema, op.name, enums)


@executes(RenameEnumOp, preflight=preflight_enum_exists)
def plan_enum_rename(op: RenameEnumOp, target: Target, facts: None) -> Plan:
    return ddl.plan_rename(
        target.dialect, target.schema(op.schema), op.name, op.new_name,
        lock_timeout=target.options.lock_timeout,
    )


@executes(SetEnumSchemaOp, preflight=preflight_enum_exists)
def plan_enum_set_schema(op: SetEnumSchemaOp, target: Target, facts: None) -> Plan:
    return ddl.plan_set_schema(
        target.dialect, target.schema(op.schema), op.name,
        target.schema(op.new_schema) or op.new_schema,
        lock_timeout=target.options.lock_timeout,
    )
