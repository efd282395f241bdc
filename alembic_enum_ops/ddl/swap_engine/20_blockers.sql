-- 20 objects using the type that a swap cannot carry over: functions, procedures,
-- rules, triggers, policies, composite and range types, foreign tables, domains over
-- the array type... (columns, views, indexes, constraints and defaults come later)
<<type_users>>
DECLARE
    r record;
    quoted_schema text := regexp_replace(p_schema, '([^[:alnum:]_])', '\\\1', 'g');
    quoted_name text := regexp_replace(p_name, '([^[:alnum:]_])', '\\\1', 'g');
BEGIN
    FOR r IN
        SELECT dep.classid, dep.objid, dep.objsubid,
               CASE WHEN pr.prokind = 'p' THEN 'procedure ' || pr.oid::regprocedure::text
                    ELSE pg_describe_object(dep.classid, dep.objid, dep.objsubid) END AS descr,
               pg_describe_object(dep.refclassid, dep.refobjid, 0) AS on_what,
               c.relkind, rw.rulename
          FROM pg_catalog.pg_depend dep
          LEFT JOIN pg_catalog.pg_class c
                 ON dep.classid = 'pg_catalog.pg_class'::regclass AND c.oid = dep.objid
          LEFT JOIN pg_catalog.pg_rewrite rw
                 ON dep.classid = 'pg_catalog.pg_rewrite'::regclass AND rw.oid = dep.objid
          LEFT JOIN pg_catalog.pg_proc pr
                 ON dep.classid = 'pg_catalog.pg_proc'::regclass AND pr.oid = dep.objid
         WHERE dep.refclassid = 'pg_catalog.pg_type'::regclass
           AND dep.refobjid = ANY(type_oids)
           AND dep.deptype IN ('n', 'a')
         ORDER BY 4
    LOOP
        IF r.classid = 'pg_catalog.pg_class'::regclass
           AND r.relkind IN ('r', 'p', 'v', 'm', 'i', 'I') THEN
            CONTINUE;  -- columns, views and indexes: handled below
        ELSIF r.classid = 'pg_catalog.pg_type'::regclass AND r.objid = ANY(type_oids) THEN
            CONTINUE;  -- our domains and their array types
        ELSIF r.classid IN ('pg_catalog.pg_attrdef'::regclass,
                            'pg_catalog.pg_constraint'::regclass) THEN
            CONTINUE;  -- defaults and constraints: checked below
        ELSIF r.classid = 'pg_catalog.pg_rewrite'::regclass AND r.rulename = '_RETURN' THEN
            CONTINUE;  -- views: recreated
        END IF;
        blockers := blockers || jsonb_build_object(
            'classid', r.classid::bigint, 'objid', r.objid::bigint, 'objsubid', r.objsubid,
            'reason', 'uses_type', 'text', format('%s (uses %s)', r.descr, r.on_what));
    END LOOP;
    -- functions whose body casts to the type: no pg_depend entry records that
    FOR r IN
        SELECT p.oid, p.oid::regprocedure::text AS descr, p.prokind
          FROM pg_catalog.pg_proc p
          JOIN pg_catalog.pg_namespace ns ON ns.oid = p.pronamespace
         WHERE ns.nspname NOT IN ('pg_catalog', 'information_schema')
           AND p.prolang NOT IN (SELECT oid FROM pg_catalog.pg_language
                                  WHERE lanname IN ('c', 'internal'))
           -- a qualified cast always counts; an unqualified one only when it can mean
           -- this type (no same-named type elsewhere, or the function lives beside it)
           AND (p.prosrc ~* ('::\s*"?' || quoted_schema || '"?\s*\.\s*"?' || quoted_name
                             || '"?\M')
                OR (p.prosrc ~* ('::\s*"?' || quoted_name || '"?\M')
                    AND (ns.nspname = p_schema OR NOT EXISTS (
                        SELECT 1 FROM pg_catalog.pg_type other
                          JOIN pg_catalog.pg_namespace ons ON ons.oid = other.typnamespace
                         WHERE other.typname = p_name AND ons.nspname <> p_schema))))
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                            WHERE dep.classid = 'pg_catalog.pg_proc'::regclass
                              AND dep.objid = p.oid AND dep.refobjid = ANY(type_oids))
         ORDER BY 2
    LOOP
        blockers := blockers || jsonb_build_object(
            'classid', 'pg_catalog.pg_proc'::regclass::oid::bigint, 'objid', r.oid::bigint,
            'objsubid', 0,
            'reason', 'casts', 'text', format('%s %s (its body casts to the type)',
                CASE r.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, r.descr));
    END LOOP;
END type_users;
