"""The column types autogenerate writes for enums this package creates or drops.

Alembic renders a column's type from its ``repr``; for an enum whose ``CREATE TYPE`` /
``DROP TYPE`` this package emits itself, the column must say ``create_type=False`` so
``op.create_table`` (or a downgrade's re-created table) does not issue its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator, TypeEngine

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext


class ExistingEnum(postgresql.ENUM):
    """The column type autogenerate writes for an enum this package creates or drops
    itself: ``postgresql.ENUM(..., create_type=False)``, so ``op.create_table`` does
    not issue a second ``CREATE TYPE``.

    Only used for rendering.  ``__module__`` and the class name make Alembic render it
    as ``postgresql.ENUM(...)`` (and import ``postgresql``); ``__repr__`` always spells
    ``create_type=False``, which SQLAlchemy 2.0's own repr leaves out.
    """

    __module__ = "sqlalchemy.dialects.postgresql"

    def __repr__(self) -> str:
        args = [repr(label) for label in self.enums]
        args.append(f"name={self.name!r}")
        if self.schema is not None:
            args.append(f"schema={self.schema!r}")
        args.append("create_type=False")
        return f"ENUM({', '.join(args)})"


ExistingEnum.__name__ = ExistingEnum.__qualname__ = "ENUM"


class ExistingEnumArray(postgresql.ARRAY[Any]):
    """``postgresql.ARRAY(postgresql.ENUM(..., create_type=False))``, rendered whole:
    Alembic's own ARRAY renderer splices the item type in with a regular expression
    built from its repr, which labels such as ``a|b`` or ``[x`` break."""

    __module__ = "sqlalchemy.dialects.postgresql"

    def __repr__(self) -> str:
        args = [f"postgresql.{self.item_type!r}"]
        if self.dimensions is not None:
            args.append(f"dimensions={self.dimensions!r}")
        return f"ARRAY({', '.join(args)})"


ExistingEnumArray.__name__ = ExistingEnumArray.__qualname__ = "ARRAY"


class _RenderItem:
    """A ``render_item`` hook rendering :class:`ExistingEnumArray` itself, then
    deferring to the user's hook (if any) for everything else."""

    def __init__(self, original: Callable[..., Any] | None) -> None:
        self.original = original

    def __call__(self, type_: str, obj: Any, autogen_context: AutogenContext) -> Any:
        if type_ == "type" and isinstance(obj, ExistingEnumArray):
            if autogen_context.imports is not None:
                autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
            return f"postgresql.{obj!r}"
        if self.original is not None:
            return self.original(type_, obj, autogen_context)
        return False


def install_render_item(autogen_context: AutogenContext) -> None:
    opts = autogen_context.opts
    current = opts.get("render_item")
    if not isinstance(current, _RenderItem):
        opts["render_item"] = _RenderItem(current)


def existing_type(type_: TypeEngine[Any], schema_of: Callable[[sa.Enum], str | None]) -> Any:
    """``type_`` with every named native enum inside replaced by :class:`ExistingEnum`
    (looking through ``TypeDecorator``, variants and ``ARRAY``); ``type_`` itself
    when it holds none."""
    variants = getattr(type_, "_variant_mapping", None)
    if variants and "postgresql" in variants:
        return existing_type(variants["postgresql"], schema_of)
    if isinstance(type_, TypeDecorator):
        inner = existing_type(type_.impl_instance, schema_of)
        return type_ if inner is type_.impl_instance else inner
    if isinstance(type_, sa.ARRAY):
        item = existing_type(type_.item_type, schema_of)
        if item is type_.item_type:
            return type_
        return ExistingEnumArray(item, dimensions=type_.dimensions)
    if isinstance(type_, sa.Enum) and type_.native_enum and type_.name:
        return ExistingEnum(
            *type_.enums, name=str(type_.name), schema=schema_of(type_), create_type=False
        )
    return type_

