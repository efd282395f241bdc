-- 60 refuse, before any lock is taken, when something uses the type that the swap
-- cannot carry over (a preview or a description collects the refusal and goes on)
<<refuse_blockers>>
DECLARE
    message text;
    hint text := 'Drop these objects in the migration before the swap (op.execute) and '
                 'recreate them after it, or change them to use text instead of the type.';
BEGIN
    IF jsonb_array_length(blockers) > 0 THEN
        message := format(
            'alembic_enum_ops: refusing to swap enum %s.%s: %s object(s) use it and cannot be '
            'carried over safely (the swap changed nothing):%s',
            p_schema, p_name, jsonb_array_length(blockers),
            (SELECT string_agg(E'\n  - ' || (b.value->>'text'), '' ORDER BY b.ord)
               FROM jsonb_array_elements(blockers) WITH ORDINALITY AS b(value, ord)));
        IF EXISTS (SELECT 1 FROM jsonb_array_elements(blockers) AS b
                    WHERE b.value->>'reason' = 'online') THEN
            hint := hint || ' What only an online swap cannot carry over, online=False '
                    'does (it rewrites the tables under an exclusive lock).';
        END IF;
        refusals := refusals || jsonb_build_object('sqlstate', 'EO001', 'message', message,
                                                   'hint', hint);
        IF p_mode IN ('run', 'check', 'expand', 'cutover') THEN
            RAISE EXCEPTION USING ERRCODE = 'EO001', MESSAGE = message, HINT = hint;
        END IF;
    END IF;
END refuse_blockers;
