"""Table columns as the catalog has them (type, nullability, default), one query for
every column asked about."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

TEXT_TYPES = frozenset({"text", "character varying", "character", "bpchar", "varchar"})


@dataclass(frozen=True)
class ColumnInfo:
    """One table column as the catalog has it."""

    schema: str
    table: str
    name: str
    type_schema: str
    type_name: str
    formatted_type: str  # format_type(): "character varying(20)", "ai.status"
    is_enum: bool
    not_null: bool
    default: str | None  # pg_get_expr of the default, or None

    @property
    def is_text(self) -> bool:
        base = self.formatted_type.split("(")[0].strip()
        return self.type_schema == "pg_catalog" and base in TEXT_TYPES


_COLUMNS_SQL = sa.text(
    """
    WITH wanted AS (
        SELECT w.schema, w.name
        FROM unnest(CAST(:schemas AS text[]), CAST(:names AS text[])) AS w(schema, name)
    )
    SELECT n.nspname::text AS schema, c.relname::text AS table_name,
           a.attname::text AS column_name,
           tn.nspname::text AS type_schema, t.typname::text AS type_name,
           format_type(a.atttypid, a.atttypmod) AS formatted_type,
           (t.typtype = 'e') AS is_enum,
           a.attnotnull AS not_null,
           pg_get_expr(d.adbin, d.adrelid) AS default_expr
    FROM wanted
    JOIN pg_namespace n ON n.nspname = wanted.schema
    JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = wanted.name
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_type t ON t.oid = a.atttypid
    JOIN pg_namespace tn ON tn.oid = t.typnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    ORDER BY n.nspname, c.relname, a.attnum
    """
)


def read_columns(
    connection: Connection, tables: Sequence[tuple[str, str]]
) -> list[ColumnInfo]:
    """Every column of the given ``(schema, table)`` pairs, one query."""
    if not tables:
        return []
    rows = connection.execute(
        _COLUMNS_SQL,
        {"schemas": [s for s, _ in tables], "names": [t for _, t in tables]},
    ).all()
    return [
        ColumnInfo(
            schema=r.schema,
            table=r.table_name,
            name=r.column_name,
            type_schema=r.type_schema,
            type_name=r.type_name,
            formatted_type=r.formatted_type,
            is_enum=bool(r.is_enum),
            not_null=bool(r.not_null),
            default=r.default_expr,
        )
        for r in rows
    ]



@dataclass(frozen=True)
class ColumnType:
    """The catalog type of one column, for comparing a model column with the database."""

    schema: str
    table: str
    column: str
    type_sql: str  # format_type(): "character varying(10)", "ai.ingestionstatus[]"
    type_schema: str
    type_name: str
    is_enum: bool  # the type, or the element type of an array, is an enum


_COLUMN_TYPES_SQL = sa.text(
    """
    SELECT w.schema, w.tbl AS table, w.col AS column,
           format_type(a.atttypid, a.atttypmod) AS type_sql,
           tn.nspname::text AS type_schema, t.typname::text AS type_name,
           (t.typtype = 'e' OR coalesce(et.typtype = 'e', false)) AS is_enum
    FROM unnest(CAST(:schemas AS text[]), CAST(:tables AS text[]), CAST(:columns AS text[]))
         AS w(schema, tbl, col)
    JOIN pg_namespace n ON n.nspname = w.schema
    JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.tbl
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = w.col AND NOT a.attisdropped
    JOIN pg_type t ON t.oid = a.atttypid
    JOIN pg_namespace tn ON tn.oid = t.typnamespace
    LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
    """
)


def read_column_types(
    connection: Connection, columns: Sequence[tuple[str, str, str]]
) -> list[ColumnType]:
    """The types of the given ``(schema, table, column)`` columns that exist, one query."""
    if not columns:
        return []
    rows = connection.execute(
        _COLUMN_TYPES_SQL,
        {
            "schemas": [s for s, _, _ in columns],
            "tables": [t for _, t, _ in columns],
            "columns": [c for _, _, c in columns],
        },
    ).all()
    return [
        ColumnType(
            schema=r.schema,
            table=r.table,
            column=r.column,
            type_sql=r.type_sql,
            type_schema=r.type_schema,
            type_name=r.type_name,
            is_enum=bool(r.is_enum),
        )
        for r in rows
    ]

