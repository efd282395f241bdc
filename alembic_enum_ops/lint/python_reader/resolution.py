"""Names, constants and SQL strings resolved statically, as seen from one function.

A revision is read, never run, so a value is known only when the source states it:
a literal, a name bound exactly once to one (in the function, else at module level),
``sa.text(...)``, ``textwrap.dedent(...)`` and concatenations of those.  A name bound
twice, by a loop or by ``with ... as`` is not followed: its value depends on the run.
Dotted names follow the module's imports first, then the usual aliases (``sa``,
``op``, ``postgresql``), so ``sa.Enum`` is ``sqlalchemy.Enum`` however it came in.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .events import UNKNOWN
from .source import SourceText

_CONVENTIONS = {
    "op": "alembic.op",
    "sa": "sqlalchemy",
    "sqlalchemy": "sqlalchemy",
    "postgresql": "sqlalchemy.dialects.postgresql",
    "pg": "sqlalchemy.dialects.postgresql",
    "context": "alembic.context",
    "textwrap": "textwrap",
}
_MODULE_ALIASES = {
    "alembic_enum_ops.op": "alembic.op",
    "alembic.operations.op": "alembic.op",
}
_TEXT_CALLS = {
    "sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text",
    "sqlalchemy.DDL", "sqlalchemy.schema.DDL", "sqlalchemy.sql.ddl.DDL",
}
_DEDENT_CALLS = {"textwrap.dedent", "inspect.cleandoc"}
_TEXT_METHODS = {"bindparams", "columns", "execution_options", "strip"}


# --- what the module binds ----------------------------------------------------------


@dataclass(frozen=True)
class ModuleNames:
    """What a module's top level binds: imported names and names assigned once."""

    imports: dict[str, str]
    """Local name -> dotted name."""
    values: dict[str, ast.expr]
    """Names bound exactly once by ``NAME = expr`` -> that expression."""

    @classmethod
    def of(cls, tree: ast.Module) -> ModuleNames:
        return cls(_import_map(tree), _single_assignments(tree.body))


