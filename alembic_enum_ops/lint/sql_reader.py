"""Raw SQL read with PostgreSQL's own grammar, turned into facts the rules can use.

``op.execute("...")`` text is parsed by pglast (the libpg_query binding: the server's
parser, compiled as a library), never by regular expressions: comments, dollar
quotes, string literals that contain SQL, ``CAST(x AS t)`` versus ``x::t`` and
multi-statement strings are all seen exactly as the server will see them.

This is the only module that knows pglast's node classes.  It reduces each statement
to small frozen facts (:class:`DropType`, :class:`AddValue`, ...), so the rules in
:mod:`.checks` read like the PostgreSQL facts they encode and do not depend on the
parse tree's shape, which changes between pglast major versions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pglast
from pglast import ast, enums, stream
from pglast.parser import ParseError

# --- facts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QName:
    """A possibly schema-qualified name as written (``schema`` None: unqualified)."""

    schema: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass(frozen=True)
class DropType:
    names: tuple[QName, ...]
    cascade: bool
    if_exists: bool
    domain: bool


@dataclass(frozen=True)
class CreateEnum:
    type: QName
    labels: tuple[str, ...]


@dataclass(frozen=True)
class AddValue:
    type: QName
    label: str
    neighbor: str | None
    after: bool
    if_not_exists: bool


@dataclass(frozen=True)
class RenameValue:
    type: QName
    old: str
    new: str


@dataclass(frozen=True)
class RenameType:
    type: QName
    new_name: str


@dataclass(frozen=True)
class SetTypeSchema:
    type: QName
    new_schema: str


@dataclass(frozen=True)
class AlterColumnType:
    """``ALTER TABLE t ALTER COLUMN c TYPE x [USING ...]``: a rewrite of ``t``."""

    table: QName
    column: str
    type: QName
    array: bool
    using: str | None
    """The USING expression as written (None: no USING)."""
    via_text: bool
    """USING casts through text (``c::text::x``): the v2 swap's signature."""


@dataclass(frozen=True)
class TableRewrite:
    """A statement other than ALTER COLUMN TYPE that rewrites (or copies) a table."""

    table: QName
    what: str


@dataclass(frozen=True)
class AddCheck:
    table: QName
    name: str | None
    not_valid: bool


@dataclass(frozen=True)
class ValidateConstraint:
    table: QName
    name: str


@dataclass(frozen=True)
class CreateTable:
    table: QName


@dataclass(frozen=True)
class Setting:
    """``SET [LOCAL] name ...``, ``RESET name`` or ``set_config(name, value, is_local)``."""

    name: str
    value: str | None
    """None for RESET / SET ... TO DEFAULT."""
    local: bool

    @property
    def enabled(self) -> bool:
        """For a timeout: a value other than 0 (which disables it)."""
        return self.value is not None and not _ZERO.match(self.value.strip().lower())


@dataclass(frozen=True)
class TransactionControl:
    verb: str  # COMMIT, BEGIN, ROLLBACK, PREPARE TRANSACTION


@dataclass(frozen=True)
class CatalogEdit:
    verb: str  # INSERT, UPDATE, DELETE, MERGE
    relation: str


Fact = (
    DropType | CreateEnum | AddValue | RenameValue | RenameType | SetTypeSchema
    | AlterColumnType | TableRewrite | AddCheck | ValidateConstraint | CreateTable
    | Setting | TransactionControl | CatalogEdit
)


@dataclass(frozen=True)
class TypeRef:
    """A type named in an expression or a column definition (not in ALTER/DROP TYPE)."""

    type: QName
    offset: int
    cast: bool


@dataclass(frozen=True)
class StringUse:
    """A string literal, and the type it is cast to when written ``'x'::t``."""

    value: str
    offset: int
    cast_to: QName | None


@dataclass(frozen=True)
class Statement:
    """One statement of a SQL text: its facts and what it mentions."""

    offset: int
    """Character offset of the statement in the text."""
    kind: str
    """The parse node's class, e.g. ``UpdateStmt``."""
    facts: tuple[Fact, ...]
    type_refs: tuple[TypeRef, ...]
    strings: tuple[StringUse, ...]

    @property
    def defines_labels(self) -> bool:
        """Statements whose string literals are labels being defined, not values used."""
        return self.kind in {"AlterEnumStmt", "CreateEnumStmt", "CommentStmt"}


