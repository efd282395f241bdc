"""Autogenerate renderers: the calls written into revision files are valid Python that
re-creates the same operation."""

from __future__ import annotations

import ast
from typing import Any

import pytest
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.migration import MigrationContext

from alembic_enum_ops.operations import (
    AddEnumValueOp,
    CreateEnumOp,
    DropEnumOp,
    EnumOperation,
    RemoveEnumValueOp,
    RenameEnumOp,
    RenameEnumValueOp,
    SetEnumSchemaOp,
    SwapEnumOp,
)

LABELS = ["it's", 'q"uote', "back\\slash", "🚀", "select"]

OPERATIONS: list[EnumOperation] = [
    CreateEnumOp("Status", LABELS, schema="ai"),
    DropEnumOp("Status", schema="ai", values=LABELS),
    AddEnumValueOp("Status", "new's", schema="ai", before="🚀"),
    AddEnumValueOp("Status", "x", if_not_exists=False),
    RenameEnumValueOp("Status", "it's", "it is", schema="ai"),
    RenameEnumOp("Status", "status2", schema="ai"),
    SetEnumSchemaOp("Status", "public", schema="ai"),
    SwapEnumOp("Status", ["a", "b"], schema="ai", mapping={"c": "a"}, old_values=["a", "b", "c"]),
    RemoveEnumValueOp("Status", "c", schema="ai", replace_with="a", old_values=["a", "b", "c"]),
]


def _context() -> AutogenContext:
    migration = MigrationContext.configure(dialect_name="postgresql")
    return AutogenContext(migration, opts={"alembic_module_prefix": "op."})


class _Recorder:
    """Stands in for ``op`` when evaluating rendered text: records the call made."""

    def __getattr__(self, method: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
            return (method, args, kwargs)

        return call


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: type(o).__name__)
def test_rendered_call_rebuilds_the_same_operation(operation: EnumOperation) -> None:
    text = render_op_text(_context(), operation)
    assert text.startswith("op.")
    ast.parse(text)  # valid Python
    method, args, kwargs = eval(text, {"op": _Recorder()})  # evaluating our own rendered output
    rebuilt = type(operation)(*args, **kwargs)
    assert rebuilt.to_diff_tuple() == operation.to_diff_tuple()
    assert method == operation.to_diff_tuple()[0]


def test_create_renders_keyword_schema() -> None:
    text = render_op_text(_context(), CreateEnumOp("status", ["a"], schema="ai"))
    assert text == "op.enum_create('status', ['a'], schema='ai')"
