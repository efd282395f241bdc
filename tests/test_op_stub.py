"""The typed ``op`` stub declares exactly the signatures of the registered operations."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from alembic.operations import Operations

import alembic_enum_ops

STUB = Path(alembic_enum_ops.__file__).parent / "op.pyi"


def _stub_signatures() -> dict[str, list[str]]:
    tree = ast.parse(STUB.read_text())
    result: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            args = node.args
            names = [a.arg for a in args.args] + ["*"] + [a.arg for a in args.kwonlyargs]
            result[node.name] = names
    return result


def _runtime_signature(name: str) -> list[str]:
    signature = inspect.signature(getattr(Operations, name))
    positional = [
        p.name
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "self"
    ]
    keyword = [p.name for p in signature.parameters.values() if p.kind is p.KEYWORD_ONLY]
    return [*positional, "*", *keyword]


def test_stub_matches_every_registered_enum_operation() -> None:
    stub = _stub_signatures()
    ours = sorted(
        name
        for name in dir(Operations)
        if name.startswith(("enum_", "check_enum_", "check_to_enum"))
    )
    assert ours, "no operations registered"
    assert sorted(stub) == ours
    for name in ours:
        assert stub[name] == _runtime_signature(name), name


def test_runtime_op_is_alembics_proxy() -> None:
    from alembic import op as alembic_op

    from alembic_enum_ops import op

    assert op.execute is alembic_op.execute  # type: ignore[attr-defined]