class SqlSyntaxError(Exception):
    """The text is not valid SQL for PostgreSQL's grammar."""

    def __init__(self, message: str, offset: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


# --- bind parameters ------------------------------------------------------------------

# SQLAlchemy's own pattern for ":name" parameters in text() (sqlalchemy.sql.elements):
# Alembic's op.execute("...") wraps a string in text(), so ":name" is a parameter at
# run time and must not reach the SQL parser as such.
_BIND = re.compile(r"(?<![:\w\x5c]):(\w+)(?!:)", re.UNICODE)


def neutralize_binds(text: str) -> str:
    """Replace ``:name`` parameters by ``$1`` padded to the same length (so every
    offset still points at the same character), and ``\\:`` escapes by `` :``."""

    def placeholder(match: re.Match[str]) -> str:
        return "$1".ljust(len(match.group(0)))

    return _BIND.sub(placeholder, text).replace("\\:", " :")


# --- reading --------------------------------------------------------------------------

_ZERO = re.compile(r"^0+(\.0*)?\s*(us|ms|s|min|h|d)?$")
_TEXT_TYPES = {"text", "varchar", "bpchar", "char", "name", "character varying"}
_VOLATILE = {
    "random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v4", "uuidv4",
    "uuidv7", "clock_timestamp", "timeofday", "nextval", "random_normal",
}
_SERIAL = {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"}
_CATALOG_EDITS = {"InsertStmt": "INSERT", "UpdateStmt": "UPDATE", "DeleteStmt": "DELETE",
                  "MergeStmt": "MERGE"}


def parse(text: str, *, bind_params: bool = True) -> list[Statement]:
    """The statements of ``text``; :class:`SqlSyntaxError` when PostgreSQL would reject it.

    ``bind_params``: the text goes through SQLAlchemy's ``text()`` (``op.execute``,
    ``connection.execute(text(...))``), so ``:name`` is a parameter.
    """
    source = neutralize_binds(text) if bind_params else text
    if "\x00" in source:  # libpg_query would stop there; the server refuses it
        raise SqlSyntaxError("the text contains a NUL character", source.index("\x00"))
    try:
        raw = pglast.parse_sql(source)
    except ParseError as exc:
        message, offset = (*exc.args, None)[:2]
        where = _error_offset(source, str(message), offset if isinstance(offset, int) else None)
        raise SqlSyntaxError(str(message), where) from None
    except (ValueError, RecursionError) as exc:  # e.g. a NUL character in the text
        raise SqlSyntaxError(str(exc), None) from None
    return [_statement(item, source) for item in raw]


_LEADING = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.S)


_NEAR = re.compile(r'at or near "(?P<token>.*)"$')


def _error_offset(text: str, message: str, reported: int | None) -> int | None:
    """The character offset of a syntax error.  Releases of pglast before 8.8 count
    multi-byte characters wrongly, so the token the message names ("at or near X") is
    looked up around the reported offset; "at end of input" is the end of the text."""
    if reported is None:
        return len(text.rstrip()) if message.endswith("end of input") else None
    near = _NEAR.search(message)
    if near is None or not near.group("token"):
        return min(reported, len(text))
    token = near.group("token")
    found = [m.start() for m in re.finditer(re.escape(token), text)]
    return min(found, key=lambda at: abs(at - reported)) if found else min(reported, len(text))


def _statement(raw: ast.RawStmt, text: str) -> Statement:
    node = raw.stmt
    # where the statement's first token is (older pglast releases point at the end of
    # the previous statement, before whitespace and comments)
    start = raw.stmt_location or 0
    skipped = _LEADING.match(text, start)
    offset = skipped.end() if skipped else start
    walker = _Walker(offset, text)
    walker.walk(node)
    return Statement(
        offset=offset,
        kind=type(node).__name__,
        facts=tuple(_facts(node)),
        type_refs=tuple(walker.type_refs),
        strings=tuple(walker.strings),
    )


def _qname(names: Any) -> QName:
    parts = [_sval(n) for n in (names or ())]
    if len(parts) >= 2:
        return QName(parts[-2], parts[-1])
    return QName(None, parts[0] if parts else "")


def _sval(node: Any) -> str:
    return str(getattr(node, "sval", node))


def _range_var(rel: Any) -> QName:
    return QName(getattr(rel, "schemaname", None), str(getattr(rel, "relname", "")))


def _type_name(type_name: Any) -> tuple[QName, bool]:
    """The name of a TypeName node and whether it is an array (``t[]``)."""
    return _qname(type_name.names), bool(getattr(type_name, "arrayBounds", None))


def _member(enum_class: Any, name: str) -> Any:
    """An enum member that may not exist in every pglast version (None if not)."""
    return getattr(enum_class, name, None)


def _facts(node: Any) -> Iterator[Fact]:
    if isinstance(node, ast.DropStmt):
        kinds = {enums.ObjectType.OBJECT_TYPE, enums.ObjectType.OBJECT_DOMAIN}
        if node.removeType in kinds:
            yield DropType(
                names=tuple(_qname(obj.names) for obj in node.objects or ()
                            if isinstance(obj, ast.TypeName)),
                cascade=node.behavior == enums.DropBehavior.DROP_CASCADE,
                if_exists=bool(node.missing_ok),
                domain=node.removeType == enums.ObjectType.OBJECT_DOMAIN,
            )
    elif isinstance(node, ast.CreateEnumStmt):
        yield CreateEnum(_qname(node.typeName), tuple(_sval(v) for v in node.vals or ()))
    elif isinstance(node, ast.AlterEnumStmt):
        type_ = _qname(node.typeName)
        if node.oldVal:
            yield RenameValue(type_, str(node.oldVal), str(node.newVal))
        elif node.newVal is not None:
            neighbor = node.newValNeighbor or None
            yield AddValue(
                type_, str(node.newVal), neighbor,
                neighbor is not None and bool(node.newValIsAfter),
                bool(node.skipIfNewValExists),
            )
    elif isinstance(node, ast.RenameStmt):
        if node.renameType == enums.ObjectType.OBJECT_TYPE and node.object is not None:
            yield RenameType(_qname(node.object), str(node.newname))
    elif isinstance(node, ast.AlterObjectSchemaStmt):
        if node.objectType == enums.ObjectType.OBJECT_TYPE and node.object is not None:
            yield SetTypeSchema(_qname(node.object), str(node.newschema))
    elif isinstance(node, ast.AlterTableStmt):
        yield from _alter_table(node)
    elif isinstance(node, ast.CreateStmt):
        yield CreateTable(_range_var(node.relation))
    elif isinstance(node, ast.VariableSetStmt):
        yield from _setting(node)
    elif isinstance(node, ast.SelectStmt):
        yield from _set_config(node)
    elif isinstance(node, ast.TransactionStmt):
        verb = _transaction_verb(node.kind)
        if verb:
            yield TransactionControl(verb)
    elif isinstance(node, ast.ClusterStmt) and node.relation is not None:
        yield TableRewrite(_range_var(node.relation), "CLUSTER")
    if type(node).__name__ in _CATALOG_EDITS:
        relation = getattr(node, "relation", None)
        if (
            relation is not None
            and relation.relname == "pg_enum"
            and relation.schemaname in (None, "pg_catalog")
        ):
            yield CatalogEdit(_CATALOG_EDITS[type(node).__name__], "pg_enum")


def _transaction_verb(kind: Any) -> str | None:
    kinds = enums.TransactionStmtKind
    if kind in (kinds.TRANS_STMT_BEGIN, kinds.TRANS_STMT_START):
        return "BEGIN"
    if kind == kinds.TRANS_STMT_COMMIT:
        return "COMMIT"
    if kind == kinds.TRANS_STMT_ROLLBACK:
        return "ROLLBACK"
    if kind == kinds.TRANS_STMT_PREPARE:
        return "PREPARE TRANSACTION"
    return None


def _alter_table(node: ast.AlterTableStmt) -> Iterator[Fact]:
    table = _range_var(node.relation)
    types = enums.AlterTableType
    copies = {
        _member(types, "AT_SetTableSpace"): "SET TABLESPACE",
        _member(types, "AT_SetLogged"): "SET LOGGED",
        _member(types, "AT_SetUnLogged"): "SET UNLOGGED",
        _member(types, "AT_SetAccessMethod"): "SET ACCESS METHOD",
    }
    copies.pop(None, None)
    for cmd in node.cmds or ():
        if not isinstance(cmd, ast.AlterTableCmd):
            continue
        if cmd.subtype == types.AT_AlterColumnType and isinstance(cmd.def_, ast.ColumnDef):
            target, array = _type_name(cmd.def_.typeName)
            using = cmd.def_.raw_default
            yield AlterColumnType(
                table, str(cmd.name), target, array,
                _deparse(using) if using is not None else None,
                using is not None and _casts_through_text(using),
            )
        elif cmd.subtype == types.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
            reason = _add_column_rewrite(cmd.def_)
            if reason:
                yield TableRewrite(table, reason)
        elif cmd.subtype == types.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint):
            if cmd.def_.contype == enums.ConstrType.CONSTR_CHECK:
                yield AddCheck(table, cmd.def_.conname, bool(cmd.def_.skip_validation))
        elif cmd.subtype == types.AT_ValidateConstraint:
            yield ValidateConstraint(table, str(cmd.name))
        elif cmd.subtype in copies:
            yield TableRewrite(table, copies[cmd.subtype])


