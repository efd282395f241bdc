-- 50 views and materialized views on the columns or the type, and views on those: each
-- is dropped and recreated (deepest first / in dependency order) with its options,
-- owner, grants, comments, column defaults, indexes and triggers.  Objects depending on
-- such a view (a rule, a function returning its rows...) would have to be dropped too:
-- they block the swap.
<<the_views>>
DECLARE
    r record;
    view_oids oid[] := '{}'::oid[];
    kind text;
    q text;
    s text;
BEGIN
    FOR r IN
        WITH RECURSIVE closure(relid, depth) AS (
            SELECT rw.ev_class, 1
              FROM pg_catalog.pg_depend dep
              JOIN pg_catalog.pg_rewrite rw ON rw.oid = dep.objid
             WHERE dep.classid = 'pg_catalog.pg_rewrite'::regclass
               AND rw.rulename = '_RETURN'
               AND rw.ev_class <> dep.refobjid
               AND ((dep.refclassid = 'pg_catalog.pg_class'::regclass
                     AND (dep.refobjid, dep.refobjsubid) IN (
                         SELECT (c->>'objid')::oid, (c->>'objsubid')::int
                           FROM jsonb_array_elements(cols) AS c))
                    OR (dep.refclassid = 'pg_catalog.pg_type'::regclass
                        AND dep.refobjid = ANY(type_oids)))
            UNION ALL
            SELECT rw.ev_class, closure.depth + 1
              FROM closure
              JOIN pg_catalog.pg_depend dep
                ON dep.refclassid = 'pg_catalog.pg_class'::regclass
               AND dep.refobjid = closure.relid
               AND dep.classid = 'pg_catalog.pg_rewrite'::regclass
              JOIN pg_catalog.pg_rewrite rw ON rw.oid = dep.objid
             WHERE rw.ev_class <> closure.relid AND rw.rulename = '_RETURN'
        )
        SELECT c.oid, max(cl.depth) AS depth, ns.nspname::text AS nsp, c.relname::text AS rel,
               c.relkind, c.reloptions, c.relispopulated, pg_get_viewdef(c.oid) AS def,
               (SELECT spc.spcname::text FROM pg_catalog.pg_tablespace spc
                 WHERE spc.oid = c.reltablespace) AS spc
          FROM closure cl
          JOIN pg_catalog.pg_class c ON c.oid = cl.relid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
         GROUP BY c.oid, ns.nspname, c.relname
         ORDER BY 2, 3, 4
    LOOP
        view_oids := view_oids || r.oid;
        kind := CASE r.relkind WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END;
        q := format('%I.%I', r.nsp, r.rel);
        rels := rels || jsonb_build_object('schema', r.nsp, 'name', r.rel,
                                           'kind', lower(kind), 'rewritten', false);
        recreated := recreated || jsonb_build_object(
            'classid', 'pg_catalog.pg_class'::regclass::oid::bigint,
            'objid', r.oid::bigint, 'objsubid', 0, 'kind', lower(kind));
        drops := jsonb_build_object('sql', format('DROP %s %s', kind, q),
                                    'what', format('%s %s', lower(kind), q))
                 || drops;  -- deepest first
        s := format('CREATE %s %s', kind, q);
        IF r.reloptions IS NOT NULL THEN
            s := s || ' WITH (' || (
                SELECT string_agg(format('%s=%L', split_part(o, '=', 1),
                                         substr(o, strpos(o, '=') + 1)), ', ')
                  FROM unnest(r.reloptions) AS o) || ')';
        END IF;
        IF r.relkind = 'm' AND r.spc IS NOT NULL THEN
            s := s || format(' TABLESPACE %I', r.spc);
        END IF;
        s := s || ' AS ' || rtrim(r.def, E'; \n');
        IF r.relkind = 'm' THEN
            s := s || CASE WHEN r.relispopulated THEN ' WITH DATA' ELSE ' WITH NO DATA' END;
        END IF;
        creates := creates || jsonb_build_object('sql', s, 'what', format('%s %s', lower(kind), q),
                                                 'definition', true);
    END LOOP;

    -- what the recreated views carry: one set-based query per kind, in view order
    -- (the CREATEs above come first, so every statement below finds its view)
    FOR r IN
        SELECT format('%I.%I', ns.nspname, c.relname) AS q,
               CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END AS kind,
               pg_get_userbyid(c.relowner)::text AS owner, c.relacl,
               obj_description(c.oid, 'pg_class') AS cmt
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
         WHERE c.oid = ANY(view_oids)
         ORDER BY array_position(view_oids, c.oid)
    LOOP
        IF r.owner <> current_user THEN
            creates := creates || jsonb_build_object(
                'sql', format('ALTER %s %s OWNER TO %I', r.kind, r.q, r.owner),
                'what', format('owner of %s', r.q));
        END IF;
        IF r.cmt IS NOT NULL THEN
            creates := creates || jsonb_build_object(
                'sql', format('COMMENT ON %s %s IS %L', r.kind, r.q, r.cmt),
                'what', format('comment on %s', r.q));
        END IF;
        IF r.relacl IS NOT NULL THEN
            creates := creates
                || jsonb_build_object('sql', format('REVOKE ALL ON TABLE %s FROM PUBLIC', r.q),
                                      'what', format('grants on %s', r.q))
                || jsonb_build_object('sql', format('REVOKE ALL ON TABLE %s FROM %I', r.q,
                                                    r.owner),
                                      'what', format('grants on %s', r.q));
        END IF;
    END LOOP;
    FOR r IN
        SELECT format('GRANT %s%s ON TABLE %s TO %s%s', x.privilege_type,
                      CASE WHEN src.attname IS NULL THEN '' ELSE format(' (%I)', src.attname) END,
                      format('%I.%I', ns.nspname, c.relname),
                      CASE WHEN x.grantee = 0 THEN 'PUBLIC'
                           ELSE quote_ident(pg_get_userbyid(x.grantee)) END,
                      CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) AS stmt,
               format('grants on %I.%I', ns.nspname, c.relname) AS what
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
          CROSS JOIN LATERAL (
              SELECT NULL::name AS attname, 0 AS attnum, c.relacl AS acl  -- the view's own
              UNION ALL
              SELECT a.attname, a.attnum, a.attacl                        -- its columns'
                FROM pg_catalog.pg_attribute a
               WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                 AND a.attacl IS NOT NULL) AS src
          CROSS JOIN LATERAL aclexplode(src.acl) AS x
         WHERE c.oid = ANY(view_oids)
         ORDER BY array_position(view_oids, c.oid), src.attnum, x.grantee, x.privilege_type
    LOOP
        creates := creates || jsonb_build_object('sql', r.stmt, 'what', r.what);
    END LOOP;
    FOR r IN
        SELECT format('%I.%I', ns.nspname, c.relname) AS q, a.attname::text AS col,
               col_description(c.oid, a.attnum) AS cmt, pg_get_expr(ad.adbin, ad.adrelid) AS def
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
          LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
         WHERE c.oid = ANY(view_oids) AND a.attnum > 0 AND NOT a.attisdropped
           AND (col_description(c.oid, a.attnum) IS NOT NULL OR ad.oid IS NOT NULL)
         ORDER BY array_position(view_oids, c.oid), a.attnum
    LOOP
        IF r.cmt IS NOT NULL THEN
            creates := creates || jsonb_build_object(
                'sql', format('COMMENT ON COLUMN %s.%I IS %L', r.q, r.col, r.cmt),
                'what', format('comment on %s.%I', r.q, r.col));
        END IF;
        IF r.def IS NOT NULL THEN
            creates := creates || jsonb_build_object(
                'sql', format('ALTER VIEW %s ALTER COLUMN %I SET DEFAULT %s', r.q, r.col, r.def),
                'what', format('default of %s.%I', r.q, r.col), 'definition', true);
        END IF;
    END LOOP;
    FOR r IN
        SELECT pg_get_indexdef(x.indexrelid) AS def,
               obj_description(x.indexrelid, 'pg_class') AS cmt,
               format('%I.%I', ns.nspname, ic.relname) AS qi,
               (SELECT spc.spcname::text FROM pg_catalog.pg_tablespace spc
                 WHERE spc.oid = ic.reltablespace) AS spc
          FROM pg_catalog.pg_index x
          JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = ic.relnamespace
         WHERE x.indrelid = ANY(view_oids)
         ORDER BY array_position(view_oids, x.indrelid), ic.relname
    LOOP
        IF r.spc IS NOT NULL THEN
            creates := creates || jsonb_build_object(
                'sql', format('SET LOCAL default_tablespace = %I', r.spc),
                'what', format('tablespace of index %s', r.qi));
        END IF;
        creates := creates || jsonb_build_object('sql', r.def, 'what', format('index %s', r.qi),
                                                 'definition', true);
        IF r.cmt IS NOT NULL THEN
            creates := creates || jsonb_build_object(
                'sql', format('COMMENT ON INDEX %s IS %L', r.qi, r.cmt),
                'what', format('comment on index %s', r.qi));
        END IF;
        IF r.spc IS NOT NULL THEN
            creates := creates || jsonb_build_object(
                'sql', format('SET LOCAL default_tablespace = %L', saved_spc),
                'what', format('tablespace of index %s', r.qi));
        END IF;
    END LOOP;
    FOR r IN
        SELECT pg_get_triggerdef(tg.oid) AS def,
               format('trigger %I on %I.%I', tg.tgname, ns.nspname, c.relname) AS what,
               format('%I ON %I.%I', tg.tgname, ns.nspname, c.relname) AS qt,
               obj_description(tg.oid, 'pg_trigger') AS cmt
          FROM pg_catalog.pg_trigger tg
          JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
         WHERE tg.tgrelid = ANY(view_oids) AND NOT tg.tgisinternal
         ORDER BY array_position(view_oids, tg.tgrelid), tg.tgname
    LOOP
        creates := creates || jsonb_build_object('sql', r.def, 'what', r.what,
                                                 'definition', true);
        IF r.cmt IS NOT NULL THEN
            creates := creates || jsonb_build_object(
                'sql', format('COMMENT ON TRIGGER %s IS %L', r.qt, r.cmt),
                'what', 'comment on ' || r.what);
        END IF;
    END LOOP;
    -- rules other than the views' own, and objects depending on a view itself (a
    -- function returning its rows...): the swap would have to drop them
    FOR r IN
        SELECT DISTINCT dep.classid, dep.objid, dep.objsubid,
               pg_describe_object(dep.classid, dep.objid, dep.objsubid) AS descr,
               format('%I.%I', ns.nspname, c.relname) AS q
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
          JOIN pg_catalog.pg_depend dep
            ON (dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.refobjid = c.oid)
            OR (dep.refclassid = 'pg_catalog.pg_type'::regclass AND dep.refobjid = c.reltype)
          LEFT JOIN pg_catalog.pg_rewrite rw
                 ON dep.classid = 'pg_catalog.pg_rewrite'::regclass AND rw.oid = dep.objid
         WHERE c.oid = ANY(view_oids)
           AND ((dep.deptype = 'n'
                 AND NOT (dep.classid = 'pg_catalog.pg_rewrite'::regclass
                          AND rw.rulename = '_RETURN'))
                OR (rw.rulename <> '_RETURN' AND rw.ev_class = c.oid))
         ORDER BY 4
    LOOP
        blockers := blockers || jsonb_build_object(
            'classid', r.classid::bigint, 'objid', r.objid::bigint, 'objsubid', r.objsubid,
            'reason', 'view_user',
            'text', format('%s (depends on %s, which the swap must recreate)', r.descr, r.q));
    END LOOP;
END the_views;
