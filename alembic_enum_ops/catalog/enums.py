"""The enum types themselves: one query for every enum of every schema asked about."""

from __future__ import annotations

from collections.abc import Iterable
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
    extension: str | None = None
    """The extension the type belongs to (``CREATE EXTENSION`` made it), if any."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)



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
           (SELECT x.extname::text FROM pg_depend xd
              JOIN pg_extension x ON x.oid = xd.refobjid
             WHERE xd.classid = 'pg_type'::regclass AND xd.objid = t.oid
               AND xd.refclassid = 'pg_extension'::regclass AND xd.deptype = 'e'
             LIMIT 1) AS extension,
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
            extension=r.extension,
        )
        for r in rows
    ]


def find_enum(connection: Connection, schema: str, name: str) -> EnumType | None:
    """One enum type, or None when ``schema.name`` is not an enum."""
    for found in read_enums(connection, [schema]):
        if found.name == name:
            return found
    return None

