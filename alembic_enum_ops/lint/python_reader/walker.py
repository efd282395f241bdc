"""The walk over a revision's syntax tree: which calls run, in which order, in which
transaction.

The body of ``upgrade()``/``downgrade()`` becomes an ordered list of events
(:mod:`.events`).  ``with ...autocommit_block():`` yields an :class:`Autocommit` on
entering and on leaving; ``if``/``for``/``while``/``try`` bodies are read in source
order (the linter cannot know which branch runs, so it reads them all); helper
functions of the module called from an entry point are inlined where they are called,
and helpers that no entry point calls are read on their own, so no call is skipped.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ..findings import Span
from .calls import op_call, sql_text, unbatch
from .columns import type_info
from .events import Autocommit, Event, Function, RevisionFile, TypeObjectCall
from .resolution import ModuleNames, Scope, literal, walk_local
from .source import SourceText, parse_module, read_source, suppressions

ENTRY = re.compile(r"^(upgrade|downgrade)(_\w+)?$")
"""The entry points Alembic calls: ``upgrade``, ``downgrade`` (and ``upgrade_<name>``
for multi-database templates)."""


def read_revision(path: Path, source: str | None = None) -> RevisionFile:
    """Parse one revision file (:class:`PythonSyntaxError` if it is not Python)."""
    text = read_source(path) if source is None else source
    tree = parse_module(path, text)
    reader = ModuleReader(tree, text)
    by_line, whole_file = suppressions(text)
    return RevisionFile(
        path=path,
        revision=reader.revision,
        down_revisions=reader.down_revisions,
        functions=reader.functions(),
        suppressions=by_line,
        file_suppressions=whole_file,
        has_entry_points=any(ENTRY.match(name) for name in reader.helpers),
    )


class ModuleReader:
    """One module's functions as events."""

    def __init__(self, tree: ast.Module, text: str) -> None:
        self.tree = tree
        self.source = SourceText(text)
        self.names = ModuleNames.of(tree)
        self.helpers = {
            node.name: node
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        self.revision = self._revision_id("revision")
        self.down_revisions = self._down_revisions()
        self.called: set[str] = set()

    # revision identifiers

    def _revision_id(self, name: str) -> str | None:
        node = self.names.values.get(name)
        value = literal(node, {}) if node is not None else None
        return value if isinstance(value, str) else None

    def _down_revisions(self) -> tuple[str, ...]:
        node = self.names.values.get("down_revision")
        value = literal(node, {}) if node is not None else None
        if isinstance(value, str):
            return (value,)
        if isinstance(value, (list, tuple)):
            return tuple(v for v in value if isinstance(v, str))
        return ()

    # functions

    def _scope(self, func: ast.FunctionDef | ast.AsyncFunctionDef | None) -> Scope:
        return Scope(self.names, self.source, func)

    def functions(self) -> list[Function]:
        result: list[Function] = []
        for name, func in self.helpers.items():
            if ENTRY.match(name):
                result.append(Function(name, self._events(func, depth=0)))
        module_events = self._statements(self.tree.body, self._scope(None), 0)
        if module_events:
            result.append(Function("<module>", module_events))
        for name, func in self.helpers.items():
            if not ENTRY.match(name) and name not in self.called:
                events = self._events(func, depth=0)
                if events:
                    result.append(Function(name, events))
        top = set(map(id, self.tree.body))
        for node in ast.walk(self.tree):  # functions nested in functions or classes
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and id(node) not in top:
                events = self._events(node, depth=0)
                if events:
                    result.append(Function(node.name, events))
        return result

    def _events(self, func: ast.FunctionDef | ast.AsyncFunctionDef, depth: int) -> list[Event]:
        return self._statements(func.body, self._scope(func), depth)

    def _statements(self, body: list[ast.stmt], scope: Scope, depth: int) -> list[Event]:
        events: list[Event] = []
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(stmt, (ast.With, ast.AsyncWith)):
                events.extend(self._with(stmt, scope, depth))
                continue
            nested = _nested_bodies(stmt)
            if nested is not None:
                header, bodies = nested
                for expr in header:
                    events.extend(self._calls(expr, stmt, scope, depth))
                for inner in bodies:
                    events.extend(self._statements(inner, scope, depth))
                continue
            events.extend(self._calls(stmt, stmt, scope, depth))
        return events

    def _with(self, stmt: ast.With | ast.AsyncWith, scope: Scope, depth: int) -> list[Event]:
        """A ``with`` block: an autocommit block commits on entering and on leaving;
        ``with op.batch_alter_table(...) as name`` makes ``name.<op>(...)`` operations."""
        events: list[Event] = []
        autocommit = [item for item in stmt.items if _is_autocommit_block(item.context_expr)]
        for item in stmt.items:
            if item not in autocommit:
                events.extend(self._calls(item.context_expr, stmt, scope, depth))
            batch = item.context_expr
            if (
                isinstance(batch, ast.Call) and isinstance(batch.func, ast.Attribute)
                and batch.func.attr == "batch_alter_table"
                and scope.dotted(batch.func.value) == "alembic.op"
                and isinstance(item.optional_vars, ast.Name)
            ):
                scope.batches[item.optional_vars.id] = batch
        if autocommit:
            events.append(Autocommit(True, self.source.span(autocommit[0].context_expr, stmt)))
        events.extend(self._statements(stmt.body, scope, depth))
        if autocommit:
            end = Span(stmt.end_lineno or stmt.lineno, 1, stmt.lineno,
                       stmt.end_lineno or stmt.lineno)
            events.append(Autocommit(False, end))
        return events

    def _calls(self, node: ast.AST, statement: ast.AST, scope: Scope, depth: int) -> list[Event]:
        """The events of the calls in ``node``, in source order (outer calls whose
        arguments hold other calls of interest come first only when they are not
        themselves events)."""
        calls = [n for n in walk_local([node]) if isinstance(n, ast.Call)]
        calls.sort(key=lambda c: (c.lineno, c.col_offset))
        events: list[Event] = []
        inside: list[ast.Call] = []
        for call in calls:
            if any(_contains(outer, call) for outer in inside):
                continue
            found = self._call_event(call, statement, scope, depth)
            if found is not None:
                events.extend(found)
                inside.append(call)
        return events

    def _call_event(
        self, call: ast.Call, statement: ast.AST, scope: Scope, depth: int
    ) -> list[Event] | None:
        func = call.func
        span = self.source.span(call, statement)
        if isinstance(func, ast.Attribute):
            owner = scope.dotted(func.value)
            if owner == "alembic.op":
                if func.attr == "execute":
                    return [sql_text(call, span, scope, "op.execute", bind_params=True)]
                return [op_call(func.attr, call, span, scope)]
            if isinstance(func.value, ast.Name) and func.value.id in scope.batches:
                unbatched = unbatch(call, scope.batches[func.value.id])
                return [op_call(func.attr, unbatched, span, scope)] if unbatched else None
            if func.attr in {"execute", "exec_driver_sql"} and scope.is_bind(func.value):
                raw = func.attr == "exec_driver_sql"
                return [sql_text(call, span, scope, f"connection.{func.attr}",
                                 bind_params=not raw)]
            if func.attr in {"create", "drop"}:
                decl = type_info(scope, func.value)
                if decl is not None and decl.enum is not None:
                    return [TypeObjectCall(func.attr, decl.enum, span)]
            return None
        if isinstance(func, ast.Name) and func.id in self.helpers and depth < 3:
            helper = self.helpers[func.id]
            if ENTRY.match(func.id):
                return None
            self.called.add(func.id)
            return self._events(helper, depth + 1)
        return None


def _contains(outer: ast.AST, inner: ast.AST) -> bool:
    return inner is not outer and any(node is inner for node in ast.walk(outer))


def _is_autocommit_block(expr: ast.expr) -> bool:
    return (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "autocommit_block"
    )


def _nested_bodies(stmt: ast.stmt) -> tuple[list[ast.expr], list[list[ast.stmt]]] | None:
    """Compound statements: the expressions of their header and their bodies, in order."""
    if isinstance(stmt, ast.If):
        return [stmt.test], [stmt.body, stmt.orelse]
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.iter], [stmt.body, stmt.orelse]
    if isinstance(stmt, ast.While):
        return [stmt.test], [stmt.body, stmt.orelse]
    if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
        handlers: list[list[ast.stmt]] = [h.body for h in getattr(stmt, "handlers", [])]
        parts: list[list[ast.stmt]] = [getattr(stmt, "body", []), *handlers]
        parts += [getattr(stmt, "orelse", []), getattr(stmt, "finalbody", [])]
        return [], parts
    return None
