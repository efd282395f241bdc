-- 85 domains over the type: a twin over the new type takes each one's place and name
-- (created first, renamed after the old domain is dropped), with its NOT NULL, CHECKs,
-- default, owner, comment and grants
<<the_domains>>
DECLARE
    d record;
    r record;
    q text;
    message text;
BEGIN
    FOR d IN
        SELECT ty.oid, ns.nspname::text AS nsp, ty.typname::text AS typ, ty.typnotnull,
               pg_get_expr(ty.typdefaultbin, 0) AS def,
               pg_get_userbyid(ty.typowner)::text AS owner,
               obj_description(ty.oid, 'pg_type') AS cmt, ty.typacl, tmp.name AS tmp,
               EXISTS (SELECT 1 FROM pg_catalog.pg_type o
                        WHERE o.typnamespace = ty.typnamespace AND o.typname = tmp.name)
                   AS tmp_taken,
               -- an online swap's expand created the twin already
               p_strategy = 'online' AND EXISTS (
                   SELECT 1 FROM pg_catalog.pg_type o
                    WHERE o.typnamespace = ty.typnamespace AND o.typname = tmp.name
                      AND starts_with(coalesce(obj_description(o.oid, 'pg_type'), ''),
                                      online_marker)) AS twin_exists,
               -- PostgreSQL 17+ names a domain's NOT NULL constraint: keep the name
               (SELECT format(' CONSTRAINT %I', con.conname) FROM pg_catalog.pg_constraint con
                 WHERE con.contypid = ty.oid AND con.contype = 'n' LIMIT 1) AS nn_name,
               -- validated CHECKs go on the twin from the start (their literals are
               -- retargeted to the new type by 90): ALTER DOMAIN ... ADD CONSTRAINT
               -- cannot check columns of arrays over the domain
               (SELECT string_agg(format(' CONSTRAINT %I %s', con.conname,
                                         pg_get_constraintdef(con.oid)), '' ORDER BY con.conname)
                  FROM pg_catalog.pg_constraint con
                 WHERE con.contypid = ty.oid AND con.contype = 'c' AND con.convalidated)
                   AS checks,
               (SELECT array_agg(format('GRANT %s ON DOMAIN %I.%I TO %s%s', x.privilege_type,
                                        ns.nspname, ty.typname,
                                        CASE WHEN x.grantee = 0 THEN 'PUBLIC'
                                             ELSE quote_ident(pg_get_userbyid(x.grantee)) END,
                                        CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION'
                                             ELSE '' END)
                                 ORDER BY x.grantee, x.privilege_type)
                  FROM aclexplode(ty.typacl) AS x) AS grants
          FROM pg_catalog.pg_type ty
          JOIN pg_catalog.pg_namespace ns ON ns.oid = ty.typnamespace
          CROSS JOIN LATERAL (
              SELECT CASE WHEN octet_length(ty.typname) <= 59 THEN ty.typname || '__v2'
                          ELSE 'enum_ops_v2_' || md5(ty.typname) END::text AS name) AS tmp
         WHERE ty.oid = ANY(dom_oids)
         ORDER BY 2, 3
    LOOP
        q := format('%I.%I', d.nsp, d.typ);
        IF d.tmp_taken AND NOT d.twin_exists THEN
            message := format(
                'alembic_enum_ops: cannot swap enum %s.%s: the temporary name %s.%s of its '
                'domain %s is already taken; drop or rename that object first',
                p_schema, p_name, d.nsp, d.tmp, q);
            IF p_mode NOT IN ('describe', 'preview') THEN
                RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = message;
            END IF;
            refusals := refusals || jsonb_build_object('sqlstate', 'EO002',
                                                       'message', message);
        END IF;
        recreated := recreated || jsonb_build_object(
            'classid', 'pg_catalog.pg_type'::regclass::oid::bigint,
            'objid', d.oid::bigint, 'objsubid', 0, 'kind', 'domain');
        IF NOT d.twin_exists THEN
            pre := pre || jsonb_build_object(
                'sql', format('CREATE DOMAIN %I.%I AS %s%s%s', d.nsp, d.tmp, qtmp,
                              CASE WHEN d.typnotnull THEN coalesce(d.nn_name, '') || ' NOT NULL'
                                   ELSE '' END,
                              coalesce(d.checks, '')),
                'what', format('domain %s', q), 'definition', true, 'retarget', true,
                'twin', format('%I.%I', d.nsp, d.tmp));
        END IF;
        renames := renames || jsonb_build_object(
            'sql', format('ALTER DOMAIN %I.%I RENAME TO %I', d.nsp, d.tmp, d.typ),
            'what', format('domain %s', q));
        domain_drops := domain_drops || jsonb_build_object(
            'sql', format('DROP DOMAIN %s', q), 'what', format('domain %s', q));
        IF d.def IS NOT NULL THEN
            creates := jsonb_build_object(
                'sql', format('ALTER DOMAIN %s SET DEFAULT %s', q, d.def),
                'what', format('default of domain %s', q), 'definition', true) || creates;
        END IF;
        IF d.owner <> current_user THEN
            creates := creates || jsonb_build_object(
                'sql', format('ALTER DOMAIN %s OWNER TO %I', q, d.owner),
                'what', format('owner of domain %s', q));
        END IF;
        IF d.cmt IS NOT NULL OR p_mode = 'cutover' THEN  -- (the twin's is ours)
            creates := creates || jsonb_build_object(
                'sql', format('COMMENT ON DOMAIN %s IS %L', q, d.cmt),
                'what', format('comment on domain %s', q));
        END IF;
        IF d.typacl IS NOT NULL THEN
            creates := creates
                || jsonb_build_object('sql', format('REVOKE ALL ON DOMAIN %s FROM PUBLIC', q),
                                      'what', format('grants on domain %s', q))
                || jsonb_build_object('sql', format('REVOKE ALL ON DOMAIN %s FROM %I', q,
                                                    d.owner),
                                      'what', format('grants on domain %s', q))
                || coalesce((SELECT jsonb_agg(jsonb_build_object(
                                 'sql', g, 'what', format('grants on domain %s', q))
                                 ORDER BY n)
                               FROM unnest(d.grants) WITH ORDINALITY AS x(g, n)), '[]');
        END IF;
    END LOOP;
    -- domain CHECKs that were NOT VALID are added back NOT VALID (no scan); comments
    FOR r IN
        SELECT format('%I.%I', ns.nspname, ty.typname) AS q, con.conname::text AS nm,
               pg_get_constraintdef(con.oid) AS def, con.convalidated,
               obj_description(con.oid, 'pg_constraint') AS cmt
          FROM pg_catalog.pg_constraint con
          JOIN pg_catalog.pg_type ty ON ty.oid = con.contypid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = ty.typnamespace
         WHERE con.contypid = ANY(dom_oids) AND con.contype = 'c'
           AND (NOT con.convalidated OR obj_description(con.oid, 'pg_constraint') IS NOT NULL)
         ORDER BY 1, 2
    LOOP
        IF NOT r.convalidated THEN
            creates := creates || jsonb_build_object(
                'sql', format('ALTER DOMAIN %s ADD CONSTRAINT %I %s', r.q, r.nm, r.def),
                'what', format('constraint %I of domain %s', r.nm, r.q), 'definition', true);
        END IF;
        IF r.cmt IS NOT NULL THEN
            creates := creates || jsonb_build_object(
                'sql', format('COMMENT ON CONSTRAINT %I ON DOMAIN %s IS %L', r.nm, r.q, r.cmt),
                'what', format('comment on constraint %I of domain %s', r.nm, r.q));
        END IF;
    END LOOP;
END the_domains;
