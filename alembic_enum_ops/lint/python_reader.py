"""Revision files read as Python source (``ast``), never imported.

Importing a revision runs its module code, needs every module it imports (the
application's models, in a pre-commit environment that has none of them) and cannot
see *where* a call is.  The AST gives all three: the linter reads each file once and
turns the body of ``upgrade()``/``downgrade()`` into an ordered list of events:

* :class:`OpCall` -- ``op.<name>(...)`` for Alembic's operations and ours, with the
  arguments that are literals (or module-level constants) already evaluated and the
  SQLAlchemy column types of ``create_table``/``add_column``/``alter_column`` read;
* :class:`SqlText` -- SQL sent as text: ``op.execute(...)``, ``bind.execute(...)``,
  ``bind.exec_driver_sql(...)``; the text when it can be read statically (string
  literals, ``sa.text(...)``, ``textwrap.dedent(...)``, constants, concatenations of
  those), or why not;
* :class:`Autocommit` -- entering and leaving ``with ...autocommit_block():``;
* :class:`TypeObjectCall` -- ``sa.Enum(...).create(bind)`` / ``.drop(bind)``.

Helper functions of the module called from ``upgrade()`` are inlined where they are
called; helpers that no entry point calls are read on their own, so no call is skipped.
"""

from __future__ import annotations

import ast
import inspect
import io
import re
import textwrap
import tokenize
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .findings import Span


class Unknown:
    """A value the reader cannot know without running the code."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


class PythonSyntaxError(Exception):
    """The file is not valid Python (or not decodable): the linter cannot read it."""


# --- what the reader produces -------------------------------------------------------


@dataclass(frozen=True)
class EnumDecl:
    """``sa.Enum(...)`` / ``postgresql.ENUM(...)`` as written."""

    name: str | None
    schema: str | None
    schema_given: bool
    labels: tuple[str, ...] | None
    creates_type: bool
    """Table creation fires ``CREATE TYPE`` (native, and not ``create_type=False``)."""
    span: Span
    array: bool = False
    inherit_schema: bool = False
    """``inherit_schema=True``: the type goes where the table goes."""


@dataclass(frozen=True)
class TypeInfo:
    """A column type: ``kind`` is ``enum`` (native), ``string`` or ``other``."""

    kind: str
    enum: EnumDecl | None = None
    name: str = ""
    """The SQLAlchemy type's class name as written (``Integer``, ``VARCHAR``...)."""


@dataclass(frozen=True)
class ColumnDecl:
    name: str | None
    type: TypeInfo
    rewrite: str | None
    """Why adding this column to an existing table rewrites it, or None."""
    span: Span


@dataclass(frozen=True)
class SqlSource:
    """Maps a character offset of the SQL text back to the revision file.

    ``exact`` when the text is a single plain string literal written in the call:
    then every offset has its own line and column.  Otherwise (escapes, constants,
    ``dedent``, concatenation) every offset maps to where the SQL argument starts.
    """

    start: Span
    exact: bool = False
    body_line: int = 0
    body_col: int = 0

    def span(self, offset: int, text: str) -> Span:
        if not self.exact:
            return self.start
        before = text[:offset]
        newlines = before.count("\n")
        if newlines == 0:
            return self.start.at(self.body_line, self.body_col + offset)
        return self.start.at(self.body_line + newlines, offset - before.rfind("\n"))


@dataclass(frozen=True)
class OpCall:
    name: str
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]
    span: Span
    columns: tuple[ColumnDecl, ...] = ()
    type_: TypeInfo | None = None
    existing_type: TypeInfo | None = None
    strings: tuple[str, ...] = ()
    """String literals anywhere in the arguments (``bulk_insert`` rows)."""

    def arg(self, index: int, keyword: str) -> Any:
        """A positional-or-keyword argument, UNKNOWN when not a literal, None if absent."""
        if keyword in self.kwargs:
            return self.kwargs[keyword]
        return self.args[index] if index < len(self.args) else None


@dataclass(frozen=True)
class SqlText:
    text: str | None
    """None when the SQL is built at run time."""
    why_unread: str
    span: Span
    source: SqlSource
    bind_params: bool = True
    via: str = "op.execute"


@dataclass(frozen=True)
class Autocommit:
    enter: bool
    span: Span


@dataclass(frozen=True)
class TypeObjectCall:
    action: str  # "create" or "drop"
    enum: EnumDecl
    span: Span


Event = OpCall | SqlText | Autocommit | TypeObjectCall


@dataclass
class Function:
    name: str
    events: list[Event]


