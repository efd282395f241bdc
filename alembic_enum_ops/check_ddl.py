"""Plans for the VARCHAR + CHECK variant: pure functions from arguments to plans.

The whole point of the variant is to never hold an exclusive lock on a user table
through a scan.  Every plan here therefore splits its work:

* ``ADD CONSTRAINT ... NOT VALID`` (or the column rewrite of a conversion) in a short
  transaction of its own, under ``lock_timeout``: ACCESS EXCLUSIVE for milliseconds;
* ``VALIDATE CONSTRAINT`` in a *later* transaction: SHARE UPDATE EXCLUSIVE, so reads
  and writes go on during the scan.  Putting both in one transaction would keep the
  ACCESS EXCLUSIVE lock through the scan, the trap every migration linter flags.

Each step can be run again: constraint additions are wrapped in DO blocks that skip
what already exists, ``VALIDATE`` is idempotent, and conversions look at the column's
current type first.  A revision interrupted between two steps finishes when rerun.

Data remapping (:func:`remap_sql`) is a DO block that commits after every batch of
heap blocks.  PostgreSQL allows ``COMMIT`` inside ``DO`` only outside a transaction
block, so it is not a :class:`~.plan.Step` (the runner frames steps with ``BEGIN``):
the executor sends it inside Alembic's autocommit block, online and offline alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Dialect

from . import ddl
from .plan import Boundary, LockTarget, Plan, Statement, Step
from .sqltext import dollar_quote, ident, literal, literal_list, qualified
from .validation import MAX_IDENTIFIER_BYTES

ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"

# a default that is one constant cast to a type: the only kind we carry across a
# conversion (it is evaluated once and re-set as a literal of the new type)
_CONSTANT_DEFAULT_RE = r"^'(?:[^']|'')*'::[A-Za-z0-9_ .\"]+$"


# --- names -------------------------------------------------------------------------------


def shorten_name(name: str, limit: int = MAX_IDENTIFIER_BYTES) -> str:
    """``name`` if it fits in ``limit`` UTF-8 bytes, else a prefix plus a hash suffix.

    PostgreSQL would silently truncate a long name, and two long names could then
    collide; the hash of the full name keeps them apart and the result is stable, so
    offline scripts are reproducible.
    """
    encoded = name.encode("utf-8")
    if len(encoded) <= limit:
        return name
    suffix = "_" + hashlib.md5(encoded, usedforsecurity=False).hexdigest()[:8]
    prefix = encoded[: limit - len(suffix)].decode("utf-8", errors="ignore")
    return prefix + suffix


def default_constraint_name(table: str, column: str) -> str:
    """``ck_<table>_<column>_enum``, shortened to 63 bytes when needed."""
    return shorten_name(f"ck_{table}_{column}_enum")


def temp_constraint_name(name: str) -> str:
    """The deterministic temporary name of the replacement constraint."""
    return shorten_name(f"{name}__new")


def remap_trigger_name(name: str) -> str:
    """The deterministic name of the trigger (and its function) that remaps a row
    still holding a mapped value when an update leaves the column alone."""
    return shorten_name(f"{name}__remap")


def transition_constraint_name(name: str) -> str:
    """The deterministic name of the transitional constraint (old or new values)
    that guards the column while ``check_enum_set_values`` remaps rows."""
    return shorten_name(f"{name}__transition")


# --- SQL fragments -----------------------------------------------------------------------


def check_expression(dialect: Dialect, column: str, values: Sequence[str]) -> str:
    """``col::text = ANY (ARRAY[...]::text[])``.

    Comparing as ``text`` keeps the expression valid whatever the column's type is
    (varchar, text, or a native enum during a conversion) and holds no enum cast, so
    no later type change can break it.  NULL passes, as with any CHECK; the column's
    own NOT NULL decides about NULLs.
    """
    col = ident(dialect, column)
    return f"{col}::text = ANY (ARRAY[{literal_list(dialect, list(values))}]::text[])"


def _text_array(dialect: Dialect, values: Sequence[str]) -> str:
    return f"ARRAY[{literal_list(dialect, list(values))}]::text[]"


def _regclass(dialect: Dialect, schema: str | None, table: str) -> str:
    return f"{literal(dialect, qualified(dialect, schema, table))}::regclass"


def _table_label(schema: str | None, table: str) -> str:
    return f"{schema}.{table}" if schema else table


def _table_lock(schema: str | None, table: str, mode: str) -> tuple[LockTarget, ...]:
    return (LockTarget("table", schema, table, mode),)


def _constraint_exists(dialect: Dialect, schema: str | None, table: str, name: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = "
        f"{_regclass(dialect, schema, table)} AND conname = {literal(dialect, name)})"
    )


def _do(body: str) -> str:
    return f"DO {dollar_quote(body)}"


def guard_sql(
    dialect: Dialect,
    schema: str | None,
    table: str,
    column: str,
    allowed: Sequence[str],
    *,
    action: str,
) -> str:
    """A DO block that refuses (RAISE) when rows hold a value outside ``allowed``.

    The offline twin of the online check: the script stops before changing anything,
    naming the table, the column, each value and its row count.
    """
    col = ident(dialect, column)
    target = qualified(dialect, schema, table)
    prefix = (
        f"alembic_enum_ops: refusing to {action}: rows of table "
        f"{_table_label(schema, table)} hold values of column {column} that are not "
        "allowed and have no mapping:"
    )
    body = f"""
