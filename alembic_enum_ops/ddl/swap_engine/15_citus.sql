-- 15 on a Citus coordinator, the tables Citus manages (pg_dist_partition): each one's
-- kind (distributed, reference, or a Citus local table) and its distribution column.
-- What Citus cannot do is refused with the other blockers (30: a distribution column
-- cannot change type; 45: an online swap's sync trigger cannot exist on a distributed
-- or reference table), and a distributed table's data check is a query Citus can push
-- down to its shards (30); the swap's statements run over one connection per node.  On a server without Citus this unit finds nothing: the
-- catalog is read through EXECUTE only when it exists.
<<citus>>
DECLARE
    dist regclass := to_regclass('pg_catalog.pg_dist_partition');
BEGIN
    IF dist IS NULL THEN
        EXIT citus;
    END IF;
    -- a type command (CREATE TYPE name__v2, DROP, RENAME) after a parallel query on a
    -- distributed table in the same transaction is refused by Citus ("cannot run type
    -- command because there was a parallel operation on a distributed table"): the
    -- swap's own queries (the LOCK, the data check, the ALTERs) go one connection per
    -- node, for this transaction only
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
    EXECUTE format($q$
        SELECT coalesce(jsonb_object_agg(p.logicalrelid::oid::text, jsonb_build_object(
                   'kind', CASE WHEN p.partmethod <> 'n' THEN 'distributed'
                                WHEN p.repmodel = 't' THEN 'reference'
                                WHEN p.colocationid <> 0 THEN 'distributed'
                                ELSE 'local' END,
                   'key', a.attnum)), '{}'::jsonb)
          FROM %s p
          LEFT JOIN pg_catalog.pg_attribute a
                 ON p.partmethod <> 'n' AND a.attrelid = p.logicalrelid
                AND a.attname = pg_catalog.column_to_column_name(p.logicalrelid, p.partkey)
    $q$, dist) INTO citus_tables;
END citus;
