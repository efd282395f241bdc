"""EO4xx: where enum types are created and which schema they land in.

``create_table`` fires ``CREATE TYPE`` for every native enum column that does not say
``create_type=False`` -- a second time for a type that already exists (EO401).  An
``sa.Enum`` without ``schema=`` goes to the default schema even when its table has one
(EO402).  Raw SQL that names an enum without its schema lets ``search_path`` choose
which type it is (EO403).
"""

from __future__ import annotations

from .. import sql_reader as sql
from ..findings import Span
from ..knowledge import DEFAULT_SCHEMA
from ..python_reader import ColumnDecl, EnumDecl
from .fix_text import py, qualified
from .state import FunctionState


def enum_column(
    state: FunctionState, statement: Span, column: ColumnDecl, table: str | None,
    schema: str | None, *, creates: bool,
) -> None:
    """A column of ``create_table`` (``creates``) or ``add_column`` in table
    ``schema.table``: EO402 for a type without the table's schema, EO401 for a type
    created twice; a type ``create_table`` creates joins the history."""
    decl = column.type.enum
    if decl is None or decl.name is None:
        return
    where = qualified(schema, table or "?")
    # at the type when it is written inside the call, else at the column using it
    inline = statement.first_line <= decl.span.line <= statement.last_line
    at = column.span.at(decl.span.line, decl.span.col) if inline else column.span
    type_schema = schema if decl.inherit_schema else decl.schema
    explicit = decl.schema_given or decl.inherit_schema
    if schema and not explicit and (schema != DEFAULT_SCHEMA):
        if not state.registry.known_in(None, decl.name):
            state.report(
                "EO402", at,
                f"enum {decl.name!r} of column {column.name or '?'} has no schema= but "
                f"table {where} is in schema {schema!r}: the type is "
                + ("created in" if creates and decl.creates_type else "looked up through")
                + " the default schema (search_path), not in "
                f"{schema!r} -- 'type \"{schema}.{decl.name}\" does not exist', or a "
                "second type of that name that shadows the first",
                f"schema={schema!r} on the enum type (or the schema the type really "
                "lives in, e.g. schema='public')",
            )
    if creates and decl.creates_type:
        existing = state.registry.get(type_schema, decl.name)
        if existing is not None and existing.implicit != state.revision:
            label = qualified(type_schema or DEFAULT_SCHEMA, decl.name)
            state.report(
                "EO401", at,
                f"op.create_table({table!r}) fires CREATE TYPE {label} for column "
                f"{column.name or '?'}, but that type already exists at this revision: "
                f"'type \"{decl.name}\" already exists' (DuplicateObject) at run time",
                "create_type=False on the column's type, e.g. "
                + _enum_with_create_type_false(decl),
            )
        elif existing is None:
            state.registry.create(type_schema, decl.name, decl.labels, implicit=state.revision)


def _enum_with_create_type_false(decl: EnumDecl) -> str:
    args = [py(label) for label in decl.labels or ()] or ["..."]
    args.append(f"name={decl.name!r}")
    if decl.schema:
        args.append(f"schema={decl.schema!r}")
    args.append("create_type=False")
    return f"postgresql.ENUM({', '.join(args)})"


def report_unqualified(state: FunctionState, name: str, span: Span, what: str) -> None:
    """EO403: the enum ``name`` written without its schema in a ``what`` (a cast, a
    column type, ``ALTER TYPE``, ``CREATE TYPE``)."""
    schemas = state.registry.schemas_of(name)
    target = f"{schemas[0]}.{name}" if len(schemas) == 1 else f"<schema>.{name}"
    known = ", ".join(f"{s}.{name}" for s in schemas) if schemas else name
    verb = (
        "is created in whichever schema comes first on search_path"
        if what == "CREATE TYPE" else "resolves through search_path"
    )
    state.report(
        "EO403", span,
        f"enum type {name!r} is named without its schema in a {what}: it {verb} "
        f"(known: {known}), so a same-named type earlier on search_path shadows it, and "
        f"a connection with another search_path gets 'type \"{name}\" does not exist'",
        f"qualify it: {target}",
    )


def unqualified_ddl(state: FunctionState, name: sql.QName, here: Span, what: str) -> None:
    """EO403 for a DDL statement naming a type known to be an enum, without a schema."""
    if name.schema is None and state.registry.is_enum_name(name.name):
        report_unqualified(state, name.name, here, what)
