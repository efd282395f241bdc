"""What an online conversion refuses, as PL/pgSQL fragments of its expand block
(:mod:`.online_convert`): the source column's own checks, every object reading the
column that neither conversion carries over, what the capture found that cannot be
rebuilt on the shadow, and the one refusal (EO001) naming them all.

They live apart from the block that uses them because they are the part that grows:
each kind of object the conversion cannot carry is one more query here, and each is
triggered by a test in ``tests/operations/test_convert_online.py``.
"""

from __future__ import annotations

from sqlalchemy.engine import Dialect

from ..convert import CONSTANT_DEFAULT_RE
from ..sqltext import literal

SOURCE_CHECK = """
    u_subject := u_key;
    u_relkind := (SELECT c.relkind::text FROM pg_catalog.pg_class c WHERE c.oid = rel_oid);
    shadow := CASE WHEN octet_length(p_column) <= 55 THEN p_column || '__eo_new'
                   ELSE 'eo_new_' || left(md5(p_column), 24) END;
    SELECT a.attnotnull INTO col_not_null FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = rel_oid AND a.attnum = col_num;
    IF p_direction = 'enum_to_check' THEN
        IF col_type IS DISTINCT FROM to_regtype(p_type) THEN
            RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
                'alembic_enum_ops: column %I of table %I.%I has type %s, not the enum %s',
                p_column, p_schema, p_table, format_type(col_type, NULL), p_type);
        END IF;
        SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) INTO labels
          FROM pg_catalog.pg_enum e WHERE e.enumtypid = col_type;
        IF labels IS DISTINCT FROM p_values THEN
            RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
                'alembic_enum_ops: enum %s has labels %s but these were expected: %s',
                p_type, labels, p_values);
        END IF;
    ELSE
        IF col_type NOT IN ('pg_catalog.text'::regtype, 'pg_catalog.varchar'::regtype,
                            'pg_catalog.bpchar'::regtype)
           AND col_type IS DISTINCT FROM to_regtype(p_target) THEN
            RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
                'alembic_enum_ops: column %I of table %I.%I has type %s, neither a text '
                'type nor the enum %s', p_column, p_schema, p_table,
                format_type(col_type, NULL), p_type);
        END IF;
        IF to_regtype(p_target) IS NULL AND NOT p_create THEN
            RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
                'alembic_enum_ops: enum %s does not exist (create_type=False)', p_type);
        ELSIF to_regtype(p_target) IS NULL THEN
            EXECUTE format('CREATE TYPE %s AS ENUM (%s)', p_target,
                           (SELECT string_agg(format('%L', v), ', ' ORDER BY n)
                              FROM unnest(p_values) WITH ORDINALITY AS x(v, n)));
        END IF;
    END IF;"""


def blockers(dialect: Dialect) -> str:
    """Everything reading the column that neither conversion carries over, one
    problem each (the partitions' columns included)."""
    default_re = literal(dialect, CONSTANT_DEFAULT_RE)
    return f"""
    IF col_default IS NOT NULL AND col_default !~ {default_re} THEN
        problems := problems || format('the default of column %I (%s): not a constant; '
                                       'drop it before the conversion and set it again '
                                       'after it', p_column, col_default);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_partitioned_table pt
                WHERE pt.partrelid = rel_oid AND col_num = ANY (pt.partattrs)) THEN
        problems := problems || format('column %I is part of the partition key of %I.%I',
                                       p_column, p_schema, p_table);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h JOIN pg_catalog.pg_class ch
                 ON ch.oid = h.inhrelid
                WHERE h.inhparent = rel_oid AND NOT ch.relispartition) THEN
        problems := problems || format('table %I.%I has inheritance children, which a '
                                       'trigger does not reach', p_schema, p_table);
    END IF;
    FOR found IN
        WITH cols AS (  -- the column in the table and in each of its partitions
            SELECT a.attrelid, a.attnum
              FROM pg_catalog.pg_attribute a
             WHERE a.attrelid IN (SELECT relid FROM pg_partition_tree(rel_oid)
                                  UNION SELECT rel_oid)
               AND a.attname = p_column AND NOT a.attisdropped
        )
        SELECT DISTINCT CASE
                   -- a view's rule is the view; a generated column's default, the column
                   WHEN dep.classid = 'pg_catalog.pg_rewrite'::regclass
                        AND rw.rulename = '_RETURN'
                   THEN CASE vc.relkind WHEN 'm' THEN 'materialized view ' ELSE 'view ' END
                        || rw.ev_class::regclass::text
                   WHEN dep.classid IN ('pg_catalog.pg_attrdef'::regclass,
                                        'pg_catalog.pg_class'::regclass)
                        AND ga.attgenerated <> ''
                   THEN format('generated column %I of table %s', ga.attname,
                               ga.attrelid::regclass)
                   ELSE pg_describe_object(dep.classid, dep.objid, dep.objsubid) END AS what
          FROM pg_catalog.pg_depend dep
          JOIN cols ON dep.refclassid = 'pg_catalog.pg_class'::regclass
                   AND dep.refobjid = cols.attrelid AND dep.refobjsubid = cols.attnum
          LEFT JOIN pg_catalog.pg_rewrite rw
                 ON dep.classid = 'pg_catalog.pg_rewrite'::regclass AND rw.oid = dep.objid
          LEFT JOIN pg_catalog.pg_class vc ON vc.oid = rw.ev_class
          LEFT JOIN pg_catalog.pg_attrdef gd
                 ON dep.classid = 'pg_catalog.pg_attrdef'::regclass AND gd.oid = dep.objid
          -- a generated column: PostgreSQL 15+ records the dependency on its expression
          -- (pg_attrdef), 14 on the column itself (pg_class, objsubid)
          LEFT JOIN pg_catalog.pg_attribute ga
                 ON (ga.attrelid = gd.adrelid AND ga.attnum = gd.adnum)
                 OR (dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objsubid > 0
                     AND ga.attrelid = dep.objid AND ga.attnum = dep.objsubid)
         WHERE dep.deptype IN ('n', 'a')
           -- indexes: captured below; a constraint of an index: the same
           AND NOT (dep.classid = 'pg_catalog.pg_class'::regclass
                    AND EXISTS (SELECT 1 FROM pg_catalog.pg_index x
                                 WHERE x.indexrelid = dep.objid))
           -- CHECK, primary key and unique constraints: looked at below / with indexes;
           -- NOT NULL (a constraint from PostgreSQL 18): carried by the cut-over
           AND NOT (dep.classid = 'pg_catalog.pg_constraint'::regclass
                    AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                                 WHERE con.oid = dep.objid
                                   AND con.contype IN ('c', 'p', 'u', 'n')))
           -- the column's own default (a generated column's expression is another's)
           AND NOT (dep.classid = 'pg_catalog.pg_attrdef'::regclass
                    AND EXISTS (SELECT 1 FROM pg_catalog.pg_attrdef ad
                                 WHERE ad.oid = dep.objid AND ad.adnum = cols.attnum))
           -- this conversion's own trigger, from an earlier run
           AND NOT (dep.classid = 'pg_catalog.pg_trigger'::regclass
                    AND starts_with(coalesce(obj_description(dep.objid, 'pg_trigger'), ''),
                                    online_marker))
         ORDER BY 1
    LOOP
        problems := problems || found.what;
    END LOOP;
    -- a BEFORE INSERT or UPDATE row trigger firing after the sync trigger that may
    -- change the column (the query the swap's 45_online_blockers runs too)
    FOR found IN
        WITH tree AS (
            SELECT rel_oid AS root, pt.relid, p_column::name AS attname
              FROM pg_partition_tree(rel_oid) AS pt
            UNION SELECT rel_oid, rel_oid, p_column::name
        )
        SELECT late.text AS what FROM (
            @@LATE_TRIGGERS@@
        ) AS late
        ORDER BY 1
    LOOP
        problems := problems || found.what;
    END LOOP;"""


