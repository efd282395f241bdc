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
   (:mod:`.phases`); for ``enum_to_check`` the new CHECK is one of the
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

from ..check_sql import ACCESS_EXCLUSIVE, do_block, table_label, table_lock
from ..convert import drop_type_if_unused_sql
from ..plan import Boundary, LockTarget, Plan, Statement, Step
from ..sqltext import literal, literal_list, qualified
from .convert_refusals import CAPTURED_CHECK, REFUSE, SOURCE_CHECK, blockers
from .phases import column_key, phase_steps
from .units import include_online_units

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
BEGIN{_locate(dialect)}{SOURCE_CHECK}{blockers(dialect)}
    u_columns := jsonb_build_array(jsonb_build_object(
        'col', p_column, 'shadow', shadow, 'target', p_target,
        'value', format('NEW.%I::text', p_column), 'refused', NULL,
        'not_null', col_not_null));
    @@CAPTURE@@
{CAPTURED_CHECK}{REFUSE}
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
