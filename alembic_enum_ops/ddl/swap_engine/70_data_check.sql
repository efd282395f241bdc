-- 70 lock the tables to convert before reading their data: no session can write a
-- vanishing label between the check and the rewrite, and a lock held elsewhere fails
-- here (lock_timeout, SQLSTATE 55P03) before any heavy work is done.  Then count, per
-- column, the rows holding a label that vanishes with no mapping, and refuse naming
-- each.  A preview reads the data without the lock; a description reads no data.
<<data_check>>
DECLARE
    chk record;
    s text;
    col text;        -- a data-check query's row: the column, the label, the count,
    lbl text;        -- and " (in the array)" for an array column
    n bigint;
    tail text;
    message text;
    hint text := 'Pass mapping={old: new} (replace_with= for enum_remove_value) to move '
                 'these rows, or update or delete them before the swap.';
BEGIN
    -- a description reads no data; an online expand runs after its own check (mode
    -- check, no lock: the sync trigger then refuses a vanishing label)
    IF p_mode IN ('describe', 'expand') THEN
        EXIT data_check;
    END IF;
    IF cardinality(lock_rels) > 0 AND p_mode <> 'check' THEN
        s := format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', array_to_string(lock_rels, ', '));
        IF p_mode = 'preview' THEN
            todo := todo || to_jsonb(s);  -- a preview only reads: no exclusive lock
        ELSE
            RAISE NOTICE 'alembic_enum_ops: %', s;
            EXECUTE s;
        END IF;
    END IF;
    -- the online cut-over: every row was checked before (mode check) or, written since,
    -- by the sync trigger; the helper CHECKs the cut-over requires prove the backfill
    IF p_mode = 'cutover' THEN
        EXIT data_check;
    END IF;
    FOR chk IN SELECT value FROM jsonb_array_elements(checks) LOOP
        FOR col, lbl, n, tail IN EXECUTE chk.value->>'sql' USING vanish LOOP
            data_problems := data_problems || to_jsonb(format(
                '%s.%s: %s row(s) hold %L%s', chk.value->>'relation', col, n, lbl, tail));
        END LOOP;
    END LOOP;
    IF jsonb_array_length(data_problems) > 0 THEN
        message := format(
            'alembic_enum_ops: refusing to swap enum %s.%s: rows hold label(s) %s, which the '
            'new label list %s drops with no mapping (the swap changed nothing):%s',
            p_schema, p_name, vanish, new_labels,
            (SELECT string_agg(E'\n  - ' || (p.value #>> '{}'), '' ORDER BY p.ord)
               FROM jsonb_array_elements(data_problems) WITH ORDINALITY AS p(value, ord)));
        refusals := refusals || jsonb_build_object('sqlstate', 'EO001', 'message', message,
                                                   'hint', hint);
        IF p_mode IN ('run', 'check') THEN
            RAISE EXCEPTION USING ERRCODE = 'EO001', MESSAGE = message, HINT = hint;
        END IF;
    END IF;
END data_check;
