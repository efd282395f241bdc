-- (shared) the cut-over of one table, in the caller's short transaction: after
-- checking that every phase finished (the shadows, the validated helper CHECKs, the
-- valid twin indexes and CHECKs; a missing piece is added to `missing`, and nothing
-- is planned for the table), the old columns go (catalog only: their indexes and
-- CHECKs with them), the shadows take their names, NOT NULL comes back without a scan
-- (a validated helper CHECK proves it), the twins take the names of the indexes and
-- CHECKs, a primary key or unique constraint is rebuilt on its twin index, and the
-- columns' comments and grants, the clustering and the replica identity are carried
-- over; the sync trigger and its function go.
-- Used by the online swap (94) and the online conversions (online_convert.py).
--
-- Reads: u_relid, u_nsp, u_rel, u_key (the facts' "type" of the sync trigger),
-- online_marker.  Appends to: online_steps (in order), creates (after everything),
-- missing.
<<cutover_table>>
DECLARE
    facts jsonb;
    c jsonb;
    i jsonb;
    qt text;
    attnum_of int;
    col_comment text;
    r record;
BEGIN
    qt := format('%I.%I', u_nsp, u_rel);
    SELECT f.facts INTO facts
      FROM pg_catalog.pg_trigger tg,
           LATERAL (SELECT substr(obj_description(tg.oid, 'pg_trigger'),
                                  length(online_marker) + 2)::jsonb AS facts) AS f
     WHERE tg.tgrelid = u_relid AND tg.tgparentid = 0
       AND starts_with(coalesce(obj_description(tg.oid, 'pg_trigger'), ''), online_marker)
       AND f.facts->>'type' = u_key;
    IF facts IS NULL THEN
        missing := missing || format('the sync trigger of table %s', qt);
        EXIT cutover_table;
    END IF;
    -- every phase done?
    FOR c IN SELECT value FROM jsonb_array_elements(facts->'columns') LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = u_relid AND a.attname = c->>'shadow'
                          AND NOT a.attisdropped) THEN
            missing := missing || format('shadow column %I of %s', c->>'shadow', qt);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                        WHERE con.conrelid = u_relid AND con.conname = c->>'helper'
                          AND con.convalidated) THEN
            missing := missing || format('validated constraint %I on %s (the backfill '
                                         'of %I)', c->>'helper', qt, c->>'col');
        END IF;
    END LOOP;
    FOR i IN SELECT value FROM jsonb_array_elements(facts->'indexes') LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class ic
                         JOIN pg_catalog.pg_namespace ns ON ns.oid = ic.relnamespace
                         JOIN pg_catalog.pg_index x ON x.indexrelid = ic.oid
                        WHERE ns.nspname = i->>'schema' AND ic.relname = i->>'shadow'
                          AND x.indisvalid) THEN
            missing := missing || format('valid index %I.%I (the twin of %I)',
                                         i->>'schema', i->>'shadow', i->>'name');
        END IF;
    END LOOP;
    FOR i IN SELECT value FROM jsonb_array_elements(facts->'checks') LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                        WHERE con.conrelid = u_relid AND con.conname = i->>'shadow'
                          AND (con.convalidated
                               OR NOT (i->>'validated')::boolean)) THEN
            missing := missing || format('constraint %I on %s (the twin of %I)',
                                         i->>'shadow', qt, i->>'name');
        END IF;
    END LOOP;
    EXIT cutover_table WHEN cardinality(missing) > 0;

    -- what the old columns carry: comments and column grants
    FOR c IN SELECT value FROM jsonb_array_elements(facts->'columns') LOOP
        SELECT a.attnum::int INTO attnum_of FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = u_relid AND a.attname = c->>'col' AND NOT a.attisdropped;
        col_comment := col_description(u_relid, attnum_of);
        IF col_comment IS NOT NULL THEN
            creates := creates || jsonb_build_object('sql', format(
                'COMMENT ON COLUMN %s.%I IS %L', qt, c->>'col', col_comment),
                'what', format('comment on %s.%I', qt, c->>'col'));
        END IF;
        FOR r IN
            SELECT x.privilege_type, x.is_grantable,
                   CASE WHEN x.grantee = 0 THEN 'PUBLIC'
                        ELSE quote_ident(pg_get_userbyid(x.grantee)) END AS grantee
              FROM pg_catalog.pg_attribute a, aclexplode(a.attacl) AS x
             WHERE a.attrelid = u_relid AND a.attnum = attnum_of
             ORDER BY x.grantee, x.privilege_type
        LOOP
            creates := creates || jsonb_build_object('sql', format(
                'GRANT %s (%I) ON TABLE %s TO %s%s', r.privilege_type, c->>'col', qt,
                r.grantee, CASE WHEN r.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END),
                'what', format('grants on %s.%I', qt, c->>'col'));
        END LOOP;
        -- the planner settings of the column: SET STATISTICS, SET (n_distinct ...)
        FOR r IN
            SELECT a.attstattarget::int AS target,
                   (SELECT string_agg(format('%I = %L', split_part(o, '=', 1),
                                             substr(o, strpos(o, '=') + 1)), ', ')
                      FROM unnest(a.attoptions) AS o) AS options
              FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = u_relid AND a.attnum = attnum_of
        LOOP
            IF r.target IS NOT NULL AND r.target >= 0 THEN
                creates := creates || jsonb_build_object('sql', format(
                    'ALTER TABLE %s ALTER COLUMN %I SET STATISTICS %s', qt, c->>'col',
                    r.target), 'what', format('statistics target of %s.%I', qt, c->>'col'));
            END IF;
            IF r.options IS NOT NULL THEN
                creates := creates || jsonb_build_object('sql', format(
                    'ALTER TABLE %s ALTER COLUMN %I SET (%s)', qt, c->>'col', r.options),
                    'what', format('options of %s.%I', qt, c->>'col'));
            END IF;
        END LOOP;
    END LOOP;
    -- the swap of columns
    online_steps := online_steps || jsonb_build_object('sql', format(
        'ALTER TABLE %s %s', qt,
        (SELECT string_agg(format('DROP COLUMN %I', c2.value->>'col'), ', ')
           FROM jsonb_array_elements(facts->'columns') AS c2)));
    FOR c IN SELECT value FROM jsonb_array_elements(facts->'columns') LOOP
        online_steps := online_steps
            || jsonb_build_object('sql', format('ALTER TABLE %s RENAME COLUMN %I TO %I',
                                                qt, c->>'shadow', c->>'col'))
            || jsonb_build_object('sql', format('COMMENT ON COLUMN %s.%I IS NULL', qt,
                                                c->>'col'));
        IF (c->>'not_null')::boolean THEN
            online_steps := online_steps || jsonb_build_object('sql', format(
                'ALTER TABLE %s ALTER COLUMN %I SET NOT NULL', qt, c->>'col'));
        END IF;
        online_steps := online_steps || jsonb_build_object('sql', format(
            'ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', qt, c->>'helper'));
    END LOOP;
    -- the twins take the names of the indexes and CHECKs that went with the columns
    FOR i IN SELECT value FROM jsonb_array_elements(facts->'indexes') LOOP
        IF i->>'constraint' IS NOT NULL THEN
            -- the key's own comment (the index's is carried below)
            FOR r IN
                SELECT obj_description(con.oid, 'pg_constraint') AS cmt
                  FROM pg_catalog.pg_constraint con
                 WHERE con.conrelid = (i->>'on')::regclass AND con.conname = i->>'constraint'
                   AND obj_description(con.oid, 'pg_constraint') IS NOT NULL
            LOOP
                creates := creates || jsonb_build_object('sql', format(
                    'COMMENT ON CONSTRAINT %I ON %s IS %L', i->>'constraint', i->>'on',
                    r.cmt), 'what', format('comment on constraint %I', i->>'constraint'));
            END LOOP;
            online_steps := online_steps || jsonb_build_object('sql', format(
                'ALTER TABLE %s ADD CONSTRAINT %I %s USING INDEX %I%s', i->>'on',
                i->>'constraint',
                CASE i->>'contype' WHEN 'p' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END,
                i->>'shadow',
                CASE WHEN (i->>'deferrable')::boolean
                     THEN ' DEFERRABLE' || CASE WHEN (i->>'deferred')::boolean
                                                THEN ' INITIALLY DEFERRED' ELSE '' END
                     ELSE '' END));
            IF i->>'constraint' <> i->>'name' THEN  -- the index had its own name
                online_steps := online_steps || jsonb_build_object('sql', format(
                    'ALTER INDEX %I.%I RENAME TO %I', i->>'schema', i->>'constraint',
                    i->>'name'));
            END IF;
        ELSE
            online_steps := online_steps || jsonb_build_object('sql', format(
                'ALTER INDEX %I.%I RENAME TO %I', i->>'schema', i->>'shadow', i->>'name'));
        END IF;
        IF obj_description(format('%I.%I', i->>'schema', i->>'name')::regclass,
                           'pg_class') IS NOT NULL THEN
            creates := creates || jsonb_build_object('sql', format(
                'COMMENT ON INDEX %I.%I IS %L', i->>'schema', i->>'name',
                obj_description(format('%I.%I', i->>'schema', i->>'name')::regclass,
                                'pg_class')), 'what', format('comment on index %I', i->>'name'));
        END IF;
        IF (i->>'clustered')::boolean THEN
            creates := creates || jsonb_build_object('sql', format(
                'ALTER TABLE %s CLUSTER ON %I', i->>'on', i->>'name'),
                'what', format('cluster on %I', i->>'name'));
        END IF;
        IF (i->>'replident')::boolean THEN
            creates := creates || jsonb_build_object('sql', format(
                'ALTER TABLE %s REPLICA IDENTITY USING INDEX %I', i->>'on', i->>'name'),
                'what', format('replica identity %I', i->>'name'));
        END IF;
    END LOOP;
    FOR i IN SELECT value FROM jsonb_array_elements(facts->'checks') LOOP
        online_steps := online_steps || jsonb_build_object('sql', format(
            'ALTER TABLE %s RENAME CONSTRAINT %I TO %I', qt, i->>'shadow', i->>'name'))
            || jsonb_build_object('sql', format(  -- the marker goes; the old comment below
            'COMMENT ON CONSTRAINT %I ON %s IS NULL', i->>'name', qt));
        FOR r IN
            SELECT obj_description(con.oid, 'pg_constraint') AS cmt
              FROM pg_catalog.pg_constraint con
             WHERE con.conrelid = u_relid AND con.conname = i->>'name'
        LOOP
            IF r.cmt IS NOT NULL THEN
                creates := creates || jsonb_build_object('sql', format(
                    'COMMENT ON CONSTRAINT %I ON %s IS %L', i->>'name', qt, r.cmt),
                    'what', format('comment on constraint %I', i->>'name'));
            END IF;
        END LOOP;
    END LOOP;
    online_steps := online_steps
        || jsonb_build_object('sql', format('DROP TRIGGER %I ON %s', facts->>'trigger', qt))
        || jsonb_build_object('sql', format('DROP FUNCTION %s()', facts->>'function'));
END cutover_table;