@dataclass
class RevisionFile:
    path: Path
    revision: str | None
    down_revisions: tuple[str, ...]
    functions: list[Function]
    suppressions: dict[int, set[str]] = field(default_factory=dict)
    file_suppressions: set[str] = field(default_factory=set)
    has_entry_points: bool = False

    @property
    def looks_like_revision(self) -> bool:
        """A ``revision`` identifier, or an ``upgrade()``/``downgrade()`` (``env.py``
        and helper modules have neither)."""
        return self.revision is not None or self.has_entry_points


# --- reading a file -------------------------------------------------------------------

_SUPPRESS = re.compile(r"#\s*enum-ops:\s*ignore(?P<file>-file)?\[(?P<codes>[^\]]*)\]", re.I)
ENTRY = re.compile(r"^(upgrade|downgrade)(_\w+)?$")


def read_source(path: Path) -> str:
    """The file's text, decoded as Python does (PEP 263 cookie, UTF-8 default)."""
    data = path.read_bytes()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        raise PythonSyntaxError(f"{path}: cannot decode the file: {exc}") from None


def read_revision(path: Path, source: str | None = None) -> RevisionFile:
    """Parse one revision file (:class:`PythonSyntaxError` if it is not Python)."""
    text = read_source(path) if source is None else source
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        where = f"{path}:{exc.lineno or 0}:{exc.offset or 0}"
        raise PythonSyntaxError(f"{where}: not valid Python ({exc.msg})") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, absurd nesting
        raise PythonSyntaxError(f"{path}: not valid Python ({exc})") from None
    reader = _ModuleReader(tree, text)
    suppressions, file_suppressions = _suppressions(text)
    return RevisionFile(
        path=path,
        revision=reader.revision,
        down_revisions=reader.down_revisions,
        functions=reader.functions(),
        suppressions=suppressions,
        file_suppressions=file_suppressions,
        has_entry_points=any(ENTRY.match(name) for name in reader.helpers),
    )


def _suppressions(text: str) -> tuple[dict[int, set[str]], set[str]]:
    """``# enum-ops: ignore[EO101,EO2]`` comments by line, and ``ignore-file[...]``."""
    lines: dict[int, set[str]] = {}
    whole: set[str] = set()
    if "enum-ops" not in text:
        return lines, whole
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):  # pragma: no cover - ast.parse passed
        return lines, whole
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        for match in _SUPPRESS.finditer(token.string):
            codes = {c.strip().upper() for c in match.group("codes").split(",") if c.strip()}
            if match.group("file"):
                whole |= codes
            else:
                lines.setdefault(token.start[0], set()).update(codes)
    return lines, whole


# --- names ----------------------------------------------------------------------------

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
_STRING_TYPES = {
    "String", "Text", "Unicode", "UnicodeText", "VARCHAR", "NVARCHAR", "CHAR", "NCHAR",
    "TEXT", "CITEXT",
}
_VOLATILE_SQL = re.compile(
    r"\b(random|gen_random_uuid|uuid_generate_v[14]|uuidv[47]|clock_timestamp|timeofday"
    r"|nextval)\s*\(",
    re.I,
)


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


def _assigned_names(func: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.expr | None]:
    """Names a function binds: the single expression for ``NAME = expr`` bound once,
    None for names bound more than once or by loops, ``with ... as``, etc."""
    found: dict[str, ast.expr | None] = {}
    for node in _walk_local(func.body):
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


def _walk_local(body: Sequence[ast.AST]) -> Iterator[ast.AST]:
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


# --- the module reader ----------------------------------------------------------------


