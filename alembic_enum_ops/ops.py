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
        inverse: dict[str, str] = {}
        for old, new in self.mapping.items():
            if old not in self.new_values and new in self.old_values:
                continue  # the new label already exists in the old set: keep it
            if new not in self.old_values:
                inverse[new] = old
        for label in self.new_values:
            if label not in self.old_values and label not in inverse:
                sources = [o for o, n in self.mapping.items() if n == label]
                if len(sources) == 1:
                    inverse[label] = sources[0]
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
