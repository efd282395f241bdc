"""The one generic renderer: every operation is written from its ``__init__`` signature,
so each argument of every operation survives the trip into a revision file and back.

``SAMPLES`` sets every keyword-only parameter of every operation to a value other than
its default (in at least one sample of that operation): an operation or a parameter
added without a sample here fails ``test_samples_cover_every_parameter``, and one the
renderer would drop fails the round trip.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.migration import MigrationContext
from alembic.operations import MigrateOperation

from alembic_enum_ops.autogenerate.render import call_arguments, is_default, render_operation
from alembic_enum_ops.operations import (
    AddEnumValueOp,
    CheckToEnumOp,
    CreateCheckEnumOp,
    CreateEnumOp,
    DropCheckEnumOp,
    DropEnumOp,
    EnumToCheckOp,
    RemoveEnumValueOp,
    RenameEnumOp,
    RenameEnumValueOp,
    SetCheckEnumValuesOp,
    SetEnumSchemaOp,
    SwapEnumOp,
)
from alembic_enum_ops.operations.base import operation_name, registered_operations

L = ["a", "b", "it's"]

SAMPLES: list[MigrateOperation] = [
    CreateEnumOp("s", L, schema="x", if_not_exists=True),
    DropEnumOp("s", schema="x", if_exists=True, values=L),
    AddEnumValueOp("s", "v", schema="x", before="a", if_not_exists=False, lock_timeout="3s"),
    AddEnumValueOp("s", "v", after="a", lock_timeout=5000),
    RenameEnumValueOp("s", "a", "b", schema="x"),
    RenameEnumOp("s", "t", schema="x"),
    SetEnumSchemaOp("s", "y", schema="x"),
    SwapEnumOp(
        "s", ["a", "b"], schema="x", mapping={"c": "a"}, old_values=["a", "b", "c"],
        lock_timeout="1s",
    ),
    SwapEnumOp("s", ["b", "a"], schema="x", old_values=["a", "b"], online=True),
    RemoveEnumValueOp(
        "s", "c", schema="x", replace_with="a", old_values=["a", "b", "c"], lock_timeout=100
    ),
    RemoveEnumValueOp("s", "c", replace_with="a", online=True),
    CreateCheckEnumOp("t", "c", L, schema="x", constraint_name="ck", lock_timeout="2s"),
    SetCheckEnumValuesOp(
        "t", "c", L, schema="x", constraint_name="ck", mapping={"z": "a"},
        old_values=["z", "a"], lock_timeout="2s",
    ),
    DropCheckEnumOp("t", "c", schema="x", constraint_name="ck", values=L, lock_timeout="2s"),
    EnumToCheckOp(
        "t", "c", schema="x", type_name="e", type_schema="y", values=L,
        constraint_name="ck", length=10, drop_type=False, lock_timeout="2s",
    ),
    CheckToEnumOp(
        "t", "c", "e", L, schema="x", type_schema="y", constraint_name="ck",
        create_type=False, existing_length=9, lock_timeout="2s",
    ),
    EnumToCheckOp("t", "c", type_name="e", values=L, online=True),
    CheckToEnumOp("t", "c", "e", L, online=True),
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


def _parameters(cls: type[Any]) -> list[inspect.Parameter]:
    return list(inspect.signature(cls.__init__).parameters.values())[1:]


def _keyword_only(cls: type[Any]) -> list[inspect.Parameter]:
    return [p for p in _parameters(cls) if p.kind is p.KEYWORD_ONLY]


def _round_trip(operation: MigrateOperation) -> tuple[MigrateOperation, dict[str, Any]]:
    text = render_op_text(_context(), operation)
    *comments, call = text.splitlines()
    assert all(line.startswith("#") for line in comments), text
    method, args, kwargs = eval(call, {"op": _Recorder()})  # our own rendered output
    assert method == operation_name(type(operation))
    rebuilt: MigrateOperation = type(operation)(*args, **kwargs)
    return rebuilt, kwargs


def test_every_operation_renders_through_the_generic_renderer() -> None:
    for cls in registered_operations().values():
        assert renderers.dispatch(cls) is render_operation, cls.__name__


def test_samples_cover_every_parameter() -> None:
    """Every registered operation has samples, which together give every keyword-only
    parameter a value other than its default."""
    for name, cls in registered_operations().items():
        samples = [s for s in SAMPLES if type(s) is cls]
        assert samples, f"add a sample of {cls.__name__} ({name}) to SAMPLES"
        for parameter in _keyword_only(cls):
            assert any(
                not is_default(getattr(s, parameter.name), parameter.default) for s in samples
            ), f"no sample of {cls.__name__} sets {parameter.name}= to a non-default value"


@pytest.mark.parametrize("operation", SAMPLES, ids=lambda o: type(o).__name__)
def test_every_argument_survives_the_round_trip(operation: MigrateOperation) -> None:
    rebuilt, kwargs = _round_trip(operation)
    assert rebuilt.to_diff_tuple() == operation.to_diff_tuple()
    assert vars(rebuilt) == vars(operation)
    for parameter in _parameters(type(operation)):
        assert getattr(rebuilt, parameter.name) == getattr(operation, parameter.name)
    # every keyword-only argument that is not its default is written out
    expected = {
        p.name
        for p in _keyword_only(type(operation))
        if not is_default(getattr(operation, p.name), p.default)
    }
    assert set(kwargs) == expected


@pytest.mark.parametrize("operation", SAMPLES, ids=lambda o: type(o).__name__)
def test_defaults_are_not_written(operation: MigrateOperation) -> None:
    """The same operation with only its positional arguments renders no keyword."""
    positional, _keywords = call_arguments(operation)
    minimal = type(operation)(*positional)
    rebuilt, kwargs = _round_trip(minimal)
    assert kwargs == {}
    assert vars(rebuilt) == vars(minimal)


def test_lock_timeout_is_written_only_when_set() -> None:
    context = _context()
    assert "lock_timeout" not in render_op_text(context, AddEnumValueOp("s", "v"))
    assert render_op_text(context, AddEnumValueOp("s", "v", lock_timeout="5s")) == (
        "op.enum_add_value('s', 'v', lock_timeout='5s')"
    )


def test_an_empty_mapping_is_the_none_default() -> None:
    context = _context()
    assert render_op_text(context, SwapEnumOp("s", ["a"], mapping={})) == (
        "op.enum_swap('s', ['a'])"
    )
    assert render_op_text(context, SetCheckEnumValuesOp("t", "c", ["a"], mapping={})) == (
        "op.check_enum_set_values('t', 'c', ['a'])"
    )


def test_false_is_not_a_zero_default() -> None:
    assert not is_default(0, False)
    assert not is_default(False, 0)
    assert is_default(False, False)
    assert is_default({}, None)
    assert not is_default({"a": "b"}, None)


def test_a_parameter_without_its_attribute_cannot_be_rendered() -> None:
    class Forgetful(MigrateOperation):
        def __init__(self, name: str, *, kept: bool = False) -> None:
            self.name = name  # `kept` is not stored under its name

    with pytest.raises(TypeError, match="'kept' is not an attribute"):
        call_arguments(Forgetful("x"))
