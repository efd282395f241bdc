"""Catalog and data reads for the VARCHAR + CHECK variant.

Like the rest of :mod:`alembic_enum_ops.catalog`, each function is one query whatever
the number of tables asked about: the executors and the CHECK comparator read every
CHECK constraint they need in one round trip.

:func:`parse_check_values` recovers the allowed set from a constraint's definition
(``pg_get_constraintdef``).  It only accepts the shapes a value-set CHECK takes on the
server (ours, and SQLAlchemy's ``col IN (...)`` from ``Enum(native_enum=False,
create_constraint=True)``); anything else returns ``None`` so a hand-written CHECK is
never mistaken for an enum-like set.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class CheckConstraintInfo:
    """A CHECK constraint of a table, with the allowed set when it is a value set."""

    schema: str
    table: str
    name: str
    columns: tuple[str, ...]
    definition: str
    validated: bool
    values: tuple[str, ...] | None


_CHECKS_SQL = sa.text(
    """
    WITH wanted AS (
        SELECT w.schema, w.name
        FROM unnest(CAST(:schemas AS text[]), CAST(:names AS text[])) AS w(schema, name)
    )
    SELECT n.nspname::text AS schema, c.relname::text AS table_name,
           con.conname::text AS name,
           pg_get_constraintdef(con.oid) AS definition,
           con.convalidated AS validated,
           ARRAY(
               SELECT a.attname::text
               FROM unnest(con.conkey) AS k(attnum)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
               ORDER BY a.attnum
           ) AS columns
    FROM wanted
    JOIN pg_namespace n ON n.nspname = wanted.schema
    JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = wanted.name
    JOIN pg_constraint con ON con.conrelid = c.oid AND con.contype = 'c'
    ORDER BY n.nspname, c.relname, con.conname
    """
)


def read_check_constraints(
    connection: Connection, tables: Sequence[tuple[str, str]]
) -> list[CheckConstraintInfo]:
    """Every CHECK constraint of the given ``(schema, table)`` pairs, one query."""
    if not tables:
        return []
    rows = connection.execute(
        _CHECKS_SQL,
        {"schemas": [s for s, _ in tables], "names": [t for _, t in tables]},
    ).all()
    result = []
    for r in rows:
        columns = tuple(r.columns)
        values = parse_check_values(r.definition, columns[0]) if len(columns) == 1 else None
        result.append(
            CheckConstraintInfo(
                schema=r.schema,
                table=r.table_name,
                name=r.name,
                columns=columns,
                definition=r.definition,
                validated=bool(r.validated),
                values=values,
            )
        )
    return result


def count_values_outside(
    connection: Connection,
    schema: str,
    table: str,
    column: str,
    allowed: Sequence[str],
) -> list[tuple[str, int]]:
    """``[(value, row count)]`` of non-NULL values not in ``allowed``: one scan.

    Built with SQLAlchemy Core so the allowed values travel as bound parameters (a
    ``:`` in a name cannot become a bind).  Names are always quoted (``quoted_name``
    with ``quote=True``): they are exact catalog names, and SQLAlchemy's own keyword
    list misses PostgreSQL keywords such as ``lateral``, which broke the query.
    """
    col = sa.column(sa.quoted_name(column, True), sa.Text())
    source = sa.table(sa.quoted_name(table, True), col, schema=sa.quoted_name(schema, True))
    as_text = sa.cast(col, sa.Text())
    statement = (
        sa.select(as_text.label("value"), sa.func.count().label("n"))
        .select_from(source)
        .where(col.is_not(None), as_text.not_in(list(allowed)))
        .group_by(as_text)
        .order_by(as_text)
    )
    rows = connection.execute(statement).all()
    return [(str(r.value), int(r.n)) for r in rows]


# --- parsing a value-set CHECK ----------------------------------------------------------

_LITERAL = re.compile(r"(?<![A-Za-z0-9_])'((?:[^']|'')*)'")
_CAST = re.compile(
    r"::(?:text|character varying|varchar|character|bpchar)(?:\(\d+\))?(?:\[\])?"
)


def _column_forms(column: str) -> set[str]:
    quoted = '"' + column.replace('"', '""') + '"'
    return {column, quoted}


def parse_check_values(definition: str, column: str) -> tuple[str, ...] | None:
    """The allowed values of a value-set CHECK on ``column``, or None.

    Accepted shapes (as ``pg_get_constraintdef`` prints them)::

        CHECK (((col)::text = ANY ((ARRAY['a'::character varying, ...])::text[])))
        CHECK ((col = ANY (ARRAY['a'::text, 'b'::text])))
        CHECK (((col)::text = 'a'::text))
    """
    body = definition.strip()
    if body.endswith("NOT VALID"):
        body = body[: -len("NOT VALID")].rstrip()
    if not body.startswith("CHECK"):
        return None
    body = body[len("CHECK") :]
    values: list[str] = []
    placeholder = "\x00"

    def _take(match: re.Match[str]) -> str:
        values.append(match.group(1).replace("''", "'"))
        return placeholder

    skeleton = _LITERAL.sub(_take, body)
    if "'" in skeleton or "E'" in body:
        return None
    skeleton = _CAST.sub("", skeleton)
    skeleton = re.sub(r"[\s()]", "", skeleton)
    for form in _column_forms(column):
        col = re.sub(r"[\s()]", "", form)
        if skeleton == f"{col}={placeholder}" and len(values) == 1:
            return tuple(values)
        if values and skeleton == f"{col}=ANYARRAY[" + ",".join([placeholder] * len(values)) + "]":
            return tuple(values)
    return None
