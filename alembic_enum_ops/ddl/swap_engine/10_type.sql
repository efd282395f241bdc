-- 10 the type, its labels, the new labels, the mapping, the domains over it
<<the_type>>
DECLARE
    type_kind "char";
    state_problem text;  -- the database is not in the state the swap expects (EO002)
    sentinel text;
    sentinels text[] := '{}'::text[];
    d record;
BEGIN
    SELECT ty.oid, ty.typarray, ty.typtype, pg_get_userbyid(ty.typowner)::text,
           obj_description(ty.oid, 'pg_type'), ty.typacl
      INTO type_oid, array_oid, type_kind, type_owner, type_comment, type_acl
      FROM pg_catalog.pg_type ty
      JOIN pg_catalog.pg_namespace ns ON ns.oid = ty.typnamespace
     WHERE ns.nspname = p_schema AND ty.typname = p_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
            'alembic_enum_ops: enum %s.%s does not exist', p_schema, p_name);
    END IF;
    IF type_kind <> 'e' THEN
        RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
            'alembic_enum_ops: type %s.%s is not an enum', p_schema, p_name);
    END IF;
    qtype := format('%I.%I', p_schema, p_name);
    -- an online swap whose cut-over committed, run again before its revision was
    -- recorded (the process died in between): done, nothing to check or change
    done_name := 'eo_done_' || left(md5(qtype), 20);
    done_mark := format('%s: finished, until its revision is recorded (enum %s)',
                        online_marker, qtype);
    IF p_strategy = 'online' AND EXISTS (
           SELECT 1 FROM pg_catalog.pg_proc pr
             JOIN pg_catalog.pg_namespace pn ON pn.oid = pr.pronamespace
            WHERE pn.nspname = p_schema AND pr.proname = done_name
              AND obj_description(pr.oid, 'pg_proc') = done_mark) THEN
        IF p_mode = 'describe' THEN  -- described as a swap to the labels it has now
            p_expected := NULL;
            p_remove := NULL;
            p_new := NULL;
            p_from := '{}'::text[];
            p_to := '{}'::text[];
        ELSE
            RAISE NOTICE 'alembic_enum_ops: the online swap of enum % finished already; '
                         'nothing to do', qtype;
            EXIT swap;
        END IF;
    END IF;
    SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) INTO old_labels
      FROM pg_catalog.pg_enum e WHERE e.enumtypid = type_oid;
    -- a description goes on past these (an earlier operation of the same revision
    -- may add the label first): it records them as refusals; anything else raises
    IF p_expected IS NOT NULL AND old_labels IS DISTINCT FROM p_expected THEN
        state_problem := format(
            'alembic_enum_ops: enum %s.%s has labels %s but this migration expects %s; '
            'the database is not in the state the revision was written for',
            p_schema, p_name, old_labels, p_expected);
    END IF;
    IF p_remove IS NOT NULL THEN
        IF NOT p_remove = ANY(old_labels) THEN
            state_problem := coalesce(state_problem, format(
                'alembic_enum_ops: cannot remove %L from enum %s.%s: no such label (it has %s)',
                p_remove, p_schema, p_name, old_labels));
        END IF;
        new_labels := array_remove(old_labels, p_remove);
        IF cardinality(new_labels) = 0 THEN
            state_problem := coalesce(state_problem, format(
                'alembic_enum_ops: cannot remove %L from enum %s.%s: it is the only label '
                '(an enum needs at least one; drop the type instead)',
                p_remove, p_schema, p_name));
        END IF;
    ELSE
        new_labels := coalesce(p_new, old_labels);
    END IF;
    FOR i IN 1 .. coalesce(cardinality(p_from), 0) LOOP
        IF NOT p_from[i] = ANY(old_labels) THEN
            state_problem := coalesce(state_problem, format(
                'alembic_enum_ops: enum %s.%s: the mapping names %L, which is not a label '
                'of the type (it has %s)', p_schema, p_name, p_from[i], old_labels));
        ELSIF NOT p_to[i] = ANY(new_labels) THEN
            state_problem := coalesce(state_problem, format(
                'alembic_enum_ops: enum %s.%s: %L would be mapped to %L, which is not '
                'among the new labels %s', p_schema, p_name, p_from[i], p_to[i], new_labels));
        END IF;
    END LOOP;
    IF state_problem IS NOT NULL THEN
        IF p_mode NOT IN ('describe', 'preview') THEN
            RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = state_problem;
        END IF;
        refusals := refusals || jsonb_build_object('sqlstate', 'EO002',
                                                   'message', state_problem);
        state_problem := NULL;
    END IF;
    IF p_mode <> 'describe' AND new_labels = old_labels
       AND coalesce(cardinality(p_from), 0) = 0 THEN
        RAISE NOTICE 'alembic_enum_ops: enum %.% already has labels %; nothing to do',
            p_schema, p_name, old_labels;
        EXIT swap;
    END IF;
    SELECT coalesce(array_agg(o.l ORDER BY o.n), '{}') INTO gone
      FROM unnest(old_labels) WITH ORDINALITY AS o(l, n)
     WHERE NOT o.l = ANY(new_labels);
    SELECT coalesce(array_agg(g.l ORDER BY g.n), '{}') INTO vanish
      FROM unnest(gone) WITH ORDINALITY AS g(l, n)
     WHERE NOT g.l = ANY(coalesce(p_from, '{}'));

    tmp_name := CASE WHEN octet_length(p_name) <= 59 THEN p_name || '__v2'
                     ELSE 'enum_ops_v2_' || md5(p_name) END;
    qtmp := format('%I.%I', p_schema, tmp_name);
    -- an online swap's expand created the new type already (its comment says so, and
    -- it has the new labels): the later phases use it
    SELECT true INTO tmp_exists
      FROM pg_catalog.pg_type ty
      JOIN pg_catalog.pg_namespace ns ON ns.oid = ty.typnamespace
     WHERE ns.nspname = p_schema AND ty.typname = tmp_name AND p_strategy = 'online'
       AND starts_with(coalesce(obj_description(ty.oid, 'pg_type'), ''), online_marker)
       AND ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
                  WHERE e.enumtypid = ty.oid ORDER BY e.enumsortorder) = new_labels;
    tmp_exists := coalesce(tmp_exists, false);
    IF p_mode = 'cutover' AND NOT tmp_exists THEN
        state_problem := format(
            'alembic_enum_ops: cannot finish the online swap of enum %s.%s: its new type '
            '%s.%s does not exist (the expand phase did not run, or another migration '
            'removed it); run the operation again from the start', p_schema, p_name,
            p_schema, tmp_name);
        RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = state_problem;
    END IF;
    IF NOT tmp_exists AND (
       EXISTS (SELECT 1 FROM pg_catalog.pg_type ty
                 JOIN pg_catalog.pg_namespace ns ON ns.oid = ty.typnamespace
                WHERE ns.nspname = p_schema AND ty.typname = tmp_name)
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                   JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
                  WHERE ns.nspname = p_schema AND c.relname = tmp_name)) THEN
        state_problem := format(
            'alembic_enum_ops: cannot swap enum %s.%s: its temporary name %s.%s is already '
            'taken (a leftover of an interrupted hand-made swap?); drop or rename that '
            'object first', p_schema, p_name, p_schema, tmp_name);
        -- the new type of an online swap to other labels, abandoned: its own command
        -- removes it with everything else that swap left
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_type ty
                     JOIN pg_catalog.pg_namespace ns ON ns.oid = ty.typnamespace
                    WHERE ns.nspname = p_schema AND ty.typname = tmp_name
                      AND starts_with(coalesce(obj_description(ty.oid, 'pg_type'), ''),
                                      online_marker)) THEN
            state_problem := format(
                'alembic_enum_ops: cannot swap enum %s.%s: its temporary name %s.%s is '
                'taken by the new type of an unfinished online swap to other labels; '
                'finish that migration, or give it up with `alembic-enum-ops '
                'online-cleanup --type %s.%s` (it removes what that swap left), then run '
                'this one', p_schema, p_name, p_schema, tmp_name, p_schema, p_name);
        END IF;
        IF p_mode NOT IN ('describe', 'preview') THEN
            RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = state_problem;
        END IF;
        refusals := refusals || jsonb_build_object('sqlstate', 'EO002',
                                                   'message', state_problem);
    END IF;

    -- mapping expressions: text -> text, for scalars (CASE) and arrays (array_replace
    -- through sentinels, so that {a: b, b: a} swaps instead of chaining)
    map_text := '%1$s';
    map_array := '%1$s';
    IF coalesce(cardinality(p_from), 0) > 0 THEN
        map_text := 'CASE %1$s';
        FOR i IN 1 .. cardinality(p_from) LOOP
            -- a label may contain '%': the pieces are escaped for the final format()
            map_text := map_text
                || replace(format(' WHEN %L THEN %L', p_from[i], p_to[i]), '%', '%%');
            sentinel := chr(1) || 'alembic_enum_ops_' || i || chr(1);
            sentinels := sentinels || sentinel;
            map_array := format('array_replace(%s, %s, %s)', map_array,
                                replace(format('%L', p_from[i]), '%', '%%'),
                                format('%L', sentinel));
        END LOOP;
        map_text := map_text || ' ELSE %1$s END';
        FOR i IN 1 .. cardinality(p_from) LOOP
            map_array := format('array_replace(%s, %s, %s)', map_array,
                                format('%L', sentinels[i]),
                                replace(format('%L', p_to[i]), '%', '%%'));
        END LOOP;
    END IF;

    -- domains over the type are recreated over the new type; typed literals of the
    -- type, its array type and each domain are what the remap (90) looks for
    type_oids := ARRAY[type_oid, array_oid];
    cands := jsonb_build_array(jsonb_build_object('text', qtype || '[]', 'array', true),
                               jsonb_build_object('text', qtype, 'array', false));
    FOR d IN
        SELECT ty.oid, ty.typarray, ns.nspname::text AS nsp, ty.typname::text AS typ
          FROM pg_catalog.pg_type ty
          JOIN pg_catalog.pg_namespace ns ON ns.oid = ty.typnamespace
         WHERE ty.typtype = 'd' AND ty.typbasetype = type_oid
         ORDER BY 3, 4
    LOOP
        dom_oids := dom_oids || d.oid;
        type_oids := type_oids || d.oid || d.typarray;
        -- a domain's literals, retargeted (an online swap's captured definitions), name
        -- its twin over the new type (85)
        cands := cands
            || jsonb_build_object('text', format('%I.%I[]', d.nsp, d.typ), 'array', true,
                                  'twin', format('%I.%I', d.nsp,
                                                 CASE WHEN octet_length(d.typ) <= 59
                                                      THEN d.typ || '__v2'
                                                      ELSE 'enum_ops_v2_' || md5(d.typ) END))
            || jsonb_build_object('text', format('%I.%I', d.nsp, d.typ), 'array', false,
                                  'twin', format('%I.%I', d.nsp,
                                                 CASE WHEN octet_length(d.typ) <= 59
                                                      THEN d.typ || '__v2'
                                                      ELSE 'enum_ops_v2_' || md5(d.typ) END));
    END LOOP;
END the_type;