DECLARE
    r record;
    found text := '';
BEGIN
    FOR r IN
        SELECT {col}::text AS value, count(*) AS n FROM {target}
        WHERE {col} IS NOT NULL AND NOT ({col}::text = ANY ({_text_array(dialect, allowed)}))
        GROUP BY 1 ORDER BY 1
    LOOP
        found := found || format(E'\\n  - %L: %s row(s)', r.value, r.n);
    END LOOP;
    IF found <> '' THEN
        RAISE EXCEPTION '%', {literal(dialect, prefix)} || found
            USING ERRCODE = 'check_violation';
    END IF;
END
"""
    return _do(body)


def _guard_step(sql: str, description: str) -> Step:
    return Step(Boundary.MIGRATION, (Statement(sql, idempotent=True),), description)


def _validate_step(
    dialect: Dialect, schema: str | None, table: str, name: str, lock_timeout: str
) -> Step:
    target = qualified(dialect, schema, table)
    return Step(
        Boundary.OWN,
        (
            Statement(
                f"ALTER TABLE {target} VALIDATE CONSTRAINT {ident(dialect, name)}",
                locks=_table_lock(schema, table, SHARE_UPDATE_EXCLUSIVE),
                idempotent=True,
            ),
        ),
        f"validate constraint {name} on {_table_label(schema, table)}",
        lock_timeout=lock_timeout,
    )


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
    IF NOT {_constraint_exists(dialect, schema, table, constraint_name)} THEN
        {add};
    END IF;
END
"""
    steps: list[Step] = []
    if guard:
        steps.append(
            _guard_step(
                guard_sql(
                    dialect, schema, table, column, values,
                    action=f"add CHECK constraint {constraint_name}",
                ),
                f"check the data of {_table_label(schema, table)}.{column}",
            )
        )
    steps.append(
        Step(
            Boundary.OWN,
            (
                Statement(
                    _do(body),
                    locks=_table_lock(schema, table, ACCESS_EXCLUSIVE),
                    idempotent=True,
                ),
            ),
            f"add constraint {constraint_name} NOT VALID on {_table_label(schema, table)}",
            lock_timeout=lock_timeout,
        )
    )
    steps.append(_validate_step(dialect, schema, table, constraint_name, lock_timeout))
    return Plan(f"check_enum_create {constraint_name} on {target}", tuple(steps))


# --- check_enum_set_values ---------------------------------------------------------------


@dataclass(frozen=True)
class Remap:
    """A batched remap (a DO block committing after every batch): not a
    :class:`~.plan.Step`, the executor sends it outside any transaction block."""

    sql: str
    description: str


