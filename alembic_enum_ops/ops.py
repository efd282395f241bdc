"""Alembic operations for PostgreSQL enum types.

Each class is a ``MigrateOperation`` registered on Alembic's ``Operations`` at import,
so ``op.enum_create(...)`` and friends exist as soon as ``alembic_enum_ops`` is
imported in ``env.py``.  Like Alembic's own operations, each knows its ``reverse()``
(autogenerate writes the downgrade from it) and its ``to_diff_tuple()`` (what
``alembic check`` and ``compare_metadata`` report).

Arguments are validated in the constructors, so a bad call fails before any SQL is
built, with a message naming the type and the offending value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from alembic.operations import MigrateOperation, Operations

from .errors import InvalidEnumInput
from .validation import (
    check_label,
    check_labels,
    check_mapping,
    check_name,
    check_schema,
    qualified_label,
)


def _type_label(schema: str | None, name: object) -> str:
    return qualified_label(schema, name if isinstance(name, str) else repr(name))


class EnumOperation(MigrateOperation):
    """Common base: every enum operation targets one type ``schema.name``."""

    name: str
    schema: str | None

    @property
    def type_label(self) -> str:
        return qualified_label(self.schema, self.name)


@Operations.register_operation("enum_create")
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
        self.schema = check_schema(schema, type_label=_type_label(None, name))
        self.name = check_name(name, what="enum type name")
        self.values = check_labels(values, type_label=self.type_label)
        self.if_not_exists = bool(if_not_exists)

    @classmethod
    def enum_create(
        cls,
        operations: Operations,
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
        operations.invoke(cls(name, values, schema=schema, if_not_exists=if_not_exists))

    def reverse(self) -> DropEnumOp:
        return DropEnumOp(self.name, schema=self.schema, values=self.values)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("enum_create", self.schema, self.name, self.values)


@Operations.register_operation("enum_drop")
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
        self.schema = check_schema(schema, type_label=_type_label(None, name))
        self.name = check_name(name, what="enum type name")
        self.if_exists = bool(if_exists)
        self.values = (
            None if values is None else check_labels(values, type_label=self.type_label)
        )

    @classmethod
    def enum_drop(
        cls,
        operations: Operations,
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
        operations.invoke(cls(name, schema=schema, if_exists=if_exists, values=values))

    def reverse(self) -> CreateEnumOp:
        if self.values is None:
            raise InvalidEnumInput(
                f"enum_drop of {self.type_label} cannot be reversed: pass values=[...] "
                "so the downgrade knows which labels to re-create"
            )
        return CreateEnumOp(self.name, self.values, schema=self.schema)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("enum_drop", self.schema, self.name, self.values)


@Operations.register_operation("enum_add_value")
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
        self.schema = check_schema(schema, type_label=_type_label(None, name))
        self.name = check_name(name, what="enum type name")
        self.value = check_label(value, type_label=self.type_label)
        if before is not None and after is not None:
            raise InvalidEnumInput(
                f"enum {self.type_label}: adding {value!r}: give before= or after=, "
                f"not both (before={before!r}, after={after!r})"
            )
        self.before = None if before is None else check_label(before, type_label=self.type_label)
        self.after = None if after is None else check_label(after, type_label=self.type_label)
        if value in (self.before, self.after):
            raise InvalidEnumInput(
                f"enum {self.type_label}: cannot place {value!r} relative to itself"
            )
        self.if_not_exists = bool(if_not_exists)
        self.lock_timeout = lock_timeout

    @classmethod
    def enum_add_value(
        cls,
        operations: Operations,
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
        operations.invoke(
            cls(
                name,
                value,
                schema=schema,
                before=before,
                after=after,
                if_not_exists=if_not_exists,
                lock_timeout=lock_timeout,
            )
        )

    def reverse(self) -> RemoveEnumValueOp:
        return RemoveEnumValueOp(self.name, self.value, schema=self.schema)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("enum_add_value", self.schema, self.name, self.value, self.before, self.after)


@Operations.register_operation("enum_rename_value")
class RenameEnumValueOp(EnumOperation):
    """``ALTER TYPE ... RENAME VALUE``: instant, no table is touched."""

    def __init__(self, name: str, old: str, new: str, *, schema: str | None = None) -> None:
        self.schema = check_schema(schema, type_label=_type_label(None, name))
        self.name = check_name(name, what="enum type name")
        self.old = check_label(old, type_label=self.type_label)
        self.new = check_label(new, type_label=self.type_label)
        if self.old == self.new:
            raise InvalidEnumInput(
                f"enum {self.type_label}: renaming {old!r} to itself does nothing"
            )

    @classmethod
    def enum_rename_value(
        cls,
        operations: Operations,
        name: str,
        old: str,
        new: str,
        *,
        schema: str | None = None,
    ) -> None:
        """Rename label ``old`` to ``new``; stored rows follow at once."""
        operations.invoke(cls(name, old, new, schema=schema))

    def reverse(self) -> RenameEnumValueOp:
        return RenameEnumValueOp(self.name, self.new, self.old, schema=self.schema)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("enum_rename_value", self.schema, self.name, self.old, self.new)


@Operations.register_operation("enum_rename")
class RenameEnumOp(EnumOperation):
    """``ALTER TYPE ... RENAME TO``."""

    def __init__(self, old_name: str, new_name: str, *, schema: str | None = None) -> None:
        self.schema = check_schema(schema, type_label=_type_label(None, old_name))
        self.name = check_name(old_name, what="enum type name")
        self.new_name = check_name(new_name, what="new enum type name", type_label=self.type_label)
        if self.name == self.new_name:
            raise InvalidEnumInput(f"enum {self.type_label}: new name equals the old one")

    @property
    def old_name(self) -> str:
        return self.name

    @classmethod
    def enum_rename(
        cls,
        operations: Operations,
        old_name: str,
        new_name: str,
        *,
        schema: str | None = None,
    ) -> None:
        """Rename the type (its array type follows)."""
        operations.invoke(cls(old_name, new_name, schema=schema))

    def reverse(self) -> RenameEnumOp:
        return RenameEnumOp(self.new_name, self.name, schema=self.schema)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("enum_rename", self.schema, self.name, self.new_name)


@Operations.register_operation("enum_set_schema")
class SetEnumSchemaOp(EnumOperation):
    """``ALTER TYPE ... SET SCHEMA``: columns keep using the type where it moves."""

    def __init__(self, name: str, new_schema: str, *, schema: str | None = None) -> None:
        self.schema = check_schema(schema, type_label=_type_label(None, name))
        self.name = check_name(name, what="enum type name")
        self.new_schema = check_name(
            new_schema, what="new schema name", type_label=self.type_label
        )
        if self.schema == self.new_schema:
            raise InvalidEnumInput(f"enum {self.type_label} is already in schema {new_schema!r}")

    @classmethod
    def enum_set_schema(
        cls,
        operations: Operations,
        name: str,
        new_schema: str,
        *,
        schema: str | None = None,
    ) -> None:
        """Move the type (and its array type) to ``new_schema``."""
        operations.invoke(cls(name, new_schema, schema=schema))

    def reverse(self) -> SetEnumSchemaOp:
        if self.schema is None:
            raise InvalidEnumInput(
                f"enum_set_schema of {self.name} cannot be reversed without the original "
                "schema: pass schema=..."
            )
        return SetEnumSchemaOp(self.name, self.schema, schema=self.new_schema)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("enum_set_schema", self.schema, self.name, self.new_schema)


# --- swap operations (remove / reorder / remap values) -------------------------------


@Operations.register_operation("enum_swap")
class SwapEnumOp(EnumOperation):
    """Replace the type's label list through a v2 swap, carrying every dependent over."""

    def __init__(
        self,
        name: str,
        new_values: Sequence[str],
        *,
        schema: str | None = None,
        mapping: Mapping[str, str] | None = None,
        old_values: Sequence[str] | None = None,
        lock_timeout: str | int | None = None,
    ) -> None:
        self.schema = check_schema(schema, type_label=_type_label(None, name))
        self.name = check_name(name, what="enum type name")
        self.new_values = check_labels(new_values, type_label=self.type_label)
        self.old_values = (
            None if old_values is None else check_labels(old_values, type_label=self.type_label)
        )
        self.mapping = check_mapping(
            dict(mapping) if mapping is not None else None,
            type_label=self.type_label,
            old_values=self.old_values,
        )
        missing = sorted({v for v in self.mapping.values() if v not in self.new_values})
        if missing:
            raise InvalidEnumInput(
                f"enum {self.type_label}: mapping targets {missing!r} are not among the new "
                f"values {list(self.new_values)!r}"
            )
        self.lock_timeout = lock_timeout

    @classmethod
    def enum_swap(
        cls,
        operations: Operations,
        name: str,
        new_values: Sequence[str],
        *,
        schema: str | None = None,
        mapping: Mapping[str, str] | None = None,
        old_values: Sequence[str] | None = None,
        lock_timeout: str | int | None = None,
    ) -> None:
        """Give the type exactly ``new_values``, in order, under the same name.

        Rows holding a label that disappears are remapped by ``mapping``
        (``{old: new}``); without a mapping for them the operation refuses before
        changing anything.  ``old_values`` records the current labels so the
        operation can be reversed (autogenerate always fills it in).
        """
        operations.invoke(
            cls(
                name,
                new_values,
                schema=schema,
                mapping=mapping,
                old_values=old_values,
                lock_timeout=lock_timeout,
            )
        )

    def reverse(self) -> SwapEnumOp:
        if self.old_values is None:
            raise InvalidEnumInput(
                f"enum_swap of {self.type_label} cannot be reversed: pass old_values=[...]"
            )
        # Rows that landed on `new` go back to where they came from, unless `new` also
        # kept rows of its own (a merge into a label that stays): those cannot be told
        # apart and stay.  Several sources for one new label: the first in old order.
        # An exchange {a: b, b: a} is its own inverse.
        sources: dict[str, list[str]] = {}
        for old in self.old_values:
            new = self.mapping.get(old)
            if new is not None and new != old:
                sources.setdefault(new, []).append(old)
        inverse = {
            new: olds[0]
            for new, olds in sources.items()
            if not (new in self.old_values and new not in self.mapping)
        }
        return SwapEnumOp(
            self.name,
            self.old_values,
            schema=self.schema,
            mapping=inverse or None,
            old_values=self.new_values,
            lock_timeout=self.lock_timeout,
        )

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return (
            "enum_swap",
            self.schema,
            self.name,
            self.old_values,
            self.new_values,
            tuple(sorted(self.mapping.items())),
        )


