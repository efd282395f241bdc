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
    missing text[] := '{}'::text[];
    message text;
    u_relid oid;
    u_nsp text;
    u_rel text;
    u_key text := qtype;
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
        u_relid := t.relid;
        u_nsp := t.nsp;
        u_rel := t.rel;
        @@CUTOVER_TABLE@@
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
