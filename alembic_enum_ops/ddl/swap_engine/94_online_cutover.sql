-- 94 (online cut-over) per table, in the one short transaction that also swaps the
-- type: the old columns go (catalog only: their indexes and CHECKs with them), the
-- shadows take their names, NOT NULL comes back without a scan (a validated helper
-- CHECK proves it), the twins built beforehand take the names of the indexes and
-- CHECKs, a primary key or unique constraint is rebuilt on its twin index, and the
-- columns' comments and grants, the clustering and the replica identity are carried
-- over; the sync trigger goes.  Before anything, every phase must have finished: a
-- missing shadow, helper, index or CHECK twin, or one not valid yet, is refused
-- (EO002: run the operation again, it resumes).
<<online_cutover>>
DECLARE
    t record;
    facts jsonb;
    c jsonb;
    i jsonb;
    qt text;
    missing text[] := '{}'::text[];
    message text;
    attnum_of int;
    col_comment text;
    r record;
BEGIN
    IF p_mode <> 'cutover' THEN
        EXIT online_cutover;
    END IF;
    FOR t IN
        SELECT (o.value->>'relid')::oid AS relid, o.value->>'nsp' AS nsp,
               o.value->>'rel' AS rel
          FROM jsonb_array_elements(online_cols) AS o
         GROUP BY 1, 2, 3
         ORDER BY 2, 3
    LOOP
        qt := format('%I.%I', t.nsp, t.rel);
        SELECT substr(obj_description(tg.oid, 'pg_trigger'), length(online_marker) + 2)::jsonb
          INTO facts
          FROM pg_catalog.pg_trigger tg
         WHERE tg.tgrelid = t.relid
           AND tg.tgname = 'eo_online_' || left(md5(qt || ' ' || qtype), 20)
           AND starts_with(coalesce(obj_description(tg.oid, 'pg_trigger'), ''), online_marker);
        IF facts IS NULL THEN
            missing := missing || format('the sync trigger of table %s', qt);
            CONTINUE;
        END IF;
        -- every phase done?
        FOR c IN SELECT value FROM jsonb_array_elements(facts->'columns') LOOP
            IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                            WHERE a.attrelid = t.relid AND a.attname = c->>'shadow'
                              AND NOT a.attisdropped) THEN
                missing := missing || format('shadow column %I of %s', c->>'shadow', qt);
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                            WHERE con.conrelid = t.relid AND con.conname = c->>'helper'
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
                            WHERE con.conrelid = t.relid AND con.conname = i->>'shadow'
                              AND (con.convalidated
                                   OR NOT (i->>'validated')::boolean)) THEN
                missing := missing || format('constraint %I on %s (the twin of %I)',
                                             i->>'shadow', qt, i->>'name');
            END IF;
        END LOOP;
        CONTINUE WHEN cardinality(missing) > 0;

        -- what the old columns carry: comments and column grants
        FOR c IN SELECT value FROM jsonb_array_elements(facts->'columns') LOOP
            SELECT a.attnum::int INTO attnum_of FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = t.relid AND a.attname = c->>'col' AND NOT a.attisdropped;
            col_comment := col_description(t.relid, attnum_of);
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
                 WHERE a.attrelid = t.relid AND a.attnum = attnum_of
                 ORDER BY x.grantee, x.privilege_type
            LOOP
                creates := creates || jsonb_build_object('sql', format(
                    'GRANT %s (%I) ON TABLE %s TO %s%s', r.privilege_type, c->>'col', qt,
                    r.grantee, CASE WHEN r.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END),
                    'what', format('grants on %s.%I', qt, c->>'col'));
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
                 WHERE con.conrelid = t.relid AND con.conname = i->>'name'
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
    END LOOP;
    IF cardinality(missing) > 0 THEN
        message := format(
            'alembic_enum_ops: the online swap of enum %s.%s is not ready to finish (nothing '
            'was changed by this step):%s', p_schema, p_name,
            E'\n  - ' || array_to_string(missing, E'\n  - '));
        RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = message,
            HINT = 'Run the operation again: each phase resumes where it stopped.';
    END IF;
END online_cutover;
