-- 90 the enum literals in every definition recreated: 'label'::schema.type and
-- '{...}'::schema.type[] (and the same for each domain over the type) are remapped by
-- the mapping; a literal naming a label that vanishes with no mapping makes the swap
-- refuse.  A domain twin's literals are retargeted to the new type.  The scanner skips
-- other string literals and quoted identifiers, and always moves forward (an
-- unterminated literal or identifier ends the scan and is reported).  A label that
-- disappears but appears in a form the remap cannot rewrite (untyped, or compared as
-- text: x::text = 'b') is reported too: refused when no mapping covers it, a warning
-- naming the object when one does (such a literal keeps its old text); so is a label
-- the mapping moves rows away from.
--
-- Reads: pre, creates, captured ({sql, what, definition, retarget}), cands, p_from, p_to,
-- new_labels, gone, vanish, qtype, qtmp, p_schema, p_name, p_mode.  Writes: pre,
-- creates and captured (remapped), problems, warnings, refusals.  tests/ddl/test_swap_scanner.py
-- runs this unit alone over a table of deparser outputs.
<<remap_literals>>
DECLARE
    phase text;
    entry jsonb;
    rewritten jsonb;
    src text;
    outp text;
    pos int;
    p1 int;
    p2 int;
    m text[];
    body text;
    val text;
    lbl text;
    arr text[];
    cand jsonb;
    found jsonb;
    nxt text;
    retarget boolean;
    what text;
    message text;
    hint text := 'Pass mapping={old: new} for these labels, or drop or change these '
                 'objects in the migration before the swap.';
