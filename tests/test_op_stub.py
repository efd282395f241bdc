"""The typed ``op`` stub is generated from the operation classes and is current.

``alembic_enum_ops/op.pyi`` is written by ``scripts/write_pyi.py`` from each operation's
``__init__``; these tests fail when an ``__init__`` (or its docstring) changed and the
stub was not regenerated, and when the runtime ``op.<name>`` and the stub disagree.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from alembic.operations import Operations

import alembic_enum_ops
from alembic_enum_ops.operations.base import registered_operations

STUB = Path(alembic_enum_ops.__file__).parent / "op.pyi"
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "write_pyi.py"
REGENERATE = "alembic_enum_ops/op.pyi is stale: run `python scripts/write_pyi.py`"

# (name, kind, annotation source, default) per parameter; `EMPTY` for "no default"
Parameter = tuple[str, str, str, Any]
EMPTY = "<no default>"


def _write_pyi() -> ModuleType:
    """``scripts/write_pyi.py`` (not a package: loaded from its path)."""
    if "write_pyi" not in sys.modules:
        spec = importlib.util.spec_from_file_location("write_pyi", SCRIPT)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["write_pyi"] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules["write_pyi"]


def _normalised(annotation: str) -> str:
    return ast.unparse(ast.parse(annotation, mode="eval"))


def _stub_signatures() -> dict[str, tuple[list[Parameter], str]]:
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    result: dict[str, tuple[list[Parameter], str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        args = node.args
        assert not args.posonlyargs and args.vararg is None and args.kwarg is None, node.name
        parameters: list[Parameter] = []
        first_default = len(args.args) - len(args.defaults)
        for i, arg in enumerate(args.args):
            default = args.defaults[i - first_default] if i >= first_default else None
            parameters.append(_stub_parameter(arg, "POSITIONAL_OR_KEYWORD", default))
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            parameters.append(_stub_parameter(arg, "KEYWORD_ONLY", kw_default))
        assert node.returns is not None, node.name
        result[node.name] = (parameters, ast.unparse(node.returns))
    return result


def _stub_parameter(arg: ast.arg, kind: str, default: ast.expr | None) -> Parameter:
    assert arg.annotation is not None, arg.arg
    value = EMPTY if default is None else ast.literal_eval(default)
    return (arg.arg, kind, ast.unparse(arg.annotation), value)


def _runtime_signature(name: str) -> tuple[list[Parameter], str]:
    """``Operations.<name>`` as Alembic built it (the proxy ``op.<name>`` calls)."""
    signature = inspect.signature(getattr(Operations, name))
    parameters: list[Parameter] = []
    for parameter in list(signature.parameters.values())[1:]:  # without self
        annotation = parameter.annotation
        assert isinstance(annotation, str), (name, parameter.name, annotation)
        default = EMPTY if parameter.default is parameter.empty else parameter.default
        parameters.append((parameter.name, parameter.kind.name, _normalised(annotation), default))
    returns = signature.return_annotation
    assert isinstance(returns, str), (name, returns)
    return parameters, _normalised(returns)


def _typed(parameters: list[Parameter]) -> list[tuple[str, str, str, Any, type]]:
    """Compare defaults with their types too: ``False`` is not ``0``."""
    return [(*p, type(p[3])) for p in parameters]


def test_committed_stub_is_the_generated_one() -> None:
    generated = _write_pyi().render_stub()
    committed = STUB.read_text(encoding="utf-8")
    assert committed == generated, REGENERATE


def test_stub_declares_exactly_the_registered_operations() -> None:
    ours = set(registered_operations())
    assert ours, "no operations registered"
    assert set(_stub_signatures()) == ours, REGENERATE
    assert all(hasattr(Operations, name) for name in ours)


@pytest.mark.parametrize("name", sorted(registered_operations()))
def test_runtime_signature_equals_the_stub(name: str) -> None:
    """Names, kinds, annotations and defaults of ``Operations.<name>`` (generated from
    ``__init__`` at import) are the stub's."""
    stub_parameters, stub_returns = _stub_signatures()[name]
    runtime_parameters, runtime_returns = _runtime_signature(name)
    assert _typed(runtime_parameters) == _typed(stub_parameters), REGENERATE
    assert runtime_returns == stub_returns == "None"


def test_a_changed_init_makes_the_stub_stale() -> None:
    """The check is not vacuous: an operation whose ``__init__`` grew a parameter renders
    a different stub."""
    from alembic_enum_ops.operations import RenameEnumValueOp

    class Changed(RenameEnumValueOp):
        def __init__(
            self, name: str, old: str, new: str, *, schema: str | None = None, extra: int = 1
        ) -> None:
            """Rename label ``old`` to ``new``; stored rows follow at once."""

    write_pyi = _write_pyi()
    operations = registered_operations()
    current = write_pyi.render_stub(operations)
    changed = write_pyi.render_stub({**operations, "enum_rename_value": Changed})
    assert changed != current
    assert "extra: int = 1" in changed


def test_runtime_op_is_alembics_proxy() -> None:
    from alembic import op as alembic_op

    from alembic_enum_ops import op

    assert op.execute is alembic_op.execute  # type: ignore[attr-defined]
