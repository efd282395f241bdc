-- alembic_enum_ops: v2 swap of an enum type (docs/swap.md).  When this block runs it
-- finds, in the catalog, every column, default, index, constraint, view and domain that
-- uses the type, refuses (ERROR: alembic_enum_ops: refusing ...) before changing
-- anything if rows or objects would be lost, and reports each DDL statement it runs as
-- a NOTICE.  The operation's arguments come first.
--
-- The block is assembled from the numbered files of alembic_enum_ops/ddl/swap_engine/,
-- one nested block per unit.  What the units share is declared here: the type, and
-- what the swap touches as arrays of records (jsonb), in statement order.
DECLARE
@@PARAMS@@
    saved_path text := current_setting('search_path');
    saved_scs text := current_setting('standard_conforming_strings');
    -- recreated indexes go back to their tablespace through default_tablespace
    -- (pg_get_indexdef omits it), restored right after each
    saved_spc text := current_setting('default_tablespace');
    -- the type (10_type)
    type_oid oid;
    array_oid oid;
    type_owner text;
    type_comment text;
    type_acl aclitem[];
    qtype text;                  -- schema.name, quoted
    tmp_name text;               -- name__v2, or a hashed name when that does not fit
    qtmp text;
    old_labels text[];
    new_labels text[];
    gone text[];                 -- labels of old_labels that new_labels lacks
    vanish text[];               -- ... and that no mapping moves
    dom_oids oid[] := '{}'::oid[];      -- domains over the type
    type_oids oid[];             -- the type, its array type, the domains, their arrays
    cands jsonb := '[]'::jsonb;         -- typed-literal spellings to remap: {text, array}
    map_text text;               -- format() pattern: a text value mapped
    map_array text;              -- format() pattern: a text[] value mapped
    -- Citus (15_citus): the tables it manages, {relid: {kind, key}}; key is the
    -- distribution column's attnum (null for reference and Citus local tables)
    citus_tables jsonb := '{}'::jsonb;
    -- what the swap touches
    cols jsonb := '[]'::jsonb;          -- table columns of the type: {relid, attnum, schema,
                                 -- table, column, array, domain, converted}
    rels jsonb := '[]'::jsonb;          -- relations it locks: {schema, name, kind, rewritten}
    blockers jsonb := '[]'::jsonb;      -- {classid, objid, objsubid, reason, text}
    recreated jsonb := '[]'::jsonb;     -- objects dropped and recreated: {classid, objid, kind}
    checks jsonb := '[]'::jsonb;        -- data-check queries: {relation, sql}
    lock_rels text[] := '{}'::text[];    -- tables to convert (quoted), one LOCK TABLE
    problems jsonb := '[]'::jsonb;      -- definitions naming a label that vanishes
    data_problems jsonb := '[]'::jsonb; -- rows holding a label that vanishes
    warnings jsonb := '[]'::jsonb;
    refusals jsonb := '[]'::jsonb;      -- {sqlstate, message, hint}, in the order raised
    -- the statements, by phase (95_run puts them in order): {sql, what, definition}
    pre jsonb := '[]'::jsonb;           -- CREATE TYPE, the domain twins
    drops jsonb := '[]'::jsonb;         -- dependents dropped before the conversion
    alters jsonb := '[]'::jsonb;        -- one ALTER TABLE per table
    domain_drops jsonb := '[]'::jsonb;  -- domains dropped after the conversion
    renames jsonb := '[]'::jsonb;       -- the domain twins take their names
    creates jsonb := '[]'::jsonb;       -- dependents recreated, owners, grants, comments
    todo jsonb := '[]'::jsonb;          -- what a preview reports beyond the steps (LOCK TABLE)
    -- an online swap (p_strategy 'online'): a shadow column per converted column, kept
    -- in sync by a trigger, backfilled, indexed, then swapped in (docs/online.md)
    online_marker text := 'alembic_enum_ops online';
    done_name text;  -- the mark of a finished online swap (a function; 10, 95)
    done_mark text;  -- starts every comment we write
    tmp_exists boolean := false;       -- the new type exists already (an earlier expand)
    online_cols jsonb := '[]'::jsonb;  -- {relid, nsp, rel, col, shadow, target, array,
                                       --  not_null, trigger}
    captured jsonb := '[]'::jsonb;     -- index and CHECK definitions, on the shadows
    online_steps jsonb := '[]'::jsonb; -- what an online expand or cut-over runs