@dataclass(frozen=True)
class SetValuesPlan:
    """The phases of ``check_enum_set_values``, in order: plans and batched remaps."""

    phases: tuple[Plan | Remap, ...]

    def as_sql(self, dialect: Dialect) -> str:
        parts: list[str] = []
        for phase in self.phases:
            if isinstance(phase, Remap):
                parts.extend(["COMMIT;", phase.sql + ";", "BEGIN;"])
            else:
                parts.append(phase.as_sql(dialect))
        return "\n".join(p for p in parts if p)


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
    keys = _text_array(dialect, list(mapping))
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
        SELECT relid, level FROM pg_partition_tree({_regclass(dialect, schema, table)})
        UNION SELECT {_regclass(dialect, schema, table)}, 0
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
    return _do(body)


def _exclusive_step(
    dialect: Dialect,
    schema: str | None,
    table: str,
    body: str,
    description: str,
    lock_timeout: str,
) -> Step:
    """A DO block in its own short transaction, under ``lock_timeout`` (ACCESS
    EXCLUSIVE for milliseconds: catalog changes only, never a scan)."""
    return Step(
        Boundary.OWN,
        (
            Statement(
                _do(body),
                locks=_table_lock(schema, table, ACCESS_EXCLUSIVE),
                idempotent=True,
            ),
        ),
        description,
        lock_timeout=lock_timeout,
    )


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
    keys = _text_array(dialect, list(mapping))
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
            locks=_table_lock(schema, table, ACCESS_EXCLUSIVE),
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
) -> SetValuesPlan:
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
    """
    target = qualified(dialect, schema, table)
    temp = temp_constraint_name(constraint_name)
    transition = transition_constraint_name(constraint_name)
    trigger = remap_trigger_name(constraint_name)
    label = _table_label(schema, table)
    steps: list[Step] = []
    if guard:
        steps.append(
            _guard_step(
                guard_sql(
                    dialect, schema, table, column, [*values, *mapping],
                    action=f"change the values allowed by {constraint_name}",
                ),
                f"check the data of {label}.{column}",
            )
        )
    new_check = f"CHECK ({check_expression(dialect, column, values)}) NOT VALID"
    phases: list[Plan | Remap] = []
    if not mapping:
        replace = (
            f"ALTER TABLE {target} DROP CONSTRAINT {ident(dialect, constraint_name)}, "
            f"ADD CONSTRAINT {ident(dialect, temp)} {new_check}"
        )
        body = f"""
BEGIN
    IF NOT {_constraint_exists(dialect, schema, table, temp)} THEN
        {replace};
    END IF;
END
"""
        steps.append(
            _exclusive_step(
                dialect, schema, table, body,
                f"replace constraint {constraint_name} by {temp} NOT VALID on {label}",
                lock_timeout,
            )
        )
        phases.append(Plan(f"check_enum_set_values {constraint_name} on {target}", tuple(steps)))
    else:
        missing = (
            f"alembic_enum_ops: table {label} has no CHECK constraint {constraint_name} "
            f"(nor {transition} or {temp} left by an interrupted run)"
        )
        to_transition = (
            f"ALTER TABLE {target} DROP CONSTRAINT {ident(dialect, constraint_name)}, "
            f"ADD CONSTRAINT {ident(dialect, transition)} CHECK (("
        )
        union_tail = f") OR ({check_expression(dialect, column, values)})) NOT VALID"
        body = f"""
DECLARE
    old text;
BEGIN
    IF NOT {_constraint_exists(dialect, schema, table, transition)}
       AND NOT {_constraint_exists(dialect, schema, table, temp)} THEN
        SELECT pg_get_expr(conbin, conrelid) INTO old FROM pg_constraint
        WHERE conrelid = {_regclass(dialect, schema, table)}
          AND conname = {literal(dialect, constraint_name)} AND contype = 'c';
        IF old IS NULL THEN
            RAISE EXCEPTION '%', {literal(dialect, missing)}
                USING ERRCODE = 'undefined_object';
        END IF;
        EXECUTE {literal(dialect, to_transition)} || old || {literal(dialect, union_tail)};
    END IF;
