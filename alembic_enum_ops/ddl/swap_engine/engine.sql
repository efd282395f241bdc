
-- alembic_enum_ops: v2 swap of an enum type (docs/swap.md).  When this block runs it
-- finds, in the catalog, every column, default, index, constraint, view and domain that
-- uses the type, refuses (ERROR: alembic_enum_ops: refusing ...) before changing
-- anything if rows or objects would be lost, and reports each DDL statement it runs as
-- a NOTICE.  The operation's arguments come first.
DECLARE
@@PARAMS@@
    saved_path text := current_setting('search_path');
    saved_scs text := current_setting('standard_conforming_strings');
    -- recreated indexes go back to their tablespace through default_tablespace
    -- (pg_get_indexdef omits it), restored right after each
    saved_spc text := current_setting('default_tablespace');
    type_oid oid;
    array_oid oid;
    type_kind "char";
    type_owner text;
    type_comment text;
    type_acl aclitem[];
    qtype text;
    qtmp text;
    tmp_name text;
    old_labels text[];
    new_labels text[];
    vanish text[];
    dom_oids oid[] := '{}';
    type_oids oid[];
    cand_text text[] := '{}';
    cand_array boolean[] := '{}';
    col_rel oid[] := '{}';
    col_num int[] := '{}';
    view_oids oid[] := '{}';
    blockers text[] := '{}';
    problems text[] := '{}';
    pre text[] := '{}';
    drops text[] := '{}';
    alters text[] := '{}';
    mid text[] := '{}';
    creates text[] := '{}';
    ctx text[] := '{}';
    checks text[] := '{}';
    check_what text[] := '{}';
    chk_rel text[] := '{}';
    chk_disp text[] := '{}';
    chk_branch text[] := '{}';
    chk_pre text[] := '{}';
    lock_rels text[] := '{}';
    todo text[] := '{}';
    steps text[];
    dom_pre text[] := '{}';
    dom_ctx text[] := '{}';
    n_creates int;
    retarget boolean;
    map_text text;
    map_array text;
    sentinels text[] := '{}';
    r record;
    d record;
    s text;
    t text;
    q text;
    i int;
    k int;
    lbl text;
    clauses text;
    last_rel oid;
    last_qrel text;
    -- scanner state
    src text;
    outp text;
    pos int;
    p1 int;
    p2 int;
    m text[];
    body text;
    val text;
    arr text[];
    found_cand int;
    after_pos int;
    nxt text;
