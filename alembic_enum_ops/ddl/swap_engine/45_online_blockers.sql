-- 45 what an online swap cannot carry over (a rewrite can): foreign keys and exclusion
-- constraints through a converted column, indexes and constraints that use the type
-- but no converted column (they would be rebuilt under an exclusive lock), extended
-- statistics on a converted column, legacy inheritance (a trigger does not reach the
-- children), sub-partitioned tables, and primary keys or unique constraints of a
-- partitioned table (no ADD CONSTRAINT ... USING INDEX there).  Each is a blocker
-- naming the object, suggesting online=False.
<<online_blockers>>
DECLARE
    r record;
BEGIN
    IF p_strategy <> 'online' THEN
        EXIT online_blockers;
    END IF;
    FOR r IN
        WITH converted AS (
            SELECT (c->>'objid')::oid AS relid, (c->>'objsubid')::int2 AS attnum
              FROM jsonb_array_elements(cols) AS c
             WHERE (c->>'converted')::boolean
        )
        -- foreign keys and exclusion constraints through a converted column
        SELECT 'pg_catalog.pg_constraint'::regclass AS classid, con.oid AS objid,
               format('%s %I on table %I.%I (an online swap cannot carry it over; '
                      'online=False does)',
                      CASE con.contype WHEN 'f' THEN 'foreign key' ELSE 'exclusion constraint' END,
                      con.conname, ns.nspname, c.relname) AS text
          FROM pg_catalog.pg_constraint con
          JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
         WHERE con.contype IN ('f', 'x')
           AND (EXISTS (SELECT 1 FROM converted v
                         WHERE v.relid = con.conrelid AND v.attnum = ANY(con.conkey))
                OR EXISTS (SELECT 1 FROM converted v
                            WHERE v.relid = con.confrelid AND v.attnum = ANY(con.confkey)))
        UNION ALL
        -- primary keys and unique constraints of a partitioned table
        SELECT 'pg_catalog.pg_constraint'::regclass, con.oid,
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
        -- indexes and constraints using the type that are on no converted column
        SELECT dep.classid, dep.objid,
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
                 JOIN converted v ON v.relid = colref.refobjid AND v.attnum = colref.refobjsubid
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
        SELECT dep.classid, dep.objid,
               format('%s (an online swap cannot carry it over; online=False does)',
                      pg_describe_object(dep.classid, dep.objid, 0))
          FROM pg_catalog.pg_depend dep
          JOIN converted v ON v.relid = dep.refobjid AND v.attnum = dep.refobjsubid
         WHERE dep.classid = 'pg_catalog.pg_statistic_ext'::regclass
           AND dep.refclassid = 'pg_catalog.pg_class'::regclass
        UNION ALL
        -- a table with legacy inheritance children, or a sub-partitioned table
        SELECT 'pg_catalog.pg_class'::regclass, c.oid,
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
        ORDER BY 3
    LOOP
        blockers := blockers || jsonb_build_object(
            'classid', r.classid::oid::bigint, 'objid', r.objid::bigint, 'objsubid', 0,
            'reason', 'online', 'text', r.text);
    END LOOP;
END online_blockers;
