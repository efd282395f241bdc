"""Set-based reads of the PostgreSQL catalog.

Each function is one query, whatever the number of schemas, types or columns asked
about: autogenerate, the swap and ``doctor`` call these instead of asking per object,
so their cost does not grow with the size of the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class EnumType:
    """A native enum type as the catalog has it."""

    schema: str
    name: str
    labels: tuple[str, ...]
    oid: int
    array_oid: int
    owner: str
    comment: str | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)


@dataclass(frozen=True)
class TypeDependent:
    """An object that depends on an enum type (or its array type)."""

    type_schema: str
    type_name: str
    catalog: str  # pg_class, pg_proc, pg_type, pg_attrdef, pg_constraint, pg_rewrite...
    objid: int
    objsubid: int
    description: str  # pg_describe_object(): "column status of table ai.queue"
    via_array: bool


def current_schema(connection: Connection) -> str:
    """The schema unqualified ``CREATE`` statements would use (``current_schema()``)."""
    value = connection.exec_driver_sql("SELECT current_schema()").scalar()
    if value is None:
        raise RuntimeError(
            "current_schema() is NULL: no schema on the search_path exists; pass schema="
        )
    return str(value)


_ENUMS_SQL = sa.text(
    """
    SELECT n.nspname::text AS schema,
           t.typname::text AS name,
           t.oid::bigint AS oid,
           t.typarray::bigint AS array_oid,
           pg_get_userbyid(t.typowner)::text AS owner,
           obj_description(t.oid, 'pg_type') AS comment,
           array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
    FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    JOIN pg_enum e ON e.enumtypid = t.oid
    WHERE t.typtype = 'e'
      AND (CAST(:all_schemas AS boolean) OR n.nspname = ANY(:schemas))
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_toast%'
      AND n.nspname NOT LIKE 'pg\\_temp\\_%'
    GROUP BY n.nspname, t.typname, t.oid, t.typarray, t.typowner
    ORDER BY n.nspname, t.typname
    """
).bindparams(sa.bindparam("schemas", type_=ARRAY(sa.Text())))


def read_enums(connection: Connection, schemas: Iterable[str] | None = None) -> list[EnumType]:
    """All enum types in ``schemas`` (every user schema when None), one query."""
    wanted = None if schemas is None else sorted(set(schemas))
    rows = connection.execute(
        _ENUMS_SQL, {"all_schemas": wanted is None, "schemas": wanted or []}
    ).all()
    return [
        EnumType(
            schema=r.schema,
            name=r.name,
            labels=tuple(r.labels),
            oid=int(r.oid),
            array_oid=int(r.array_oid),
            owner=r.owner,
            comment=r.comment,
        )
        for r in rows
    ]


def find_enum(connection: Connection, schema: str, name: str) -> EnumType | None:
    """One enum type, or None when ``schema.name`` is not an enum."""
    for found in read_enums(connection, [schema]):
        if found.name == name:
            return found
    return None


_DEPENDENTS_SQL = sa.text(
    """
    WITH wanted AS (
        SELECT w.schema, w.name
        FROM unnest(CAST(:schemas AS text[]), CAST(:names AS text[])) AS w(schema, name)
    ), types AS (
        SELECT wanted.schema, wanted.name, t.oid, t.typarray
        FROM wanted
        JOIN pg_namespace n ON n.nspname = wanted.schema
        JOIN pg_type t ON t.typnamespace = n.oid AND t.typname = wanted.name
    )
    SELECT types.schema AS type_schema,
           types.name AS type_name,
           d.classid::regclass::text AS catalog,
           d.objid::bigint AS objid,
           d.objsubid AS objsubid,
           pg_describe_object(d.classid, d.objid, d.objsubid) AS description,
           (d.refobjid = types.typarray) AS via_array
    FROM types
    JOIN pg_depend d
      ON d.refclassid = 'pg_type'::regclass
     AND d.refobjid IN (types.oid, types.typarray)
    WHERE NOT (d.classid = 'pg_type'::regclass AND d.objid = types.typarray)
      AND d.deptype IN ('n', 'a')
    ORDER BY types.schema, types.name, description
    """
)


def read_type_dependents(
    connection: Connection, types: Sequence[tuple[str, str]]
) -> list[TypeDependent]:
    """Everything that depends on the given types or their array types, one query."""
    if not types:
        return []
    rows = connection.execute(
        _DEPENDENTS_SQL,
        {"schemas": [s for s, _ in types], "names": [n for _, n in types]},
    ).all()
    return [
        TypeDependent(
            type_schema=r.type_schema,
            type_name=r.type_name,
            catalog=r.catalog,
            objid=int(r.objid),
            objsubid=int(r.objsubid),
            description=r.description,
            via_array=bool(r.via_array),
        )
        for r in rows
    ]
