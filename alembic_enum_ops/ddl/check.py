"""Plans for the VARCHAR + CHECK variant: ``check_enum_create``,
``check_enum_set_values`` and ``check_enum_drop`` as pure functions of their arguments.

Each step can be run again: constraint additions are wrapped in DO blocks that skip
what already exists, ``VALIDATE`` is idempotent.  A revision interrupted between two
steps finishes when rerun.

Data remapping (:func:`remap_sql`) is a DO block that commits after every batch of
heap blocks.  PostgreSQL allows ``COMMIT`` inside ``DO`` only outside a transaction
block, so it is a ``Boundary.AUTOCOMMIT`` step: the runner sends it inside Alembic's
autocommit block without ``BEGIN``, online and offline alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.engine import Dialect

from .check_sql import (
    ACCESS_EXCLUSIVE,
    check_expression,
    constraint_exists,
    do_block,
    exclusive_step,
    guard_sql,
    guard_step,
    regclass,
    remap_trigger_name,
    table_label,
    table_lock,
    temp_constraint_name,
    text_array,
    transition_constraint_name,
    validate_step,
)
from .plan import Boundary, Plan, Statement, Step
from .sqltext import dollar_quote, ident, literal, qualified

# --- check_enum_create -------------------------------------------------------------------


def plan_check_create(
    dialect: Dialect,
    schema: str | None,
    table: str,
    column: str,
    values: Sequence[str],
    constraint_name: str,
    *,
    lock_timeout: str,
    guard: bool,
) -> Plan:
    """NOT VALID add (own transaction), then VALIDATE (another own transaction)."""
    target = qualified(dialect, schema, table)
    add = (
        f"ALTER TABLE {target} ADD CONSTRAINT {ident(dialect, constraint_name)} "
        f"CHECK ({check_expression(dialect, column, values)}) NOT VALID"
    )
    body = f"""
BEGIN
    IF NOT {constraint_exists(dialect, schema, table, constraint_name)} THEN
        {add};
    END IF;
END
"""
    steps: list[Step] = []
    if guard:
        steps.append(
            guard_step(
                guard_sql(
                    dialect, schema, table, column, values,
                    action=f"add CHECK constraint {constraint_name}",
                ),
                f"check the data of {table_label(schema, table)}.{column}",
            )
        )
    steps.append(
        Step(
            Boundary.OWN,
            (
                Statement(
                    do_block(body),
                    locks=table_lock(schema, table, ACCESS_EXCLUSIVE),
                    idempotent=True,
                    summary="NOT VALID",
                ),
            ),
            f"add constraint {constraint_name} NOT VALID on {table_label(schema, table)}",
            lock_timeout=lock_timeout,
        )
    )
    steps.append(validate_step(dialect, schema, table, constraint_name, lock_timeout))
    return Plan(f"check_enum_create {constraint_name} on {target}", tuple(steps))


# --- check_enum_set_values ---------------------------------------------------------------


def remap_sql(
    dialect: Dialect,
    schema: str | None,
    table: str,
    column: str,
    mapping: Mapping[str, str],
    *,
    batch_size: int,
) -> str:
    """A DO block remapping ``mapping`` keys to targets, committing every batch.

    Batches are ranges of heap blocks (``ctid`` ranges: a TID range scan, no index
    needed) sized from the table's rows-per-block estimate so a batch touches about
    ``batch_size`` rows.  One pass covers the blocks the table has when it starts;
    a row written with a mapped value while it runs (by the application, or moved by
    an update into a block already passed) is caught by the second pass, which runs
    once the final constraint keeps such values out (see
    :func:`plan_check_set_values`).  Every pass is idempotent.
    """
    col = ident(dialect, column)
    cases = " ".join(
        f"WHEN {literal(dialect, old)} THEN {literal(dialect, new)}"
        for old, new in mapping.items()
    )
    keys = text_array(dialect, list(mapping))
    set_clause = f" SET {col} = CASE {col}::text {cases} END"
    condition = f" AND {col}::text = ANY ({keys})"
    body = f"""
DECLARE
    leaves regclass[];
    leaf regclass;
    per_block float8;
    nblocks bigint;
    step bigint;
    b bigint;