class _ModuleReader:
    def __init__(self, tree: ast.Module, text: str) -> None:
        self.tree = tree
        self.text = text
        # lines as ast counts them (str.splitlines also splits at \f, \x1c, \u2028...)
        self.lines = re.split(r"\r\n|\r|\n", text)
        self.imports = _import_map(tree)
        self.module_values = _single_assignments(tree.body)
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
        node = self.module_values.get(name)
        value = _literal(node, {}) if node is not None else None
        return value if isinstance(value, str) else None

    def _down_revisions(self) -> tuple[str, ...]:
        node = self.module_values.get("down_revision")
        value = _literal(node, {}) if node is not None else None
        if isinstance(value, str):
            return (value,)
        if isinstance(value, (list, tuple)):
            return tuple(v for v in value if isinstance(v, str))
        return ()

    # positions

    def char_col(self, line: int, byte_col: int) -> int:
        """1-based column in characters for ast's 0-based UTF-8 byte offset."""
        if 1 <= line <= len(self.lines):
            text = self.lines[line - 1]
            return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace")) + 1
        return byte_col + 1

    def segment(self, node: ast.expr) -> str | None:
        """The node's source text (``ast.get_source_segment`` re-splits the whole file
        on every call: too slow for a few hundred files)."""
        end_line, end_col = node.end_lineno, node.end_col_offset
        if end_line is None or end_col is None or end_line > len(self.lines):
            return None
        rows = [line.encode("utf-8") for line in self.lines[node.lineno - 1 : end_line]]
        if len(rows) == 1:
            return rows[0][node.col_offset : end_col].decode("utf-8", "replace")
        rows[0] = rows[0][node.col_offset :]
        rows[-1] = rows[-1][:end_col]
        return "\n".join(row.decode("utf-8", "replace") for row in rows)

    def span(self, node: ast.AST, statement: ast.AST | None = None) -> Span:
        outer = statement or node
        line = getattr(node, "lineno", 1)
        return Span(
            line,
            self.char_col(line, getattr(node, "col_offset", 0)),
            getattr(outer, "lineno", line),
            getattr(outer, "end_lineno", None) or getattr(node, "end_lineno", None) or line,
        )

    # functions

    def functions(self) -> list[Function]:
        result: list[Function] = []
        for name, func in self.helpers.items():
            if ENTRY.match(name):
                result.append(Function(name, self._events(func, depth=0)))
        module_events = self._statements(self.tree.body, _Scope(self, None), 0)
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
        return self._statements(func.body, _Scope(self, func), depth)

    def _statements(self, body: list[ast.stmt], scope: _Scope, depth: int) -> list[Event]:
        events: list[Event] = []
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(stmt, (ast.With, ast.AsyncWith)):
                autocommit = [
                    item for item in stmt.items if _is_autocommit_block(item.context_expr)
                ]
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
                    events.append(Autocommit(True, self.span(autocommit[0].context_expr, stmt)))
                events.extend(self._statements(stmt.body, scope, depth))
                if autocommit:
                    end = Span(stmt.end_lineno or stmt.lineno, 1, stmt.lineno,
                               stmt.end_lineno or stmt.lineno)
                    events.append(Autocommit(False, end))
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

    def _calls(self, node: ast.AST, statement: ast.AST, scope: _Scope, depth: int) -> list[Event]:
        """The events of the calls in ``node``, in source order (outer calls whose
        arguments hold other calls of interest come first only when they are not
        themselves events)."""
        calls = [n for n in _walk_local([node]) if isinstance(n, ast.Call)]
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
        self, call: ast.Call, statement: ast.AST, scope: _Scope, depth: int
    ) -> list[Event] | None:
        func = call.func
        span = self.span(call, statement)
        if isinstance(func, ast.Attribute):
            owner = scope.dotted(func.value)
            if owner == "alembic.op":
                if func.attr == "execute":
                    return [self._sql(call, span, scope, "op.execute", bind_params=True)]
                return [self._op_call(func.attr, call, span, scope)]
            if isinstance(func.value, ast.Name) and func.value.id in scope.batches:
                unbatched = _unbatch(call, scope.batches[func.value.id])
                return [self._op_call(func.attr, unbatched, span, scope)] if unbatched else None
            if func.attr in {"execute", "exec_driver_sql"} and scope.is_bind(func.value):
                raw = func.attr == "exec_driver_sql"
                return [self._sql(call, span, scope, f"connection.{func.attr}",
                                  bind_params=not raw)]
            if func.attr in {"create", "drop"}:
                decl = scope.type_info(func.value)
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

    # op.<name>(...)

    def _op_call(self, name: str, call: ast.Call, span: Span, scope: _Scope) -> OpCall:
        args = tuple(scope.literal(a) for a in call.args)
        kwargs = {kw.arg: scope.literal(kw.value) for kw in call.keywords if kw.arg}
        columns: tuple[ColumnDecl, ...] = ()
        type_: TypeInfo | None = None
        existing: TypeInfo | None = None
        strings: tuple[str, ...] = ()
        if name == "create_table":
            columns = tuple(
                c for a in call.args[1:] if (c := scope.column(a, span)) is not None
            )
        elif name == "add_column":
            column = call.args[1] if len(call.args) > 1 else _keyword(call, "column")
            found = scope.column(column, span) if column is not None else None
            columns = (found,) if found is not None else ()
        elif name == "alter_column":
            type_expr = _keyword(call, "type_")
            existing_expr = _keyword(call, "existing_type")
            type_ = scope.type_info(type_expr) if type_expr is not None else None
            existing = scope.type_info(existing_expr) if existing_expr is not None else None
        elif name == "bulk_insert":
            keys = {
                id(k) for a in call.args[1:] for d in ast.walk(a) if isinstance(d, ast.Dict)
                for k in d.keys if k is not None
            }
            strings = tuple(
                n.value for a in call.args[1:] for n in ast.walk(a)
                if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in keys
            )
        return OpCall(name, args, kwargs, span, columns, type_, existing, strings)

    # SQL text

    def _sql(
        self, call: ast.Call, span: Span, scope: _Scope, via: str, *, bind_params: bool
    ) -> SqlText:
        arg = call.args[0] if call.args else _keyword(call, "sqltext") or _keyword(
            call, "statement"
        )
        if arg is None:
            return SqlText(None, "no SQL argument", span, SqlSource(span), bind_params, via)
        where = self.span(arg)
        arg_span = Span(where.line, where.col, span.first_line, span.last_line)
        text, why, literal = scope.sql_text(arg)
        source = SqlSource(arg_span)
        if text is not None and literal is not None:
            source = self._exact_source(literal, text, arg_span) or source
        return SqlText(text, why, arg_span, source, bind_params, via)

    def _exact_source(self, node: ast.Constant, text: str, start: Span) -> SqlSource | None:
        segment = self.segment(node)
        if segment is None:
            return None
        match = re.match(r"^([rRuU]?)('''|\"\"\"|'|\")", segment)
        if match is None or not segment.endswith(match.group(2)):
            return None
        prefix, quote = match.group(1), match.group(2)
        body = segment[len(prefix) + len(quote) : len(segment) - len(quote)]
        if body != text:
            return None
        line = node.lineno
        col = self.char_col(line, node.col_offset) + len(prefix) + len(quote)
        return SqlSource(start, True, line, col)


