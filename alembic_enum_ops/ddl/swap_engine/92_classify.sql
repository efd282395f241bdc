-- 92 what each object the swap touches is (kind, schema, name, table, column), with
-- the same classification the catalog reads use (alembic_enum_ops.catalog.dependents):
-- a preview or a description hands it back; a swap that runs does not need it
<<classify>>
DECLARE
    known jsonb;  -- "classid.objid.objsubid.array" -> the object's classification
BEGIN
    IF p_mode NOT IN ('preview', 'describe') THEN
        EXIT classify;
    END IF;
    WITH objects AS (
        SELECT DISTINCT p_schema AS type_schema, p_name AS type_name,
               (o.value->>'classid')::oid AS classid, (o.value->>'objid')::oid AS objid,
               (o.value->>'objsubid')::int AS objsubid,
               coalesce((o.value->>'array')::boolean, false) AS via_array
          FROM jsonb_array_elements(blockers || recreated || cols) AS o
    ), classified AS (
@@CLASSIFY@@
    )
    SELECT coalesce(jsonb_object_agg(concat_ws('.', k.classid, k.objid, k.objsubid, k.via_array),
                                     to_jsonb(k)), '{}')
      INTO known
      FROM classified AS k;
    SELECT coalesce(jsonb_agg(b.value || coalesce(known -> concat_ws('.',
               b.value->>'classid', b.value->>'objid', b.value->>'objsubid',
               coalesce((b.value->>'array')::boolean, false)), '{}') ORDER BY b.ord), '[]')
      INTO blockers
      FROM jsonb_array_elements(blockers) WITH ORDINALITY AS b(value, ord);
    SELECT coalesce(jsonb_agg(b.value || coalesce(known -> concat_ws('.',
               b.value->>'classid', b.value->>'objid', b.value->>'objsubid',
               coalesce((b.value->>'array')::boolean, false)), '{}') ORDER BY b.ord), '[]')
      INTO recreated
      FROM jsonb_array_elements(recreated) WITH ORDINALITY AS b(value, ord);
    SELECT coalesce(jsonb_agg(b.value || coalesce(known -> concat_ws('.',
               b.value->>'classid', b.value->>'objid', b.value->>'objsubid',
               coalesce((b.value->>'array')::boolean, false)), '{}') ORDER BY b.ord), '[]')
      INTO cols
      FROM jsonb_array_elements(cols) WITH ORDINALITY AS b(value, ord);
END classify;