BEGIN
    -- the table itself, or each leaf partition of a partitioned table (a parent has
    -- no heap of its own; pg_partition_tree lists nothing for a plain table);
    -- foreign partitions have no ctid and are left alone
    SELECT array_agg(t.relid ORDER BY t.level, t.relid::text) INTO leaves
    FROM (
        SELECT relid, level FROM pg_partition_tree({regclass(dialect, schema, table)})
        UNION SELECT {regclass(dialect, schema, table)}, 0
    ) t
    JOIN pg_class c ON c.oid = t.relid
    WHERE c.relkind = 'r';
    FOREACH leaf IN ARRAY coalesce(leaves, '{{}}') LOOP
        SELECT CASE WHEN c.relpages > 0 AND c.reltuples > 0
                    THEN c.reltuples / c.relpages ELSE 100 END
          INTO per_block FROM pg_class c WHERE c.oid = leaf;
        nblocks := pg_relation_size(leaf) / current_setting('block_size')::bigint;
        step := greatest(1, floor({int(batch_size)} / greatest(per_block, 1)))::bigint;
        b := 0;
        WHILE b < nblocks LOOP
            EXECUTE 'UPDATE ' || leaf::text || {literal(dialect, set_clause)}
                || format(' WHERE ctid >= %L::tid AND ctid < %L::tid',
                          format('(%s,0)', b), format('(%s,0)', b + step))
                || {literal(dialect, condition)};
            COMMIT;
            b := b + step;
        END LOOP;
    END LOOP;
END
"""
    return do_block(body)


def _remap_trigger_sql(
    dialect: Dialect,
    schema: str | None,
    table: str,
    column: str,
    mapping: Mapping[str, str],
    trigger: str,
) -> tuple[Statement, ...]:
    """A BEFORE UPDATE trigger that remaps a row still holding a mapped value when
    the update leaves the column alone.

    It covers the rows the first remap pass could not see (written, or moved by an
    update, into blocks it had already passed) from the moment the final constraint
    is in force until the second pass has remapped them: without it, an update of
    such a row that does not touch the column would fail that constraint.  An update
    that *sets* the column, and any insert, is left to the constraint.
    """
    col = ident(dialect, column)
    function = qualified(dialect, schema, trigger)
    cases = " ".join(
        f"WHEN {literal(dialect, old)} THEN {literal(dialect, new)}"
        for old, new in mapping.items()
    )
    body = f"""
BEGIN
    NEW.{col} := CASE NEW.{col}::text {cases} ELSE NEW.{col}::text END;
    RETURN NEW;