@Operations.register_operation("enum_remove_value")
class RemoveEnumValueOp(EnumOperation):
    """Remove one label (sugar over :class:`SwapEnumOp`)."""

    def __init__(
        self,
        name: str,
        value: str,
        *,
        schema: str | None = None,
        replace_with: str | None = None,
        old_values: Sequence[str] | None = None,
        lock_timeout: str | int | None = None,
    ) -> None:
        self.schema = check_schema(schema, type_label=_type_label(None, name))
        self.name = check_name(name, what="enum type name")
        self.value = check_label(value, type_label=self.type_label)
        self.replace_with = (
            None if replace_with is None else check_label(replace_with, type_label=self.type_label)
        )
        if self.replace_with == self.value:
            raise InvalidEnumInput(
                f"enum {self.type_label}: replace_with equals the removed value {value!r}"
            )
        self.old_values = (
            None if old_values is None else check_labels(old_values, type_label=self.type_label)
        )
        if self.old_values is not None and self.value not in self.old_values:
            raise InvalidEnumInput(
                f"enum {self.type_label}: {value!r} is not among old_values "
                f"{list(self.old_values)!r}"
            )
        self.lock_timeout = lock_timeout

    @classmethod
    def enum_remove_value(
        cls,
        operations: Operations,
        name: str,
        value: str,
        *,
        schema: str | None = None,
        replace_with: str | None = None,
        old_values: Sequence[str] | None = None,
        lock_timeout: str | int | None = None,
    ) -> None:
        """Remove ``value``; rows holding it move to ``replace_with`` or it refuses."""
        operations.invoke(
            cls(
                name,
                value,
                schema=schema,
                replace_with=replace_with,
                old_values=old_values,
                lock_timeout=lock_timeout,
            )
        )

    def reverse(self) -> AddEnumValueOp:
        before: str | None = None
        after: str | None = None
        if self.old_values is not None:
            position = self.old_values.index(self.value)
            if position + 1 < len(self.old_values):
                before = self.old_values[position + 1]
            elif position > 0:
                after = self.old_values[position - 1]
        return AddEnumValueOp(
            self.name, self.value, schema=self.schema, before=before, after=after
        )

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("enum_remove_value", self.schema, self.name, self.value, self.replace_with)