END
"""
        steps.append(
            _exclusive_step(
                dialect, schema, table, body,
                f"replace constraint {constraint_name} by {transition} (old or new "
                f"values) NOT VALID on {label}",
                lock_timeout,
            )
        )
        phases.append(Plan(f"check_enum_set_values {constraint_name} on {target}", tuple(steps)))
        remap = remap_sql(dialect, schema, table, column, mapping, batch_size=batch_size)
        phases.append(Remap(remap, f"remap {label}.{column} in committed batches"))
        add_final = f"""
BEGIN
    IF NOT {_constraint_exists(dialect, schema, table, temp)} THEN
        ALTER TABLE {target} ADD CONSTRAINT {ident(dialect, temp)} {new_check};
    END IF;
END
"""
        step = _exclusive_step(
            dialect, schema, table, add_final,
            f"add constraint {temp} NOT VALID and trigger {trigger} on {label}", lock_timeout,
        )
        step = Step(
            step.boundary,
            (*step.statements, *_remap_trigger_sql(dialect, schema, table, column, mapping,
                                                   trigger)),
            step.description,
            lock_timeout=step.lock_timeout,
        )
        phases.append(
            Plan(
                f"check_enum_set_values {constraint_name} on {target} (new set in force)",
                (step,),
            )
        )
        phases.append(Remap(remap, f"remap rows of {label}.{column} written meanwhile"))
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
    IF {_constraint_exists(dialect, schema, table, temp)} THEN
        {drop_transition}
        ALTER TABLE {target} RENAME CONSTRAINT {ident(dialect, temp)}
            TO {ident(dialect, constraint_name)};
    END IF;
END
"""
    phases.append(
        Plan(
            f"check_enum_set_values {constraint_name} on {target} (finish)",
            (
                _validate_step(dialect, schema, table, temp, lock_timeout),
                _exclusive_step(
                    dialect, schema, table, finish_body,
                    (f"drop trigger {trigger}, constraint {transition}, " if mapping else "")
                    + f"rename {temp} to {constraint_name} on {label}",
                    lock_timeout,
                ),
            ),
        )
    )
    return SetValuesPlan(tuple(phases))


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
        locks=_table_lock(schema, table, ACCESS_EXCLUSIVE),
    )
    return Plan(
        f"check_enum_drop {constraint_name} on {target}",
        (
            Step(
                Boundary.MIGRATION,
                (statement,),
                f"drop constraint {constraint_name} on {_table_label(schema, table)}",
                lock_timeout=lock_timeout,
            ),
        ),
    )


# --- conversions -------------------------------------------------------------------------


def _column_state_sql(dialect: Dialect, schema: str | None, table: str, column: str) -> str:
    return f"""
    SELECT a.atttypid, pg_get_expr(d.adbin, d.adrelid) INTO cur, def
    FROM pg_attribute a
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = {_regclass(dialect, schema, table)}
      AND a.attname = {literal(dialect, column)} AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION '%', {literal(dialect, f"alembic_enum_ops: column {column} of table {_table_label(schema, table)} does not exist")};
    END IF;"""  # noqa: E501


def _default_capture_sql(dialect: Dialect, schema: str | None, table: str, column: str) -> str:
    """Evaluate a constant default to text and drop it (it would pin the old type)."""
    target = qualified(dialect, schema, table)
    col = ident(dialect, column)
    refuse_head = (
        f"alembic_enum_ops: column {column} of table {_table_label(schema, table)} has "
        "the default "
    )
    refuse_tail = (
        ", which is not a constant; drop it before the conversion and set it again "
        "afterwards"
    )
    return f"""
        IF def IS NOT NULL THEN
            IF def !~ {literal(dialect, _CONSTANT_DEFAULT_RE)} THEN
                RAISE EXCEPTION '%', {literal(dialect, refuse_head)} || def
                    || {literal(dialect, refuse_tail)};
            END IF;
            EXECUTE 'SELECT (' || def || ')::text' INTO dv;
            ALTER TABLE {target} ALTER COLUMN {col} DROP DEFAULT;
        END IF;"""