def _deparse(node: Any) -> str:
    try:
        return str(stream.RawStream()(node))
    except Exception:  # pragma: no cover - every expression the parser made deparses
        return "..."


def _casts_through_text(node: Any) -> bool:
    """``x::text::t`` / ``CAST(CAST(x AS text) AS t)`` (arrays too)."""
    if not isinstance(node, ast.TypeCast):
        return False
    inner = node.arg
    while isinstance(inner, ast.TypeCast):
        if _type_name(inner.typeName)[0].name in _TEXT_TYPES:
            return True
        inner = inner.arg
    return False


def _add_column_rewrite(column: ast.ColumnDef) -> str | None:
    """Why ``ADD COLUMN`` rewrites the table (PostgreSQL 11+ adds a column with no
    default or a non-volatile one without a rewrite), or None."""
    type_name = _type_name(column.typeName)[0].name if column.typeName else ""
    if type_name in _SERIAL:
        return f"ADD COLUMN {column.colname} {type_name} (a volatile nextval() default)"
    for constraint in column.constraints or ():
        contype = getattr(constraint, "contype", None)
        if contype == enums.ConstrType.CONSTR_IDENTITY:
            return f"ADD COLUMN {column.colname} GENERATED ... AS IDENTITY"
        if contype == enums.ConstrType.CONSTR_GENERATED:
            return f"ADD COLUMN {column.colname} GENERATED ALWAYS AS (...) STORED"
        if contype == enums.ConstrType.CONSTR_DEFAULT:
            volatile = _volatile_call(constraint.raw_expr)
            if volatile:
                return f"ADD COLUMN {column.colname} DEFAULT {volatile}() (volatile)"
    return None


