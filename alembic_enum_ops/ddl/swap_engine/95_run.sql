-- 95 the swap itself, in order: create the new type (and the domain twins), drop the
-- dependents, convert every table with ONE ALTER TABLE each (each table rewritten
-- once), drop the old domains and the old type, give the new type (and the twins) the
-- old names, recreate the dependents.  An online cut-over swaps the columns (94)
-- instead of converting them; an online expand runs what 93 planned; a check stops
-- here.  A preview or a description hands back what it found instead (SQLSTATE EO003,
-- the detail a JSON document: docs/swap.md).
<<run_swap>>
DECLARE
    statements jsonb;
    step jsonb;
    w jsonb;
BEGIN
    statements := jsonb_build_array(jsonb_build_object(
            'sql', format('CREATE TYPE %s AS ENUM (%s)', qtmp,
                          (SELECT string_agg(format('%L', l), ', ' ORDER BY n)
                             FROM unnest(new_labels) WITH ORDINALITY AS x(l, n))),
            'what', 'the new type'))
        || pre || drops || alters || domain_drops
        || jsonb_build_object('sql', format('DROP TYPE %s', qtype), 'what', 'the old type')
        || jsonb_build_object('sql', format('ALTER TYPE %s RENAME TO %I', qtmp, p_name),
                              'what', 'the new type')
        || renames || creates;
    IF p_mode = 'check' THEN
        EXIT run_swap;
    ELSIF p_mode = 'expand' THEN
        statements := online_steps;
    ELSIF p_mode = 'cutover' THEN
        statements := drops || online_steps || domain_drops
            || jsonb_build_object('sql', format('DROP TYPE %s', qtype), 'what', 'the old type')
            || jsonb_build_object('sql', format('ALTER TYPE %s RENAME TO %I', qtmp, p_name),
                                  'what', 'the new type')
            || renames || creates
            -- done: a rerun before the revision is recorded must not swap again (with
            -- the same labels and a mapping exchanging two, it could not tell); the
            -- plan's last step, in the revision's transaction, removes the mark
            || jsonb_build_object('sql', format(
                   'CREATE FUNCTION %I.%I() RETURNS void LANGUAGE sql AS %L', p_schema,
                   done_name, ''), 'what', 'the mark of a finished online swap')
            || jsonb_build_object('sql', format(
                   'COMMENT ON FUNCTION %I.%I() IS %L', p_schema, done_name, done_mark),
                   'what', 'the mark of a finished online swap');
    ELSIF p_mode <> 'run' THEN
        RAISE EXCEPTION USING ERRCODE = 'EO003', MESSAGE = 'alembic_enum_ops: ' || p_mode,
            DETAIL = jsonb_build_object(
                'schema', p_schema, 'name', p_name, 'old_labels', to_jsonb(old_labels),
                'new_labels', to_jsonb(new_labels), 'vanishing', to_jsonb(vanish),
                'columns', cols, 'relations', rels, 'blockers', blockers,
                'recreated', recreated, 'problems', problems || data_problems,
                'warnings', warnings, 'refusals', refusals,
                'statements', todo || coalesce((SELECT jsonb_agg(s.value->'sql' ORDER BY s.ord)
                                                  FROM jsonb_array_elements(statements)
                                                       WITH ORDINALITY AS s(value, ord)),
                                                 '[]'))::text;
    END IF;
    FOR w IN SELECT value FROM jsonb_array_elements(warnings) LOOP
        RAISE WARNING 'alembic_enum_ops: %', w #>> '{}';
    END LOOP;
    FOR step IN SELECT value FROM jsonb_array_elements(statements) LOOP
        RAISE NOTICE 'alembic_enum_ops: %', step->>'sql';
        EXECUTE step->>'sql';
    END LOOP;
END run_swap;