def _import_map(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted name, from the module's imports."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _MODULE_ALIASES.get(alias.name, alias.name)
                if alias.asname:
                    names[alias.asname] = target
                else:
                    names[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                dotted = f"{node.module}.{alias.name}"
                names[alias.asname or alias.name] = _MODULE_ALIASES.get(dotted, dotted)
    return names


def _single_assignments(body: list[ast.stmt]) -> dict[str, ast.expr]:
    """Names assigned exactly once by a plain ``NAME = expr`` among ``body``'s statements."""
    seen: dict[str, ast.expr | None] = {}
    for stmt in body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        for target in targets:
            if isinstance(target, ast.Name):
                seen[target.id] = value if target.id not in seen else None
    return {name: value for name, value in seen.items() if value is not None}


# --- what a function binds ----------------------------------------------------------


def _assigned_names(func: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.expr | None]:
    """Names a function binds: the single expression for ``NAME = expr`` bound once,
    None for names bound more than once or by loops, ``with ... as``, etc."""
    found: dict[str, ast.expr | None] = {}
    for node in walk_local(func.body):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                for name in _target_names(target):
                    single = isinstance(target, ast.Name) and name not in found
                    found[name] = node.value if single else None
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            for name in _target_names(node.target):
                value = getattr(node, "value", None)
                single = isinstance(node, ast.AnnAssign) and value is not None
                found[name] = value if single and name not in found else None
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            for name in _target_names(node.target):
                found[name] = None
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            for name in _target_names(node.optional_vars):
                found[name] = None
        elif isinstance(node, ast.NamedExpr):
            found[node.target.id] = None
    for arg in [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]:
        found[arg.arg] = None
    return found


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def walk_local(body: Sequence[ast.AST]) -> Iterator[ast.AST]:
    """Every node of ``body``, not entering nested functions, classes or lambdas."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        for child in reversed(list(ast.iter_child_nodes(node))):
            if not isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
            ):
                stack.append(child)


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    """The expression passed to ``call`` as ``name=...``, None if it is not passed so."""
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


# --- one function's view ------------------------------------------------------------


class Scope:
    """Names as seen from one function (its single assignments, then the module's)."""

    def __init__(
        self, module: ModuleNames, source: SourceText,
        func: ast.FunctionDef | ast.AsyncFunctionDef | None,
    ) -> None:
        self.module = module
        self.source = source
        self.local = _assigned_names(func) if func is not None else {}
        self.batches: dict[str, ast.Call] = {}
        """``with op.batch_alter_table(...) as name:`` -> that call."""

    def lookup(self, name: str) -> ast.expr | None:
        if name in self.local:
            return self.local[name]
        return self.module.values.get(name)

    def dotted(self, node: ast.expr) -> str | None:
        """``sa.Enum`` -> ``sqlalchemy.Enum`` (imports, then the usual aliases)."""
        if isinstance(node, ast.Name):
            if node.id in self.module.imports:
                return self.module.imports[node.id]
            if node.id in self.local or node.id in self.module.values:
                return None
            return _CONVENTIONS.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            owner = self.dotted(node.value)
            return f"{owner}.{node.attr}" if owner else None
        return None

    def literal(self, node: ast.expr) -> Any:
        return literal(node, self.constant_table())

    def constant_table(self) -> dict[str, ast.expr]:
        table = dict(self.module.values)
        table.update({k: v for k, v in self.local.items() if v is not None})
        for k, v in self.local.items():
            if v is None:
                table.pop(k, None)
        return table

    def is_bind(self, node: ast.expr, depth: int = 0) -> bool:
        """``op.get_bind()``, ``context.get_bind()``, or a name bound to one."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "get_bind":
                return True
            if node.func.attr == "connect":  # engine.connect() in some revisions
                return False
        if isinstance(node, ast.Name) and depth < 3:
            value = self.lookup(node.id)
            return value is not None and self.is_bind(value, depth + 1)
        return False

    def sql_text(
        self, node: ast.expr, depth: int = 0
    ) -> tuple[str | None, str, ast.Constant | None]:
        """(text, why it cannot be read, the literal when the text is exactly one)."""
        if depth > 5:
            return None, "too many indirections", None
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return node.value, "", node
            return None, f"a {type(node.value).__name__} constant, not SQL text", None
        if isinstance(node, ast.JoinedStr):
            if all(isinstance(v, ast.Constant) for v in node.values):
                return _joined(node), "", None
            return None, "an f-string with placeholders", None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, why_left, _ = self.sql_text(node.left, depth + 1)
            right, why_right, _ = self.sql_text(node.right, depth + 1)
            if left is not None and right is not None:
                return left + right, "", None
            return None, why_left or why_right, None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            return None, "%-formatted text", None
        if isinstance(node, ast.Name):
            value = self.lookup(node.id)
            if value is None:
                return None, f"the variable {node.id!r}", None
            text, why, _ = self.sql_text(value, depth + 1)
            return text, why or "", None
        if isinstance(node, ast.Call):
            return self._sql_text_of_call(node, depth)
        return None, f"a {type(node).__name__} expression", None

    def _sql_text_of_call(
        self, node: ast.Call, depth: int
    ) -> tuple[str | None, str, ast.Constant | None]:
        func = node.func
        dotted = self.dotted(func) if isinstance(func, (ast.Name, ast.Attribute)) else None
        if (dotted in _TEXT_CALLS or dotted == "text") and node.args:
            return self.sql_text(node.args[0], depth + 1)
        if (dotted in _DEDENT_CALLS or dotted == "dedent") and node.args:
            text, why, _ = self.sql_text(node.args[0], depth + 1)
            if text is None:
                return None, why, None
            clean = inspect.cleandoc(text) if dotted == "inspect.cleandoc" else (
                textwrap.dedent(text)
            )
            return clean, "", None
        if isinstance(func, ast.Attribute) and func.attr in _TEXT_METHODS:
            text, why, constant = self.sql_text(func.value, depth + 1)
            if func.attr == "strip" and text is not None:
                return text.strip(), "", None
            return text, why, constant
        if isinstance(func, ast.Attribute) and func.attr == "format":
            return None, "str.format()", None
        name = dotted or (func.attr if isinstance(func, ast.Attribute) else "a call")
        return None, f"the result of {name}(...)", None


# --- literals -----------------------------------------------------------------------


def literal(node: ast.expr | None, constants: Mapping[str, ast.expr], depth: int = 0) -> Any:
    """A Python literal (lists, dicts, strings, None, booleans, numbers), following
    names bound once to literals; UNKNOWN otherwise."""
    if node is None:
        return None
    if depth > 5:
        return UNKNOWN
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [literal(e, constants, depth + 1) for e in node.elts]
        if any(i is UNKNOWN for i in items):
            return UNKNOWN
        return tuple(items) if isinstance(node, ast.Tuple) else list(items)
    if isinstance(node, ast.Dict):
        keys = [literal(k, constants, depth + 1) for k in node.keys]
        values = [literal(v, constants, depth + 1) for v in node.values]
        if any(k is UNKNOWN or k is None for k in keys) or any(v is UNKNOWN for v in values):
            return UNKNOWN
        return dict(zip(keys, values, strict=True))
    if isinstance(node, ast.Name) and node.id in constants:
        return literal(constants[node.id], constants, depth + 1)
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        return _joined(node)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = literal(node.left, constants, depth + 1)
        right = literal(node.right, constants, depth + 1)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
    return UNKNOWN


def _joined(node: ast.JoinedStr) -> str:
    """An f-string without placeholders, as the string it is."""
    return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
