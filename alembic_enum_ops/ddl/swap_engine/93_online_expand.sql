-- 93 (online expand) the new type and the domain twins when absent, then per table:
-- the shadow columns (ADD COLUMN: catalog only), and the trigger that keeps each shadow
-- equal to the mapped value of its column on every insert and update, refusing a label
-- that vanishes with no mapping.  Everything we create carries a comment starting with
-- online_marker; the trigger's also holds what the later phases need (JSON: the
-- columns, the definitions captured by 65, the helper constraints' names).
<<online_expand>>
DECLARE
    t record;
    c jsonb;
    qt text;
    fn text;
    body text;
    assignments text;
    facts jsonb;
    entry jsonb;
BEGIN
    IF p_mode <> 'expand' THEN
        EXIT online_expand;
    END IF;
    IF NOT tmp_exists THEN
        online_steps := online_steps
            || jsonb_build_object('sql', format('CREATE TYPE %s AS ENUM (%s)', qtmp,
                   (SELECT string_agg(format('%L', l), ', ' ORDER BY n)
                      FROM unnest(new_labels) WITH ORDINALITY AS x(l, n))))
            || jsonb_build_object('sql', format('COMMENT ON TYPE %s IS %L', qtmp,
                   format('%s: the new labels (enum %s)', online_marker, qtype)));
    END IF;
    FOR entry IN SELECT value FROM jsonb_array_elements(pre) LOOP
        online_steps := online_steps || jsonb_build_object('sql', entry->>'sql')
            || jsonb_build_object('sql', format('COMMENT ON DOMAIN %s IS %L', entry->>'twin',
                   format('%s: the twin of a domain (enum %s)', online_marker, qtype)));
    END LOOP;
    FOR t IN
        SELECT (o.value->>'relid')::oid AS relid, o.value->>'nsp' AS nsp,
               o.value->>'rel' AS rel, o.value->>'relkind' AS relkind,
               jsonb_agg(o.value ORDER BY o.ord) AS columns
          FROM jsonb_array_elements(online_cols) WITH ORDINALITY AS o(value, ord)
         GROUP BY 1, 2, 3, 4
         ORDER BY 2, 3
    LOOP
        qt := format('%I.%I', t.nsp, t.rel);
        fn := 'eo_online_' || left(md5(qt || ' ' || qtype), 20);
        online_steps := online_steps || jsonb_build_object('sql', format(
            'ALTER TABLE %s %s', qt,
            (SELECT string_agg(format('ADD COLUMN IF NOT EXISTS %I %s', c.value->>'shadow',
                                      c.value->>'target'), ', ' ORDER BY c.ord)
               FROM jsonb_array_elements(t.columns) WITH ORDINALITY AS c(value, ord))));
        assignments := '';
        FOR c IN SELECT value FROM jsonb_array_elements(t.columns) LOOP
            online_steps := online_steps || jsonb_build_object('sql', format(
                'COMMENT ON COLUMN %s.%I IS %L', qt, c->>'shadow',
                format('%s: the shadow of column %I (enum %s)', online_marker, c->>'col',
                       qtype)));
            IF c->>'refused' IS NOT NULL THEN
                assignments := assignments || format(
                    E'    IF %s THEN\n'
                    || E'        RAISE EXCEPTION USING ERRCODE = %L, MESSAGE = %L || %s || %L;\n'
                    || E'    END IF;\n',
                    c->>'refused', 'EO001',
                    format('alembic_enum_ops: %s.%s: ', qt, c->>'col'),
                    format('quote_literal(NEW.%I::text)', c->>'col'),
                    format(' holds a label that the online swap of enum %s removes with no '
                           'mapping; write one of %s', qtype, new_labels));
            END IF;
            assignments := assignments || format(E'    NEW.%I := %s::%s;\n', c->>'shadow',
                                                 c->>'value', c->>'target');
        END LOOP;
        body := E'\nBEGIN\n' || assignments || E'    RETURN NEW;\nEND\n';
        facts := jsonb_build_object(
            'type', qtype, 'table', qt, 'relkind', t.relkind,
            'function', format('%I.%I', t.nsp, fn), 'trigger', fn,
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
                          FROM jsonb_array_elements(t.columns) WITH ORDINALITY AS c(value, ord)),
            'indexes', (SELECT coalesce(jsonb_agg(x.value ORDER BY x.ord), '[]'::jsonb)
                          FROM jsonb_array_elements(captured) WITH ORDINALITY AS x(value, ord)
                         WHERE x.value->>'kind' = 'index'
                           AND (x.value->>'table')::oid = t.relid),
            'checks', (SELECT coalesce(jsonb_agg(x.value ORDER BY x.ord), '[]'::jsonb)
                         FROM jsonb_array_elements(captured) WITH ORDINALITY AS x(value, ord)
                        WHERE x.value->>'kind' = 'check'
                          AND (x.value->>'table')::oid = t.relid));
        online_steps := online_steps
            || jsonb_build_object('sql', format(
                   'CREATE OR REPLACE FUNCTION %I.%I() RETURNS trigger LANGUAGE plpgsql AS %L',
                   t.nsp, fn, body))
            || jsonb_build_object('sql', format('COMMENT ON FUNCTION %I.%I() IS %L', t.nsp, fn,
                   format('%s: keeps the shadow columns of %s in sync (enum %s)',
                          online_marker, qt, qtype)))
            || jsonb_build_object('sql', format(
                   'CREATE OR REPLACE TRIGGER %I BEFORE INSERT OR UPDATE ON %s FOR EACH ROW '
                   'EXECUTE FUNCTION %I.%I()', fn, qt, t.nsp, fn))
            || jsonb_build_object('sql', format('COMMENT ON TRIGGER %I ON %s IS %L', fn, qt,
                   online_marker || ' ' || facts::text));
    END LOOP;
END online_expand;
