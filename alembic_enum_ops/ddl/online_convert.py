"""The online conversions between a native enum column and text + CHECK
(``op.enum_to_check(..., online=True)``, ``op.check_to_enum(..., online=True)``): the
column is converted without rewriting the table under an exclusive lock, by the same
expand/contract as the online swap, on one column.

1. **expand** -- one short transaction under ``lock_timeout``: the checks (the column's
   type, the enum's labels, what depends on the column), then a shadow column of the
   new type (``ADD COLUMN``: catalog only) and the sync trigger setting it to
   ``col::text`` (or ``col::text::enum``) on every insert and update.  For
   ``check_to_enum`` the type is created here too, so a refusal leaves nothing;
2. **backfill**, **constraints**, **validations**, **indexes** -- the online phases
   (:mod:`.online_phases`); for ``enum_to_check`` the new CHECK is one of the
   "twins": added ``NOT VALID`` on the shadow and validated before the cut-over;
3. **cut-over** -- one short transaction under ``lock_timeout``: the old column goes,
   the shadow takes its name, NOT NULL without a scan, the indexes' and CHECK's names,
   the default (a constant, re-set as a literal of the new type), comment and grants;
   then ``ANALYZE``.  ``enum_to_check`` then drops the enum when nothing uses it.

What the rewrite conversion cannot carry either is refused before anything changes,
naming each object: a view, rule, policy, trigger, generated column, foreign key,
exclusion constraint, statistics object or publication reading the column, another
CHECK on it, an index whose expression or predicate reads it (or whose operator class
or collation fits only the old type), a partition key, inheritance children, a default
that is not a constant.  Running the operation again after any interruption resumes
it; ``alembic-enum-ops online-cleanup --column`` removes an abandoned one.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Dialect

from .check_sql import ACCESS_EXCLUSIVE, do_block, table_label, table_lock
from .convert import CONSTANT_DEFAULT_RE, drop_type_if_unused_sql
from .online_phases import column_key, phase_steps
from .online_shared import include_online_units
from .plan import Boundary, LockTarget, Plan, Statement, Step
from .sqltext import literal, literal_list, qualified

_STATE = """
    online_marker text := 'alembic_enum_ops online';
    online_steps jsonb := '[]'::jsonb;
    rel_oid oid;
    col_num smallint;
    col_type oid;
    col_default text;
    step jsonb;
    saved_path text := current_setting('search_path');
    u_relid oid;
    u_nsp text;
    u_rel text;
    u_key text;"""
"""What the expand and the cut-over both declare (:func:`_locate` fills it)."""

_EXPAND_STATE = """
    captured jsonb := '[]'::jsonb;
    problems text[] := '{}'::text[];
    col_not_null boolean;
    shadow text;
    labels text[];
    found record;
    u_relkind text;
    u_columns jsonb;
    u_subject text;
    u_refusal text;"""

_CUTOVER_STATE = """
    creates jsonb := '[]'::jsonb;
    missing text[] := '{}'::text[];
    default_text text;"""


def _params(
    dialect: Dialect, schema: str | None, table: str, column: str, *, direction: str,
    target_type: str,
) -> str:
    """The parameters both blocks read (the column, the direction, the new type)."""
    schema_expr = "current_schema()" if schema is None else literal(dialect, schema)
    return f"""
    p_schema text := {schema_expr};
    p_table text := {literal(dialect, table)};
    p_column text := {literal(dialect, column)};
    p_direction text := {literal(dialect, direction)};
    p_target text := {literal(dialect, target_type)};"""


def _expand_params(
    dialect: Dialect, *, qtype: str, values: Sequence[str], constraint_name: str,
    create_type: bool,
) -> str:
    return f"""
    p_type text := {literal(dialect, qtype)};
    p_values text[] := ARRAY[{literal_list(dialect, list(values))}]::text[];
    p_constraint text := {literal(dialect, constraint_name)};
    p_create boolean := {'true' if create_type else 'false'};"""


def _locate(dialect: Dialect) -> str:
    """The table and column (refused when missing), and whether the conversion is done:
    the column already has the target type and no sync trigger is left (a rerun)."""
    return """
    PERFORM set_config('search_path', '', true);
    SELECT c.oid INTO rel_oid
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = p_schema AND c.relname = p_table AND c.relkind IN ('r', 'p');
    IF rel_oid IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
            'alembic_enum_ops: table %I.%I does not exist', p_schema, p_table);
    END IF;
    SELECT a.attnum, a.atttypid, pg_get_expr(d.adbin, d.adrelid)
      INTO col_num, col_type, col_default
      FROM pg_catalog.pg_attribute a
      LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = rel_oid AND a.attname = p_column AND NOT a.attisdropped;
    IF col_num IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
            'alembic_enum_ops: column %I of table %I.%I does not exist',
            p_column, p_schema, p_table);
    END IF;
    u_key := format('column %I.%I.%I', p_schema, p_table, p_column);
    u_relid := rel_oid;
    u_nsp := p_schema;
    u_rel := p_table;
    IF format_type(col_type, NULL) = format_type(to_regtype(p_target), NULL)
       AND NOT EXISTS (
           SELECT 1 FROM pg_catalog.pg_trigger tg
            WHERE tg.tgrelid = rel_oid
              AND starts_with(coalesce(obj_description(tg.oid, 'pg_trigger'), ''),
                              online_marker)
              AND substr(obj_description(tg.oid, 'pg_trigger'),
                         length(online_marker) + 2)::jsonb->>'type' = u_key) THEN
        PERFORM set_config('search_path', saved_path, true);
        RETURN;  -- converted already
    END IF;"""


_SOURCE_CHECK = """
    u_subject := u_key;
    u_relkind := (SELECT c.relkind::text FROM pg_catalog.pg_class c WHERE c.oid = rel_oid);
    shadow := CASE WHEN octet_length(p_column) <= 55 THEN p_column || '__eo_new'
                   ELSE 'eo_new_' || left(md5(p_column), 24) END;
    SELECT a.attnotnull INTO col_not_null FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = rel_oid AND a.attnum = col_num;
    IF p_direction = 'enum_to_check' THEN
        IF col_type IS DISTINCT FROM to_regtype(p_type) THEN
            RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
                'alembic_enum_ops: column %I of table %I.%I has type %s, not the enum %s',
                p_column, p_schema, p_table, format_type(col_type, NULL), p_type);
        END IF;
        SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) INTO labels
          FROM pg_catalog.pg_enum e WHERE e.enumtypid = col_type;
        IF labels IS DISTINCT FROM p_values THEN
            RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
                'alembic_enum_ops: enum %s has labels %s but these were expected: %s',
                p_type, labels, p_values);
        END IF;
    ELSE
        IF col_type NOT IN ('pg_catalog.text'::regtype, 'pg_catalog.varchar'::regtype,
                            'pg_catalog.bpchar'::regtype)
           AND col_type IS DISTINCT FROM to_regtype(p_target) THEN
            RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
                'alembic_enum_ops: column %I of table %I.%I has type %s, neither a text '
                'type nor the enum %s', p_column, p_schema, p_table,
                format_type(col_type, NULL), p_type);
        END IF;
        IF to_regtype(p_target) IS NULL AND NOT p_create THEN
            RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
                'alembic_enum_ops: enum %s does not exist (create_type=False)', p_type);
        ELSIF to_regtype(p_target) IS NULL THEN
            EXECUTE format('CREATE TYPE %s AS ENUM (%s)', p_target,
                           (SELECT string_agg(format('%L', v), ', ' ORDER BY n)
                              FROM unnest(p_values) WITH ORDINALITY AS x(v, n)));
        END IF;
    END IF;"""


def _blockers(dialect: Dialect) -> str:
    """Everything reading the column that neither conversion carries over, one
    problem each (the partitions' columns included)."""
    default_re = literal(dialect, CONSTANT_DEFAULT_RE)
    return f"""
    IF col_default IS NOT NULL AND col_default !~ {default_re} THEN
        problems := problems || format('the default of column %I (%s): not a constant; '
                                       'drop it before the conversion and set it again '
                                       'after it', p_column, col_default);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_partitioned_table pt
                WHERE pt.partrelid = rel_oid AND col_num = ANY (pt.partattrs)) THEN
        problems := problems || format('column %I is part of the partition key of %I.%I',
                                       p_column, p_schema, p_table);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h JOIN pg_catalog.pg_class ch
                 ON ch.oid = h.inhrelid
                WHERE h.inhparent = rel_oid AND NOT ch.relispartition) THEN
        problems := problems || format('table %I.%I has inheritance children, which a '
                                       'trigger does not reach', p_schema, p_table);
    END IF;
    FOR found IN
        WITH cols AS (  -- the column in the table and in each of its partitions
            SELECT a.attrelid, a.attnum
              FROM pg_catalog.pg_attribute a
             WHERE a.attrelid IN (SELECT relid FROM pg_partition_tree(rel_oid)
                                  UNION SELECT rel_oid)
               AND a.attname = p_column AND NOT a.attisdropped
        )
        SELECT DISTINCT CASE
                   -- a view's rule is the view; a generated column's default, the column
                   WHEN dep.classid = 'pg_catalog.pg_rewrite'::regclass
                        AND rw.rulename = '_RETURN'
                   THEN CASE vc.relkind WHEN 'm' THEN 'materialized view ' ELSE 'view ' END
                        || rw.ev_class::regclass::text
                   WHEN dep.classid = 'pg_catalog.pg_attrdef'::regclass
                        AND ga.attgenerated <> ''
                   THEN format('generated column %I of table %s', ga.attname,
                               ga.attrelid::regclass)
                   ELSE pg_describe_object(dep.classid, dep.objid, dep.objsubid) END AS what
          FROM pg_catalog.pg_depend dep
          JOIN cols ON dep.refclassid = 'pg_catalog.pg_class'::regclass
                   AND dep.refobjid = cols.attrelid AND dep.refobjsubid = cols.attnum
          LEFT JOIN pg_catalog.pg_rewrite rw
                 ON dep.classid = 'pg_catalog.pg_rewrite'::regclass AND rw.oid = dep.objid
          LEFT JOIN pg_catalog.pg_class vc ON vc.oid = rw.ev_class
          LEFT JOIN pg_catalog.pg_attrdef gd
                 ON dep.classid = 'pg_catalog.pg_attrdef'::regclass AND gd.oid = dep.objid
          LEFT JOIN pg_catalog.pg_attribute ga
                 ON ga.attrelid = gd.adrelid AND ga.attnum = gd.adnum
         WHERE dep.deptype IN ('n', 'a')
           -- indexes: captured below; a constraint of an index: the same
           AND NOT (dep.classid = 'pg_catalog.pg_class'::regclass
                    AND EXISTS (SELECT 1 FROM pg_catalog.pg_index x
                                 WHERE x.indexrelid = dep.objid))
           -- CHECK, primary key and unique constraints: looked at below / with indexes
           AND NOT (dep.classid = 'pg_catalog.pg_constraint'::regclass
                    AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                                 WHERE con.oid = dep.objid AND con.contype IN ('c', 'p', 'u')))
           -- the column's own default (a generated column's expression is another's)
           AND NOT (dep.classid = 'pg_catalog.pg_attrdef'::regclass
                    AND EXISTS (SELECT 1 FROM pg_catalog.pg_attrdef ad
                                 WHERE ad.oid = dep.objid AND ad.adnum = cols.attnum))
           -- this conversion's own trigger, from an earlier run
           AND NOT (dep.classid = 'pg_catalog.pg_trigger'::regclass
                    AND starts_with(coalesce(obj_description(dep.objid, 'pg_trigger'), ''),
                                    online_marker))
         ORDER BY 1
    LOOP
        problems := problems || found.what;
    END LOOP;
    -- a BEFORE INSERT or UPDATE row trigger firing after the sync trigger (names sort in
    -- byte order) whose function or arguments name the column: a value it writes there
    -- would miss the shadow column (as 45_online_blockers refuses for a swap)
    FOR found IN
        SELECT format('trigger %I on table %I.%I (it fires after the online '
                      'conversion''s sync trigger %I and may change column %I, which the '
                      'shadow column would miss; rename it to sort before %I, or use '
                      'online=False)', tg.tgname, ns.nspname, c.relname, s.sync,
                      p_column, s.sync) AS what
          FROM pg_catalog.pg_trigger tg
          JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
          JOIN pg_catalog.pg_proc fn ON fn.oid = tg.tgfoid
          -- the sync trigger's name, as online_units/sync_trigger.sql gives it
          CROSS JOIN LATERAL (SELECT '~eo_online_' || left(md5(
                                  format('%I.%I', p_schema, p_table) || ' ' || u_key), 20)
                              AS sync) AS s
         WHERE tg.tgrelid IN (SELECT relid FROM pg_partition_tree(rel_oid)
                              UNION SELECT rel_oid)
           AND NOT tg.tgisinternal AND tg.tgparentid = 0 AND tg.tgenabled <> 'D'
           AND tg.tgtype & 3 = 3            -- ROW and BEFORE
           AND tg.tgtype & (4 | 16) <> 0    -- INSERT or UPDATE
           AND tg.tgname::text COLLATE "C" > s.sync COLLATE "C"
           AND NOT starts_with(coalesce(obj_description(tg.oid, 'pg_trigger'), ''),
                               online_marker)
           AND (fn.prosrc ~* ('(^|[^[:alnum:]_$])'
                              || regexp_replace(p_column, '([^[:alnum:]_])', '\\\\\\1', 'g')
                              || '($|[^[:alnum:]_$])')
                OR strpos(encode(tg.tgargs, 'escape'), p_column) > 0)
         ORDER BY tg.tgname
    LOOP
        problems := problems || found.what;
    END LOOP;"""


_CAPTURED_CHECK = """
    -- what the capture found on the column: an index must read it as a plain key of
    -- a fitting operator class and collation; a CHECK other than the one converted
    -- would not survive the type change (as with the rewrite conversion)
    FOR step IN SELECT value FROM jsonb_array_elements(captured) LOOP
        IF step->>'kind' = 'index' AND (step->>'reads_column')::boolean THEN
            problems := problems || format(
                'index %I.%I (its expression or predicate reads column %I)',
                step->>'schema', step->>'name', p_column);
        ELSIF step->>'kind' = 'check'
              AND NOT (p_direction = 'check_to_enum' AND step->>'name' = p_constraint) THEN
            problems := problems || format('constraint %I on %I.%I (a CHECK on column %I)',
                                           step->>'name', p_schema, p_table, p_column);
        END IF;
    END LOOP;
    FOR found IN
        SELECT ic.relname::text AS idx, ns.nspname::text AS nsp
          FROM pg_catalog.pg_index x
          JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
          JOIN pg_catalog.pg_namespace ns ON ns.oid = ic.relnamespace
          CROSS JOIN LATERAL unnest(x.indkey::int2[], x.indclass::oid[],
                                    x.indcollation::oid[]) AS k(attnum, opclass, coll)
          JOIN pg_catalog.pg_opclass oc ON oc.oid = k.opclass
          JOIN pg_catalog.pg_attribute a
            ON a.attrelid = x.indrelid AND a.attname = p_column AND a.attnum = k.attnum
         WHERE x.indrelid IN (SELECT relid FROM pg_partition_tree(rel_oid)
                              UNION SELECT rel_oid)
           -- an explicit operator class, or a collation other than the column's
           AND (NOT oc.opcdefault OR k.coll IS DISTINCT FROM a.attcollation)
         ORDER BY 2, 1
    LOOP
        problems := problems || format(
            'index %I.%I (its operator class or collation on column %I fits only the old '
            'type)', found.nsp, found.idx, p_column);
    END LOOP;
    -- a CHECK converted to the type goes with the old column; enum_to_check's new one
    -- is a twin: added NOT VALID on the shadow, validated, renamed at the cut-over
    captured := (SELECT coalesce(jsonb_agg(value), '[]'::jsonb)
                   FROM jsonb_array_elements(captured) WHERE value->>'kind' = 'index');
    IF p_direction = 'enum_to_check' THEN
        captured := captured || jsonb_build_object(
            'kind', 'check', 'table', rel_oid::bigint, 'name', p_constraint,
            'shadow', CASE WHEN octet_length(p_constraint) <= 55
                           THEN p_constraint || '__eo_new'
                           ELSE 'eo_new_' || left(md5(p_constraint), 24) END,
            -- as the rewrite conversion writes it (check_sql.check_expression)
            'sql', format('CHECK (%I::text = ANY (ARRAY[%s]::text[]))', shadow,
                          (SELECT string_agg(format('%L', v), ', ' ORDER BY n)
                             FROM unnest(p_values) WITH ORDINALITY AS x(v, n))),
            'validated', true);
    END IF;"""


_REFUSE = """
    IF cardinality(problems) > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'EO001', MESSAGE = format(
            'alembic_enum_ops: refusing to convert column %I.%I.%I online: %s object(s) '
            'cannot be carried over (nothing was changed):%s', p_schema, p_table, p_column,
            cardinality(problems), E'\\n  - ' || array_to_string(problems, E'\\n  - ')),
            HINT = 'Drop these objects in the migration before the conversion '
                   '(op.execute) and recreate them after it.';
    END IF;"""


def expand_sql(
    dialect: Dialect, schema: str | None, table: str, column: str, *, direction: str,
    qtype: str, target_type: str, values: Sequence[str], constraint_name: str,
    create_type: bool = True,
) -> str:
    """The expand of an online conversion (a ``DO`` block; see the module docstring)."""
    body = f"""
DECLARE{_params(dialect, schema, table, column, direction=direction, target_type=target_type)}
{_expand_params(dialect, qtype=qtype, values=values, constraint_name=constraint_name,
                create_type=create_type)}
{_STATE}{_EXPAND_STATE}
BEGIN{_locate(dialect)}{_SOURCE_CHECK}{_blockers(dialect)}
    u_columns := jsonb_build_array(jsonb_build_object(
        'col', p_column, 'shadow', shadow, 'target', p_target,
        'value', format('NEW.%I::text', p_column), 'refused', NULL,
        'not_null', col_not_null));
    @@CAPTURE@@
{_CAPTURED_CHECK}{_REFUSE}
    @@SYNC_TRIGGER@@
    FOR step IN SELECT value FROM jsonb_array_elements(online_steps) LOOP
        EXECUTE step->>'sql';
    END LOOP;
    PERFORM set_config('search_path', saved_path, true);
END
"""
    return do_block(include_online_units(body))


def cutover_sql(
    dialect: Dialect, schema: str | None, table: str, column: str, *, direction: str,
    target_type: str,
) -> str:
    """The cut-over of an online conversion (a ``DO`` block): every phase must have
    finished (EO002 otherwise: run the operation again)."""
    body = f"""
DECLARE{_params(dialect, schema, table, column, direction=direction, target_type=target_type)}
{_STATE}{_CUTOVER_STATE}
BEGIN{_locate(dialect)}
    IF col_default IS NOT NULL THEN  -- a constant (the expand refused any other)
        EXECUTE 'SELECT (' || col_default || ')::text' INTO default_text;
    END IF;
    @@CUTOVER_TABLE@@
    IF cardinality(missing) > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'EO002', MESSAGE = format(
            'alembic_enum_ops: the online conversion of column %I.%I.%I is not ready to '
            'finish (nothing was changed by this step):%s', p_schema, p_table, p_column,
            E'\\n  - ' || array_to_string(missing, E'\\n  - ')),
            HINT = 'Run the operation again: each phase resumes where it stopped.';
    END IF;
    FOR step IN SELECT value FROM jsonb_array_elements(online_steps) LOOP
        EXECUTE step->>'sql';
    END LOOP;
    IF default_text IS NOT NULL THEN
        EXECUTE format('ALTER TABLE %I.%I ALTER COLUMN %I SET DEFAULT %s', p_schema,
                       p_table, p_column,
                       quote_literal(default_text)
                       || CASE WHEN p_direction = 'check_to_enum' THEN '::' || p_target
                               ELSE '' END);
    END IF;
    FOR step IN SELECT value FROM jsonb_array_elements(creates) LOOP
        EXECUTE step->>'sql';
    END LOOP;
    PERFORM set_config('search_path', saved_path, true);
END
"""
    return do_block(include_online_units(body))


def plan_online_conversion(
    dialect: Dialect,
    schema: str | None,
    table: str,
    column: str,
    *,
    direction: str,
    type_schema: str | None,
    type_name: str,
    values: Sequence[str],
    constraint_name: str,
    length: int | None = None,
    drop_type: bool = False,
    create_type: bool = True,
    guard: Step | None = None,
    lock_timeout: str,
    batch_size: int,
    batch_pause: float,
) -> Plan:
    """``direction`` ``enum_to_check`` (the column becomes ``text`` or
    ``varchar(length)`` + CHECK ``constraint_name``) or ``check_to_enum`` (it becomes
    the enum, created when missing; the CHECK goes), online (module docstring).
    ``guard`` is the data check to run first (offline: the executor checks online)."""
    if direction not in ("enum_to_check", "check_to_enum"):
        raise ValueError(f"direction must be enum_to_check or check_to_enum, got {direction!r}")
    qtype = qualified(dialect, type_schema, type_name)
    label = table_label(schema, table)
    to_check = direction == "enum_to_check"
    target_type = ("text" if length is None else f"varchar({int(length)})") if to_check else qtype
    what = f"{direction} {label}.{column} online"
    lock = table_lock(schema, table, ACCESS_EXCLUSIVE)
    steps: list[Step] = [guard] if guard is not None else []
    steps.append(
        Step(
            Boundary.OWN,
            (
                Statement(
                    expand_sql(
                        dialect, schema, table, column, direction=direction, qtype=qtype,
                        target_type=target_type, values=values,
                        constraint_name=constraint_name, create_type=create_type,
                    ),
                    locks=lock, idempotent=True,
                    summary=f"adds a shadow column and a sync trigger to table {label}",
                ),
            ),
            f"{what}: expand (shadow column, sync trigger)",
            lock_timeout=lock_timeout,
        )
    )
    steps.extend(
        phase_steps(
            dialect, column_key(dialect, schema, table, column), what=what,
            tables=((schema, table),), table_hint=label, lock_timeout=lock_timeout,
            batch_size=batch_size, batch_pause=batch_pause,
        )
    )
    steps.append(
        Step(
            Boundary.OWN,
            (
                Statement(
                    cutover_sql(
                        dialect, schema, table, column, direction=direction,
                        target_type=target_type,
                    ),
                    locks=lock, idempotent=True,
                    summary="cut-over: the shadow column takes the column's place",
                ),
            ),
            f"{what}: cut-over",
            lock_timeout=lock_timeout,
        )
    )
    steps.append(
        Step(
            Boundary.AUTOCOMMIT,
            (
                Statement(
                    f"ANALYZE {qualified(dialect, schema, table)} "
                    f"({qualified(dialect, None, column)})",
                    idempotent=True,
                ),
            ),
            f"{what}: analyze the column",
        )
    )
    if to_check and drop_type:
        steps.append(
            Step(
                Boundary.MIGRATION,
                (
                    Statement(
                        drop_type_if_unused_sql(dialect, type_schema, type_name),
                        locks=(LockTarget("type", type_schema, type_name, ACCESS_EXCLUSIVE),),
                        idempotent=True,
                    ),
                ),
                f"drop enum {qtype} if nothing uses it",
                lock_timeout=lock_timeout,
            )
        )
    notes = (
        f"column {label}.{column} moves to the end of the table (SELECT * column order "
        "changes; an INSERT without a column list breaks)",
    )
    return Plan(what, tuple(steps), notes)
