"""SQLAlchemy column types and columns as written in a revision.

The rules about where a type is created (EO401, EO402), how a column changes type
(EO302) and whether adding a column rewrites the table (EO303) need to know, without
importing SQLAlchemy's objects from the revision, which ``sa.Column(...)`` holds an
enum, with which name, schema and labels, and whether ``create_table`` fires ``CREATE
TYPE`` for it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace

from ..findings import Span
from .events import ColumnDecl, EnumDecl, TypeInfo
from .resolution import Scope, keyword

_STRING_TYPES = {
    "String", "Text", "Unicode", "UnicodeText", "VARCHAR", "NVARCHAR", "CHAR", "NCHAR",
    "TEXT", "CITEXT",
}
_VOLATILE_SQL = re.compile(
    r"\b(random|gen_random_uuid|uuid_generate_v[14]|uuidv[47]|clock_timestamp|timeofday"
    r"|nextval)\s*\(",
    re.I,
)


def type_info(scope: Scope, node: ast.expr | None, depth: int = 0) -> TypeInfo | None:
    """What a column type expression is: a native enum (and which), a string, other."""
    if node is None or depth > 4:
        return None
    if isinstance(node, ast.Name) and scope.lookup(node.id) is not None:
        return type_info(scope, scope.lookup(node.id), depth + 1)
    target = node.func if isinstance(node, ast.Call) else node
    dotted = scope.dotted(target) if isinstance(target, (ast.Name, ast.Attribute)) else None
    if dotted is None:
        return TypeInfo("other")
    leaf = dotted.rsplit(".", 1)[-1]
    if leaf == "ARRAY" and isinstance(node, ast.Call) and node.args:
        inner = type_info(scope, node.args[0], depth + 1)
        if inner is not None and inner.enum is not None:
            return TypeInfo(inner.kind, replace(inner.enum, array=True))
        return TypeInfo("other")
    if leaf in {"Enum", "ENUM"}:
        if not isinstance(node, ast.Call):
            return TypeInfo("enum", None)
        return _enum(scope, node)
    if leaf in _STRING_TYPES:
        return TypeInfo("string", name=leaf)
    return TypeInfo("other", name=leaf)


def _enum(scope: Scope, call: ast.Call) -> TypeInfo:
    kwargs = {kw.arg: scope.literal(kw.value) for kw in call.keywords if kw.arg}
    if kwargs.get("native_enum") is False:
        return TypeInfo("string")
    labels: tuple[str, ...] | None = None
    values = [scope.literal(a) for a in call.args]
    if values and all(isinstance(v, str) for v in values):
        labels = tuple(values)
    elif not call.args and "values" not in kwargs:
        labels = ()
    name = kwargs.get("name")
    schema = kwargs.get("schema")
    decl = EnumDecl(
        name=name if isinstance(name, str) else None,
        schema=schema if isinstance(schema, str) else None,
        schema_given="schema" in kwargs,
        labels=labels,
        creates_type=kwargs.get("create_type", True) is not False,
        span=scope.source.span(call),
        inherit_schema=kwargs.get("inherit_schema") is True,
    )
    return TypeInfo("enum", decl)


def column(scope: Scope, node: ast.expr | None, statement: Span) -> ColumnDecl | None:
    """``sa.Column(...)`` (or a name bound once to one), None for anything else."""
    if node is None:
        return None
    if isinstance(node, ast.Name) and scope.lookup(node.id) is not None:
        return column(scope, scope.lookup(node.id), statement)
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    dotted = scope.dotted(func) if isinstance(func, (ast.Name, ast.Attribute)) else None
    if dotted is None or dotted.rsplit(".", 1)[-1] != "Column":
        return None
    name_value = scope.literal(node.args[0]) if node.args else None
    name = name_value if isinstance(name_value, str) else None
    rest = node.args[1:] if name is not None else node.args
    type_expr = rest[0] if rest else keyword(node, "type_")
    info = type_info(scope, type_expr) or TypeInfo("other")
    span = scope.source.span(node)
    span = Span(span.line, span.col, statement.first_line, statement.last_line)
    return ColumnDecl(name, info, _column_rewrite(scope, node, name), span)


def _column_rewrite(scope: Scope, node: ast.Call, name: str | None) -> str | None:
    """Why adding this column to an existing table rewrites it, or None."""
    label = name or "?"
    for arg in node.args:
        if isinstance(arg, ast.Call):
            leaf = (scope.dotted(arg.func) or "").rsplit(".", 1)[-1] if isinstance(
                arg.func, (ast.Name, ast.Attribute)
            ) else ""
            if leaf == "Identity":
                return f"ADD COLUMN {label} GENERATED ... AS IDENTITY"
            if leaf == "Computed":
                return f"ADD COLUMN {label} GENERATED ALWAYS AS (...) STORED"
    default = keyword(node, "server_default")
    if default is not None:
        text, _, _ = scope.sql_text(default)
        if text is not None:
            match = _VOLATILE_SQL.search(text)
            if match:
                return f"ADD COLUMN {label} DEFAULT {match.group(1)}() (volatile)"
    return None
