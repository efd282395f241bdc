"""Operations are declared by their ``__init__`` alone: ``operation(name)`` generates the
classmethod Alembic proxies as ``op.<name>`` from it."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from alembic.operations import MigrateOperation, Operations
from alembic.util.compat import inspect_getfullargspec

from alembic_enum_ops.operations import SwapEnumOp
from alembic_enum_ops.operations.base import (
    invoke_classmethod,
    operation,
    operation_name,
    registered_operations,
)


class Sample(MigrateOperation):
    def __init__(
        self, name: str, values: list[str], limit: int = 3, *, schema: str | None = None
    ) -> None:
        """User-facing text of ``op.sample``."""
        self.name, self.values, self.limit, self.schema = name, values, limit, schema


class _Operations:
    """Records what the generated classmethod hands to ``operations.invoke``."""

    def __init__(self) -> None:
        self.invoked: list[Any] = []

    def invoke(self, op: Any) -> None:
        self.invoked.append(op)


def test_generated_function_has_inits_signature_defaults_and_docstring() -> None:
    fn = invoke_classmethod(Sample, "sample")
    init = inspect.signature(Sample.__init__)
    generated = inspect.signature(fn)
    assert list(generated.parameters)[:2] == ["cls", "operations"]
    assert list(generated.parameters.values())[2:] == list(init.parameters.values())[1:]
    assert generated.return_annotation == init.return_annotation == "None"
    assert fn.__doc__ == Sample.__init__.__doc__
    assert fn.__name__ == "sample"
    # what Alembic's register_operation reads: the code object, not __signature__
    spec = inspect_getfullargspec(fn)
    assert spec.args == ["cls", "operations", "name", "values", "limit"]
    assert spec.defaults == (3,)
    assert spec.kwonlyargs == ["schema"]
    assert spec.kwonlydefaults == {"schema": None}


def test_generated_function_invokes_the_operation() -> None:
    fn = invoke_classmethod(Sample, "sample")
    operations = _Operations()
    assert fn(Sample, operations, "s", ["a"], schema="x") is None
    (op,) = operations.invoked
    assert isinstance(op, Sample)
    assert (op.name, op.values, op.limit, op.schema) == ("s", ["a"], 3, "x")
    with pytest.raises(TypeError):
        fn(Sample, operations, "s", ["a"], 4, "x")  # schema is keyword-only


@pytest.mark.parametrize(
    "init",
    [
        "def __init__(self, name, /): pass",
        "def __init__(self, *names): pass",
        "def __init__(self, **options): pass",
        "def __init__(self, operations): pass",
    ],
)
def test_unsupported_parameters_are_refused(init: str) -> None:
    namespace: dict[str, Any] = {}
    exec(init, namespace)
    cls = type("Odd", (MigrateOperation,), {"__init__": namespace["__init__"]})
    with pytest.raises(TypeError, match=r"Odd\.__init__"):
        invoke_classmethod(cls, "odd")


def test_a_hand_written_classmethod_is_refused() -> None:
    class Written(MigrateOperation):
        def __init__(self, name: str) -> None:
            self.name = name

        @classmethod
        def written_op(cls, operations: Operations, name: str) -> None:
            operations.invoke(cls(name))

    with pytest.raises(TypeError, match="declared in __init__ only"):
        operation("written_op")(Written)
    assert "written_op" not in registered_operations()
    assert not hasattr(Operations, "written_op")


def test_registered_operations_are_alembics() -> None:
    assert registered_operations()["enum_swap"] is SwapEnumOp
    assert operation_name(SwapEnumOp) == "enum_swap"
    proxied = inspect.signature(Operations.enum_swap)
    assert list(proxied.parameters.values())[1:] == list(
        inspect.signature(SwapEnumOp.__init__).parameters.values()
    )[1:]
    assert Operations.enum_swap.__doc__ == SwapEnumOp.__init__.__doc__
