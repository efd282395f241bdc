-- 93 (online expand) the new type and the domain twins when absent, then per table:
-- the shadow columns (ADD COLUMN: catalog only), and the trigger that keeps each shadow
-- equal to the mapped value of its column on every insert and update, refusing a label
-- that vanishes with no mapping.  Everything we create carries a comment starting with
-- online_marker; the trigger's also holds what the later phases need (JSON: the
-- columns, the definitions captured by 65, the helper constraints' names).
<<online_expand>>
DECLARE
    t record;
    entry jsonb;
    u_relid oid;
    u_nsp text;
    u_rel text;
    u_relkind text;
    u_columns jsonb;
    u_key text := qtype;
    u_subject text := 'enum ' || qtype;
    u_refusal text := format(' holds a label that the online swap of enum %s removes with '
                             'no mapping; write one of %s', qtype, new_labels);
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
        u_relid := t.relid;
        u_nsp := t.nsp;
        u_rel := t.rel;
        u_relkind := t.relkind;
        u_columns := t.columns;
        @@SYNC_TRIGGER@@
    END LOOP;
END online_expand;
