"""Quoting of identifiers and literals for the SQL we emit.

Identifiers go through SQLAlchemy's PostgreSQL identifier preparer and string
literals through the dialect's literal rendering, so a quote, a backslash, a reserved
word or an emoji in a label or a name can never change the statement's meaning.  No
user input is ever formatted into SQL any other way.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

_DEFAULT_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


def default_dialect() -> Dialect:
    """A PostgreSQL dialect for rendering when no connection is at hand."""
    return _DEFAULT_DIALECT


@functools.lru_cache(maxsize=4)
def _text_dialect(backslash_escapes: bool) -> Dialect:
    dialect = postgresql.dialect(paramstyle="named")  # type: ignore[no-untyped-call]
    dialect._backslash_escapes = backslash_escapes
    return dialect


def text_dialect(dialect: Dialect) -> Dialect:
    """The dialect we render statement text with.

    Our statements are sent without bind parameters (and written verbatim to
    ``--sql`` scripts), so a ``%`` must stay a single ``%``: drivers with a
    ``pyformat`` paramstyle would have the preparer double it.  The twin keeps the
    connection's ``standard_conforming_strings`` handling of backslashes.

    A dialect that never met a server (offline ``--sql``) is taken to have
    ``standard_conforming_strings = on``, PostgreSQL's default since 9.1: SQLAlchemy
    2.0 assumes the opposite for such a dialect (2.1 does not), which doubled every
    backslash in a script and so changed the label it replays as.
    """
    connected = getattr(dialect, "server_version_info", None) is not None
    return _text_dialect(connected and bool(getattr(dialect, "_backslash_escapes", False)))


PG_NON_UNRESERVED_KEYWORDS = frozenset(
    """
    all analyse analyze and any array as asc asymmetric authorization between bigint
    binary bit boolean both case cast char character check coalesce collate collation
    column concurrently constraint create cross current_catalog current_date
    current_role current_schema current_time current_timestamp current_user dec decimal
    default deferrable desc distinct do else end except exists extract false fetch
    float for foreign freeze from full grant greatest group grouping having ilike in
    initially inner inout int integer intersect interval into is isnull join json
    json_array json_arrayagg json_exists json_object json_objectagg json_query
    json_scalar json_serialize json_table json_value lateral leading least left like
    limit localtime localtimestamp merge_action national natural nchar none normalize
    not notnull null nullif numeric offset on only or order out outer overlaps overlay
    placing position precision primary real references returning right row select
    session_user setof similar smallint some substring symmetric system_user table
    tablesample then time timestamp to trailing treat trim true union unique user
    using values varchar variadic verbose when where window with xmlattributes
    xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot
    xmlserialize xmltable
    """.split()
)
"""PostgreSQL keywords (14-17) that are not "unreserved": reserved, type/function-name
and column-name keywords (``pg_get_keywords()`` catcode R, T, C).  SQLAlchemy's list
misses some (``lateral``, ``collation``, ``concurrently``, ``tablesample``, and the
column-name keywords such as ``int``, which in a type position like ``::int`` would
name the built-in type instead of the user's enum), so these are always quoted.
Quoting a lower-case word never changes which object it names."""


def ident(dialect: Dialect, name: str) -> str:
    """Quote one identifier as PostgreSQL needs it (only when it must)."""
    preparer = text_dialect(dialect).identifier_preparer
    if name in PG_NON_UNRESERVED_KEYWORDS:
        return preparer.quote_identifier(name)
    return preparer.quote(name)


def schema_ident(dialect: Dialect, schema: str) -> str:
    """Quote a schema name."""
    return ident(dialect, schema)


def qualified(dialect: Dialect, schema: str | None, name: str) -> str:
    """``schema.name`` with both parts quoted; unqualified when schema is None."""
    if schema is None:
        return ident(dialect, name)
    return f"{schema_ident(dialect, schema)}.{ident(dialect, name)}"


def literal(dialect: Dialect, value: str) -> str:
    """A string literal, rendered by the dialect (quotes doubled, backslashes as the
    server's ``standard_conforming_strings`` requires)."""
    compiled = sa.literal(value, sa.String()).compile(
        dialect=text_dialect(dialect), compile_kwargs={"literal_binds": True}
    )
    return str(compiled)


def literal_list(dialect: Dialect, values: tuple[str, ...] | list[str]) -> str:
    """Comma-separated literals, in order."""
    return ", ".join(literal(dialect, v) for v in values)


def dollar_quote(body: str, tag: str = "enum_ops") -> str:
    """Wrap a DO-block or function body in dollar quotes whose tag the body cannot end.

    Labels may contain ``$$``; the tag is extended until it does not occur in the body.
    """
    candidate = tag
    counter = 0
    while f"${candidate}$" in body:
        counter += 1
        candidate = f"{tag}{counter}"
    return f"${candidate}${body}${candidate}$"