BEGIN
    FOREACH phase IN ARRAY ARRAY['pre', 'creates', 'captured'] LOOP
        rewritten := '[]'::jsonb;
        FOR entry IN SELECT value FROM jsonb_array_elements(
                         CASE phase WHEN 'pre' THEN pre WHEN 'creates' THEN creates
                                    ELSE captured END) LOOP
            src := entry->>'sql';
            what := entry->>'what';
            retarget := coalesce((entry->>'retarget')::boolean, false);
            outp := '';
            pos := 1;
            WHILE pos <= length(src) LOOP
                p1 := strpos(substr(src, pos), '''');
                p2 := strpos(substr(src, pos), '"');
                IF p1 = 0 AND p2 = 0 THEN
                    outp := outp || substr(src, pos);
                    EXIT;
                END IF;
                IF p2 > 0 AND (p1 = 0 OR p2 < p1) THEN  -- a quoted identifier: skipped
                    m := regexp_match(substr(src, pos + p2 - 1), '^"(?:[^"]|"")*"');
                    IF m IS NULL THEN
                        problems := problems || to_jsonb(format(
                            '%s has an unterminated quoted identifier', what));
                        outp := outp || substr(src, pos);
                        EXIT;
                    END IF;
                    outp := outp || substr(src, pos, p2 - 1) || m[1];
                    pos := pos + p2 - 1 + length(m[1]);
                    CONTINUE;
                END IF;
                m := regexp_match(substr(src, pos + p1 - 1), '^''((?:[^'']|'''')*)''');
                IF m IS NULL THEN
                    problems := problems || to_jsonb(format(
                        '%s has an unterminated string literal', what));
                    outp := outp || substr(src, pos);
                    EXIT;
                END IF;
                outp := outp || substr(src, pos, p1 - 1);
                body := m[1];
                pos := pos + p1 - 1 + length(body) + 2;
                val := replace(body, '''''', '''');
                -- which typed literal is it?  '::spelling', and for a scalar spelling
                -- the next character must end the name (not "st2" for "st", nor "st[]")
                found := NULL;
                FOR cand IN SELECT value FROM jsonb_array_elements(cands) LOOP
                    nxt := substr(src, pos + 2 + length(cand->>'text'), 1);
                    IF substr(src, pos, 2 + length(cand->>'text')) = '::' || (cand->>'text')
                       AND ((cand->>'array')::boolean
                            OR (nxt !~ '^[[:alnum:]_$"]' AND nxt <> '[')) THEN
                        found := cand;
                        EXIT;
                    END IF;
                END LOOP;
                IF found IS NULL THEN
                    -- not a literal of the type: the remap leaves it alone, but a label
                    -- that disappears must not survive unnoticed
                    IF coalesce((entry->>'definition')::boolean, false)
                       AND (cardinality(gone) > 0 OR coalesce(cardinality(p_from), 0) > 0)
                       -- untyped, or cast to a text type; a literal of another type is
                       -- not about this one
                       AND (substr(src, pos, 2) <> '::'
                            OR substr(src, pos) ~ ('^::(text|character varying|varchar|'
                                                   'bpchar|character|name)(\(\d+\))?'
                                                   '(\[\])?([^[:alnum:]_$".]|$)')) THEN
                        arr := ARRAY[val];
                        IF val ~ '^\{.*\}$' THEN
                            BEGIN
                                arr := val::text[];
                            EXCEPTION WHEN OTHERS THEN
                                arr := ARRAY[val];
                            END;
                        END IF;
                        FOREACH lbl IN ARRAY arr LOOP
                            CONTINUE WHEN lbl IS NULL;
                            IF lbl = ANY(coalesce(p_from, '{}'))
                               AND p_to[array_position(p_from, lbl)] <> lbl THEN
                                warnings := warnings || to_jsonb(format(
                                    '%s names %L in a form the swap does not remap (not a '
                                    'literal of the type, e.g. compared as text): it keeps '
                                    'saying %L while the rows holding it move to %L',
                                    what, lbl, lbl, p_to[array_position(p_from, lbl)]));
                            ELSIF lbl = ANY(vanish) THEN
                                problems := problems || to_jsonb(format(
                                    '%s names %L in a form the swap cannot remap (not a '
                                    'literal of the type, e.g. compared as text)', what, lbl));
                            END IF;
                        END LOOP;
                    END IF;
                    outp := outp || '''' || body || '''';
                    CONTINUE;
                END IF;
                IF (found->>'array')::boolean AND array_ndims(val::text[]) > 1 THEN
                    problems := problems || to_jsonb(format(
                        '%s has a multi-dimensional array literal', what));
                ELSIF (found->>'array')::boolean THEN
                    arr := '{}'::text[];
                    FOREACH lbl IN ARRAY val::text[] LOOP
                        IF lbl IS NOT NULL AND lbl = ANY(p_from) THEN
                            lbl := p_to[array_position(p_from, lbl)];
                        ELSIF lbl IS NOT NULL AND NOT lbl = ANY(new_labels) THEN
                            problems := problems || to_jsonb(format('%s names %L', what, lbl));
                        END IF;
                        arr := arr || lbl;
                    END LOOP;
                    val := arr::text;
                ELSIF val = ANY(p_from) THEN
                    val := p_to[array_position(p_from, val)];
                ELSIF NOT val = ANY(new_labels) THEN
                    problems := problems || to_jsonb(format('%s names %L', what, val));
                END IF;
                outp := outp || '''' || replace(val, '''', '''''') || '''';
                -- retargeted: a literal of the type names the new type, one of a domain
                -- names its twin (a domain twin's CHECKs, an online swap's definitions)
                IF retarget THEN
                    outp := outp || '::' || coalesce(found->>'twin', qtmp)
                            || CASE WHEN (found->>'array')::boolean THEN '[]' ELSE '' END;
                    pos := pos + 2 + length(found->>'text');
                END IF;
            END LOOP;
            rewritten := rewritten || jsonb_set(entry, '{sql}', to_jsonb(outp));
        END LOOP;
        IF phase = 'pre' THEN
            pre := rewritten;
        ELSIF phase = 'creates' THEN
            creates := rewritten;
        ELSE
            captured := rewritten;
        END IF;
    END LOOP;
    IF jsonb_array_length(problems) > 0 THEN
        message := format(
            'alembic_enum_ops: refusing to swap enum %s.%s: definitions name label(s) that the '
            'new label list %s drops with no mapping, so they could not be recreated '
            '(the swap changed nothing):%s',
            p_schema, p_name, new_labels,
            (SELECT string_agg(E'\n  - ' || (p.value #>> '{}'), '' ORDER BY p.ord)
               FROM jsonb_array_elements(problems) WITH ORDINALITY AS p(value, ord)));
        refusals := refusals || jsonb_build_object('sqlstate', 'EO001', 'message', message,
                                                   'hint', hint);
        IF p_mode IN ('run', 'check', 'expand', 'cutover') THEN
            RAISE EXCEPTION USING ERRCODE = 'EO001', MESSAGE = message, HINT = hint;
        END IF;
    END IF;
END remap_literals;
