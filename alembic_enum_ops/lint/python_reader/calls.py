"""One call in a revision, as the event it is: ``op.<name>(...)`` with its arguments
evaluated, or SQL sent as text with a map from the SQL back to the file.

The walk (:mod:`.walker`) decides which calls are events and in what order; this
module reads each one.  ``batch_op.<name>(...)`` inside ``with op.batch_alter_table``
is rewritten first into the plain operation it runs as on PostgreSQL.
"""

from __future__ import annotations

import ast
import re

from ..findings import Span
from .columns import column, type_info
from .events import ColumnDecl, OpCall, SqlSource, SqlText, TypeInfo
from .resolution import Scope, keyword

_BATCH_TABLE_AT = {"add_column": 0, "alter_column": 0, "drop_column": 0,
                   "create_check_constraint": 1}


def op_call(name: str, call: ast.Call, span: Span, scope: Scope) -> OpCall:
    """``op.<name>(...)``: literal arguments, and the columns and types the rules read."""
    args = tuple(scope.literal(a) for a in call.args)
    kwargs = {kw.arg: scope.literal(kw.value) for kw in call.keywords if kw.arg}
    columns: tuple[ColumnDecl, ...] = ()
    type_: TypeInfo | None = None
    existing: TypeInfo | None = None
    strings: tuple[str, ...] = ()
    if name == "create_table":
        columns = tuple(
            c for a in call.args[1:] if (c := column(scope, a, span)) is not None
        )
    elif name == "add_column":
        added = call.args[1] if len(call.args) > 1 else keyword(call, "column")
        found = column(scope, added, span) if added is not None else None
        columns = (found,) if found is not None else ()
    elif name == "alter_column":
        type_expr = keyword(call, "type_")
        existing_expr = keyword(call, "existing_type")
        type_ = type_info(scope, type_expr) if type_expr is not None else None
        existing = type_info(scope, existing_expr) if existing_expr is not None else None
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


def sql_text(call: ast.Call, span: Span, scope: Scope, via: str, *, bind_params: bool) -> SqlText:
    """The SQL a call sends as text, or why it cannot be read."""
    arg = call.args[0] if call.args else keyword(call, "sqltext") or keyword(call, "statement")
    if arg is None:
        return SqlText(None, "no SQL argument", span, SqlSource(span), bind_params, via)
    where = scope.source.span(arg)
    arg_span = Span(where.line, where.col, span.first_line, span.last_line)
    text, why, literal = scope.sql_text(arg)
    source = SqlSource(arg_span)
    if text is not None and literal is not None:
        source = _exact_source(scope, literal, text, arg_span) or source
    return SqlText(text, why, arg_span, source, bind_params, via)


def _exact_source(
    scope: Scope, node: ast.Constant, text: str, start: Span
) -> SqlSource | None:
    """Where the SQL's first character is, when the literal's body is the text itself
    (no escapes): then every offset in the SQL has its own line and column."""
    segment = scope.source.segment(node)
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
    col = scope.source.char_col(line, node.col_offset) + len(prefix) + len(quote)
    return SqlSource(start, True, line, col)


def unbatch(call: ast.Call, batch: ast.Call) -> ast.Call | None:
    """``batch_op.add_column(col)`` inside ``with op.batch_alter_table("t", schema="s")``
    as the ``op.add_column("t", col, schema="s")`` it runs as on PostgreSQL (batch mode
    "auto" alters in place there)."""
    if not isinstance(call.func, ast.Attribute):
        return None
    index = _BATCH_TABLE_AT.get(call.func.attr)
    table = batch.args[0] if batch.args else keyword(batch, "table_name")
    if index is None or table is None:
        return None
    args = [*call.args[:index], table, *call.args[index:]]
    keywords = list(call.keywords)
    schema = keyword(batch, "schema")
    if schema is not None and keyword(call, "schema") is None:
        keywords.append(ast.keyword(arg="schema", value=schema))
    unbatched = ast.Call(func=call.func, args=args, keywords=keywords)
    return ast.copy_location(unbatched, call)
