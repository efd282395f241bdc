"""pglast's parse nodes, read: names, constants and a walk over a statement's tree.

The accessors :mod:`.extraction` and :mod:`.mentions` share.  They read attributes
with ``getattr`` where pglast's releases differ.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from .facts import QName


def qname(names: Any) -> QName:
    """A list of name nodes (``schema.name`` or ``name``) as a :class:`QName`."""
    parts = [sval(n) for n in (names or ())]
    if len(parts) >= 2:
        return QName(parts[-2], parts[-1])
    return QName(None, parts[0] if parts else "")


def sval(node: Any) -> str:
    """A String node's text (or the value itself when pglast gave a plain string)."""
    return str(getattr(node, "sval", node))


def range_var(rel: Any) -> QName:
    """A RangeVar (a table as written in a statement) as a :class:`QName`."""
    return QName(getattr(rel, "schemaname", None), str(getattr(rel, "relname", "")))


def type_name(node: Any) -> tuple[QName, bool]:
    """The name of a TypeName node and whether it is an array (``t[]``)."""
    return qname(node.names), bool(getattr(node, "arrayBounds", None))


def optional_member(enum_class: Any, name: str) -> Any:
    """An enum member that may not exist in every pglast version (None if not)."""
    return getattr(enum_class, name, None)


def const_text(node: Any) -> str | None:
    """A constant (string, number, boolean) as text, else None."""
    if isinstance(node, ast.A_Const) and not node.isnull:
        val = node.val
        for attr in ("sval", "ival", "fval", "boolval"):
            if hasattr(val, attr):
                return str(getattr(val, attr)).lower() if attr == "boolval" else str(
                    getattr(val, attr)
                )
    return None


def string_const(node: Any) -> str | None:
    """The value of a string constant node (``'x'``), else None."""
    if isinstance(node, ast.A_Const) and not node.isnull:
        val = node.val
        if isinstance(val, ast.String) and val.sval is not None:
            return str(val.sval)
    return None


def descendants(node: Any) -> Iterator[Any]:
    """Every parse node under ``node`` (itself included), depth first."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (tuple, list)):
            stack.extend(reversed(current))
        elif isinstance(current, ast.Node):
            yield current
            for slot in reversed(list(getattr(type(current), "__slots__", ()))):
                value = getattr(current, slot, None)
                if isinstance(value, (ast.Node, tuple, list)):
                    stack.append(value)