def _drop_type_if_unused_sql(dialect: Dialect, type_schema: str | None, type_name: str) -> str:
    qtype = qualified(dialect, type_schema, type_name)
    notice = (
        f"alembic_enum_ops: enum {_table_label(type_schema, type_name)} is still used "
        "by other objects; it was not dropped"
    )
    body = f"""
DECLARE
    t regtype := to_regtype({literal(dialect, qtype)});
BEGIN
    IF t IS NULL THEN
        RETURN;
    END IF;
    IF EXISTS (
        SELECT 1 FROM pg_depend d JOIN pg_type ty ON ty.oid = t
        WHERE d.refclassid = 'pg_type'::regclass
          AND d.refobjid IN (ty.oid, ty.typarray)
          AND NOT (d.classid = 'pg_type'::regclass AND d.objid = ty.typarray)
          AND d.deptype IN ('n', 'a')
    ) THEN
        RAISE NOTICE '%', {literal(dialect, notice)};
    ELSE
        DROP TYPE {qtype};
    END IF;
END
"""
    return _do(body)


def plan_enum_to_check(
    dialect: Dialect,
    schema: str | None,
    table: str,
    column: str,
    *,
    type_schema: str | None,
    type_name: str,
    values: Sequence[str],
    constraint_name: str,
    length: int | None,
    drop_type: bool,
    lock_timeout: str,
) -> Plan:
    """Native enum column -> text (or varchar(length)) + CHECK.

    The type change rewrites the table under ACCESS EXCLUSIVE (no way around it);
    the CHECK is added ``NOT VALID`` in the same statement (the rows just came from
    the enum, so they are valid) and validated in a later transaction.
    """
    target = qualified(dialect, schema, table)
    col = ident(dialect, column)
    qtype = qualified(dialect, type_schema, type_name)
    new_type = "text" if length is None else f"varchar({int(length)})"
    label = _table_label(schema, table)
    wrong_type = (
        f"alembic_enum_ops: column {column} of table {label} has type ",
        f", not the enum {_table_label(type_schema, type_name)}",
    )
    wrong_labels = (
        f"alembic_enum_ops: enum {_table_label(type_schema, type_name)} has labels ",
        " but these were expected: ",
    )
    add = (
        f"ALTER TABLE {target} ADD CONSTRAINT {ident(dialect, constraint_name)} "
        f"CHECK ({check_expression(dialect, column, values)}) NOT VALID"
    )
    set_default = literal(dialect, f"ALTER TABLE {target} ALTER COLUMN {col} SET DEFAULT ")
    body = f"""
DECLARE
    cur oid;
    def text;
    dv text;
    labels text[];
BEGIN
{_column_state_sql(dialect, schema, table, column)}
    IF cur = to_regtype({literal(dialect, qtype)}) THEN
        SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) INTO labels
        FROM pg_enum e WHERE e.enumtypid = cur;
        IF labels IS DISTINCT FROM {_text_array(dialect, values)} THEN
            RAISE EXCEPTION '%', {literal(dialect, wrong_labels[0])} || labels::text
                || {literal(dialect, wrong_labels[1])} || {_text_array(dialect, values)}::text;
        END IF;
{_default_capture_sql(dialect, schema, table, column)}
        ALTER TABLE {target} ALTER COLUMN {col} TYPE {new_type} USING {col}::text;
        IF dv IS NOT NULL THEN
            EXECUTE {set_default} || quote_literal(dv);
        END IF;
    ELSIF cur NOT IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype) THEN
        RAISE EXCEPTION '%', {literal(dialect, wrong_type[0])} || cur::regtype::text
            || {literal(dialect, wrong_type[1])};
    END IF;
    IF NOT {_constraint_exists(dialect, schema, table, constraint_name)} THEN
        {add};
    END IF;
END
"""
    steps = [
        Step(
            Boundary.OWN,
            (
                Statement(
                    _do(body),
                    locks=_table_lock(schema, table, ACCESS_EXCLUSIVE),
                    rewrites=(label,),
                    idempotent=True,
                ),
            ),
            f"convert {label}.{column} from enum {qtype} to {new_type} NOT VALID CHECK",
            lock_timeout=lock_timeout,
        ),
        _validate_step(dialect, schema, table, constraint_name, lock_timeout),
    ]
    if drop_type:
        steps.append(
            Step(
                Boundary.MIGRATION,
                (
                    Statement(
                        _drop_type_if_unused_sql(dialect, type_schema, type_name),
                        locks=(LockTarget("type", type_schema, type_name, ACCESS_EXCLUSIVE),),
                        idempotent=True,
                    ),
                ),
                f"drop enum {qtype} if nothing uses it",
                lock_timeout=lock_timeout,
            )
        )
    return Plan(f"enum_to_check {label}.{column}", tuple(steps))


