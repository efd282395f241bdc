"""Autogenerate rendering: how each operation is written into a revision file.

Calls use keyword arguments for everything but the type name and its labels, and
always carry ``schema=`` when known, so the revision means the same thing whatever
``search_path`` the deploy runs with.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext

from .ops import (
    AddEnumValueOp,
    CreateEnumOp,
    DropEnumOp,
    RemoveEnumValueOp,
    RenameEnumOp,
    RenameEnumValueOp,
    SetEnumSchemaOp,
    SwapEnumOp,
)


def _prefix(autogen_context: AutogenContext) -> str:
    prefix = autogen_context.opts.get("alembic_module_prefix", "op.")
    return str(prefix)


def render_call(
    autogen_context: AutogenContext,
    method: str,
    positional: Iterable[Any],
    keywords: Iterable[tuple[str, Any]],
) -> str:
    """``op.method(positional..., key=value...)``, skipping keywords whose value is
    None, rendered with ``repr`` (Python literals, not SQL)."""
    args = [_literal(v) for v in positional]
    args.extend(f"{k}={_literal(v)}" for k, v in keywords if v is not None)
    return f"{_prefix(autogen_context)}{method}({', '.join(args)})"


def _literal(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


@renderers.dispatch_for(CreateEnumOp)
def render_enum_create(autogen_context: AutogenContext, op: CreateEnumOp) -> str:
    return render_call(
        autogen_context,
        "enum_create",
        [op.name, op.values],
        [("schema", op.schema), ("if_not_exists", op.if_not_exists or None)],
    )


@renderers.dispatch_for(DropEnumOp)
def render_enum_drop(autogen_context: AutogenContext, op: DropEnumOp) -> str:
    return render_call(
        autogen_context,
        "enum_drop",
        [op.name],
        [("schema", op.schema), ("if_exists", op.if_exists or None), ("values", op.values)],
    )


@renderers.dispatch_for(AddEnumValueOp)
def render_enum_add_value(autogen_context: AutogenContext, op: AddEnumValueOp) -> str:
    return render_call(
        autogen_context,
        "enum_add_value",
        [op.name, op.value],
        [
            ("schema", op.schema),
            ("before", op.before),
            ("after", op.after),
            ("if_not_exists", None if op.if_not_exists else False),
        ],
    )


@renderers.dispatch_for(RenameEnumValueOp)
def render_enum_rename_value(autogen_context: AutogenContext, op: RenameEnumValueOp) -> str:
    return render_call(
        autogen_context, "enum_rename_value", [op.name, op.old, op.new], [("schema", op.schema)]
    )


@renderers.dispatch_for(RenameEnumOp)
def render_enum_rename(autogen_context: AutogenContext, op: RenameEnumOp) -> str:
    return render_call(
        autogen_context, "enum_rename", [op.name, op.new_name], [("schema", op.schema)]
    )


@renderers.dispatch_for(SetEnumSchemaOp)
def render_enum_set_schema(autogen_context: AutogenContext, op: SetEnumSchemaOp) -> str:
    return render_call(
        autogen_context, "enum_set_schema", [op.name, op.new_schema], [("schema", op.schema)]
    )


@renderers.dispatch_for(SwapEnumOp)
def render_enum_swap(autogen_context: AutogenContext, op: SwapEnumOp) -> str:
    return render_call(
        autogen_context,
        "enum_swap",
        [op.name, op.new_values],
        [
            ("schema", op.schema),
            ("mapping", op.mapping or None),
            ("old_values", op.old_values),
        ],
    )


@renderers.dispatch_for(RemoveEnumValueOp)
def render_enum_remove_value(autogen_context: AutogenContext, op: RemoveEnumValueOp) -> str:
    return render_call(
        autogen_context,
        "enum_remove_value",
        [op.name, op.value],
        [
            ("schema", op.schema),
            ("replace_with", op.replace_with),
            ("old_values", op.old_values),
        ],
    )


# --- VARCHAR + CHECK variant renderers ---------------------------------------------------
