"""What depends on an enum type, and what a catalog object is.

One classification (:data:`CLASSIFY_SQL`) says what an object recorded as
``(classid, objid, objsubid)`` is -- a column, an index, a CHECK, a default, a
function... -- with its schema, name, table and column.  Two places run it:
:func:`read_enum_dependents` over every object ``pg_depend`` records on the given enum
types (what keeps a type alive: ``enum_drop``, autogenerate), one query whatever the
number of types; and the swap engine over the objects a swap touches (its
description, read by ``doctor`` and the revision header).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class EnumDependent:
    """One object that uses an enum type (or any classified object), classified.

    ``kind`` is one of: ``column`` (table or partitioned table), ``view_column``,
    ``matview_column``, ``foreign_column``, ``composite_attribute``, ``index``,
    ``check``, ``constraint``, ``default``, ``function``, ``procedure``,
    ``aggregate``, ``domain``, ``type``, ``rule``, ``trigger``, ``policy``,
    ``view``, ``materialized_view``, ``relation``, ``generation_expression`` (of a
    generated column), ``other``.  ``schema``/``relation`` locate the object (for an
    index, CHECK, default, rule, trigger or policy: the table it is on), ``name`` is
    its own name and ``column`` the column it concerns, when there is one.
    """

    type_schema: str
    type_name: str
    kind: str
    schema: str | None
    name: str | None
    relation: str | None
    column: str | None
    via_array: bool
    partial: bool  # an index with a WHERE predicate
    description: str
    partition_key: bool = False  # a column in its partitioned table's partition key
    generated: bool = False  # a generated column
    partition: bool = False  # a column of a partition or inheritance child
    classid: int = 0
    objid: int = 0
    objsubid: int = 0

    @property
    def type_key(self) -> tuple[str, str]:
        return (self.type_schema, self.type_name)


_CLASSIFY = """
    SELECT o.type_schema, o.type_name, o.classid::bigint AS classid,
           o.objid::bigint AS objid, o.objsubid,
           CASE
             WHEN o.classid = 'pg_class'::regclass AND o.objsubid <> 0 THEN
               CASE c.relkind WHEN 'r' THEN 'column' WHEN 'p' THEN 'column'
                              WHEN 'v' THEN 'view_column' WHEN 'm' THEN 'matview_column'
                              WHEN 'f' THEN 'foreign_column'
                              WHEN 'c' THEN 'composite_attribute' ELSE 'column' END
             WHEN o.classid = 'pg_class'::regclass THEN
               CASE c.relkind WHEN 'i' THEN 'index' WHEN 'I' THEN 'index'
                              WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized_view'
                              ELSE 'relation' END
             WHEN o.classid = 'pg_constraint'::regclass THEN
               CASE con.contype WHEN 'c' THEN 'check' ELSE 'constraint' END
             WHEN o.classid = 'pg_attrdef'::regclass THEN
               CASE WHEN ada.attgenerated <> '' THEN 'generation_expression'
                    ELSE 'default' END
             WHEN o.classid = 'pg_proc'::regclass THEN
               CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
                              ELSE 'function' END
             WHEN o.classid = 'pg_type'::regclass THEN
               CASE dt.typtype WHEN 'd' THEN 'domain' ELSE 'type' END
             WHEN o.classid = 'pg_rewrite'::regclass THEN 'rule'
             WHEN o.classid = 'pg_trigger'::regclass THEN 'trigger'
             WHEN o.classid = 'pg_policy'::regclass THEN 'policy'
             ELSE 'other'
           END AS kind,
           COALESCE(cn.nspname, conn_.nspname, adn.nspname, pn.nspname, dtn.nspname,
                    rwn.nspname, tgn.nspname, poln.nspname)::text AS schema,
           COALESCE(
             CASE WHEN o.classid = 'pg_class'::regclass AND o.objsubid = 0
                  THEN c.relname END,
             con.conname,
             CASE WHEN p.oid IS NOT NULL
                  THEN p.proname || '(' || oidvectortypes(p.proargtypes) || ')'
             END,
             dt.typname, rw.rulename, tg.tgname, pol.polname)::text AS name,
           COALESCE(
             CASE WHEN o.classid = 'pg_class'::regclass AND o.objsubid <> 0
                  THEN c.relname END,
             ixt.relname, cont.relname, adt.relname, rwt.relname, tgt.relname,
             polt.relname)::text AS relation,
           COALESCE(a.attname, ada.attname)::text AS column,
           o.via_array,
           (ix.indpred IS NOT NULL) AS partial,
           pg_describe_object(o.classid, o.objid, o.objsubid) AS description,
           coalesce(a.attnum = ANY(CAST(pt.partattrs AS int2[])), false) AS partition_key,
           coalesce(a.attgenerated <> '', false) AS generated,
           coalesce(a.attinhcount > 0, false) AS partition
    FROM objects o
    LEFT JOIN pg_class c ON o.classid = 'pg_class'::regclass AND c.oid = o.objid
    LEFT JOIN pg_namespace cn ON cn.oid = c.relnamespace
    LEFT JOIN pg_attribute a
      ON o.classid = 'pg_class'::regclass AND o.objsubid > 0
     AND a.attrelid = o.objid AND a.attnum = o.objsubid
    LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
    LEFT JOIN pg_index ix ON ix.indexrelid = c.oid
    LEFT JOIN pg_class ixt ON ixt.oid = ix.indrelid
    LEFT JOIN pg_constraint con ON o.classid = 'pg_constraint'::regclass AND con.oid = o.objid
    LEFT JOIN pg_namespace conn_ ON conn_.oid = con.connamespace
    LEFT JOIN pg_class cont ON cont.oid = con.conrelid
    LEFT JOIN pg_attrdef ad ON o.classid = 'pg_attrdef'::regclass AND ad.oid = o.objid
    LEFT JOIN pg_class adt ON adt.oid = ad.adrelid
    LEFT JOIN pg_namespace adn ON adn.oid = adt.relnamespace
    LEFT JOIN pg_attribute ada ON ada.attrelid = ad.adrelid AND ada.attnum = ad.adnum
    LEFT JOIN pg_proc p ON o.classid = 'pg_proc'::regclass AND p.oid = o.objid
    LEFT JOIN pg_namespace pn ON pn.oid = p.pronamespace
    LEFT JOIN pg_type dt ON o.classid = 'pg_type'::regclass AND dt.oid = o.objid
    LEFT JOIN pg_namespace dtn ON dtn.oid = dt.typnamespace
    LEFT JOIN pg_rewrite rw ON o.classid = 'pg_rewrite'::regclass AND rw.oid = o.objid
    LEFT JOIN pg_class rwt ON rwt.oid = rw.ev_class
    LEFT JOIN pg_namespace rwn ON rwn.oid = rwt.relnamespace
    LEFT JOIN pg_trigger tg ON o.classid = 'pg_trigger'::regclass AND tg.oid = o.objid
    LEFT JOIN pg_class tgt ON tgt.oid = tg.tgrelid
    LEFT JOIN pg_namespace tgn ON tgn.oid = tgt.relnamespace
    LEFT JOIN pg_policy pol ON o.classid = 'pg_policy'::regclass AND pol.oid = o.objid
    LEFT JOIN pg_class polt ON polt.oid = pol.polrelid
    LEFT JOIN pg_namespace poln ON poln.oid = polt.relnamespace
