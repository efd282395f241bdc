"""What depends on an enum type: every object recorded in ``pg_depend``, classified.

Each function is one query, whatever the number of types asked about.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection


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



@dataclass(frozen=True)
class EnumDependent:
    """One object that uses an enum type, classified for ``doctor``.

    ``kind`` is one of: ``column`` (table or partitioned table), ``view_column``,
    ``matview_column``, ``foreign_column``, ``composite_attribute``, ``index``,
    ``check``, ``constraint``, ``default``, ``function``, ``procedure``,
    ``aggregate``, ``domain``, ``type``, ``rule``, ``trigger``, ``relation``,
    ``generation_expression`` (of a generated column), ``other``.
    ``schema``/``relation`` locate the object (for an index, CHECK, default, rule or
    trigger: the table it is on), ``name`` is its own name and ``column`` the column
    it concerns, when there is one.
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

    @property
    def type_key(self) -> tuple[str, str]:
        return (self.type_schema, self.type_name)


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
    )
    SELECT types.schema AS type_schema,
           types.name AS type_name,
           CASE
             WHEN d.classid = 'pg_class'::regclass AND d.objsubid <> 0 THEN
               CASE c.relkind WHEN 'r' THEN 'column' WHEN 'p' THEN 'column'
                              WHEN 'v' THEN 'view_column' WHEN 'm' THEN 'matview_column'
                              WHEN 'f' THEN 'foreign_column'
                              WHEN 'c' THEN 'composite_attribute' ELSE 'column' END
             WHEN d.classid = 'pg_class'::regclass THEN
               CASE WHEN c.relkind IN ('i', 'I') THEN 'index' ELSE 'relation' END
             WHEN d.classid = 'pg_constraint'::regclass THEN
               CASE con.contype WHEN 'c' THEN 'check' ELSE 'constraint' END
             WHEN d.classid = 'pg_attrdef'::regclass THEN
               CASE WHEN ada.attgenerated <> '' THEN 'generation_expression'
                    ELSE 'default' END
             WHEN d.classid = 'pg_proc'::regclass THEN
               CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
                              ELSE 'function' END
             WHEN d.classid = 'pg_type'::regclass THEN
               CASE dt.typtype WHEN 'd' THEN 'domain' ELSE 'type' END
             WHEN d.classid = 'pg_rewrite'::regclass THEN 'rule'
             WHEN d.classid = 'pg_trigger'::regclass THEN 'trigger'
             ELSE 'other'
           END AS kind,
           COALESCE(cn.nspname, conn_.nspname, adn.nspname, pn.nspname, dtn.nspname,
                    rwn.nspname, tgn.nspname)::text AS schema,
           COALESCE(
             CASE WHEN d.classid = 'pg_class'::regclass AND d.objsubid = 0
                  THEN c.relname END,
             con.conname,
             CASE WHEN p.oid IS NOT NULL
                  THEN p.proname || '(' || oidvectortypes(p.proargtypes) || ')'
             END,
             dt.typname, rw.rulename, tg.tgname)::text AS name,
           COALESCE(
             CASE WHEN d.classid = 'pg_class'::regclass AND d.objsubid <> 0
                  THEN c.relname END,
             ixt.relname, cont.relname, adt.relname, rwt.relname, tgt.relname)::text
             AS relation,
           COALESCE(a.attname, ada.attname)::text AS column,
           (d.refobjid = types.typarray) AS via_array,
           (ix.indpred IS NOT NULL) AS partial,
           pg_describe_object(d.classid, d.objid, d.objsubid) AS description,
           coalesce(a.attnum = ANY(CAST(pt.partattrs AS int2[])), false) AS partition_key,
           coalesce(a.attgenerated <> '', false) AS generated,
           coalesce(a.attinhcount > 0, false) AS partition
    FROM types
    JOIN pg_depend d
      ON d.refclassid = 'pg_type'::regclass
     AND d.refobjid IN (types.oid, types.typarray)
     AND d.deptype IN ('n', 'a')
     AND NOT (d.classid = 'pg_type'::regclass AND d.objid = types.typarray)
    LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
    LEFT JOIN pg_namespace cn ON cn.oid = c.relnamespace
    LEFT JOIN pg_attribute a
      ON d.classid = 'pg_class'::regclass AND d.objsubid > 0
     AND a.attrelid = d.objid AND a.attnum = d.objsubid
    LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
    LEFT JOIN pg_index ix ON ix.indexrelid = c.oid
    LEFT JOIN pg_class ixt ON ixt.oid = ix.indrelid
    LEFT JOIN pg_constraint con ON d.classid = 'pg_constraint'::regclass AND con.oid = d.objid
    LEFT JOIN pg_namespace conn_ ON conn_.oid = con.connamespace
    LEFT JOIN pg_class cont ON cont.oid = con.conrelid
    LEFT JOIN pg_attrdef ad ON d.classid = 'pg_attrdef'::regclass AND ad.oid = d.objid
    LEFT JOIN pg_class adt ON adt.oid = ad.adrelid
    LEFT JOIN pg_namespace adn ON adn.oid = adt.relnamespace
    LEFT JOIN pg_attribute ada ON ada.attrelid = ad.adrelid AND ada.attnum = ad.adnum
    LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
    LEFT JOIN pg_namespace pn ON pn.oid = p.pronamespace
    LEFT JOIN pg_type dt ON d.classid = 'pg_type'::regclass AND dt.oid = d.objid
    LEFT JOIN pg_namespace dtn ON dtn.oid = dt.typnamespace
    LEFT JOIN pg_rewrite rw ON d.classid = 'pg_rewrite'::regclass AND rw.oid = d.objid
    LEFT JOIN pg_class rwt ON rwt.oid = rw.ev_class
    LEFT JOIN pg_namespace rwn ON rwn.oid = rwt.relnamespace
    LEFT JOIN pg_trigger tg ON d.classid = 'pg_trigger'::regclass AND tg.oid = d.objid
    LEFT JOIN pg_class tgt ON tgt.oid = tg.tgrelid
    LEFT JOIN pg_namespace tgn ON tgn.oid = tgt.relnamespace
    ORDER BY types.schema, types.name, kind, schema, relation, name, description
    """
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
    return [
        EnumDependent(
            type_schema=r.type_schema,
            type_name=r.type_name,
            kind=r.kind,
            schema=r.schema,
            name=r.name,
            relation=r.relation,
            column=r.column,
            via_array=bool(r.via_array),
            partial=bool(r.partial),
            description=r.description,
            partition_key=bool(r.partition_key),
            generated=bool(r.generated),
            partition=bool(r.partition),
        )
        for r in rows
    ]



_FUNCTION_MENTIONS_SQL = sa.text(
    r"""
    SELECT n.nspname::text AS type_schema, t.typname::text AS type_name,
           pn.nspname::text AS schema,
           (p.proname || '(' || oidvectortypes(p.proargtypes) || ')')::text AS name,
           CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END AS kind
    FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    JOIN pg_proc p
      ON p.prosrc ~* ('::\s*("?' || regexp_replace(n.nspname, '([^[:alnum:]_])', '\', 'g')
                      || '"?\s*\.\s*)?"?'
                      || regexp_replace(t.typname, '([^[:alnum:]_])', '\', 'g') || '"?\M')
    JOIN pg_namespace pn ON pn.oid = p.pronamespace
    WHERE t.typtype = 'e'
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND pn.nspname NOT IN ('pg_catalog', 'information_schema')
      AND p.prolang NOT IN (SELECT oid FROM pg_language WHERE lanname IN ('c', 'internal'))
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                       WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                         AND d.refclassid = 'pg_type'::regclass
                         AND d.refobjid IN (t.oid, t.typarray))
    ORDER BY 1, 2, 3, 4
    """
)


def read_function_mentions(connection: Connection) -> list[EnumDependent]:
    """Functions and procedures whose *body* casts to an enum (``::name`` or
    ``::schema.name``) with no catalog dependency recording it (PL/pgSQL, plain SQL
    bodies): a swap refuses them, so ``doctor`` reports them.  One query for all enums.
    """
    rows = connection.execute(_FUNCTION_MENTIONS_SQL).all()
    return [
        EnumDependent(
            type_schema=r.type_schema,
            type_name=r.type_name,
            kind=r.kind,
            schema=r.schema,
            name=r.name,
            relation=None,
            column=None,
            via_array=False,
            partial=False,
            description=f"{r.kind} {r.schema}.{r.name} (its body casts to the type)",
        )
        for r in rows
    ]
