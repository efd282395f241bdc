-- 45 what an online swap cannot carry over.  What a rewrite can (each blocker suggests
-- online=False): foreign keys and exclusion constraints through a converted column (a
-- partition's own included), indexes and constraints that use the type but no converted
-- column (they would be rebuilt under an exclusive lock), extended statistics on a
-- converted column, legacy inheritance (a trigger does not reach the children),
-- sub-partitioned tables, primary keys and unique constraints of a partitioned table (no
-- ADD CONSTRAINT ... USING INDEX there), a partition's own CHECKs on a converted column
-- (the capture takes the parent's only), and a BEFORE trigger firing after the sync
-- trigger that may change a converted column (the shadow would keep the value from
-- before it).
-- On a Citus coordinator, a distributed or reference table (no trigger there).
-- What neither swap can carry, that only an online swap would otherwise meet midway or
-- get wrong: a generated column computed from a converted column with a literal of the
-- type (40 lists those without one), columns of other tables holding the row type of a
-- converted table (they would read NULL for the column after the cut-over; PostgreSQL
-- refuses a rewrite), and anything else that depends on a converted column so that the
-- cut-over's DROP COLUMN would fail (a publication's column list).  Each is a blocker
-- naming the object.
<<online_blockers>>
DECLARE
    r record;
    held_types oid[];  -- row types of the converted tables and the types holding one
    held_rels oid[];   -- ... and the table whose row type each holds
    more_types oid[];
    more_rels oid[];
    u_key text := qtype;  -- the sync trigger's key, as 93 gives it (late_triggers reads it)
BEGIN
    IF p_strategy <> 'online' THEN
        EXIT online_blockers;
    END IF;
    -- Citus (15): no trigger on a distributed or reference table, so no sync trigger
    blockers := blockers || coalesce((
        SELECT jsonb_agg(jsonb_build_object(
                   'classid', 'pg_catalog.pg_class'::regclass::oid::bigint,
                   'objid', (c.x->>'objid')::bigint, 'objsubid', (c.x->>'objsubid')::int,
                   'reason', 'online',
                   'text', format('column %I of table %s.%s: a Citus %s table, and Citus '
                                  'supports no trigger on it (the online swap keeps a '
                                  'shadow column in sync with one)', c.x->>'column',
                                  c.x->>'schema', c.x->>'table',
                                  citus_tables -> (c.x->>'objid') ->> 'kind'))
                 ORDER BY c.ord)
          FROM jsonb_array_elements(cols) WITH ORDINALITY AS c(x, ord)
         WHERE (c.x->>'converted')::boolean
           AND citus_tables -> (c.x->>'objid') ->> 'kind' IN ('distributed', 'reference')),
        '[]'::jsonb);
    -- the row types of the converted tables (and partitions), then every type holding
    -- one, step by step: arrays, domains, composite types with an attribute of one
    SELECT coalesce(array_agg(c.reltype ORDER BY c.oid), '{}'),
           coalesce(array_agg(c.oid ORDER BY c.oid), '{}')
      INTO held_types, held_rels
      FROM pg_catalog.pg_class c
     WHERE c.oid IN (SELECT pt.relid
                       FROM jsonb_array_elements(cols) AS x,
                            pg_partition_tree((x->>'objid')::oid) AS pt
                      WHERE (x->>'converted')::boolean
                     UNION
                     SELECT (x->>'objid')::oid FROM jsonb_array_elements(cols) AS x
                      WHERE (x->>'converted')::boolean);
    LOOP
        SELECT array_agg(n.typid ORDER BY n.typid), array_agg(n.relid ORDER BY n.typid)
          INTO more_types, more_rels
          FROM (SELECT DISTINCT ON (x.typid) x.typid, h.relid
                  FROM unnest(held_types, held_rels) AS h(typid, relid)
                 CROSS JOIN LATERAL (
                     SELECT t.typarray AS typid FROM pg_catalog.pg_type t
                      WHERE t.oid = h.typid AND t.typarray <> 0
                     UNION ALL
                     SELECT t.oid FROM pg_catalog.pg_type t WHERE t.typbasetype = h.typid
                     UNION ALL
                     SELECT cc.reltype FROM pg_catalog.pg_attribute a
                       JOIN pg_catalog.pg_class cc ON cc.oid = a.attrelid AND cc.relkind = 'c'
                      WHERE a.atttypid = h.typid AND NOT a.attisdropped) AS x
                 WHERE NOT x.typid = ANY(held_types)
                 ORDER BY x.typid, h.relid) AS n;
        EXIT WHEN more_types IS NULL;
        held_types := held_types || more_types;
        held_rels := held_rels || more_rels;
    END LOOP;
    FOR r IN
        WITH converted AS (
            SELECT (c->>'objid')::oid AS relid, (c->>'objsubid')::int2 AS attnum
              FROM jsonb_array_elements(cols) AS c
             WHERE (c->>'converted')::boolean
        ), tree AS (
            -- the converted columns and the same columns of the tables' partitions
            SELECT v.relid AS root, a.attrelid AS relid, a.attnum, a.attname
              FROM converted v
              JOIN pg_catalog.pg_attribute ra ON ra.attrelid = v.relid AND ra.attnum = v.attnum
              JOIN pg_catalog.pg_attribute a
                ON a.attname = ra.attname AND NOT a.attisdropped
               AND a.attrelid IN (SELECT pt.relid FROM pg_partition_tree(v.relid) AS pt
                                  UNION SELECT v.relid)
        )
        -- foreign keys and exclusion constraints through a converted column
        SELECT 'pg_catalog.pg_constraint'::regclass AS classid, con.oid AS objid,
               0 AS objsubid, 'online' AS reason,
               format('%s %I on table %I.%I (an online swap cannot carry it over; '
                      'online=False does)',
                      CASE con.contype WHEN 'f' THEN 'foreign key' ELSE 'exclusion constraint' END,
                      con.conname, ns.nspname, c.relname) AS text
          FROM pg_catalog.pg_constraint con
          JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
         WHERE con.contype IN ('f', 'x') AND con.conparentid = 0
           AND (EXISTS (SELECT 1 FROM tree v
                         WHERE v.relid = con.conrelid AND v.attnum = ANY(con.conkey))
                OR EXISTS (SELECT 1 FROM tree v
                            WHERE v.relid = con.confrelid AND v.attnum = ANY(con.confkey)))
        UNION ALL
        -- primary keys and unique constraints of a partitioned table
        SELECT 'pg_catalog.pg_constraint'::regclass, con.oid, 0, 'online',
               format('%s %I on partitioned table %I.%I (an online swap cannot rebuild it '
                      'concurrently; online=False does)',
                      CASE con.contype WHEN 'p' THEN 'primary key' ELSE 'unique constraint' END,
                      con.conname, ns.nspname, c.relname)
          FROM pg_catalog.pg_constraint con
          JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
         WHERE con.contype IN ('p', 'u') AND c.relkind = 'p'
           AND EXISTS (SELECT 1 FROM converted v
                        WHERE v.relid = con.conrelid AND v.attnum = ANY(con.conkey))
        UNION ALL
        -- a partition's own CHECKs on a converted column (the parent's are captured)
        SELECT 'pg_catalog.pg_constraint'::regclass, con.oid, 0, 'online',
               format('constraint %I on partition %I.%I (a CHECK of the partition alone: an '
                      'online swap cannot carry it over; online=False does)',
                      con.conname, ns.nspname, c.relname)
          FROM pg_catalog.pg_constraint con
          JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
         WHERE con.contype = 'c' AND con.coninhcount = 0
           AND EXISTS (SELECT 1 FROM tree v
                        WHERE v.relid = con.conrelid AND v.relid <> v.root
                          AND v.attnum = ANY(con.conkey))
        UNION ALL
        -- indexes and constraints using the type that are on no converted column
        SELECT dep.classid, dep.objid, 0, 'online',
               format('%s (it uses the type but no column the online swap converts: it '
                      'would be rebuilt under an exclusive lock; online=False does that)',
                      pg_describe_object(dep.classid, dep.objid, 0))
          FROM pg_catalog.pg_depend dep
         WHERE dep.refclassid = 'pg_catalog.pg_type'::regclass
           AND dep.refobjid = ANY(type_oids) AND dep.deptype IN ('n', 'a')
           AND (dep.classid = 'pg_catalog.pg_constraint'::regclass
                OR (dep.classid = 'pg_catalog.pg_class'::regclass AND EXISTS (
                    SELECT 1 FROM pg_catalog.pg_index x WHERE x.indexrelid = dep.objid)))
           AND NOT EXISTS (
               SELECT 1 FROM pg_catalog.pg_depend colref
                 JOIN tree v ON v.relid = colref.refobjid AND v.attnum = colref.refobjsubid
                WHERE colref.classid = dep.classid AND colref.objid = dep.objid
                  AND colref.refclassid = 'pg_catalog.pg_class'::regclass)
           -- a constraint's own index is judged with its constraint
           AND NOT (dep.classid = 'pg_catalog.pg_class'::regclass AND EXISTS (
               SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = dep.objid))
           -- partitions' indexes and constraints follow their parent's
           AND NOT (dep.classid = 'pg_catalog.pg_class'::regclass AND EXISTS (
               SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = dep.objid))
           AND NOT (dep.classid = 'pg_catalog.pg_constraint'::regclass AND EXISTS (
               SELECT 1 FROM pg_catalog.pg_constraint con
                WHERE con.oid = dep.objid AND (con.coninhcount > 0 OR con.contypid <> 0)))
        UNION ALL
        -- extended statistics on a converted column
        SELECT dep.classid, dep.objid, 0, 'online',
               format('%s (an online swap cannot carry it over; online=False does)',
                      pg_describe_object(dep.classid, dep.objid, 0))
          FROM pg_catalog.pg_depend dep
         WHERE dep.classid = 'pg_catalog.pg_statistic_ext'::regclass
           AND dep.refclassid = 'pg_catalog.pg_class'::regclass
           AND EXISTS (SELECT 1 FROM tree v
                        WHERE v.relid = dep.refobjid AND v.attnum = dep.refobjsubid)
        UNION ALL
        -- a table with legacy inheritance children, or a sub-partitioned table
        SELECT 'pg_catalog.pg_class'::regclass, c.oid, 0, 'online',
               format('table %I.%I (%s; online=False converts it)', ns.nspname, c.relname,
                      CASE WHEN c.relkind = 'r'
                           THEN 'it has inheritance children, which a trigger does not reach'
                           ELSE 'it has sub-partitions, which an online swap does not handle'
                      END)
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
         WHERE c.oid IN (SELECT relid FROM converted)
           AND ((c.relkind = 'r' AND c.relhassubclass)
                OR (c.relkind = 'p' AND EXISTS (
                    SELECT 1 FROM pg_catalog.pg_inherits h
                      JOIN pg_catalog.pg_class pc ON pc.oid = h.inhrelid
                     WHERE h.inhparent = c.oid AND pc.relkind = 'p')))
        UNION ALL
        -- BEFORE triggers firing after the sync trigger that may change a converted
        -- column (the shared query: online/sql/late_triggers.sql)
        SELECT 'pg_catalog.pg_trigger'::regclass, late.tgoid, 0, 'online', late.text
          FROM (
            @@LATE_TRIGGERS@@
          ) AS late
        UNION ALL
        -- generated columns computed from a converted column with a literal of the type
        -- (those without one are listed by 40): a rewrite fails on them too
        SELECT 'pg_catalog.pg_attrdef'::regclass, ad.oid, 0, 'reads_column',
               format('%s (reads %s)',
                      pg_describe_object('pg_catalog.pg_attrdef'::regclass, ad.oid, 0),
                      pg_describe_object('pg_catalog.pg_class'::regclass, v.relid, v.attnum))
          FROM tree v
          JOIN pg_catalog.pg_attribute ga
            ON ga.attrelid = v.relid AND ga.attgenerated <> '' AND ga.attinhcount = 0
               AND NOT ga.attisdropped AND NOT ga.atttypid = ANY(type_oids)
          JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = ga.attrelid AND ad.adnum = ga.attnum
         WHERE EXISTS (  -- reads the column: 15+ records it on the expression, 14 on the column
                   SELECT 1 FROM pg_catalog.pg_depend dep
                    WHERE dep.refclassid = 'pg_catalog.pg_class'::regclass
                      AND dep.refobjid = v.relid AND dep.refobjsubid = v.attnum
                      AND ((dep.classid = 'pg_catalog.pg_attrdef'::regclass
                            AND dep.objid = ad.oid)
                           OR (dep.classid = 'pg_catalog.pg_class'::regclass
                               AND dep.objid = ga.attrelid AND dep.objsubid = ga.attnum)))
           AND EXISTS (  -- and names the type
                   SELECT 1 FROM pg_catalog.pg_depend td
                    WHERE td.refclassid = 'pg_catalog.pg_type'::regclass
                      AND td.refobjid = ANY(type_oids)
                      AND ((td.classid = 'pg_catalog.pg_attrdef'::regclass
                            AND td.objid = ad.oid)
                           OR (td.classid = 'pg_catalog.pg_class'::regclass
                               AND td.objid = ga.attrelid AND td.objsubid = ga.attnum)))
        UNION ALL
        -- columns holding the row type of a converted table (or a type holding one)
        SELECT 'pg_catalog.pg_class'::regclass, a.attrelid, a.attnum::int, 'rowtype',
               format('column %I of %s %I.%I (it holds rows of table %I.%I, whose '
                      'converted column would read NULL in them after an online swap; '
                      'PostgreSQL refuses a rewrite of that table too)',
                      a.attname,
                      CASE c.relkind WHEN 'm' THEN 'materialized view'
                                     WHEN 'f' THEN 'foreign table' ELSE 'table' END,
                      ns.nspname, c.relname, hn.nspname, hc.relname)
          FROM unnest(held_types, held_rels) AS h(typid, relid)
          JOIN pg_catalog.pg_attribute a ON a.atttypid = h.typid
          JOIN pg_catalog.pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p', 'm', 'f')
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
          JOIN pg_catalog.pg_class hc ON hc.oid = h.relid
          JOIN pg_catalog.pg_namespace hn ON hn.oid = hc.relnamespace
         WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attinhcount = 0
        UNION ALL
        -- anything else the cut-over's DROP COLUMN would refuse to drop with the column
        -- (a publication's column list)
        SELECT dep.classid, dep.objid, 0, 'depends',
               format('%s (it depends on %s, which an online swap drops at the cut-over; '
                      'remove that dependency first)',
                      pg_describe_object(dep.classid, dep.objid, dep.objsubid),
                      pg_describe_object(dep.refclassid, dep.refobjid, dep.refobjsubid))
          FROM pg_catalog.pg_depend dep
          JOIN tree v ON v.relid = dep.refobjid AND v.attnum = dep.refobjsubid
         WHERE dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.deptype = 'n'
           AND dep.classid NOT IN ('pg_catalog.pg_class'::regclass,
                                   'pg_catalog.pg_constraint'::regclass,
                                   'pg_catalog.pg_attrdef'::regclass,
                                   'pg_catalog.pg_rewrite'::regclass,
                                   'pg_catalog.pg_trigger'::regclass,
                                   'pg_catalog.pg_policy'::regclass,
                                   'pg_catalog.pg_statistic_ext'::regclass)
        ORDER BY 5
    LOOP
        blockers := blockers || jsonb_build_object(
            'classid', r.classid::oid::bigint, 'objid', r.objid::bigint,
            'objsubid', r.objsubid, 'reason', r.reason, 'text', r.text);
    END LOOP;
END online_blockers;
