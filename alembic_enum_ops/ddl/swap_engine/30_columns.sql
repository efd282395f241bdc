-- 30 every column of the type, its array type, a domain over it (or its array): the
-- columns to convert (one ALTER TABLE per table), the data check per table, and the
-- columns no conversion can reach
<<the_columns>>
DECLARE
    r record;
    cast_to text;
    clause text;
    branches jsonb := '[]'::jsonb;      -- data-check pieces: {relation, shown, branch, pre}
    last_rel oid;
    last_qrel text;
    clauses text;
BEGIN
    FOR r IN
        SELECT c.oid AS relid, ns.nspname::text AS nsp, c.relname::text AS rel, c.relkind,
               c.relpersistence = 't' AND ns.oid <> pg_my_temp_schema() AS foreign_temp,
               a.attname::text AS col, a.attnum, a.attinhcount, a.attgenerated, a.attnotnull,
               ty.oid = array_oid OR ty.typelem = ANY(dom_oids) AS is_array,
               CASE WHEN ty.typtype = 'd' THEN ty.oid
                    WHEN ty.typelem = ANY(dom_oids) THEN ty.typelem END AS dom,
               CASE WHEN dt.oid IS NOT NULL THEN
                   format('%I.%I', dns.nspname,
                          CASE WHEN octet_length(dt.typname) <= 59 THEN dt.typname || '__v2'
                               ELSE 'enum_ops_v2_' || md5(dt.typname) END) END AS dom_tmp,
               c.relkind = 'p' AND EXISTS (
                   SELECT 1 FROM pg_catalog.pg_partitioned_table pt
                    WHERE pt.partrelid = c.oid AND a.attnum = ANY(pt.partattrs::int2[]))
                   AS partition_key
          FROM pg_catalog.pg_attribute a
          JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
          JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
          LEFT JOIN pg_catalog.pg_type dt
                 ON dt.oid = CASE WHEN ty.typtype = 'd' THEN ty.oid
                                  WHEN ty.typelem = ANY(dom_oids) THEN ty.typelem END
          LEFT JOIN pg_catalog.pg_namespace dns ON dns.oid = dt.typnamespace
         WHERE a.atttypid = ANY(type_oids) AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY 2, 3, a.attnum
    LOOP
        cols := cols || jsonb_build_object(
            'classid', 'pg_catalog.pg_class'::regclass::oid::bigint,
            'objid', r.relid::bigint, 'objsubid', r.attnum, 'relkind', r.relkind,
            'schema', r.nsp, 'table', r.rel, 'column', r.col, 'array', r.is_array,
            'domain', r.dom IS NOT NULL, 'inherited', r.attinhcount > 0,
            'converted', false);
        IF r.foreign_temp THEN
            blockers := blockers || jsonb_build_object(
                'classid', 'pg_catalog.pg_class'::regclass::oid::bigint,
                'objid', r.relid::bigint, 'objsubid', r.attnum, 'reason', 'temporary',
                'text', format('column %I of temporary table %s.%s of another session (it '
                               'cannot be altered from here; wait until that session ends)',
                               r.col, r.nsp, r.rel));
            CONTINUE;
        END IF;
        IF r.partition_key THEN
            blockers := blockers || jsonb_build_object(
                'classid', 'pg_catalog.pg_class'::regclass::oid::bigint,
                'objid', r.relid::bigint, 'objsubid', r.attnum, 'reason', 'partition_key',
                'text', format('column %I of table %s.%s is part of its partition key '
                               '(PostgreSQL cannot change the type of a partition key '
                               'column)', r.col, r.nsp, r.rel));
            CONTINUE;
        END IF;
        IF (citus_tables -> r.relid::text ->> 'key')::int2 = r.attnum THEN
            blockers := blockers || jsonb_build_object(
                'classid', 'pg_catalog.pg_class'::regclass::oid::bigint,
                'objid', r.relid::bigint, 'objsubid', r.attnum, 'reason', 'distribution_column',
                'text', format('column %I of table %s.%s is its Citus distribution column '
                               '(Citus cannot change the type of a distribution column; '
                               'undistribute_table() first, or distribute by another '
                               'column)', r.col, r.nsp, r.rel));
            CONTINUE;
        END IF;
        IF r.relkind IN ('r', 'p') AND r.attgenerated <> '' THEN
            blockers := blockers || jsonb_build_object(
                'classid', 'pg_catalog.pg_class'::regclass::oid::bigint,
                'objid', r.relid::bigint, 'objsubid', r.attnum, 'reason', 'generated',
                'text', format('generated column %I of table %s.%s', r.col, r.nsp, r.rel));
            CONTINUE;
        END IF;
        IF r.relkind NOT IN ('r', 'p') OR r.attinhcount > 0 THEN
            -- views and indexes are handled below; partitions and inheritance children
            -- follow their parent; composite types and foreign tables were refused
            CONTINUE;
        END IF;
        cols := jsonb_set(cols, ARRAY[(jsonb_array_length(cols) - 1)::text, 'converted'],
                          'true');
        -- the data check: rows holding a label that vanishes.  One scan per table for
        -- all its columns (see below); compared as the enum (no per-row text
        -- conversion; a domain column is cast to the enum, as the labels may fail the
        -- domain's CHECK); arrays prefiltered with &&
        IF cardinality(vanish) > 0 THEN
            cast_to := CASE WHEN r.dom IS NULL THEN '' ELSE '::' || qtype END;
            branches := branches || jsonb_build_object(
                'relation', format('%I.%I', r.nsp, r.rel),
                'shown', format('%s.%s', r.nsp, r.rel),
                -- Citus pushes a table's query down to its shards, but not a lateral
                -- UNION ALL: one query per column there (one scan each)
                'solo', CASE WHEN citus_tables ? r.relid::text THEN
                    CASE WHEN r.is_array THEN format(
                        'SELECT %L, u.l, count(*), %L FROM %I.%I AS t CROSS JOIN LATERAL '
                        '(SELECT DISTINCT e::text AS l FROM unnest(t.%I) AS e '
                        'WHERE e::text = ANY($1)) AS u WHERE t.%I%s && $1::%s[] '
                        'GROUP BY u.l ORDER BY u.l',
                        r.col, ' (in the array)', r.nsp, r.rel, r.col, r.col,
                        CASE WHEN cast_to = '' THEN '' ELSE cast_to || '[]' END, qtype)
                    ELSE format(
                        'SELECT %L, t.%I::text AS l, count(*), %L FROM %I.%I AS t '
                        'WHERE t.%I%s = ANY($1::%s[]) GROUP BY 2 ORDER BY 2',
                        r.col, r.col, '', r.nsp, r.rel, r.col, cast_to, qtype) END END,
                'branch', CASE WHEN r.is_array THEN format(
                    'SELECT DISTINCT %s AS n, %L AS c, e::text AS l, %L AS tail '
                    'FROM unnest(t.%I) AS e WHERE e::text = ANY($1)',
                    r.attnum, r.col, ' (in the array)', r.col)
                    ELSE format(
                    'SELECT %s AS n, %L AS c, t.%I::text AS l, %L AS tail '
                    'WHERE t.%I%s = ANY($1::%s[])',
                    r.attnum, r.col, r.col, '', r.col, cast_to, qtype) END,
                'pre', CASE WHEN r.is_array THEN format('t.%I%s && $1::%s[]', r.col,
                    CASE WHEN cast_to = '' THEN '' ELSE cast_to || '[]' END, qtype)
                    ELSE format('t.%I%s = ANY($1::%s[])', r.col, cast_to, qtype) END);
        END IF;
        -- online: a shadow column of the new type, kept equal to the mapped value by
        -- a trigger (which refuses a label that vanishes with no mapping)
        IF p_strategy = 'online' THEN
            online_cols := online_cols || jsonb_build_object(
                'relid', r.relid::bigint, 'nsp', r.nsp, 'rel', r.rel, 'relkind', r.relkind,
                'col', r.col, 'array', r.is_array, 'not_null', r.attnotnull,
                'shadow', CASE WHEN octet_length(r.col) <= 55 THEN r.col || '__eo_new'
                               ELSE 'eo_new_' || left(md5(r.col), 24) END,
                'target', coalesce(r.dom_tmp, qtmp) || CASE WHEN r.is_array THEN '[]'
                                                             ELSE '' END,
                'value', CASE WHEN r.is_array
                              THEN format(map_array, format('NEW.%I::text[]', r.col))
                              ELSE '(' || format(map_text, format('NEW.%I::text', r.col))
                                   || ')' END,
                'refused', CASE WHEN cardinality(vanish) = 0 THEN NULL
                                WHEN r.is_array THEN format('NEW.%I::text[] && %L::text[]',
                                                            r.col, vanish)
                                ELSE format('NEW.%I::text = ANY (%L::text[])', r.col, vanish)
                           END);
        END IF;
        -- the conversion: one ALTER TABLE per table
        IF r.is_array THEN
            clause := format('ALTER COLUMN %I TYPE %s[] USING %s::%s[]', r.col,
                             coalesce(r.dom_tmp, qtmp),
                             format(map_array, format('%I::text[]', r.col)),
                             coalesce(r.dom_tmp, qtmp));
        ELSE
            clause := format('ALTER COLUMN %I TYPE %s USING (%s)::%s', r.col,
                             coalesce(r.dom_tmp, qtmp),
                             format(map_text, format('%I::text', r.col)),
                             coalesce(r.dom_tmp, qtmp));
        END IF;
        IF r.relid IS DISTINCT FROM last_rel THEN
            lock_rels := lock_rels || format('%I.%I', r.nsp, r.rel);
            IF last_rel IS NOT NULL THEN
                alters := alters || jsonb_build_object(
                    'sql', format('ALTER TABLE %s %s', last_qrel, clauses),
                    'what', format('table %s', last_qrel));
            END IF;
            last_rel := r.relid;
            last_qrel := format('%I.%I', r.nsp, r.rel);
            clauses := clause;
        ELSE
            clauses := clauses || ', ' || clause;
        END IF;
    END LOOP;
    IF last_rel IS NOT NULL THEN
        alters := alters || jsonb_build_object(
            'sql', format('ALTER TABLE %s %s', last_qrel, clauses),
            'what', format('table %s', last_qrel));
    END IF;
    -- the relations locked: tables with a column of the type (rewritten: converted)
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'schema', x.schema, 'name', x.name,
               'kind', CASE x.relkind WHEN 'p' THEN 'partitioned table' ELSE 'table' END,
               'rewritten', x.rewritten) ORDER BY x.schema, x.name), '[]')
      INTO rels
      FROM (SELECT c->>'schema' AS schema, c->>'table' AS name, c->>'relkind' AS relkind,
                   bool_or((c->>'converted')::boolean) AS rewritten
              FROM jsonb_array_elements(cols) AS c
             WHERE c->>'relkind' IN ('r', 'p')
             GROUP BY 1, 2, 3) AS x;
    -- one data-check query per table, all its columns in one scan
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'relation', x.shown,
               'sql', coalesce(x.solo, format(
                             'SELECT u.c, u.l, count(*), u.tail FROM %s AS t CROSS JOIN '
                             'LATERAL (%s) AS u WHERE %s GROUP BY u.n, u.c, u.l, u.tail '
                             'ORDER BY u.n, u.l', x.relation, x.branches, x.pre)))
               ORDER BY x.first), '[]')
      INTO checks
      FROM (SELECT b.value->>'relation' AS relation, b.value->>'shown' AS shown,
                   string_agg(b.value->>'branch', ' UNION ALL ' ORDER BY b.ord) AS branches,
                   string_agg(b.value->>'pre', ' OR ' ORDER BY b.ord) AS pre,
                   min(b.value->>'solo') AS solo,
                   min(b.ord) AS first
              FROM jsonb_array_elements(branches) WITH ORDINALITY AS b(value, ord)
             GROUP BY 1, 2, CASE WHEN b.value->>'solo' IS NOT NULL
                                 THEN b.ord END) AS x;
END the_columns;
