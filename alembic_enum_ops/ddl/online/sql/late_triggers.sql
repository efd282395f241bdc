-- (shared) a query: the BEFORE INSERT or UPDATE row triggers that fire after the sync
-- trigger (names sort in byte order, and the sync trigger's is '~eo_online_<hash>', as
-- sync_trigger.sql gives it) and whose function or arguments name a converted column:
-- a value such a trigger writes there would miss the shadow column.
-- Reads: a relation tree(root, relid, attname) (each converted column, in its table
-- and in the table's partitions), u_key (the conversion's key), online_marker.
-- Yields: tgoid, text (the refusal, naming the trigger, the table and the column).
SELECT tg.oid AS tgoid,
       format('trigger %I on table %I.%I (it fires after the online %s''s sync trigger '
              '%I and may change column %I, which the shadow column would miss; rename '
              'it to sort before %I, or use online=False)',
              tg.tgname, ns.nspname, c.relname,
              CASE WHEN starts_with(u_key, 'column ') THEN 'conversion' ELSE 'swap' END,
              s.sync, v.attname, s.sync) AS text
  FROM tree v
  JOIN pg_catalog.pg_class c ON c.oid = v.relid
  JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
  JOIN pg_catalog.pg_trigger tg ON tg.tgrelid = v.relid
  JOIN pg_catalog.pg_proc fn ON fn.oid = tg.tgfoid
  CROSS JOIN LATERAL (
      SELECT '~eo_online_' || left(md5(format('%I.%I', rn.nspname, rc.relname) || ' '
                                       || u_key), 20) AS sync
        FROM pg_catalog.pg_class rc
        JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
       WHERE rc.oid = v.root) AS s
 WHERE NOT tg.tgisinternal AND tg.tgparentid = 0 AND tg.tgenabled <> 'D'
   AND tg.tgtype & 3 = 3            -- ROW and BEFORE
   AND tg.tgtype & (4 | 16) <> 0    -- INSERT or UPDATE
   AND tg.tgname::text COLLATE "C" > s.sync COLLATE "C"
   AND NOT starts_with(coalesce(obj_description(tg.oid, 'pg_trigger'), ''), online_marker)
   AND (fn.prosrc ~* ('(^|[^[:alnum:]_$])'
                      || regexp_replace(v.attname, '([^[:alnum:]_])', '\\\1', 'g')
                      || '($|[^[:alnum:]_$])')
        OR strpos(encode(tg.tgargs, 'escape'), v.attname) > 0)