END
"""
    keys = text_array(dialect, list(mapping))
    target = qualified(dialect, schema, table)
    return (
        Statement(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql "
            f"AS {dollar_quote(body, 'enum_ops_fn')}",
            idempotent=True,
        ),
        Statement(  # OR REPLACE (PostgreSQL 14+): a rerun replaces it, no notice
            f"CREATE OR REPLACE TRIGGER {ident(dialect, trigger)} BEFORE UPDATE ON {target} "
            f"FOR EACH ROW WHEN (OLD.{col} IS NOT DISTINCT FROM NEW.{col} "
            f"AND NEW.{col}::text = ANY ({keys})) EXECUTE FUNCTION {function}()",
            locks=table_lock(schema, table, ACCESS_EXCLUSIVE),
            idempotent=True,
        ),
    )


def plan_check_set_values(
    dialect: Dialect,
    schema: str | None,
    table: str,
    column: str,
    values: Sequence[str],
    constraint_name: str,
    *,
    mapping: Mapping[str, str],
    lock_timeout: str,
    batch_size: int,
    guard: bool,
    keep_name: bool = False,
) -> Plan:
    """Replace the allowed set without an exclusive lock through any scan, and
    without failing any write of the application before the new set is in force.

    Names: ``N`` the constraint, ``T`` = ``N__transition``, ``F`` = ``N__new``.

    Without ``mapping`` (no row holds a leaving value: checked first):

    1. (offline) guard: refuse when rows hold a value that is not kept;
    2. one short transaction: drop ``N``, add ``F`` (new set) ``NOT VALID``;
    3. ``VALIDATE`` ``F`` (SHARE UPDATE EXCLUSIVE: reads and writes go on);
    4. one short transaction: rename ``F`` to ``N``.

    With ``mapping``, rows still hold the mapped (old) values while the remap runs.
    A ``NOT VALID`` CHECK is still enforced on every new row version, so a CHECK of
    the new set committed before the remap would fail *every* update of such a row,
    even one not touching the column, until the remap reaches it (or, after an
    interruption, until the rerun).  Keeping ``N`` alone is no better: it rejects
    the mapping's targets that are new values, i.e. the remap itself.  Hence a
    transitional constraint allowing the union of both sets:

    1. (offline) guard: refuse when rows hold a value neither kept nor mapped;
    2. one short transaction: drop ``N``, add ``T`` = ``(N's expression) OR (new
       set)`` ``NOT VALID`` (rows satisfy ``N``, so they satisfy ``T``);
    3. remap in committed batches (every write the application makes passes ``T``);
    4. one short transaction: add ``F`` (new set) ``NOT VALID``: from here on the new
       set is in force for writes; and a BEFORE UPDATE trigger remapping a row that
       still holds a mapped value when an update leaves the column alone (see
       :func:`_remap_trigger_sql`);
    5. a second remap pass, for rows written (or moved by an update) with a mapped
       value into blocks pass 3 had already passed;
    6. ``VALIDATE`` ``F``;
    7. one short transaction: drop the trigger and its function, drop ``T``,
       rename ``F`` to ``N``.

    Each step looks at what exists (``T``/``F``), so a rerun after an interruption
    resumes where it stopped; ``NOT VALID`` and ``VALIDATE`` never share a
    transaction.

    ``keep_name`` (a Citus distributed or reference table, where Citus supports no
    ``RENAME CONSTRAINT``; without ``mapping`` only): step 2 drops ``N`` and adds
    ``N`` again with the new set ``NOT VALID``, step 3 validates it, and there is no
    step 4.  A rerun after step 2 drops and adds the same ``NOT VALID`` constraint.
    """
    target = qualified(dialect, schema, table)
    temp = temp_constraint_name(constraint_name)
    transition = transition_constraint_name(constraint_name)
    trigger = remap_trigger_name(constraint_name)
    label = table_label(schema, table)
    steps: list[Step] = []
    if keep_name and mapping:
        raise ValueError("keep_name: without mapping only (a remap needs a trigger)")
    if guard:
        steps.append(
            guard_step(
                guard_sql(
                    dialect, schema, table, column, [*values, *mapping],
                    action=f"change the values allowed by {constraint_name}",
                ),
                f"check the data of {label}.{column}",
            )
        )
    new_check = f"CHECK ({check_expression(dialect, column, values)}) NOT VALID"
    if keep_name:
        name = ident(dialect, constraint_name)
        body = f"""
BEGIN
    ALTER TABLE {target} DROP CONSTRAINT IF EXISTS {name};
    ALTER TABLE {target} ADD CONSTRAINT {name} {new_check};
END
"""
        steps.append(
            exclusive_step(
                dialect, schema, table, body,
                f"replace constraint {constraint_name} NOT VALID on {label}", lock_timeout,
                summary="NOT VALID",
            )
        )
        steps.append(validate_step(dialect, schema, table, constraint_name, lock_timeout))
        return Plan(f"check_enum_set_values {constraint_name} on {target}", tuple(steps))
    if not mapping:
        # two statements, not one ALTER TABLE with two subcommands: Citus refuses
        # ADD CONSTRAINT beside another subcommand on a distributed table
        replace = (
            f"ALTER TABLE {target} DROP CONSTRAINT {ident(dialect, constraint_name)};\n"
            f"        ALTER TABLE {target} ADD CONSTRAINT {ident(dialect, temp)} {new_check}"
        )
        body = f"""
BEGIN
    IF NOT {constraint_exists(dialect, schema, table, temp)} THEN
        {replace};
    END IF;
END
"""
        steps.append(
            exclusive_step(
                dialect, schema, table, body,
                f"replace constraint {constraint_name} by {temp} NOT VALID on {label}",
                lock_timeout,
                summary="NOT VALID",
            )
        )
    else:
        missing = (
            f"alembic_enum_ops: table {label} has no CHECK constraint {constraint_name} "
            f"(nor {transition} or {temp} left by an interrupted run)"
        )
        drop_old = f"ALTER TABLE {target} DROP CONSTRAINT {ident(dialect, constraint_name)}"
        to_transition = f"ALTER TABLE {target} ADD CONSTRAINT {ident(dialect, transition)} CHECK (("
        union_tail = f") OR ({check_expression(dialect, column, values)})) NOT VALID"
        body = f"""
