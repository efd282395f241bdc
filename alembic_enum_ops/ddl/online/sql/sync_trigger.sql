-- (shared) one table's shadow columns and sync trigger: ADD COLUMN IF NOT EXISTS per
-- shadow (catalog only), and a BEFORE INSERT OR UPDATE trigger setting each shadow to
-- the converted value of its column, refusing (EO001) a value a column must not take
-- any more.  Everything carries a comment starting with online_marker and ending with
-- "(<subject>)"; the trigger's comment also holds, as JSON, what the later phases need
-- (the columns with their helper CHECKs, the captured index and CHECK definitions).
-- Used by the online swap (93) and the online conversions (online_convert.py).
--
-- Reads: u_relid, u_nsp, u_rel, u_relkind, u_columns (jsonb: col, shadow, target,
-- value, refused, not_null), u_key (the facts' "type": what the generated phases look
-- for), u_subject ("enum s.t" / "column s.t.c"), u_refusal (the end of the EO001
-- message), captured, online_marker.  Appends to: online_steps.
<<sync_trigger>>
DECLARE
    c jsonb;
    qt text;
    fn text;
    tg text;
    body text;
    assignments text;
    facts jsonb;
BEGIN
    qt := format('%I.%I', u_nsp, u_rel);
    -- the backfill's UPDATEs fire the table's own row triggers (updated_at, audit...)
    FOR fn IN
        SELECT string_agg(format('%I', tg.tgname), ', ' ORDER BY tg.tgname)
          FROM pg_catalog.pg_trigger tg
         WHERE tg.tgrelid = u_relid AND NOT tg.tgisinternal AND tg.tgparentid = 0
           AND tg.tgenabled <> 'D' AND (tg.tgtype & 16) <> 0  -- ON UPDATE
           AND (tg.tgtype & 1) <> 0                           -- FOR EACH ROW
           AND NOT starts_with(coalesce(obj_description(tg.oid, 'pg_trigger'), ''),
                               online_marker)
        HAVING count(*) > 0
    LOOP
        RAISE WARNING 'alembic_enum_ops: table % has row triggers on UPDATE (%): the online '
                      'backfill''s UPDATEs fire them for every row', qt, fn;
    END LOOP;
    fn := 'eo_online_' || left(md5(qt || ' ' || u_key), 20);
    -- BEFORE triggers fire in name order (bytes): '~' sorts after every ASCII name, so
    -- the shadow sees what the table's own BEFORE triggers wrote into the column
    tg := '~' || fn;
    online_steps := online_steps || jsonb_build_object('sql', format(
        'ALTER TABLE %s %s', qt,
        (SELECT string_agg(format('ADD COLUMN IF NOT EXISTS %I %s', c.value->>'shadow',
                                  c.value->>'target'), ', ' ORDER BY c.ord)
           FROM jsonb_array_elements(u_columns) WITH ORDINALITY AS c(value, ord))));
    assignments := '';
    FOR c IN SELECT value FROM jsonb_array_elements(u_columns) LOOP
        online_steps := online_steps || jsonb_build_object('sql', format(
            'COMMENT ON COLUMN %s.%I IS %L', qt, c->>'shadow',
            format('%s: the shadow of column %I (%s)', online_marker, c->>'col',
                   u_subject)));
        IF c->>'refused' IS NOT NULL THEN
            assignments := assignments || format(
                E'    IF %s THEN\n'
                || E'        RAISE EXCEPTION USING ERRCODE = %L, MESSAGE = %L || %s || %L;\n'
                || E'    END IF;\n',
                c->>'refused', 'EO001',
                format('alembic_enum_ops: %s.%s: ', qt, c->>'col'),
                format('quote_literal(NEW.%I::text)', c->>'col'),
                u_refusal);
        END IF;
        assignments := assignments || format(E'    NEW.%I := %s::%s;\n', c->>'shadow',
                                             c->>'value', c->>'target');
    END LOOP;
    body := E'\nBEGIN\n' || assignments || E'    RETURN NEW;\nEND\n';
    facts := jsonb_build_object(
        'type', u_key, 'subject', u_subject, 'table', qt, 'relkind', u_relkind,
        'function', format('%I.%I', u_nsp, fn), 'trigger', tg,
        'columns', (SELECT jsonb_agg(jsonb_build_object(
                        'col', c.value->>'col', 'shadow', c.value->>'shadow',
                        'not_null', c.value->'not_null',
                        'helper', CASE WHEN (c.value->>'not_null')::boolean
                                       THEN 'eo_nn_' ELSE 'eo_sync_' END
                                  || left(md5(qt || '.' || (c.value->>'col')), 20),
                        'helper_check', CASE WHEN (c.value->>'not_null')::boolean
                            THEN format('CHECK (%I IS NOT NULL)', c.value->>'shadow')
                            ELSE format('CHECK ((%I IS NULL) = (%I IS NULL))',
                                        c.value->>'col', c.value->>'shadow') END)
                        ORDER BY c.ord)
                      FROM jsonb_array_elements(u_columns) WITH ORDINALITY AS c(value, ord)),
        'indexes', (SELECT coalesce(jsonb_agg(x.value ORDER BY x.ord), '[]'::jsonb)
                      FROM jsonb_array_elements(captured) WITH ORDINALITY AS x(value, ord)
                     WHERE x.value->>'kind' = 'index'
                       AND (x.value->>'table')::oid = u_relid),
        'checks', (SELECT coalesce(jsonb_agg(x.value ORDER BY x.ord), '[]'::jsonb)
                     FROM jsonb_array_elements(captured) WITH ORDINALITY AS x(value, ord)
                    WHERE x.value->>'kind' = 'check'
                      AND (x.value->>'table')::oid = u_relid));
    online_steps := online_steps
        || jsonb_build_object('sql', format(
               'CREATE OR REPLACE FUNCTION %I.%I() RETURNS trigger LANGUAGE plpgsql AS %L',
               u_nsp, fn, body))
        || jsonb_build_object('sql', format('COMMENT ON FUNCTION %I.%I() IS %L', u_nsp, fn,
               format('%s: keeps the shadow columns of %s in sync (%s)',
                      online_marker, qt, u_subject)))
        || jsonb_build_object('sql', format(
               'CREATE OR REPLACE TRIGGER %I BEFORE INSERT OR UPDATE ON %s FOR EACH ROW '
               'EXECUTE FUNCTION %I.%I()', tg, qt, u_nsp, fn))
        -- ALWAYS: writes applied by logical replication (session_replication_role =
        -- replica) are kept in sync too, or the cut-over would bring back old values
        || jsonb_build_object('sql', format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', qt, tg))
        || jsonb_build_object('sql', format('COMMENT ON TRIGGER %I ON %s IS %L', tg, qt,
               online_marker || ' ' || facts::text));
END sync_trigger;
