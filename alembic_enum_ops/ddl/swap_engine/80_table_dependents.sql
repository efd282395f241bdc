-- 80 indexes, constraints and defaults that mention the type: dropped before the
-- conversion and recreated after it (an index predicate or a CHECK comparing the column
-- to an enum literal would fail with "operator does not exist" otherwise, a default
-- with "cannot be cast automatically")
<<table_dependents>>
DECLARE
    r record;
    foreign_keys jsonb := '[]'::jsonb;  -- recreated last, after every key they may reference
BEGIN
    -- an online expand needs none of this; an online cut-over carries the defaults
    -- only (the indexes and constraints of a converted column go with it, and their
    -- twins, built on the shadow beforehand, take their names)
    IF p_mode = 'expand' THEN
        EXIT table_dependents;
    END IF;
    FOR r IN
        SELECT ic.oid, format('%I.%I', ns.nspname, ic.relname) AS qi,
               -- a partitioned index reads "ON ONLY": recreate it on the partitions too
               regexp_replace(pg_get_indexdef(ic.oid),
                              '^(CREATE (UNIQUE )?INDEX ([^ "]+|"([^"]|"")*") ON) ONLY ', '\1 ')
                   AS def,
               obj_description(ic.oid, 'pg_class') AS cmt, x.indisclustered,
               ic.relname::text AS idx, format('%I.%I', ns.nspname, tc.relname) AS qt,
               (SELECT spc.spcname::text FROM pg_catalog.pg_tablespace spc
                 WHERE spc.oid = ic.reltablespace) AS spc
          FROM pg_catalog.pg_class ic
          JOIN pg_catalog.pg_index x ON x.indexrelid = ic.oid
          JOIN pg_catalog.pg_class tc ON tc.oid = x.indrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = ic.relnamespace
         WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                        WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = ic.oid
                          AND dep.refclassid = 'pg_catalog.pg_type'::regclass
                          AND dep.refobjid = ANY(type_oids))
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                            WHERE con.conindid = ic.oid AND con.contype IN ('p', 'u', 'x'))
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = ic.oid)
           AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(recreated) AS v  -- a view's
                            WHERE v.value->>'kind' IN ('view', 'materialized view')
                              AND (v.value->>'objid')::oid = x.indrelid)
           AND p_mode <> 'cutover'
         ORDER BY 2
    LOOP
        recreated := recreated || jsonb_build_object(
            'classid', 'pg_catalog.pg_class'::regclass::oid::bigint,
            'objid', r.oid::bigint, 'objsubid', 0, 'kind', 'index');
        drops := drops || jsonb_build_object('sql', format('DROP INDEX %s', r.qi),
                                             'what', format('index %s', r.qi));
        IF r.spc IS NOT NULL THEN
            creates := creates || jsonb_build_object(
                'sql', format('SET LOCAL default_tablespace = %I', r.spc),
                'what', format('tablespace of index %s', r.qi));
        END IF;
        creates := creates || jsonb_build_object('sql', r.def, 'what', format('index %s', r.qi),
                                                 'definition', true);
        IF r.spc IS NOT NULL THEN
            creates := creates || jsonb_build_object(
                'sql', format('SET LOCAL default_tablespace = %L', saved_spc),
                'what', format('tablespace of index %s', r.qi));
        END IF;
        IF r.indisclustered THEN
            creates := creates || jsonb_build_object(
                'sql', format('ALTER TABLE %s CLUSTER ON %I', r.qt, r.idx),
                'what', format('cluster on %s', r.qi));
        END IF;
        IF r.cmt IS NOT NULL THEN
            creates := creates || jsonb_build_object(
                'sql', format('COMMENT ON INDEX %s IS %L', r.qi, r.cmt),
                'what', format('comment on index %s', r.qi));
        END IF;
    END LOOP;

    FOR r IN
        SELECT con.oid, format('%I.%I', ns.nspname, c.relname) AS qr, con.conname::text AS nm,
               pg_get_constraintdef(con.oid) AS def,
               obj_description(con.oid, 'pg_constraint') AS cmt, con.contype
          FROM pg_catalog.pg_constraint con
          JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
         WHERE con.conrelid <> 0 AND con.coninhcount = 0 AND p_mode <> 'cutover'
           AND (EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                         WHERE dep.classid = 'pg_catalog.pg_constraint'::regclass
                           AND dep.objid = con.oid
                           AND dep.refclassid = 'pg_catalog.pg_type'::regclass
                           AND dep.refobjid = ANY(type_oids))
                OR (con.contype = 'x' AND EXISTS (
                    SELECT 1 FROM pg_catalog.pg_depend dep
                     WHERE dep.classid = 'pg_catalog.pg_class'::regclass
                       AND dep.objid = con.conindid
                       AND dep.refclassid = 'pg_catalog.pg_type'::regclass
                       AND dep.refobjid = ANY(type_oids)))
                OR (con.contype = 'f' AND EXISTS (
                    SELECT 1 FROM jsonb_array_elements(cols) AS col
                     WHERE ((col->>'objid')::oid = con.conrelid
                            AND (col->>'objsubid')::int2 = ANY(con.conkey))
                        OR ((col->>'objid')::oid = con.confrelid
                            AND (col->>'objsubid')::int2 = ANY(con.confkey)))))
         ORDER BY (con.contype = 'f') DESC, 2, 3
    LOOP
        recreated := recreated || jsonb_build_object(
            'classid', 'pg_catalog.pg_constraint'::regclass::oid::bigint,
            'objid', r.oid::bigint, 'objsubid', 0, 'kind', 'constraint');
        drops := drops || jsonb_build_object(
            'sql', format('ALTER TABLE %s DROP CONSTRAINT %I', r.qr, r.nm),
            'what', format('constraint %I on %s', r.nm, r.qr));
        IF r.contype = 'f' THEN
            foreign_keys := foreign_keys || jsonb_build_object(
                'sql', format('ALTER TABLE %s ADD CONSTRAINT %I %s', r.qr, r.nm, r.def),
                'what', 'foreign key', 'definition', true);
            IF r.cmt IS NOT NULL THEN
                foreign_keys := foreign_keys || jsonb_build_object(
                    'sql', format('COMMENT ON CONSTRAINT %I ON %s IS %L', r.nm, r.qr, r.cmt),
                    'what', 'foreign key');
            END IF;
        ELSE
            creates := creates || jsonb_build_object(
                'sql', format('ALTER TABLE %s ADD CONSTRAINT %I %s', r.qr, r.nm, r.def),
                'what', format('constraint %I on %s', r.nm, r.qr), 'definition', true);
            IF r.cmt IS NOT NULL THEN
                creates := creates || jsonb_build_object(
                    'sql', format('COMMENT ON CONSTRAINT %I ON %s IS %L', r.nm, r.qr, r.cmt),
                    'what', format('comment on constraint %I on %s', r.nm, r.qr));
            END IF;
        END IF;
    END LOOP;
    creates := creates || foreign_keys;

    FOR r IN
        SELECT ad.oid, format('%I.%I', ns.nspname, c.relname) AS qr, a.attname::text AS col,
               pg_get_expr(ad.adbin, ad.adrelid) AS def
          FROM pg_catalog.pg_attrdef ad
          JOIN pg_catalog.pg_class c ON c.oid = ad.adrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
          JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
         WHERE c.relkind IN ('r', 'p') AND a.attgenerated = ''
           AND (a.atttypid = ANY(type_oids)
                OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                            WHERE dep.classid = 'pg_catalog.pg_attrdef'::regclass
                              AND dep.objid = ad.oid
                              AND dep.refclassid = 'pg_catalog.pg_type'::regclass
                              AND dep.refobjid = ANY(type_oids)))
         ORDER BY c.relispartition, 2, 3
    LOOP
        recreated := recreated || jsonb_build_object(
            'classid', 'pg_catalog.pg_attrdef'::regclass::oid::bigint,
            'objid', r.oid::bigint, 'objsubid', 0, 'kind', 'default');
        drops := drops || jsonb_build_object(
            'sql', format('ALTER TABLE ONLY %s ALTER COLUMN %I DROP DEFAULT', r.qr, r.col),
            'what', format('default of %s.%I', r.qr, r.col));
        -- defaults first: the recreated constraints and views may rely on them
        creates := jsonb_build_object(
            'sql', format('ALTER TABLE ONLY %s ALTER COLUMN %I SET DEFAULT %s', r.qr, r.col,
                          r.def),
            'what', format('default of %s.%I', r.qr, r.col), 'definition', true) || creates;
    END LOOP;
END table_dependents;