_BATCH_TABLE_AT = {"add_column": 0, "alter_column": 0, "drop_column": 0,
                   "create_check_constraint": 1}


def _unbatch(call: ast.Call, batch: ast.Call) -> ast.Call | None:
    """``batch_op.add_column(col)`` inside ``with op.batch_alter_table("t", schema="s")``
    as the ``op.add_column("t", col, schema="s")`` it runs as on PostgreSQL (batch mode
    "auto" alters in place there)."""
    if not isinstance(call.func, ast.Attribute):
        return None
    index = _BATCH_TABLE_AT.get(call.func.attr)
    table = batch.args[0] if batch.args else _keyword(batch, "table_name")
    if index is None or table is None:
        return None
    args = [*call.args[:index], table, *call.args[index:]]
    keywords = list(call.keywords)
    schema = _keyword(batch, "schema")
    if schema is not None and _keyword(call, "schema") is None:
        keywords.append(ast.keyword(arg="schema", value=schema))
    unbatched = ast.Call(func=call.func, args=args, keywords=keywords)
    return ast.copy_location(unbatched, call)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
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


# --- evaluation within a scope --------------------------------------------------------


class _Scope:
    """Names as seen from one function (its single assignments, then the module's)."""

    def __init__(self, module: _ModuleReader, func: ast.FunctionDef | ast.AsyncFunctionDef | None):
        self.module = module
        self.local = _assigned_names(func) if func is not None else {}
        self.batches: dict[str, ast.Call] = {}
        """``with op.batch_alter_table(...) as name:`` -> that call."""

    def lookup(self, name: str) -> ast.expr | None:
        if name in self.local:
            return self.local[name]
        return self.module.module_values.get(name)

    def dotted(self, node: ast.expr) -> str | None:
        """``sa.Enum`` -> ``sqlalchemy.Enum`` (imports, then the usual aliases)."""
        if isinstance(node, ast.Name):
            if node.id in self.module.imports:
                return self.module.imports[node.id]
            if node.id in self.local or node.id in self.module.module_values:
                return None
            return _CONVENTIONS.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            owner = self.dotted(node.value)
            return f"{owner}.{node.attr}" if owner else None
        return None

    def literal(self, node: ast.expr) -> Any:
        return _literal(node, self.constant_table())

    def constant_table(self) -> dict[str, ast.expr]:
        table = dict(self.module.module_values)
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

    # SQL text

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
                text, why, literal = self.sql_text(func.value, depth + 1)
                if func.attr == "strip" and text is not None:
                    return text.strip(), "", None
                return text, why, literal
            if isinstance(func, ast.Attribute) and func.attr == "format":
                return None, "str.format()", None
            name = dotted or (func.attr if isinstance(func, ast.Attribute) else "a call")
            return None, f"the result of {name}(...)", None
        return None, f"a {type(node).__name__} expression", None

    # SQLAlchemy types and columns

    def type_info(self, node: ast.expr | None, depth: int = 0) -> TypeInfo | None:
        if node is None or depth > 4:
            return None
        if isinstance(node, ast.Name) and self.lookup(node.id) is not None:
            return self.type_info(self.lookup(node.id), depth + 1)
        target = node.func if isinstance(node, ast.Call) else node
        dotted = self.dotted(target) if isinstance(target, (ast.Name, ast.Attribute)) else None
        if dotted is None:
            return TypeInfo("other")
        leaf = dotted.rsplit(".", 1)[-1]
        if leaf == "ARRAY" and isinstance(node, ast.Call) and node.args:
            inner = self.type_info(node.args[0], depth + 1)
            if inner is not None and inner.enum is not None:
                return TypeInfo(inner.kind, replace(inner.enum, array=True))
            return TypeInfo("other")
        if leaf in {"Enum", "ENUM"}:
            if not isinstance(node, ast.Call):
                return TypeInfo("enum", None)
            return self._enum(node, dotted)
        if leaf in _STRING_TYPES:
            return TypeInfo("string", name=leaf)
        return TypeInfo("other", name=leaf)

    def _enum(self, call: ast.Call, dotted: str) -> TypeInfo:
        kwargs = {kw.arg: self.literal(kw.value) for kw in call.keywords if kw.arg}
        if kwargs.get("native_enum") is False:
            return TypeInfo("string")
        labels: tuple[str, ...] | None = None
        values = [self.literal(a) for a in call.args]
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
            span=self.module.span(call),
            inherit_schema=kwargs.get("inherit_schema") is True,
        )
        return TypeInfo("enum", decl)

    def column(self, node: ast.expr | None, statement: Span) -> ColumnDecl | None:
        if node is None:
            return None
        if isinstance(node, ast.Name) and self.lookup(node.id) is not None:
            return self.column(self.lookup(node.id), statement)
        if not isinstance(node, ast.Call):
            return None
        func = node.func
        dotted = self.dotted(func) if isinstance(func, (ast.Name, ast.Attribute)) else None
        if dotted is None or dotted.rsplit(".", 1)[-1] != "Column":
            return None
        name_value = self.literal(node.args[0]) if node.args else None
        name = name_value if isinstance(name_value, str) else None
        rest = node.args[1:] if name is not None else node.args
        type_expr = rest[0] if rest else _keyword(node, "type_")
        info = self.type_info(type_expr) or TypeInfo("other")
        span = self.module.span(node)
        span = Span(span.line, span.col, statement.first_line, statement.last_line)
        return ColumnDecl(name, info, self._column_rewrite(node, name), span)

    def _column_rewrite(self, node: ast.Call, name: str | None) -> str | None:
        label = name or "?"
        for arg in node.args:
            if isinstance(arg, ast.Call):
                leaf = (self.dotted(arg.func) or "").rsplit(".", 1)[-1] if isinstance(
                    arg.func, (ast.Name, ast.Attribute)
                ) else ""
                if leaf == "Identity":
                    return f"ADD COLUMN {label} GENERATED ... AS IDENTITY"
                if leaf == "Computed":
                    return f"ADD COLUMN {label} GENERATED ALWAYS AS (...) STORED"
        default = _keyword(node, "server_default")
        if default is not None:
            text, _, _ = self.sql_text(default)
            if text is not None:
                match = _VOLATILE_SQL.search(text)
                if match:
                    return f"ADD COLUMN {label} DEFAULT {match.group(1)}() (volatile)"
        return None


def _literal(node: ast.expr | None, constants: Mapping[str, ast.expr], depth: int = 0) -> Any:
    """A Python literal (lists, dicts, strings, None, booleans, numbers), following
    names bound once to literals; UNKNOWN otherwise."""
    if node is None:
        return None
    if depth > 5:
        return UNKNOWN
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [_literal(e, constants, depth + 1) for e in node.elts]
        if any(i is UNKNOWN for i in items):
            return UNKNOWN
        return tuple(items) if isinstance(node, ast.Tuple) else list(items)
    if isinstance(node, ast.Dict):
        keys = [_literal(k, constants, depth + 1) for k in node.keys]
        values = [_literal(v, constants, depth + 1) for v in node.values]
        if any(k is UNKNOWN or k is None for k in keys) or any(v is UNKNOWN for v in values):
            return UNKNOWN
        return dict(zip(keys, values, strict=True))
    if isinstance(node, ast.Name) and node.id in constants:
        return _literal(constants[node.id], constants, depth + 1)
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        return _joined(node)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _literal(node.left, constants, depth + 1)
        right = _literal(node.right, constants, depth + 1)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
    return UNKNOWN


def _joined(node: ast.JoinedStr) -> str:
    """An f-string without placeholders, as the string it is."""
    return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