BEGIN
    PERFORM set_config('search_path', '', true);
    PERFORM set_config('standard_conforming_strings', 'on', true);

    -- 1. the type, its labels, the new labels ----------------------------------------
    SELECT ty.oid, ty.typarray, ty.typtype, pg_get_userbyid(ty.typowner),
           obj_description(ty.oid, 'pg_type'), ty.typacl
      INTO type_oid, array_oid, type_kind, type_owner, type_comment, type_acl
      FROM pg_catalog.pg_type ty
      JOIN pg_catalog.pg_namespace ns ON ns.oid = ty.typnamespace
     WHERE ns.nspname = p_schema AND ty.typname = p_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
            'alembic_enum_ops: enum %s.%s does not exist', p_schema, p_name);
    END IF;
    IF type_kind <> 'e' THEN
        RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
            'alembic_enum_ops: type %s.%s is not an enum', p_schema, p_name);
    END IF;
    qtype := format('%I.%I', p_schema, p_name);
    SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) INTO old_labels
      FROM pg_catalog.pg_enum e WHERE e.enumtypid = type_oid;
    IF p_expected IS NOT NULL AND old_labels IS DISTINCT FROM p_expected THEN
        RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
            'alembic_enum_ops: enum %s.%s has labels %s but this migration expects %s; '
            'the database is not in the state the revision was written for',
            p_schema, p_name, old_labels, p_expected);
    END IF;
    IF p_remove IS NOT NULL THEN
        IF NOT p_remove = ANY(old_labels) THEN
            RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
                'alembic_enum_ops: cannot remove %L from enum %s.%s: no such label (it has %s)',
                p_remove, p_schema, p_name, old_labels);
        END IF;
        new_labels := array_remove(old_labels, p_remove);
        IF cardinality(new_labels) = 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
                'alembic_enum_ops: cannot remove %L from enum %s.%s: it is the only label '
                '(an enum needs at least one; drop the type instead)',
                p_remove, p_schema, p_name);
        END IF;
    ELSE
        new_labels := p_new;
    END IF;
    FOR i IN 1 .. coalesce(cardinality(p_from), 0) LOOP
        IF NOT p_from[i] = ANY(old_labels) THEN
            RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
                'alembic_enum_ops: enum %s.%s: the mapping names %L, which is not a label '
                'of the type (it has %s)', p_schema, p_name, p_from[i], old_labels);
        END IF;
        IF NOT p_to[i] = ANY(new_labels) THEN
            RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
                'alembic_enum_ops: enum %s.%s: %L would be mapped to %L, which is not '
                'among the new labels %s', p_schema, p_name, p_from[i], p_to[i], new_labels);
        END IF;
    END LOOP;
    IF new_labels = old_labels AND coalesce(cardinality(p_from), 0) = 0 THEN
        RAISE NOTICE 'alembic_enum_ops: enum %.% already has labels %; nothing to do',
            p_schema, p_name, old_labels;
        PERFORM set_config('search_path', saved_path, true);
        PERFORM set_config('standard_conforming_strings', saved_scs, true);
        RETURN;
    END IF;
    SELECT coalesce(array_agg(o.l ORDER BY o.n), '{}') INTO vanish
      FROM unnest(old_labels) WITH ORDINALITY AS o(l, n)
     WHERE NOT o.l = ANY(new_labels) AND NOT o.l = ANY(coalesce(p_from, '{}'));

    tmp_name := CASE WHEN octet_length(p_name) <= 59 THEN p_name || '__v2'
                     ELSE 'enum_ops_v2_' || md5(p_name) END;
    qtmp := format('%I.%I', p_schema, tmp_name);
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_type ty
                 JOIN pg_catalog.pg_namespace ns ON ns.oid = ty.typnamespace
                WHERE ns.nspname = p_schema AND ty.typname = tmp_name)
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                   JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
                  WHERE ns.nspname = p_schema AND c.relname = tmp_name) THEN
        RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
            'alembic_enum_ops: cannot swap enum %s.%s: its temporary name %s.%s is already '
            'taken (a leftover of an interrupted hand-made swap?); drop or rename that '
            'object first', p_schema, p_name, p_schema, tmp_name);
    END IF;

    -- mapping expressions: text -> text, for scalars (CASE) and arrays (array_replace
    -- through sentinels, so that {a: b, b: a} swaps instead of chaining)
    map_text := '%1$s';
    map_array := '%1$s';
    IF coalesce(cardinality(p_from), 0) > 0 THEN
        map_text := 'CASE %1$s';
        FOR i IN 1 .. cardinality(p_from) LOOP
            -- a label may contain '%': the pieces are escaped for the final format()
            map_text := map_text || replace(format(' WHEN %L THEN %L', p_from[i], p_to[i]), '%', '%%');
            s := chr(1) || 'alembic_enum_ops_' || i || chr(1);
            sentinels := sentinels || s;
            map_array := format('array_replace(%s, %s, %s)', map_array,
                                replace(format('%L', p_from[i]), '%', '%%'), format('%L', s));
        END LOOP;
        map_text := map_text || ' ELSE %1$s END';
        FOR i IN 1 .. cardinality(p_from) LOOP
            map_array := format('array_replace(%s, %s, %s)', map_array, format('%L', sentinels[i]),
                                replace(format('%L', p_to[i]), '%', '%%'));
        END LOOP;
    END IF;

    -- domains over the type are recreated over the new type
    type_oids := ARRAY[type_oid, array_oid];
    cand_text := ARRAY[qtype || '[]', qtype];
    cand_array := ARRAY[true, false];
    FOR d IN
        SELECT ty.oid, ty.typarray, ns.nspname::text AS nsp, ty.typname::text AS typ
          FROM pg_catalog.pg_type ty
          JOIN pg_catalog.pg_namespace ns ON ns.oid = ty.typnamespace
         WHERE ty.typtype = 'd' AND ty.typbasetype = type_oid
         ORDER BY 3, 4
    LOOP
        dom_oids := dom_oids || d.oid;
        type_oids := type_oids || d.oid || d.typarray;
        cand_text := cand_text || format('%I.%I[]', d.nsp, d.typ) || format('%I.%I', d.nsp, d.typ);
        cand_array := cand_array || true || false;
    END LOOP;

    -- 2. dependents we cannot carry over safely --------------------------------------
    FOR r IN
        SELECT dep.classid, dep.objid, dep.objsubid,
               CASE WHEN pr.prokind = 'p' THEN 'procedure ' || pr.oid::regprocedure::text
                    ELSE pg_describe_object(dep.classid, dep.objid, dep.objsubid) END AS descr,
               pg_describe_object(dep.refclassid, dep.refobjid, 0) AS on_what,
               c.relkind, rw.rulename, rw.ev_class
          FROM pg_catalog.pg_depend dep
          LEFT JOIN pg_catalog.pg_class c
                 ON dep.classid = 'pg_catalog.pg_class'::regclass AND c.oid = dep.objid
          LEFT JOIN pg_catalog.pg_rewrite rw
                 ON dep.classid = 'pg_catalog.pg_rewrite'::regclass AND rw.oid = dep.objid
          LEFT JOIN pg_catalog.pg_proc pr
                 ON dep.classid = 'pg_catalog.pg_proc'::regclass AND pr.oid = dep.objid
         WHERE dep.refclassid = 'pg_catalog.pg_type'::regclass
           AND dep.refobjid = ANY(type_oids)
           AND dep.deptype IN ('n', 'a')
         ORDER BY 4
    LOOP
        IF r.classid = 'pg_catalog.pg_class'::regclass
           AND r.relkind IN ('r', 'p', 'v', 'm', 'i', 'I') THEN
            CONTINUE;  -- columns, views and indexes: handled below
        ELSIF r.classid = 'pg_catalog.pg_type'::regclass AND r.objid = ANY(type_oids) THEN
            CONTINUE;  -- our domains and their array types
        ELSIF r.classid IN ('pg_catalog.pg_attrdef'::regclass, 'pg_catalog.pg_constraint'::regclass) THEN
            CONTINUE;  -- defaults and constraints: checked below
        ELSIF r.classid = 'pg_catalog.pg_rewrite'::regclass AND r.rulename = '_RETURN' THEN
            CONTINUE;  -- views: recreated
        END IF;
        blockers := blockers || format('%s (uses %s)', r.descr, r.on_what);
    END LOOP;
    FOR r IN
        SELECT p.oid::regprocedure::text AS descr, p.prokind
          FROM pg_catalog.pg_proc p
          JOIN pg_catalog.pg_namespace ns ON ns.oid = p.pronamespace
         WHERE ns.nspname NOT IN ('pg_catalog', 'information_schema')
           AND p.prolang NOT IN (SELECT oid FROM pg_catalog.pg_language
                                  WHERE lanname IN ('c', 'internal'))
           -- a qualified cast always counts; an unqualified one only when it can mean
           -- this type (no same-named type elsewhere, or the function lives beside it)
           AND (p.prosrc ~* ('::\s*"?' || regexp_replace(p_schema, '([^[:alnum:]_])', '\\\1', 'g')
                             || '"?\s*\.\s*"?'
                             || regexp_replace(p_name, '([^[:alnum:]_])', '\\\1', 'g') || '"?\M')
                OR (p.prosrc ~* ('::\s*"?'
                                 || regexp_replace(p_name, '([^[:alnum:]_])', '\\\1', 'g') || '"?\M')
                    AND (ns.nspname = p_schema OR NOT EXISTS (
                        SELECT 1 FROM pg_catalog.pg_type other
                          JOIN pg_catalog.pg_namespace ons ON ons.oid = other.typnamespace
                         WHERE other.typname = p_name AND ons.nspname <> p_schema))))
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                            WHERE dep.classid = 'pg_catalog.pg_proc'::regclass
                              AND dep.objid = p.oid AND dep.refobjid = ANY(type_oids))
         ORDER BY 1
    LOOP
        blockers := blockers || format('%s %s (its body casts to the type)',
            CASE r.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, r.descr);
    END LOOP;

    -- columns: every column of the type, its array, a domain over it (or its array)
    FOR r IN
        SELECT c.oid AS relid, ns.nspname::text AS nsp, c.relname::text AS rel, c.relkind,
               c.relpersistence = 't' AND ns.oid <> pg_my_temp_schema() AS foreign_temp,
               a.attname::text AS col, a.attnum, a.atttypid, a.attinhcount, a.attgenerated,
               ty.typtype, ty.typelem, ty.oid = array_oid OR ty.typelem = ANY(dom_oids) AS is_array,
               CASE WHEN ty.typtype = 'd' THEN ty.oid
                    WHEN ty.typelem = ANY(dom_oids) THEN ty.typelem END AS dom,
               CASE WHEN dt.oid IS NOT NULL THEN
                   format('%I.%I', dns.nspname,
                          CASE WHEN octet_length(dt.typname) <= 59 THEN dt.typname || '__v2'
                               ELSE 'enum_ops_v2_' || md5(dt.typname) END) END AS dom_tmp
          FROM pg_catalog.pg_attribute a
          JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
          JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
          LEFT JOIN pg_catalog.pg_type dt
                 ON dt.oid = CASE WHEN ty.typtype = 'd' THEN ty.oid
                                  WHEN ty.typelem = ANY(dom_oids) THEN ty.typelem END
          LEFT JOIN pg_catalog.pg_namespace dns ON dns.oid = dt.typnamespace
         WHERE a.atttypid = ANY(type_oids) AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY 2, 3, a.attnum
    LOOP
        col_rel := col_rel || r.relid;
        col_num := col_num || r.attnum::int;
        IF r.foreign_temp THEN
            blockers := blockers || format(
                'column %I of temporary table %s.%s of another session (it cannot be altered '
                'from here; wait until that session ends)', r.col, r.nsp, r.rel);
            CONTINUE;
        END IF;
        IF r.relkind = 'p' AND EXISTS (
               SELECT 1 FROM pg_catalog.pg_partitioned_table pt
                WHERE pt.partrelid = r.relid AND r.attnum = ANY(pt.partattrs::int2[])) THEN
            blockers := blockers || format(
                'column %I of table %s.%s is part of its partition key (PostgreSQL cannot '
                'change the type of a partition key column)', r.col, r.nsp, r.rel);
            CONTINUE;
        END IF;
        IF r.relkind NOT IN ('r', 'p') OR r.attinhcount > 0 THEN
            -- views and indexes are handled below; partitions and inheritance children
            -- follow their parent; composite types and foreign tables were refused
            CONTINUE;
        END IF;
        IF r.attgenerated <> '' THEN
            blockers := blockers || format('generated column %I of table %s.%s', r.col, r.nsp, r.rel);
            CONTINUE;
        END IF;
        -- 3. data check: rows holding a label that vanishes
        IF cardinality(vanish) > 0 THEN
            -- one scan per table for all its columns (see below); compared as the enum
            -- (no per-row text conversion; a domain column is cast to the enum, as the
            -- labels may fail the domain's CHECK); arrays prefiltered with &&
            t := CASE WHEN r.dom IS NULL THEN '' ELSE '::' || qtype END;
            chk_rel := chk_rel || format('%I.%I', r.nsp, r.rel);
            chk_disp := chk_disp || format('%s.%s', r.nsp, r.rel);
            IF r.is_array THEN
                chk_branch := chk_branch || format(
                    'SELECT DISTINCT %s AS n, %L AS c, e::text AS l, %L AS tail '
                    'FROM unnest(t.%I) AS e WHERE e::text = ANY($1)',
                    r.attnum, r.col, ' (in the array)', r.col);
                chk_pre := chk_pre || format('t.%I%s && $1::%s[]', r.col,
                    CASE WHEN t = '' THEN '' ELSE t || '[]' END, qtype);
            ELSE
                chk_branch := chk_branch || format(
                    'SELECT %s AS n, %L AS c, t.%I::text AS l, %L AS tail '
                    'WHERE t.%I%s = ANY($1::%s[])',
                    r.attnum, r.col, r.col, '', r.col, t, qtype);
                chk_pre := chk_pre || format('t.%I%s = ANY($1::%s[])', r.col, t, qtype);
            END IF;
        END IF;
        -- the conversion, one ALTER TABLE per table
        t := coalesce(r.dom_tmp, qtmp);
        IF r.is_array THEN
            s := format('ALTER COLUMN %I TYPE %s[] USING %s::%s[]', r.col, t,
                        format(map_array, format('%I::text[]', r.col)), t);
        ELSE
            s := format('ALTER COLUMN %I TYPE %s USING (%s)::%s', r.col, t,
                        format(map_text, format('%I::text', r.col)), t);
        END IF;
        IF r.relid IS DISTINCT FROM last_rel THEN
            lock_rels := lock_rels || format('%I.%I', r.nsp, r.rel);
            IF last_rel IS NOT NULL THEN
                alters := alters || format('ALTER TABLE %s %s', last_qrel, clauses);
            END IF;
            last_rel := r.relid;
            last_qrel := format('%I.%I', r.nsp, r.rel);
            clauses := s;
        ELSE
            clauses := clauses || ', ' || s;
        END IF;
    END LOOP;
    IF last_rel IS NOT NULL THEN
        alters := alters || format('ALTER TABLE %s %s', last_qrel, clauses);
    END IF;
    FOR r IN
        SELECT x.rel, x.disp, string_agg(x.branch, ' UNION ALL ' ORDER BY x.ord) AS branches,
               string_agg(x.pre, ' OR ' ORDER BY x.ord) AS pre
          FROM unnest(chk_rel, chk_disp, chk_branch, chk_pre) WITH ORDINALITY
               AS x(rel, disp, branch, pre, ord)
         GROUP BY x.rel, x.disp
         ORDER BY min(x.ord)
    LOOP
        checks := checks || format(
            'SELECT u.c, u.l, count(*), u.tail FROM %s AS t CROSS JOIN LATERAL (%s) AS u '
            'WHERE %s GROUP BY u.n, u.c, u.l, u.tail ORDER BY u.n, u.l',
            r.rel, r.branches, r.pre);
        check_what := check_what || r.disp;
    END LOOP;

    -- rules (other than views') on the affected columns or the type
    FOR r IN
        SELECT DISTINCT pg_describe_object(dep.classid, dep.objid, 0) AS descr
          FROM pg_catalog.pg_depend dep
          JOIN pg_catalog.pg_rewrite rw ON rw.oid = dep.objid
         WHERE dep.classid = 'pg_catalog.pg_rewrite'::regclass
           AND rw.rulename <> '_RETURN'
           AND dep.refclassid = 'pg_catalog.pg_class'::regclass
           AND (dep.refobjid, dep.refobjsubid) IN (SELECT * FROM unnest(col_rel, col_num))
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend td  -- listed above already
                            WHERE td.classid = dep.classid AND td.objid = dep.objid
                              AND td.refclassid = 'pg_catalog.pg_type'::regclass
                              AND td.refobjid = ANY(type_oids))
         ORDER BY 1
    LOOP
        blockers := blockers || r.descr;
    END LOOP;

    -- policies, trigger WHEN clauses and generated columns reading a converted column:
    -- PostgreSQL cannot change the type of a column they use
    FOR r IN
        SELECT DISTINCT pg_describe_object(dep.classid, dep.objid, 0) AS descr,
               pg_describe_object(dep.refclassid, dep.refobjid, dep.refobjsubid) AS col
          FROM pg_catalog.pg_depend dep
         WHERE dep.refclassid = 'pg_catalog.pg_class'::regclass
           AND (dep.refobjid, dep.refobjsubid) IN (SELECT * FROM unnest(col_rel, col_num))
           AND (dep.classid IN ('pg_catalog.pg_policy'::regclass, 'pg_catalog.pg_trigger'::regclass)
                OR (dep.classid = 'pg_catalog.pg_attrdef'::regclass AND EXISTS (
                    SELECT 1 FROM pg_catalog.pg_attrdef ad
                      JOIN pg_catalog.pg_attribute a
                        ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
                     WHERE ad.oid = dep.objid AND a.attgenerated <> '')))
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend td
                            WHERE td.classid = dep.classid AND td.objid = dep.objid
                              AND td.refclassid = 'pg_catalog.pg_type'::regclass
                              AND td.refobjid = ANY(type_oids))
        UNION
        -- PostgreSQL 14 records a generated column's dependency on the columns it reads
        -- as column -> column (15+ records it on the expression, pg_attrdef, as above)
        SELECT pg_describe_object('pg_catalog.pg_attrdef'::regclass, ad.oid, 0),
               pg_describe_object(dep.refclassid, dep.refobjid, dep.refobjsubid)
          FROM pg_catalog.pg_depend dep
          JOIN pg_catalog.pg_attribute a
            ON a.attrelid = dep.objid AND a.attnum = dep.objsubid AND a.attgenerated <> ''
          JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
         WHERE dep.classid = 'pg_catalog.pg_class'::regclass
           AND dep.refclassid = 'pg_catalog.pg_class'::regclass
           AND dep.objid = dep.refobjid AND dep.objsubid <> dep.refobjsubid
           AND (dep.refobjid, dep.refobjsubid) IN (SELECT * FROM unnest(col_rel, col_num))
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend td
                            WHERE td.classid = 'pg_catalog.pg_class'::regclass
                              AND td.objid = a.attrelid AND td.objsubid = a.attnum
                              AND td.refclassid = 'pg_catalog.pg_type'::regclass
                              AND td.refobjid = ANY(type_oids))
         ORDER BY 1, 2
    LOOP
        blockers := blockers || format('%s (reads %s)', r.descr, r.col);
    END LOOP;

    -- 4a. views and materialized views on the affected columns, and views on those
    FOR r IN
        WITH RECURSIVE closure(relid, depth) AS (
            SELECT rw.ev_class, 1
              FROM pg_catalog.pg_depend dep
              JOIN pg_catalog.pg_rewrite rw ON rw.oid = dep.objid
             WHERE dep.classid = 'pg_catalog.pg_rewrite'::regclass
               AND rw.rulename = '_RETURN'
               AND rw.ev_class <> dep.refobjid
               AND ((dep.refclassid = 'pg_catalog.pg_class'::regclass
                     AND (dep.refobjid, dep.refobjsubid) IN (SELECT * FROM unnest(col_rel, col_num)))
                    OR (dep.refclassid = 'pg_catalog.pg_type'::regclass
                        AND dep.refobjid = ANY(type_oids)))
            UNION ALL
            SELECT rw.ev_class, closure.depth + 1
              FROM closure
              JOIN pg_catalog.pg_depend dep
                ON dep.refclassid = 'pg_catalog.pg_class'::regclass
               AND dep.refobjid = closure.relid
               AND dep.classid = 'pg_catalog.pg_rewrite'::regclass
              JOIN pg_catalog.pg_rewrite rw ON rw.oid = dep.objid
             WHERE rw.ev_class <> closure.relid AND rw.rulename = '_RETURN'
        )
        SELECT c.oid, max(cl.depth) AS depth, ns.nspname::text AS nsp, c.relname::text AS rel,
               c.relkind, pg_get_userbyid(c.relowner)::text AS owner, c.relacl, c.reloptions,
               c.relispopulated, obj_description(c.oid, 'pg_class') AS cmt,
               pg_get_viewdef(c.oid) AS def,
               (SELECT spc.spcname::text FROM pg_catalog.pg_tablespace spc
                 WHERE spc.oid = c.reltablespace) AS spc
          FROM closure cl
          JOIN pg_catalog.pg_class c ON c.oid = cl.relid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
         GROUP BY c.oid, ns.nspname, c.relname
         ORDER BY 2, 3, 4
    LOOP
        view_oids := view_oids || r.oid;
        k := CASE r.relkind WHEN 'm' THEN 1 ELSE 0 END;
        t := CASE k WHEN 1 THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END;
        q := format('%I.%I', r.nsp, r.rel);
        drops := format('DROP %s %s', t, q) || drops;  -- deepest first
        s := format('CREATE %s %s', t, q);
        IF r.reloptions IS NOT NULL THEN
            s := s || ' WITH (' || (
                SELECT string_agg(format('%s=%L', split_part(o, '=', 1),
                                         substr(o, strpos(o, '=') + 1)), ', ')
                  FROM unnest(r.reloptions) AS o) || ')';
        END IF;
        IF k = 1 AND r.spc IS NOT NULL THEN
            s := s || format(' TABLESPACE %I', r.spc);
        END IF;
        s := s || ' AS ' || rtrim(r.def, E'; \n');
        IF k = 1 THEN
            s := s || CASE WHEN r.relispopulated THEN ' WITH DATA' ELSE ' WITH NO DATA' END;
        END IF;
        creates := creates || s; ctx := ctx || format('%s %s', lower(t), q);
    END LOOP;

    -- what the recreated views carry: one set-based query per kind, in view order
    -- (the CREATEs above come first, so every statement below finds its view)
    FOR r IN
        SELECT format('%I.%I', ns.nspname, c.relname) AS q,
               CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END AS kind,
               pg_get_userbyid(c.relowner)::text AS owner, c.relacl,
               obj_description(c.oid, 'pg_class') AS cmt
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
         WHERE c.oid = ANY(view_oids)
         ORDER BY array_position(view_oids, c.oid)
    LOOP
        IF r.owner <> current_user THEN
            creates := creates || format('ALTER %s %s OWNER TO %I', r.kind, r.q, r.owner);
            ctx := ctx || format('owner of %s', r.q);
        END IF;
        IF r.cmt IS NOT NULL THEN
            creates := creates || format('COMMENT ON %s %s IS %L', r.kind, r.q, r.cmt);
            ctx := ctx || format('comment on %s', r.q);
        END IF;
        IF r.relacl IS NOT NULL THEN
            creates := creates || format('REVOKE ALL ON TABLE %s FROM PUBLIC', r.q)
                               || format('REVOKE ALL ON TABLE %s FROM %I', r.q, r.owner);
            ctx := ctx || format('grants on %s', r.q) || format('grants on %s', r.q);
        END IF;
    END LOOP;
    FOR r IN
        SELECT format('GRANT %s%s ON TABLE %s TO %s%s', x.privilege_type,
                      CASE WHEN src.attname IS NULL THEN '' ELSE format(' (%I)', src.attname) END,
                      format('%I.%I', ns.nspname, c.relname),
                      CASE WHEN x.grantee = 0 THEN 'PUBLIC'
                           ELSE quote_ident(pg_get_userbyid(x.grantee)) END,
                      CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) AS stmt,
               format('grants on %I.%I', ns.nspname, c.relname) AS what
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
          CROSS JOIN LATERAL (
              SELECT NULL::name AS attname, 0 AS attnum, c.relacl AS acl  -- the view's own
              UNION ALL
              SELECT a.attname, a.attnum, a.attacl                        -- its columns'
                FROM pg_catalog.pg_attribute a
               WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                 AND a.attacl IS NOT NULL) AS src
          CROSS JOIN LATERAL aclexplode(src.acl) AS x
         WHERE c.oid = ANY(view_oids)
         ORDER BY array_position(view_oids, c.oid), src.attnum, x.grantee, x.privilege_type
    LOOP
        creates := creates || r.stmt; ctx := ctx || r.what;
    END LOOP;
    FOR r IN
        SELECT format('%I.%I', ns.nspname, c.relname) AS q, a.attname::text AS col,
               col_description(c.oid, a.attnum) AS cmt, pg_get_expr(ad.adbin, ad.adrelid) AS def
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
          LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
         WHERE c.oid = ANY(view_oids) AND a.attnum > 0 AND NOT a.attisdropped
           AND (col_description(c.oid, a.attnum) IS NOT NULL OR ad.oid IS NOT NULL)
         ORDER BY array_position(view_oids, c.oid), a.attnum
    LOOP
        IF r.cmt IS NOT NULL THEN
            creates := creates || format('COMMENT ON COLUMN %s.%I IS %L', r.q, r.col, r.cmt);
            ctx := ctx || format('comment on %s.%I', r.q, r.col);
        END IF;
        IF r.def IS NOT NULL THEN
            creates := creates || format('ALTER VIEW %s ALTER COLUMN %I SET DEFAULT %s',
                                         r.q, r.col, r.def);
            ctx := ctx || format('default of %s.%I', r.q, r.col);
        END IF;
    END LOOP;
    FOR r IN
        SELECT pg_get_indexdef(x.indexrelid) AS def,
               obj_description(x.indexrelid, 'pg_class') AS cmt,
               format('%I.%I', ns.nspname, ic.relname) AS qi,
               (SELECT spc.spcname::text FROM pg_catalog.pg_tablespace spc
                 WHERE spc.oid = ic.reltablespace) AS spc
          FROM pg_catalog.pg_index x
          JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = ic.relnamespace
         WHERE x.indrelid = ANY(view_oids)
         ORDER BY array_position(view_oids, x.indrelid), ic.relname
    LOOP
        IF r.spc IS NOT NULL THEN
            creates := creates || format('SET LOCAL default_tablespace = %I', r.spc);
            ctx := ctx || format('tablespace of index %s', r.qi);
        END IF;
        creates := creates || r.def || CASE WHEN r.cmt IS NULL THEN NULL
            ELSE format('COMMENT ON INDEX %s IS %L', r.qi, r.cmt) END;
        ctx := ctx || format('index %s', r.qi) || format('comment on index %s', r.qi);
        IF r.spc IS NOT NULL THEN
            creates := creates || format('SET LOCAL default_tablespace = %L', saved_spc);
            ctx := ctx || format('tablespace of index %s', r.qi);
        END IF;
    END LOOP;
    FOR r IN
        SELECT pg_get_triggerdef(tg.oid) AS def,
               format('trigger %I on %I.%I', tg.tgname, ns.nspname, c.relname) AS what,
               format('%I ON %I.%I', tg.tgname, ns.nspname, c.relname) AS qt,
               obj_description(tg.oid, 'pg_trigger') AS cmt
          FROM pg_catalog.pg_trigger tg
          JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
         WHERE tg.tgrelid = ANY(view_oids) AND NOT tg.tgisinternal
         ORDER BY array_position(view_oids, tg.tgrelid), tg.tgname
    LOOP
        creates := creates || r.def; ctx := ctx || r.what;
        IF r.cmt IS NOT NULL THEN
            creates := creates || format('COMMENT ON TRIGGER %s IS %L', r.qt, r.cmt);
            ctx := ctx || ('comment on ' || r.what);
        END IF;
    END LOOP;
    -- rules other than the views' own, and objects depending on a view itself (a
    -- function returning its rows...): the swap would have to drop them
    FOR r IN
        SELECT DISTINCT pg_describe_object(dep.classid, dep.objid, dep.objsubid) AS descr,
               format('%I.%I', ns.nspname, c.relname) AS q
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
          JOIN pg_catalog.pg_depend dep
            ON (dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.refobjid = c.oid)
            OR (dep.refclassid = 'pg_catalog.pg_type'::regclass AND dep.refobjid = c.reltype)
          LEFT JOIN pg_catalog.pg_rewrite rw
                 ON dep.classid = 'pg_catalog.pg_rewrite'::regclass AND rw.oid = dep.objid
         WHERE c.oid = ANY(view_oids)
           AND ((dep.deptype = 'n'
                 AND NOT (dep.classid = 'pg_catalog.pg_rewrite'::regclass
                          AND rw.rulename = '_RETURN'))
                OR (rw.rulename <> '_RETURN' AND rw.ev_class = c.oid))
         ORDER BY 1
    LOOP
        blockers := blockers || format('%s (depends on %s, which the swap must recreate)',
                                       r.descr, r.q);
    END LOOP;

    IF cardinality(blockers) > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'EO001', MESSAGE = format(
            'alembic_enum_ops: refusing to swap enum %s.%s: %s object(s) use it and cannot be '
            'carried over safely (nothing was changed):%s',
            p_schema, p_name, cardinality(blockers), E'\n  - ' || array_to_string(blockers, E'\n  - ')),
            HINT = 'Drop these objects in the migration before the swap (op.execute) and '
                   'recreate them after it, or change them to use text instead of the type.';
    END IF;
    -- lock the tables to convert before reading their data: no session can write a
    -- vanishing label between the check and the rewrite, and a lock held elsewhere
    -- fails here (lock_timeout, SQLSTATE 55P03) before any heavy work is done
    IF cardinality(lock_rels) > 0 THEN
        s := format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', array_to_string(lock_rels, ', '));
        IF p_preview THEN
            todo := todo || s;  -- a preview only reads: no exclusive lock
        ELSE
            RAISE NOTICE 'alembic_enum_ops: %', s;
            EXECUTE s;
        END IF;
    END IF;
    -- 3. (continued) the data check itself
    FOR i IN 1 .. cardinality(checks) LOOP
        FOR r IN EXECUTE checks[i] USING vanish LOOP
            problems := problems
                || format('%s.%s: %s row(s) hold %L%s', check_what[i], r.c, r.count, r.l, r.tail);
        END LOOP;
    END LOOP;
    IF cardinality(problems) > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'EO001', MESSAGE = format(
            'alembic_enum_ops: refusing to swap enum %s.%s: rows hold label(s) %s, which the '
            'new label list %s drops with no mapping (nothing was changed):%s',
            p_schema, p_name, vanish, new_labels,
            E'\n  - ' || array_to_string(problems, E'\n  - ')),
            HINT = 'Pass mapping={old: new} (replace_with= for enum_remove_value) to move '
                   'these rows, or update or delete them before the swap.';
    END IF;

    -- 4b. indexes, constraints and defaults that mention the type -------------------
    FOR r IN
        SELECT format('%I.%I', ns.nspname, ic.relname) AS qi,
               -- a partitioned index reads "ON ONLY": recreate it on the partitions too
               regexp_replace(pg_get_indexdef(ic.oid),
                              '^(CREATE (UNIQUE )?INDEX ([^ "]+|"([^"]|"")*") ON) ONLY ', '\1 ')
                   AS def,
               obj_description(ic.oid, 'pg_class') AS cmt, x.indisclustered,
               ic.relname::text AS idx, format('%I.%I', ns.nspname, tc.relname) AS qt,
               (SELECT spc.spcname::text FROM pg_catalog.pg_tablespace spc
                 WHERE spc.oid = ic.reltablespace) AS spc
          FROM pg_catalog.pg_class ic
          JOIN pg_catalog.pg_index x ON x.indexrelid = ic.oid
          JOIN pg_catalog.pg_class tc ON tc.oid = x.indrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = ic.relnamespace
         WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                        WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = ic.oid
                          AND dep.refclassid = 'pg_catalog.pg_type'::regclass
                          AND dep.refobjid = ANY(type_oids))
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                            WHERE con.conindid = ic.oid AND con.contype IN ('p', 'u', 'x'))
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = ic.oid)
           AND NOT x.indrelid = ANY(view_oids)
         ORDER BY 1
    LOOP
        drops := drops || format('DROP INDEX %s', r.qi);
        IF r.spc IS NOT NULL THEN
            creates := creates || format('SET LOCAL default_tablespace = %I', r.spc)
                               || r.def
                               || format('SET LOCAL default_tablespace = %L', saved_spc);
            ctx := ctx || format('tablespace of index %s', r.qi) || format('index %s', r.qi)
                       || format('tablespace of index %s', r.qi);
        ELSE
            creates := creates || r.def; ctx := ctx || format('index %s', r.qi);
        END IF;
        IF r.indisclustered THEN
            creates := creates || format('ALTER TABLE %s CLUSTER ON %I', r.qt, r.idx);
            ctx := ctx || format('cluster on %s', r.qi);
        END IF;
        IF r.cmt IS NOT NULL THEN
            creates := creates || format('COMMENT ON INDEX %s IS %L', r.qi, r.cmt);
            ctx := ctx || format('comment on index %s', r.qi);
        END IF;
    END LOOP;
    FOR r IN
        SELECT format('%I.%I', ns.nspname, c.relname) AS qr, con.conname::text AS nm,
               pg_get_constraintdef(con.oid) AS def, obj_description(con.oid, 'pg_constraint') AS cmt,
               con.contype
          FROM pg_catalog.pg_constraint con
          JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
         WHERE con.conrelid <> 0 AND con.coninhcount = 0
           AND (EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                         WHERE dep.classid = 'pg_catalog.pg_constraint'::regclass
                           AND dep.objid = con.oid
                           AND dep.refclassid = 'pg_catalog.pg_type'::regclass
                           AND dep.refobjid = ANY(type_oids))
                OR (con.contype = 'x' AND EXISTS (
                    SELECT 1 FROM pg_catalog.pg_depend dep
                     WHERE dep.classid = 'pg_catalog.pg_class'::regclass
                       AND dep.objid = con.conindid
                       AND dep.refclassid = 'pg_catalog.pg_type'::regclass
                       AND dep.refobjid = ANY(type_oids)))
                OR (con.contype = 'f' AND (
                    EXISTS (SELECT 1 FROM unnest(con.conkey) AS kk(n)
                             WHERE (con.conrelid, kk.n::int) IN (SELECT * FROM unnest(col_rel, col_num)))
                    OR EXISTS (SELECT 1 FROM unnest(con.confkey) AS kk(n)
                                WHERE (con.confrelid, kk.n::int) IN (SELECT * FROM unnest(col_rel, col_num))))))
         ORDER BY (con.contype = 'f') DESC, 1, 2
    LOOP
        drops := drops || format('ALTER TABLE %s DROP CONSTRAINT %I', r.qr, r.nm);
        s := format('ALTER TABLE %s ADD CONSTRAINT %I %s', r.qr, r.nm, r.def);
        t := CASE WHEN r.cmt IS NULL THEN NULL
                  ELSE format('COMMENT ON CONSTRAINT %I ON %s IS %L', r.nm, r.qr, r.cmt) END;
        IF r.contype = 'f' THEN
            -- foreign keys last, after every key they may reference
            mid := mid || s || t;
        ELSE
            creates := creates || s || t;
            ctx := ctx || format('constraint %I on %s', r.nm, r.qr)
                       || format('comment on constraint %I on %s', r.nm, r.qr);
        END IF;
    END LOOP;
    FOR i IN 1 .. coalesce(cardinality(mid), 0) LOOP
        creates := creates || mid[i]; ctx := ctx || 'foreign key'::text;
    END LOOP;
    mid := '{}';
    FOR r IN
        SELECT format('%I.%I', ns.nspname, c.relname) AS qr, a.attname::text AS col,
               pg_get_expr(ad.adbin, ad.adrelid) AS def
          FROM pg_catalog.pg_attrdef ad
          JOIN pg_catalog.pg_class c ON c.oid = ad.adrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
          JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
         WHERE c.relkind IN ('r', 'p') AND a.attgenerated = ''
           AND (a.atttypid = ANY(type_oids)
                OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                            WHERE dep.classid = 'pg_catalog.pg_attrdef'::regclass
                              AND dep.objid = ad.oid
                              AND dep.refclassid = 'pg_catalog.pg_type'::regclass
                              AND dep.refobjid = ANY(type_oids)))
         ORDER BY c.relispartition, 1, 2
    LOOP
        drops := drops || format('ALTER TABLE ONLY %s ALTER COLUMN %I DROP DEFAULT', r.qr, r.col);
        creates := format('ALTER TABLE ONLY %s ALTER COLUMN %I SET DEFAULT %s', r.qr, r.col, r.def)
                   || creates;
        ctx := format('default of %s.%I', r.qr, r.col) || ctx;
    END LOOP;

    -- domains over the type: a twin over the new type takes each one's place and name
    FOR d IN
        SELECT ty.oid, ns.nspname::text AS nsp, ty.typname::text AS typ, ty.typnotnull,
               pg_get_expr(ty.typdefaultbin, 0) AS def,
               pg_get_userbyid(ty.typowner)::text AS owner,
               obj_description(ty.oid, 'pg_type') AS cmt, ty.typacl, tmp.name AS tmp,
               EXISTS (SELECT 1 FROM pg_catalog.pg_type o
                        WHERE o.typnamespace = ty.typnamespace AND o.typname = tmp.name)
                   AS tmp_taken,
               -- PostgreSQL 17+ names a domain's NOT NULL constraint: keep the name
               (SELECT format(' CONSTRAINT %I', con.conname) FROM pg_catalog.pg_constraint con
                 WHERE con.contypid = ty.oid AND con.contype = 'n' LIMIT 1) AS nn_name,
               -- validated CHECKs go on the twin from the start (their literals are
               -- retargeted to the new type below): ALTER DOMAIN ... ADD CONSTRAINT
               -- cannot check columns of arrays over the domain
               (SELECT string_agg(format(' CONSTRAINT %I %s', con.conname,
                                         pg_get_constraintdef(con.oid)), '' ORDER BY con.conname)
                  FROM pg_catalog.pg_constraint con
                 WHERE con.contypid = ty.oid AND con.contype = 'c' AND con.convalidated)
                   AS checks,
               (SELECT array_agg(format('GRANT %s ON DOMAIN %I.%I TO %s%s', x.privilege_type,
                                        ns.nspname, ty.typname,
                                        CASE WHEN x.grantee = 0 THEN 'PUBLIC'
                                             ELSE quote_ident(pg_get_userbyid(x.grantee)) END,
                                        CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION'
                                             ELSE '' END)
                                 ORDER BY x.grantee, x.privilege_type)
                  FROM aclexplode(ty.typacl) AS x) AS grants
          FROM pg_catalog.pg_type ty
          JOIN pg_catalog.pg_namespace ns ON ns.oid = ty.typnamespace
          CROSS JOIN LATERAL (
              SELECT CASE WHEN octet_length(ty.typname) <= 59 THEN ty.typname || '__v2'
                          ELSE 'enum_ops_v2_' || md5(ty.typname) END::text AS name) AS tmp
         WHERE ty.oid = ANY(dom_oids)
         ORDER BY 2, 3
    LOOP
        q := format('%I.%I', d.nsp, d.typ);
        IF d.tmp_taken THEN
            RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
                'alembic_enum_ops: cannot swap enum %s.%s: the temporary name %s.%s of its '
                'domain %s is already taken; drop or rename that object first',
                p_schema, p_name, d.nsp, d.tmp, q);
        END IF;
        dom_pre := dom_pre || format('CREATE DOMAIN %I.%I AS %s%s%s', d.nsp, d.tmp, qtmp,
            CASE WHEN d.typnotnull THEN coalesce(d.nn_name, '') || ' NOT NULL' ELSE '' END,
            coalesce(d.checks, ''));
        dom_ctx := dom_ctx || format('domain %s', q);
        mid := mid || format('ALTER DOMAIN %I.%I RENAME TO %I', d.nsp, d.tmp, d.typ);
        drops := drops || format('DROP DOMAIN %s', q);  -- runs after the ALTER TABLEs, see below
        IF d.def IS NOT NULL THEN
            creates := format('ALTER DOMAIN %s SET DEFAULT %s', q, d.def) || creates;
            ctx := format('default of domain %s', q) || ctx;
        END IF;
        IF d.owner <> current_user THEN
            creates := creates || format('ALTER DOMAIN %s OWNER TO %I', q, d.owner);
            ctx := ctx || format('owner of domain %s', q);
        END IF;
        IF d.cmt IS NOT NULL THEN
            creates := creates || format('COMMENT ON DOMAIN %s IS %L', q, d.cmt);
            ctx := ctx || format('comment on domain %s', q);
        END IF;
        IF d.typacl IS NOT NULL THEN
            creates := creates || format('REVOKE ALL ON DOMAIN %s FROM PUBLIC', q)
                               || format('REVOKE ALL ON DOMAIN %s FROM %I', q, d.owner)
                               || coalesce(d.grants, '{}');
            ctx := ctx || array_fill(format('grants on domain %s', q),
                                     ARRAY[2 + coalesce(cardinality(d.grants), 0)]);
        END IF;
    END LOOP;
    -- domain CHECKs that were NOT VALID are added back NOT VALID (no scan); comments
    FOR r IN
        SELECT format('%I.%I', ns.nspname, ty.typname) AS q, con.conname::text AS nm,
               pg_get_constraintdef(con.oid) AS def, con.convalidated,
               obj_description(con.oid, 'pg_constraint') AS cmt
          FROM pg_catalog.pg_constraint con
          JOIN pg_catalog.pg_type ty ON ty.oid = con.contypid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = ty.typnamespace
         WHERE con.contypid = ANY(dom_oids) AND con.contype = 'c'
           AND (NOT con.convalidated OR obj_description(con.oid, 'pg_constraint') IS NOT NULL)
         ORDER BY 1, 2
    LOOP
        IF NOT r.convalidated THEN
            creates := creates || format('ALTER DOMAIN %s ADD CONSTRAINT %I %s', r.q, r.nm, r.def);
            ctx := ctx || format('constraint %I of domain %s', r.nm, r.q);
        END IF;
        IF r.cmt IS NOT NULL THEN
            creates := creates
                || format('COMMENT ON CONSTRAINT %I ON DOMAIN %s IS %L', r.nm, r.q, r.cmt);
            ctx := ctx || format('comment on constraint %I of domain %s', r.nm, r.q);
        END IF;
    END LOOP;

    -- the type's owner, comment and grants
    IF type_owner <> current_user THEN
        creates := creates || format('ALTER TYPE %s OWNER TO %I', qtype, type_owner);
        ctx := ctx || 'owner of the type'::text;
    END IF;
    IF type_comment IS NOT NULL THEN
        creates := creates || format('COMMENT ON TYPE %s IS %L', qtype, type_comment);
        ctx := ctx || 'comment on the type'::text;
    END IF;
    IF type_acl IS NOT NULL THEN
        creates := creates || format('REVOKE ALL ON TYPE %s FROM PUBLIC', qtype)
                           || format('REVOKE ALL ON TYPE %s FROM %I', qtype, type_owner);
        ctx := ctx || 'grants on the type'::text || 'grants on the type'::text;
        FOR r IN SELECT * FROM aclexplode(type_acl) ORDER BY grantee, privilege_type LOOP
            creates := creates || format('GRANT %s ON TYPE %s TO %s%s', r.privilege_type, qtype,
                CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r.grantee)) END,
                CASE WHEN r.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
            ctx := ctx || 'grants on the type'::text;
        END LOOP;
    END IF;

    -- 4c. remap enum literals in every definition we recreate ------------------------
    -- the domain twins are scanned too, their typed literals retargeted to the new type
    n_creates := coalesce(cardinality(creates), 0);
    creates := creates || dom_pre;
    ctx := ctx || dom_ctx;
    FOR i IN 1 .. coalesce(cardinality(creates), 0) LOOP
        CONTINUE WHEN creates[i] IS NULL;
        retarget := i > n_creates;
        src := creates[i];
        outp := '';
        pos := 1;
        LOOP
            p1 := strpos(substr(src, pos), '''');
            p2 := strpos(substr(src, pos), '"');
            IF p1 = 0 AND p2 = 0 THEN
                outp := outp || substr(src, pos);
                EXIT;
            END IF;
            IF p2 > 0 AND (p1 = 0 OR p2 < p1) THEN
                m := regexp_match(substr(src, pos + p2 - 1), '^"(?:[^"]|"")*"');
                outp := outp || substr(src, pos, p2 - 1) || m[1];
                pos := pos + p2 - 1 + length(m[1]);
                CONTINUE;
            END IF;
            m := regexp_match(substr(src, pos + p1 - 1), '^''((?:[^'']|'''')*)''');
            outp := outp || substr(src, pos, p1 - 1);
            body := m[1];
            pos := pos + p1 - 1 + length(body) + 2;
            found_cand := 0;
            FOR k IN 1 .. cardinality(cand_text) LOOP
                after_pos := pos + 2 + length(cand_text[k]);
                nxt := substr(src, after_pos, 1);
                IF substr(src, pos, 2 + length(cand_text[k])) = '::' || cand_text[k]
                   AND (cand_array[k] OR (nxt !~ '^[[:alnum:]_$"]' AND nxt <> '[')) THEN
                    found_cand := k;
                    EXIT;
                END IF;
            END LOOP;
            IF found_cand = 0 THEN
                outp := outp || '''' || body || '''';
                CONTINUE;
            END IF;
            val := replace(body, '''''', '''');
            IF cand_array[found_cand] THEN
                arr := '{}';
                FOREACH lbl IN ARRAY val::text[] LOOP
                    IF lbl IS NOT NULL AND lbl = ANY(p_from) THEN
                        lbl := p_to[array_position(p_from, lbl)];
                    ELSIF lbl IS NOT NULL AND NOT lbl = ANY(new_labels) THEN
                        problems := problems || format('%s names %L', ctx[i], lbl);
                    END IF;
                    arr := arr || lbl;
                END LOOP;
                IF array_ndims(val::text[]) > 1 THEN
                    problems := problems || format('%s has a multi-dimensional array literal', ctx[i]);
                END IF;
                val := arr::text;
            ELSIF val = ANY(p_from) THEN
                val := p_to[array_position(p_from, val)];
            ELSIF NOT val = ANY(new_labels) THEN
                problems := problems || format('%s names %L', ctx[i], val);
            END IF;
            outp := outp || '''' || replace(val, '''', '''''') || '''';
            IF retarget AND found_cand <= 2 THEN
                outp := outp || '::' || qtmp
                        || CASE WHEN cand_array[found_cand] THEN '[]' ELSE '' END;
                pos := pos + 2 + length(cand_text[found_cand]);
            END IF;
        END LOOP;
        creates[i] := outp;
    END LOOP;
    IF cardinality(problems) > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'EO001', MESSAGE = format(
            'alembic_enum_ops: refusing to swap enum %s.%s: definitions name label(s) that the '
            'new label list %s drops with no mapping, so they could not be recreated '
            '(nothing was changed):%s',
            p_schema, p_name, new_labels, E'\n  - ' || array_to_string(problems, E'\n  - ')),
            HINT = 'Pass mapping={old: new} for these labels, or drop or change these '
                   'objects in the migration before the swap.';
    END IF;

    -- 5. the swap --------------------------------------------------------------------
    s := format('CREATE TYPE %s AS ENUM (%s)', qtmp,
                (SELECT string_agg(format('%L', l), ', ' ORDER BY n)
                   FROM unnest(new_labels) WITH ORDINALITY AS x(l, n)));
    pre := s || creates[n_creates + 1:cardinality(creates)];
    creates := creates[1:n_creates];
    -- domain drops were queued last among the drops; they must follow the ALTER TABLEs
    k := 0;
    FOREACH s IN ARRAY drops LOOP
        IF s LIKE 'DROP DOMAIN %' THEN k := k + 1; END IF;
    END LOOP;
    steps := array_remove(
        pre || drops[1:cardinality(drops) - k] || alters
            || drops[cardinality(drops) - k + 1:cardinality(drops)]
            || format('DROP TYPE %s', qtype)
            || format('ALTER TYPE %s RENAME TO %I', qtmp, p_name)
            || mid || creates,
        NULL);
    IF p_preview THEN
        -- every check passed: hand the statements back instead of running them
        RAISE EXCEPTION USING ERRCODE = 'EO003', MESSAGE = 'alembic_enum_ops: preview',
            DETAIL = to_json(todo || steps)::text;
    END IF;
    FOREACH s IN ARRAY steps LOOP
        RAISE NOTICE 'alembic_enum_ops: %', s;
        EXECUTE s;
    END LOOP;

    PERFORM set_config('search_path', saved_path, true);
    PERFORM set_config('standard_conforming_strings', saved_scs, true);
END
