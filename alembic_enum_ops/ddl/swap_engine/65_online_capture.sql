-- 65 (online expand) the index and CHECK definitions each converted column needs on
-- its shadow: every converted column of a table is renamed, for a moment and inside
-- this transaction, to its shadow's name, so PostgreSQL's own deparser prints every
-- index and CHECK involving it as it must read on the shadow (expressions, predicates,
-- INCLUDE columns and all); then the names go back.  The captured texts go through
-- the literal remap (90) like every definition a swap recreates, retargeted to the new
-- type, and are kept in the comment of the table's sync trigger (95) for the later
-- phases, which may run in another session after a crash.
<<online_capture>>
DECLARE
    t record;
    u_relid oid;
    u_nsp text;
    u_rel text;
    u_columns jsonb;
BEGIN
    IF p_mode <> 'expand' THEN
        EXIT online_capture;
    END IF;
    FOR t IN
        SELECT (o.value->>'relid')::oid AS relid, o.value->>'nsp' AS nsp,
               o.value->>'rel' AS rel, jsonb_agg(o.value) AS columns
          FROM jsonb_array_elements(online_cols) AS o
         GROUP BY 1, 2, 3
         ORDER BY 2, 3
    LOOP
        u_relid := t.relid;
        u_nsp := t.nsp;
        u_rel := t.rel;
        u_columns := t.columns;
        @@CAPTURE@@
    END LOOP;
END online_capture;