DECLARE
    old text;
BEGIN
    IF NOT {constraint_exists(dialect, schema, table, transition)}
       AND NOT {constraint_exists(dialect, schema, table, temp)} THEN
        SELECT pg_get_expr(conbin, conrelid) INTO old FROM pg_constraint
        WHERE conrelid = {regclass(dialect, schema, table)}
          AND conname = {literal(dialect, constraint_name)} AND contype = 'c';
        IF old IS NULL THEN
            RAISE EXCEPTION '%', {literal(dialect, missing)}
                USING ERRCODE = 'undefined_object';
        END IF;
        {drop_old};  -- apart from the ADD: Citus refuses both in one ALTER TABLE
        EXECUTE {literal(dialect, to_transition)} || old || {literal(dialect, union_tail)};
    END IF;
END
"""
        steps.append(
            exclusive_step(
                dialect, schema, table, body,
                f"replace constraint {constraint_name} by {transition} (old or new "
                f"values) NOT VALID on {label}",
                lock_timeout,
                summary="NOT VALID",
            )
        )
        remap = remap_sql(dialect, schema, table, column, mapping, batch_size=batch_size)
        steps.append(remap_step(remap, f"remap {label}.{column} in committed batches"))
        add_final = f"""
BEGIN
    IF NOT {constraint_exists(dialect, schema, table, temp)} THEN
        ALTER TABLE {target} ADD CONSTRAINT {ident(dialect, temp)} {new_check};
    END IF;
END
"""
        step = exclusive_step(
            dialect, schema, table, add_final,
            f"add constraint {temp} NOT VALID and trigger {trigger} on {label}", lock_timeout,
            summary="NOT VALID",
        )
        step = Step(
            step.boundary,
            (*step.statements, *_remap_trigger_sql(dialect, schema, table, column, mapping,
                                                   trigger)),
            step.description,
            lock_timeout=step.lock_timeout,
        )
        steps.append(step)
        steps.append(remap_step(remap, f"remap rows of {label}.{column} written meanwhile"))
    drop_transition = (
        f"ALTER TABLE {target} DROP CONSTRAINT IF EXISTS {ident(dialect, transition)};"
        if mapping
        else ""
    )
    drop_trigger = (
        f"DROP TRIGGER IF EXISTS {ident(dialect, trigger)} ON {target};\n    "
        f"DROP FUNCTION IF EXISTS {qualified(dialect, schema, trigger)}();"
        if mapping
        else ""
    )
    finish_body = f"""
BEGIN
    {drop_trigger}
    IF {constraint_exists(dialect, schema, table, temp)} THEN
        {drop_transition}
        ALTER TABLE {target} RENAME CONSTRAINT {ident(dialect, temp)}
            TO {ident(dialect, constraint_name)};
    END IF;
END
"""
    steps.append(validate_step(dialect, schema, table, temp, lock_timeout))
    steps.append(
        exclusive_step(
            dialect, schema, table, finish_body,
            (f"drop trigger {trigger}, constraint {transition}, " if mapping else "")
            + f"rename {temp} to {constraint_name} on {label}",
            lock_timeout,
            summary="RENAME CONSTRAINT",
        )
    )
    return Plan(f"check_enum_set_values {constraint_name} on {target}", tuple(steps))


def remap_step(sql: str, description: str) -> Step:
    """A batched remap: a DO block committing after every batch, outside any
    transaction block.  Every pass is idempotent (it only moves mapped values)."""
    return Step(Boundary.AUTOCOMMIT, (Statement(sql, idempotent=True),), description)


# --- check_enum_drop ---------------------------------------------------------------------


def plan_check_drop(
    dialect: Dialect,
    schema: str | None,
    table: str,
    constraint_name: str,
    *,
    lock_timeout: str,
) -> Plan:
    target = qualified(dialect, schema, table)
    statement = Statement(
        f"ALTER TABLE {target} DROP CONSTRAINT {ident(dialect, constraint_name)}",
        locks=table_lock(schema, table, ACCESS_EXCLUSIVE),
    )
    return Plan(
        f"check_enum_drop {constraint_name} on {target}",
        (
            Step(
                Boundary.MIGRATION,
                (statement,),
                f"drop constraint {constraint_name} on {table_label(schema, table)}",
                lock_timeout=lock_timeout,
            ),
        ),
    )