def plan_check_to_enum(
    dialect: Dialect,
    schema: str | None,
    table: str,
    column: str,
    *,
    type_schema: str | None,
    type_name: str,
    values: Sequence[str],
    constraint_name: str,
    create_type: bool,
    lock_timeout: str,
    guard: bool,
) -> Plan:
    """text/varchar + CHECK column -> native enum (the CHECK is dropped: the type
    enforces the set).  Rewrites the table under ACCESS EXCLUSIVE, in its own
    transaction under ``lock_timeout``."""
    target = qualified(dialect, schema, table)
    col = ident(dialect, column)
    qtype = qualified(dialect, type_schema, type_name)
    label = _table_label(schema, table)
    steps: list[Step] = []
    if guard:
        steps.append(
            _guard_step(
                guard_sql(
                    dialect, schema, table, column, values,
                    action=f"convert column {column} to enum {qtype}",
                ),
                f"check the data of {label}.{column}",
            )
        )
    if create_type:
        steps.extend(
            ddl.plan_create(dialect, type_schema, type_name, values, if_not_exists=True).steps
        )
    wrong_type = (
        f"alembic_enum_ops: column {column} of table {label} has type ",
        f", neither a text type nor the enum {_table_label(type_schema, type_name)}",
    )
    set_default = literal(dialect, f"ALTER TABLE {target} ALTER COLUMN {col} SET DEFAULT ")
    body = f"""
DECLARE
    cur oid;
    def text;
    dv text;
BEGIN
{_column_state_sql(dialect, schema, table, column)}
    IF cur = to_regtype({literal(dialect, qtype)}) THEN
        RETURN;
    END IF;
    IF cur NOT IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype) THEN
        RAISE EXCEPTION '%', {literal(dialect, wrong_type[0])} || cur::regtype::text
            || {literal(dialect, wrong_type[1])};
    END IF;
{_default_capture_sql(dialect, schema, table, column)}
    IF {_constraint_exists(dialect, schema, table, constraint_name)} THEN
        ALTER TABLE {target} DROP CONSTRAINT {ident(dialect, constraint_name)};
    END IF;
    ALTER TABLE {target} ALTER COLUMN {col} TYPE {qtype} USING {col}::text::{qtype};
    IF dv IS NOT NULL THEN
        EXECUTE {set_default} || quote_literal(dv) || {literal(dialect, "::" + qtype)};
    END IF;
END
"""
    steps.append(
        Step(
            Boundary.OWN,
            (
                Statement(
                    _do(body),
                    locks=_table_lock(schema, table, ACCESS_EXCLUSIVE),
                    rewrites=(label,),
                    idempotent=True,
                ),
            ),
            f"convert {label}.{column} to enum {qtype}",
            lock_timeout=lock_timeout,
        )
    )
    return Plan(f"check_to_enum {label}.{column}", tuple(steps))