# --- VARCHAR + CHECK variant operations ------------------------------------------------


def _check_values(values: object, *, where: str) -> tuple[str, ...]:
    """Values allowed by a CHECK: a non-empty list of distinct strings without NUL.

    Unlike enum labels they have no 63-byte limit (a CHECK compares text).
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence | set | frozenset):
        raise InvalidEnumInput(f"{where}: values must be a list of strings, got {values!r}")
    result: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise InvalidEnumInput(
                f"{where}: values must be strings, got {value!r} ({type(value).__name__})"
            )
        if "\x00" in value:
            raise InvalidEnumInput(f"{where}: value {value!r} contains a NUL byte")
        if value in result:
            raise InvalidEnumInput(f"{where}: duplicate value {value!r}")
        result.append(value)
    if not result:
        raise InvalidEnumInput(f"{where}: the list of values is empty")
    return tuple(result)


class CheckEnumOperation(MigrateOperation):
    """Common base: a text column ``schema.table.column`` whose values a CHECK limits."""

    table: str
    column: str
    schema: str | None
    constraint_name: str | None

    def _init_target(
        self, table: str, column: str, schema: str | None, constraint_name: str | None
    ) -> None:
        self.table = check_name(table, what="table name")
        self.column = check_name(column, what="column name")
        self.schema = check_schema(schema)
        self.constraint_name = (
            None
            if constraint_name is None
            else check_name(constraint_name, what="constraint name")
        )

    @property
    def column_label(self) -> str:
        table = f"{self.schema}.{self.table}" if self.schema else self.table
        return f"column {table}.{self.column}"


@Operations.register_operation("check_enum_create")
class CreateCheckEnumOp(CheckEnumOperation):
    """Add a value-set CHECK: ``NOT VALID`` first, ``VALIDATE`` in a later transaction."""

    def __init__(
        self,
        table: str,
        column: str,
        values: Sequence[str],
        *,
        schema: str | None = None,
        constraint_name: str | None = None,
        lock_timeout: str | int | None = None,
    ) -> None:
        self._init_target(table, column, schema, constraint_name)
        self.values = _check_values(values, where=self.column_label)
        self.lock_timeout = lock_timeout

    @classmethod
    def check_enum_create(
        cls,
        operations: Operations,
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
        operations.invoke(
            cls(
                table, column, values, schema=schema,
                constraint_name=constraint_name, lock_timeout=lock_timeout,
            )
        )

    def reverse(self) -> DropCheckEnumOp:
        return DropCheckEnumOp(
            self.table, self.column, schema=self.schema,
            constraint_name=self.constraint_name, values=self.values,
            lock_timeout=self.lock_timeout,
        )

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return (
            "check_enum_create", self.schema, self.table, self.column,
            self.values, self.constraint_name,
        )


@Operations.register_operation("check_enum_set_values")
class SetCheckEnumValuesOp(CheckEnumOperation):
    """Replace the allowed set: new CHECK ``NOT VALID``, ``VALIDATE``, rename; with a
    mapping, a transitional CHECK (old or new values) guards the batched remap first."""

    def __init__(
        self,
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
        self._init_target(table, column, schema, constraint_name)
        where = self.column_label
        self.values = _check_values(values, where=where)
        self.old_values = (
            None if old_values is None else _check_values(old_values, where=where)
        )
        if mapping is not None and not isinstance(mapping, Mapping):
            raise InvalidEnumInput(
                f"{where}: mapping must be a dict of old value -> new value, got {mapping!r}"
            )
        self.mapping: dict[str, str] = {}
        for old, new in (mapping or {}).items():
            _check_values([old], where=where)
            _check_values([new], where=where)
            if old in self.values:
                raise InvalidEnumInput(
                    f"{where}: mapping moves {old!r}, which stays allowed; only values "
                    "that leave the set can be mapped"
                )
            if new not in self.values:
                raise InvalidEnumInput(
                    f"{where}: mapping target {new!r} (for {old!r}) is not among the new "
                    f"values {list(self.values)!r}"
                )
            if self.old_values is not None and old not in self.old_values:
                raise InvalidEnumInput(
                    f"{where}: mapping names {old!r}, which is not among old_values "
                    f"{list(self.old_values)!r}"
                )
            self.mapping[old] = new
        self.lock_timeout = lock_timeout

    @classmethod
    def check_enum_set_values(
        cls,
        operations: Operations,
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
        operations.invoke(
            cls(
                table, column, values, schema=schema, constraint_name=constraint_name,
                mapping=mapping, old_values=old_values, lock_timeout=lock_timeout,
            )
        )

    def reverse(self) -> SetCheckEnumValuesOp:
        if self.old_values is None:
            raise InvalidEnumInput(
                f"check_enum_set_values of {self.column_label} cannot be reversed: pass "
                "old_values=[...]"
            )
        inverse: dict[str, str] = {}
        for target in set(self.mapping.values()):
            if target in self.old_values:
                continue
            sources = [o for o, n in self.mapping.items() if n == target]
            if len(sources) == 1:
                inverse[target] = sources[0]
        return SetCheckEnumValuesOp(
            self.table, self.column, self.old_values, schema=self.schema,
            constraint_name=self.constraint_name, mapping=inverse or None,
            old_values=self.values, lock_timeout=self.lock_timeout,
        )

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return (
            "check_enum_set_values", self.schema, self.table, self.column,
            self.old_values, self.values, tuple(sorted(self.mapping.items())),
        )


@Operations.register_operation("check_enum_drop")
class DropCheckEnumOp(CheckEnumOperation):
    """Drop the value-set CHECK of a column."""

    def __init__(
        self,
        table: str,
        column: str,
        *,
        schema: str | None = None,
        constraint_name: str | None = None,
        values: Sequence[str] | None = None,
        lock_timeout: str | int | None = None,
    ) -> None:
        self._init_target(table, column, schema, constraint_name)
        self.values = None if values is None else _check_values(values, where=self.column_label)
        self.lock_timeout = lock_timeout

    @classmethod
    def check_enum_drop(
        cls,
        operations: Operations,
        table: str,
        column: str,
        *,
        schema: str | None = None,
        constraint_name: str | None = None,
        values: Sequence[str] | None = None,
        lock_timeout: str | int | None = None,
    ) -> None:
        """Drop the CHECK (brief ACCESS EXCLUSIVE under ``lock_timeout``); ``values``
        records the set so the downgrade can re-create it."""
        operations.invoke(
            cls(
                table, column, schema=schema, constraint_name=constraint_name,
                values=values, lock_timeout=lock_timeout,
            )
        )

    def reverse(self) -> CreateCheckEnumOp:
        if self.values is None:
            raise InvalidEnumInput(
                f"check_enum_drop of {self.column_label} cannot be reversed: pass values=[...]"
            )
        return CreateCheckEnumOp(
            self.table, self.column, self.values, schema=self.schema,
            constraint_name=self.constraint_name, lock_timeout=self.lock_timeout,
        )

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return (
            "check_enum_drop", self.schema, self.table, self.column,
            self.values, self.constraint_name,
        )


def _check_length(
    column_label: str, what: str, length: int | None, values: Sequence[str] | None
) -> int | None:
    """``length`` (a ``varchar(n)`` size) when it is a positive integer that fits every
    value; a clear error otherwise."""
    if length is None:
        return None
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise InvalidEnumInput(
            f"{column_label}: {what} must be a positive integer, got {length!r}"
        )
    if values:
        longest = max(len(v) for v in values)
        if longest > length:
            raise InvalidEnumInput(
                f"{column_label}: {what}={length} is shorter than the longest "
                f"value ({longest} characters)"
            )
    return length


@Operations.register_operation("enum_to_check")
class EnumToCheckOp(CheckEnumOperation):
    """Native enum column -> text + CHECK (rewrites the table)."""

    def __init__(
        self,
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
    ) -> None:
        self._init_target(table, column, schema, constraint_name)
        self.type_name = None if type_name is None else check_name(type_name, what="type name")
        self.type_schema = check_schema(type_schema)
        self.values = (
            None if values is None else check_labels(values, type_label=self.column_label)
        )
        self.length = _check_length(self.column_label, "length", length, self.values)
        self.drop_type = bool(drop_type)
        self.lock_timeout = lock_timeout

    @classmethod
    def enum_to_check(
        cls,
        operations: Operations,
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
    ) -> None:
        """Turn a native-enum column into ``text`` (``varchar(length)``) + CHECK.

        Rewrites the table under ACCESS EXCLUSIVE (in its own transaction, under
        ``lock_timeout`` with retries); default, nullability and indexes are kept.
        The CHECK is added ``NOT VALID`` and validated afterwards.  The enum type is
        then dropped when nothing else uses it (``drop_type=False`` keeps it).
        Online, ``type_name``/``values`` are read from the catalog; offline (and for
        the downgrade) pass them.
        """
        operations.invoke(
            cls(
                table, column, schema=schema, type_name=type_name, type_schema=type_schema,
                values=values, constraint_name=constraint_name, length=length,
                drop_type=drop_type, lock_timeout=lock_timeout,
            )
        )

    def reverse(self) -> CheckToEnumOp:
        if self.type_name is None or self.values is None:
            raise InvalidEnumInput(
                f"enum_to_check of {self.column_label} cannot be reversed: pass "
                "type_name=... and values=[...]"
            )
        return CheckToEnumOp(
            self.table, self.column, self.type_name, self.values, schema=self.schema,
            type_schema=self.type_schema, constraint_name=self.constraint_name,
            create_type=self.drop_type, existing_length=self.length,
            lock_timeout=self.lock_timeout,
        )

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return (
            "enum_to_check", self.schema, self.table, self.column,
            self.type_schema, self.type_name, self.values,
        )


@Operations.register_operation("check_to_enum")
class CheckToEnumOp(CheckEnumOperation):
    """text + CHECK column -> native enum (rewrites the table)."""

    def __init__(
        self,
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
    ) -> None:
        self._init_target(table, column, schema, constraint_name)
        self.type_name = check_name(type_name, what="type name")
        self.type_schema = check_schema(type_schema)
        self.values = check_labels(values, type_label=self.type_name)
        self.create_type = bool(create_type)
        # not checked against ``values``: a new label may outgrow the old varchar(n)
        self.existing_length = _check_length(
            self.column_label, "existing_length", existing_length, None
        )
        self.lock_timeout = lock_timeout

    @classmethod
    def check_to_enum(
        cls,
        operations: Operations,
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
        """
        operations.invoke(
            cls(
                table, column, type_name, values, schema=schema, type_schema=type_schema,
                constraint_name=constraint_name, create_type=create_type,
                existing_length=existing_length, lock_timeout=lock_timeout,
            )
        )

    def reverse(self) -> EnumToCheckOp:
        return EnumToCheckOp(
            self.table, self.column, schema=self.schema, type_name=self.type_name,
            type_schema=self.type_schema, values=self.values,
            constraint_name=self.constraint_name, length=self._reverse_length(),
            drop_type=self.create_type, lock_timeout=self.lock_timeout,
        )

    def _reverse_length(self) -> int | None:
        """``existing_length`` when every value fits it; else None (``text``): the
        downgrade must not fail on a label longer than the old ``varchar(n)``."""
        if self.existing_length is None:
            return None
        if max(len(v) for v in self.values) > self.existing_length:
            return None
        return self.existing_length

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return (
            "check_to_enum", self.schema, self.table, self.column,
            self.type_schema, self.type_name, self.values,
        )
