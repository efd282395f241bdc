"""A statement's parse tree reduced to facts (:mod:`.facts`): what it does to types,
tables, settings and the transaction.

Only the statements the rules care about yield facts; everything else yields none.
Where pglast's releases differ (enum members added in later PostgreSQL versions), the
names are looked up with :func:`.nodes.optional_member`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast, enums, stream

from .facts import (
    AddCheck,
    AddValue,
    AlterColumnType,
    CatalogEdit,
    CreateEnum,
    CreateTable,
    DropType,
    Fact,
    RenameType,
    RenameValue,
    Setting,
    SetTypeSchema,
    TableRewrite,
    TransactionControl,
    ValidateConstraint,
)
from .nodes import const_text, descendants, optional_member, qname, range_var, sval, type_name

_TEXT_TYPES = {"text", "varchar", "bpchar", "char", "name", "character varying"}
_VOLATILE = {
    "random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v4", "uuidv4",
    "uuidv7", "clock_timestamp", "timeofday", "nextval", "random_normal",
}
_SERIAL = {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"}
_CATALOG_EDITS = {"InsertStmt": "INSERT", "UpdateStmt": "UPDATE", "DeleteStmt": "DELETE",
                  "MergeStmt": "MERGE"}


def facts(node: Any) -> Iterator[Fact]:
    """The facts of one statement's parse node, in the order the statement states them."""
    if isinstance(node, ast.DropStmt):
        kinds = {enums.ObjectType.OBJECT_TYPE, enums.ObjectType.OBJECT_DOMAIN}
        if node.removeType in kinds:
            yield DropType(
                names=tuple(qname(obj.names) for obj in node.objects or ()
                            if isinstance(obj, ast.TypeName)),
                cascade=node.behavior == enums.DropBehavior.DROP_CASCADE,
                if_exists=bool(node.missing_ok),
                domain=node.removeType == enums.ObjectType.OBJECT_DOMAIN,
            )
    elif isinstance(node, ast.CreateEnumStmt):
        yield CreateEnum(qname(node.typeName), tuple(sval(v) for v in node.vals or ()))
    elif isinstance(node, ast.AlterEnumStmt):
        type_ = qname(node.typeName)
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
            yield RenameType(qname(node.object), str(node.newname))
    elif isinstance(node, ast.AlterObjectSchemaStmt):
        if node.objectType == enums.ObjectType.OBJECT_TYPE and node.object is not None:
            yield SetTypeSchema(qname(node.object), str(node.newschema))
    elif isinstance(node, ast.AlterTableStmt):
        yield from _alter_table(node)
    elif isinstance(node, ast.CreateStmt):
        yield CreateTable(range_var(node.relation))
    elif isinstance(node, ast.VariableSetStmt):
        yield from _setting(node)
    elif isinstance(node, ast.SelectStmt):
        yield from _set_config(node)
    elif isinstance(node, ast.TransactionStmt):
        verb = _transaction_verb(node.kind)
        if verb:
            yield TransactionControl(verb)
    elif isinstance(node, ast.ClusterStmt) and node.relation is not None:
        yield TableRewrite(range_var(node.relation), "CLUSTER")
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
    table = range_var(node.relation)
    types = enums.AlterTableType
    copies = {
        optional_member(types, "AT_SetTableSpace"): "SET TABLESPACE",
        optional_member(types, "AT_SetLogged"): "SET LOGGED",
        optional_member(types, "AT_SetUnLogged"): "SET UNLOGGED",
        optional_member(types, "AT_SetAccessMethod"): "SET ACCESS METHOD",
    }
    copies.pop(None, None)
    for cmd in node.cmds or ():
        if not isinstance(cmd, ast.AlterTableCmd):
            continue
        if cmd.subtype == types.AT_AlterColumnType and isinstance(cmd.def_, ast.ColumnDef):
            target, array = type_name(cmd.def_.typeName)
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
        if type_name(inner.typeName)[0].name in _TEXT_TYPES:
            return True
        inner = inner.arg
    return False


def _add_column_rewrite(column: ast.ColumnDef) -> str | None:
    """Why ``ADD COLUMN`` rewrites the table (PostgreSQL 11+ adds a column with no
    default or a non-volatile one without a rewrite), or None."""
    declared = type_name(column.typeName)[0].name if column.typeName else ""
    if declared in _SERIAL:
        return f"ADD COLUMN {column.colname} {declared} (a volatile nextval() default)"
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
    for child in descendants(node):
        if isinstance(child, ast.FuncCall):
            name = sval(child.funcname[-1]) if child.funcname else ""
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
        values = [const_text(arg) for arg in node.args or ()]
        yield Setting(str(node.name), " ".join(v for v in values if v is not None), local)


def _set_config(node: ast.SelectStmt) -> Iterator[Setting]:
    """``SELECT set_config('lock_timeout', '2s', true)``: a SET LOCAL in disguise."""
    for child in descendants(node):
        if not isinstance(child, ast.FuncCall) or not child.funcname:
            continue
        if sval(child.funcname[-1]) != "set_config" or len(child.args or ()) != 3:
            continue
        name, value, local = (const_text(arg) for arg in child.args or ())
        if name is not None:
            yield Setting(name, value, (local or "").lower() in {"true", "t", "on", "1"})

