-- 40 objects reading a column of the type that PostgreSQL would not let a column type
-- change through: rules (other than views'), policies, trigger WHEN clauses, and
-- generated columns computed from it
<<column_users>>
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT DISTINCT dep.classid, dep.objid,
               pg_describe_object(dep.classid, dep.objid, 0) AS descr
          FROM pg_catalog.pg_depend dep
          JOIN pg_catalog.pg_rewrite rw ON rw.oid = dep.objid
         WHERE dep.classid = 'pg_catalog.pg_rewrite'::regclass
           AND rw.rulename <> '_RETURN'
           AND dep.refclassid = 'pg_catalog.pg_class'::regclass
           AND (dep.refobjid, dep.refobjsubid) IN (
               SELECT (c->>'objid')::oid, (c->>'objsubid')::int
                 FROM jsonb_array_elements(cols) AS c)
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend td  -- listed by 20 already
                            WHERE td.classid = dep.classid AND td.objid = dep.objid
                              AND td.refclassid = 'pg_catalog.pg_type'::regclass
                              AND td.refobjid = ANY(type_oids))
         ORDER BY 3
    LOOP
        blockers := blockers || jsonb_build_object(
            'classid', r.classid::bigint, 'objid', r.objid::bigint, 'objsubid', 0,
            'reason', 'rule', 'text', r.descr);
    END LOOP;

    FOR r IN
        SELECT DISTINCT dep.classid, dep.objid,
               pg_describe_object(dep.classid, dep.objid, 0) AS descr,
               pg_describe_object(dep.refclassid, dep.refobjid, dep.refobjsubid) AS col
          FROM pg_catalog.pg_depend dep
         WHERE dep.refclassid = 'pg_catalog.pg_class'::regclass
           AND (dep.refobjid, dep.refobjsubid) IN (
               SELECT (c->>'objid')::oid, (c->>'objsubid')::int
                 FROM jsonb_array_elements(cols) AS c)
           AND (dep.classid IN ('pg_catalog.pg_policy'::regclass,
                                'pg_catalog.pg_trigger'::regclass)
                OR (dep.classid = 'pg_catalog.pg_attrdef'::regclass AND EXISTS (
                    SELECT 1 FROM pg_catalog.pg_attrdef ad
                      JOIN pg_catalog.pg_attribute a
                        ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
                     WHERE ad.oid = dep.objid AND a.attgenerated <> '')))
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend td
                            WHERE td.classid = dep.classid AND td.objid = dep.objid
                              AND td.refclassid = 'pg_catalog.pg_type'::regclass
                              AND td.refobjid = ANY(type_oids))
        UNION
        -- PostgreSQL 14 records a generated column's dependency on the columns it reads
        -- as column -> column (15+ records it on the expression, pg_attrdef, as above)
        SELECT 'pg_catalog.pg_attrdef'::regclass, ad.oid,
               pg_describe_object('pg_catalog.pg_attrdef'::regclass, ad.oid, 0),
               pg_describe_object(dep.refclassid, dep.refobjid, dep.refobjsubid)
          FROM pg_catalog.pg_depend dep
          JOIN pg_catalog.pg_attribute a
            ON a.attrelid = dep.objid AND a.attnum = dep.objsubid AND a.attgenerated <> ''
          JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
         WHERE dep.classid = 'pg_catalog.pg_class'::regclass
           AND dep.refclassid = 'pg_catalog.pg_class'::regclass
           AND dep.objid = dep.refobjid AND dep.objsubid <> dep.refobjsubid
           AND (dep.refobjid, dep.refobjsubid) IN (
               SELECT (c->>'objid')::oid, (c->>'objsubid')::int
                 FROM jsonb_array_elements(cols) AS c)
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend td
                            WHERE td.classid = 'pg_catalog.pg_class'::regclass
                              AND td.objid = a.attrelid AND td.objsubid = a.attnum
                              AND td.refclassid = 'pg_catalog.pg_type'::regclass
                              AND td.refobjid = ANY(type_oids))
         ORDER BY 3, 4
    LOOP
        blockers := blockers || jsonb_build_object(
            'classid', r.classid::bigint, 'objid', r.objid::bigint, 'objsubid', 0,
            'reason', 'reads_column', 'text', format('%s (reads %s)', r.descr, r.col));
    END LOOP;
END column_users;