CAPTURED_CHECK = """
    -- what the capture found on the column: an index must read it as a plain key of
    -- a fitting operator class and collation; a CHECK other than the one converted
    -- would not survive the type change (as with the rewrite conversion)
    FOR step IN SELECT value FROM jsonb_array_elements(captured) LOOP
        IF step->>'kind' = 'index' AND (step->>'reads_column')::boolean THEN
            problems := problems || format(
                'index %I.%I (its expression or predicate reads column %I)',
                step->>'schema', step->>'name', p_column);
        ELSIF step->>'kind' = 'check'
              AND NOT (p_direction = 'check_to_enum' AND step->>'name' = p_constraint) THEN
            problems := problems || format('constraint %I on %I.%I (a CHECK on column %I)',
                                           step->>'name', p_schema, p_table, p_column);
        END IF;
    END LOOP;
    FOR found IN
        SELECT ic.relname::text AS idx, ns.nspname::text AS nsp
          FROM pg_catalog.pg_index x
          JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = ic.relnamespace
          CROSS JOIN LATERAL unnest(x.indkey::int2[], x.indclass::oid[],
                                    x.indcollation::oid[]) AS k(attnum, opclass, coll)
          JOIN pg_catalog.pg_opclass oc ON oc.oid = k.opclass
          JOIN pg_catalog.pg_attribute a
            ON a.attrelid = x.indrelid AND a.attname = p_column AND a.attnum = k.attnum
         WHERE x.indrelid IN (SELECT relid FROM pg_partition_tree(rel_oid)
                              UNION SELECT rel_oid)
           -- an explicit operator class, or a collation other than the column's
           AND (NOT oc.opcdefault OR k.coll IS DISTINCT FROM a.attcollation)
         ORDER BY 2, 1
    LOOP
        problems := problems || format(
            'index %I.%I (its operator class or collation on column %I fits only the old '
            'type)', found.nsp, found.idx, p_column);
    END LOOP;
    -- a CHECK converted to the type goes with the old column; enum_to_check's new one
    -- is a twin: added NOT VALID on the shadow, validated, renamed at the cut-over
    captured := (SELECT coalesce(jsonb_agg(value), '[]'::jsonb)
                   FROM jsonb_array_elements(captured) WHERE value->>'kind' = 'index');
    IF p_direction = 'enum_to_check' THEN
        captured := captured || jsonb_build_object(
            'kind', 'check', 'table', rel_oid::bigint, 'name', p_constraint,
            'shadow', CASE WHEN octet_length(p_constraint) <= 55
                           THEN p_constraint || '__eo_new'
                           ELSE 'eo_new_' || left(md5(p_constraint), 24) END,
            -- as the rewrite conversion writes it (check_sql.check_expression)
            'sql', format('CHECK (%I::text = ANY (ARRAY[%s]::text[]))', shadow,
                          (SELECT string_agg(format('%L', v), ', ' ORDER BY n)
                             FROM unnest(p_values) WITH ORDINALITY AS x(v, n))),
            'validated', true);
    END IF;"""


REFUSE = """
    IF cardinality(problems) > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'EO001', MESSAGE = format(
            'alembic_enum_ops: refusing to convert column %I.%I.%I online: %s object(s) '
            'cannot be carried over (nothing was changed):%s', p_schema, p_table, p_column,
            cardinality(problems), E'\\n  - ' || array_to_string(problems, E'\\n  - ')),
            HINT = 'Drop these objects in the migration before the conversion '
                   '(op.execute) and recreate them after it.';
    END IF;"""