"""
CLASSIFY_SQL = _CLASSIFY
"""The classification: a SELECT over a relation ``objects(type_schema, type_name,
classid, objid, objsubid, via_array)``.  The swap engine runs the same text over the
objects it names (``swap_engine/92_classify.sql``), so a blocker or a recreated object
is described exactly as a dependent is."""

_ORDER = "\n    ORDER BY type_schema, type_name, kind, schema, relation, name, description\n"

_ENUM_DEPENDENTS_SQL = sa.text(
    """
    WITH types AS (
        SELECT n.nspname::text AS schema, t.typname::text AS name, t.oid, t.typarray
        FROM pg_type t
        JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE t.typtype = 'e'
          AND (CAST(:all_types AS boolean)
               OR (n.nspname::text, t.typname::text) IN (
                   SELECT w.schema, w.name
                   FROM unnest(CAST(:schemas AS text[]), CAST(:names AS text[]))
                        AS w(schema, name)))
    ), objects AS (
        SELECT types.schema AS type_schema, types.name AS type_name,
               d.classid, d.objid, d.objsubid, (d.refobjid = types.typarray) AS via_array
        FROM types
        JOIN pg_depend d
          ON d.refclassid = 'pg_type'::regclass
         AND d.refobjid IN (types.oid, types.typarray)
         AND d.deptype IN ('n', 'a')
         AND NOT (d.classid = 'pg_type'::regclass AND d.objid = types.typarray)
    )"""
    + _CLASSIFY
    + _ORDER
)

def dependent_from(row: Mapping[Any, Any]) -> EnumDependent:
    """An :class:`EnumDependent` from a row (or JSON object) of :data:`CLASSIFY_SQL`."""
    return EnumDependent(
        type_schema=row["type_schema"],
        type_name=row["type_name"],
        kind=row["kind"],
        schema=row["schema"],
        name=row["name"],
        relation=row["relation"],
        column=row["column"],
        via_array=bool(row["via_array"]),
        partial=bool(row["partial"]),
        description=row["description"],
        partition_key=bool(row["partition_key"]),
        generated=bool(row["generated"]),
        partition=bool(row["partition"]),
        classid=int(row["classid"]),
        objid=int(row["objid"]),
        objsubid=int(row["objsubid"]),
    )


def read_enum_dependents(
    connection: Connection, types: Sequence[tuple[str, str]] | None = None
) -> list[EnumDependent]:
    """Every object using the given enum types (all enums when None), classified.

    One query whatever the number of types: ``doctor`` asks it once for the whole
    database.
    """
    if types is not None and not types:
        return []
    wanted = list(types or [])
    rows = connection.execute(
        _ENUM_DEPENDENTS_SQL,
        {
            "all_types": types is None,
            "schemas": [s for s, _ in wanted],
            "names": [n for _, n in wanted],
        },
    ).all()
    return [dependent_from(r._mapping) for r in rows]
