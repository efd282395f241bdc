"""Find the named native enums a model declares, as SQLAlchemy itself would create them.

Autogenerate must compare what ``metadata.create_all()`` would create, not what the
declaration seems to say: an ``Enum`` in ``Table(..., schema="ai")`` lands in the
default schema unless ``inherit_schema=True``, and ``MetaData(schema=...)`` is
inherited by SQLAlchemy 2.1 but not 2.0.  Rather than re-implementing those rules
(and getting one version wrong), this module reads the type's own ``.schema`` after
SQLAlchemy has attached it to its table or MetaData: that attribute is exactly what
SQLAlchemy's ``CREATE TYPE`` uses, under whichever version is installed.

Labels are taken from ``Enum.enums``, which already reflects ``values_callable`` (the
values) or the member names (SQLAlchemy's default) -- what ends up in the database.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator, TypeEngine

from .errors import InvalidEnumInputError
from .validation import qualified_label


@dataclass
class ModelEnum:
    """One named native enum of the model, with every column that uses it."""

    schema: str | None
    """The schema SQLAlchemy creates it in (None: the connection's default schema)."""

    name: str
    labels: tuple[str, ...]
    type_: sa.Enum
    """The first ``Enum`` object seen for it (for ``include_object``)."""

    columns: list[tuple[str | None, str, str]] = field(default_factory=list)
    """``(table schema, table name, column name)`` of each column using it."""

    @property
    def label(self) -> str:
        return qualified_label(self.schema, self.name)


def metadatas(target: sa.MetaData | Sequence[sa.MetaData] | None) -> list[sa.MetaData]:
    """``target_metadata`` as a list (Alembic accepts one MetaData or a sequence)."""
    if target is None:
        return []
    if isinstance(target, sa.MetaData):
        return [target]
    return list(target)


def native_enums_in(type_: TypeEngine[Any]) -> Iterator[sa.Enum]:
    """The named native enums a column type stands for, looking through
    ``TypeDecorator``, ``ARRAY`` and PostgreSQL variants."""
    seen: set[int] = set()

    def walk(t: TypeEngine[Any]) -> Iterator[sa.Enum]:
        if id(t) in seen:
            return
        seen.add(id(t))
        variants = getattr(t, "_variant_mapping", None)
        if variants and "postgresql" in variants:
            yield from walk(variants["postgresql"])
            return
        if isinstance(t, TypeDecorator):
            yield from walk(t.impl_instance)
            return
        if isinstance(t, sa.ARRAY):
            yield from walk(t.item_type)
            return
        if isinstance(t, sa.Enum) and t.native_enum and t.name:
            yield t

    yield from walk(type_)


def _listener_target(listener: Any) -> object:
    """The object behind a ``before_create`` listener (bound method, partial, or
    SQLAlchemy 2.0's ``portable_instancemethod``)."""
    while isinstance(listener, functools.partial):
        listener = listener.func
    for attribute in ("__self__", "target"):
        target = getattr(listener, attribute, None)
        if target is not None:
            return target
    return None


def _standalone_enums(metadata: sa.MetaData) -> Iterator[sa.Enum]:
    """Enums bound with ``Enum(..., metadata=m)``: SQLAlchemy keeps them only as
    ``create_all`` listeners on the MetaData, so that is where they are found."""
    for listener in metadata.dispatch.before_create:
        target = _listener_target(listener)
        if isinstance(target, sa.Enum) and target.native_enum and target.name:
            yield target


def discover(target: sa.MetaData | Sequence[sa.MetaData] | None) -> list[ModelEnum]:
    """Every named native enum reachable from ``target``, in declaration order.

    Two declarations of the same ``schema.name`` with different labels are a model
    error (SQLAlchemy would create whichever comes first): it is refused with both
    label lists, rather than letting autogenerate pick one silently.
    """
    found: dict[tuple[str | None, str], ModelEnum] = {}

    def add(enum: sa.Enum, column: tuple[str | None, str, str] | None) -> None:
        assert enum.name is not None
        key = (enum.schema, str(enum.name))
        labels = tuple(enum.enums)
        entry = found.get(key)
        if entry is None:
            entry = found[key] = ModelEnum(enum.schema, str(enum.name), labels, enum)
        elif entry.labels != labels:
            raise InvalidEnumInputError(
                f"enum {entry.label} is declared twice with different labels: "
                f"{list(entry.labels)!r} and {list(labels)!r}"
                + (f" (column {'.'.join(p for p in column if p)})" if column else "")
            )
        if column is not None and column not in entry.columns:
            entry.columns.append(column)

    for metadata in metadatas(target):
        for table in metadata.tables.values():
            for column in table.columns:
                for enum in native_enums_in(column.type):
                    add(enum, (table.schema, table.name, column.name))
        for enum in _standalone_enums(metadata):
            add(enum, None)
    return list(found.values())


def enums_of_type(types: Iterable[TypeEngine[Any]]) -> Iterator[sa.Enum]:
    """All named native enums inside several column types."""
    for t in types:
        yield from native_enums_in(t)


# --- VARCHAR + CHECK declarations --------------------------------------------------


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
