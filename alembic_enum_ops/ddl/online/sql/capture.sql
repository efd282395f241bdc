-- (shared) the index and CHECK definitions the converted columns of one table need on
-- their shadows, captured with PostgreSQL's own deparser: each converted column is
-- renamed, for a moment and inside the caller's transaction, to its shadow's name, so
-- every index and CHECK involving it prints as it must read on the shadow
-- (expressions, predicates, INCLUDE columns and all); then the names go back.
-- Used by the online swap (65) and the online conversions (online_convert.py).
--
-- Reads: u_relid, u_nsp, u_rel, u_columns (jsonb: col, shadow), online_marker.
-- Appends to: captured ({sql, what, kind index|check, table, name, shadow, ...};
-- reads_column: the index's expressions or predicate, or the CHECK, read a column).
<<capture>>
DECLARE
    c jsonb;
    r record;
    parked text;
    shadow_idx text;
    def text;
BEGIN
    -- a shadow an earlier run added steps aside; each converted column takes its name
    FOR c IN SELECT value FROM jsonb_array_elements(u_columns) LOOP
        parked := 'eo_parked_' || left(md5(c->>'shadow'), 20);
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = u_relid AND a.attname = c->>'shadow'
                      AND NOT a.attisdropped) THEN
            EXECUTE format('ALTER TABLE %I.%I RENAME COLUMN %I TO %I', u_nsp, u_rel,
                           c->>'shadow', parked);
        END IF;
        EXECUTE format('ALTER TABLE %I.%I RENAME COLUMN %I TO %I', u_nsp, u_rel,
                       c->>'col', c->>'shadow');
    END LOOP;
    -- every index on those columns: a partitioned table's index (built ON ONLY the
    -- parent) and its partitions' indexes (built concurrently, then attached)
    FOR r IN
        SELECT ic.oid, ins.nspname::text AS nsp, ic.relname::text AS idx, ic.relkind,
               tc.oid AS tbl, format('%I.%I', tns.nspname, tc.relname) AS qt,
               x.indisclustered, x.indisreplident,
               (SELECT pic.relname::text FROM pg_catalog.pg_inherits h
                  JOIN pg_catalog.pg_class pic ON pic.oid = h.inhparent
                 WHERE h.inhrelid = ic.oid) AS parent,
               (SELECT pns.nspname::text FROM pg_catalog.pg_inherits h
                  JOIN pg_catalog.pg_class pic ON pic.oid = h.inhparent
                  JOIN pg_catalog.pg_namespace pns ON pns.oid = pic.relnamespace
                 WHERE h.inhrelid = ic.oid) AS parent_nsp,
               con.conname::text AS constraint_name, con.contype::text AS contype,
               con.condeferrable, con.condeferred,
               (SELECT spc.spcname::text FROM pg_catalog.pg_tablespace spc
                 WHERE spc.oid = ic.reltablespace) AS spc,
               concat_ws(' ', pg_get_expr(x.indexprs, x.indrelid),
                         pg_get_expr(x.indpred, x.indrelid)) AS exprs
          FROM pg_catalog.pg_index x
          JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
          JOIN pg_catalog.pg_namespace ins ON ins.oid = ic.relnamespace
          JOIN pg_catalog.pg_class tc ON tc.oid = x.indrelid
          JOIN pg_catalog.pg_namespace tns ON tns.oid = tc.relnamespace
          LEFT JOIN pg_catalog.pg_constraint con
                 ON con.conindid = ic.oid AND con.conrelid = tc.oid
                AND con.contype IN ('p', 'u')
         WHERE (x.indrelid = u_relid
                OR x.indrelid IN (SELECT relid FROM pg_partition_tree(u_relid)))
           -- a key column, or read by an expression or predicate (a constraint's
           -- index depends on its constraint, not on the columns: hence indkey)
           AND (EXISTS (
                    SELECT 1 FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey::int2[])
                       AND a.attname IN (SELECT value->>'shadow'
                                           FROM jsonb_array_elements(u_columns)))
                OR EXISTS (
                    SELECT 1 FROM pg_catalog.pg_depend dep
                      JOIN pg_catalog.pg_attribute a
                        ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
                     WHERE dep.classid = 'pg_catalog.pg_class'::regclass
                       AND dep.objid = ic.oid
                       AND dep.refclassid = 'pg_catalog.pg_class'::regclass
                       AND a.attname IN (SELECT value->>'shadow'
                                           FROM jsonb_array_elements(u_columns))))
         ORDER BY (ic.relkind = 'I') DESC, 2, 3
    LOOP
        shadow_idx := CASE WHEN octet_length(r.idx) <= 55 THEN r.idx || '__eo_new'
                           ELSE 'eo_new_' || left(md5(r.idx), 24) END;
        def := regexp_replace(
            pg_get_indexdef(r.oid),
            '^(CREATE (UNIQUE )?INDEX) ([^ "]+|"([^"]|"")*") ON (ONLY )?',
            '\1 ' || CASE WHEN r.relkind = 'I' THEN '' ELSE 'CONCURRENTLY ' END
                || replace(format('%I', shadow_idx), '\', '\\')
                || CASE WHEN r.relkind = 'I' THEN ' ON ONLY ' ELSE ' ON ' END);
        captured := captured || jsonb_build_object(
            'sql', def, 'what', format('index %I.%I', r.nsp, r.idx),
            'definition', true, 'retarget', true, 'kind', 'index',
            'table', u_relid::bigint, 'schema', r.nsp, 'name', r.idx,
            'shadow', shadow_idx, 'partitioned', r.relkind = 'I',
            -- a partition's index is attached to its parent's twin
            'attach_to', CASE WHEN r.parent IS NULL THEN NULL
                              WHEN octet_length(r.parent) <= 55 THEN r.parent || '__eo_new'
                              ELSE 'eo_new_' || left(md5(r.parent), 24) END,
            'attach_schema', r.parent_nsp,
            'on', r.qt, 'clustered', r.indisclustered, 'replident', r.indisreplident,
            'constraint', r.constraint_name, 'contype', r.contype,
            'deferrable', r.condeferrable, 'deferred', r.condeferred,
            'tablespace', r.spc,
            'reads_column', EXISTS (
                SELECT 1 FROM jsonb_array_elements(u_columns) AS rc
                 WHERE strpos(r.exprs, format('%I', rc.value->>'shadow')) > 0));
    END LOOP;
    -- every CHECK on those columns (a partitioned table's recurses to its partitions)
    FOR r IN
        SELECT con.conname::text AS nm, pg_get_constraintdef(con.oid) AS def,
               con.convalidated
          FROM pg_catalog.pg_constraint con
         WHERE con.conrelid = u_relid AND con.contype = 'c' AND con.coninhcount = 0
           AND NOT starts_with(coalesce(obj_description(con.oid, 'pg_constraint'), ''),
                               online_marker)  -- our own helpers of an earlier run
           AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = u_relid AND a.attnum = ANY(con.conkey)
                          AND a.attname IN (SELECT value->>'shadow'
                                              FROM jsonb_array_elements(u_columns)))
         ORDER BY 1
    LOOP
        captured := captured || jsonb_build_object(
            'sql', regexp_replace(r.def, ' NOT VALID$', ''),
            'what', format('constraint %I on %I.%I', r.nm, u_nsp, u_rel),
            'definition', true, 'retarget', true, 'kind', 'check',
            'table', u_relid::bigint, 'name', r.nm, 'validated', r.convalidated,
            'shadow', CASE WHEN octet_length(r.nm) <= 55 THEN r.nm || '__eo_new'
                           ELSE 'eo_new_' || left(md5(r.nm), 24) END);
    END LOOP;
    -- the names go back
    FOR c IN SELECT value FROM jsonb_array_elements(u_columns) LOOP
        parked := 'eo_parked_' || left(md5(c->>'shadow'), 20);
        EXECUTE format('ALTER TABLE %I.%I RENAME COLUMN %I TO %I', u_nsp, u_rel,
                       c->>'shadow', c->>'col');
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = u_relid AND a.attname = parked
                      AND NOT a.attisdropped) THEN
            EXECUTE format('ALTER TABLE %I.%I RENAME COLUMN %I TO %I', u_nsp, u_rel,
                           parked, c->>'shadow');
        END IF;
    END LOOP;
END capture;