def _volatile_call(node: Any) -> str | None:
    for child in _nodes(node):
        if isinstance(child, ast.FuncCall):
            name = _sval(child.funcname[-1]) if child.funcname else ""
            if name in _VOLATILE:
                return name
    return None


def _setting(node: ast.VariableSetStmt) -> Iterator[Setting]:
    kinds = enums.VariableSetKind
    local = bool(node.is_local)
    if node.kind == kinds.VAR_RESET_ALL:
        yield Setting("*", None, local)
    elif node.name and node.kind in (kinds.VAR_RESET, kinds.VAR_SET_DEFAULT):
        yield Setting(str(node.name), None, local)
    elif node.name and node.kind == kinds.VAR_SET_VALUE:
        values = [_const_text(arg) for arg in node.args or ()]
        yield Setting(str(node.name), " ".join(v for v in values if v is not None), local)


def _set_config(node: ast.SelectStmt) -> Iterator[Setting]:
    """``SELECT set_config('lock_timeout', '2s', true)``: a SET LOCAL in disguise."""
    for child in _nodes(node):
        if not isinstance(child, ast.FuncCall) or not child.funcname:
            continue
        if _sval(child.funcname[-1]) != "set_config" or len(child.args or ()) != 3:
            continue
        name, value, local = (_const_text(arg) for arg in child.args or ())
        if name is not None:
            yield Setting(name, value, (local or "").lower() in {"true", "t", "on", "1"})


def _const_text(node: Any) -> str | None:
    if isinstance(node, ast.A_Const) and not node.isnull:
        val = node.val
        for attr in ("sval", "ival", "fval", "boolval"):
            if hasattr(val, attr):
                return str(getattr(val, attr)).lower() if attr == "boolval" else str(
                    getattr(val, attr)
                )
    return None


def _nodes(node: Any) -> Iterator[Any]:
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


class _Walker:
    """Collects the type names and string literals of one statement."""

    def __init__(self, statement_offset: int, text: str) -> None:
        self.base = statement_offset
        self.text = text
        self.type_refs: list[TypeRef] = []
        self.strings: list[StringUse] = []

    def _offset(self, node: Any) -> int:
        location = getattr(node, "location", None)
        return location if isinstance(location, int) and location >= 0 else self.base

    def _literal_offset(self, value: str) -> int:
        """pglast keeps no location for constants: find the literal as written (the
        first ``'value'`` from the statement on), else the statement's start."""
        found = self.text.find("'" + value.replace("'", "''") + "'", self.base)
        return found if found >= 0 else self.base

    def walk(self, root: Any) -> None:
        cast_args: set[int] = set()
        for node in _nodes(root):
            if isinstance(node, ast.TypeCast) and node.typeName is not None:
                target, _ = _type_name(node.typeName)
                self.type_refs.append(TypeRef(target, self._offset(node.typeName), True))
                value = _string_const(node.arg)
                if value is not None:
                    cast_args.add(id(node.arg))
                    self.strings.append(StringUse(value, self._literal_offset(value), target))
            elif isinstance(node, ast.ColumnDef) and node.typeName is not None:
                target, _ = _type_name(node.typeName)
                self.type_refs.append(TypeRef(target, self._offset(node.typeName), False))
            elif isinstance(node, ast.A_Const) and id(node) not in cast_args:
                value = _string_const(node)
                if value is not None:
                    self.strings.append(StringUse(value, self._literal_offset(value), None))


def _string_const(node: Any) -> str | None:
    """The value of a string constant node (``'x'``), else None."""
    if isinstance(node, ast.A_Const) and not node.isnull:
        val = node.val
        if isinstance(val, ast.String) and val.sval is not None:
            return str(val.sval)
    return None
